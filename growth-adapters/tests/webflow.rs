#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "webflow")]
//! Webflow publisher against a wiremock Data API v2: the requests it sends (headers, body, HTML
//! sanitising), how each answer is classified, slug conflicts and reconciliation. Bodies are the
//! official OpenAPI spec's examples in `fixtures/webflow/`.

use std::time::Duration;

use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::webflow::{PublishMode, WebflowConfig, WebflowPublisher};
use growth_core::Error;
use growth_core::domain::{ContentId, ContentType, ScheduleId};
use growth_core::publish::{PublishRequest, Publisher};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_partial_json, header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "wf-site-token-123";
const COLLECTION: &str = "580e63fc8c9a982ac9b8b745";
const TITLE: &str = "The PLG Paradox";
const SLUG: &str = "the-plg-paradox";

fn examples() -> Value {
    let path = format!("{}/tests/fixtures/webflow/cms_items_examples.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The spec's created CollectionItem with our id, name and slug.
fn item(id: &str, name: &str, slug: &str, published: bool) -> Value {
    let mut item = examples()["POST /collections/{collection_id}/items"]["responses"]["202"]["application/json"]["SingleItem"].clone();
    item["id"] = json!(id);
    item["fieldData"]["name"] = json!(name);
    item["fieldData"]["slug"] = json!(slug);
    if !published {
        item["lastPublished"] = Value::Null;
    }
    item
}

fn error_body(endpoint: &str, status: &str) -> Value {
    examples()[endpoint]["responses"][status]["application/json"]["example"].clone()
}

fn list(items: Vec<Value>) -> Value {
    let total = items.len();
    json!({"items": items, "pagination": {"limit": 100, "offset": 0, "total": total}})
}

fn slug_taken(slug: &str) -> Value {
    json!({
        "code": "validation_error",
        "message": "Validation Error",
        "externalReference": null,
        "details": [{"param": "slug", "description": format!("Unique value is already in database: '{slug}'")}]
    })
}

fn items_path(suffix: &str) -> String {
    format!("/v2/collections/{COLLECTION}/items{suffix}")
}

fn publisher(server: &MockServer, mode: PublishMode) -> WebflowPublisher {
    let mut config = WebflowConfig::new(TOKEN.to_owned().into(), COLLECTION);
    config.base_url = server.uri();
    config.mode = mode;
    config.site_url = Some("https://example.com".into());
    config.http = HttpConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_millis(300),
        retry: RetryConfig {
            max_attempts: 3,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            ..RetryConfig::default()
        },
        rate_limit: None,
    };
    WebflowPublisher::new(config).unwrap()
}

fn request() -> PublishRequest {
    PublishRequest {
        schedule_id: ScheduleId::new(),
        content_item_id: ContentId::new(),
        content_type: ContentType::BlogPost,
        title: Some(TITLE.into()),
        content: "Most teams add a free plan and call it **product-led**.\n\n<script>alert('pwned')</script>\n\n[Read more](https://example.com/more)".into(),
        platform_data: Value::Null,
        attempted_at: None,
    }
}

async fn bodies(server: &MockServer, at: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == at && r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

// ---------------------------------------------------------------- success

#[tokio::test]
async fn a_live_create_sends_the_token_and_a_sanitised_html_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({"isArchived": false, "isDraft": false, "fieldData": {"name": TITLE, "slug": SLUG}})))
        .respond_with(ResponseTemplate::new(202).set_body_json(item("642fd0a1", TITLE, SLUG, true)))
        .expect(1)
        .mount(&server)
        .await;

    let post = publisher(&server, PublishMode::Live).publish(&request()).await.unwrap();

    assert_eq!(post.platform_post_id, "642fd0a1");
    assert_eq!(post.url.as_deref(), Some("https://example.com/blog/the-plg-paradox"));
    assert_eq!(post.via, "webflow");
    assert_eq!(post.published_at.to_rfc3339(), "2022-11-29T16:22:43.159+00:00");
    let sent = &bodies(&server, &items_path("/live")).await[0];
    let html = sent["fieldData"]["post-body"].as_str().unwrap();
    assert!(html.contains("<strong>product-led</strong>"), "{html}");
    assert!(html.contains(r#"<a href="https://example.com/more""#), "{html}");
    assert!(!html.contains("<script") && !html.contains("pwned"), "{html}");
    // The log keeps the exchange, not the token.
    let log = post.log.to_string();
    assert!(!log.contains(TOKEN), "{log}");
    assert_eq!(post.log["exchanges"][0]["request"]["headers"]["authorization"], "[REDACTED]");
    assert_eq!(post.log["exchanges"][0]["request"]["body"]["fieldData"]["slug"], SLUG);
    assert_eq!(post.log["exchanges"][0]["response"]["status"], 202);
}

#[tokio::test]
async fn extra_fields_and_a_given_slug_come_from_platform_data() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .and(body_partial_json(json!({"fieldData": {"slug": "plg-2026", "summary": "Free is not a strategy.", "name": TITLE}})))
        .respond_with(ResponseTemplate::new(202).set_body_json(item("1", TITLE, "plg-2026", true)))
        .expect(1)
        .mount(&server)
        .await;
    let mut req = request();
    req.platform_data = json!({"slug": "PLG 2026", "field_data": {"summary": "Free is not a strategy.", "name": "not this"}});
    let post = publisher(&server, PublishMode::Live).publish(&req).await.unwrap();
    assert_eq!(post.url.as_deref(), Some("https://example.com/blog/plg-2026"));
}

