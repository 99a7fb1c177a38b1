//! `GET /users` and `POST /users/invite` (admins only).
//!
//! An invite creates the account and answers a one-time token, valid `auth.invite_ttl_secs`, that
//! the invitee exchanges at `POST /auth/accept-invite` for a password and a session. Only the
//! token's hash is stored; the token itself is shown once, to the admin, and never logged.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use growth_core::Error;
use growth_core::domain::{AuthProvider, NewUser, Role, normalize_email};
use serde::{Deserialize, Serialize};

use super::auth::UserOut;
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

/// A user in `GET /users`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UserRow {
    #[serde(flatten)]
    user: UserOut,
    auth_provider: AuthProvider,
    created_at: DateTime<Utc>,
}

/// `GET /users`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UserList {
    users: Vec<UserRow>,
}

/// `POST /users/invite`: the invite token is shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct InviteResponse {
    user: UserOut,
    invite_token: String,
    expires_at: DateTime<Utc>,
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
async fn list(State(state): State<AppState>, who: AuthUser) -> Result<Json<UserList>, ApiError> {
    who.require(Role::Admin)?;
    let users = state.users.list_users().await?;
    let users =
        users.iter().map(|u| UserRow { user: UserOut::from(u), auth_provider: u.auth_provider, created_at: u.created_at }).collect();
    Ok(Json(UserList { users }))
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
) -> Result<(StatusCode, Json<InviteResponse>), ApiError> {
    who.require(Role::Admin)?;
    let email = normalize_email(&req.email).map_err(|_| Error::invalid_field("email", "not an email address"))?;
    if state.users.find_user_by_email(&email).await?.is_some() {
        return Err(Error::conflict(format!("a user with email {email} already exists")).into());
    }
    let full_name = req.full_name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let user = state.users.create_user(NewUser { email, full_name, role: req.role, auth_provider: AuthProvider::Email }).await?;
    let token = new_refresh_token();
    let expires_at =
        state.engine.clock().now() + chrono::Duration::seconds(i64::try_from(state.settings.auth.invite_ttl_secs).unwrap_or(7 * 24 * 3600));
    // Its own family: accepting it starts a fresh sign-in, and no refresh family is touched.
    state.auth.insert_refresh_token(user.id, uuid::Uuid::now_v7(), &invite_token_hash(&token), expires_at).await?;
    tracing::info!(user = %user.id, by = %who.id, role = %user.role, "user invited");
    Ok((StatusCode::CREATED, Json(InviteResponse { user: UserOut::from(&user), invite_token: token, expires_at })))
}
