//! `GET /users` and `POST /users/invite` (admins only).
//!
//! An invite creates the account and answers a one-time token, valid `auth.invite_ttl_secs`, that
//! the invitee exchanges at `POST /auth/accept-invite` for a password and a session. Only the
//! token's hash is stored; the token itself is shown once, to the admin, and never logged.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use growth_core::Error;
use growth_core::domain::{AuthProvider, NewUser, Role, normalize_email};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::user_json;
use super::docs::{InviteResponse, UserList};
use crate::auth::{AuthUser, invite_token_hash, new_refresh_token};
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/users", get(list)).route("/users/invite", post(invite))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, invite))]
pub(crate) struct UsersApi;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct InviteRequest {
    email: String,
    #[schema(value_type = String, example = "approver")]
    role: Role,
    full_name: Option<String>,
}

#[utoipa::path(
    get,
    path = "/users",
    operation_id = "list_users",
    tag = "users",
    responses(
        (status = 200, description = "Every user, without secrets", body = UserList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list(State(state): State<AppState>, who: AuthUser) -> Result<Json<Value>, ApiError> {
    who.require(Role::Admin)?;
    let users = state.store.list_users().await?;
    let users: Vec<Value> = users
        .iter()
        .map(|u| {
            let mut v = user_json(u);
            v["auth_provider"] = json!(u.auth_provider);
            v["created_at"] = json!(u.created_at);
            v
        })
        .collect();
    Ok(Json(json!({ "users": users })))
}

#[utoipa::path(
    post,
    path = "/users/invite",
    operation_id = "invite_user",
    tag = "users",
    request_body = InviteRequest,
    responses(
        (status = 201, description = "The account and its one-time invite token", body = InviteResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A user with that email exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn invite(
    State(state): State<AppState>,
    who: AuthUser,
    ApiJson(req): ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require(Role::Admin)?;
    let email = normalize_email(&req.email).map_err(|_| Error::invalid_field("email", "not an email address"))?;
    if state.store.find_user_by_email(&email).await?.is_some() {
        return Err(Error::conflict(format!("a user with email {email} already exists")).into());
    }
    let full_name = req.full_name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let user = state.store.create_user(NewUser { email, full_name, role: req.role, auth_provider: AuthProvider::Email }).await?;
    let token = new_refresh_token();
    let expires_at =
        state.clock.now() + chrono::Duration::seconds(i64::try_from(state.settings.auth.invite_ttl_secs).unwrap_or(7 * 24 * 3600));
    // Its own family: accepting it starts a fresh sign-in, and no refresh family is touched.
    state.store.insert_refresh_token(user.id, uuid::Uuid::now_v7(), &invite_token_hash(&token), expires_at).await?;
    tracing::info!(user = %user.id, by = %who.id, role = %user.role, "user invited");
    Ok((StatusCode::CREATED, Json(json!({ "user": user_json(&user), "invite_token": token, "expires_at": expires_at }))))
}