#[tokio::test]
async fn staged_then_publish_creates_a_staged_item_and_publishes_its_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(202).set_body_json(item("643fd856d66b6528195ee2ca", TITLE, SLUG, false)))
        .expect(1)
        .mount(&server)
        .await;
    let published = json!({"publishedItemIds": ["643fd856d66b6528195ee2ca"], "errors": []});
    Mock::given(method("POST"))
        .and(path(items_path("/publish")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_json(json!({"itemIds": ["643fd856d66b6528195ee2ca"]})))
        .respond_with(ResponseTemplate::new(202).set_body_json(published))
        .expect(1)
        .mount(&server)
        .await;

    let post = publisher(&server, PublishMode::StagedThenPublish).publish(&request()).await.unwrap();
    assert_eq!(post.platform_post_id, "643fd856d66b6528195ee2ca");
    assert_eq!(post.log["exchanges"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn staged_mode_creates_without_publishing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(202).set_body_json(item("s1", TITLE, SLUG, false)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(items_path("/publish"))).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    Mock::given(path(items_path("/live"))).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    assert_eq!(publisher(&server, PublishMode::Staged).publish(&request()).await.unwrap().platform_post_id, "s1");
}

#[tokio::test]
async fn a_publish_step_that_leaves_the_item_out_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(202).set_body_json(item("s1", TITLE, SLUG, false)))
        .mount(&server)
        .await;
    // The spec's own example: other ids published, an error for the missing one.
    let answer = examples()["POST /collections/{collection_id}/items/publish"]["responses"]["202"]["application/json"]["example"].clone();
    Mock::given(method("POST"))
        .and(path(items_path("/publish")))
        .respond_with(ResponseTemplate::new(202).set_body_json(answer))
        .mount(&server)
        .await;
    let err = publisher(&server, PublishMode::StagedThenPublish).publish(&request()).await.unwrap_err();
    assert!(matches!(&err, Error::Permanent(m) if m.contains("s1") && m.contains("not found")), "{err:?}");
}

// ---------------------------------------------------------------- slug conflicts

#[tokio::test]
async fn a_taken_slug_holding_our_earlier_item_returns_that_item() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .respond_with(ResponseTemplate::new(400).set_body_json(slug_taken(SLUG)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .and(query_param("slug", SLUG))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![item("ours-1", TITLE, SLUG, true)])))
        .expect(1)
        .mount(&server)
        .await;
    let post = publisher(&server, PublishMode::Live).publish(&request()).await.unwrap();
    assert_eq!(post.platform_post_id, "ours-1");
    assert_eq!(post.url.as_deref(), Some("https://example.com/blog/the-plg-paradox"));
}

#[tokio::test]
async fn a_taken_slug_holding_another_item_is_suffixed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .and(body_partial_json(json!({"fieldData": {"slug": SLUG}})))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_json(json!({"code": "conflict", "message": "Conflict", "externalReference": null, "details": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .and(query_param("slug", SLUG))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![item("theirs", "The PLG paradox, an older post", SLUG, true)])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .and(body_partial_json(json!({"fieldData": {"slug": "the-plg-paradox-2", "name": TITLE}})))
        .respond_with(ResponseTemplate::new(202).set_body_json(item("new-2", TITLE, "the-plg-paradox-2", true)))
        .expect(1)
        .mount(&server)
        .await;
    let post = publisher(&server, PublishMode::Live).publish(&request()).await.unwrap();
    assert_eq!(post.platform_post_id, "new-2");
    assert_eq!(post.url.as_deref(), Some("https://example.com/blog/the-plg-paradox-2"));
}

#[tokio::test]
async fn our_earlier_staged_item_found_by_slug_is_published_not_recreated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(400).set_body_json(slug_taken(SLUG)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![item("ours", TITLE, SLUG, false)])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(items_path("/publish")))
        .and(body_json(json!({"itemIds": ["ours"]})))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"publishedItemIds": ["ours"], "errors": []})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(publisher(&server, PublishMode::StagedThenPublish).publish(&request()).await.unwrap().platform_post_id, "ours");
}

