use std::time::Duration;

use growth_core::domain::{JobId, JobStatus, SourceStatus, SourceType};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const TOKEN: &str = "s3cr3t-webhook-token-0123456789";

async fn app() -> TestApp {
    spawn_app_with(|s| {
        s.webhooks.grain_token = Some(TOKEN.into());
        s.webhooks.riverside_token = Some(TOKEN.into());
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

async fn job_count(app: &TestApp) -> usize {
    app.state.store.list_jobs(None, 100).await.unwrap().len()
}

async fn wait_for_job(app: &TestApp, id: JobId) -> growth_core::domain::Job {
    for _ in 0..250 {
        let j = app.state.store.get_job(id).await.unwrap();
        if j.status.is_terminal() {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} did not finish");
}

#[tokio::test]
async fn a_grain_delivery_with_the_token_enqueues_one_ingestion_job() {
    let app = app().await;
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
async fn redeliveries_answer_with_the_same_job_id() {
    let app = app().await;
    let a: Value = post(&app, &format!("/webhooks/grain/{TOKEN}"), &grain_event("rec-1")).await.json().await.unwrap();
    let b: Value = post(&app, &format!("/webhooks/grain/{TOKEN}"), &grain_event("rec-1")).await.json().await.unwrap();
    assert_eq!(a["job_id"], b["job_id"]);
    let c: Value = post(&app, &format!("/webhooks/grain/{TOKEN}"), &grain_event("rec-2")).await.json().await.unwrap();
    assert_ne!(a["job_id"], c["job_id"]);
}

#[tokio::test]
async fn forged_deliveries_are_refused_and_enqueue_nothing() {
    let app = app().await;
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
    let app = app().await;
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
    let app = app().await;
    for body in [r#"{"type": "highlight_added", "data": {"id": "h"}}"#, r#"{}"#] {
        let r = post(&app, &format!("/webhooks/grain/{TOKEN}"), body).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "ignored");
    }
    assert_eq!(job_count(&app).await, 0);
}

#[tokio::test]
async fn a_riverside_episode_with_its_transcript_becomes_a_completed_source() {
    let app = app().await;
    let body = json!({
        "event": "episode_published",
        "episode_id": "ep-47",
        "title": "Podcast #47 - Sarah Nguyen",
        "audio_url": "https://riverside.example/ep-47.mp3",
        "transcript": "Wes: Welcome back.\n\nSarah: Thanks. Activation doubled when we cut the setup to one step."
    });
    let r: Value = post(&app, &format!("/webhooks/riverside/{TOKEN}"), &body.to_string()).await.json().await.unwrap();
    let job = wait_for_job(&app, r["job_id"].as_str().unwrap().parse().unwrap()).await;
    assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.last_error);
    let sources = app.state.store.list_sources(10, 0).await.unwrap();
    assert_eq!(sources.len(), 1);
    let s = &sources[0];
    assert_eq!((s.source_type, s.source_id.as_deref(), s.status), (SourceType::Podcast, Some("ep-47"), SourceStatus::Completed));
    assert!(s.transcript.as_deref().unwrap().contains("Activation doubled"));
    assert_eq!(job.result.unwrap()["source_id"], json!(s.id));
}

#[tokio::test]
async fn a_grain_recording_without_grain_credentials_fails_visibly_with_the_reason() {
    let app = app().await;
    let r: Value = post(&app, &format!("/webhooks/grain/{TOKEN}"), &grain_event("rec-7")).await.json().await.unwrap();
    let job = wait_for_job(&app, r["job_id"].as_str().unwrap().parse().unwrap()).await;
    assert_eq!(job.status, JobStatus::Failed);
    assert!(job.last_error.unwrap().contains("no grain credentials"), "the reason says what to configure");
}
