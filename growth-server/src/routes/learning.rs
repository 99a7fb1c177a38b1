//! Learning: rules mined from reviewers' edits and their review, and ICP profiles and objections
//! extracted from calls.
//!
//! | route | role |
//! |---|---|
//! | `GET /learning/rules[?status=&content_type=]`, `GET /learning/rules/{id}` (every version) | admin |
//! | `POST /learning/rules/{id}/approve` (`{"version"}` optional), `…/retire`, `…/rollback` | admin |
//! | `PATCH /learning/rules/{id}` (`{"rule": {"kind": …}, "content_type": …}`: a new version) | admin |
//! | `POST /learning/run`: mine the recorded edits now, answer with the rules proposed | admin |
//! | `GET /learning/best-time?platform=linkedin`: the next slot (Thompson sampling), its start and predicted engagement | approver |
//! | `POST /icp-profiles/extract` (`{"source_id"}`): profile and objections of a call, with quotes | approver |
//!
//! `GET /icp-profiles` and `GET /objections` (most frequent first) are in the knowledge routes.
//! A rule in the answers is one version: `id` (the lineage), `version`, `content_type` (`null`:
//! every type), `kind` (`{"kind": "banned_phrase", "phrase": "really"}`, `{"kind": "max_words",
//! "max": 150}` …), `status` (`proposed`, `active`, `retired`), `support`, `confidence`,
//! `provenance` (the `content_edits` ids behind it) and its instants.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use growth_core::Error;
use growth_core::domain::{ContentType, Role, SourceId};
use growth_core::learn::service::IcpExtraction;
use growth_core::learn::{MiningRun, Rule, RuleChange, RuleEdit, RuleFilter, RuleId, RuleKind, RuleStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, page_limit, page_of, parse_id};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/learning/rules", get(list_rules))
        .route("/learning/rules/{id}", get(rule_history).patch(edit_rule))
        .route("/learning/rules/{id}/approve", post(approve_rule))
        .route("/learning/rules/{id}/retire", post(retire_rule))
        .route("/learning/rules/{id}/rollback", post(rollback_rule))
        .route("/learning/run", post(run_mining))
        .route("/learning/best-time", get(best_time))
        .route("/icp-profiles/extract", post(extract_icp))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_rules, rule_history, edit_rule, approve_rule, retire_rule, rollback_rule, run_mining, best_time, extract_icp))]
pub(crate) struct LearningApi;

/// Rule versions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RuleList {
    /// The versions, lineage by lineage (newest first), oldest version first within one.
    #[schema(value_type = Vec<Object>)]
    rules: Vec<Rule>,
    /// Versions in all.
    total: usize,
    limit: u32,
    offset: u32,
}

/// A rule change: the version acted on, and the versions whose status changed with it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RuleChangeView {
    #[schema(value_type = Object)]
    rule: Rule,
    #[schema(value_type = Vec<Object>)]
    also_changed: Vec<Rule>,
}

