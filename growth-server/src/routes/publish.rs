//! Publishing (PRD §3.4): `POST /publish/{content_id}`, `GET /publish/status/{schedule_id}`,
//! `POST /publish/{schedule_id}/cancel`, `POST /publish/{schedule_id}/reschedule`,
//! `POST /publish/{schedule_id}/reconcile`, `POST /publish/{schedule_id}/resolve` (admin) — each
//! one call to [`growth_core::publish::PublishService`].
//!
//! An item has at most one active schedule per platform: publishing an item that already has a
//! pending one moves that schedule and answers its id. Without `schedule_time` the item goes out
//! now: this schedule alone is claimed and sent in a detached task (a client that goes away does
//! not stop it); the answer is 200 `"status": "published"` when the platform took it within a
//! short wait, else 202 with the schedule id to poll. An `unknown` outcome can be cancelled,
//! rescheduled, or resolved by an admin (`{"outcome": "published", "url": …}` or
//! `{"outcome": "not_published"}`), audited.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use growth_core::domain::{ContentId, Platform, Role, ScheduleId, ScheduleStatus};
use growth_core::publish::{EarlyMetrics, PublishItem, Resolution};
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, optional_json, parse_id};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/publish/status/{schedule_id}", get(status))
        .route("/publish/{id}", post(publish))
        .route("/publish/{id}/cancel", post(cancel))
        .route("/publish/{id}/reschedule", post(reschedule))
        .route("/publish/{id}/reconcile", post(reconcile))
        .route("/publish/{id}/resolve", post(resolve))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(publish, status, cancel, reschedule, reconcile, resolve))]
pub(crate) struct PublishApi;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    schedule_time: Option<DateTime<Utc>>,
    #[serde(default)]
    timezone: Option<String>,
}

/// `POST /publish/{content_id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PublishResponse {
    /// `published` (the platform took it within the request), `publishing` (the send goes on in
    /// the background: poll the status) or `scheduled`.
    status: &'static str,
    schedule_id: ScheduleId,
    scheduled_for: DateTime<Utc>,
    platform: Platform,
    published_url: Option<String>,
    schedule_status: ScheduleStatus,
    error: Option<String>,
}

