//! `GET /users`, `POST /users/invite`, `PATCH /users/{id}` (role), `POST /users/{id}/disable`,
//! `POST /users/{id}/enable` and `POST /users/{id}/reset-password` (admins only).
//!
//! A password reset is an invite for an existing account: its password stops working, every
//! session and earlier invite of the user is revoked, and the admin gets a fresh one-time token
//! (valid `auth.invite_ttl_secs`) for the user to set a new password at `POST /auth/accept-invite`.
//!
//! An invite creates the account and answers a one-time token, valid `auth.invite_ttl_secs`, that
//! the invitee exchanges at `POST /auth/accept-invite` for a password and a session. Only the
//! token's hash is stored; the token itself is shown once, to the admin, and never logged.
//!
//! Disabling ends the user's sessions at once: their refresh tokens (and a pending invite) are
//! revoked, and every access token already issued is refused from the next request on (each
//! request looks its user up). A role change applies to the next request too. The last active
//! admin can be neither demoted nor disabled (409), so the server never locks everyone out. Each
//! change is logged with the admin who made it and counted in `growth_state_changes_total`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use growth_core::Error;
use growth_core::domain::{AuthProvider, NewUser, Role, User, UserId, normalize_email};
use serde::{Deserialize, Serialize};

use super::auth::UserOut;
use crate::auth::{AuthUser, invite_token_hash, new_refresh_token};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, PageQuery, page_limit, page_of, parse_id};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/invite", post(invite))
        .route("/users/{id}", axum::routing::patch(change_role))
        .route("/users/{id}/disable", post(disable))
        .route("/users/{id}/enable", post(enable))
        .route("/users/{id}/reset-password", post(reset_password))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, invite, change_role, disable, enable, reset_password))]
pub(crate) struct UsersApi;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RoleChange {
    #[schema(value_type = String, example = "approver")]
    role: Role,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct InviteRequest {
    email: String,
    #[schema(value_type = String, example = "approver")]
    role: Role,
    full_name: Option<String>,
}

/// A user in `GET /users` (and the answer of the changes to one).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UserRow {
    #[serde(flatten)]
    user: UserOut,
    auth_provider: AuthProvider,
    created_at: DateTime<Utc>,
    /// Since when the account is disabled; absent when it is active.
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled_at: Option<DateTime<Utc>>,
}

impl From<&User> for UserRow {
    fn from(u: &User) -> Self {
        Self { user: UserOut::from(u), auth_provider: u.auth_provider, created_at: u.created_at, disabled_at: u.disabled_at }
    }
}

