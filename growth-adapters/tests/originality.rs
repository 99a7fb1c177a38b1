#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "originality")]
//! Originality.ai adapter against a wiremock Originality.ai: the request it sends and how it
//! reads and classifies each answer. Bodies are built from apis.md §12
//! (`fixtures/originality/README.md`), one per documented response variant.

use std::sync::Arc;
use std::time::{Duration, Instant};

use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::originality::{OriginalityConfig, OriginalityDetector};
use growth_core::Error;
use growth_core::quality::AiDetector;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "oai-test-key";
const PATH: &str = "/api/v1/scan/ai";
const TEXT: &str = "In today's fast-paced digital landscape, pricing plays a crucial role in business success. \
We tried $49 and two customers churned.";

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/originality/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn ok(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture(name))
}

fn config(server: &MockServer) -> OriginalityConfig {
    let mut config = OriginalityConfig::new(KEY.to_owned().into());
    config.base_url = format!("{}/api/v1", server.uri());
    config.http = HttpConfig {
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
    config
}

fn detector(server: &MockServer) -> OriginalityDetector {
    OriginalityDetector::new(config(server)).unwrap()
}

async fn answer_with(server: &MockServer, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST")).and(path(PATH)).respond_with(response).expect(times).mount(server).await;
}

/// `first` for the first request only, then the documented v1 200.
async fn mount_once_then_ok(server: &MockServer, first: ResponseTemplate) {
    Mock::given(method("POST")).and(path(PATH)).respond_with(first).up_to_n_times(1).with_priority(1).expect(1).mount(server).await;
    Mock::given(method("POST")).and(path(PATH)).respond_with(ok("scan_ai_v1_score.json")).with_priority(2).expect(1).mount(server).await;
}

async fn human_score_of(name: &str) -> f64 {
    let server = MockServer::start().await;
    answer_with(&server, ok(name), 1).await;
    detector(&server).detect(TEXT).await.unwrap().human_score
}

#[tokio::test]
async fn a_scan_posts_the_content_with_the_key_and_scores_the_original_probability() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(header("x-oai-api-key", KEY))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(json!({"content": TEXT, "aiModelVersion": "1", "storeScan": "false"})))
        .respond_with(ok("scan_ai_v1_score.json"))
        .expect(1)
        .mount(&server)
        .await;

    let detector: Arc<dyn AiDetector> = Arc::new(detector(&server));
    let d = detector.detect(TEXT).await.unwrap();

    assert_eq!(detector.name(), "originality");
    assert_eq!(d.detector, "originality");
    assert!((d.human_score - 0.12).abs() < 1e-9, "{}", d.human_score);
    assert_eq!(d.raw, fixture("scan_ai_v1_score.json"));
    assert!(server.received_requests().await.unwrap()[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn the_other_documented_v1_names_give_the_same_meaning() {
    // `ai_score.clear` is the human probability.
    assert!((human_score_of("scan_ai_v1_ai_score.json").await - 0.7).abs() < 1e-9);
}

#[tokio::test]
async fn the_v3_shape_is_read_with_its_blocks_located_in_the_text() {
    let server = MockServer::start().await;
    answer_with(&server, ok("scan_v3.json"), 1).await;

    let report = detector(&server).scan(TEXT).await.unwrap();

    assert!((report.detection.human_score - 0.07).abs() < 1e-9, "{}", report.detection.human_score);
    assert_eq!(report.highlights.len(), 2);
    assert!(report.highlights[0].flagged && (report.highlights[0].ai_probability - 0.99).abs() < 1e-9);
    assert!(!report.highlights[1].flagged);
    for h in &report.highlights {
        let [start, end] = h.span.unwrap();
        assert_eq!(&TEXT[start..end], h.text);
    }
}

#[tokio::test]
async fn unknown_fields_string_numbers_and_upper_case_keys_are_tolerated() {
    assert!((human_score_of("scan_ai_unknown_fields.json").await - 0.64).abs() < 1e-9);
}

#[tokio::test]
async fn probabilities_outside_zero_and_one_are_clamped() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(json!({"score": {"original": 1.3, "ai": -0.3}})), 1).await;
    assert_eq!(detector(&server).detect(TEXT).await.unwrap().human_score, 1.0);

    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(json!({"ai_score": {"fake": 4}})), 1).await;
    assert_eq!(detector(&server).detect(TEXT).await.unwrap().human_score, 0.0);
}

