//! `POST /users/invite`, `POST /auth/accept-invite` and `GET /users`.

use growth_core::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const PASSWORD: &str = "a long enough passphrase";

async fn app() -> TestApp {
    spawn_app_with(|s| s.auth.jwt_secret = Some("test-secret-test-secret-test-secret!".into())).await
}

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.client.post(format!("{}{path}", app.address)).json(&body).send().await.unwrap()
}

async fn invite(app: &TestApp, admin: &str, email: &str, role: &str) -> reqwest::Response {
    app.req(Method::POST, "/users/invite", admin).json(&json!({"email": email, "role": role, "full_name": "Ann Lee"})).send().await.unwrap()
}

#[tokio::test]
async fn an_invited_user_sets_a_password_once_and_then_signs_in_with_it() {
    let app = app().await;
    let admin = app.token(Role::Admin).await;
    let r = invite(&app, &admin, "Ann@ProductLed.com", "approver").await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["user"]["email"].as_str(), body["user"]["role"].as_str()), (Some("ann@productled.com"), Some("approver")));
    assert_eq!(body["user"]["full_name"], "Ann Lee");
    assert!(body["expires_at"].as_str().is_some());
    let token = body["invite_token"].as_str().unwrap().to_owned();
    // Not a refresh token, and not a password yet.
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": token})).await.status(), 401);
    let login = json!({"email": "ann@productled.com", "provider": "email", "password": PASSWORD});
    assert_eq!(post(&app, "/auth/login", login.clone()).await.status(), 401);
    // A short password is refused and leaves the invite usable.
    let r = post(&app, "/auth/accept-invite", json!({"invite_token": token, "password": "short"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "password");
    let r = post(&app, "/auth/accept-invite", json!({"invite_token": token, "password": PASSWORD})).await;
    assert_eq!(r.status(), 200);
    let session: Value = r.json().await.unwrap();
    assert_eq!(session["user"]["role"], "approver");
    assert!(!session["refresh_token"].as_str().unwrap().is_empty());
    let me = app.req(Method::GET, "/me", session["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(me.status(), 200);
    // Once only.
    let again = post(&app, "/auth/accept-invite", json!({"invite_token": token, "password": "another long passphrase"})).await;
    assert_eq!(again.status(), 401);
    assert_eq!(post(&app, "/auth/login", login).await.status(), 200, "the first password stands");
    // The email is taken now.
    assert_eq!(invite(&app, &admin, "ann@productled.com", "viewer").await.status(), 409);
}

#[tokio::test]
async fn unknown_and_expired_invites_are_refused() {
    let app = app().await;
    let admin = app.token(Role::Admin).await;
    let r = post(&app, "/auth/accept-invite", json!({"invite_token": "never-issued", "password": PASSWORD})).await;
    assert_eq!(r.status(), 401);
    let body: Value = invite(&app, &admin, "late@x.co", "viewer").await.json().await.unwrap();
    let user: growth_core::domain::UserId = serde_json::from_value(body["user"]["id"].clone()).unwrap();
    let stale = "an-expired-invite-token";
    let past = app.state.engine.clock().now() - chrono::Duration::hours(1);
    app.state.auth.insert_refresh_token(user, uuid::Uuid::now_v7(), &growth_server::auth::invite_token_hash(stale), past).await.unwrap();
    assert_eq!(post(&app, "/auth/accept-invite", json!({"invite_token": stale, "password": PASSWORD})).await.status(), 401);
}

#[tokio::test]
async fn only_admins_invite_and_list_users() {
    let app = app().await;
    for role in [Role::Viewer, Role::Approver] {
        let t = app.token(role).await;
        assert_eq!(invite(&app, &t, "x@x.co", "admin").await.status(), 403, "{role}");
        assert_eq!(app.req(Method::GET, "/users", &t).send().await.unwrap().status(), 403, "{role}");
    }
    assert_eq!(post(&app, "/users/invite", json!({"email": "x@x.co", "role": "viewer"})).await.status(), 401);
    let admin = app.token(Role::Admin).await;
    assert_eq!(invite(&app, &admin, "not-an-email", "viewer").await.status(), 422);
    assert_eq!(invite(&app, &admin, "y@x.co", "root").await.status(), 422);
    assert_eq!(invite(&app, &admin, "y@x.co", "viewer").await.status(), 201);
    let r = app.req(Method::GET, "/users", &admin).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.contains("password") && !text.contains("token") && !text.contains("hash"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), 4, "the viewer, the approver, the admin and the invitee");
    assert!(users.iter().any(|u| u["email"] == "y@x.co" && u["role"] == "viewer" && u["auth_provider"] == "email"));
}
