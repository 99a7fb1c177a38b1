//! `GET /metrics`: Prometheus text with route templates, never raw ids.

use growth_core::domain::Role;
use reqwest::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn requests_are_counted_and_timed_under_their_route_template() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let id = "0190c9f2-7a1b-7c3d-8e4f-5a6b7c8d9e0f";
    assert_eq!(app.get("/health").await.status(), 200);
    assert_eq!(app.req(Method::GET, &format!("/content/{id}"), &token).send().await.unwrap().status(), 404);
    assert_eq!(app.get("/no/such/route").await.status(), 404);
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = r.text().await.unwrap();
    let counted = |route: &str, status: &str| {
        text.lines().any(|l| {
            l.starts_with("growth_http_requests_total{")
                && l.contains("method=\"GET\"")
                && l.contains(&format!("route=\"{route}\""))
                && l.contains(&format!("status=\"{status}\""))
        })
    };
    assert!(counted("/health", "200"), "{text}");
    assert!(counted("/content/{id}", "404"), "{text}");
    assert!(counted("unmatched", "404"), "{text}");
    assert!(text.contains("growth_http_request_duration_seconds_bucket{"), "{text}");
    assert!(!text.contains(id), "raw ids never become labels");
    assert!(!text.contains("/no/such/route"), "unknown paths never become labels");
}

#[tokio::test]
async fn a_generation_counts_its_job_and_tokens() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let transcript = concat!(env!("CARGO_MANIFEST_DIR"), "/../growth-core/tests/fixtures/transcripts/changelog/founders-talk-60.md");
    let text = std::fs::read_to_string(transcript).unwrap();
    let body = serde_json::json!({"source_type": "text", "source_data": text, "generate_types": ["newsletter"]});
    let r = app.req(Method::POST, "/generate/podcast", &token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let job: serde_json::Value = r.json().await.unwrap();
    let path = format!("/generate/status/{}", job["job_id"].as_str().unwrap());
    for _ in 0..300 {
        let s: serde_json::Value = app.req(Method::GET, &path, &token).send().await.unwrap().json().await.unwrap();
        if s["status"] != "processing" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("growth_jobs_total{") && l.contains("kind=\"generate_bundle\"") && l.contains("outcome=\"succeeded\""));
    assert!(line.is_some(), "{text}");
    assert!(text.lines().any(|l| l.starts_with("growth_generation_tokens_total{")), "{text}");
}