impl From<RuleChange> for RuleChangeView {
    fn from(c: RuleChange) -> Self {
        Self { rule: c.rule, also_changed: c.also_changed }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesQuery {
    #[serde(default)]
    status: Option<RuleStatus>,
    #[serde(default)]
    content_type: Option<ContentType>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

#[utoipa::path(
    get,
    path = "/learning/rules",
    tag = "learning",
    params(
        ("status" = Option<String>, Query, description = "only `proposed`, `active` or `retired` versions"),
        ("content_type" = Option<String>, Query, description = "only rules that apply to this type"),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 200 (default 50; anything else is a 422)"),
        ("offset" = Option<u32>, Query, description = "versions to skip"),
    ),
    responses(
        (status = 200, description = "Rule versions", body = RuleList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_rules(user: AuthUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<RulesQuery>) -> Result<Json<RuleList>, ApiError> {
    user.require(Role::Admin)?;
    let limit = page_limit(q.limit, 50, 200)?;
    let rules = state.engine.learning().rules(&RuleFilter { status: q.status, content_type: q.content_type }).await?;
    Ok(Json(RuleList { total: rules.len(), rules: page_of(rules, limit, q.offset), limit, offset: q.offset }))
}

#[utoipa::path(
    get,
    path = "/learning/rules/{id}",
    tag = "learning",
    params(("id" = String, Path, description = "rule id (UUID; every version shares it)")),
    responses(
        (status = 200, description = "Every version of the rule, oldest first", body = RuleList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn rule_history(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<RuleList>, ApiError> {
    user.require(Role::Admin)?;
    let id: RuleId = parse_id(&id, RuleId::ENTITY)?;
    let rules = state.engine.learning().rule_history(id).await?;
    // Every version at once (a lineage is a handful): the page is the whole list.
    let all = u32::try_from(rules.len()).unwrap_or(u32::MAX);
    Ok(Json(RuleList { total: rules.len(), rules, limit: all, offset: 0 }))
}

/// `PATCH /learning/rules/{id}`: a new version saying `rule`, for `content_type` (`null`: every
/// type; absent: unchanged).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RuleEditBody {
    /// What the rule says: `{"kind": "banned_phrase", "phrase": "really"}`, `{"kind": "max_words", "max": 150}` …
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    rule: Option<RuleKind>,
    /// `linkedin_post`, `newsletter` … or `null` for every type.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    content_type: Option<Value>,
}

/// A field that is present, `null` included (absent stays `None` through `default`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[utoipa::path(
    patch,
    path = "/learning/rules/{id}",
    tag = "learning",
    params(("id" = String, Path, description = "rule id (UUID)")),
    request_body = RuleEditBody,
    responses(
        (status = 200, description = "The new version (active at once when the rule was) and the version it retired", body = RuleChangeView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid rule value (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn edit_rule(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RuleEditBody>,
) -> Result<Json<RuleChangeView>, ApiError> {
    user.require(Role::Admin)?;
    let id: RuleId = parse_id(&id, RuleId::ENTITY)?;
    let content_type = match body.content_type {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.parse::<ContentType>().map_err(|_| {
            Error::invalid_field("content_type", format!("`{s}` is not a content type (linkedin_post, newsletter, blog_post …)"))
        })?)),
        Some(_) => return Err(Error::invalid_field("content_type", "a content type name or null").into()),
    };
    let change = state.engine.learning().edit(id, RuleEdit { kind: body.rule, content_type }).await?;
    Ok(Json(change.into()))
}

/// `POST /learning/rules/{id}/approve`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RuleApproveBody {
    /// The version to approve (default: the newest).
    #[serde(default)]
    version: Option<u32>,
}

#[utoipa::path(
    post,
    path = "/learning/rules/{id}/approve",
    tag = "learning",
    params(("id" = String, Path, description = "rule id (UUID)")),
    request_body(content = Option<RuleApproveBody>, description = "optional: which version"),
    responses(
        (status = 200, description = "Active now; the version it replaced is retired", body = RuleChangeView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule or version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not proposed (already active or retired), or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn approve_rule(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<RuleChangeView>, ApiError> {
    user.require(Role::Admin)?;
    let id: RuleId = parse_id(&id, RuleId::ENTITY)?;
    // The body is optional: empty approves the newest version.
    let version = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<RuleApproveBody>(&body)
            .map_err(|e| Error::invalid(format!("the body is not a valid approval: {e}")))?
            .version
    };
    Ok(Json(state.engine.learning().approve(id, version).await?.into()))
}

#[utoipa::path(
    post,
    path = "/learning/rules/{id}/retire",
    tag = "learning",
    params(("id" = String, Path, description = "rule id (UUID)")),
    responses(
        (status = 200, description = "Its active version (or open proposal) is retired", body = RuleChangeView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing active or proposed to retire", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn retire_rule(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<RuleChangeView>, ApiError> {
    user.require(Role::Admin)?;
    let id: RuleId = parse_id(&id, RuleId::ENTITY)?;
    Ok(Json(state.engine.learning().retire(id).await?.into()))
}

#[utoipa::path(
    post,
    path = "/learning/rules/{id}/rollback",
    tag = "learning",
    params(("id" = String, Path, description = "rule id (UUID)")),
    responses(
        (status = 200, description = "The active version is retired and the one active before it is active again", body = RuleChangeView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing active, or no earlier version to roll back to", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn rollback_rule(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<RuleChangeView>, ApiError> {
    user.require(Role::Admin)?;
    let id: RuleId = parse_id(&id, RuleId::ENTITY)?;
    Ok(Json(state.engine.learning().rollback(id).await?.into()))
}

#[utoipa::path(
    post,
    path = "/learning/run",
    tag = "learning",
    responses(
        (status = 200, description = "Mined now: the edits read, the saves rebuilt, the rules proposed", body = MiningRun),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn run_mining(user: AuthUser, State(state): State<AppState>) -> Result<Json<MiningRun>, ApiError> {
    user.require(Role::Admin)?;
    Ok(Json(state.engine.learning().run_mining().await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BestTimeQuery {
    platform: String,
}

/// The next slot for a post: `slot`, `best_publish_time`, `predicted_engagement`
/// (`engagement_rate`, `lower`, `upper`, `credible_mass`, `posts`, `from_prior`, `expected_engagements`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BestTimeView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    recommendation: growth_core::learn::Recommendation,
}

#[utoipa::path(
    get,
    path = "/learning/best-time",
    tag = "learning",
    params(("platform" = String, Query, description = "`linkedin`, `customer_io`, `webflow` …")),
    responses(
        (status = 200, description = "The slot picked by Thompson sampling over past posts' engagement per impression", body = BestTimeView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad platform", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn best_time(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<BestTimeQuery>,
) -> Result<Json<BestTimeView>, ApiError> {
    user.require(Role::Approver)?;
    let platform: growth_core::domain::Platform =
        q.platform.parse().map_err(|_| Error::invalid_field("platform", format!("`{}` is not a platform", q.platform)))?;
    Ok(Json(BestTimeView { recommendation: state.engine.learning().best_time(platform).await? }))
}

/// `POST /icp-profiles/extract`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct IcpExtractBody {
    /// The call's source id (its transcript is read).
    source_id: String,
}

/// The profile as stored, what was extracted (every item with `quote` and `speaker`), and the
/// objections as recorded (a known one has its frequency bumped).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ExtractionView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    extraction: IcpExtraction,
}

#[utoipa::path(
    post,
    path = "/icp-profiles/extract",
    tag = "knowledge",
    request_body = IcpExtractBody,
    responses(
        (status = 200, description = "`profile` (stored, indexed), `extracted` (items with quotes and speakers), `objections` (as stored)", body = ExtractionView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such source", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The source has no transcript, or one without speakers (the `field` says)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn extract_icp(
    user: AuthUser,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<IcpExtractBody>,
) -> Result<Json<ExtractionView>, ApiError> {
    user.require(Role::Approver)?;
    let id: SourceId = parse_id(&body.source_id, SourceId::ENTITY)?;
    Ok(Json(ExtractionView { extraction: state.engine.learning().extract_icp(id).await? }))
}
