//! The review workflow (PRD §3.2): `GET /content` (every item, filtered and paged),
//! `GET /content/pending`, `GET /content/{id}`,
//! `PATCH /content/{id}`, `GET /content/{id}/versions`, `GET /content/{id}/edits`,
//! `POST /content/{id}/approve`, `POST /content/{id}/reject`, `POST /content/bulk-approve`.
//!
//! Handlers translate HTTP to [`growth_core::review::ReviewService`] calls and back. Every item
//! answer carries an `ETag` (`"v<version>-<updated µs>"`); `If-None-Match` gets a 304. An edit
//! applies only to the version the editor started from — `If-Match: "v3…"` or `"version": 3` in the
//! body (without either, the version read just before) — so a stale editor gets 409 instead of
//! overwriting.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use growth_core::Error;
use growth_core::domain::{
    ContentEdit, ContentId, ContentItem, ContentStatus, ContentType, ContentVersion, Platform, Role, ScheduleId, SourceId, SourceType,
};
use growth_core::review::{Approval, ApproveRequest, BulkApprove, Distribution, EditRequest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, optional_json, page_limit, parse_id};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/content", get(list))
        .route("/content/pending", get(pending))
        .route("/content/bulk-approve", post(bulk_approve))
        .route("/content/{id}", get(get_item).patch(patch_item))
        .route("/content/{id}/versions", get(versions))
        .route("/content/{id}/edits", get(edits))
        .route("/content/{id}/approve", post(approve))
        .route("/content/{id}/reject", post(reject))
        .route("/content/{id}/unapprove", post(unapprove))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, pending, bulk_approve, get_item, patch_item, versions, edits, approve, reject, unapprove))]
pub(crate) struct ContentApi;

fn etag_of(item: &ContentItem) -> String {
    format!("\"v{}-{}\"", item.version, item.updated_at.timestamp_micros())
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

fn with_etag(mut resp: Response, etag: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

fn not_modified_response(etag: &str) -> Response {
    with_etag(StatusCode::NOT_MODIFIED.into_response(), etag)
}

// ---------- GET /content ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Comma-separated statuses.
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    source_id: Option<SourceId>,
    #[serde(default)]
    from: Option<DateTime<Utc>>,
    #[serde(default)]
    to: Option<DateTime<Utc>>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

/// `GET /content`: one page of items and how many match in all.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ContentList {
    /// Oldest first (by creation).
    items: Vec<ContentItem>,
    /// Items matching the filters, ignoring the page.
    total: u64,
    limit: u32,
    offset: u32,
}

fn statuses(raw: Option<&str>) -> Result<Vec<ContentStatus>, ApiError> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<ContentStatus>().map_err(|e| ApiError::from(Error::invalid_field("status", e.to_string()))))
        .collect()
}

