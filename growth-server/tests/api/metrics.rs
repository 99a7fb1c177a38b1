//! `GET /metrics`: Prometheus text with route templates, never raw ids.

use growth_core::domain::Role;
use reqwest::Method;

use crate::helpers::{spawn_app, spawn_app_with};

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

/// The value of the counter line that starts with `name{` and carries every label in `labels`.
fn counter(text: &str, name: &str, labels: &[&str]) -> u64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && labels.iter().all(|lbl| l.contains(lbl)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

#[tokio::test]
async fn sign_ins_invites_role_changes_disables_webhooks_and_publish_now_are_counted() {
    let app = spawn_app_with(|s| {
        s.webhooks.grain_token = Some("metrics-hook-token".into());
        // Nothing listens there: the job fails later; receiving the delivery is what counts here.
        let mut grain = growth_adapters::grain::GrainConfig::new("grain-token".to_owned().into());
        grain.base_url = "http://127.0.0.1:9".into();
        s.integrations.grain = Some(grain);
    })
    .await;
    let before = app.get("/metrics").await.text().await.unwrap();
    let admin = app.token(Role::Admin).await;
    let approver = app.token(Role::Approver).await;

    // A sign-in.
    let u = app.user(Role::Viewer).await;
    let hash = growth_server::auth::hash_password("a long enough passphrase".into()).await.unwrap();
    app.state.auth.set_password_hash(u.id, &hash).await.unwrap();
    let login = serde_json::json!({"email": u.email, "provider": "email", "password": "a long enough passphrase"});
    assert_eq!(app.client.post(format!("{}/auth/login", app.address)).json(&login).send().await.unwrap().status(), 200);
    // An invite, a role change, a disable.
    let r = app
        .req(Method::POST, "/users/invite", &admin)
        .json(&serde_json::json!({"email": "new@x.co", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r =
        app.req(Method::PATCH, &format!("/users/{}", u.id), &admin).json(&serde_json::json!({"role": "approver"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.req(Method::POST, &format!("/users/{}/disable", u.id), &admin).send().await.unwrap().status(), 200);
    // A webhook delivery.
    let event = serde_json::json!({"event": "recording_ready", "recording_id": format!("rec-{}", uuid::Uuid::now_v7())});
    let r = app
        .client
        .post(format!("{}/webhooks/grain", app.address))
        .header("x-growth-webhook-token", "metrics-hook-token")
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Publish now, through the outbox.
    let item = growth_core::domain::NewContentItem::draft(
        growth_core::domain::ContentType::LinkedinPost,
        None,
        "We priced at $49.\n\nReply with yours.",
    );
    let id = app.state.engine.store().insert_content(item).await.unwrap().id;
    let r = app.req(Method::POST, &format!("/publish/{id}"), &approver).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let after = app.get("/metrics").await.text().await.unwrap();
    let changes = "growth_state_changes_total";
    for action in ["sign_in", "invite", "role_change", "disable_user", "webhook_received", "publish_now"] {
        let label = format!("action=\"{action}\"");
        assert!(counter(&after, changes, &[&label]) > counter(&before, changes, &[&label]), "{action} is counted:\n{after}");
    }
    let publishes = ["platform=\"linkedin\"", "outcome=\"published\""];
    assert!(
        counter(&after, "growth_publishes_total", &publishes) > counter(&before, "growth_publishes_total", &publishes),
        "publish-now is a publishing outcome too:\n{after}"
    );
}
