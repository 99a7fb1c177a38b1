#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "linkedin")]
//! LinkedIn publisher against a wiremock LinkedIn: the requests it sends (headers, body,
//! escaping), how it classifies each answer, token refresh and reconciliation. Answers are the
//! documented shapes in `fixtures/linkedin/`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::linkedin::{LinkedInConfig, LinkedInPublisher, LinkedInToken};
use growth_core::Error;
use growth_core::domain::{ContentId, ContentType, ScheduleId};
use growth_core::publish::{PublishRequest, Publisher};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "AQV-test-access-token";
const VERSION: &str = "202601";
const AUTHOR: &str = "urn:li:person:8675309";
const URN: &str = "urn:li:share:7012345678901234567";

fn fixture(key: &str) -> Value {
    let path = format!("{}/tests/fixtures/linkedin/responses.json", env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all.get(key).unwrap_or_else(|| panic!("no fixture `{key}`")).clone()
}

fn http() -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_millis(300),
        retry: RetryConfig {
            max_attempts: 3,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            ..RetryConfig::default()
        },
        rate_limit: None,
    }
}

fn config(server: &MockServer) -> LinkedInConfig {
    let mut c = LinkedInConfig::new(SecretString::from(TOKEN), VERSION);
    c.author = Some(AUTHOR.into());
    c.base_url = server.uri();
    c.token_url = format!("{}/oauth/v2/accessToken", server.uri());
    c.http = http();
    c
}

fn publisher(server: &MockServer) -> LinkedInPublisher {
    LinkedInPublisher::new(config(server)).unwrap()
}

fn request(content: &str) -> PublishRequest {
    PublishRequest {
        schedule_id: ScheduleId::new(),
        content_item_id: ContentId::new(),
        content_type: ContentType::LinkedinPost,
        title: None,
        content: content.into(),
        platform_data: json!({}),
        attempted_at: None,
    }
}

/// The documented 201: empty body, the URN in `x-restli-id`.
fn created() -> ResponseTemplate {
    let f = fixture("create_post_201");
    let mut t = ResponseTemplate::new(201);
    for (k, v) in f["headers"].as_object().unwrap() {
        t = t.insert_header(k.as_str(), v.as_str().unwrap());
    }
    t
}

fn post_body(commentary: &str) -> Value {
    json!({
        "author": AUTHOR,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": false
    })
}

/// A post record as the finder returns it.
fn post_record(id: &str, commentary: &str, at_ms: i64) -> Value {
    let mut p = fixture("post_record");
    p["id"] = json!(id);
    p["commentary"] = json!(commentary);
    for k in ["createdAt", "publishedAt", "lastModifiedAt"] {
        p[k] = json!(at_ms);
    }
    p
}

async fn mount_posts_finder(server: &MockServer, elements: Vec<Value>, count: &str) {
    Mock::given(method("GET"))
        .and(path("/rest/posts"))
        .and(query_param("author", AUTHOR))
        .and(query_param("q", "author"))
        .and(query_param("count", count))
        .and(query_param("sortBy", "LAST_MODIFIED"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("linkedin-version", VERSION))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .and(header("x-restli-method", "FINDER"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"elements": elements, "paging": {"start": 0, "count": elements.len(), "links": []}})),
        )
        .expect(1)
        .mount(server)
        .await;
}

async fn mount_post_answer(server: &MockServer, answer: ResponseTemplate) {
    Mock::given(method("POST")).and(path("/rest/posts")).respond_with(answer).expect(1).mount(server).await;
}

