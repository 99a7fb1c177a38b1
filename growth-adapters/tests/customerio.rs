#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "customerio")]
//! Customer.io publisher against a wiremock App API: the broadcast trigger it sends (headers,
//! data, audience), how it classifies each answer, the trigger limiter and reconciliation.
//! Answers are the documented shapes in `fixtures/customerio/`, with the recorded
//! `api.customer.io` response headers.

use std::time::{Duration, Instant};

use growth_adapters::customerio::{CustomerIoConfig, CustomerIoPublisher, newsletter_html};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_core::Error;
use growth_core::domain::{ContentId, ContentType, ScheduleId};
use growth_core::publish::{PublishRequest, Publisher};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "cio-test-app-key";
const BROADCAST: u64 = 12;
const TRIGGERS: &str = "/v1/campaigns/12/triggers";
const MARKDOWN: &str = "# What 40 sales calls taught us\n\nCustomers said **setup** took too long. <script>alert(1)</script>\n";

fn fixtures() -> Value {
    let path = format!("{}/tests/fixtures/customerio/responses.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fixture(key: &str) -> Value {
    fixtures().get(key).unwrap_or_else(|| panic!("no fixture `{key}`")).clone()
}

/// A JSON answer carrying the real `api.customer.io` headers recorded by customerio-node.
fn answer(status: u16, body: Value) -> ResponseTemplate {
    let path = format!("{}/tests/fixtures/customerio/listExports__success.json", env!("CARGO_MANIFEST_DIR"));
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut t = ResponseTemplate::new(status);
    for (k, v) in recorded["mocks"][0]["headers"].as_object().unwrap() {
        if !["content-length", "transfer-encoding", "content-type"].contains(&k.as_str()) {
            t = t.insert_header(k.as_str(), v.as_str().unwrap());
        }
    }
    t.set_body_json(body)
}

fn config(server: &MockServer) -> CustomerIoConfig {
    let mut c = CustomerIoConfig::new(SecretString::from(KEY));
    c.base_url = Some(server.uri());
    c.broadcast_id = Some(BROADCAST);
    c.min_trigger_interval = Duration::from_millis(1);
    c.max_limiter_wait = Duration::from_millis(50);
    c.http = HttpConfig {
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
    c
}

fn publisher(server: &MockServer) -> CustomerIoPublisher {
    CustomerIoPublisher::new(config(server)).unwrap()
}

fn request(platform_data: Value) -> PublishRequest {
    PublishRequest {
        schedule_id: ScheduleId::new(),
        content_item_id: ContentId::new(),
        content_type: ContentType::Newsletter,
        title: Some("What 40 sales calls taught us".into()),
        content: MARKDOWN.into(),
        platform_data,
        attempted_at: None,
    }
}

fn data(req: &PublishRequest) -> Value {
    json!({
        "subject": "What 40 sales calls taught us",
        "preview_text": "Setup, pricing, trust",
        "body_html": newsletter_html(MARKDOWN),
        "growth_schedule_id": req.schedule_id.to_string(),
        "growth_content_id": req.content_item_id.to_string(),
    })
}

async fn mount_trigger(server: &MockServer, answer: ResponseTemplate) {
    Mock::given(method("POST")).and(path(TRIGGERS)).respond_with(answer).expect(1).mount(server).await;
}

async fn mount_trigger_list(server: &MockServer, triggers: Value) {
    Mock::given(method("GET"))
        .and(path("/v1/broadcasts/12/triggers"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(answer(200, json!({"triggers": triggers})))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_newsletter_triggers_the_broadcast_with_subject_preview_sanitised_html_and_marker() {
    let server = MockServer::start().await;
    let req = request(json!({"segment_id": 7, "preview_text": "Setup, pricing, trust"}));
    Mock::given(method("POST"))
        .and(path(TRIGGERS))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"data": data(&req), "recipients": {"segment": {"id": 7}}})))
        .respond_with(answer(200, fixture("trigger_200")))
        .expect(1)
        .mount(&server)
        .await;

    let p = publisher(&server).publish(&req).await.unwrap();

    assert_eq!(p.platform_post_id, "3");
    assert_eq!(p.via, "customerio");
    assert_eq!(p.url, None);
    let html = p.log["request"]["body"]["data"]["body_html"].as_str().unwrap();
    assert!(html.contains("<strong>setup</strong>") && !html.contains("<script"), "{html}");
    assert_eq!(p.log["request"]["headers"]["authorization"], "[REDACTED]");
    assert_eq!(p.log["response"]["body"], json!({"id": 3}));
    assert!(!p.log.to_string().contains(KEY));
}

#[tokio::test]
async fn the_audience_is_one_selector_with_its_companion_flags() {
    let server = MockServer::start().await;
    let ids = request(json!({"ids": ["u1", "u2"]}));
    let emails = request(json!({"emails": ["a@example.com"]}));
    let default = request(json!({}));
    let mut with_ids = json!({"data": data(&ids), "ids": ["u1", "u2"], "id_ignore_missing": true});
    let mut with_emails =
        json!({"data": data(&emails), "emails": ["a@example.com"], "email_ignore_missing": true, "email_add_duplicates": false});
    let mut configured_segment = json!({"data": data(&default), "recipients": {"segment": {"id": 99}}});
    for body in [&mut with_ids, &mut with_emails, &mut configured_segment] {
        body["data"].as_object_mut().unwrap().remove("preview_text");
    }
    for body in [with_ids, with_emails, configured_segment] {
        Mock::given(method("POST"))
            .and(path(TRIGGERS))
            .and(body_json(body))
            .respond_with(answer(200, fixture("trigger_200")))
            .expect(1)
            .mount(&server)
            .await;
    }
    let mut c = config(&server);
    c.segment_id = Some(99);
    let cio = CustomerIoPublisher::new(c).unwrap();
    cio.publish(&ids).await.unwrap();
    cio.publish(&emails).await.unwrap();
    cio.publish(&default).await.unwrap();

    let e = cio.publish(&request(json!({"ids": ["u1"], "segment_id": 7}))).await.unwrap_err();
    assert!(matches!(&e, Error::InvalidInput { message, .. } if message.contains("one audience")), "{e:?}");
    let mut untitled = request(json!({}));
    untitled.title = None;
    assert!(matches!(cio.publish(&untitled).await, Err(Error::InvalidInput { field: Some(f), .. }) if f == "title"));
    let huge = PublishRequest { content: "word ".repeat(20_000), ..request(json!({})) };
    assert!(matches!(cio.publish(&huge).await, Err(Error::InvalidInput { message, .. }) if message.contains("50000 bytes")));
}

#[tokio::test]
async fn a_trigger_id_sent_as_a_string_is_read_too() {
    let server = MockServer::start().await;
    mount_trigger(&server, answer(200, fixture("trigger_200_string_id"))).await;
    assert_eq!(publisher(&server).publish(&request(json!({}))).await.unwrap().platform_post_id, "3");
}

#[tokio::test]
async fn a_422_is_invalid_input_and_a_404_names_the_broadcast_neither_resent() {
    let server = MockServer::start().await;
    mount_trigger(&server, answer(422, fixture("error_422"))).await;
    let e = publisher(&server).publish(&request(json!({}))).await.unwrap_err();
    assert!(matches!(&e, Error::InvalidInput { message, .. } if message.contains("segment 999 does not exist")), "{e:?}");

    let server = MockServer::start().await;
    mount_trigger(&server, answer(404, fixture("error_404"))).await;
    let e = publisher(&server).publish(&request(json!({}))).await.unwrap_err();
    assert_eq!(e.to_string(), "customer.io broadcast 12 not found");
}

#[tokio::test]
async fn a_401_is_unauthenticated() {
    let server = MockServer::start().await;
    mount_trigger(&server, answer(401, fixture("error_401"))).await;
    let e = publisher(&server).publish(&request(json!({}))).await.unwrap_err();
    assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("App API key")), "{e:?}");
}