#[tokio::test]
async fn a_conflict_without_an_item_at_the_slug_is_not_guessed_around() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"code": "conflict", "message": "Conflict"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![])))
        .expect(1)
        .mount(&server)
        .await;
    let err = publisher(&server, PublishMode::Live).publish(&request()).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
}

#[tokio::test]
async fn with_a_content_id_field_a_same_named_item_of_another_content_item_is_not_ours() {
    let server = MockServer::start().await;
    let req = request();
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .and(body_partial_json(json!({"fieldData": {"slug": SLUG, "growth-id": req.content_item_id.to_string()}})))
        .respond_with(ResponseTemplate::new(400).set_body_json(slug_taken(SLUG)))
        .expect(1)
        .mount(&server)
        .await;
    let mut same_name = item("theirs", TITLE, SLUG, true);
    same_name["fieldData"]["growth-id"] = json!(ContentId::new().to_string());
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![same_name])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .and(body_partial_json(json!({"fieldData": {"slug": "the-plg-paradox-2"}})))
        .respond_with(ResponseTemplate::new(202).set_body_json(item("mine", TITLE, "the-plg-paradox-2", true)))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = WebflowConfig::new(TOKEN.to_owned().into(), COLLECTION);
    config.base_url = server.uri();
    config.content_id_field = Some("growth-id".into());
    assert_eq!(WebflowPublisher::new(config).unwrap().publish(&req).await.unwrap().platform_post_id, "mine");
}

// ---------------------------------------------------------------- errors

#[tokio::test]
async fn a_4xx_is_not_retried_and_keeps_webflows_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body("POST /collections/{collection_id}/items", "401")))
        .expect(1)
        .mount(&server)
        .await;
    let err = publisher(&server, PublishMode::Live).publish(&request()).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthenticated(m) if m.contains("Request not authorized")), "{err:?}");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_body("POST /collections/{collection_id}/items", "400")))
        .expect(1)
        .mount(&server)
        .await;
    let err = publisher(&server, PublishMode::Live).publish(&request()).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("Request is malformed")), "{err:?}");
}

#[tokio::test]
async fn a_request_without_a_title_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(202)).expect(0).mount(&server).await;
    let mut req = request();
    req.title = None;
    let err = publisher(&server, PublishMode::Live).publish(&req).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field: Some(f), .. } if f == "title"), "{err:?}");
}

#[tokio::test]
async fn a_429_on_create_is_rate_limited_with_its_retry_after_and_not_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "60")
                .set_body_json(error_body("POST /collections/{collection_id}/items", "429")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = publisher(&server, PublishMode::Live).publish(&request()).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(60)), "{err:?}");
}

#[tokio::test]
async fn a_429_on_a_lookup_is_waited_out_and_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0.05")
                .set_body_json(error_body("GET /collections/{collection_id}/items", "429")),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![item("ours", TITLE, SLUG, true)])))
        .expect(1)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let found = publisher(&server, PublishMode::Live).reconcile(&request()).await.unwrap();
    assert_eq!(found.unwrap().platform_post_id, "ours");
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn a_5xx_on_create_is_an_unknown_outcome_and_is_not_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .respond_with(ResponseTemplate::new(500).set_body_json(error_body("POST /collections/{collection_id}/items", "500")))
        .expect(1)
        .mount(&server)
        .await;
    let err = publisher(&server, PublishMode::Live).publish(&request()).await.unwrap_err();
    assert!(matches!(&err, Error::OutcomeUnknown(m) if m.contains("An Internal Error occurred")), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_5xx_on_a_lookup_is_retried_then_transient() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(500).set_body_json(error_body("GET /collections/{collection_id}/items", "500")))
        .expect(3)
        .mount(&server)
        .await;
    let err = publisher(&server, PublishMode::Live).reconcile(&request()).await.unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
}

// ---------------------------------------------------------------- timeout and reconcile