#[tokio::test]
async fn a_post_is_sent_once_with_the_required_headers_and_escaped_text() {
    let server = MockServer::start().await;
    let text = "Shipped our Q3 recap (details below) #buildinpublic — C# devs, see [notes] @team *now* ~ok_";
    let escaped = r"Shipped our Q3 recap \(details below\) {hashtag|\#|buildinpublic} — C\# devs, see \[notes\] \@team \*now\* \~ok\_";
    Mock::given(method("POST"))
        .and(path("/rest/posts"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("linkedin-version", VERSION))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .and(header("content-type", "application/json"))
        .and(body_json(post_body(escaped)))
        .respond_with(created())
        .expect(1)
        .mount(&server)
        .await;

    let p = publisher(&server).publish(&request(text)).await.unwrap();

    assert_eq!(p.platform_post_id, URN);
    assert_eq!(p.url.as_deref(), Some("https://www.linkedin.com/feed/update/urn:li:share:7012345678901234567/"));
    assert_eq!(p.via, "linkedin");
    assert_eq!(p.log["request"]["headers"]["authorization"], "[REDACTED]");
    assert_eq!(p.log["request"]["body"]["commentary"], escaped);
    assert_eq!(p.log["response"]["status"], 201);
    assert_eq!(p.log["response"]["headers"]["x-restli-id"], URN);
    assert!(!p.log.to_string().contains(TOKEN));
}

#[tokio::test]
async fn the_author_in_platform_data_wins_and_a_bad_one_is_refused_before_sending() {
    let server = MockServer::start().await;
    let org = "urn:li:organization:5515715";
    let mut body = post_body("Hello");
    body["author"] = json!(org);
    Mock::given(method("POST")).and(path("/rest/posts")).and(body_json(body)).respond_with(created()).expect(1).mount(&server).await;
    let linkedin = publisher(&server);

    let mut req = request("Hello");
    req.platform_data = json!({"author": org});
    linkedin.publish(&req).await.unwrap();

    req.platform_data = json!({"author": "jane"});
    let e = linkedin.publish(&req).await.unwrap_err();
    assert!(matches!(&e, Error::InvalidInput { field: Some(f), .. } if f == "platform_data.author"), "{e:?}");
    let e = linkedin.publish(&request(&"x".repeat(3001))).await.unwrap_err();
    assert!(matches!(&e, Error::InvalidInput { field: Some(f), .. } if f == "content"), "{e:?}");
}

#[tokio::test]
async fn a_400_is_invalid_input_and_a_duplicate_is_a_conflict_neither_resent() {
    let server = MockServer::start().await;
    mount_post_answer(&server, ResponseTemplate::new(400).set_body_json(fixture("error_400"))).await;
    let e = publisher(&server).publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(&e, Error::InvalidInput { message, .. } if message.contains("not a valid URN")), "{e:?}");

    let server = MockServer::start().await;
    mount_post_answer(&server, ResponseTemplate::new(422).set_body_json(fixture("error_422_duplicate"))).await;
    let e = publisher(&server).publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(&e, Error::Conflict { message } if message.contains("reconcile")), "{e:?}");
}

#[tokio::test]
async fn a_401_asks_for_reconnecting() {
    let server = MockServer::start().await;
    mount_post_answer(&server, ResponseTemplate::new(401).set_body_json(fixture("error_401"))).await;
    let e = publisher(&server).publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("LinkedIn needs reconnecting")), "{e:?}");
}

#[tokio::test]
async fn a_426_is_a_config_error_naming_the_version_setting() {
    let server = MockServer::start().await;
    mount_post_answer(&server, ResponseTemplate::new(426).set_body_json(fixture("error_426"))).await;
    let e = publisher(&server).publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(&e, Error::Config(m) if m.contains("api_version") && m.contains("20250101 is not active")), "{e:?}");
}

#[tokio::test]
async fn a_429_is_rate_limited_with_its_wait_and_not_resent() {
    let server = MockServer::start().await;
    mount_post_answer(&server, ResponseTemplate::new(429).insert_header("retry-after", "30").set_body_json(fixture("error_429"))).await;
    let e = publisher(&server).publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(30)), "{e:?}");
}

#[tokio::test]
async fn a_5xx_may_have_posted_so_it_is_outcome_unknown_and_not_resent() {
    let server = MockServer::start().await;
    mount_post_answer(&server, ResponseTemplate::new(500).set_body_json(fixture("error_500"))).await;
    let e = publisher(&server).publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(&e, Error::OutcomeUnknown(m) if m.contains("reconcile")), "{e:?}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_201_without_the_urn_is_outcome_unknown() {
    let server = MockServer::start().await;
    mount_post_answer(&server, ResponseTemplate::new(201)).await;
    let e = publisher(&server).publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(&e, Error::OutcomeUnknown(m) if m.contains("x-restli-id")), "{e:?}");
}

#[tokio::test]
async fn a_connect_error_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut c = LinkedInConfig::new(SecretString::from(TOKEN), VERSION);
    c.author = Some(AUTHOR.into());
    c.base_url = format!("http://{addr}");
    c.http = http();
    let e = LinkedInPublisher::new(c).unwrap().publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(&e, Error::Transient { message, .. } if message.contains("cannot connect")), "{e:?}");
}

#[tokio::test]
async fn a_timeout_after_sending_is_outcome_unknown_and_reconcile_finds_the_post() {
    let server = MockServer::start().await;
    mount_post_answer(&server, created().set_delay(Duration::from_secs(2))).await;
    let linkedin = publisher(&server);
    let req = request("Our #growth playbook (v2)");

    let e = linkedin.publish(&req).await.unwrap_err();
    assert!(matches!(&e, Error::OutcomeUnknown(_)), "{e:?}");

    let now = Utc::now().timestamp_millis();
    let ours = post_record(URN, r"Our {hashtag|\#|growth} playbook \(v2\)", now);
    let older = post_record("urn:li:share:1", "An older post", now - 86_400_000);
    mount_posts_finder(&server, vec![ours, older], "50").await;
    let p = linkedin.reconcile(&req).await.unwrap().expect("the post is on LinkedIn");
    assert_eq!(p.platform_post_id, URN);
    assert_eq!(p.url.as_deref(), Some("https://www.linkedin.com/feed/update/urn:li:share:7012345678901234567/"));
    assert_eq!(p.published_at.timestamp_millis(), now);
    assert_eq!(p.log["reconciled"], true);
}

