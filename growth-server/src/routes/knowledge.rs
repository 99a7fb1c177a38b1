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
    IcpProfile, IcpProfileId, IcpSource, KnowledgeId, KnowledgeItem, KnowledgeItemType, NewIcpProfile, NewKnowledgeItem, Role,
};
use growth_core::knowledge::{IndexReport, KindFilter, Retrieved};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, parse_id};
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

const MAX_TITLE: usize = 500;
const MAX_CONTENT: usize = 1_000_000;
const MAX_LIST_ENTRY: usize = 2_000;
const MAX_LIST_LEN: usize = 200;

fn report_json(r: &IndexReport) -> Value {
    json!({ "chunks": r.chunks, "embedded": r.embedded, "unchanged": r.unchanged, "deleted": r.deleted })
}

fn with_index(mut v: Value, r: &IndexReport) -> Value {
    v["index"] = report_json(r);
    v
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| Error::internal("serializing a response", e).into())
}

fn created(location: String, body: Value) -> Response {
    (StatusCode::CREATED, [(header::LOCATION, location)], Json(body)).into_response()
}

// ---------- knowledge items ----------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct KnowledgeBody {
    #[schema(value_type = String, example = "playbook")]
    item_type: KnowledgeItemType,
    title: String,
    content: String,
    #[serde(default)]
    metadata: Option<Value>,
}

