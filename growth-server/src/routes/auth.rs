//! `POST /auth/login`, `POST /auth/refresh`, `POST /auth/logout`, `POST /auth/accept-invite`,
//! `GET /me` (PRD §3.1).
//!
//! Google sign-in (`provider: google`) trusts a verified Google ID token whose email equals the
//! body's. An unknown Google user is created on first sign-in only when the token's `hd` claim (the
//! Google Workspace domain, which Google sets only for Workspace accounts) is one of
//! `auth.google.allowed_domains`: as an admin when the email is one of `auth.admin_emails`, else as
//! a viewer. The email's domain alone proves nothing (anyone can make a Google account for any
//! address); anyone else needs an invite.
//!
//! Password sign-ins back off per email after repeated failures (429 with `Retry-After`, the same
//! for known and unknown emails). A disabled account cannot sign in or refresh; a sign-in ends
//! `auth.session_max_secs` after it began, however often it was refreshed. Every sign-in, refresh,
//! sign-out and accepted invite is logged with who did it and counted in
//! `growth_state_changes_total`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use growth_core::Error;
use growth_core::domain::{AuthProvider, NewUser, Role, User, UserId};
use serde::{Deserialize, Serialize};

use crate::auth::{AuthUser, GoogleIdentity, invite_token_hash, new_refresh_token, refresh_token_hash};
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/auth/accept-invite", post(accept_invite))
        .route("/me", get(me))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(login, refresh, logout, accept_invite, me))]
pub(crate) struct AuthApi;

/// No `Debug`: it holds a password or an ID token, which must never reach a log.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    email: String,
    #[schema(value_type = String, example = "email")]
    provider: AuthProvider,
    password: Option<String>,
    id_token: Option<String>,
}

/// No `Debug`, like [`LoginRequest`].
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AcceptInviteRequest {
    invite_token: String,
    password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    refresh_token: String,
}

/// A user, without secrets.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UserOut {
    id: UserId,
    email: String,
    role: Role,
    full_name: Option<String>,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        Self { id: u.id, email: u.email.clone(), role: u.role, full_name: u.full_name.clone() }
    }
}

/// A new sign-in (`POST /auth/login`, `POST /auth/accept-invite`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LoginResponse {
    /// Bearer token for `Authorization` (short-lived; `auth.access_ttl_secs`).
    access_token: String,
    /// Exchange at `POST /auth/refresh`; each one works once.
    refresh_token: String,
    user: UserOut,
}

/// `POST /auth/refresh`: a new pair in the same sign-in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TokenPair {
    access_token: String,
    refresh_token: String,
}

fn bad_credentials() -> ApiError {
    Error::Unauthenticated("wrong email or password".into()).into()
}

/// Issues an access token and a refresh token in `family` (a new one per sign-in), the refresh
/// token ending at `session_ends` at the latest (the sign-in's absolute end).
pub(crate) async fn issue(
    state: &AppState,
    user: &User,
    family: uuid::Uuid,
    session_ends: chrono::DateTime<chrono::Utc>,
) -> Result<(String, String), ApiError> {
    let now = state.engine.clock().now();
    let access = state.keys.issue(user.id, &user.email, user.role, now)?;
    let refresh = new_refresh_token();
    let expires = (now + state.keys.refresh_ttl).min(session_ends);
    state.auth.insert_refresh_token(user.id, family, &refresh_token_hash(&refresh), expires).await?;
    Ok((access, refresh))
}

/// The PRD §3.1 answer: a new sign-in (its own refresh-token family) for `user`, by `how`.
async fn signed_in(state: &AppState, user: &User, how: &'static str) -> Result<Json<LoginResponse>, ApiError> {
    if !user.is_active() {
        tracing::info!(actor = %user.id, provider = how, "sign-in refused: the account is disabled");
        return Err(disabled());
    }
    let session_ends = state.engine.clock().now() + state.keys.session_max;
    let (access_token, refresh_token) = issue(state, user, uuid::Uuid::now_v7(), session_ends).await?;
    tracing::info!(actor = %user.id, provider = how, "signed in");
    growth_core::telemetry::count_change("sign_in", 1);
    Ok(Json(LoginResponse { access_token, refresh_token, user: UserOut::from(user) }))
}

fn disabled() -> ApiError {
    Error::Unauthenticated("this account is disabled; ask an admin".into()).into()
}

