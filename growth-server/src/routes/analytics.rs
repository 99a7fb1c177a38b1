//! Analytics (PRD §3.5): `GET /analytics/summary`, `GET /analytics/content/{id}`,
//! `GET /analytics/content/{id}/history`, `GET /analytics/leads`, `POST /analytics/sync` (admin)
//! and `POST /analytics/import` (a metrics CSV) — each one call to
//! [`growth_core::measure::MeasureService`].
//!
//! `model` (`last_touch` default, `first_touch`, `linear`) picks how conversions and revenue are
//! credited to the posts a lead came through.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use growth_core::domain::{ContentId, Platform, Role};
use growth_core::measure::attribution::AttributionModel;
use growth_core::measure::{AnalyticsSummary, ContentAnalytics, ImportReport, LeadView, MetricsSnapshot, SyncReport};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, page_limit, parse_id};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/analytics/summary", get(summary))
        .route("/analytics/content/{id}", get(content))
        .route("/analytics/content/{id}/history", get(history))
        .route("/analytics/leads", get(leads))
        .route("/analytics/sync", post(sync))
        .route("/analytics/import", post(import))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(summary, content, history, leads, sync, import))]
pub(crate) struct AnalyticsApi;

fn model(raw: Option<&str>) -> Result<Option<AttributionModel>, ApiError> {
    match raw {
        None => Ok(None),
        Some(m) => AttributionModel::parse(m).map(Some).ok_or_else(|| {
            growth_core::Error::invalid_field("model", format!("`{m}` is not one of last_touch, first_touch, linear")).into()
        }),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct SummaryQuery {
    /// First day (UTC, `YYYY-MM-DD`); default: six days before `end_date`.
    start_date: Option<NaiveDate>,
    /// Last day, included; default: today.
    end_date: Option<NaiveDate>,
}

#[utoipa::path(
    get,
    path = "/analytics/summary",
    operation_id = "analytics_summary",
    tag = "analytics",
    params(SummaryQuery),
    responses(
        (status = 200, description = "PRD §3.5 summary; `time_saved_hours` is an estimate (see `time_saved_basis`)", body = AnalyticsSummary),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn summary(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Json<AnalyticsSummary>, ApiError> {
    user.require(Role::Viewer)?;
    let end = q.end_date.unwrap_or_else(|| state.engine.clock().now().date_naive());
    let start = q.start_date.unwrap_or(end - Duration::days(6));
    Ok(Json(state.engine.measure().summary(start, end).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ModelQuery {
    /// `last_touch` (default), `first_touch` or `linear`.
    model: Option<String>,
}

#[utoipa::path(
    get,
    path = "/analytics/content/{id}",
    operation_id = "analytics_content",
    tag = "analytics",
    params(("id" = String, Path, description = "content item id (UUID)"), ModelQuery),
    responses(
        (status = 200, description = "The item's numbers over its platforms, leads credited under `model`", body = ContentAnalytics),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn content(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ModelQuery>,
) -> Result<Json<ContentAnalytics>, ApiError> {
    user.require(Role::Viewer)?;
    let id: ContentId = parse_id(&id, "content item")?;
    Ok(Json(state.engine.measure().content(id, model(q.model.as_deref())?).await?))
}

#[utoipa::path(
    get,
    path = "/analytics/content/{id}/history",
    operation_id = "analytics_content_history",
    tag = "analytics",
    params(("id" = String, Path, description = "content item id (UUID)")),
    responses(
        (status = 200, description = "Daily snapshots, oldest first (`metrics` keeps unreported counters as null)", body = Vec<MetricsSnapshot>),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn history(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Vec<MetricsSnapshot>>, ApiError> {
    user.require(Role::Viewer)?;
    let id: ContentId = parse_id(&id, "content item")?;
    Ok(Json(state.engine.measure().history(id).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct LeadsQuery {
    /// Seen at or after (RFC 3339); default: 30 days ago.
    from: Option<DateTime<Utc>>,
    /// Seen before; default: now.
    to: Option<DateTime<Utc>>,
    /// `last_touch` (default), `first_touch` or `linear`.
    model: Option<String>,
    /// Page size, 1 to 1000 (default 100; anything else is a 422).
    #[serde(default)]
    limit: Option<u32>,
    /// Leads to skip.
    #[serde(default)]
    offset: u32,
}

#[utoipa::path(
    get,
    path = "/analytics/leads",
    operation_id = "analytics_leads",
    tag = "analytics",
    params(LeadsQuery),
    responses(
        (status = 200, description = "Leads seen in the window, latest first, with every touch and their credit, and the total", body = LeadList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small (leads are personal data: approvers)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn leads(user: AuthUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<LeadsQuery>) -> Result<Json<LeadList>, ApiError> {
    user.require(Role::Approver)?;
    let now = state.engine.clock().now();
    let to = q.to.unwrap_or(now + Duration::seconds(1));
    let from = q.from.unwrap_or(to - Duration::days(30));
    if to < from {
        return Err(growth_core::Error::invalid_field("to", "must not be before from").into());
    }
    let limit = page_limit(q.limit, 100, 1000)?;
    let measure = state.engine.measure();
    let (leads, total) =
        tokio::try_join!(measure.leads(from, to, model(q.model.as_deref())?, limit, q.offset), measure.count_leads(from, to))?;
    Ok(Json(LeadList { leads, total, limit, offset: q.offset }))
}

/// `GET /analytics/leads`: one page of leads and how many were seen in the window in all.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct LeadList {
    leads: Vec<LeadView>,
    /// Leads seen in the window, ignoring the page.
    total: u64,
    limit: u32,
    offset: u32,
}

#[utoipa::path(
    post,
    path = "/analytics/sync",
    operation_id = "analytics_sync",
    tag = "analytics",
    responses(
        (status = 200, description = "One sync pass, answered when it is done", body = SyncReport),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn sync(user: AuthUser, State(state): State<AppState>) -> Result<Json<SyncReport>, ApiError> {
    user.require(Role::Admin)?;
    let report = state.engine.measure().sync().await?;
    tracing::info!(actor = %user.id, synced = report.synced, calls = report.calls, "analytics sync run by hand");
    Ok(Json(report))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    /// The platform of rows whose platform the file does not tell (`linkedin`, `customer_io` …).
    platform: Option<String>,
}

#[utoipa::path(
    post,
    path = "/analytics/import",
    operation_id = "analytics_import",
    tag = "analytics",
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "A LinkedIn or Customer.io export, or the template (`content_id`, `platform`, metric columns)"),
    responses(
        (status = 200, description = "Rows written, and those no published item matched", body = ImportReport),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file (line and column named) or a parameter is invalid; nothing was written", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn import(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    user.require(Role::Approver)?;
    let platform = q.platform.as_deref().map(Platform::new).transpose()?;
    let text = std::str::from_utf8(&body).map_err(|_| growth_core::Error::invalid_field("body", "the file must be UTF-8 text"))?;
    Ok(Json(state.engine.measure().import_csv(text, platform).await?))
}
