//! Every error answer is `application/problem+json` naming what is wrong: bodies over the limit
//! (with the limit), slow requests, wrong methods, unknown routes, malformed JSON, a bad timestamp
//! (with the field), a token whose account is gone — and a 5xx never shows internal text.

use std::time::Duration;

use growth_core::domain::{NewContentItem, Role, UserId};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, postgres_too, spawn_app, spawn_app_with};

async fn problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json", "status {status}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().unwrap().starts_with("urn:growth:problem:"), "{body}");
    body
}

async fn small_limits() -> TestApp {
    spawn_app_with(|s| {
        s.http.body_limit_bytes = 1024;
        s.http.upload_limit_bytes = 64 * 1024;
    })
    .await
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_problem_naming_the_limit() {
    let app = small_limits().await;
    let big = json!({"email": "a@x.co", "provider": "email", "password": "x".repeat(4096)});
    let r = app.client.post(format!("{}/auth/login", app.address)).json(&big).send().await.unwrap();
    let p = problem(r, 413).await;
    assert!(p["detail"].as_str().unwrap().contains("1024 bytes"), "{p}");
    // Without a Content-Length (chunked), the body is cut off while it is read: the same problem.
    let chunks = futures::stream::iter((0..8).map(|_| Ok::<_, std::io::Error>(vec![b' '; 512])));
    let r = app
        .client
        .post(format!("{}/auth/login", app.address))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    let p = problem(r, 413).await;
    assert!(p["detail"].as_str().unwrap().contains("1024 bytes"), "{p}");
}

#[tokio::test]
async fn pasted_text_gets_the_body_limit_and_only_a_multipart_upload_the_upload_limit() {
    let app = small_limits().await;
    let token = app.token(Role::Approver).await;
    let text = "Wes: We priced at forty-nine dollars and nobody blinked.\n".repeat(80);
    assert!(text.len() > 4096);
    let r = app.req(Method::POST, "/sources", &token).json(&json!({"text": text})).send().await.unwrap();
    let p = problem(r, 413).await;
    assert!(p["detail"].as_str().unwrap().contains("1024 bytes"), "JSON is not an upload: {p}");
    let form = Form::new().part("file", Part::bytes(text.clone().into_bytes()).file_name("call.txt"));
    let r = app.req(Method::POST, "/sources", &token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201, "the same text as a file is under the upload limit");
    let form = Form::new().part("file", Part::bytes(vec![b'a'; 70 * 1024]).file_name("big.txt"));
    let r = app.req(Method::POST, "/sources", &token).multipart(form).send().await.unwrap();
    let p = problem(r, 413).await;
    assert!(p["detail"].as_str().unwrap().contains("65536 bytes"), "{p}");
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_is_a_408_problem() {
    let app = spawn_app_with(|s| s.http.request_timeout_secs = 1).await;
    // A body that trickles in slower than the timeout allows.
    let slow = futures::stream::unfold(0, |n| async move {
        (n < 3).then_some(())?;
        tokio::time::sleep(Duration::from_millis(800)).await;
        Some((Ok::<_, std::io::Error>(b" ".to_vec()), n + 1))
    });
    let r = app
        .client
        .post(format!("{}/auth/login", app.address))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(slow))
        .send()
        .await
        .unwrap();
    let p = problem(r, 408).await;
    assert!(p["detail"].as_str().unwrap().contains("1 s"), "{p}");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_listing_the_allowed_ones() {
    let app = spawn_app().await;
    let r = app.client.delete(format!("{}/health", app.address)).send().await.unwrap();
    let allow = r.headers().get("allow").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(allow.contains("GET"), "the Allow header is kept: {allow:?}");
    let p = problem(r, 405).await;
    assert!(p["detail"].as_str().unwrap().contains("GET"), "{p}");
    let p = problem(app.get("/no/such/route").await, 404).await;
    assert_eq!(p["type"], "urn:growth:problem:not-found");
}

#[tokio::test]
async fn malformed_json_is_a_400_problem_and_a_bad_timestamp_names_its_field() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let item = NewContentItem::draft(growth_core::domain::ContentType::LinkedinPost, None, "We priced at $49.\n\nReply with yours.");
    let id = app.state.engine.store().insert_content(item).await.unwrap().id;
    let r = app
        .req(Method::POST, &format!("/publish/{id}"), &token)
        .header("content-type", "application/json")
        .body(r#"{"schedule_time": "#)
        .send()
        .await
        .unwrap();
    let p = problem(r, 400).await;
    assert_eq!(p["type"], "urn:growth:problem:malformed-json");
    let r = app.req(Method::POST, &format!("/publish/{id}"), &token).json(&json!({"schedule_time": "next tuesday"})).send().await.unwrap();
    let p = problem(r, 422).await;
    assert_eq!(p["field"], "schedule_time", "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("RFC 3339") && !detail.contains("line 1"), "in our words, not serde's: {detail}");
    // Query strings too.
    let r = app.req(Method::GET, "/sources?limit=lots", &token).send().await.unwrap();
    assert_eq!(problem(r, 422).await["field"], "limit");
    // A body field of the wrong type, and a missing one.
    let r = app.client.post(format!("{}/auth/login", app.address)).json(&json!({"email": 7, "provider": "email"})).send().await.unwrap();
    assert_eq!(problem(r, 422).await["field"], "email");
    let r = app.client.post(format!("{}/auth/refresh", app.address)).json(&json!({})).send().await.unwrap();
    let p = problem(r, 422).await;
    assert_eq!((p["field"].as_str(), p["detail"].as_str()), (Some("refresh_token"), Some("`refresh_token` is required")));
}

#[tokio::test]
async fn a_valid_token_for_an_account_that_no_longer_exists_is_401() {
    let app = spawn_app().await;
    let ghost = app.state.keys.issue(UserId::new(), "ghost@example.com", Role::Admin, app.state.engine.clock().now()).unwrap();
    for path in ["/me", "/users", "/content/pending"] {
        let p = problem(app.req(Method::GET, path, &ghost).send().await.unwrap(), 401).await;
        assert!(p["detail"].as_str().unwrap().contains("no longer exists"), "{path}: {p}");
    }
}

#[tokio::test]
async fn a_failing_dependency_is_an_opaque_503_with_retry_after() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    app.state.database.close().await;
    let r = app.req(Method::GET, "/sources", &token).send().await.unwrap();
    assert!(r.headers().contains_key("retry-after"));
    let p = problem(r, 503).await;
    let text = p.to_string().to_lowercase();
    for internal in ["pool", "sqlite", "postgres", "database unavailable", "/tmp", "test.db"] {
        assert!(!text.contains(internal), "`{internal}` leaked: {p}");
    }
}

postgres_too!(
    malformed_json_is_a_400_problem_and_a_bad_timestamp_names_its_field,
    a_valid_token_for_an_account_that_no_longer_exists_is_401,
    a_failing_dependency_is_an_opaque_503_with_retry_after,
);
