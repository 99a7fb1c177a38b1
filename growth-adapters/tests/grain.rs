//! Grain adapter against a wiremock Grain: the requests it sends and how it classifies each answer.
//!
//! No recorded Grain responses exist in the shared fixtures: every body below is exactly the shape
//! documented in `shared/reference/apis.md` §8 (from the third-party v2 client it cites), with
//! invented values.
#![cfg(feature = "grain")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::time::{Duration, Instant};

use growth_adapters::grain::{GrainConfig, GrainIngestor, RecordingFilter, parse_webhook};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_core::Error;
use growth_core::domain::{SourceType, TranscriptSource};
use growth_core::ingest::{FetchRequest, SourceIngestor};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "grain-test-token";
const REC: &str = "b5185ccb-9a08-458c-9be1-db17a03fb14c";

fn recording() -> Value {
    json!({
        "id": REC,
        "title": "Acme kickoff",
        "start_datetime": "2026-11-20T15:00:00Z",
        "end_datetime": "2026-11-20T15:30:00Z",
        "duration_ms": 1_800_000,
        "media_type": "video",
        "source": "zoom",
        "url": "https://grain.com/share/recording/b5185ccb",
        "thumbnail_url": null,
        "tags": ["onboarding"],
        "teams": [],
        "meeting_type": null,
        "participants": [{"id": "p-jane", "name": "Jane Customer"}, {"id": "p-rep", "name": "Rob Rep"}]
    })
}

fn transcript() -> Value {
    json!([
        {"participant_id": "p-rep", "speaker": "Rob Rep", "start": 1200, "end": 5400, "text": "Thanks for joining."},
        {"participant_id": "p-jane", "speaker": null, "start": 5600, "end": 9100, "text": "Our onboarding takes three weeks today."}
    ])
}

fn ingestor(server: &MockServer) -> GrainIngestor {
    let mut config = GrainConfig::new(TOKEN.to_owned().into());
    config.base_url = format!("{}/_/public-api/v2", server.uri());
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
    GrainIngestor::new(config).unwrap()
}

fn get_recording() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(format!("/_/public-api/v2/recordings/{REC}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("public-api-version", "2025-10-31"))
}

fn get_transcript() -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("/_/public-api/v2/recordings/{REC}/transcript")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("public-api-version", "2025-10-31"))
}

async fn fetch(server: &MockServer) -> Result<growth_core::ingest::FetchedSource, Error> {
    ingestor(server).fetch(FetchRequest { reference: REC.into() }).await
}

#[tokio::test]
async fn a_recording_and_its_transcript_become_a_sales_call_source() {
    let server = MockServer::start().await;
    get_recording()
        .and(body_json(json!({"include": {"participants": true, "ai_summary": true, "highlights": true, "ai_action_items": true}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(recording()))
        .expect(1)
        .mount(&server)
        .await;
    get_transcript().respond_with(ResponseTemplate::new(200).set_body_json(transcript())).expect(1).mount(&server).await;

    let s = fetch(&server).await.unwrap();

    assert_eq!(s.source_type, SourceType::SalesCall);
    assert_eq!(s.source_id, REC);
    assert_eq!(s.title.as_deref(), Some("Acme kickoff"));
    assert_eq!(s.transcript_source, Some(TranscriptSource::Grain));
    assert_eq!(s.metadata["recording"]["source"], "zoom");
    let t = s.transcript.unwrap();
    assert_eq!(t.speakers(), vec!["Rob Rep", "Jane Customer"]);
    assert_eq!((t.segments[0].start_ms, t.segments[0].end_ms), (Some(1200), Some(5400)));
}

#[tokio::test]
async fn a_wrapped_recording_and_a_missing_transcript_are_tolerated() {
    let server = MockServer::start().await;
    get_recording()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"recording": recording()})))
        .expect(1)
        .mount(&server)
        .await;
    get_transcript().respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"}))).expect(1).mount(&server).await;
    let s = fetch(&server).await.unwrap();
    assert_eq!(s.title.as_deref(), Some("Acme kickoff"));
    assert_eq!(s.transcript, None);
    assert_eq!(s.transcript_source, None);
}

#[tokio::test]
async fn an_unknown_recording_is_not_found_and_not_retried() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"}))).expect(1).mount(&server).await;
    let err = fetch(&server).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { id, .. } if id == REC), "{err:?}");
}

#[tokio::test]
async fn a_bad_token_is_unauthenticated() {
    let server = MockServer::start().await;
    get_recording()
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(fetch(&server).await, Err(Error::Unauthenticated(_))));
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_wait_and_succeeds() {
    let server = MockServer::start().await;
    get_recording()
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(recording())).with_priority(2).expect(1).mount(&server).await;
    get_transcript().respond_with(ResponseTemplate::new(200).set_body_json(transcript())).expect(1).mount(&server).await;
    let started = Instant::now();
    fetch(&server).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After not honoured: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_429_asking_for_longer_than_the_cap_is_handed_back_with_the_wait() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600")).expect(1).mount(&server).await;
    let err = fetch(&server).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(3600)), "{err:?}");
}

#[tokio::test]
async fn a_5xx_is_retried_then_transient() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway")).expect(3).mount(&server).await;
    let err = fetch(&server).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("Bad Gateway")), "{err:?}");
}

#[tokio::test]
async fn a_timeout_is_retried_then_transient() {
    let server = MockServer::start().await;
    get_recording()
        .respond_with(ResponseTemplate::new(200).set_body_json(recording()).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&server)
        .await;
    let err = fetch(&server).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("timed out")), "{err:?}");
}

#[tokio::test]
async fn recordings_are_listed_with_the_filter_and_the_cursor() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/_/public-api/v2/recordings"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_json(json!({"cursor": "c1", "filter": {"after_datetime": "2026-01-01T00:00:00Z"}, "include": {"participants": true}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"recordings": [recording()], "cursor": "c2"})))
        .expect(1)
        .mount(&server)
        .await;
    let filter = RecordingFilter { after: Some("2026-01-01T00:00:00Z".into()), ..RecordingFilter::default() };
    let page = ingestor(&server).list_recordings(&filter, Some("c1")).await.unwrap();
    assert_eq!(page.recordings[0].id, REC);
    assert_eq!(page.cursor.as_deref(), Some("c2"));
}

#[test]
fn the_recording_added_webhook_names_the_recording_to_fetch() {
    let body = serde_json::to_vec(&json!({"type": "recording_added", "user_id": "u-1", "data": recording()})).unwrap();
    let e = parse_webhook(&body).unwrap();
    assert_eq!(e.kind, "recording_added");
    assert_eq!(e.recording_id.as_deref(), Some(REC));
    assert_eq!(e.user_id.as_deref(), Some("u-1"));
    assert!(e.is_recording_ready());
}

#[tokio::test]
async fn a_pasted_grain_share_link_fetches_the_recording_it_names() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(recording())).expect(1).mount(&server).await;
    get_transcript().respond_with(ResponseTemplate::new(200).set_body_json(transcript())).expect(1).mount(&server).await;
    let link = format!("https://grain.com/share/recording/{REC}/Qm9vbXNoYXJldG9rZW4");
    let s = ingestor(&server).fetch(FetchRequest { reference: link }).await.unwrap();
    assert_eq!(s.source_id, REC);
}

#[tokio::test]
async fn an_id_with_url_syntax_stays_one_encoded_path_segment() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/_/public-api/v2/recordings/a%2F..%2Fteams%3Fx"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = ingestor(&server).fetch(FetchRequest { reference: "a/../teams?x".into() }).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}
