//! The knowledge base (playbooks, example posts, frameworks, the character diamond), ICP
//! profiles, objections, and retrieval over all of them.
//!
//! | route | role |
//! |---|---|
//! | `GET /knowledge[?type=]`, `GET /knowledge/{id}` | viewer |
//! | `POST /knowledge`, `PUT /knowledge/{id}`, `DELETE /knowledge/{id}` | approver |
//! | `GET /knowledge/search?q=&kind=&top_k=` | viewer |
//! | `GET /icp-profiles`, `GET /icp-profiles/{id}` | viewer |
//! | `POST /icp-profiles`, `PUT /icp-profiles/{id}`, `DELETE /icp-profiles/{id}` | approver |
//! | `GET /objections` | viewer |
//!
//! A write answers once the item is stored **and** indexed (its chunks embedded and stored): a
//! create whose indexing fails is undone and answers the error; re-saving unchanged text does not
//! call the embedder again. A delete removes the vectors first, then the row.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use growth_core::Error;
use growth_core::domain::{
    IcpProfile, IcpProfileId, IcpSource, KnowledgeId, KnowledgeItem, KnowledgeItemType, NewIcpProfile, NewKnowledgeItem, Objection, Role,
};
use growth_core::knowledge::{IndexReport, KindFilter, Retrieved};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, PageQuery, page_limit, page_of, parse_id};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/knowledge", get(list_knowledge).post(create_knowledge))
        .route("/knowledge/search", get(search))
        .route("/knowledge/{id}", get(get_knowledge).put(update_knowledge).delete(delete_knowledge))
        .route("/icp-profiles", get(list_icp).post(create_icp))
        .route("/icp-profiles/{id}", get(get_icp).put(update_icp).delete(delete_icp))
        .route("/objections", get(list_objections))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_knowledge,
    search,
    get_knowledge,
    create_knowledge,
    update_knowledge,
    delete_knowledge,
    list_icp,
    get_icp,
    create_icp,
    update_icp,
    delete_icp,
    list_objections
))]
pub(crate) struct KnowledgeApi;

/// What indexing a write did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct IndexSummary {
    /// Chunks the item has now.
    chunks: usize,
    /// Chunks embedded and stored by this write.
    embedded: usize,
    /// Chunks already stored with the same text, left alone.
    unchanged: usize,
    /// Stale chunks deleted.
    deleted: usize,
}

impl From<IndexReport> for IndexSummary {
    fn from(r: IndexReport) -> Self {
        Self { chunks: r.chunks, embedded: r.embedded, unchanged: r.unchanged, deleted: r.deleted }
    }
}

/// A knowledge item just written, with what indexing did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct IndexedItem {
    #[serde(flatten)]
    item: KnowledgeItem,
    index: IndexSummary,
}

/// An ICP profile just written, with what indexing did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct IndexedProfile {
    #[serde(flatten)]
    profile: IcpProfile,
    index: IndexSummary,
}

fn created<T: Serialize>(location: String, body: T) -> Response {
    (StatusCode::CREATED, [(header::LOCATION, location)], Json(body)).into_response()
}

// ---------- knowledge items ----------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct KnowledgeBody {
    #[schema(example = "playbook")]
    item_type: KnowledgeItemType,
    title: String,
    content: String,
    #[serde(default)]
    metadata: Option<Value>,
}

impl From<KnowledgeBody> for NewKnowledgeItem {
    fn from(b: KnowledgeBody) -> Self {
        NewKnowledgeItem { item_type: b.item_type, title: b.title, content: b.content, metadata: b.metadata.unwrap_or(Value::Null) }
    }
}

