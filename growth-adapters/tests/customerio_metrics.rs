#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "customerio")]
//! Customer.io measuring: broadcast metrics against a wiremock App API (the request, each
//! answer's classification) and reporting webhooks (signature, parsing, the per-issue fold).
//! Bodies are in `fixtures/customerio/` (see its PROVENANCE.md).

use std::time::Duration;

use chrono::{TimeZone, Utc};
use growth_adapters::customerio::webhook::{DEFAULT_WINDOW, parse_reporting_webhook, verify_signature};
use growth_adapters::customerio::{CustomerIoConfig, CustomerIoMetrics};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_core::Error;
use growth_core::domain::ContentId;
use growth_core::measure::email::{IssueKey, NewsletterCounters, tally_by_issue};
use growth_core::measure::{MetricsRequest, MetricsSource, needs_connection};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "cio-test-app-key";
const BROADCAST: u64 = 12;
const METRICS: &str = "/v1/broadcasts/12/metrics";

fn fixture(file: &str, key: &str) -> Value {
    let path = format!("{}/tests/fixtures/customerio/{file}", env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all.get(key).unwrap_or_else(|| panic!("no fixture `{key}` in {file}")).clone()
}

fn config(server: &MockServer) -> CustomerIoConfig {
    let mut c = CustomerIoConfig::new(SecretString::from(KEY));
    c.base_url = Some(server.uri());
    c.broadcast_id = Some(BROADCAST);
    c.http = HttpConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_millis(300),
        retry: RetryConfig {
            max_attempts: 3,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(2),
            ..RetryConfig::default()
        },
        rate_limit: None,
    };
    c
}

fn source(server: &MockServer) -> CustomerIoMetrics {
    CustomerIoMetrics::new(config(server)).unwrap().broadcast_is_per_issue(true)
}

fn request(days_ago: i64) -> MetricsRequest {
    let mut r = MetricsRequest::new(ContentId::new(), "3");
    r.published_at = Some(Utc::now() - chrono::Duration::days(days_ago));
    r
}

#[tokio::test]
async fn broadcast_metrics_are_read_with_the_window_and_key_and_summed_over_the_series() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(METRICS))
        .and(query_param("period", "days"))
        .and(query_param("steps", "12"))
        .and(query_param("type", "email"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("broadcast_metrics.json", "series")))
        .expect(1)
        .mount(&server)
        .await;
    let m = source(&server).fetch(&request(10)).await.unwrap();
    assert_eq!((m.sent, m.delivered), (Some(120), Some(118)));
    assert_eq!((m.human_opens, m.human_clicks), (Some(44), Some(9)), "human series only: never `opened` (63) or `clicked` (10)");
    assert_eq!((m.converted, m.bounces, m.unsubscribes), (Some(1), Some(2), Some(1)));
    assert_eq!(m.impressions, None);
}

#[tokio::test]
async fn an_older_totals_answer_is_read_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(METRICS))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("broadcast_metrics.json", "totals")))
        .expect(1)
        .mount(&server)
        .await;
    let m = source(&server).fetch(&request(3)).await.unwrap();
    assert_eq!((m.sent, m.human_opens, m.human_clicks), (Some(1204), Some(512), Some(88)));
}

#[tokio::test]
async fn an_empty_answer_is_unavailable_not_zero() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(METRICS))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("broadcast_metrics.json", "empty")))
        .expect(1)
        .mount(&server)
        .await;
    assert!(source(&server).fetch(&request(1)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_key_asks_to_connect_analytics_once_without_retrying() {
    for (status, body) in [(401, json!({"meta": {"error": "Unauthorized request"}})), (403, json!({"meta": {"error": "forbidden"}}))] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(METRICS))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
        let e = source(&server).fetch(&request(1)).await.unwrap_err();
        assert!(needs_connection(&e), "{status}: {e:?}");
        assert!(e.to_string().contains("connect analytics: customerio"), "{e}");
        assert!(!e.is_retryable());
    }
}

#[tokio::test]
async fn a_429_without_retry_after_is_retried_then_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(METRICS))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"meta": {"error": "over the 10-per-second limit"}})))
        .expect(3)
        .mount(&server)
        .await;
    assert!(matches!(source(&server).fetch(&request(1)).await, Err(Error::RateLimited { retry_after: None })));
}

#[tokio::test]
async fn a_429_asking_for_longer_than_we_wait_goes_back_to_the_caller_with_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(METRICS))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let e = source(&server).fetch(&request(1)).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(120)), "{e:?}");
}

#[tokio::test]
async fn a_short_retry_after_is_honoured_and_the_read_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(METRICS))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(METRICS))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("broadcast_metrics.json", "series")))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(source(&server).fetch(&request(1)).await.unwrap().sent, Some(120));
}

