//! Publishing (PRD §3.4): `POST /publish/{content_id}`, `GET /publish/status/{schedule_id}`,
//! `POST /publish/{schedule_id}/cancel`, `POST /publish/{schedule_id}/reschedule`,
//! `POST /publish/{schedule_id}/reconcile`.
//!
//! An item has at most one active schedule per platform: publishing an item that already has a
//! pending one moves that schedule and answers its id. Without `schedule_time` the item goes out
//! now, within the request (`"status": "published"` when the platform took it).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use growth_core::Error;
use growth_core::domain::{ContentId, ContentStatus, ContentTransition, Platform, Role, Schedule, ScheduleId, ScheduleStatus};
use growth_core::store::ScheduleFilter;
use serde::Deserialize;
use serde_json::{Value, json};

use super::docs::{PublishResponse, PublishStatus, ScheduleChange};
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
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(publish, status, cancel, reschedule, reconcile))]
pub(crate) struct PublishApi;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    platform: Option<Platform>,
    #[serde(default)]
    schedule_time: Option<DateTime<Utc>>,
    #[serde(default)]
    timezone: Option<String>,
}

fn runner(state: &AppState) -> growth_core::publish::PublishRunner {
    state.publishing.runner(&state.settings, state.store.clone(), state.clock.clone(), &format!("api-{}", uuid::Uuid::now_v7()))
}

async fn active_schedule(state: &AppState, id: ContentId, platform: Platform) -> Result<Option<Schedule>, ApiError> {
    let filter = ScheduleFilter {
        content_item_id: Some(id),
        statuses: vec![ScheduleStatus::Pending, ScheduleStatus::Claimed, ScheduleStatus::Unknown, ScheduleStatus::Failed],
        limit: 100,
        ..ScheduleFilter::default()
    };
    Ok(state.store.list_schedules(&filter).await?.into_iter().find(|s| s.platform == platform))
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
        (status = 200, description = "Published now or scheduled", body = PublishResponse),
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
) -> Result<Json<Value>, ApiError> {
    user.require(Role::Approver)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let body: PublishBody = optional_json(&body)?;
    let item = state.store.get_content(id).await?;
    let platform = body.platform.unwrap_or_else(|| item.platform());
    if platform == Platform::NOTION {
        return Err(Error::invalid_field("platform", "Notion tracks posts; publish to linkedin, customer_io or webflow").into());
    }
    if !state.publishing.via.contains_key(&platform) {
        return Err(Error::invalid_field("platform", format!("no publisher is registered for `{platform}`")).into());
    }
    let now = state.clock.now();
    let at = body.schedule_time.unwrap_or(now);
    if at < now - chrono::Duration::seconds(growth_core::review::PAST_TOLERANCE_SECS) {
        return Err(Error::invalid_field("schedule_time", format!("{at} is in the past")).into());
    }
    let tz = body.timezone.unwrap_or_else(|| state.settings.schedule.timezone.clone());
    let schedule = match active_schedule(&state, id, platform).await? {
        Some(s) if matches!(s.status, ScheduleStatus::Pending | ScheduleStatus::Failed) => {
            let moved = state.store.reschedule(s.id, at).await?;
            if item.status == ContentStatus::Failed {
                state
                    .store
                    .transition_content(
                        id,
                        ContentTransition { scheduled_publish_time: Some(at), ..ContentTransition::to(ContentStatus::Scheduled) },
                    )
                    .await?;
            }
            moved
        }
        Some(s) => {
            return Err(Error::conflict(format!("schedule {} of this item is {}: it cannot be moved now", s.id, s.status)).into());
        }
        None => match item.status {
            ContentStatus::InReview | ContentStatus::Approved => {
                growth_core::review::approve(state.store.as_ref(), id, Some(platform), at, &tz, now).await?.1
            }
            other => {
                return Err(Error::conflict(format!("content {id} is {other}; only an item in review or approved can be published")).into());
            }
        },
    };
    let mut schedule = schedule;
    if body.schedule_time.is_none() {
        runner(&state).run_due(state.settings.publishing.batch).await?;
        schedule = state.store.get_schedule(schedule.id).await?;
    }
    let status = if schedule.status == ScheduleStatus::Published { "published" } else { "scheduled" };
    Ok(Json(json!({
        "status": status,
        "schedule_id": schedule.id,
        "scheduled_for": schedule.scheduled_time,
        "platform": schedule.platform,
        "published_url": schedule.published_url,
        "schedule_status": schedule.status,
        "error": schedule.error_message,
    })))
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
        (status = 200, description = "The schedule and early metrics", body = PublishStatus),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn status(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Viewer)?;
    let id: ScheduleId = parse_id(&id, "schedule")?;
    let s = state.store.get_schedule(id).await?;
    let early = match state.store.get_analytics(s.content_item_id, s.platform).await {
        Ok(a) => Some(
            json!({ "likes": a.engagement.likes, "comments": a.engagement.comments, "shares": a.engagement.shares, "impressions": a.engagement.impressions }),
        ),
        Err(Error::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(Json(json!({
        "status": s.status,
        "schedule_id": s.id,
        "content_item_id": s.content_item_id,
        "platform": s.platform,
        "via": state.publishing.via.get(&s.platform),
        "scheduled_for": s.scheduled_time,
        "published_at": s.published_at,
        "published_url": s.published_url,
        "platform_post_id": s.platform_post_id,
        "retry_count": s.retry_count,
        "next_attempt_at": s.next_attempt_at,
        "error": s.error_message,
        "early_metrics": early,
    })))
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
        (status = 200, description = "Cancelled", body = ScheduleChange),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Conflict with the current state", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn cancel(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Approver)?;
    let id: ScheduleId = parse_id(&id, "schedule")?;
    let s = state.store.cancel_schedule(id).await?;
    let item = state.store.get_content(s.content_item_id).await?;
    if item.status == ContentStatus::Scheduled {
        state.store.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await?;
    }
    Ok(Json(json!({ "status": s.status, "schedule_id": s.id })))
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
        (status = 409, description = "Conflict with the current state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn reschedule(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RescheduleBody>,
) -> Result<Json<Value>, ApiError> {
    user.require(Role::Approver)?;
    let id: ScheduleId = parse_id(&id, "schedule")?;
    if body.schedule_time < state.clock.now() - chrono::Duration::seconds(growth_core::review::PAST_TOLERANCE_SECS) {
        return Err(Error::invalid_field("schedule_time", "in the past").into());
    }
    let s = state.store.reschedule(id, body.schedule_time).await?;
    Ok(Json(json!({ "status": s.status, "schedule_id": s.id, "scheduled_for": s.scheduled_time })))
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
        (status = 200, description = "Asked the platform what became of an unknown outcome", body = ScheduleChange),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Conflict with the current state", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn reconcile(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Approver)?;
    let id: ScheduleId = parse_id(&id, "schedule")?;
    let s = state.store.get_schedule(id).await?;
    runner(&state).reconcile(&s).await?;
    let s = state.store.get_schedule(id).await?;
    Ok(Json(json!({ "status": s.status, "schedule_id": s.id, "published_url": s.published_url })))
}
