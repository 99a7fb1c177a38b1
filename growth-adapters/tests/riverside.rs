//! Riverside adapter against a wiremock Riverside: the requests it sends, how it classifies each
//! answer, and the transcript-download limit (once per 3 minutes per unique request).
//!
//! No recorded Riverside responses exist in the shared fixtures. The recording bodies follow the
//! shape `shared/reference/apis.md` §9 describes (recordings with tracks, files and transcription
//! ids; UNVERIFIED field names as the adapter documents), the rate-limit headers are the documented
//! `x-ratelimit-limit: 1` / `x-ratelimit-reset: 180`, and the SRT body is an ordinary SubRip file.
#![cfg(feature = "riverside")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::time::{Duration, Instant};

use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::riverside::{RiversideConfig, RiversideIngestor};
use growth_core::Error;
use growth_core::domain::{SourceType, TranscriptSource};
use growth_core::ingest::{FetchRequest, FetchedSource, SourceIngestor};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "riverside-test-key";
const REC: &str = "rec_7f3a";
const FILE: &str = "tr_91b2";

const SRT: &str = "1\n00:00:01,000 --> 00:00:04,000\nAdam: Welcome back to the show.\n\n2\n00:00:04,500 --> 00:00:08,000\nWes: Glad to be here, thanks.\n";

fn recording() -> Value {
    json!({
        "id": REC,
        "name": "Episode 42 with Wes",
        "project_id": "prj_1",
        "project_name": "The Show",
        "status": "ready",
        "created_date": "2026-11-20T15:00:00Z",
        "tracks": [
            {"id": "trk_1", "type": "compressed_audio", "status": "ready", "files": [{"type": "mp3", "size": 1024, "download_url": "https://cdn.example/a.mp3"}]}
        ],
        "transcription": {"id": FILE, "status": "ready"}
    })
}

fn ingestor(server: &MockServer) -> RiversideIngestor {
    let mut config = RiversideConfig::new(KEY.to_owned().into());
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
    RiversideIngestor::new(config).unwrap()
}

fn get_recording() -> wiremock::MockBuilder {
    Mock::given(method("GET")).and(path(format!("/api/v3/recordings/{REC}"))).and(header("authorization", format!("Bearer {KEY}").as_str()))
}

fn download() -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/download/transcription/{FILE}")))
        .and(query_param("type", "srt"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
}

fn srt_ok() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/x-subrip")
        .insert_header("x-ratelimit-limit", "1")
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", "180")
        .set_body_string(SRT)
}

async fn fetch(ing: &RiversideIngestor) -> Result<FetchedSource, Error> {
    ing.fetch(FetchRequest { reference: REC.into() }).await
}

#[tokio::test]
async fn a_recording_and_its_srt_transcript_become_a_podcast_source() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(recording())).expect(1).mount(&server).await;
    download().respond_with(srt_ok()).expect(1).mount(&server).await;

    let s = fetch(&ingestor(&server)).await.unwrap();

    assert_eq!(s.source_type, SourceType::Podcast);
    assert_eq!(s.source_id, REC);
    assert_eq!(s.title.as_deref(), Some("Episode 42 with Wes"));
    assert_eq!(s.audio_url.as_deref(), Some("https://cdn.example/a.mp3"));
    assert_eq!(s.transcript_source, Some(TranscriptSource::Riverside));
    let t = s.transcript.unwrap();
    assert_eq!(t.speakers(), vec!["Adam", "Wes"]);
    assert_eq!(t.segments[0].start_ms, Some(1000));
}

#[tokio::test]
async fn a_second_download_of_the_same_transcript_within_three_minutes_is_refused_without_a_request() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(recording())).expect(2).mount(&server).await;
    download().respond_with(srt_ok()).expect(1).mount(&server).await;
    let ing = ingestor(&server);
    fetch(&ing).await.unwrap();
    let err = fetch(&ing).await.unwrap_err();
    let wait = err.retry_after().unwrap();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert!(wait > Duration::from_secs(170) && wait <= Duration::from_secs(180), "{wait:?}");
}

#[tokio::test]
async fn a_429_on_the_download_is_not_retried_and_blocks_for_the_reset_window() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(recording())).expect(2).mount(&server).await;
    download()
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-limit", "1")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "180")
                .set_body_json(json!({"message": "Too Many Requests"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let ing = ingestor(&server);
    let err = fetch(&ing).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(180)), "{err:?}");
    // The key stays blocked: no second download is sent.
    assert!(matches!(fetch(&ing).await, Err(Error::RateLimited { .. })));
}

