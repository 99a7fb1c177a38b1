//! Google Meet ("Gemini notes") adapter against a wiremock Meet API: the requests it sends and how
//! it classifies each answer.
//!
//! No recorded Meet responses exist in the shared fixtures: every body below is exactly the shape
//! `shared/reference/apis.md` §10 documents from the `meet.v2` discovery document (conference
//! records, participants, transcripts, transcript entries with `nextPageToken`, smart notes, the
//! Google error object), with invented values.
#![cfg(feature = "gemini")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::time::{Duration, Instant};

use growth_adapters::gemini::{GeminiConfig, GeminiIngestor};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_core::Error;
use growth_core::domain::{SourceType, TranscriptSource};
use growth_core::ingest::{FetchRequest, FetchedSource, SourceIngestor};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ya29.test-token";
const REC: &str = "conferenceRecords/abc123";
const TR: &str = "conferenceRecords/abc123/transcripts/t1";

fn record() -> Value {
    json!({"name": REC, "startTime": "2026-11-20T15:00:00Z", "endTime": "2026-11-20T15:30:00Z", "expireTime": "2026-12-20T15:30:00Z", "space": "spaces/xyz"})
}

fn google_error(code: u16, status: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "status": status}})
}

fn ingestor(server: &MockServer) -> GeminiIngestor {
    let mut config = GeminiConfig::new(TOKEN.to_owned().into());
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
    GeminiIngestor::new(config).unwrap()
}

fn get(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET")).and(path(p)).and(header("authorization", format!("Bearer {TOKEN}").as_str()))
}

async fn fetch(server: &MockServer, reference: &str) -> Result<FetchedSource, Error> {
    ingestor(server).fetch(FetchRequest { reference: reference.into() }).await
}

/// Everything after the conference record answers successfully.
async fn mount_artifacts(server: &MockServer) {
    get(&format!("/v2/{REC}/participants"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"participants": [
            {"name": format!("{REC}/participants/p1"), "signedinUser": {"user": "users/1", "displayName": "Ada Customer"}},
            {"name": format!("{REC}/participants/p2"), "anonymousUser": {"displayName": "Guest Rep"}}
        ]})))
        .expect(1)
        .mount(server)
        .await;
    get(&format!("/v2/{REC}/transcripts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"transcripts": [
            {"name": TR, "state": "FILE_GENERATED", "startTime": "2026-11-20T15:00:05Z", "endTime": "2026-11-20T15:30:00Z",
             "docsDestination": {"document": "doc-tr", "exportUri": "https://docs.google.com/document/d/doc-tr"}}
        ]})))
        .expect(1)
        .mount(server)
        .await;
    get(&format!("/v2/{TR}/entries"))
        .and(query_param("pageSize", "100"))
        .and(query_param_is_missing("pageToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"transcriptEntries": [
            {"name": format!("{TR}/entries/e1"), "participant": format!("{REC}/participants/p2"), "text": "Thanks for making time.", "languageCode": "en-US", "startTime": "2026-11-20T15:00:10Z", "endTime": "2026-11-20T15:00:12.500Z"}
        ], "nextPageToken": "page-2"})))
        .expect(1)
        .mount(server)
        .await;
    get(&format!("/v2/{TR}/entries"))
        .and(query_param("pageToken", "page-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"transcriptEntries": [
            {"name": format!("{TR}/entries/e2"), "participant": format!("{REC}/participants/p1"), "text": "Onboarding took us three weeks.", "languageCode": "en-US", "startTime": "2026-11-20T15:00:13Z", "endTime": "2026-11-20T15:00:16Z"},
            {"name": format!("{TR}/entries/e3"), "participant": format!("{REC}/participants/p9"), "text": "Unknown voice.", "startTime": "2026-11-20T15:00:17Z"}
        ]})))
        .expect(1)
        .mount(server)
        .await;
    get(&format!("/v2/{REC}/smartNotes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"smartNotes": [
            {"name": format!("{REC}/smartNotes/n1"), "state": "FILE_GENERATED", "docsDestination": {"document": "doc-notes", "exportUri": "https://docs.google.com/document/d/doc-notes"}}
        ]})))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_conference_record_becomes_a_source_with_named_speakers_paged_entries_and_notes_links() {
    let server = MockServer::start().await;
    get(&format!("/v2/{REC}")).respond_with(ResponseTemplate::new(200).set_body_json(record())).expect(1).mount(&server).await;
    mount_artifacts(&server).await;

    let s = fetch(&server, REC).await.unwrap();

    assert_eq!(s.source_type, SourceType::SalesCall);
    assert_eq!(s.source_id, "abc123");
    assert_eq!(s.transcript_source, Some(TranscriptSource::Gemini));
    let t = s.transcript.unwrap();
    assert_eq!(t.segments.len(), 3);
    assert_eq!(t.speakers(), vec!["Guest Rep", "Ada Customer"]);
    assert_eq!(t.segments[2].speaker, None);
    assert_eq!((t.segments[0].start_ms, t.segments[0].end_ms), (Some(10_000), Some(12_500)));
    assert_eq!(s.metadata["smart_notes"][0]["export_uri"], "https://docs.google.com/document/d/doc-notes");
    assert_eq!(s.metadata["transcript_doc"]["document"], "doc-tr");
    assert_eq!(s.metadata["expire_time"], "2026-12-20T15:30:00Z");
}