/// Every content item, whatever its state, filtered and paged — what a calendar or an archive
/// reads. `from`/`to` apply to the item's time: when it was published, else when it is scheduled,
/// else when it was created (`from` inclusive, `to` exclusive).
#[utoipa::path(
    get,
    path = "/content",
    operation_id = "list_content",
    tag = "content",
    params(
        ("status" = Option<String>, Query, description = "comma-separated states, e.g. `approved,scheduled,published` (any when absent)"),
        ("platform" = Option<String>, Query, description = "the target platform, e.g. `linkedin`"),
        ("source_id" = Option<String>, Query, description = "only items generated from this source"),
        ("from" = Option<DateTime<Utc>>, Query, description = "RFC 3339; the item's time (published, else scheduled, else created) at or after this"),
        ("to" = Option<DateTime<Utc>>, Query, description = "RFC 3339; the item's time before this"),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 500 (default 50; anything else is a 422)"),
        ("offset" = Option<u32>, Query, description = "items to skip"),
    ),
    responses(
        (status = 200, description = "One page of items, oldest first, with the total that match", body = ContentList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list(user: AuthUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<ListQuery>) -> Result<Json<ContentList>, ApiError> {
    user.require(Role::Viewer)?;
    let limit = page_limit(q.limit, 50, 500)?;
    if let (Some(from), Some(to)) = (q.from, q.to)
        && to < from
    {
        return Err(Error::invalid_field("to", "is before `from`").into());
    }
    let filter = growth_core::domain::ContentFilter {
        statuses: statuses(q.status.as_deref())?,
        source_id: q.source_id,
        content_type: None,
        platform: q.platform,
        from: q.from,
        to: q.to,
        limit,
        offset: q.offset,
    };
    let store = state.engine.store();
    let (items, total) = tokio::try_join!(store.list_content(&filter), store.count_content(&filter))?;
    Ok(Json(ContentList { items, total, limit, offset: q.offset }))
}

// ---------- GET /content/pending ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingQuery {
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

/// One item in review.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PendingItem {
    id: ContentId,
    content_type: ContentType,
    title: Option<String>,
    content: String,
    icp_score: Option<i32>,
    ai_detection_score: Option<f64>,
    flagged: bool,
    predicted_engagement: Option<serde_json::Value>,
    /// When it is scheduled, else the best time to publish it.
    scheduled_time: Option<DateTime<Utc>>,
    status: ContentStatus,
    version: i32,
}

impl From<&ContentItem> for PendingItem {
    fn from(i: &ContentItem) -> Self {
        Self {
            id: i.id,
            content_type: i.content_type,
            title: i.title.clone(),
            content: i.content.clone(),
            icp_score: i.quality.icp_score,
            ai_detection_score: i.quality.ai_detection_score,
            flagged: i.quality.flagged,
            predicted_engagement: i.predicted_engagement.clone(),
            scheduled_time: i.scheduled_publish_time.or(i.best_publish_time),
            status: i.status,
            version: i.version,
        }
    }
}

/// The items generated from one source.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PendingBundle {
    /// The source's id (null for items without a source).
    id: Option<SourceId>,
    source_type: Option<SourceType>,
    source_title: Option<String>,
    items: Vec<PendingItem>,
    total_items: usize,
}

/// `GET /content/pending` (with an `ETag`; `If-None-Match` gets a 304).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PendingResponse {
    bundles: Vec<PendingBundle>,
    /// Items in review in all.
    total_pending: u64,
    /// Bundles in review in all.
    total_bundles: u64,
    /// What `limit` and `offset` page through — bundles — in all (the same as `total_bundles`;
    /// every list answers `total`).
    total: u64,
    limit: u32,
    offset: u32,
}

