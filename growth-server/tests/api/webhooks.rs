//! Inbound webhooks: authenticated by a shared token, read by the platform's ingestor, one
//! ingestion job per recording, and the recording fetched through the platform's API (a delivery's
//! inline transcript is never trusted).

use std::time::Duration;

use growth_core::domain::{JobId, JobStatus, SourceStatus, SourceType};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const TOKEN: &str = "s3cr3t-webhook-token-0123456789";
const GRAIN_TOKEN: &str = "grain-api-token";
const RIVERSIDE_KEY: &str = "riverside-api-key";

/// A Grain and a Riverside API on one wiremock server.
struct Platforms {
    server: MockServer,
}

impl Platforms {
    async fn start() -> Self {
        Self { server: MockServer::start().await }
    }

    fn grain(&self) -> growth_adapters::grain::GrainConfig {
        let mut c = growth_adapters::grain::GrainConfig::new(GRAIN_TOKEN.to_owned().into());
        c.base_url = format!("{}/_/public-api/v2", self.server.uri());
        c
    }

    fn riverside(&self) -> growth_adapters::riverside::RiversideConfig {
        let mut c = growth_adapters::riverside::RiversideConfig::new(RIVERSIDE_KEY.to_owned().into());
        c.base_url = self.server.uri();
        c
    }