#[tokio::test]
async fn server_errors_and_timeouts_are_transient_after_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path(METRICS)).respond_with(ResponseTemplate::new(503)).expect(3).mount(&server).await;
    assert!(matches!(source(&server).fetch(&request(1)).await, Err(Error::Transient { .. })));

    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(METRICS))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("broadcast_metrics.json", "series")).set_delay(Duration::from_secs(2)),
        )
        .expect(3)
        .mount(&slow)
        .await;
    let e = source(&slow).fetch(&request(1)).await.unwrap_err();
    assert!(matches!(&e, Error::Transient { message, .. } if message.contains("timed out")), "{e:?}");
}

#[tokio::test]
async fn an_unknown_broadcast_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(METRICS))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"errors": [{"detail": "broadcast with id 12 does not exist", "status": "404"}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(source(&server).fetch(&request(1)).await, Err(Error::NotFound { entity: "customer.io broadcast", .. })));
}

#[tokio::test]
async fn a_broadcast_shared_by_every_issue_is_never_read_as_one_issue() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let shared = CustomerIoMetrics::new(config(&server)).unwrap();
    assert!(matches!(shared.fetch(&request(1)).await, Err(Error::Unsupported(m)) if m.contains("reporting webhooks")));
    assert!(shared.capabilities().metrics.is_empty());
    // The whole broadcast can still be read on purpose.
    let mut r = request(1);
    r.platform_data = json!({"broadcast_id": "nope"});
    assert!(matches!(source(&server).fetch(&r).await, Err(Error::InvalidInput { .. })));
}

fn sign(secret: &str, ts: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[test]
fn the_spec_example_verifies_parses_and_names_its_broadcast() {
    let body = serde_json::to_vec(&fixture("reporting_webhooks.json", "email_sent_spec_example")).unwrap();
    let now = Utc.timestamp_opt(1_613_063_100, 0).unwrap();
    let secret = SecretString::from("whsec-test");
    verify_signature(&secret, "1613063089", &sign("whsec-test", "1613063089", &body), &body, now, DEFAULT_WINDOW).unwrap();
    let delivery = parse_reporting_webhook(&body).unwrap();
    let e = &delivery.events[0];
    assert_eq!(e.event_id, "01E4C4CT6YDC7Y5M7FE1GWWPQJ");
    assert_eq!(e.issue, IssueKey::Broadcast { broadcast_id: 9 });
    assert_eq!(e.delivery_id.as_deref(), Some("RPILAgUBcRhIBqSfeiIwdIYJKxTY"));
    assert_eq!(e.occurred_at, Utc.timestamp_opt(1_613_063_089, 0).unwrap());
}

#[test]
fn a_forged_body_with_a_valid_timestamp_is_refused() {
    let body = serde_json::to_vec(&fixture("reporting_webhooks.json", "email_sent_spec_example")).unwrap();
    let now = Utc.timestamp_opt(1_613_063_100, 0).unwrap();
    let forged = sign("not-the-key", "1613063089", &body);
    let e = verify_signature(&SecretString::from("whsec-test"), "1613063089", &forged, &body, now, DEFAULT_WINDOW).unwrap_err();
    assert!(matches!(e, Error::Unauthenticated(_)));
    let stale = Utc.timestamp_opt(1_613_063_089 + 3600, 0).unwrap();
    let good = sign("whsec-test", "1613063089", &body);
    assert!(verify_signature(&SecretString::from("whsec-test"), "1613063089", &good, &body, stale, DEFAULT_WINDOW).is_err());
}

#[test]
fn every_issue_of_one_broadcast_gets_its_own_human_numbers_and_retries_count_once() {
    let seven = serde_json::to_vec(&fixture("reporting_webhooks.json", "issue_7")).unwrap();
    let eight = serde_json::to_vec(&fixture("reporting_webhooks.json", "issue_8")).unwrap();
    let mut events = parse_reporting_webhook(&seven).unwrap().events;
    let second = parse_reporting_webhook(&eight).unwrap();
    assert_eq!(second.ignored.len(), 1, "the customer subscription event is not about an email");
    events.extend(second.events);
    // Customer.io retried the whole first delivery.
    events.extend(parse_reporting_webhook(&seven).unwrap().events);
    let by_issue = tally_by_issue(&events);
    let seven = by_issue[&IssueKey::Trigger { broadcast_id: Some(9), trigger_id: 7 }].counters();
    assert_eq!(
        seven,
        NewsletterCounters {
            sent: 2,
            delivered: 2,
            opens: 2,
            human_opens: 1,
            clicks: 2,
            human_clicks: 1,
            unsubscribes: 1,
            ..Default::default()
        }
    );
    let m = seven.to_post_metrics();
    assert_eq!(m.open_rate(), Some(0.5));
    let eight = by_issue[&IssueKey::Trigger { broadcast_id: Some(9), trigger_id: 8 }].counters();
    assert_eq!(eight, NewsletterCounters { sent: 1, bounces: 1, ..Default::default() });
}
