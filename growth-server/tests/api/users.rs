//! `POST /users/invite`, `POST /auth/accept-invite`, `POST /users/{id}/reset-password` and `GET /users`.

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

async fn signed_in(app: &TestApp, role: Role) -> (growth_core::domain::User, Value) {
    let u = app.user(role).await;
    let hash = growth_server::auth::hash_password(PASSWORD.into()).await.unwrap();
    app.state.auth.set_password_hash(u.id, &hash).await.unwrap();
    let r = post(app, "/auth/login", json!({"email": u.email, "provider": "email", "password": PASSWORD})).await;
    assert_eq!(r.status(), 200);
    (u, r.json().await.unwrap())
}

#[tokio::test]
async fn disabling_a_user_ends_every_session_at_once_and_enabling_lets_them_sign_in_again() {
    let app = app().await;
    let admin = app.token(Role::Admin).await;
    let (ann, session) = signed_in(&app, Role::Approver).await;
    let access = session["access_token"].as_str().unwrap().to_owned();
    let (_, other_session) = signed_in(&app, Role::Approver).await;
    assert_eq!(app.req(Method::GET, "/content/pending", &access).send().await.unwrap().status(), 200);

    let r = app.req(Method::POST, &format!("/users/{}/disable", ann.id), &admin).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["disabled_at"].is_string(), "{body}");
    // The access token issued before stops working on the very next request.
    for path in ["/me", "/content/pending"] {
        let r = app.req(Method::GET, path, &access).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": session["refresh_token"]})).await.status(), 401);
    let login = json!({"email": ann.email, "provider": "email", "password": PASSWORD});
    let r = post(&app, "/auth/login", login.clone()).await;
    assert_eq!(r.status(), 401);
    assert!(r.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("disabled"));
    // Nobody else's session is touched.
    let other = other_session["access_token"].as_str().unwrap();
    assert_eq!(app.req(Method::GET, "/me", other).send().await.unwrap().status(), 200);
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": other_session["refresh_token"]})).await.status(), 200);

    let r = app.req(Method::POST, &format!("/users/{}/enable", ann.id), &admin).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.json::<Value>().await.unwrap().get("disabled_at").is_none());
    let again: Value = post(&app, "/auth/login", login).await.json().await.unwrap();
    assert_eq!(app.req(Method::GET, "/me", again["access_token"].as_str().unwrap()).send().await.unwrap().status(), 200);
    assert_eq!(app.req(Method::GET, "/me", &access).send().await.unwrap().status(), 401, "the old sessions stay ended");
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": session["refresh_token"]})).await.status(), 401);
}

