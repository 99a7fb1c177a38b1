//! `POST /auth/login`, `POST /auth/refresh`, `POST /auth/logout`, `GET /me` (PRD §3.1).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use growth_core::Error;
use growth_core::domain::{AuthProvider, User};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{AuthUser, new_refresh_token, refresh_token_hash, verify_password};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    email: String,
    provider: AuthProvider,
    password: Option<String>,
    id_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    refresh_token: String,
}

fn user_json(u: &User) -> Value {
    json!({ "id": u.id, "email": u.email, "role": u.role, "full_name": u.full_name })
}

fn bad_credentials() -> ApiError {
    Error::Unauthenticated("wrong email or password".into()).into()
}

/// Issues an access token and a refresh token in `family` (a new one per sign-in).
async fn issue(state: &AppState, user: &User, family: uuid::Uuid) -> Result<(String, String), ApiError> {
    let now = state.clock.now();
    let access = state.keys.issue(user.id, &user.email, user.role, now)?;
    let refresh = new_refresh_token();
    state.store.insert_refresh_token(user.id, family, &refresh_token_hash(&refresh), now + state.keys.refresh_ttl).await?;
    Ok((access, refresh))
}

async fn login(State(state): State<AppState>, ApiJson(req): ApiJson<LoginRequest>) -> Result<Json<Value>, ApiError> {
    match req.provider {
        AuthProvider::Google => {
            let _ = req.id_token;
            Err(Error::Unsupported("Google sign-in is not available yet; sign in with email and password".into()).into())
        }
        AuthProvider::Email => {
            let password =
                req.password.filter(|p| !p.is_empty()).ok_or_else(|| Error::invalid_field("password", "required for provider `email`"))?;
            let user = state.store.find_user_by_email(&req.email).await?;
            let hash = match &user {
                Some(u) => state.store.password_hash(u.id).await?,
                None => None,
            };
            // Verify even for unknown accounts (against a decoy) so timing reveals nothing.
            let ok = verify_password(password, hash).await?;
            let Some(user) = user.filter(|_| ok) else {
                tracing::info!("sign-in refused");
                return Err(bad_credentials());
            };
            let (access_token, refresh_token) = issue(&state, &user, uuid::Uuid::now_v7()).await?;
            tracing::info!(user = %user.id, "signed in");
            Ok(Json(json!({ "access_token": access_token, "refresh_token": refresh_token, "user": user_json(&user) })))
        }
    }
}

async fn refresh(State(state): State<AppState>, ApiJson(req): ApiJson<RefreshRequest>) -> Result<Json<Value>, ApiError> {
    let invalid = || -> ApiError { Error::Unauthenticated("the refresh token is not valid; sign in again".into()).into() };
    let token = state.store.find_refresh_token(&refresh_token_hash(&req.refresh_token)).await?.ok_or_else(invalid)?;
    if token.revoked_at.is_some() || token.expires_at <= state.clock.now() {
        return Err(invalid());
    }
    if !state.store.use_refresh_token(token.id).await? {
        // A spent token presented again: someone holds a copy. End the whole sign-in.
        state.store.revoke_refresh_family(token.family_id).await?;
        tracing::warn!(user = %token.user_id, "refresh token reuse detected; the sign-in was revoked");
        return Err(Error::Unauthenticated(
            "this refresh token was already used; for safety every session of this sign-in has ended".into(),
        )
        .into());
    }
    let user = state.store.get_user(token.user_id).await?;
    let (access_token, refresh_token) = issue(&state, &user, token.family_id).await?;
    Ok(Json(json!({ "access_token": access_token, "refresh_token": refresh_token })))
}

async fn logout(State(state): State<AppState>, ApiJson(req): ApiJson<RefreshRequest>) -> Result<StatusCode, ApiError> {
    if let Some(t) = state.store.find_refresh_token(&refresh_token_hash(&req.refresh_token)).await? {
        state.store.revoke_refresh_family(t.family_id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn me(State(state): State<AppState>, who: AuthUser) -> Result<Json<Value>, ApiError> {
    let user = state.store.get_user(who.id).await?;
    Ok(Json(user_json(&user)))
}
