//! `POST /quality/check`: the full quality report of a draft, for the live editor.
//!
//! Body `{"content", "content_type", "title"?}`; answers every gate's verdict, the findings with
//! byte spans into `content`, the AI-likeness and ICP scores and the ICP score's explained parts.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use growth_core::Error;
use growth_core::domain::{ContentType, Role};
use growth_core::quality::{DraftUnderReview, QualityReport};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/quality/check", post(check))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(check))]
pub(crate) struct QualityApi;

/// Drafts longer than this are refused (a blog post is well under it).
const MAX_CONTENT: usize = 200_000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    content: String,
    #[schema(value_type = String, example = "linkedin_post")]
    content_type: ContentType,
    #[serde(default)]
    title: Option<String>,
}

#[utoipa::path(
    post,
    path = "/quality/check",
    operation_id = "quality_check",
    tag = "quality",
    request_body = CheckRequest,
    responses(
        (status = 200, description = "Every gate's verdict with findings, `ai_detection_score`, `icp_score` and its explained parts", body = Object),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn check(
    user: AuthUser,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CheckRequest>,
) -> Result<Json<QualityReport>, ApiError> {
    user.require(Role::Viewer)?;
    if req.content.trim().is_empty() {
        return Err(Error::invalid_field("content", "the draft is empty").into());
    }
    if req.content.len() > MAX_CONTENT {
        return Err(Error::invalid_field("content", format!("at most {MAX_CONTENT} bytes")).into());
    }
    let draft = DraftUnderReview { content_type: req.content_type, title: req.title, content: req.content };
    Ok(Json(state.engine.quality().report(&draft).await?))
}