#[tokio::test]
async fn reconcile_is_none_when_the_recent_posts_reach_back_before_the_attempt() {
    let server = MockServer::start().await;
    mount_post_answer(&server, created().set_delay(Duration::from_secs(2))).await;
    let mut c = config(&server);
    c.reconcile_count = 2;
    let linkedin = LinkedInPublisher::new(c).unwrap();
    let started = Utc::now();
    let req = request("Never arrived");
    assert!(matches!(linkedin.publish(&req).await, Err(Error::OutcomeUnknown(_))));

    let day_ago = Utc::now().timestamp_millis() - 86_400_000;
    let page = vec![post_record("urn:li:share:2", "Other", day_ago), post_record("urn:li:share:1", "Another", day_ago - 1000)];
    mount_posts_finder(&server, page, "2").await;
    // The send's time is what the runner persisted on the schedule, not this process's memory.
    let req = PublishRequest { attempted_at: Some(started), ..req };
    assert_eq!(linkedin.reconcile(&req).await.unwrap(), None);
}

#[tokio::test]
async fn reconcile_without_a_known_attempt_is_none_only_when_it_saw_every_post() {
    let server = MockServer::start().await;
    let mut c = config(&server);
    c.reconcile_count = 2;
    let linkedin = LinkedInPublisher::new(c).unwrap();
    let day_ago = Utc::now().timestamp_millis() - 86_400_000;
    let full = vec![post_record("urn:li:share:2", "Other", day_ago), post_record("urn:li:share:1", "Another", day_ago)];
    mount_posts_finder(&server, full, "2").await;
    let e = linkedin.reconcile(&request("Never arrived")).await.unwrap_err();
    assert!(matches!(&e, Error::OutcomeUnknown(m) if m.contains("check")), "{e:?}");

    let server = MockServer::start().await;
    let mut c = config(&server);
    c.reconcile_count = 2;
    mount_posts_finder(&server, vec![post_record("urn:li:share:1", "Only post", day_ago)], "2").await;
    assert_eq!(LinkedInPublisher::new(c).unwrap().reconcile(&request("Never arrived")).await.unwrap(), None);
}

#[tokio::test]
async fn the_token_is_refreshed_before_it_expires_and_handed_over_to_persist() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=AQX-refresh-token"))
        .and(body_string_contains("client_id=app-id"))
        .and(body_string_contains("client_secret=app-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("token_refreshed")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/posts"))
        .and(header("authorization", "Bearer AQV-new-access-token"))
        .respond_with(created())
        .expect(2)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.expires_at = Some(Utc::now() + chrono::Duration::minutes(30));
    c.refresh_token = Some(SecretString::from("AQX-refresh-token"));
    c.client_id = Some("app-id".into());
    c.client_secret = Some(SecretString::from("app-secret"));
    let linkedin = LinkedInPublisher::new(c).unwrap();
    let seen: Arc<Mutex<Vec<LinkedInToken>>> = Arc::default();
    let sink = seen.clone();
    linkedin.on_token_refresh(Arc::new(move |t| sink.lock().unwrap().push(t.clone())));

    linkedin.publish(&request("First")).await.unwrap();
    linkedin.publish(&request("Second")).await.unwrap(); // no second refresh

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].access_token.expose_secret(), "AQV-new-access-token");
    assert_eq!(seen[0].refresh_token.as_ref().unwrap().expose_secret(), "AQX-refresh-token");
    let now = Utc::now();
    let expires = seen[0].expires_at.unwrap();
    assert!(expires > now + chrono::Duration::days(59) && expires <= now + chrono::Duration::days(60), "{expires}");
    assert_eq!(linkedin.token().access_token.expose_secret(), "AQV-new-access-token");
}