#[tokio::test]
async fn a_429_is_rate_limited_and_holds_back_the_next_trigger() {
    let server = MockServer::start().await;
    mount_trigger(&server, answer(429, fixture("error_429")).insert_header("retry-after", "20")).await;
    let cio = publisher(&server);
    let e = cio.publish(&request(json!({}))).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(20)), "{e:?}");
    // Customer.io asked for 20 s: the next trigger is refused here, without a request.
    let e = cio.publish(&request(json!({}))).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { retry_after: Some(d) } if d > Duration::from_secs(19)), "{e:?}");
}

#[tokio::test]
async fn a_429_without_retry_after_waits_the_trigger_window() {
    let server = MockServer::start().await;
    mount_trigger(&server, answer(429, fixture("error_429"))).await;
    let e = publisher(&server).publish(&request(json!({}))).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(10)), "{e:?}");
}

#[tokio::test]
async fn a_5xx_may_have_triggered_so_it_is_outcome_unknown_and_not_resent() {
    let server = MockServer::start().await;
    mount_trigger(&server, answer(500, fixture("error_500"))).await;
    let e = publisher(&server).publish(&request(json!({}))).await.unwrap_err();
    assert!(matches!(&e, Error::OutcomeUnknown(m) if m.contains("reconcile")), "{e:?}");
}