#[tokio::test]
async fn a_timeout_after_send_is_an_unknown_outcome_then_reconcile_finds_the_item() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .respond_with(ResponseTemplate::new(202).set_body_json(item("late", TITLE, SLUG, true)).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .and(query_param("slug", SLUG))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![item("late", TITLE, SLUG, true)])))
        .expect(1)
        .mount(&server)
        .await;
    let webflow = publisher(&server, PublishMode::Live);
    let req = request();
    let err = webflow.publish(&req).await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown(_)), "{err:?}");
    let found = webflow.reconcile(&req).await.unwrap().expect("the item is there");
    assert_eq!(found.platform_post_id, "late");
    assert_eq!(found.url.as_deref(), Some("https://example.com/blog/the-plg-paradox"));
}

#[tokio::test]
async fn a_timeout_after_send_then_reconcile_proves_the_item_absent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(items_path("/live")))
        .respond_with(ResponseTemplate::new(202).set_body_json(item("late", TITLE, SLUG, true)).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![])))
        .expect(1)
        .mount(&server)
        .await;
    let webflow = publisher(&server, PublishMode::Live);
    let req = request();
    assert!(matches!(webflow.publish(&req).await.unwrap_err(), Error::OutcomeUnknown(_)));
    assert!(webflow.reconcile(&req).await.unwrap().is_none());
}

#[tokio::test]
async fn reconcile_walks_past_other_items_to_ours_and_stops_at_a_free_slug() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .and(query_param("slug", SLUG))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![item("theirs", "Someone else", SLUG, true)])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .and(query_param("slug", "the-plg-paradox-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![item("ours-2", TITLE, "the-plg-paradox-2", true)])))
        .mount(&server)
        .await;
    let webflow = publisher(&server, PublishMode::Live);
    assert_eq!(webflow.reconcile(&request()).await.unwrap().unwrap().platform_post_id, "ours-2");

    let mut other = request();
    other.title = Some("The PLG Paradox, part 2".into());
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .and(query_param("slug", "the-plg-paradox-part-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![])))
        .expect(1)
        .mount(&server)
        .await;
    assert!(webflow.reconcile(&other).await.unwrap().is_none());
}

#[tokio::test]
async fn an_unpublished_staged_item_is_not_yet_a_publication() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(items_path("")))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(vec![item("ours", TITLE, SLUG, false)])))
        .mount(&server)
        .await;
    assert!(publisher(&server, PublishMode::StagedThenPublish).reconcile(&request()).await.unwrap().is_none());
    assert!(publisher(&server, PublishMode::Staged).reconcile(&request()).await.unwrap().is_some());
}

#[test]
fn capabilities_say_reconcile_without_idempotency_keys() {
    let config = WebflowConfig::new(TOKEN.to_owned().into(), COLLECTION);
    let caps = WebflowPublisher::new(config).unwrap().capabilities();
    assert!(caps.reconcile && !caps.idempotency_key && !caps.metrics);
    assert!(matches!(WebflowPublisher::new(WebflowConfig::new(TOKEN.to_owned().into(), "../x")), Err(Error::Config(_))));
}

// ---------------------------------------------------------------- conformance

/// A Webflow collection that keeps what is created: slugs are unique, list filters by slug.
#[derive(Default)]
struct FakeCollection {
    items: std::sync::Mutex<Vec<Value>>,
}

impl wiremock::Respond for FakeCollection {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let mut items = self.items.lock().unwrap();
        if request.method.as_str() == "GET" {
            let slug = request.url.query_pairs().find(|(k, _)| k == "slug").map(|(_, v)| v.into_owned());
            let found = items.iter().filter(|i| slug.as_deref().is_none_or(|s| i["fieldData"]["slug"] == s)).cloned().collect();
            return ResponseTemplate::new(200).set_body_json(list(found));
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let slug = body["fieldData"]["slug"].as_str().unwrap().to_owned();
        if items.iter().any(|i| i["fieldData"]["slug"] == slug.as_str()) {
            return ResponseTemplate::new(400).set_body_json(slug_taken(&slug));
        }
        let mut created = item(&format!("item-{}", items.len() + 1), body["fieldData"]["name"].as_str().unwrap(), &slug, true);
        created["fieldData"] = body["fieldData"].clone();
        items.push(created.clone());
        ResponseTemplate::new(202).set_body_json(created)
    }
}

#[tokio::test]
async fn the_publisher_passes_the_publisher_conformance_suite() {
    growth_core::testkit::publisher::run_all(|| async {
        // Leaked so the server outlives the publisher handed to the suite (tests only).
        let server: &'static MockServer = Box::leak(Box::new(MockServer::start().await));
        Mock::given(path_regex(format!("^/v2/collections/{COLLECTION}/items(/live)?$")))
            .respond_with(FakeCollection::default())
            .mount(server)
            .await;
        std::sync::Arc::new(publisher(server, PublishMode::Live)) as std::sync::Arc<dyn Publisher>
    })
    .await;
}
