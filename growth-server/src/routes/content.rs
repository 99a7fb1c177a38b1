//! The review workflow (PRD §3.2): `GET /content/pending`, `GET /content/{id}`,
//! `PATCH /content/{id}`, `GET /content/{id}/versions`, `GET /content/{id}/edits`,
//! `POST /content/{id}/approve`, `POST /content/{id}/reject`, `POST /content/bulk-approve`.
//!
//! Every item answer carries an `ETag` (`"v<version>-<updated µs>"`); `If-None-Match` gets a 304.
//! An edit applies only to the version the editor started from — `If-Match: "v3…"` or
//! `"version": 3` in the body (without either, the version read just before) — so a stale editor
//! gets 409 instead of overwriting. Every edit keeps the prior version and records its changed
//! spans (word-level diff, classified hook / body / CTA / title).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use growth_core::Error;
use growth_core::domain::{ContentId, ContentItem, ContentUpdate, Platform, Role};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::docs::{ApproveResponse, BulkApproveResponse, PatchResponse, PendingResponse, RejectResponse};
use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, optional_json, parse_id};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/content/pending", get(pending))
        .route("/content/bulk-approve", post(bulk_approve))
        .route("/content/{id}", get(get_item).patch(patch_item))
        .route("/content/{id}/versions", get(versions))
        .route("/content/{id}/edits", get(edits))
        .route("/content/{id}/approve", post(approve))
        .route("/content/{id}/reject", post(reject))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(pending, bulk_approve, get_item, patch_item, versions, edits, approve, reject))]
pub(crate) struct ContentApi;

const MAX_CONTENT: usize = 200_000;
const MAX_TITLE: usize = 500;

fn etag_of(item: &ContentItem) -> String {
    format!("\"v{}-{}\"", item.version, item.updated_at.timestamp_micros())
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

fn with_etag(body: Value, etag: &str, status: StatusCode) -> Response {
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| Error::internal("serializing a response", e).into())
}

// ---------- GET /content/pending ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingQuery {
    #[serde(default)]
    limit: u32,
    #[serde(default)]
    offset: u32,
}

fn pending_item(i: &ContentItem) -> Value {
    json!({
        "id": i.id,
        "content_type": i.content_type,
        "title": i.title,
        "content": i.content,
        "icp_score": i.quality.icp_score,
        "ai_detection_score": i.quality.ai_detection_score,
        "flagged": i.quality.flagged,
        "predicted_engagement": i.predicted_engagement,
        "scheduled_time": i.scheduled_publish_time.or(i.best_publish_time),
        "status": i.status,
        "version": i.version,
    })
}