#[tokio::test]
async fn a_429_with_a_short_retry_after_is_retried_and_succeeds() {
    let server = MockServer::start().await;
    get_recording()
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(recording())).with_priority(2).expect(1).mount(&server).await;
    download().respond_with(srt_ok()).expect(1).mount(&server).await;
    let started = Instant::now();
    fetch(&ingestor(&server)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After not honoured: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_recording_without_a_transcript_gives_the_audio_url_only() {
    let server = MockServer::start().await;
    let mut r = recording();
    r["transcription"] = Value::Null;
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": r}))).expect(1).mount(&server).await;
    download().respond_with(srt_ok()).expect(0).mount(&server).await;
    let s = fetch(&ingestor(&server)).await.unwrap();
    assert_eq!(s.transcript, None);
    assert_eq!(s.audio_url.as_deref(), Some("https://cdn.example/a.mp3"));
}

#[tokio::test]
async fn an_unknown_recording_is_not_found() {
    let server = MockServer::start().await;
    get_recording()
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Recording not found"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = fetch(&ingestor(&server)).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { id, .. } if id == REC), "{err:?}");
}

#[tokio::test]
async fn a_bad_key_is_unauthenticated_and_a_forbidden_account_is_permission_denied() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(401)).up_to_n_times(1).with_priority(1).expect(1).mount(&server).await;
    get_recording().respond_with(ResponseTemplate::new(403)).with_priority(2).expect(1).mount(&server).await;
    let ing = ingestor(&server);
    assert!(matches!(fetch(&ing).await, Err(Error::Unauthenticated(_))));
    assert!(matches!(fetch(&ing).await, Err(Error::PermissionDenied(_))));
}

#[tokio::test]
async fn a_5xx_is_retried_then_transient() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(500)).expect(3).mount(&server).await;
    assert!(matches!(fetch(&ingestor(&server)).await, Err(Error::Transient { .. })));
}

#[tokio::test]
async fn a_timeout_is_retried_then_transient() {
    let server = MockServer::start().await;
    get_recording()
        .respond_with(ResponseTemplate::new(200).set_body_json(recording()).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&server)
        .await;
    let err = fetch(&ingestor(&server)).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("timed out")), "{err:?}");
}

#[tokio::test]
async fn recordings_are_listed_from_a_wrapped_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/recordings"))
        .and(query_param("page", "2"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [recording()], "next_page": 3})))
        .expect(1)
        .mount(&server)
        .await;
    let page = ingestor(&server).list_recordings(Some(2)).await.unwrap();
    assert_eq!(page.recordings[0].id, REC);
    assert_eq!(page.next_page, Some(3));
}

#[tokio::test]
async fn a_direct_transcript_link_on_another_host_is_downloaded_without_the_key() {
    let server = MockServer::start().await;
    let cdn = MockServer::start().await;
    let mut r = recording();
    r["transcription"] = json!({"status": "ready", "srt_url": format!("{}/t/{FILE}.srt", cdn.uri())});
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(r)).expect(1).mount(&server).await;
    Mock::given(method("GET")).and(path(format!("/t/{FILE}.srt"))).respond_with(srt_ok()).expect(1).mount(&cdn).await;
    let s = fetch(&ingestor(&server)).await.unwrap();
    assert_eq!(s.transcript.unwrap().speakers(), vec!["Adam", "Wes"]);
    let sent = cdn.received_requests().await.unwrap();
    assert!(sent[0].headers.get("authorization").is_none(), "the API key leaked to another host");
}

#[tokio::test]
async fn a_failed_download_frees_the_slot_so_a_retry_is_not_held_back() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(recording())).expect(2).mount(&server).await;
    download().respond_with(ResponseTemplate::new(503)).up_to_n_times(3).with_priority(1).expect(3).mount(&server).await;
    download().respond_with(srt_ok()).with_priority(2).expect(1).mount(&server).await;
    let ing = ingestor(&server);
    assert!(matches!(fetch(&ing).await, Err(Error::Transient { .. })));
    assert!(fetch(&ing).await.unwrap().transcript.is_some());
}

#[tokio::test]
async fn a_pasted_riverside_link_fetches_the_recording_it_names() {
    let server = MockServer::start().await;
    get_recording().respond_with(ResponseTemplate::new(200).set_body_json(recording())).expect(1).mount(&server).await;
    download().respond_with(srt_ok()).expect(1).mount(&server).await;
    let link = format!("https://riverside.fm/dashboard/studios/the-show/recordings/{REC}?tab=transcript");
    let s = ingestor(&server).fetch(FetchRequest { reference: link }).await.unwrap();
    assert_eq!(s.source_id, REC);
    let err = ingestor(&server).fetch(FetchRequest { reference: "https://evil.example/recordings/x".into() }).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { field: Some(ref f), .. } if f == "reference"), "{err:?}");
}

#[tokio::test]
async fn an_id_with_url_syntax_stays_one_encoded_path_segment() {
    let server = MockServer::start().await;
    // The raw path as sent: the slash, question mark and hash are escaped, nothing is walked up.
    Mock::given(method("GET"))
        .and(path("/api/v3/recordings/..%2Fproductions%3Fx%3D1%23f"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not found"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = ingestor(&server).fetch(FetchRequest { reference: "../productions?x=1#f".into() }).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = ingestor(&server).fetch(FetchRequest { reference: "..".into() }).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
}