impl KnowledgeBody {
    fn validate(self) -> Result<NewKnowledgeItem, ApiError> {
        let title = self.title.trim().to_owned();
        if title.is_empty() || title.chars().count() > MAX_TITLE {
            return Err(Error::invalid_field("title", format!("between 1 and {MAX_TITLE} characters")).into());
        }
        if self.content.trim().is_empty() {
            return Err(Error::invalid_field("content", "the content is empty").into());
        }
        if self.content.len() > MAX_CONTENT {
            return Err(Error::invalid_field("content", format!("at most {MAX_CONTENT} bytes")).into());
        }
        let metadata = self.metadata.unwrap_or_else(|| json!({}));
        if !metadata.is_object() {
            return Err(Error::invalid_field("metadata", "must be a JSON object").into());
        }
        Ok(NewKnowledgeItem { item_type: self.item_type, title, content: self.content, metadata })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeQuery {
    #[serde(default, rename = "type")]
    item_type: Option<KnowledgeItemType>,
}

#[utoipa::path(
    get,
    path = "/knowledge",
    tag = "knowledge",
    params(
        ("type" = Option<String>, Query, description = "only this item type (`playbook`, `example_post`, `framework`, …)"),
    ),
    responses(
        (status = 200, description = r#"`{"items": [...]}`"#, body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_knowledge(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<KnowledgeQuery>,
) -> Result<Json<Value>, ApiError> {
    user.require(Role::Viewer)?;
    let items = state.store.list_knowledge(q.item_type).await?;
    Ok(Json(json!({ "items": items, "total": items.len() })))
}

#[utoipa::path(
    get,
    path = "/knowledge/{id}",
    tag = "knowledge",
    params(
        ("id" = String, Path, description = "knowledge item id (UUID)"),
    ),
    responses(
        (status = 200, description = "The knowledge item", body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_knowledge(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<KnowledgeItem>, ApiError> {
    user.require(Role::Viewer)?;
    let id: KnowledgeId = parse_id(&id, "knowledge item")?;
    Ok(Json(state.store.get_knowledge(id).await?))
}

#[utoipa::path(
    post,
    path = "/knowledge",
    tag = "knowledge",
    request_body = KnowledgeBody,
    responses(
        (status = 201, description = r#"Created and indexed (`"index": {"chunks", "embedded", "unchanged", "deleted"}`)"#, body = Object),
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
    let new = body.validate()?;
    let item = state.store.create_knowledge(new).await?;
    match state.indexer.index_knowledge_item(&item).await {
        Ok(report) => {
            let item = state.store.get_knowledge(item.id).await?;
            Ok(created(format!("/knowledge/{}", item.id), with_index(to_value(&item)?, &report)))
        }
        Err(e) => {
            // Undo: an item that is not searchable must not look saved.
            if let Err(undo) = state.indexer.remove_knowledge_item(item.id).await {
                tracing::warn!(error = %undo, id = %item.id, "removing the vectors of a knowledge item that failed to index");
            }
            if let Err(undo) = state.store.delete_knowledge(item.id).await {
                tracing::warn!(error = %undo, id = %item.id, "removing a knowledge item that failed to index");
            }
            Err(e.into())
        }
    }
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
        (status = 200, description = "Replaced and re-indexed", body = Object),
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
) -> Result<Json<Value>, ApiError> {
    user.require(Role::Approver)?;
    let id: KnowledgeId = parse_id(&id, "knowledge item")?;
    let new = body.validate()?;
    let item = state.store.update_knowledge(id, new).await?;
    let report = state.indexer.index_knowledge_item(&item).await?;
    let item = state.store.get_knowledge(id).await?;
    Ok(Json(with_index(to_value(&item)?, &report)))
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
    state.store.get_knowledge(id).await?;
    state.indexer.remove_knowledge_item(id).await?;
    state.store.delete_knowledge(id).await?;
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

fn retrieved_json(r: &Retrieved) -> Value {
    json!({
        "item_id": r.item_id,
        "kind": r.kind.as_str(),
        "title": r.title,
        "text": r.text,
        "score": r.score,
        "metadata": r.metadata,
    })
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
        (status = 200, description = r#"`{"results": [{"item_id", "kind", "title", "text", "score", "metadata"}]}`"#, body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn search(user: AuthUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<SearchQuery>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Viewer)?;
    let top_k = q.top_k.unwrap_or(5);
    if !(1..=50).contains(&top_k) {
        return Err(Error::invalid_field("top_k", "between 1 and 50").into());
    }
    let kind = q.kind.as_deref().map(kind_filter).transpose()?;
    let results = state.retriever.retrieve(&q.q, kind, top_k).await?;
    Ok(Json(json!({ "query": q.q, "results": results.iter().map(retrieved_json).collect::<Vec<_>>() })))
}

// ---------- ICP profiles ----------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct IcpBody {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
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

fn clean_list(field: &'static str, list: Vec<String>) -> Result<Vec<String>, ApiError> {
    if list.len() > MAX_LIST_LEN {
        return Err(Error::invalid_field(field, format!("at most {MAX_LIST_LEN} entries")).into());
    }
    let out: Vec<String> = list.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    if out.iter().any(|s| s.chars().count() > MAX_LIST_ENTRY) {
        return Err(Error::invalid_field(field, format!("entries of at most {MAX_LIST_ENTRY} characters")).into());
    }
    Ok(out)
}

impl IcpBody {
    fn validate(self) -> Result<NewIcpProfile, ApiError> {
        let p = NewIcpProfile {
            source: self.source.unwrap_or(IcpSource::Manual),
            source_id: self.source_id,
            pain_points: clean_list("pain_points", self.pain_points)?,
            language_patterns: clean_list("language_patterns", self.language_patterns)?,
            objections: clean_list("objections", self.objections)?,
            goals: clean_list("goals", self.goals)?,
            role: self.role.filter(|s| !s.trim().is_empty()),
            company_size: self.company_size.filter(|s| !s.trim().is_empty()),
            industry: self.industry.filter(|s| !s.trim().is_empty()),
        };
        if p.pain_points.is_empty() && p.language_patterns.is_empty() && p.objections.is_empty() && p.goals.is_empty() && p.role.is_none() {
            return Err(
                Error::invalid_field("pain_points", "a profile needs at least one pain point, phrase, objection, goal or role").into()
            );
        }
        Ok(p)
    }
}

#[utoipa::path(
    get,
    path = "/icp-profiles",
    tag = "knowledge",
    responses(
        (status = 200, description = r#"`{"profiles": [...]}`"#, body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_icp(user: AuthUser, State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Viewer)?;
    let profiles = state.store.list_icp_profiles().await?;
    Ok(Json(json!({ "profiles": profiles, "total": profiles.len() })))
}

#[utoipa::path(
    get,
    path = "/icp-profiles/{id}",
    tag = "knowledge",
    params(
        ("id" = String, Path, description = "ICP profile id (UUID)"),
    ),
    responses(
        (status = 200, description = "The ICP profile", body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_icp(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<IcpProfile>, ApiError> {
    user.require(Role::Viewer)?;
    let id: IcpProfileId = parse_id(&id, "ICP profile")?;
    Ok(Json(state.store.get_icp_profile(id).await?))
}

#[utoipa::path(
    post,
    path = "/icp-profiles",
    tag = "knowledge",
    request_body = IcpBody,
    responses(
        (status = 201, description = "Created and indexed", body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_icp(user: AuthUser, State(state): State<AppState>, ApiJson(body): ApiJson<IcpBody>) -> Result<Response, ApiError> {
    user.require(Role::Approver)?;
    let new = body.validate()?;
    let profile = state.store.create_icp_profile(new).await?;
    match state.indexer.index_icp_profile(&profile).await {
        Ok(report) => {
            let profile = state.store.get_icp_profile(profile.id).await?;
            Ok(created(format!("/icp-profiles/{}", profile.id), with_index(to_value(&profile)?, &report)))
        }
        Err(e) => {
            if let Err(undo) = state.indexer.remove_icp_profile(profile.id).await {
                tracing::warn!(error = %undo, id = %profile.id, "removing the vectors of an ICP profile that failed to index");
            }
            if let Err(undo) = state.store.delete_icp_profile(profile.id).await {
                tracing::warn!(error = %undo, id = %profile.id, "removing an ICP profile that failed to index");
            }
            Err(e.into())
        }
    }
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
        (status = 200, description = "Replaced and re-indexed", body = Object),
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
) -> Result<Json<Value>, ApiError> {
    user.require(Role::Approver)?;
    let id: IcpProfileId = parse_id(&id, "ICP profile")?;
    let new = body.validate()?;
    let profile = state.store.update_icp_profile(id, new).await?;
    let report = state.indexer.index_icp_profile(&profile).await?;
    let profile = state.store.get_icp_profile(id).await?;
    Ok(Json(with_index(to_value(&profile)?, &report)))
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
    state.store.get_icp_profile(id).await?;
    state.indexer.remove_icp_profile(id).await?;
    state.store.delete_icp_profile(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------- objections ----------

#[utoipa::path(
    get,
    path = "/objections",
    tag = "knowledge",
    responses(
        (status = 200, description = r#"`{"objections": [...]}`, most frequent first"#, body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_objections(user: AuthUser, State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Viewer)?;
    let objections = state.store.list_objections().await?;
    Ok(Json(json!({ "objections": objections, "total": objections.len() })))
}