#[tokio::test]
async fn a_meeting_code_takes_the_latest_conference_of_that_meeting() {
    let server = MockServer::start().await;
    get("/v2/conferenceRecords")
        .and(query_param("filter", "space.meeting_code=\"abc-mnop-xyz\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"conferenceRecords": [
            {"name": "conferenceRecords/old", "startTime": "2026-11-01T15:00:00Z", "space": "spaces/xyz"},
            record()
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    mount_artifacts(&server).await;
    let s = fetch(&server, "abc-mnop-xyz").await.unwrap();
    assert_eq!(s.source_id, "abc123");
}

#[tokio::test]
async fn refused_smart_notes_do_not_fail_the_fetch() {
    let server = MockServer::start().await;
    get(&format!("/v2/{REC}")).respond_with(ResponseTemplate::new(200).set_body_json(record())).expect(1).mount(&server).await;
    get(&format!("/v2/{REC}/participants"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    get(&format!("/v2/{REC}/transcripts")).respond_with(ResponseTemplate::new(200).set_body_json(json!({}))).expect(1).mount(&server).await;
    get(&format!("/v2/{REC}/smartNotes"))
        .respond_with(ResponseTemplate::new(403).set_body_json(google_error(
            403,
            "PERMISSION_DENIED",
            "Request had insufficient authentication scopes.",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let s = fetch(&server, "abc123").await.unwrap();
    assert_eq!(s.transcript, None);
    assert_eq!(s.metadata["smart_notes"], json!([]));
}

#[tokio::test]
async fn an_expired_or_unknown_record_is_not_found() {
    let server = MockServer::start().await;
    get(&format!("/v2/{REC}"))
        .respond_with(ResponseTemplate::new(404).set_body_json(google_error(404, "NOT_FOUND", "Requested entity was not found.")))
        .expect(1)
        .mount(&server)
        .await;
    let err = fetch(&server, REC).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { id, .. } if id == REC), "{err:?}");
}

#[tokio::test]
async fn an_expired_token_is_unauthenticated() {
    let server = MockServer::start().await;
    get(&format!("/v2/{REC}"))
        .respond_with(ResponseTemplate::new(401).set_body_json(google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let err = fetch(&server, REC).await.unwrap_err();
    assert!(matches!(&err, Error::Unauthenticated(m) if m.contains("invalid authentication credentials")), "{err:?}");
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_wait_and_succeeds() {
    let server = MockServer::start().await;
    get(&format!("/v2/{REC}"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(google_error(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded.",
        )))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    get(&format!("/v2/{REC}"))
        .respond_with(ResponseTemplate::new(200).set_body_json(record()))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    mount_artifacts(&server).await;
    let started = Instant::now();
    fetch(&server, REC).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After not honoured: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_5xx_is_retried_then_transient() {
    let server = MockServer::start().await;
    get(&format!("/v2/{REC}"))
        .respond_with(ResponseTemplate::new(503).set_body_json(google_error(503, "UNAVAILABLE", "The service is currently unavailable.")))
        .expect(3)
        .mount(&server)
        .await;
    let err = fetch(&server, REC).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("currently unavailable")), "{err:?}");
}

#[tokio::test]
async fn a_timeout_is_retried_then_transient() {
    let server = MockServer::start().await;
    get(&format!("/v2/{REC}"))
        .respond_with(ResponseTemplate::new(200).set_body_json(record()).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&server)
        .await;
    let err = fetch(&server, REC).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("timed out")), "{err:?}");
}

#[tokio::test]
async fn a_pasted_meet_link_takes_the_latest_conference_of_that_meeting() {
    let server = MockServer::start().await;
    get("/v2/conferenceRecords")
        .and(query_param("filter", "space.meeting_code=\"abc-mnop-xyz\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"conferenceRecords": [record()]})))
        .expect(1)
        .mount(&server)
        .await;
    mount_artifacts(&server).await;
    let s = fetch(&server, "https://meet.google.com/abc-mnop-xyz?authuser=0").await.unwrap();
    assert_eq!(s.source_id, "abc123");
}

#[tokio::test]
async fn a_record_id_with_url_syntax_stays_one_encoded_path_segment() {
    let server = MockServer::start().await;
    get("/v2/conferenceRecords/a%3Fb%23c")
        .respond_with(ResponseTemplate::new(404).set_body_json(google_error(404, "NOT_FOUND", "Requested entity was not found.")))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(fetch(&server, "a?b#c").await, Err(Error::NotFound { .. })));
    let err = fetch(&server, "conferenceRecords/../spaces").await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
}