/// `GET /knowledge`: one page, and how many items match in all.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct KnowledgeList {
    items: Vec<KnowledgeItem>,
    total: usize,
    limit: u32,
    offset: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeQuery {
    #[serde(default, rename = "type")]
    item_type: Option<KnowledgeItemType>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

#[utoipa::path(
    get,
    path = "/knowledge",
    tag = "knowledge",
    params(
        ("type" = Option<String>, Query, description = "only this item type (`playbook`, `example_post`, `framework`, …)"),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 200 (default 50; anything else is a 422)"),
        ("offset" = Option<u32>, Query, description = "items to skip"),
    ),
    responses(
        (status = 200, description = "Knowledge items, oldest first", body = KnowledgeList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_knowledge(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<KnowledgeQuery>,
) -> Result<Json<KnowledgeList>, ApiError> {
    user.require(Role::Viewer)?;
    let limit = page_limit(q.limit, 50, 200)?;
    // A knowledge base is hundreds of items, not millions: paged here, counted in full.
    let items = state.engine.knowledge().items(q.item_type).await?;
    let total = items.len();
    let items = page_of(items, limit, q.offset);
    Ok(Json(KnowledgeList { items, total, limit, offset: q.offset }))
}

#[utoipa::path(
    get,
    path = "/knowledge/{id}",
    tag = "knowledge",
    params(
        ("id" = String, Path, description = "knowledge item id (UUID)"),
    ),
    responses(
        (status = 200, description = "The knowledge item", body = KnowledgeItem),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_knowledge(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<KnowledgeItem>, ApiError> {
    user.require(Role::Viewer)?;
    let id: KnowledgeId = parse_id(&id, "knowledge item")?;
    Ok(Json(state.engine.knowledge().item(id).await?))
}

#[utoipa::path(
    post,
    path = "/knowledge",
    tag = "knowledge",
    request_body = KnowledgeBody,
    responses(
        (status = 201, description = "Created and indexed", body = IndexedItem),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_knowledge(
    user: AuthUser,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<KnowledgeBody>,
) -> Result<Response, ApiError> {
    user.require(Role::Approver)?;
    let (item, report) = state.engine.knowledge().create_item(body.into()).await?;
    Ok(created(format!("/knowledge/{}", item.id), IndexedItem { item, index: report.into() }))
}

#[utoipa::path(
    put,
    path = "/knowledge/{id}",
    tag = "knowledge",
    params(
        ("id" = String, Path, description = "knowledge item id (UUID)"),
    ),
    request_body = KnowledgeBody,
    responses(
        (status = 200, description = "Replaced and re-indexed", body = IndexedItem),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn update_knowledge(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<KnowledgeBody>,
) -> Result<Json<IndexedItem>, ApiError> {
    user.require(Role::Approver)?;
    let id: KnowledgeId = parse_id(&id, "knowledge item")?;
    let (item, report) = state.engine.knowledge().update_item(id, body.into()).await?;
    Ok(Json(IndexedItem { item, index: report.into() }))
}

#[utoipa::path(
    delete,
    path = "/knowledge/{id}",
    tag = "knowledge",
    params(
        ("id" = String, Path, description = "knowledge item id (UUID)"),
    ),
    responses(
        (status = 204, description = "Deleted with its vectors"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn delete_knowledge(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    user.require(Role::Approver)?;
    let id: KnowledgeId = parse_id(&id, "knowledge item")?;
    state.engine.knowledge().delete_item(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------- retrieval ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: String,
    /// `knowledge`, `icp`, `transcript`, or a knowledge item type (`playbook` …); comma-separated
    /// item types are allowed. Unset: everything.
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    top_k: Option<usize>,
}

fn kind_filter(raw: &str) -> Result<KindFilter, ApiError> {
    match raw.trim() {
        "knowledge" => Ok(KindFilter::Knowledge),
        "icp" => Ok(KindFilter::Icp),
        "transcript" | "transcripts" | "sources" => Ok(KindFilter::Transcript),
        types => {
            let parsed = types
                .split(',')
                .map(|t| t.trim().parse::<KnowledgeItemType>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ApiError::from(Error::invalid_field("kind", format!("{e}; or one of knowledge, icp, transcript"))))?;
            Ok(KindFilter::Types(parsed))
        }
    }
}

/// One search result: an item closest to the query.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchHit {
    /// The item's id (knowledge item, ICP profile or source).
    item_id: String,
    /// `knowledge`, `icp` or `transcript`.
    kind: &'static str,
    title: String,
    /// The best-matching chunk.
    text: String,
    /// Cosine similarity.
    score: f32,
    metadata: std::collections::BTreeMap<String, Value>,
}

impl From<Retrieved> for SearchHit {
    fn from(r: Retrieved) -> Self {
        Self { item_id: r.item_id, kind: r.kind.as_str(), title: r.title, text: r.text, score: r.score, metadata: r.metadata }
    }
}

/// `GET /knowledge/search`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchResponse {
    query: String,
    results: Vec<SearchHit>,
}

#[utoipa::path(
    get,
    path = "/knowledge/search",
    operation_id = "search_knowledge",
    tag = "knowledge",
    params(
        ("q" = String, Query, description = "what to look for"),
        ("kind" = Option<String>, Query, description = "`knowledge`, `icp`, `transcript` or item types, comma-separated"),
        ("top_k" = Option<usize>, Query, description = "how many results"),
    ),
    responses(
        (status = 200, description = "The closest items, best first", body = SearchResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn search(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResponse>, ApiError> {
    user.require(Role::Viewer)?;
    let kind = q.kind.as_deref().map(kind_filter).transpose()?;
    let results = state.engine.knowledge().search(&q.q, kind, q.top_k.unwrap_or(5)).await?;
    Ok(Json(SearchResponse { query: q.q, results: results.into_iter().map(SearchHit::from).collect() }))
}

// ---------- ICP profiles ----------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct IcpBody {
    #[serde(default)]
    source: Option<IcpSource>,
    #[serde(default)]
    source_id: Option<String>,
    #[serde(default)]
    pain_points: Vec<String>,
    #[serde(default)]
    language_patterns: Vec<String>,
    #[serde(default)]
    objections: Vec<String>,
    #[serde(default)]
    goals: Vec<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    company_size: Option<String>,
    #[serde(default)]
    industry: Option<String>,
}

impl From<IcpBody> for NewIcpProfile {
    fn from(b: IcpBody) -> Self {
        NewIcpProfile {
            source: b.source.unwrap_or(IcpSource::Manual),
            source_id: b.source_id,
            pain_points: b.pain_points,
            language_patterns: b.language_patterns,
            objections: b.objections,
            goals: b.goals,
            role: b.role,
            company_size: b.company_size,
            industry: b.industry,
        }
    }
}

/// `GET /icp-profiles`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ProfileList {
    profiles: Vec<IcpProfile>,
    /// Profiles in all.
    total: usize,
    limit: u32,
    offset: u32,
}

#[utoipa::path(
    get,
    path = "/icp-profiles",
    tag = "knowledge",
    params(
        ("limit" = Option<u32>, Query, description = "page size, 1 to 200 (default 50; anything else is a 422)"),
        ("offset" = Option<u32>, Query, description = "items to skip"),
    ),
    responses(
        (status = 200, description = "ICP profiles, oldest first", body = ProfileList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_icp(user: AuthUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<PageQuery>) -> Result<Json<ProfileList>, ApiError> {
    user.require(Role::Viewer)?;
    let limit = page_limit(q.limit, 50, 200)?;
    let profiles = state.engine.knowledge().profiles().await?;
    Ok(Json(ProfileList { total: profiles.len(), profiles: page_of(profiles, limit, q.offset), limit, offset: q.offset }))
}

#[utoipa::path(
    get,
    path = "/icp-profiles/{id}",
    tag = "knowledge",
    params(
        ("id" = String, Path, description = "ICP profile id (UUID)"),
    ),
    responses(
        (status = 200, description = "The ICP profile", body = IcpProfile),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_icp(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<IcpProfile>, ApiError> {
    user.require(Role::Viewer)?;
    let id: IcpProfileId = parse_id(&id, "ICP profile")?;
    Ok(Json(state.engine.knowledge().profile(id).await?))
}

#[utoipa::path(
    post,
    path = "/icp-profiles",
    tag = "knowledge",
    request_body = IcpBody,
    responses(
        (status = 201, description = "Created and indexed", body = IndexedProfile),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_icp(user: AuthUser, State(state): State<AppState>, ApiJson(body): ApiJson<IcpBody>) -> Result<Response, ApiError> {
    user.require(Role::Approver)?;
    let (profile, report) = state.engine.knowledge().create_profile(body.into()).await?;
    Ok(created(format!("/icp-profiles/{}", profile.id), IndexedProfile { profile, index: report.into() }))
}

#[utoipa::path(
    put,
    path = "/icp-profiles/{id}",
    tag = "knowledge",
    params(
        ("id" = String, Path, description = "ICP profile id (UUID)"),
    ),
    request_body = IcpBody,
    responses(
        (status = 200, description = "Replaced and re-indexed", body = IndexedProfile),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn update_icp(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<IcpBody>,
) -> Result<Json<IndexedProfile>, ApiError> {
    user.require(Role::Approver)?;
    let id: IcpProfileId = parse_id(&id, "ICP profile")?;
    let (profile, report) = state.engine.knowledge().update_profile(id, body.into()).await?;
    Ok(Json(IndexedProfile { profile, index: report.into() }))
}

#[utoipa::path(
    delete,
    path = "/icp-profiles/{id}",
    tag = "knowledge",
    params(
        ("id" = String, Path, description = "ICP profile id (UUID)"),
    ),
    responses(
        (status = 204, description = "Deleted with its vectors"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn delete_icp(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    user.require(Role::Approver)?;
    let id: IcpProfileId = parse_id(&id, "ICP profile")?;
    state.engine.knowledge().delete_profile(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------- objections ----------

/// `GET /objections`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ObjectionList {
    objections: Vec<Objection>,
    /// Objections in all.
    total: usize,
    limit: u32,
    offset: u32,
}

#[utoipa::path(
    get,
    path = "/objections",
    tag = "knowledge",
    params(
        ("limit" = Option<u32>, Query, description = "page size, 1 to 200 (default 50; anything else is a 422)"),
        ("offset" = Option<u32>, Query, description = "items to skip"),
    ),
    responses(
        (status = 200, description = "Objections, most frequent first", body = ObjectionList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_objections(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ObjectionList>, ApiError> {
    user.require(Role::Viewer)?;
    let limit = page_limit(q.limit, 50, 200)?;
    let objections = state.engine.knowledge().objections().await?;
    Ok(Json(ObjectionList { total: objections.len(), objections: page_of(objections, limit, q.offset), limit, offset: q.offset }))
}
