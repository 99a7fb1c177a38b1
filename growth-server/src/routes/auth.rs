//! `POST /auth/login`, `POST /auth/refresh`, `POST /auth/logout`, `POST /auth/accept-invite`,
//! `GET /me` (PRD §3.1).
//!
//! Google sign-in (`provider: google`) trusts a verified Google ID token whose email equals the
//! body's. An unknown Google user is created on first sign-in only when their email is one of
//! `auth.admin_emails` (as an admin) or their domain is one of `auth.google.allowed_domains` (as a
//! viewer); anyone else needs an invite.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use growth_core::Error;
use growth_core::domain::{AuthProvider, NewUser, Role, User, UserId};
use serde::{Deserialize, Serialize};

use crate::auth::{AuthUser, GoogleIdentity, hash_password, invite_token_hash, new_refresh_token, refresh_token_hash, verify_password};
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

/// Issues an access token and a refresh token in `family` (a new one per sign-in).
pub(crate) async fn issue(state: &AppState, user: &User, family: uuid::Uuid) -> Result<(String, String), ApiError> {
    let now = state.engine.clock().now();
    let access = state.keys.issue(user.id, &user.email, user.role, now)?;
    let refresh = new_refresh_token();
    state.auth.insert_refresh_token(user.id, family, &refresh_token_hash(&refresh), now + state.keys.refresh_ttl).await?;
    Ok((access, refresh))
}

/// The PRD §3.1 answer: a new sign-in (its own refresh-token family) for `user`.
async fn signed_in(state: &AppState, user: &User) -> Result<Json<LoginResponse>, ApiError> {
    let (access_token, refresh_token) = issue(state, user, uuid::Uuid::now_v7()).await?;
    tracing::info!(user = %user.id, "signed in");
    Ok(Json(LoginResponse { access_token, refresh_token, user: UserOut::from(user) }))
}

#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong email or password, or a Google ID token that is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A Google account with no invite", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "Google sign-in is not configured", body = Problem, content_type = "application/problem+json"),
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
            signed_in(&state, &user).await
        }
        AuthProvider::Email => {
            let password =
                req.password.filter(|p| !p.is_empty()).ok_or_else(|| Error::invalid_field("password", "required for provider `email`"))?;
            let user = state.users.find_user_by_email(&req.email).await?;
            let hash = match &user {
                Some(u) => state.auth.password_hash(u.id).await?,
                None => None,
            };
            // Verify even for unknown accounts (against a decoy) so timing reveals nothing.
            let ok = verify_password(password, hash).await?;
            let Some(user) = user.filter(|_| ok) else {
                tracing::info!("sign-in refused");
                return Err(bad_credentials());
            };
            signed_in(&state, &user).await
        }
    }
}

/// The account of a verified Google identity: the existing one, or a new one when the email is an
/// admin's or the domain is allowed; anyone else is refused (403) and pointed at an invite.
async fn google_user(state: &AppState, identity: &GoogleIdentity) -> Result<User, ApiError> {
    if let Some(u) = state.users.find_user_by_email(&identity.email).await? {
        return Ok(u);
    }
    let auth = &state.settings.auth;
    let domain = identity.email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    let allowed = auth.google.as_ref().map(|g| g.allowed_domains.as_slice()).unwrap_or_default();
    let domain_allowed = |d: &str| allowed.iter().any(|a| a.trim().eq_ignore_ascii_case(d));
    let role = if auth.admin_emails.iter().any(|a| a.trim().eq_ignore_ascii_case(&identity.email)) {
        Role::Admin
    } else if domain_allowed(domain) || identity.hosted_domain.as_deref().is_some_and(domain_allowed) {
        Role::Viewer
    } else {
        tracing::info!(%domain, "Google sign-in refused: no account and the domain is not allowed");
        return Err(Error::PermissionDenied(format!(
            "there is no account for {} and the domain {domain} may not sign up by itself; ask an admin for an invite",
            identity.email
        ))
        .into());
    };
    let new = NewUser { email: identity.email.clone(), full_name: identity.name.clone(), role, auth_provider: AuthProvider::Google };
    match state.users.create_user(new).await {
        Ok(u) => {
            tracing::info!(user = %u.id, role = %u.role, "created an account on first Google sign-in");
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
    // Hash first: a too-short password (422) leaves the invite usable.
    let hash = hash_password(req.password).await?;
    if !state.auth.use_refresh_token(token.id).await? {
        return Err(invalid());
    }
    state.auth.set_password_hash(token.user_id, &hash).await?;
    let user = state.users.get_user(token.user_id).await?;
    tracing::info!(user = %user.id, "invite accepted");
    signed_in(&state, &user).await
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
    if token.revoked_at.is_some() || token.expires_at <= state.engine.clock().now() {
        return Err(invalid());
    }
    if !state.auth.use_refresh_token(token.id).await? {
        // A spent token presented again: someone holds a copy. End the whole sign-in.
        state.auth.revoke_refresh_family(token.family_id).await?;
        tracing::warn!(user = %token.user_id, "refresh token reuse detected; the sign-in was revoked");
        return Err(Error::Unauthenticated(
            "this refresh token was already used; for safety every session of this sign-in has ended".into(),
        )
        .into());
    }
    let user = state.users.get_user(token.user_id).await?;
    let (access_token, refresh_token) = issue(&state, &user, token.family_id).await?;
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
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/me",
    tag = "auth",
    responses(
        (status = 200, description = "The signed-in user", body = UserOut),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn me(State(state): State<AppState>, who: AuthUser) -> Result<Json<UserOut>, ApiError> {
    let user = state.users.get_user(who.id).await?;
    Ok(Json(UserOut::from(&user)))
}
