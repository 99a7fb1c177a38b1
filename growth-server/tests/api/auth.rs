use growth_core::domain::{AuthProvider, NewUser, Role};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const PASSWORD: &str = "correct horse battery staple";

async fn app() -> TestApp {
    spawn_app_with(|s| s.auth.jwt_secret = Some("test-secret-test-secret-test-secret!".into())).await
}

async fn user(app: &TestApp, email: &str, role: Role) -> growth_core::domain::User {
    let u = app
        .state
        .users
        .create_user(NewUser { email: email.into(), full_name: None, role, auth_provider: AuthProvider::Email })
        .await
        .unwrap();
    let hash = growth_server::auth::hash_password(PASSWORD.into()).await.unwrap();
    app.state.auth.set_password_hash(u.id, &hash).await.unwrap();
    u
}

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.client.post(format!("{}{path}", app.address)).json(&body).send().await.unwrap()
}

async fn login(app: &TestApp, email: &str) -> Value {
    let r = post(app, "/auth/login", json!({"email": email, "provider": "email", "password": PASSWORD})).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client.get(format!("{}/me", app.address)).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn an_email_sign_in_returns_the_prd_shape_and_the_token_opens_me() {
    let app = app().await;
    let u = user(&app, "wes@productled.com", Role::Approver).await;
    let body = login(&app, "Wes@ProductLed.com").await;
    assert_eq!(body["user"]["id"], json!(u.id));
    assert_eq!(body["user"]["email"], "wes@productled.com");
    assert_eq!(body["user"]["role"], "approver");
    let access = body["access_token"].as_str().unwrap();
    assert!(!body["refresh_token"].as_str().unwrap().is_empty());
    let r = me(&app, access).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["email"], "wes@productled.com");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = app().await;
    user(&app, "a@x.co", Role::Viewer).await;
    let wrong = post(&app, "/auth/login", json!({"email": "a@x.co", "provider": "email", "password": "not the password"})).await;
    let unknown = post(&app, "/auth/login", json!({"email": "nobody@x.co", "provider": "email", "password": PASSWORD})).await;
    assert_eq!((wrong.status().as_u16(), unknown.status().as_u16()), (401, 401));
    let (w, u): (Value, Value) = (wrong.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(w["detail"], u["detail"], "the answer does not reveal which accounts exist");
}

#[tokio::test]
async fn malformed_login_bodies_get_precise_problems() {
    let app = app().await;
    let raw = app
        .client
        .post(format!("{}/auth/login", app.address))
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let no_type = app.client.post(format!("{}/auth/login", app.address)).body("{}").send().await.unwrap();
    assert_eq!(no_type.status(), 415);
    let bad_provider = post(&app, "/auth/login", json!({"email": "a@x.co", "provider": "myspace"})).await;
    assert_eq!(bad_provider.status(), 422);
    let no_password = post(&app, "/auth/login", json!({"email": "a@x.co", "provider": "email"})).await;
    assert_eq!(no_password.status(), 422);
    assert_eq!(no_password.json::<Value>().await.unwrap()["field"], "password");
}

#[tokio::test]
async fn me_without_or_with_a_bad_token_is_401() {
    let app = app().await;
    assert_eq!(app.client.get(format!("{}/me", app.address)).send().await.unwrap().status(), 401);
    assert_eq!(me(&app, "not.a.jwt").await.status(), 401);
    let r = app.client.get(format!("{}/me", app.address)).header("authorization", "Basic abc").send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn refresh_rotates_and_reusing_a_spent_token_ends_the_whole_sign_in() {
    let app = app().await;
    user(&app, "r@x.co", Role::Admin).await;
    let first = login(&app, "r@x.co").await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();
    let rotated: Value = post(&app, "/auth/refresh", json!({"refresh_token": r1})).await.json().await.unwrap();
    let r2 = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(me(&app, rotated["access_token"].as_str().unwrap()).await.status(), 200);
    // r1 again: theft signal → 401, and r2 (same family) stops working too.
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": r1})).await.status(), 401);
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": r2})).await.status(), 401);
    // A separate sign-in is unaffected.
    let other = login(&app, "r@x.co").await;
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": other["refresh_token"]})).await.status(), 200);
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = app().await;
    user(&app, "l@x.co", Role::Viewer).await;
    let s = login(&app, "l@x.co").await;
    assert_eq!(post(&app, "/auth/logout", json!({"refresh_token": s["refresh_token"]})).await.status(), 204);
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": s["refresh_token"]})).await.status(), 401);
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": "never-issued"})).await.status(), 401);
}

#[tokio::test]
async fn google_sign_in_without_google_settings_is_501() {
    let app = app().await;
    let r = post(&app, "/auth/login", json!({"email": "a@x.co", "provider": "google", "id_token": "x"})).await;
    assert_eq!(r.status(), 501);
}

/// The app with a back-off that starts after two failures and lasts a minute.
async fn strict_app() -> TestApp {
    spawn_app_with(|s| {
        s.auth.jwt_secret = Some("test-secret-test-secret-test-secret!".into());
        s.auth.login_free_attempts = 2;
        s.auth.login_backoff_secs = 60;
    })
    .await
}

async fn login_with(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    post(app, "/auth/login", json!({"email": email, "provider": "email", "password": password})).await
}

#[tokio::test]
async fn failed_sign_ins_back_off_per_email_alike_for_known_and_unknown_accounts() {
    let app = strict_app().await;
    user(&app, "known@x.co", Role::Viewer).await;
    let mut refusals = Vec::new();
    for email in ["known@x.co", "ghost@x.co"] {
        for _ in 0..3 {
            assert_eq!(login_with(&app, email, "not the password").await.status(), 401, "{email}");
        }
        let r = login_with(&app, email, "not the password").await;
        assert_eq!(r.status(), 429, "{email}: locked out after the free attempts");
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        refusals.push(r.json::<Value>().await.unwrap()["detail"].clone());
    }
    assert_eq!(refusals[0], refusals[1], "the refusal does not reveal which account exists");
    assert_eq!(login_with(&app, "known@x.co", PASSWORD).await.status(), 429, "not even the right password while locked out");
    user(&app, "other@x.co", Role::Viewer).await;
    assert_eq!(login_with(&app, "Other@X.co", PASSWORD).await.status(), 200, "another email is not affected");
}

#[tokio::test]
async fn a_successful_sign_in_clears_the_failures() {
    let app = strict_app().await;
    user(&app, "typo@x.co", Role::Viewer).await;
    for _ in 0..2 {
        assert_eq!(login_with(&app, "typo@x.co", "not the password").await.status(), 401);
    }
    assert_eq!(login_with(&app, "typo@x.co", PASSWORD).await.status(), 200);
    for _ in 0..2 {
        assert_eq!(login_with(&app, "typo@x.co", "not the password").await.status(), 401, "two free attempts again");
    }
}

#[tokio::test]
async fn a_sign_in_ends_at_its_absolute_lifetime_however_often_it_is_refreshed() {
    let clock = std::sync::Arc::new(growth_core::clock::ManualClock::new(chrono::Utc::now()));
    let app = crate::helpers::spawn_app_with_clock(
        |s| {
            s.auth.jwt_secret = Some("test-secret-test-secret-test-secret!".into());
            s.auth.access_ttl_secs = 60;
            s.auth.refresh_ttl_secs = 30 * 60;
            s.auth.session_max_secs = 60 * 60;
        },
        clock.clone(),
    )
    .await;
    user(&app, "long@x.co", Role::Viewer).await;
    let mut refresh = login(&app, "long@x.co").await["refresh_token"].as_str().unwrap().to_owned();
    // Every 25 minutes, well within each token's own 30 minutes.
    for minute in [25, 50] {
        clock.advance(chrono::Duration::minutes(25));
        let r = post(&app, "/auth/refresh", json!({"refresh_token": refresh})).await;
        assert_eq!(r.status(), 200, "minute {minute}");
        refresh = r.json::<Value>().await.unwrap()["refresh_token"].as_str().unwrap().to_owned();
    }
    // Minute 65: the last token is 15 minutes old, but the sign-in is over an hour old.
    clock.advance(chrono::Duration::minutes(15));
    let r = post(&app, "/auth/refresh", json!({"refresh_token": refresh})).await;
    assert_eq!(r.status(), 401);
    // A new sign-in starts a new lifetime.
    let fresh = login(&app, "long@x.co").await;
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": fresh["refresh_token"]})).await.status(), 200);
}

#[tokio::test]
async fn a_user_disabled_outside_the_api_is_refused_on_the_next_request_and_refresh() {
    let app = app().await;
    let u = user(&app, "gone@x.co", Role::Viewer).await;
    let s = login(&app, "gone@x.co").await;
    // Disabled in the store directly (another instance, a script): the tokens outlive the change.
    let token = app.token_for(&u);
    assert_eq!(me(&app, &token).await.status(), 200);
    app.state.users.set_user_disabled(u.id, true).await.unwrap();
    assert_eq!(me(&app, &token).await.status(), 401);
    assert_eq!(post(&app, "/auth/refresh", json!({"refresh_token": s["refresh_token"]})).await.status(), 401);
}

crate::helpers::postgres_too!(
    an_email_sign_in_returns_the_prd_shape_and_the_token_opens_me,
    a_wrong_password_and_an_unknown_email_get_the_same_401,
    refresh_rotates_and_reusing_a_spent_token_ends_the_whole_sign_in,
    logout_revokes_the_refresh_token,
    failed_sign_ins_back_off_per_email_alike_for_known_and_unknown_accounts,
    a_sign_in_ends_at_its_absolute_lifetime_however_often_it_is_refreshed,
    a_user_disabled_outside_the_api_is_refused_on_the_next_request_and_refresh,
);
