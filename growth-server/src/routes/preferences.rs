//! CIPHER-style preferences learned from reviewers' edits, and "write content that answers this
//! objection".
//!
//! | route | role |
//! |---|---|
//! | `GET /learning/preferences[?content_type=]`: every learned preference, oldest first | admin |
//! | `PATCH /learning/preferences/{id}` (`{"preference": "…"}`): rewrite one | admin |
//! | `DELETE /learning/preferences/{id}`: forget one (204) | admin |
//! | `POST /objections/{id}/generate` (`{"content_types": ["linkedin_post"]}` optional): 202 with a job id; poll `GET /generate/status/{job_id}` | approver |
//!
//! Preferences are learned only when a language model is configured (each edit enqueues a
//! `learn.preference` job); offline the list stays empty unless preferences were learned before.
//! The pieces written for an objection are linked back to it when the job finishes
//! (`content_generated`, `content_item_ids` in `GET /objections`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use growth_core::domain::{ContentType, ObjectionId, Role};
use growth_core::generate::GenerationAccepted;
use growth_core::learn::PreferenceRecord;
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, optional_json, page_limit, page_of, parse_id};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/learning/preferences", get(list_preferences))
        .route("/learning/preferences/{id}", axum::routing::patch(edit_preference).delete(delete_preference))
        .route("/objections/{id}/generate", post(generate_for_objection))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_preferences, edit_preference, delete_preference, generate_for_objection))]
pub(crate) struct PreferencesApi;

/// A learned preference: the phrase, where it was learned, and the size of its context embedding.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PreferenceView {
    /// Id.
    id: String,
    /// The type of the piece it was learned from.
    #[schema(value_type = String)]
    content_type: ContentType,
    /// That piece, when it still exists.
    content_item_id: Option<String>,
    /// The preference, readable and editable.
    preference: String,
    /// Dimensions of the stored context embedding (the vector itself is not shown).
    context_dimensions: usize,
    /// When it was learned.
    created_at: DateTime<Utc>,
}

impl From<PreferenceRecord> for PreferenceView {
    fn from(r: PreferenceRecord) -> Self {
        Self {
            id: r.id.to_string(),
            content_type: r.content_type,
            content_item_id: r.content_item_id.map(|c| c.to_string()),
            preference: r.preference,
            context_dimensions: r.context_embedding.len(),
            created_at: r.created_at,
        }
    }
}

/// Learned preferences.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PreferenceList {
    preferences: Vec<PreferenceView>,
    /// Preferences in all.
    total: usize,
    limit: u32,
    offset: u32,
    /// Whether edits teach new preferences now (a language model is configured).
    learning: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreferencesQuery {
    #[serde(default)]
    content_type: Option<ContentType>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

#[utoipa::path(
    get,
    path = "/learning/preferences",
    tag = "learning",
    params(
        ("content_type" = Option<String>, Query, description = "Only preferences learned on this type"),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 200 (default 50; anything else is a 422)"),
        ("offset" = Option<u32>, Query, description = "preferences to skip"),
    ),
    responses(
        (status = 200, description = "Learned preferences, oldest first", body = PreferenceList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_preferences(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PreferencesQuery>,
) -> Result<Json<PreferenceList>, ApiError> {
    user.require(Role::Admin)?;
    let limit = page_limit(q.limit, 50, 200)?;
    let preferences = state.engine.preferences();
    let all = preferences.list(q.content_type).await?;
    let total = all.len();
    let list: Vec<PreferenceView> = page_of(all, limit, q.offset).into_iter().map(PreferenceView::from).collect();
    Ok(Json(PreferenceList { total, preferences: list, limit, offset: q.offset, learning: preferences.learns() }))
}

/// `PATCH /learning/preferences/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PreferenceEdit {
    /// The new phrase (not empty).
    preference: String,
}

#[utoipa::path(
    patch,
    path = "/learning/preferences/{id}",
    tag = "learning",
    request_body = PreferenceEdit,
    params(("id" = String, Path, description = "Preference id")),
    responses(
        (status = 200, description = "The preference as stored", body = PreferenceView),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such preference", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An empty preference", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn edit_preference(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PreferenceEdit>,
) -> Result<Json<PreferenceView>, ApiError> {
    user.require(Role::Admin)?;
    let id: uuid::Uuid = parse_id(&id, "preference")?;
    Ok(Json(state.engine.preferences().update(id, &body.preference).await?.into()))
}

#[utoipa::path(
    delete,
    path = "/learning/preferences/{id}",
    tag = "learning",
    params(("id" = String, Path, description = "Preference id")),
    responses(
        (status = 204, description = "Deleted: later generations no longer see it"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such preference", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn delete_preference(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    user.require(Role::Admin)?;
    let id: uuid::Uuid = parse_id(&id, "preference")?;
    state.engine.preferences().delete(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /objections/{id}/generate` (the body may be left out).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ObjectionGenerate {
    /// The types to write, one piece each (default: one LinkedIn post).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    content_types: Vec<ContentType>,
}

#[utoipa::path(
    post,
    path = "/objections/{id}/generate",
    tag = "knowledge",
    request_body(content = ObjectionGenerate, description = "Optional"),
    params(("id" = String, Path, description = "Objection id")),
    responses(
        (status = 202, description = "Queued; poll `GET /generate/status/{job_id}`. The pieces are linked to the objection when the job finishes", body = GenerationAccepted),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such objection", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown content type (the `field` says)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn generate_for_objection(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<GenerationAccepted>), ApiError> {
    user.require(Role::Approver)?;
    let id: ObjectionId = parse_id(&id, ObjectionId::ENTITY)?;
    let body: ObjectionGenerate = optional_json(&body)?;
    let accepted = state.engine.objection_content().request(id, body.content_types).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}
