#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "notion")]
//! Notion tracking pages against a wiremock Notion API: the version header and parent shape per
//! `Notion-Version`, the create vs update paths, how each answer is classified, and
//! reconciliation. Bodies are real recorded answers in `fixtures/notion/`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::notion::{NotionConfig, NotionProperties, NotionPublisher, StatusKind};
use growth_core::Error;
use growth_core::domain::{ContentId, ContentType, ScheduleId};
use growth_core::publish::{PublishRequest, Publisher};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ntn_test_secret_123";
const DATA_SOURCE: &str = "393abc1e-edcd-81a2-8d0b-000bae7f15dc";
const DATABASE: &str = "daf41515-aa5f-4d14-97a8-9193425ec491";
/// The page id in the recorded `pages_create` answer.
const CREATED: &str = "393abc1e-edcd-8181-8d59-e30a27148c69";
/// The page id in the recorded `pages_update` answer.
const UPDATED: &str = "393abc1e-edcd-818a-81e9-e14c2f78901e";

fn recorded(key: &str) -> Value {
    let path = format!("{}/tests/fixtures/notion/recorded_responses.json", env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all.get(key).unwrap_or_else(|| panic!("no fixture `{key}`")).clone()
}

/// The recorded (empty) query answer, with `pages` as its results.
fn query_answer(pages: Vec<Value>) -> Value {
    let mut answer = recorded("data_sources_query_empty");
    answer["results"] = Value::Array(pages);
    answer
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

fn config(server: &MockServer) -> NotionConfig {
    let mut config = NotionConfig::new(TOKEN.to_owned().into(), DATA_SOURCE);
    config.base_url = server.uri();
    config.http = http();
    config
}

fn publisher(server: &MockServer) -> NotionPublisher {
    NotionPublisher::new(config(server)).unwrap()
}

fn request() -> PublishRequest {
    PublishRequest {
        schedule_id: ScheduleId::new(),
        content_item_id: ContentId::new(),
        content_type: ContentType::LinkedinPost,
        title: Some("The PLG Paradox".into()),
        content: "Most teams add a free plan and call it product-led.".into(),
        platform_data: Value::Null,
        attempted_at: None,
    }
}

fn query_path() -> String {
    format!("/v1/data_sources/{DATA_SOURCE}/query")
}

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z").unwrap().with_timezone(&Utc)
}

async fn body_of(server: &MockServer, verb: &str, at: &str) -> Value {
    let r = server.received_requests().await.unwrap().into_iter().find(|r| r.url.path() == at && r.method.as_str() == verb).unwrap();
    serde_json::from_slice(&r.body).unwrap()
}

// ---------------------------------------------------------------- create vs update

#[tokio::test]
async fn a_new_item_gets_a_page_under_the_data_source_with_the_current_version() {
    let server = MockServer::start().await;
    let req = request();
    let id = req.content_item_id.to_string();
    Mock::given(method("POST"))
        .and(path(query_path()))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("notion-version", "2025-09-03"))
        .and(body_json(json!({"filter": {"property": "Content ID", "rich_text": {"equals": id}}, "page_size": 10})))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("data_sources_query_empty")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/pages"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("notion-version", "2025-09-03"))
        .and(body_partial_json(json!({"parent": {"data_source_id": DATA_SOURCE}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("pages_create")))
        .expect(1)
        .mount(&server)
        .await;

    let page = publisher(&server)
        .upsert_tracking(&req, "Published", Some("https://www.linkedin.com/feed/update/urn:li:share:7012"), Some(at()))
        .await
        .unwrap();

    assert_eq!(page.platform_post_id, CREATED);
    assert_eq!(page.url.as_deref(), Some("https://app.notion.com/p/Test-Page-393abc1eedcd81818d59e30a27148c69"));
    assert_eq!(page.published_at, at());
    assert_eq!(page.via, "notion");
    let sent = body_of(&server, "POST", "/v1/pages").await;
    assert_eq!(sent["parent"], json!({"data_source_id": DATA_SOURCE}));
    let p = &sent["properties"];
    assert_eq!(p["Name"]["title"][0]["text"]["content"], "The PLG Paradox");
    assert_eq!(p["Content ID"]["rich_text"][0]["text"]["content"], id);
    assert_eq!(p["Status"], json!({"select": {"name": "Published"}}));
    assert_eq!(p["Published"], json!({"date": {"start": "2026-11-25T10:00:00Z"}}));
    assert_eq!(p["URL"], json!({"url": "https://www.linkedin.com/feed/update/urn:li:share:7012"}));
    // The log: both exchanges, no token.
    assert!(!page.log.to_string().contains(TOKEN), "{}", page.log);
    assert_eq!(page.log["exchanges"][1]["request"]["headers"]["authorization"], "[REDACTED]");
    assert_eq!(page.log["exchanges"][1]["request"]["headers"]["notion-version"], "2025-09-03");
    assert_eq!(page.log["exchanges"][1]["response"]["body"]["id"], CREATED);
}

#[tokio::test]
async fn an_older_version_uses_the_database_parent_and_query() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/databases/{DATABASE}/query")))
        .and(header("notion-version", "2022-06-28"))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("data_sources_query_empty")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/pages"))
        .and(header("notion-version", "2022-06-28"))
        .and(body_partial_json(json!({"parent": {"database_id": DATABASE}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("pages_create")))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.notion_version = "2022-06-28".into();
    config.data_source_id = None;
    config.database_id = Some(DATABASE.into());
    let page = NotionPublisher::new(config).unwrap().publish(&request()).await.unwrap();
    assert_eq!(page.platform_post_id, CREATED);
    assert!(body_of(&server, "POST", "/v1/pages").await["parent"].get("data_source_id").is_none());
}

#[tokio::test]
async fn an_existing_page_found_by_content_id_is_updated_not_duplicated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(query_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(query_answer(vec![recorded("pages_update")])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v1/pages/{UPDATED}")))
        .and(header("notion-version", "2025-09-03"))
        .and(body_partial_json(json!({"properties": {"Status": {"status": {"name": "Scheduled"}}}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("pages_update")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/v1/pages")).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;

    let mut config = config(&server);
    config.properties = NotionProperties { status_kind: StatusKind::Status, ..NotionProperties::default() };
    let page = NotionPublisher::new(config).unwrap().upsert_tracking(&request(), "Scheduled", None, None).await.unwrap();
    assert_eq!(page.platform_post_id, UPDATED);
    let sent = body_of(&server, "PATCH", &format!("/v1/pages/{UPDATED}")).await;
    assert!(sent.get("parent").is_none());
    assert!(sent["properties"].get("URL").is_none() && sent["properties"].get("Published").is_none(), "{sent}");
}

#[tokio::test]
async fn a_page_id_in_platform_data_is_updated_directly() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("/v1/pages/{UPDATED}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("pages_update")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let mut req = request();
    req.platform_data = json!({"notion_page_id": UPDATED, "url": "https://example.com/blog/plg"});
    let page = publisher(&server).publish(&req).await.unwrap();
    assert_eq!(page.platform_post_id, UPDATED);
    let sent = body_of(&server, "PATCH", &format!("/v1/pages/{UPDATED}")).await;
    assert_eq!(sent["properties"]["URL"], json!({"url": "https://example.com/blog/plg"}));
    assert_eq!(sent["properties"]["Status"], json!({"select": {"name": "Published"}}));
}

#[tokio::test]
async fn a_given_page_that_is_gone_is_looked_up_then_created() {
    let server = MockServer::start().await;
    let not_found = json!({"object": "error", "status": 404, "code": "object_not_found", "message": "Could not find page with ID: 393abc1e-edcd-818a-81e9-e14c2f78901e."});
    Mock::given(method("PATCH")).respond_with(ResponseTemplate::new(404).set_body_json(not_found)).expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path(query_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("data_sources_query_empty")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/pages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("pages_create")))
        .expect(1)
        .mount(&server)
        .await;
    let mut req = request();
    req.platform_data = json!({"page_id": UPDATED});
    assert_eq!(publisher(&server).publish(&req).await.unwrap().platform_post_id, CREATED);
}

// ---------------------------------------------------------------- errors

#[tokio::test]
async fn recorded_4xx_answers_keep_their_meaning_and_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(query_path()))
        .respond_with(ResponseTemplate::new(401).set_body_json(recorded("error_unauthorized")))
        .expect(1)
        .mount(&server)
        .await;
    let err = publisher(&server).publish(&request()).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthenticated(m) if m.contains("API token is invalid.")), "{err:?}");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(query_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("data_sources_query_empty")))
        .mount(&server)
        .await;
    let invalid = json!({"object": "error", "status": 400, "code": "validation_error", "message": "Status is expected to be status.", "request_id": "5c99c82e-cc3f-4141-917c-31eec94ec4b5"});
    Mock::given(method("POST"))
        .and(path("/v1/pages"))
        .respond_with(ResponseTemplate::new(400).set_body_json(invalid))
        .expect(1)
        .mount(&server)
        .await;
    let err = publisher(&server).publish(&request()).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { message, .. } if message.contains("validation_error: Status is expected to be status.")),
        "{err:?}"
    );
}