/// Bundles (one per source) of items in review, oldest bundle first, `limit` bundles (default 10,
/// at most 50) from `offset`; `total_pending` counts items, `total_bundles` bundles.
#[utoipa::path(
    get,
    path = "/content/pending",
    operation_id = "pending_content",
    tag = "content",
    params(
        ("limit" = Option<u32>, Query, description = "bundles per page, 1 to 50 (default 10; anything else is a 422)"),
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
    let limit = page_limit(q.limit, 10, 50)?;
    // One cheap query decides freshness: count and latest change of everything in review.
    let (count, latest) = state.engine.review().pending_fingerprint().await?;
    let mut hasher = Sha256::new();
    hasher.update(format!("{count}/{}/{}/{limit}", latest.map(|t| t.timestamp_micros()).unwrap_or(0), q.offset));
    let etag = format!("\"p-{}\"", hex::encode(&hasher.finalize()[..12]));
    if not_modified(&headers, &etag) {
        return Ok(not_modified_response(&etag));
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
    Ok(with_etag((StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response(), &etag))
}

/// The JSON of one page of pending bundles.
async fn render_pending(state: &AppState, limit: u32, offset: u32) -> Result<Vec<u8>, ApiError> {
    let page = state.engine.review().pending(limit, offset).await?;
    let body = PendingResponse {
        bundles: page
            .bundles
            .iter()
            .map(|b| PendingBundle {
                id: b.source_id,
                source_type: b.source_type,
                source_title: b.source_title.clone(),
                items: b.items.iter().map(PendingItem::from).collect(),
                total_items: b.items.len(),
            })
            .collect(),
        total_pending: page.total_items,
        total_bundles: page.total_bundles,
        total: page.total_bundles,
        limit,
        offset,
    };
    serde_json::to_vec(&body).map_err(|e| Error::internal("serializing the pending page", e).into())
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
        (status = 200, description = "The item with its scores and every gate's verdict (with an `ETag`)", body = ContentItem),
        (status = 304, description = "Unchanged"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_item(user: AuthUser, State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    user.require(Role::Viewer)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let item = state.engine.review().item(id).await?;
    let etag = etag_of(&item);
    if not_modified(&headers, &etag) {
        return Ok(not_modified_response(&etag));
    }
    Ok(with_etag(Json(item).into_response(), &etag))
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

/// `PATCH /content/{id}` (with the new `ETag`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PatchResponse {
    id: ContentId,
    title: Option<String>,
    content: String,
    version: i32,
    updated_at: DateTime<Utc>,
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
    let header_version = if_match_version(&headers)?;
    if let (Some(h), Some(b)) = (header_version, body.version)
        && h != b
    {
        return Err(Error::invalid_field("version", format!("If-Match names version {h} but the body says {b}")).into());
    }
    let req =
        EditRequest { content: body.content, title: body.title, expected_version: header_version.or(body.version), editor: Some(user.id) };
    let item = state.engine.review().edit(id, req).await?;
    let etag = etag_of(&item);
    let out = PatchResponse { id: item.id, title: item.title, content: item.content, version: item.version, updated_at: item.updated_at };
    Ok(with_etag(Json(out).into_response(), &etag))
}

/// `GET /content/{id}/versions`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct VersionsResponse {
    content_item_id: ContentId,
    /// Oldest first.
    versions: Vec<ContentVersion>,
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
        (status = 200, description = "Every version, oldest first", body = VersionsResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn versions(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<VersionsResponse>, ApiError> {
    user.require(Role::Viewer)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let versions = state.engine.review().versions(id).await?;
    Ok(Json(VersionsResponse { content_item_id: id, versions }))
}

/// `GET /content/{id}/edits`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct EditsResponse {
    content_item_id: ContentId,
    /// Every recorded span, oldest first.
    edits: Vec<ContentEdit>,
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
        (status = 200, description = "Every recorded edit span, oldest first", body = EditsResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn edits(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<EditsResponse>, ApiError> {
    user.require(Role::Viewer)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let edits = state.engine.review().edits(id).await?;
    Ok(Json(EditsResponse { content_item_id: id, edits }))
}

// ---------- decisions ----------

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    #[serde(default)]
    schedule_time: Option<DateTime<Utc>>,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    timezone: Option<String>,
}

/// `POST /content/{id}/approve`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ApproveResponse {
    /// Always `approved`.
    #[schema(example = "approved")]
    status: &'static str,
    scheduled_for: DateTime<Utc>,
    schedule_id: ScheduleId,
    platform: Platform,
    /// The item's state now (`scheduled`).
    content_status: ContentStatus,
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
) -> Result<Json<ApproveResponse>, ApiError> {
    user.require(Role::Approver)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let body: ApproveBody = optional_json(&body)?;
    let req = ApproveRequest { at: body.schedule_time, platform: body.platform, timezone: body.timezone, by: Some(user.id) };
    let a = state.engine.review().approve(id, req).await?;
    Ok(Json(ApproveResponse {
        status: "approved",
        scheduled_for: a.schedule.scheduled_time,
        schedule_id: a.schedule.id,
        platform: a.schedule.platform,
        content_status: a.item.status,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RejectBody {
    reason: String,
}

/// `POST /content/{id}/reject`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RejectResponse {
    /// Always `rejected`.
    #[schema(example = "rejected")]
    status: ContentStatus,
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
) -> Result<Json<RejectResponse>, ApiError> {
    user.require(Role::Approver)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let item = state.engine.review().reject(id, &body.reason, Some(user.id)).await?;
    Ok(Json(RejectResponse { status: item.status }))
}

/// `POST /content/{id}/unapprove`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UnapproveResponse {
    /// Always `in_review`.
    #[schema(example = "in_review")]
    status: ContentStatus,
    /// The pending schedules that were cancelled.
    cancelled_schedule_ids: Vec<ScheduleId>,
}

/// "Back to review": an approved or scheduled item returns to review and its pending schedules are
/// cancelled, in one transaction (a schedule being published or `unknown` is a 409).
#[utoipa::path(
    post,
    path = "/content/{id}/unapprove",
    operation_id = "unapprove_content",
    tag = "content",
    params(
        ("id" = String, Path, description = "content item id (UUID)"),
    ),
    responses(
        (status = 200, description = "Back in review", body = UnapproveResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved or scheduled, or a publish may be in flight", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn unapprove(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<UnapproveResponse>, ApiError> {
    user.require(Role::Approver)?;
    let id: ContentId = parse_id(&id, "content item")?;
    let (item, cancelled) = state.engine.review().return_to_review(id, Some(user.id)).await?;
    Ok(Json(UnapproveResponse { status: item.status, cancelled_schedule_ids: cancelled.iter().map(|s| s.id).collect() }))
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
    /// `smart` (default) or `manual`.
    #[serde(default)]
    distribution: Option<String>,
    /// Manual times, one per id (same order), for `"distribution": "manual"`.
    #[serde(default)]
    times: Option<Vec<DateTime<Utc>>>,
    #[serde(default)]
    timezone: Option<String>,
}

/// One item scheduled by a bulk approval.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ScheduledItem {
    id: ContentId,
    content_type: ContentType,
    schedule_id: ScheduleId,
    platform: Platform,
    scheduled_for: DateTime<Utc>,
}

impl From<&Approval> for ScheduledItem {
    fn from(a: &Approval) -> Self {
        Self {
            id: a.item.id,
            content_type: a.item.content_type,
            schedule_id: a.schedule.id,
            platform: a.schedule.platform,
            scheduled_for: a.schedule.scheduled_time,
        }
    }
}

/// `POST /content/bulk-approve`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BulkApproveResponse {
    approved: usize,
    scheduled_items: Vec<ScheduledItem>,
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
async fn bulk_approve(
    user: AuthUser,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<BulkBody>,
) -> Result<Json<BulkApproveResponse>, ApiError> {
    user.require(Role::Approver)?;
    let mut ids: Vec<ContentId> = Vec::with_capacity(body.content_ids.len());
    for raw in &body.content_ids {
        ids.push(raw.parse().map_err(|_| ApiError::from(Error::invalid_field("content_ids", format!("`{raw}` is not a content id"))))?);
    }
    let config = body.schedule_config.unwrap_or(ScheduleConfig { start_date: None, distribution: None, times: None, timezone: None });
    let distribution = match config.distribution.as_deref().unwrap_or("smart") {
        "manual" => Distribution::Manual {
            times: config.times.ok_or_else(|| {
                ApiError::from(Error::invalid_field("schedule_config.times", "manual distribution needs one time per id"))
            })?,
        },
        "smart" => Distribution::Smart { start_date: config.start_date },
        other => return Err(Error::invalid_field("schedule_config.distribution", format!("`{other}` is not smart or manual")).into()),
    };
    let approvals =
        state.engine.review().bulk_approve(BulkApprove { ids, distribution, timezone: config.timezone, by: Some(user.id) }).await?;
    let scheduled_items: Vec<ScheduledItem> = approvals.iter().map(ScheduledItem::from).collect();
    Ok(Json(BulkApproveResponse { approved: scheduled_items.len(), scheduled_items }))
}