#[tokio::test]
async fn a_role_change_applies_to_tokens_already_issued() {
    let app = app().await;
    let admin = app.token(Role::Admin).await;
    let bob = app.user(Role::Approver).await;
    let token = app.token_for(&bob);
    let r = app.req(Method::PATCH, &format!("/users/{}", bob.id), &admin).json(&json!({"role": "viewer"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["role"], "viewer");
    let me: Value = app.req(Method::GET, "/me", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["role"], "viewer", "the stored role, not the token's");
    let r = app.req(Method::POST, "/content/bulk-approve", &token).json(&json!({"content_ids": []})).send().await.unwrap();
    assert_eq!(r.status(), 403, "approving needs the approver role the token still claims");
    let r = app.req(Method::PATCH, &format!("/users/{}", bob.id), &admin).json(&json!({"role": "root"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "role");
}

#[tokio::test]
async fn the_last_active_admin_can_be_neither_demoted_nor_disabled() {
    let app = app().await;
    let only = app.user(Role::Admin).await;
    let token = app.token_for(&only);
    let r = app.req(Method::PATCH, &format!("/users/{}", only.id), &token).json(&json!({"role": "approver"})).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(app.req(Method::POST, &format!("/users/{}/disable", only.id), &token).send().await.unwrap().status(), 409);
    let second = app.user(Role::Admin).await;
    let r = app.req(Method::POST, &format!("/users/{}/disable", only.id), &app.token_for(&second)).send().await.unwrap();
    assert_eq!(r.status(), 200, "with another admin it can");
    let r = app
        .req(Method::PATCH, &format!("/users/{}", second.id), &app.token_for(&second))
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "now the second one is the last");
}

#[tokio::test]
async fn only_admins_change_roles_and_disable_and_unknown_users_are_404() {
    let app = app().await;
    let target = app.user(Role::Viewer).await;
    for role in [Role::Viewer, Role::Approver] {
        let t = app.token(role).await;
        assert_eq!(app.req(Method::POST, &format!("/users/{}/disable", target.id), &t).send().await.unwrap().status(), 403);
        assert_eq!(app.req(Method::POST, &format!("/users/{}/enable", target.id), &t).send().await.unwrap().status(), 403);
        let r = app.req(Method::PATCH, &format!("/users/{}", target.id), &t).json(&json!({"role": "admin"})).send().await.unwrap();
        assert_eq!(r.status(), 403, "{role}");
    }
    let admin = app.token(Role::Admin).await;
    for path in [format!("/users/{}/disable", growth_core::domain::UserId::new()), "/users/not-an-id/disable".to_owned()] {
        assert_eq!(app.req(Method::POST, &path, &admin).send().await.unwrap().status(), 404, "{path}");
    }
}

/// Tried as an admin would: a user forgot their password and the only way back was a new account.
#[tokio::test]
async fn a_password_reset_ends_every_session_and_a_fresh_invite_sets_a_new_password() {
    let app = app().await;
    let admin = app.token(Role::Admin).await;
    let (ann, session) = signed_in(&app, Role::Approver).await;
    let access = session["access_token"].as_str().unwrap().to_owned();
    let approver = app.token(Role::Approver).await;
    let path = format!("/users/{}/reset-password", ann.id);
    assert_eq!(app.req(Method::POST, &path, &approver).send().await.unwrap().status(), 403);
    let r = app.req(Method::POST, &path, &admin).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["email"], ann.email.as_str());
    assert!(body["expires_at"].is_string());
    let first = body["invite_token"].as_str().unwrap().to_owned();
    // Every session has ended, and the old password no longer works.
    assert_eq!(app.req(Method::GET, "/me", &access).send().await.unwrap().status(), 401);
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": session["refresh_token"]})).await.status(), 401);
    let old = json!({"email": ann.email, "provider": "email", "password": PASSWORD});
    assert_eq!(post(&app, "/auth/login", old).await.status(), 401);
    // A second reset revokes the first invite.
    let body: Value = app.req(Method::POST, &path, &admin).send().await.unwrap().json().await.unwrap();
    let second = body["invite_token"].as_str().unwrap().to_owned();
    let new_password = "a brand new passphrase";
    assert_eq!(post(&app, "/auth/accept-invite", json!({"invite_token": first, "password": new_password})).await.status(), 401);
    let r = post(&app, "/auth/accept-invite", json!({"invite_token": second, "password": new_password})).await;
    assert_eq!(r.status(), 200);
    let login = json!({"email": ann.email, "provider": "email", "password": new_password});
    let again: Value = post(&app, "/auth/login", login).await.json().await.unwrap();
    assert_eq!(app.req(Method::GET, "/me", again["access_token"].as_str().unwrap()).send().await.unwrap().status(), 200);
    let users: Value = app.req(Method::GET, "/users", &admin).send().await.unwrap().json().await.unwrap();
    assert!(
        users["users"].as_array().unwrap().iter().any(|u| u["email"] == ann.email.as_str() && u.get("disabled_at").is_none()),
        "{users}"
    );
    // Unknown users are 404; a disabled account is enabled first (409).
    let unknown = format!("/users/{}/reset-password", growth_core::domain::UserId::new());
    assert_eq!(app.req(Method::POST, &unknown, &admin).send().await.unwrap().status(), 404);
    assert_eq!(app.req(Method::POST, &format!("/users/{}/disable", ann.id), &admin).send().await.unwrap().status(), 200);
    assert_eq!(app.req(Method::POST, &path, &admin).send().await.unwrap().status(), 409);
}

crate::helpers::postgres_too!(
    an_invited_user_sets_a_password_once_and_then_signs_in_with_it,
    unknown_and_expired_invites_are_refused,
    only_admins_invite_and_list_users,
    disabling_a_user_ends_every_session_at_once_and_enabling_lets_them_sign_in_again,
    a_role_change_applies_to_tokens_already_issued,
    the_last_active_admin_can_be_neither_demoted_nor_disabled,
    only_admins_change_roles_and_disable_and_unknown_users_are_404,
    a_password_reset_ends_every_session_and_a_fresh_invite_sets_a_new_password,
);