#[utoipa::path(
    post,
    path = "/publish/{id}",
    operation_id = "publish_content",
    tag = "publish",
    params(
        ("id" = String, Path, description = "content item id (UUID)"),
    ),
    request_body(content = Option<PublishBody>, description = "optional: without `schedule_time` it goes out now"),
    responses(
        (status = 200, description = "Published now, or scheduled for `schedule_time`", body = PublishResponse),
        (status = 202, description = "Sending now in the background: poll `GET /publish/status/{schedule_id}`", body = PublishResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Conflict with the current state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn publish(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<PublishResponse>), ApiError> {
    user.require(Role::Approver)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let body: PublishBody = optional_json(&body)?;
    let now = body.schedule_time.is_none();
    let req = PublishItem { platform: body.platform, at: body.schedule_time, timezone: body.timezone, by: Some(user.id) };
    let out = state.engine.publishing().publish(id, req).await?;
    let s = out.schedule;
    let code = if now && matches!(out.status, "publishing" | "scheduled") { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((
        code,
        Json(PublishResponse {
            status: out.status,
            schedule_id: s.id,
            scheduled_for: s.scheduled_time,
            platform: s.platform,
            published_url: s.published_url,
            schedule_status: s.status,
            error: s.error_message,
        }),
    ))
}

/// `GET /publish/status/{schedule_id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PublishStatus {
    /// `pending`, `claimed`, `published`, `failed`, `unknown`, `cancelled`.
    status: ScheduleStatus,
    schedule_id: ScheduleId,
    content_item_id: ContentId,
    platform: Platform,
    /// What sends it: the platform's name, or `outbox`.
    via: Option<String>,
    scheduled_for: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    published_url: Option<String>,
    platform_post_id: Option<String>,
    retry_count: i32,
    /// Sends started so far.
    attempt: i32,
    /// When the latest send started.
    last_attempt_at: Option<DateTime<Utc>>,
    next_attempt_at: Option<DateTime<Utc>>,
    error: Option<String>,
    early_metrics: Option<EarlyMetrics>,
}

#[utoipa::path(
    get,
    path = "/publish/status/{schedule_id}",
    operation_id = "publish_status",
    tag = "publish",
    params(
        ("schedule_id" = String, Path, description = "schedule id (UUID)"),
    ),
    responses(
        (status = 200, description = "The schedule, how it publishes, and early metrics once synced", body = PublishStatus),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn status(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<PublishStatus>, ApiError> {
    user.require(Role::Viewer)?;
    let id: ScheduleId = parse_id(&id, "schedule")?;
    let p = state.engine.publishing().status(id).await?;
    let s = p.schedule;
    Ok(Json(PublishStatus {
        status: s.status,
        schedule_id: s.id,
        content_item_id: s.content_item_id,
        platform: s.platform,
        via: p.via,
        scheduled_for: s.scheduled_time,
        published_at: s.published_at,
        published_url: s.published_url,
        platform_post_id: s.platform_post_id,
        retry_count: s.retry_count,
        attempt: s.attempt,
        last_attempt_at: s.last_attempt_at,
        next_attempt_at: s.next_attempt_at,
        error: s.error_message,
        early_metrics: p.early_metrics,
    }))
}

/// Cancel, reschedule and reconcile answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ScheduleChange {
    status: ScheduleStatus,
    schedule_id: ScheduleId,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_for: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_url: Option<String>,
}

#[utoipa::path(
    post,
    path = "/publish/{id}/cancel",
    operation_id = "cancel_schedule",
    tag = "publish",
    params(
        ("id" = String, Path, description = "schedule id (UUID)"),
    ),
    responses(
        (status = 200, description = "Cancelled (the item is approved again; an item whose outcome was unknown is failed)", body = ScheduleChange),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Neither pending nor unknown", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn cancel(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ScheduleChange>, ApiError> {
    user.require(Role::Approver)?;
    let id: ScheduleId = parse_id(&id, "schedule")?;
    let s = state.engine.publishing().cancel(id, Some(user.id)).await?;
    Ok(Json(ScheduleChange { status: s.status, schedule_id: s.id, scheduled_for: None, published_url: None }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RescheduleBody {
    schedule_time: DateTime<Utc>,
}

#[utoipa::path(
    post,
    path = "/publish/{id}/reschedule",
    operation_id = "reschedule_schedule",
    tag = "publish",
    params(
        ("id" = String, Path, description = "schedule id (UUID)"),
    ),
    request_body = RescheduleBody,
    responses(
        (status = 200, description = "Moved", body = ScheduleChange),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It cannot be moved now", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn reschedule(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RescheduleBody>,
) -> Result<Json<ScheduleChange>, ApiError> {
    user.require(Role::Approver)?;
    let id: ScheduleId = parse_id(&id, "schedule")?;
    let s = state.engine.publishing().reschedule(id, body.schedule_time, Some(user.id)).await?;
    Ok(Json(ScheduleChange { status: s.status, schedule_id: s.id, scheduled_for: Some(s.scheduled_time), published_url: None }))
}

#[utoipa::path(
    post,
    path = "/publish/{id}/reconcile",
    operation_id = "reconcile_schedule",
    tag = "publish",
    params(
        ("id" = String, Path, description = "schedule id (UUID)"),
    ),
    responses(
        (status = 200, description = "Looked up: `published` when the platform has it, `pending` when provably absent", body = ScheduleChange),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Only an unknown outcome is reconciled", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn reconcile(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ScheduleChange>, ApiError> {
    user.require(Role::Approver)?;
    let id: ScheduleId = parse_id(&id, "schedule")?;
    let s = state.engine.publishing().reconcile(id, Some(user.id)).await?;
    Ok(Json(ScheduleChange { status: s.status, schedule_id: s.id, scheduled_for: None, published_url: s.published_url }))
}

/// `POST /publish/{schedule_id}/resolve`: a person's word on an `unknown` outcome.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case", deny_unknown_fields)]
enum ResolveBody {
    /// The post is live at `url`.
    Published {
        url: String,
        #[serde(default)]
        platform_post_id: Option<String>,
    },
    /// The post is not on the platform: the schedule fails (reschedule it to send it).
    NotPublished,
}

#[utoipa::path(
    post,
    path = "/publish/{id}/resolve",
    operation_id = "resolve_schedule",
    tag = "publish",
    params(
        ("id" = String, Path, description = "schedule id (UUID)"),
    ),
    request_body = ResolveBody,
    responses(
        (status = 200, description = "Resolved: `published` (URL recorded) or `failed` (not published)", body = ScheduleChange),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Only an unknown outcome is resolved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn resolve(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResolveBody>,
) -> Result<Json<ScheduleChange>, ApiError> {
    user.require(Role::Admin)?;
    let id: ScheduleId = parse_id(&id, "schedule")?;
    let resolution = match body {
        ResolveBody::Published { url, platform_post_id } => {
            let parsed = url::Url::parse(url.trim()).map_err(|_| growth_core::Error::invalid_field("url", "must be an absolute URL"))?;
            if !matches!(parsed.scheme(), "https" | "http") {
                return Err(growth_core::Error::invalid_field("url", "must be an http(s) URL").into());
            }
            Resolution::Published { url: parsed.to_string(), platform_post_id }
        }
        ResolveBody::NotPublished => Resolution::NotPublished,
    };
    let s = state.engine.publishing().resolve(id, resolution, Some(user.id)).await?;
    Ok(Json(ScheduleChange { status: s.status, schedule_id: s.id, scheduled_for: None, published_url: s.published_url }))
}
