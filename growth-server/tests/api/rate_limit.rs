//! Per-IP and per-user rate limits: 429 problem+json with `Retry-After`.

use growth_core::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

/// A failed sign-in from a new email each time (the per-email back-off is not what these test).
async fn login(app: &TestApp) -> reqwest::Response {
    let body =
        json!({"email": format!("nobody-{}@example.com", uuid::Uuid::now_v7()), "provider": "email", "password": "not the password"});
    app.client.post(format!("{}/auth/login", app.address)).json(&body).send().await.unwrap()
}

async fn assert_refused(r: reqwest::Response) {
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["status"].as_u64(), body["type"].as_str()), (Some(429), Some("urn:growth:problem:rate-limited")));
}

#[tokio::test]
async fn sign_in_attempts_beyond_the_per_ip_burst_get_429_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.http.rate_limit_per_ip = 6;
        s.http.rate_limit_per_ip_burst = 3;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(login(&app).await.status(), 401);
    }
    assert_refused(login(&app).await).await;
    let hook = app.client.post(format!("{}/webhooks/grain/x", app.address)).json(&json!({})).send().await.unwrap();
    assert_eq!(hook.status(), 429, "webhooks share the address's allowance");
}

#[tokio::test]
async fn each_user_has_an_allowance_of_their_own_and_health_is_never_limited() {
    let app = spawn_app_with(|s| {
        s.http.rate_limit_per_user = 6;
        s.http.rate_limit_per_user_burst = 2;
        s.http.rate_limit_per_ip = 6;
        s.http.rate_limit_per_ip_burst = 1;
    })
    .await;
    let (ann, bob) = (app.token(Role::Viewer).await, app.token(Role::Viewer).await);
    for _ in 0..2 {
        assert_eq!(app.req(Method::GET, "/me", &ann).send().await.unwrap().status(), 200);
    }
    assert_refused(app.req(Method::GET, "/me", &ann).send().await.unwrap()).await;
    assert_eq!(app.req(Method::GET, "/me", &bob).send().await.unwrap().status(), 200, "another user is not affected");
    for _ in 0..20 {
        assert_eq!(app.get("/health").await.status(), 200);
        assert_eq!(app.get("/ready").await.status(), 200);
    }
}

#[tokio::test]
async fn zero_turns_the_limits_off() {
    let app = spawn_app_with(|s| {
        s.http.rate_limit_per_ip = 0;
        s.http.rate_limit_per_user = 0;
    })
    .await;
    for _ in 0..40 {
        assert_eq!(login(&app).await.status(), 401);
    }
}

async fn login_from(app: &TestApp, forwarded_for: &str) -> reqwest::Response {
    let body =
        json!({"email": format!("nobody-{}@example.com", uuid::Uuid::now_v7()), "provider": "email", "password": "not the password"});
    app.client.post(format!("{}/auth/login", app.address)).header("x-forwarded-for", forwarded_for).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    let app = spawn_app_with(|s| {
        s.http.rate_limit_per_ip = 6;
        s.http.rate_limit_per_ip_burst = 1;
        // The test client connects from 127.0.0.1: it plays the proxy.
        s.http.trusted_proxies = vec!["127.0.0.1/32".into()];
    })
    .await;
    assert_eq!(login_from(&app, "198.51.100.1").await.status(), 401);
    assert_refused(login_from(&app, "198.51.100.1").await).await;
    assert_eq!(login_from(&app, "198.51.100.2").await.status(), 401, "another client behind the same proxy");
    // What the client wrote itself (left of what the proxy appended) does not pick the key.
    assert_refused(login_from(&app, "203.0.113.99, 198.51.100.2").await).await;
}

#[tokio::test]
async fn without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_limit() {
    let app = spawn_app_with(|s| {
        s.http.rate_limit_per_ip = 6;
        s.http.rate_limit_per_ip_burst = 1;
    })
    .await;
    assert_eq!(login_from(&app, "198.51.100.1").await.status(), 401);
    assert_refused(login_from(&app, "198.51.100.2").await).await;
}