#[tokio::test]
async fn an_expired_token_without_a_refresh_token_needs_reconnecting_and_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(created()).expect(0).mount(&server).await;
    let mut c = config(&server);
    c.expires_at = Some(Utc::now() - chrono::Duration::minutes(1));
    let e = LinkedInPublisher::new(c).unwrap().publish(&request("Hello")).await.unwrap_err();
    assert!(
        matches!(&e, Error::Unauthenticated(m) if m.contains("LinkedIn needs reconnecting") && m.contains("no refresh token")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_refused_refresh_needs_reconnecting() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("token_refused")))
        .expect(1)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.expires_at = Some(Utc::now() - chrono::Duration::minutes(1));
    c.refresh_token = Some(SecretString::from("AQX-revoked"));
    c.client_id = Some("app-id".into());
    c.client_secret = Some(SecretString::from("app-secret"));
    let e = LinkedInPublisher::new(c).unwrap().publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("LinkedIn needs reconnecting") && m.contains("revoked")), "{e:?}");
}

#[tokio::test]
async fn a_failing_token_endpoint_never_disconnects() {
    // Still valid: the refresh fails (retried, 503), the current token is used.
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/oauth/v2/accessToken")).respond_with(ResponseTemplate::new(503)).expect(3).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/rest/posts"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(created())
        .expect(1)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.expires_at = Some(Utc::now() + chrono::Duration::minutes(30));
    c.refresh_token = Some(SecretString::from("AQX-refresh-token"));
    c.client_id = Some("app-id".into());
    c.client_secret = Some(SecretString::from("app-secret"));
    let linkedin = LinkedInPublisher::new(c.clone()).unwrap();
    linkedin.publish(&request("Hello")).await.unwrap();
    assert_eq!(linkedin.token().access_token.expose_secret(), TOKEN);

    // Expired: the failure is transient, not a disconnect, and nothing is posted.
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/oauth/v2/accessToken")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    Mock::given(method("POST")).and(path("/rest/posts")).respond_with(created()).expect(0).mount(&server).await;
    c.base_url = server.uri();
    c.token_url = format!("{}/oauth/v2/accessToken", server.uri());
    c.expires_at = Some(Utc::now() - chrono::Duration::minutes(1));
    let e = LinkedInPublisher::new(c).unwrap().publish(&request("Hello")).await.unwrap_err();
    assert!(matches!(&e, Error::Transient { .. }), "{e:?}");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn capabilities_say_reconcile_without_idempotency_key() {
    let server = MockServer::start().await;
    let caps = publisher(&server).capabilities();
    assert!(!caps.idempotency_key);
    assert!(caps.reconcile);
}

/// The finder's page from `start`, `count` a page.
async fn mount_posts_page(server: &MockServer, elements: Vec<Value>, start: &str, count: &str) {
    Mock::given(method("GET"))
        .and(path("/rest/posts"))
        .and(query_param("author", AUTHOR))
        .and(query_param("q", "author"))
        .and(query_param("count", count))
        .and(query_param("start", start))
        .and(query_param("sortBy", "LAST_MODIFIED"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"elements": elements, "paging": {"start": start, "count": count}})))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn reconcile_pages_back_to_the_persisted_attempt_time() {
    // More posts than one page were made since the send: the first page cannot prove anything.
    let server = MockServer::start().await;
    let mut c = config(&server);
    c.reconcile_count = 2;
    let linkedin = LinkedInPublisher::new(c).unwrap();
    let sent = Utc::now() - chrono::Duration::hours(1);
    let req = PublishRequest { attempted_at: Some(sent), ..request("Never arrived") };
    let ms = sent.timestamp_millis();
    mount_posts_page(
        &server,
        vec![post_record("urn:li:share:9", "Newer", ms + 3_000_000), post_record("urn:li:share:8", "New", ms + 2_000_000)],
        "0",
        "2",
    )
    .await;
    mount_posts_page(
        &server,
        vec![post_record("urn:li:share:7", "Also new", ms + 1_000_000), post_record("urn:li:share:6", "Before", ms - 86_400_000)],
        "2",
        "2",
    )
    .await;
    assert_eq!(linkedin.reconcile(&req).await.unwrap(), None, "the second page reaches back before the send");

    // Ours is on the second page: found.
    let server = MockServer::start().await;
    let mut c = config(&server);
    c.reconcile_count = 2;
    let linkedin = LinkedInPublisher::new(c).unwrap();
    let req = PublishRequest { attempted_at: Some(sent), ..request("Found late") };
    mount_posts_page(
        &server,
        vec![post_record("urn:li:share:9", "Newer", ms + 3_000_000), post_record("urn:li:share:8", "New", ms + 2_000_000)],
        "0",
        "2",
    )
    .await;
    mount_posts_page(
        &server,
        vec![post_record(URN, "Found late", ms + 1_000), post_record("urn:li:share:6", "Before", ms - 86_400_000)],
        "2",
        "2",
    )
    .await;
    let p = linkedin.reconcile(&req).await.unwrap().expect("found on page two");
    assert_eq!(p.platform_post_id, URN);
}