fn rate_limited(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(429).insert_header("retry-after", retry_after).set_body_json(json!({
        "object": "error", "status": 429, "code": "rate_limited",
        "message": "You have been rate limited. Please try again in a few minutes."
    }))
}

#[tokio::test]
async fn a_429_on_a_query_is_waited_out_and_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path(query_path())).respond_with(rate_limited("0.05")).up_to_n_times(1).expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path(query_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(query_answer(vec![recorded("pages_update")])))
        .expect(1)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let found = publisher(&server).reconcile(&request()).await.unwrap().unwrap();
    assert_eq!(found.platform_post_id, UPDATED);
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn a_429_on_create_is_rate_limited_with_its_retry_after_and_not_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(query_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("data_sources_query_empty")))
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/v1/pages")).respond_with(rate_limited("30")).expect(1).mount(&server).await;
    let err = publisher(&server).publish(&request()).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(30)), "{err:?}");
}

#[tokio::test]
async fn a_5xx_on_create_is_an_unknown_outcome_but_an_overload_is_transient() {
    for (status, unknown) in [(500, true), (502, true), (529, false)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(query_path()))
            .respond_with(ResponseTemplate::new(200).set_body_json(recorded("data_sources_query_empty")))
            .mount(&server)
            .await;
        let body = json!({"object": "error", "status": status, "code": "internal_server_error", "message": "Unexpected error occurred."});
        Mock::given(method("POST"))
            .and(path("/v1/pages"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
        let err = publisher(&server).publish(&request()).await.unwrap_err();
        if unknown {
            assert!(matches!(err, Error::OutcomeUnknown(_)), "{status}: {err:?}");
        } else {
            assert!(matches!(err, Error::Transient { .. }), "{status}: {err:?}");
        }
    }
}

#[tokio::test]
async fn a_5xx_on_an_update_is_retried_then_transient() {
    let server = MockServer::start().await;
    let body = json!({"object": "error", "status": 503, "code": "service_unavailable", "message": "Notion is unavailable."});
    Mock::given(method("PATCH")).respond_with(ResponseTemplate::new(503).set_body_json(body)).expect(3).mount(&server).await;
    let mut req = request();
    req.platform_data = json!({"page_id": UPDATED});
    let err = publisher(&server).publish(&req).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("service_unavailable")), "{err:?}");
}