/// Bundles (one per source) of items in review, oldest bundle first, `limit` bundles (default 10,
/// at most 50) from `offset`; `total_pending` counts items, `total_bundles` bundles.
#[utoipa::path(
    get,
    path = "/content/pending",
    operation_id = "pending_content",
    tag = "content",
    params(
        ("limit" = Option<u32>, Query, description = "bundles per page (default 10, at most 50)"),
        ("offset" = Option<u32>, Query, description = "bundles to skip"),
        ("If-None-Match" = Option<String>, Header, description = "an ETag from an earlier answer: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "Bundles in review, oldest first (with an `ETag`)", body = PendingResponse),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn pending(
    user: AuthUser,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PendingQuery>,
) -> Result<Response, ApiError> {
    user.require(Role::Viewer)?;
    let limit = growth_core::store::page_limit(q.limit, 10, 50);
    // One cheap query decides freshness: count and latest change of everything in review.
    let (count, latest) = state.store.pending_fingerprint().await?;
    let mut hasher = Sha256::new();
    hasher.update(format!("{count}/{}/{}/{limit}", latest.map(|t| t.timestamp_micros()).unwrap_or(0), q.offset));
    let etag = format!("\"p-{}\"", hex::encode(&hasher.finalize()[..12]));
    if not_modified(&headers, &etag) {
        return Ok(with_etag(Value::Null, &etag, StatusCode::NOT_MODIFIED).into_response_without_body());
    }
    let cached = state.pending_cache.lock().ok().and_then(|c| c.get(&etag).cloned());
    let body = match cached {
        Some(body) => body,
        None => {
            let body = axum::body::Bytes::from(render_pending(&state, limit, q.offset).await?);
            if let Ok(mut c) = state.pending_cache.lock() {
                if c.len() >= 64 {
                    c.clear();
                }
                c.insert(etag.clone(), body.clone());
            }
            body
        }
    };
    let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    Ok(resp)
}

/// The JSON of one page of pending bundles.
async fn render_pending(state: &AppState, limit: u32, offset: u32) -> Result<Vec<u8>, ApiError> {
    let page = state.store.list_pending_bundles(limit, offset).await?;
    let mut bundles = Vec::with_capacity(page.bundles.len());
    for b in &page.bundles {
        // A store that does not join the source (the in-memory one) leaves its fields to us.
        let (source_type, source_title) = match (b.source_id, b.source_type) {
            (Some(id), None) => {
                let s = state.store.get_source(id).await?;
                (Some(s.source_type), s.title)
            }
            _ => (b.source_type, b.source_title.clone()),
        };
        bundles.push(json!({
            "id": b.source_id,
            "source_type": source_type,
            "source_title": source_title,
            "items": b.items.iter().map(pending_item).collect::<Vec<_>>(),
            "total_items": b.items.len(),
        }));
    }
    let body = json!({
        "bundles": bundles,
        "total_pending": page.total_items,
        "total_bundles": page.total_bundles,
        "limit": limit,
        "offset": offset,
    });
    serde_json::to_vec(&body).map_err(|e| Error::internal("serializing the pending page", e).into())
}

trait WithoutBody {
    fn into_response_without_body(self) -> Response;
}

impl WithoutBody for Response {
    fn into_response_without_body(self) -> Response {
        let (parts, _) = self.into_parts();
        Response::from_parts(parts, axum::body::Body::empty())
    }
}

// ---------- one item ----------

#[utoipa::path(
    get,
    path = "/content/{id}",
    operation_id = "get_content",
    tag = "content",
    params(
        ("id" = String, Path, description = "content item id (UUID)"),
        ("If-None-Match" = Option<String>, Header, description = "an ETag from an earlier answer: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "The item (with an `ETag`)", body = Object),
        (status = 304, description = "Unchanged"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_item(user: AuthUser, State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    user.require(Role::Viewer)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let item = state.store.get_content(id).await?;
    let etag = etag_of(&item);
    if not_modified(&headers, &etag) {
        return Ok(with_etag(Value::Null, &etag, StatusCode::NOT_MODIFIED).into_response_without_body());
    }
    Ok(with_etag(to_value(&item)?, &etag, StatusCode::OK))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    version: Option<i32>,
}

/// The version an `If-Match` names: `"v3-…"`, `"v3"`, `"3"` or `W/` forms.
fn if_match_version(headers: &HeaderMap) -> Result<Option<i32>, ApiError> {
    let Some(raw) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let raw = raw.to_str().unwrap_or_default().trim();
    if raw == "*" {
        return Ok(None);
    }
    let t = raw.trim_start_matches("W/").trim_matches('"');
    let t = t.strip_prefix('v').unwrap_or(t);
    let num = t.split('-').next().unwrap_or_default();
    num.parse::<i32>().map(Some).map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-precondition", "Bad precondition", format!("If-Match `{raw}` names no version"))
    })
}

#[utoipa::path(
    patch,
    path = "/content/{id}",
    operation_id = "patch_content",
    tag = "content",
    params(
        ("id" = String, Path, description = "content item id (UUID)"),
        ("If-Match" = Option<String>, Header, description = "the ETag (or version) the edit starts from"),
    ),
    request_body = PatchBody,
    responses(
        (status = 200, description = "Edited (the prior version is kept; new `ETag`)", body = PatchResponse),
        (status = 400, description = "`If-Match` names no version", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone else edited it since that version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn patch_item(
    user: AuthUser,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Response, ApiError> {
    user.require(Role::Approver)?;
    let id: ContentId = parse_id(&id, "content item")?;
    if body.content.is_none() && body.title.is_none() {
        return Err(Error::invalid_field("content", "send `content`, `title` or both").into());
    }
    if let Some(c) = &body.content {
        if c.trim().is_empty() {
            return Err(Error::invalid_field("content", "the content cannot be empty").into());
        }
        if c.len() > MAX_CONTENT {
            return Err(Error::invalid_field("content", format!("at most {MAX_CONTENT} bytes")).into());
        }
    }
    if body.title.as_deref().is_some_and(|t| t.chars().count() > MAX_TITLE) {
        return Err(Error::invalid_field("title", format!("at most {MAX_TITLE} characters")).into());
    }
    let header_version = if_match_version(&headers)?;
    if let (Some(h), Some(b)) = (header_version, body.version)
        && h != b
    {
        return Err(Error::invalid_field("version", format!("If-Match names version {h} but the body says {b}")).into());
    }
    let current = state.store.get_content(id).await?;
    let expected = header_version.or(body.version).unwrap_or(current.version);
    if expected != current.version {
        return Err(Error::conflict(format!(
            "content {id} is at version {}, not {expected}: someone else edited it; reload and apply your change again",
            current.version
        ))
        .into());
    }
    let new_content = body.content.clone().unwrap_or_else(|| current.content.clone());
    let new_title = body.title.clone().or_else(|| current.title.clone());
    let spans = growth_core::review::edits::diff_edit(current.title.as_deref(), new_title.as_deref(), &current.content, &new_content);
    let update =
        ContentUpdate { expected_version: expected, title: body.title, content: body.content, edited_by: Some(user.id), edits: spans };
    let item = state.store.update_content(id, update).await?;
    let etag = etag_of(&item);
    let out =
        json!({ "id": item.id, "title": item.title, "content": item.content, "version": item.version, "updated_at": item.updated_at });
    Ok(with_etag(out, &etag, StatusCode::OK))
}

#[utoipa::path(
    get,
    path = "/content/{id}/versions",
    operation_id = "content_versions",
    tag = "content",
    params(
        ("id" = String, Path, description = "content item id (UUID)"),
    ),
    responses(
        (status = 200, description = r#"`{"content_item_id", "versions": [...]}`"#, body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn versions(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Viewer)?;
    let id: ContentId = parse_id(&id, "content item")?;
    state.store.get_content(id).await?;
    let versions = state.store.list_versions(id).await?;
    Ok(Json(json!({ "content_item_id": id, "versions": versions })))
}

#[utoipa::path(
    get,
    path = "/content/{id}/edits",
    operation_id = "content_edits",
    tag = "content",
    params(
        ("id" = String, Path, description = "content item id (UUID)"),
    ),
    responses(
        (status = 200, description = r#"`{"content_item_id", "edits": [...]}` with changed spans"#, body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn edits(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Viewer)?;
    let id: ContentId = parse_id(&id, "content item")?;
    state.store.get_content(id).await?;
    let edits = state.store.list_edits(id).await?;
    Ok(Json(json!({ "content_item_id": id, "edits": edits })))
}

// ---------- decisions ----------

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    #[serde(default)]
    schedule_time: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    platform: Option<Platform>,
    #[serde(default)]
    timezone: Option<String>,
}

fn timezone(state: &AppState, requested: Option<String>) -> String {
    requested.unwrap_or_else(|| state.settings.schedule.timezone.clone())
}

#[utoipa::path(
    post,
    path = "/content/{id}/approve",
    operation_id = "approve_content",
    tag = "content",
    params(
        ("id" = String, Path, description = "content item id (UUID)"),
    ),
    request_body(content = Option<ApproveBody>, description = "optional: without `schedule_time`, the next smart slot"),
    responses(
        (status = 200, description = "Approved and scheduled", body = ApproveResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Conflict with the current state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn approve(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    user.require(Role::Approver)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let body: ApproveBody = optional_json(&body)?;
    let tz = timezone(&state, body.timezone);
    let now = state.clock.now();
    let at = match body.schedule_time {
        Some(t) => t,
        None => {
            let item = state.store.get_content(id).await?;
            let platform = body.platform.unwrap_or_else(|| item.platform());
            crate::scheduling::next_slot(&state, platform, &tz, now).await?
        }
    };
    let (item, schedule) = growth_core::review::approve(state.store.as_ref(), id, body.platform, at, &tz, now).await?;
    tracing::info!(content_id = %id, schedule_id = %schedule.id, at = %at, "approved and scheduled");
    Ok(Json(json!({
        "status": "approved",
        "scheduled_for": schedule.scheduled_time,
        "schedule_id": schedule.id,
        "platform": schedule.platform,
        "content_status": item.status,
    })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RejectBody {
    reason: String,
}

#[utoipa::path(
    post,
    path = "/content/{id}/reject",
    operation_id = "reject_content",
    tag = "content",
    params(
        ("id" = String, Path, description = "content item id (UUID)"),
    ),
    request_body = RejectBody,
    responses(
        (status = 200, description = "Rejected", body = RejectResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Conflict with the current state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn reject(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<Json<Value>, ApiError> {
    user.require(Role::Approver)?;
    let id: ContentId = parse_id(&id, "content item")?;
    growth_core::review::reject(state.store.as_ref(), id, &body.reason).await?;
    Ok(Json(json!({ "status": "rejected" })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    content_ids: Vec<String>,
    #[serde(default)]
    schedule_config: Option<ScheduleConfig>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ScheduleConfig {
    #[serde(default)]
    start_date: Option<NaiveDate>,
    #[serde(default)]
    distribution: Option<String>,
    /// Manual times, one per id (same order), for `"distribution": "manual"`.
    #[serde(default)]
    times: Option<Vec<DateTime<Utc>>>,
    #[serde(default)]
    timezone: Option<String>,
}

#[utoipa::path(
    post,
    path = "/content/bulk-approve",
    operation_id = "bulk_approve_content",
    tag = "content",
    request_body = BulkBody,
    responses(
        (status = 200, description = "Every item approved and scheduled (one bad id writes nothing)", body = BulkApproveResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Conflict with the current state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn bulk_approve(user: AuthUser, State(state): State<AppState>, ApiJson(body): ApiJson<BulkBody>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Approver)?;
    if body.content_ids.is_empty() || body.content_ids.len() > 200 {
        return Err(Error::invalid_field("content_ids", "between 1 and 200 ids").into());
    }
    let mut ids: Vec<ContentId> = Vec::with_capacity(body.content_ids.len());
    for raw in &body.content_ids {
        let id: ContentId =
            raw.parse().map_err(|_| ApiError::from(Error::invalid_field("content_ids", format!("`{raw}` is not a content id"))))?;
        if ids.contains(&id) {
            return Err(Error::invalid_field("content_ids", format!("{id} is listed twice")).into());
        }
        ids.push(id);
    }
    let config = body.schedule_config.unwrap_or(ScheduleConfig { start_date: None, distribution: None, times: None, timezone: None });
    let tz = timezone(&state, config.timezone.clone());
    let now = state.clock.now();
    // Load and check every item first: one bad id writes nothing.
    let mut items = Vec::with_capacity(ids.len());
    for id in &ids {
        items.push(state.store.get_content(*id).await?);
    }
    let times: Vec<DateTime<Utc>> = match config.distribution.as_deref().unwrap_or("smart") {
        "manual" => {
            let times = config.times.clone().ok_or_else(|| {
                ApiError::from(Error::invalid_field("schedule_config.times", "manual distribution needs one time per id"))
            })?;
            if times.len() != ids.len() {
                return Err(Error::invalid_field("schedule_config.times", format!("{} times for {} ids", times.len(), ids.len())).into());
            }
            times
        }
        "smart" => crate::scheduling::plan(&state, &items, config.start_date, &tz, now).await?,
        other => return Err(Error::invalid_field("schedule_config.distribution", format!("`{other}` is not smart or manual")).into()),
    };
    for (item, at) in items.iter().zip(&times) {
        growth_core::review::check_approvable(item, *at, &tz, now)?;
    }
    let mut scheduled = Vec::with_capacity(ids.len());
    for (item, at) in items.iter().zip(times) {
        let (_, schedule) = growth_core::review::approve(state.store.as_ref(), item.id, None, at, &tz, now).await?;
        scheduled.push(json!({
            "id": item.id,
            "content_type": item.content_type,
            "schedule_id": schedule.id,
            "platform": schedule.platform,
            "scheduled_for": schedule.scheduled_time,
        }));
    }
    Ok(Json(json!({ "approved": scheduled.len(), "scheduled_items": scheduled })))
}
