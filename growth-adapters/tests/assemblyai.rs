//! AssemblyAI adapter against a wiremock AssemblyAI: the requests it sends and how it classifies
//! each answer. Bodies are the official OpenAPI examples in `fixtures/assemblyai/`.
#![cfg(feature = "assemblyai")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly on broken fixtures")]

use std::time::{Duration, Instant};

use growth_adapters::assemblyai::{AssemblyAiConfig, AssemblyAiTranscriber, PollConfig, TranscriptStatus, parse_webhook};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_core::Error;
use growth_core::ingest::{AudioInput, Transcriber, TranscriptionRequest};
use serde_json::{Value, json};
use wiremock::matchers::{body_bytes, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "aai-test-key";
const ID: &str = "9ea68fd3-f953-42c1-9742-976c447fb463";
const UPLOAD_URL: &str = "https://cdn.assemblyai.com/upload/f756988d-47e2-4ca3-96ce-04bb168f8f2a";

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/assemblyai/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn completed() -> Value {
    fixture("transcript_completed_diarized_example.json")
}

/// The documented transcript object in another status: the completed example with `status` (and `error`) changed.
fn with_status(status: &str, error: Option<&str>) -> Value {
    let mut t = completed();
    t["status"] = json!(status);
    if let Some(e) = error {
        t["error"] = json!(e);
        t["utterances"] = Value::Null;
        t["words"] = Value::Null;
        t["text"] = Value::Null;
    }
    t
}

fn transcriber(server: &MockServer) -> AssemblyAiTranscriber {
    let mut config = AssemblyAiConfig::new(KEY.to_owned().into());
    config.base_url = server.uri();
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
    config.poll =
        PollConfig { initial_interval: Duration::from_millis(5), max_interval: Duration::from_millis(20), timeout: Duration::from_secs(5) };
    AssemblyAiTranscriber::new(config).unwrap()
}

fn request(audio: AudioInput) -> TranscriptionRequest {
    TranscriptionRequest { audio, speaker_labels: true, language: Some("en_us".into()) }
}

async fn mount_create(server: &MockServer, audio_url: &str) {
    Mock::given(method("POST"))
        .and(path("/v2/transcript"))
        .and(header("authorization", KEY))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"audio_url": audio_url, "speaker_labels": true, "language_code": "en_us"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(with_status("queued", None)))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn bytes_are_uploaded_transcribed_with_speaker_labels_and_polled_until_completed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/upload"))
        .and(header("authorization", KEY))
        .and(header("content-type", "application/octet-stream"))
        .and(body_bytes(b"RIFF fake wav".to_vec()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"upload_url": UPLOAD_URL})))
        .expect(1)
        .mount(&server)
        .await;
    mount_create(&server, UPLOAD_URL).await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/transcript/{ID}")))
        .and(header("authorization", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(with_status("processing", None)))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/transcript/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(completed()))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;

    let t = transcriber(&server).transcribe(request(AudioInput::Bytes(b"RIFF fake wav".to_vec().into()))).await.unwrap();

    assert_eq!(t.speakers(), vec!["A"]);
    assert_eq!(t.segments[0].start_ms, Some(250));
    assert!(t.segments[0].text.starts_with("Smoke from hundreds of wildfires"));
    // The raw key, never `Bearer <key>`.
    for r in server.received_requests().await.unwrap() {
        assert_eq!(r.headers.get("authorization").unwrap(), KEY);
    }
}

#[tokio::test]
async fn a_url_is_transcribed_without_uploading() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/upload")).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    mount_create(&server, "https://assembly.ai/wildfires.mp3").await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/transcript/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(completed()))
        .expect(1)
        .mount(&server)
        .await;
    let t = transcriber(&server).transcribe(request(AudioInput::Url("https://assembly.ai/wildfires.mp3".into()))).await.unwrap();
    assert!(t.segments[0].text.starts_with("Smoke from hundreds of wildfires"));
}

#[tokio::test]
async fn a_failed_transcription_is_permanent_and_carries_assemblyais_reason() {
    let server = MockServer::start().await;
    let reason = "Download error, unable to download https://assembly.ai/wildfires.mp3";
    Mock::given(method("GET"))
        .and(path(format!("/v2/transcript/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(with_status("error", Some(reason))))
        .expect(1)
        .mount(&server)
        .await;
    let err = transcriber(&server).wait(ID).await.unwrap_err();
    assert!(matches!(&err, Error::Permanent(m) if m.contains(reason)), "{err:?}");
}

#[tokio::test]
async fn a_4xx_on_create_is_permanent_with_the_message_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/transcript"))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("error_example.json")))
        .expect(1)
        .mount(&server)
        .await;
    let err = transcriber(&server).transcribe(request(AudioInput::Url("https://x/a.mp3".into()))).await.unwrap_err();
    assert!(matches!(&err, Error::Permanent(m) if m.contains("format_text must be a Boolean")), "{err:?}");
}

#[tokio::test]
async fn a_401_is_unauthenticated() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "Authentication error, API token missing/invalid"})))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(transcriber(&server).wait(ID).await, Err(Error::Unauthenticated(_))));
}

#[tokio::test]
async fn a_429_on_a_poll_is_retried_after_the_retry_after_wait_and_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/transcript/{ID}")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(json!({"error": "Too many requests"})))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/transcript/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(completed()))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    transcriber(&server).wait(ID).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After not honoured: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_429_on_create_is_not_retried_and_reports_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/transcript"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7").set_body_json(json!({"error": "Too many requests"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = transcriber(&server).transcribe(request(AudioInput::Url("https://x/a.mp3".into()))).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(7)), "{err:?}");
}

#[tokio::test]
async fn a_5xx_on_a_poll_is_retried_then_reported_as_transient() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/transcript/{ID}")))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": "Service Unavailable"})))
        .expect(3)
        .mount(&server)
        .await;
    let err = transcriber(&server).wait(ID).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("Service Unavailable")), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_timeout_on_create_is_outcome_unknown_and_not_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/transcript"))
        .respond_with(ResponseTemplate::new(200).set_body_json(with_status("queued", None)).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    let err = transcriber(&server).transcribe(request(AudioInput::Url("https://x/a.mp3".into()))).await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown(_)), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_timeout_on_a_poll_is_retried_then_transient() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/transcript/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(completed()).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&server)
        .await;
    let err = transcriber(&server).wait(ID).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("timed out")), "{err:?}");
}

#[test]
fn the_webhook_notification_gives_the_transcript_id_and_status() {
    let body = serde_json::to_vec(&fixture("webhook_transcript_ready_notification_example.json")).unwrap();
    let n = parse_webhook(&body).unwrap();
    assert_eq!(n.transcript_id, ID);
    assert_eq!(n.status, TranscriptStatus::Completed);
}

#[tokio::test]
async fn a_transcript_still_processing_at_the_poll_deadline_is_transient_and_names_the_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/transcript/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(with_status("processing", None)))
        .mount(&server)
        .await;
    let mut config = AssemblyAiConfig::new(KEY.to_owned().into());
    config.base_url = server.uri();
    config.poll = PollConfig {
        initial_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(10),
        timeout: Duration::from_millis(60),
    };
    let err = AssemblyAiTranscriber::new(config).unwrap().wait(ID).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains(ID) && message.contains("processing")), "{err:?}");
}
