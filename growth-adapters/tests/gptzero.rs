#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "gptzero")]
//! GPTZero adapter against a wiremock GPTZero: the request it sends and how it reads and
//! classifies each answer. Bodies are built from apis.md §12 (`fixtures/gptzero/README.md`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use growth_adapters::gptzero::{GptZeroConfig, GptZeroDetector};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_core::Error;
use growth_core::quality::AiDetector;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "gptzero-test-key";
const PATH: &str = "/v2/predict/text";
/// The three sentences of the fixtures, as one text.
const TEXT: &str = "In today's fast-paced digital landscape, pricing plays a crucial role in business success. \
Moreover, organizations must leverage data-driven strategies to optimize their revenue streams. \
We tried $49 and two customers churned.";

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/gptzero/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn config(server: &MockServer) -> GptZeroConfig {
    let mut config = GptZeroConfig::new(KEY.to_owned().into());
    config.base_url = server.uri();
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

fn detector(server: &MockServer) -> GptZeroDetector {
    GptZeroDetector::new(config(server)).unwrap()
}

/// `status` with `body` for the first request only, then the documented 200.
async fn mount_once_then_ok(server: &MockServer, first: ResponseTemplate) {
    Mock::given(method("POST")).and(path(PATH)).respond_with(first).up_to_n_times(1).with_priority(1).expect(1).mount(server).await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("predict_text_ai.json")))
        .with_priority(2)
        .expect(1)
        .mount(server)
        .await;
}

async fn answer_with(server: &MockServer, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST")).and(path(PATH)).respond_with(response).expect(times).mount(server).await;
}

#[tokio::test]
async fn a_scan_posts_the_document_with_the_key_and_scores_the_human_class_probability() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(header("x-api-key", KEY))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(json!({"document": TEXT, "multilingual": false})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("predict_text_ai.json")))
        .expect(1)
        .mount(&server)
        .await;

    let detector: Arc<dyn AiDetector> = Arc::new(detector(&server));
    let d = detector.detect(TEXT).await.unwrap();

    assert_eq!(detector.name(), "gptzero");
    assert_eq!(d.detector, "gptzero");
    assert!((d.human_score - 0.02).abs() < 1e-9, "{}", d.human_score);
    assert_eq!(d.raw, fixture("predict_text_ai.json"));
    // The key travels only in `x-api-key`, raw.
    let sent = &server.received_requests().await.unwrap()[0];
    assert!(sent.headers.get("authorization").is_none());
}

#[tokio::test]
async fn the_scan_report_locates_gptzeros_sentences_in_the_text() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(fixture("predict_text_ai.json")), 1).await;

    let report = detector(&server).scan(TEXT).await.unwrap();

    assert_eq!(report.highlights.len(), 3);
    let flagged: Vec<bool> = report.highlights.iter().map(|h| h.flagged).collect();
    assert_eq!(flagged, [true, true, false]);
    assert!((report.highlights[0].ai_probability - 0.98).abs() < 1e-9);
    for h in &report.highlights {
        let [start, end] = h.span.unwrap();
        assert_eq!(&TEXT[start..end], h.text);
    }
    assert!((report.detection.human_score - 0.02).abs() < 1e-9);
}

#[tokio::test]
async fn the_model_version_and_multilingual_flag_are_sent_when_configured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(body_json(json!({"document": TEXT, "version": "2024-11-04-base", "multilingual": true})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("predict_text_ai.json")))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.model_version = Some("2024-11-04-base".into());
    config.multilingual = true;
    GptZeroDetector::new(config).unwrap().detect(TEXT).await.unwrap();
}

#[tokio::test]
async fn alternative_names_string_numbers_and_unknown_fields_are_tolerated_and_probabilities_clamped() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(fixture("predict_text_alternative_fields.json")), 1).await;

    let report = detector(&server).scan(TEXT).await.unwrap();

    // No `human` class: 1 − ai (0.55, a string) − mixed (0.25); the out-of-range
    // completelyGeneratedProb is not needed.
    assert!((report.detection.human_score - 0.2).abs() < 1e-9, "{}", report.detection.human_score);
    // The sentence without a probability is skipped; −0.3 is clamped to 0.
    assert_eq!(report.highlights.len(), 2);
    assert!(report.highlights[0].flagged && (report.highlights[0].ai_probability - 0.9).abs() < 1e-9);
    assert_eq!(report.highlights[1].ai_probability, 0.0);
    assert!(!report.highlights[1].flagged);
}