#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong email or password, a Google ID token that is not valid, or a disabled account", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A Google account with no invite outside the allowed Workspace domains", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited, or too many failed sign-ins for this email (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "Google sign-in is not configured", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Every password-hashing slot is busy (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn login(State(state): State<AppState>, ApiJson(req): ApiJson<LoginRequest>) -> Result<Json<LoginResponse>, ApiError> {
    match req.provider {
        AuthProvider::Google => {
            let Some(verifier) = state.google.clone() else {
                return Err(Error::Unsupported(
                    "Google sign-in is not configured on this server ([auth.google]); sign in with email and password".into(),
                )
                .into());
            };
            let id_token = req
                .id_token
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| Error::invalid_field("id_token", "required for provider `google`"))?;
            let identity = verifier.verify(id_token.trim()).await.inspect_err(|e| tracing::info!(reason = %e, "Google sign-in refused"))?;
            if !req.email.trim().eq_ignore_ascii_case(&identity.email) {
                tracing::info!("Google sign-in refused: the body's email is not the token's");
                return Err(Error::Unauthenticated("the email does not match the Google account's".into()).into());
            }
            let user = google_user(&state, &identity).await?;
            signed_in(&state, &user, "google").await
        }
        AuthProvider::Email => {
            let password =
                req.password.filter(|p| !p.is_empty()).ok_or_else(|| Error::invalid_field("password", "required for provider `email`"))?;
            let user = check_password(&state, &req.email, password).await?;
            signed_in(&state, &user, "email").await
        }
    }
}

/// The user whose email and password these are (the check `POST /auth/login` and the console's
/// sign-in share): a locked-out email is refused before any password work, an unknown email costs
/// the same work as a wrong password, and a failure counts towards the email's back-off. A
/// disabled account is refused after the password check.
pub(crate) async fn check_password(state: &AppState, email: &str, password: String) -> Result<User, ApiError> {
    if let Err(wait) = state.login_throttle.check(email) {
        return Err(backing_off(wait));
    }
    let user = state.users.find_user_by_email(email).await?;
    let hash = match &user {
        Some(u) => state.auth.password_hash(u.id).await?,
        None => None,
    };
    // Verify even for unknown accounts (against a decoy) so timing reveals nothing.
    let ok = state.passwords.verify(password, hash).await?;
    let Some(user) = user.filter(|_| ok) else {
        let lockout = state.login_throttle.failed(email);
        tracing::info!(locked_out_secs = lockout.map(|d| d.as_secs()), "sign-in refused: wrong email or password");
        return Err(bad_credentials());
    };
    state.login_throttle.succeeded(email);
    if !user.is_active() {
        tracing::info!(actor = %user.id, provider = "email", "sign-in refused: the account is disabled");
        return Err(disabled());
    }
    Ok(user)
}

/// 429 for an email that is backing off after failed sign-ins.
fn backing_off(wait: std::time::Duration) -> ApiError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    tracing::info!(retry_after_secs = secs, "sign-in refused: this email is backing off after failed attempts");
    ApiError::too_many_requests(format!("too many failed sign-ins for this email; retry in {secs} s"), secs)
}

/// The account of a verified Google identity: the existing one, or a new one when the token's
/// Workspace domain (`hd`) is allowed — an admin when the email is listed in `auth.admin_emails`;
/// anyone else is refused (403) and pointed at an invite.
async fn google_user(state: &AppState, identity: &GoogleIdentity) -> Result<User, ApiError> {
    if let Some(u) = state.users.find_user_by_email(&identity.email).await? {
        return Ok(u);
    }
    let auth = &state.settings.auth;
    let allowed = auth.google.as_ref().map(|g| g.allowed_domains.as_slice()).unwrap_or_default();
    let workspace = identity.hosted_domain.as_deref().filter(|hd| allowed.iter().any(|a| a.trim().eq_ignore_ascii_case(hd)));
    let Some(workspace) = workspace else {
        let hd = identity.hosted_domain.as_deref().unwrap_or("none");
        tracing::info!(hd, "Google sign-in refused: no account and the token's Workspace domain is not allowed");
        return Err(Error::PermissionDenied(format!(
            "there is no account for {} and only accounts of an allowed Google Workspace domain may sign up by themselves; \
             ask an admin for an invite",
            identity.email
        ))
        .into());
    };
    let role = if auth.admin_emails.iter().any(|a| a.trim().eq_ignore_ascii_case(&identity.email)) { Role::Admin } else { Role::Viewer };
    tracing::debug!(workspace, "a Google sign-up from an allowed Workspace domain");
    let new = NewUser { email: identity.email.clone(), full_name: identity.name.clone(), role, auth_provider: AuthProvider::Google };
    match state.users.create_user(new).await {
        Ok(u) => {
            tracing::info!(actor = %u.id, user = %u.id, role = %u.role, "created an account on first Google sign-in");
            growth_core::telemetry::count_change("sign_up", 1);
            Ok(u)
        }
        // Two first sign-ins at once: the other one created it.
        Err(Error::Conflict { .. }) => state
            .users
            .find_user_by_email(&identity.email)
            .await?
            .ok_or_else(|| Error::internal_msg("a user conflicted on creation but cannot be found").into()),
        Err(e) => Err(e.into()),
    }
}