#[tokio::test]
async fn triggers_from_one_process_are_spaced_by_the_minimum_interval() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path(TRIGGERS)).respond_with(answer(200, fixture("trigger_200"))).expect(3).mount(&server).await;
    let mut c = config(&server);
    c.min_trigger_interval = Duration::from_millis(400);
    c.max_limiter_wait = Duration::from_secs(1);
    let cio = CustomerIoPublisher::new(c.clone()).unwrap();
    let start = Instant::now();
    cio.publish(&request(json!({}))).await.unwrap();
    cio.clone().publish(&request(json!({}))).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(390), "{:?}", start.elapsed());

    // Waiting longer than allowed: refused with the wait instead, nothing sent.
    c.max_limiter_wait = Duration::ZERO;
    let impatient = CustomerIoPublisher::new(c).unwrap();
    impatient.publish(&request(json!({}))).await.unwrap();
    let e = impatient.publish(&request(json!({}))).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { retry_after: Some(_) }), "{e:?}");
}

/// The send's time as the runner persists it on the schedule before the request leaves.
fn sent_at(req: PublishRequest, at: chrono::DateTime<chrono::Utc>) -> PublishRequest {
    PublishRequest { attempted_at: Some(at), ..req }
}

#[tokio::test]
async fn a_timeout_after_sending_is_outcome_unknown_and_a_trigger_since_is_never_taken_as_absent() {
    let server = MockServer::start().await;
    mount_trigger(&server, answer(200, fixture("trigger_200")).set_delay(Duration::from_secs(2))).await;
    let cio = publisher(&server);
    let started = chrono::Utc::now();
    let req = request(json!({}));
    let e = cio.publish(&req).await.unwrap_err();
    assert!(matches!(&e, Error::OutcomeUnknown(_)), "{e:?}");

    // The documented list shape: `id`, `broadcast_id`, `created_at`, `processed_at` — no data, so
    // no marker. A trigger created since the send may be it: a person decides, nothing is resent.
    let mut triggers = fixture("triggers_list")["triggers"].clone();
    triggers.as_array_mut().unwrap().push(json!({"id": 3, "broadcast_id": 12, "created_at": started.timestamp() + 1, "processed_at": 0}));
    mount_trigger_list(&server, triggers).await;
    let e = cio.reconcile(&sent_at(req, started)).await.unwrap_err();
    assert!(matches!(&e, Error::OutcomeUnknown(m) if m.contains("trigger(s) 3 since")), "{e:?}");
}

#[tokio::test]
async fn reconcile_is_none_when_no_trigger_was_created_since_the_attempt() {
    let server = MockServer::start().await;
    mount_trigger(&server, answer(200, fixture("trigger_200")).set_delay(Duration::from_secs(2))).await;
    let cio = publisher(&server);
    let req = request(json!({}));
    let started = chrono::Utc::now();
    assert!(matches!(cio.publish(&req).await, Err(Error::OutcomeUnknown(_))));
    // The documented list: one trigger, from 2019 — before the persisted send time.
    mount_trigger_list(&server, fixture("triggers_list")["triggers"].clone()).await;
    assert_eq!(cio.reconcile(&sent_at(req, started)).await.unwrap(), None);
}

#[tokio::test]
async fn reconcile_does_not_guess_about_an_unmarked_trigger() {
    // A trigger created since the attempt, in the documented shape (no `data`): maybe ours.
    let server = MockServer::start().await;
    mount_trigger(&server, answer(200, fixture("trigger_200")).set_delay(Duration::from_secs(2))).await;
    let cio = publisher(&server);
    let req = request(json!({}));
    let started = chrono::Utc::now();
    assert!(matches!(cio.publish(&req).await, Err(Error::OutcomeUnknown(_))));
    let now = chrono::Utc::now().timestamp();
    mount_trigger_list(&server, json!([{"id": 4, "broadcast_id": 12, "created_at": now, "processed_at": 0}])).await;
    let e = cio.reconcile(&sent_at(req.clone(), started)).await.unwrap_err();
    assert!(matches!(&e, Error::OutcomeUnknown(m) if m.contains("trigger(s) 4 since")), "{e:?}");

    // Attempt time unknown (another process sent it): an old unmarked trigger cannot be ruled out…
    let server = MockServer::start().await;
    mount_trigger_list(&server, fixture("triggers_list")["triggers"].clone()).await;
    assert!(matches!(publisher(&server).reconcile(&req).await, Err(Error::OutcomeUnknown(_))));
    // …but a broadcast never triggered, or only by other schedules' marked triggers, is a proven None.
    let server = MockServer::start().await;
    mount_trigger_list(&server, json!([{"id": 5, "created_at": now, "data": {"growth_schedule_id": "someone-else"}}])).await;
    assert_eq!(publisher(&server).reconcile(&req).await.unwrap(), None);
}

#[tokio::test]
async fn capabilities_say_reconcile_without_idempotency_key() {
    let server = MockServer::start().await;
    let caps = publisher(&server).capabilities();
    assert!(!caps.idempotency_key);
    assert!(caps.reconcile);
}