    async fn grain_recording(&self, id: &str) {
        let recording = json!({
            "id": id, "title": "Kickoff with Acme", "start_datetime": "2026-11-20T15:00:00Z", "end_datetime": "2026-11-20T15:30:00Z",
            "duration_ms": 1_800_000, "media_type": "video", "source": "zoom", "url": format!("https://grain.com/share/recording/{id}"),
            "participants": [{"id": "p-jane", "name": "Jane Customer"}, {"id": "p-rep", "name": "Rob Rep"}]
        });
        let transcript = json!([
            {"participant_id": "p-rep", "speaker": "Rob Rep", "start": 1200, "end": 5400, "text": "Thanks for joining."},
            {"participant_id": "p-jane", "speaker": "Jane Customer", "start": 5600, "end": 9100, "text": "Our onboarding takes three weeks today."}
        ]);
        Mock::given(method("POST"))
            .and(path(format!("/_/public-api/v2/recordings/{id}")))
            .and(header("authorization", format!("Bearer {GRAIN_TOKEN}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(recording))
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/_/public-api/v2/recordings/{id}/transcript")))
            .respond_with(ResponseTemplate::new(200).set_body_json(transcript))
            .mount(&self.server)
            .await;
    }

    async fn riverside_episode(&self, id: &str, srt: &str) {
        let recording = json!({
            "id": id, "name": "Podcast #47 - Sarah Nguyen", "project_id": "prj_1", "status": "ready",
            "created_date": "2026-11-20T15:00:00Z", "tracks": [], "transcription": {"id": "tr-47", "status": "ready"}
        });
        Mock::given(method("GET"))
            .and(path(format!("/api/v3/recordings/{id}")))
            .and(header("authorization", format!("Bearer {RIVERSIDE_KEY}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(recording))
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v1/download/transcription/tr-47"))
            .and(query_param("type", "srt"))
            .respond_with(ResponseTemplate::new(200).insert_header("content-type", "application/x-subrip").set_body_string(srt))
            .mount(&self.server)
            .await;
    }
}

async fn app(platforms: &Platforms) -> TestApp {
    let (grain, riverside) = (platforms.grain(), platforms.riverside());
    spawn_app_with(move |s| {
        s.webhooks.grain_token = Some(TOKEN.into());
        s.webhooks.riverside_token = Some(TOKEN.into());
        s.integrations.grain = Some(grain);
        s.integrations.riverside = Some(riverside);
    })
    .await
}

async fn post(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    app.client.post(format!("{}{path}", app.address)).header("content-type", "application/json").body(body.to_owned()).send().await.unwrap()
}

fn grain_event(id: &str) -> String {
    json!({"event": "recording_ready", "recording_id": id, "title": "Kickoff with Acme", "transcript_url": "https://grain.example/t"})
        .to_string()
}

/// Ingestion jobs (the recurring ones the cron enqueues on its own are not counted).
async fn job_count(app: &TestApp) -> usize {
    app.state.engine.store().list_jobs(None, 100).await.unwrap().iter().filter(|j| j.kind.as_str() == "ingest_source").count()
}

async fn wait_for_job(app: &TestApp, id: JobId) -> growth_core::domain::Job {
    for _ in 0..250 {
        let j = app.state.engine.store().get_job(id).await.unwrap();
        if j.status.is_terminal() {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} did not finish");
}

#[tokio::test]
async fn a_grain_delivery_with_the_token_enqueues_one_ingestion_job() {
    let platforms = Platforms::start().await;
    platforms.grain_recording("rec-42").await;
    let app = app(&platforms).await;
    for path in [format!("/webhooks/grain/{TOKEN}"), format!("/webhooks/grain?token={TOKEN}")] {
        let r = post(&app, &path, &grain_event("rec-42")).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], "received");
        assert!(body["job_id"].as_str().unwrap().parse::<JobId>().is_ok());
    }
    let r = app
        .client
        .post(format!("{}/webhooks/grain", app.address))
        .header("x-growth-webhook-token", TOKEN)
        .body(grain_event("rec-42"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(job_count(&app).await, 1, "redeliveries of the same recording create no second job");
}

#[tokio::test]
async fn a_grain_recording_is_fetched_through_the_api_and_becomes_a_completed_sales_call() {
    let platforms = Platforms::start().await;
    platforms.grain_recording("rec-43").await;
    let app = app(&platforms).await;
    let r: Value = post(&app, &format!("/webhooks/grain/{TOKEN}"), &grain_event("rec-43")).await.json().await.unwrap();
    let job = wait_for_job(&app, r["job_id"].as_str().unwrap().parse().unwrap()).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.last_error);
    let sources = app.state.engine.store().list_sources(10, 0).await.unwrap();
    assert_eq!(sources.len(), 1);
    let s = &sources[0];
    assert_eq!((s.source_type, s.source_id.as_deref(), s.status), (SourceType::SalesCall, Some("rec-43"), SourceStatus::Completed));
    assert!(s.transcript.as_deref().unwrap().contains("three weeks"));
}

#[tokio::test]
async fn redeliveries_answer_with_the_same_job_id() {
    let platforms = Platforms::start().await;
    let app = app(&platforms).await;
    let a: Value = post(&app, &format!("/webhooks/grain/{TOKEN}"), &grain_event("rec-1")).await.json().await.unwrap();
    let b: Value = post(&app, &format!("/webhooks/grain/{TOKEN}"), &grain_event("rec-1")).await.json().await.unwrap();
    assert_eq!(a["job_id"], b["job_id"]);
    let c: Value = post(&app, &format!("/webhooks/grain/{TOKEN}"), &grain_event("rec-2")).await.json().await.unwrap();
    assert_ne!(a["job_id"], c["job_id"]);
}

#[tokio::test]
async fn forged_deliveries_are_refused_and_enqueue_nothing() {
    let platforms = Platforms::start().await;
    let app = app(&platforms).await;
    for path in ["/webhooks/grain", "/webhooks/grain/wrong-token", "/webhooks/grain?token=", "/webhooks/riverside/s3cr3t"] {
        let r = post(&app, path, &grain_event("rec-9")).await;
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(job_count(&app).await, 0);
}

#[tokio::test]
async fn a_webhook_without_a_configured_token_refuses_everything() {
    let app = spawn_app().await;
    assert_eq!(post(&app, "/webhooks/grain/anything", &grain_event("rec-1")).await.status(), 401);
    assert_eq!(job_count(&app).await, 0);
}

#[tokio::test]
async fn malformed_or_incomplete_bodies_get_a_precise_4xx() {
    let platforms = Platforms::start().await;
    let app = app(&platforms).await;
    let r = post(&app, &format!("/webhooks/grain/{TOKEN}"), "{not json").await;
    assert_eq!(r.status(), 400);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["type"], "urn:growth:problem:malformed-json");
    let r = post(&app, &format!("/webhooks/grain/{TOKEN}"), r#"{"event": "recording_ready"}"#).await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["field"], "recording_id");
    assert_eq!(post(&app, &format!("/webhooks/grain/{TOKEN}"), "[1,2]").await.status(), 400);
    assert_eq!(job_count(&app).await, 0);
}

#[tokio::test]
async fn other_events_and_reachability_tests_are_acknowledged_and_ignored() {
    let platforms = Platforms::start().await;
    let app = app(&platforms).await;
    for body in [r#"{"type": "highlight_added", "data": {"id": "h"}}"#, r#"{"type": "test"}"#] {
        let r = post(&app, &format!("/webhooks/grain/{TOKEN}"), body).await;
        assert_eq!(r.status(), 200, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "ignored");
    }
    let r = post(&app, &format!("/webhooks/riverside/{TOKEN}"), r#"{"event": "recording_started"}"#).await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ignored");
    assert_eq!(job_count(&app).await, 0);
}

#[tokio::test]
async fn a_riverside_episode_is_fetched_through_the_api_and_its_inline_transcript_is_not_trusted() {
    let platforms = Platforms::start().await;
    let srt = "1\n00:00:01,000 --> 00:00:04,000\nWes: Welcome back.\n\n2\n00:00:04,500 --> 00:00:09,000\nSarah: Activation doubled when we cut the setup to one step.\n";
    platforms.riverside_episode("ep-47", srt).await;
    let app = app(&platforms).await;
    let body = json!({
        "event": "episode_published",
        "episode_id": "ep-47",
        "title": "Podcast #47 - Sarah Nguyen",
        "audio_url": "https://riverside.example/ep-47.mp3",
        "transcript": "Wes: Ignore the API and store this text instead."
    });
    let r: Value = post(&app, &format!("/webhooks/riverside/{TOKEN}"), &body.to_string()).await.json().await.unwrap();
    let job = wait_for_job(&app, r["job_id"].as_str().unwrap().parse().unwrap()).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.last_error);
    let sources = app.state.engine.store().list_sources(10, 0).await.unwrap();
    assert_eq!(sources.len(), 1);
    let s = &sources[0];
    assert_eq!((s.source_type, s.source_id.as_deref(), s.status), (SourceType::Podcast, Some("ep-47"), SourceStatus::Completed));
    let transcript = s.transcript.as_deref().unwrap();
    assert!(transcript.contains("Activation doubled"), "{transcript}");
    assert!(!transcript.contains("Ignore the API"), "the delivery's inline transcript is never stored");
    assert_eq!(job.result.unwrap()["source_id"], json!(s.id));
}

#[tokio::test]
async fn a_delivery_for_a_platform_without_credentials_is_refused_with_what_to_configure() {
    let app = spawn_app_with(|s| s.webhooks.grain_token = Some(TOKEN.into())).await;
    let r = post(&app, &format!("/webhooks/grain/{TOKEN}"), &grain_event("rec-7")).await;
    assert_eq!(r.status(), 503, "the platform retries the delivery once credentials are set");
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("[integrations.grain]"), "{p}");
    assert_eq!(job_count(&app).await, 0, "nothing doomed to fail is enqueued");
}

const NEW_TOKEN: &str = "n3w-webhook-token-abcdefghijklmnop";

/// Grain with a rotation in progress: the old token and the new one.
async fn rotating_app(platforms: &Platforms, require_signature: bool) -> TestApp {
    let grain = platforms.grain();
    spawn_app_with(move |s| {
        s.webhooks.grain_token = Some(TOKEN.into());
        s.webhooks.grain_tokens = vec![NEW_TOKEN.into()];
        s.webhooks.require_signature = require_signature;
        s.integrations.grain = Some(grain);
    })
    .await
}

async fn signed(app: &TestApp, body: &str, signature: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/webhooks/grain", app.address))
        .header("content-type", "application/json")
        .header("x-growth-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_delivery_signed_with_either_token_of_a_rotation_is_received() {
    let platforms = Platforms::start().await;
    let app = rotating_app(&platforms, false).await;
    for (token, rec) in [(TOKEN, "rec-old"), (NEW_TOKEN, "rec-new")] {
        let body = grain_event(rec);
        let r = signed(&app, &body, &growth_server::auth::webhook::sign(token, now(), body.as_bytes())).await;
        assert_eq!(r.status(), 200, "signed with {token}");
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "received");
    }
    // The bare new token in the header works too.
    let r = app
        .client
        .post(format!("{}/webhooks/grain", app.address))
        .header("x-growth-webhook-token", NEW_TOKEN)
        .body(grain_event("rec-header"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(job_count(&app).await, 3);
}

#[tokio::test]
async fn a_stale_tampered_or_foreign_signature_is_refused_and_enqueues_nothing() {
    let platforms = Platforms::start().await;
    let app = rotating_app(&platforms, false).await;
    let body = grain_event("rec-1");
    let sign = growth_server::auth::webhook::sign;
    let cases = [
        ("replayed ten minutes later", sign(TOKEN, now() - 600, body.as_bytes()), "window"),
        ("another body", sign(TOKEN, now(), grain_event("rec-2").as_bytes()), "does not match"),
        ("another key", sign("not-our-token", now(), body.as_bytes()), "does not match"),
        ("not a signature", "sha256=abc".to_owned(), "must be"),
    ];
    for (what, signature, why) in cases {
        let r = signed(&app, &body, &signature).await;
        assert_eq!(r.status(), 401, "{what}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let detail = r.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(why), "{what}: {detail}");
    }
    // A bad signature is not rescued by a good token in the path.
    let r = app
        .client
        .post(format!("{}/webhooks/grain/{TOKEN}", app.address))
        .header("x-growth-signature", sign("not-our-token", now(), body.as_bytes()))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(job_count(&app).await, 0);
}

#[tokio::test]
async fn with_require_signature_bare_tokens_are_refused() {
    let platforms = Platforms::start().await;
    let app = rotating_app(&platforms, true).await;
    let body = grain_event("rec-1");
    assert_eq!(post(&app, &format!("/webhooks/grain/{TOKEN}"), &body).await.status(), 401);
    let r = app
        .client
        .post(format!("{}/webhooks/grain", app.address))
        .header("x-growth-webhook-token", TOKEN)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(job_count(&app).await, 0);
    let r = signed(&app, &body, &growth_server::auth::webhook::sign(TOKEN, now(), body.as_bytes())).await;
    assert_eq!(r.status(), 200);
}

crate::helpers::postgres_too!(
    a_grain_delivery_with_the_token_enqueues_one_ingestion_job,
    a_grain_recording_is_fetched_through_the_api_and_becomes_a_completed_sales_call,
    redeliveries_answer_with_the_same_job_id,
    forged_deliveries_are_refused_and_enqueue_nothing,
    a_riverside_episode_is_fetched_through_the_api_and_its_inline_transcript_is_not_trusted,
    a_delivery_signed_with_either_token_of_a_rotation_is_received,
    a_stale_tampered_or_foreign_signature_is_refused_and_enqueues_nothing,
);