/// Sets the password of an invited user (once; the token then stops working) and signs them in.
#[utoipa::path(
    post,
    path = "/auth/accept-invite",
    tag = "auth",
    request_body = AcceptInviteRequest,
    security(()),
    responses(
        (status = 200, description = "Password set and signed in", body = LoginResponse),
        (status = 401, description = "The invite is not valid, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn accept_invite(State(state): State<AppState>, ApiJson(req): ApiJson<AcceptInviteRequest>) -> Result<Json<LoginResponse>, ApiError> {
    let invalid = || -> ApiError {
        Error::Unauthenticated("the invite is not valid, already used or expired; ask an admin for a new one".into()).into()
    };
    let token = state.auth.find_refresh_token(&invite_token_hash(req.invite_token.trim())).await?.ok_or_else(invalid)?;
    if token.used_at.is_some() || token.revoked_at.is_some() || token.expires_at <= state.engine.clock().now() {
        return Err(invalid());
    }
    let user = state.users.get_user(token.user_id).await?;
    if !user.is_active() {
        return Err(disabled());
    }
    // Hash first: a too-short password (422) leaves the invite usable.
    let hash = state.passwords.hash(req.password).await?;
    if !state.auth.use_refresh_token(token.id).await? {
        return Err(invalid());
    }
    state.auth.set_password_hash(token.user_id, &hash).await?;
    tracing::info!(actor = %user.id, "invite accepted; password set");
    growth_core::telemetry::count_change("accept_invite", 1);
    signed_in(&state, &user, "invite").await
}

#[utoipa::path(
    post,
    path = "/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    security(()),
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "Not valid, expired or already used (the sign-in is then revoked)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn refresh(State(state): State<AppState>, ApiJson(req): ApiJson<RefreshRequest>) -> Result<Json<TokenPair>, ApiError> {
    let invalid = || -> ApiError { Error::Unauthenticated("the refresh token is not valid; sign in again".into()).into() };
    let token = state.auth.find_refresh_token(&refresh_token_hash(&req.refresh_token)).await?.ok_or_else(invalid)?;
    let now = state.engine.clock().now();
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(invalid());
    }
    // The sign-in's absolute end, from its first token (older rows were issued before the cap).
    let began = state.auth.refresh_family_started_at(token.family_id).await?.unwrap_or(token.created_at);
    let session_ends = began + state.keys.session_max;
    if session_ends <= now {
        state.auth.revoke_refresh_family(token.family_id).await?;
        tracing::info!(actor = %token.user_id, "refresh refused: the sign-in reached its maximum lifetime");
        return Err(Error::Unauthenticated("this sign-in has reached its maximum lifetime; sign in again".into()).into());
    }
    let user = match state.users.get_user(token.user_id).await {
        Ok(u) => u,
        Err(Error::NotFound { .. }) => return Err(invalid()),
        Err(e) => return Err(e.into()),
    };
    if !user.is_active() {
        return Err(disabled());
    }
    if !state.auth.use_refresh_token(token.id).await? {
        // A spent token presented again: someone holds a copy. End the whole sign-in.
        state.auth.revoke_refresh_family(token.family_id).await?;
        tracing::warn!(actor = %token.user_id, "refresh token reuse detected; the sign-in was revoked");
        growth_core::telemetry::count_change("revoke_sign_in", 1);
        return Err(Error::Unauthenticated(
            "this refresh token was already used; for safety every session of this sign-in has ended".into(),
        )
        .into());
    }
    let (access_token, refresh_token) = issue(&state, &user, token.family_id, session_ends).await?;
    tracing::info!(actor = %user.id, "session refreshed");
    growth_core::telemetry::count_change("refresh", 1);
    Ok(Json(TokenPair { access_token, refresh_token }))
}

#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "auth",
    request_body = RefreshRequest,
    security(()),
    responses(
        (status = 204, description = "The sign-in is over (also when the token was unknown)"),
        (status = 429, description = "Rate limited (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn logout(State(state): State<AppState>, ApiJson(req): ApiJson<RefreshRequest>) -> Result<StatusCode, ApiError> {
    if let Some(t) = state.auth.find_refresh_token(&refresh_token_hash(&req.refresh_token)).await? {
        state.auth.revoke_refresh_family(t.family_id).await?;
        tracing::info!(actor = %t.user_id, "signed out");
        growth_core::telemetry::count_change("sign_out", 1);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/me",
    tag = "auth",
    responses(
        (status = 200, description = "The signed-in user", body = UserOut),
        (status = 401, description = "No valid bearer token, or its account no longer exists or is disabled", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn me(State(state): State<AppState>, who: AuthUser) -> Result<Json<UserOut>, ApiError> {
    // The extractor found the user a moment ago; gone since then is the same as gone before.
    let user = state.users.get_user(who.id).await.map_err(|e| match e {
        Error::NotFound { .. } => Error::Unauthenticated("the account this token was issued to no longer exists; sign in again".into()),
        e => e,
    })?;
    Ok(Json(UserOut::from(&user)))
}