#[tokio::test]
async fn probabilities_outside_zero_and_one_are_clamped() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(json!({"documents": [{"completely_generated_prob": 1.7}]})), 1).await;
    assert_eq!(detector(&server).detect(TEXT).await.unwrap().human_score, 0.0);
}

#[tokio::test]
async fn an_answer_without_any_score_is_permanent() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(json!({"version": "x", "documents": []})), 1).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::Permanent(m) if m.contains("gptzero")), "{err:?}");
}

#[tokio::test]
async fn an_empty_text_is_invalid_input_and_nothing_is_sent() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(fixture("predict_text_ai.json")), 0).await;
    for empty in ["", "   \n\t ", "— …"] {
        let err = detector(&server).detect(empty).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{empty:?}: {err:?}");
    }
}

#[tokio::test]
async fn a_text_longer_than_gptzero_scores_is_invalid_input_and_nothing_is_sent() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(fixture("predict_text_ai.json")), 0).await;
    let mut config = config(&server);
    config.max_chars = 20;
    let err = GptZeroDetector::new(config).unwrap().detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("at most 20")), "{err:?}");
}

#[tokio::test]
async fn a_400_is_invalid_input_with_gptzeros_message_and_is_not_retried() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(400).set_body_json(json!({"error": "document must be a string"})), 1).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("document must be a string")), "{err:?}");
}

#[tokio::test]
async fn an_unknown_key_is_unauthenticated() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(403).set_body_json(fixture("error_no_owner.json")), 1).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthenticated(m) if m.contains("API key has no owner")), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_401_is_unauthenticated_and_another_403_is_permission_denied() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(401).set_body_json(json!({"error": "Unauthorized"})), 1).await;
    assert!(matches!(detector(&server).detect(TEXT).await, Err(Error::Unauthenticated(_))));

    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(403).set_body_json(json!({"error": "Your plan does not include API access"})), 1).await;
    assert!(matches!(detector(&server).detect(TEXT).await, Err(Error::PermissionDenied(_))));
}

#[tokio::test]
async fn running_out_of_credits_is_permanent_with_a_clear_message() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(402).set_body_json(json!({"error": "Payment Required"})), 1).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::Permanent(m) if m.contains("no credits left") && m.contains("gptzero")), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_wait_and_then_succeeds() {
    let server = MockServer::start().await;
    mount_once_then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(json!({"error": "Too many requests"})),
    )
    .await;
    let started = Instant::now();
    let d = detector(&server).detect(TEXT).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After not honoured: {:?}", started.elapsed());
    assert!((d.human_score - 0.02).abs() < 1e-9);
}

#[tokio::test]
async fn a_429_asking_for_longer_than_we_wait_is_rate_limited_with_the_wait() {
    let server = MockServer::start().await;
    answer_with(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "30").set_body_json(json!({"error": "Too many requests"})),
        1,
    )
    .await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(30)), "{err:?}");
}

#[tokio::test]
async fn a_5xx_is_retried_and_then_succeeds() {
    let server = MockServer::start().await;
    mount_once_then_ok(&server, ResponseTemplate::new(503).set_body_json(json!({"error": "Service Unavailable"}))).await;
    let d = detector(&server).detect(TEXT).await.unwrap();
    assert!((d.human_score - 0.02).abs() < 1e-9);
}

#[tokio::test]
async fn a_5xx_every_time_is_transient_after_the_configured_attempts() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(500).set_body_json(json!({"error": "Internal Server Error"})), 3).await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("Internal Server Error")), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_timeout_is_retried_then_transient() {
    let server = MockServer::start().await;
    answer_with(&server, ResponseTemplate::new(200).set_body_json(fixture("predict_text_ai.json")).set_delay(Duration::from_secs(2)), 3)
        .await;
    let err = detector(&server).detect(TEXT).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("timed out")), "{err:?}");
}

#[tokio::test]
async fn the_detector_never_shows_its_key() {
    let server = MockServer::start().await;
    let shown = format!("{:?}", detector(&server));
    assert!(!shown.contains(KEY), "{shown}");
}