// ---------------------------------------------------------------- timeout and reconcile

#[tokio::test]
async fn a_timeout_after_send_is_an_unknown_outcome_then_reconcile_finds_the_page() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(query_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("data_sources_query_empty")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/pages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("pages_create")).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(query_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(query_answer(vec![recorded("pages_create")])))
        .mount(&server)
        .await;
    let notion = publisher(&server);
    let req = request();
    let err = notion.publish(&req).await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown(_)), "{err:?}");
    let found = notion.reconcile(&req).await.unwrap().expect("the page is there");
    assert_eq!(found.platform_post_id, CREATED);
    assert_eq!(found.url.as_deref(), Some("https://app.notion.com/p/Test-Page-393abc1eedcd81818d59e30a27148c69"));
}

#[tokio::test]
async fn a_timeout_after_send_then_reconcile_proves_the_page_absent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(query_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("data_sources_query_empty")))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/pages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(recorded("pages_create")).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    let notion = publisher(&server);
    let req = request();
    assert!(matches!(notion.publish(&req).await.unwrap_err(), Error::OutcomeUnknown(_)));
    assert!(notion.reconcile(&req).await.unwrap().is_none());
}

#[test]
fn configuration_is_checked_at_construction() {
    let mut c = NotionConfig::new(TOKEN.to_owned().into(), DATA_SOURCE);
    c.data_source_id = None;
    assert!(matches!(NotionPublisher::new(c.clone()), Err(Error::Config(m)) if m.contains("data_source_id")));
    c.data_source_id = Some(DATA_SOURCE.into());
    c.properties.content_id = String::new();
    assert!(matches!(NotionPublisher::new(c), Err(Error::Config(_))));
    let ok = NotionPublisher::new(NotionConfig::new(TOKEN.to_owned().into(), DATA_SOURCE)).unwrap();
    let caps = ok.capabilities();
    assert!(caps.reconcile && !caps.idempotency_key);
    assert!(!format!("{ok:?}").contains(TOKEN));
}

// ---------------------------------------------------------------- conformance

/// A Notion data source that keeps the pages created in it and answers queries on `Content ID`.
#[derive(Default)]
struct FakeDataSource {
    pages: std::sync::Mutex<Vec<Value>>,
}

impl wiremock::Respond for FakeDataSource {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let mut pages = self.pages.lock().unwrap();
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        if request.url.path().ends_with("/query") {
            let wanted = &body["filter"]["rich_text"]["equals"];
            let found =
                pages.iter().filter(|p| &p["properties"]["Content ID"]["rich_text"][0]["text"]["content"] == wanted).cloned().collect();
            return ResponseTemplate::new(200).set_body_json(query_answer(found));
        }
        let mut page = recorded("pages_create");
        page["id"] = json!(format!("393abc1e-edcd-8181-8d59-{:012x}", pages.len() + 1));
        page["properties"] = body["properties"].clone();
        pages.push(page.clone());
        ResponseTemplate::new(200).set_body_json(page)
    }
}

#[tokio::test]
async fn the_publisher_passes_the_publisher_conformance_suite() {
    growth_core::testkit::publisher::run_all(|| async {
        // Leaked so the server outlives the publisher handed to the suite (tests only).
        let server: &'static MockServer = Box::leak(Box::new(MockServer::start().await));
        Mock::given(method("POST")).respond_with(FakeDataSource::default()).mount(server).await;
        std::sync::Arc::new(publisher(server)) as std::sync::Arc<dyn Publisher>
    })
    .await;
}