/// `GET /users`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UserList {
    users: Vec<UserRow>,
    /// Users in all.
    total: usize,
    limit: u32,
    offset: u32,
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
    params(
        ("limit" = Option<u32>, Query, description = "page size, 1 to 200 (default 50; anything else is a 422)"),
        ("offset" = Option<u32>, Query, description = "users to skip"),
    ),
    responses(
        (status = 200, description = "Users, without secrets, with the total", body = UserList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list(State(state): State<AppState>, who: AuthUser, ApiQuery(q): ApiQuery<PageQuery>) -> Result<Json<UserList>, ApiError> {
    who.require(Role::Admin)?;
    let limit = page_limit(q.limit, 50, 200)?;
    let users = state.users.list_users().await?;
    let total = users.len();
    Ok(Json(UserList { users: page_of(users, limit, q.offset).iter().map(UserRow::from).collect(), total, limit, offset: q.offset }))
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
    let (token, expires_at) = issue_invite(&state, &user).await?;
    tracing::info!(actor = %who.id, user = %user.id, role = %user.role, "user invited");
    growth_core::telemetry::count_change("invite", 1);
    Ok((StatusCode::CREATED, Json(InviteResponse { user: UserOut::from(&user), invite_token: token, expires_at })))
}

/// A one-time invite token for `user`, valid `auth.invite_ttl_secs`; only its hash is stored.
async fn issue_invite(state: &AppState, user: &User) -> Result<(String, DateTime<Utc>), ApiError> {
    let token = new_refresh_token();
    let expires_at =
        state.engine.clock().now() + chrono::Duration::seconds(i64::try_from(state.settings.auth.invite_ttl_secs).unwrap_or(7 * 24 * 3600));
    // Its own family: accepting it starts a fresh sign-in, and no refresh family is touched.
    state.auth.insert_refresh_token(user.id, uuid::Uuid::now_v7(), &invite_token_hash(&token), expires_at).await?;
    Ok((token, expires_at))
}

/// A password hash nothing verifies against (not a PHC string): a reset account has no password
/// until its invite is accepted.
const NO_PASSWORD: &str = "!reset";

#[utoipa::path(
    post,
    path = "/users/{id}/reset-password",
    operation_id = "reset_user_password",
    tag = "users",
    params(("id" = String, Path, description = "user id (UUID)")),
    responses(
        (status = 200, description = "The old password no longer works, every session and earlier invite is revoked; the new one-time invite token (shown once) sets a new password at `POST /auth/accept-invite`", body = InviteResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account is disabled: enable it first", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn reset_password(State(state): State<AppState>, who: AuthUser, Path(id): Path<String>) -> Result<Json<InviteResponse>, ApiError> {
    who.require(Role::Admin)?;
    let id: UserId = parse_id(&id, UserId::ENTITY)?;
    let user = state.users.get_user(id).await?;
    if !user.is_active() {
        return Err(Error::conflict(format!("{} is disabled; enable the account before resetting its password", user.email)).into());
    }
    // The old password stops working first, then every session and earlier invite ends; the new
    // invite is issued last, so a failure half-way leaves the account locked, never half-reset.
    state.auth.set_password_hash(id, NO_PASSWORD).await?;
    // The revocation epoch: every access token issued so far is refused; then the refresh tokens.
    let user = state.users.revoke_user_sessions(id).await?;
    let revoked = state.auth.revoke_user_tokens(id).await?;
    let (token, expires_at) = issue_invite(&state, &user).await?;
    tracing::info!(actor = %who.id, user = %user.id, revoked_tokens = revoked, "password reset; a new invite was issued");
    growth_core::telemetry::count_change("reset_password", 1);
    Ok(Json(InviteResponse { user: UserOut::from(&user), invite_token: token, expires_at }))
}

/// 409 when `target` is the last active admin and the change would leave none.
async fn keep_an_admin(state: &AppState, target: &User) -> Result<(), ApiError> {
    if target.role != Role::Admin || !target.is_active() {
        return Ok(());
    }
    let admins = state.users.list_users().await?.iter().filter(|u| u.role == Role::Admin && u.is_active()).count();
    if admins <= 1 {
        return Err(Error::conflict(format!("{} is the last active admin; make another admin first", target.email)).into());
    }
    Ok(())
}

#[utoipa::path(
    patch,
    path = "/users/{id}",
    operation_id = "change_user_role",
    tag = "users",
    params(("id" = String, Path, description = "user id (UUID)")),
    request_body = RoleChange,
    responses(
        (status = 200, description = "The user with the new role (it applies from their next request)", body = UserRow),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active admin cannot be demoted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn change_role(
    State(state): State<AppState>,
    who: AuthUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RoleChange>,
) -> Result<Json<UserRow>, ApiError> {
    who.require(Role::Admin)?;
    let id: UserId = parse_id(&id, UserId::ENTITY)?;
    let target = state.users.get_user(id).await?;
    if target.role == req.role {
        return Ok(Json(UserRow::from(&target)));
    }
    if req.role != Role::Admin {
        keep_an_admin(&state, &target).await?;
    }
    let user = state.users.set_user_role(id, req.role).await?;
    tracing::info!(actor = %who.id, user = %user.id, from = %target.role, to = %user.role, "role changed");
    growth_core::telemetry::count_change("role_change", 1);
    Ok(Json(UserRow::from(&user)))
}

#[utoipa::path(
    post,
    path = "/users/{id}/disable",
    operation_id = "disable_user",
    tag = "users",
    params(("id" = String, Path, description = "user id (UUID)")),
    responses(
        (status = 200, description = "Disabled: every session of the user has ended", body = UserRow),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active admin cannot be disabled", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn disable(State(state): State<AppState>, who: AuthUser, Path(id): Path<String>) -> Result<Json<UserRow>, ApiError> {
    who.require(Role::Admin)?;
    let id: UserId = parse_id(&id, UserId::ENTITY)?;
    let target = state.users.get_user(id).await?;
    keep_an_admin(&state, &target).await?;
    // Disabled first: from here on every request with the user's access tokens is refused, and a
    // refresh is refused too even if revoking the tokens below fails.
    let user = state.users.set_user_disabled(id, true).await?;
    let revoked = state.auth.revoke_user_tokens(id).await?;
    tracing::info!(actor = %who.id, user = %user.id, revoked_tokens = revoked, "user disabled; their sessions ended");
    growth_core::telemetry::count_change("disable_user", 1);
    Ok(Json(UserRow::from(&user)))
}

#[utoipa::path(
    post,
    path = "/users/{id}/enable",
    operation_id = "enable_user",
    tag = "users",
    params(("id" = String, Path, description = "user id (UUID)")),
    responses(
        (status = 200, description = "Enabled: the user can sign in again (old sessions stay ended)", body = UserRow),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn enable(State(state): State<AppState>, who: AuthUser, Path(id): Path<String>) -> Result<Json<UserRow>, ApiError> {
    who.require(Role::Admin)?;
    let id: UserId = parse_id(&id, UserId::ENTITY)?;
    let user = state.users.set_user_disabled(id, false).await?;
    tracing::info!(actor = %who.id, user = %user.id, "user enabled");
    growth_core::telemetry::count_change("enable_user", 1);
    Ok(Json(UserRow::from(&user)))
}