#[tokio::test]
async fn an_answer_without_any_score_is_permanent_with_what_it_said() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(json!({"success": false, "error": "content too short"})), 1).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::Permanent(m) if m.contains("content too short")), "{err:?}");
}

#[tokio::test]
async fn the_scan_path_model_and_store_flag_follow_the_configuration() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/scan/ai-scan"))
        .and(body_json(json!({"content": TEXT, "aiModelVersion": "3", "storeScan": "true"})))
        .respond_with(ok("scan_ai_v1_score.json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.scan_path = "scan/ai-scan".into();
    config.ai_model_version = "3".into();
    config.store_scan = true;
    OriginalityDetector::new(config).unwrap().detect(TEXT).await.unwrap();
}

#[tokio::test]
async fn an_empty_text_is_invalid_input_and_nothing_is_sent() {
    let server = MockServer::start().await;
    answer_with(&server, ok("scan_ai_v1_score.json"), 0).await;
    for empty in ["", "  \n ", "!?"] {
        let err = detector(&server).detect(empty).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{empty:?}: {err:?}");
    }
}

#[tokio::test]
async fn a_422_is_invalid_input_and_is_not_retried() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(422).set_body_json(json!({"error": "content must contain at least 50 words"})), 1).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("at least 50 words")), "{err:?}");
}

#[tokio::test]
async fn a_key_without_an_enterprise_subscription_is_permission_denied() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(422).set_body_json(fixture("error_enterprise_required.json")), 1).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::PermissionDenied(m) if m.contains("Enterprise Subscription Required")), "{err:?}");
}

#[tokio::test]
async fn a_401_is_unauthenticated_and_a_403_permission_denied() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(401).set_body_json(json!({"error": "Invalid API key"})), 1).await;
    assert!(matches!(detector(&server).detect(TEXT).await, Err(Error::Unauthenticated(_))));

    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(403).set_body_json(json!({"message": "Forbidden"})), 1).await;
    assert!(matches!(detector(&server).detect(TEXT).await, Err(Error::PermissionDenied(_))));
}

#[tokio::test]
async fn running_out_of_credits_is_permanent_with_a_clear_message() {
    for (status, body) in [(402, json!({"error": "Payment Required"})), (400, json!({"error": "Insufficient credits"}))] {
        let server = MockServer::start().await;
        answer_with(&server, ResponseTemplate::new(status).set_body_json(body), 1).await;
        let err = detector(&server).detect(TEXT).await.unwrap_err();
        assert!(matches!(&err, Error::Permanent(m) if m.contains("no credits left")), "{status}: {err:?}");
    }
}

#[tokio::test]
async fn a_wrong_scan_path_is_a_configuration_error() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(404).set_body_string("Not Found"), 1).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_wait_and_then_succeeds() {
    let server = MockServer::start().await;
    mount_once_then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(json!({"error": "Too Many Requests"})),
    )
    .await;
    let started = Instant::now();
    let d = detector(&server).detect(TEXT).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After not honoured: {:?}", started.elapsed());
    assert!((d.human_score - 0.12).abs() < 1e-9);
}

#[tokio::test]
async fn a_429_asking_for_longer_than_we_wait_is_rate_limited_with_the_wait() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(429).insert_header("retry-after", "120"), 1).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(120)), "{err:?}");
}

#[tokio::test]
async fn a_5xx_is_retried_and_then_succeeds() {
    let server = MockServer::start().await;
    mount_once_then_ok(&server, ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>")).await;
    assert!((detector(&server).detect(TEXT).await.unwrap().human_score - 0.12).abs() < 1e-9);
}

#[tokio::test]
async fn a_5xx_every_time_is_transient_after_the_configured_attempts() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(503).set_body_json(json!({"error": "Service Unavailable"})), 3).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("Service Unavailable")), "{err:?}");
}

#[tokio::test]
async fn a_timeout_is_retried_then_transient() {
    let server = MockServer::start().await;
    answer_with(&server, ok("scan_ai_v1_score.json").set_delay(Duration::from_secs(2)), 3).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("timed out")), "{err:?}");
}

#[tokio::test]
async fn the_detector_never_shows_its_key() {
    let server = MockServer::start().await;
    let shown = format!("{:?}", detector(&server));
    assert!(!shown.contains(KEY), "{shown}");
}
