//! `POST /generate/podcast` and `GET /generate/status/{job_id}` (PRD §3.3).
//!
//! The request names the source one of three ways: `"source_type": "source_id"` with an existing
//! source's id, `"text"` with a pasted transcript, or a platform (`"riverside_url"`, `"grain_url"`,
//! `"gemini_url"`, or the bare names) with the recording's URL or id in `source_data`.
//! `generate_types` picks pieces (`linkedin_post`, `pre_interview`, `post_publish`, `newsletter`,
//! `blog`/`blog_post`); all of them when absent. The answer is 202 with the job; the status shows
//! `processing` (with progress 0–100 and the pieces saved so far), `completed` or `failed`
//! (with the reason), plus tokens and the estimated cost.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use growth_core::Error;
use growth_core::domain::{JobId, Role};
use growth_core::generate::{GenerationAccepted, GenerationStatus};
use growth_core::jobs::SourceRef;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/generate/podcast", post(generate)).route("/generate/status/{job_id}", get(status))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(generate, status))]
pub(crate) struct GenerateApi;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct GenerateRequest {
    /// `source_id`, `text`, or a platform: `riverside_url`, `grain_url`, `gemini_url` (or the bare names).
    source_type: String,
    /// The source's id, the pasted transcript, or the recording's URL or id.
    source_data: String,
    /// `linkedin_post`, `pre_interview`, `post_publish`, `newsletter`, `blog`/`blog_post`; all when absent.
    #[serde(default)]
    generate_types: Option<Vec<String>>,
    #[serde(default)]
    title: Option<String>,
}

/// The source a request names.
fn source_ref(req: &GenerateRequest) -> Result<SourceRef, ApiError> {
    let data = req.source_data.trim();
    if data.is_empty() {
        return Err(Error::invalid_field("source_data", "empty").into());
    }
    Ok(match req.source_type.as_str() {
        "source_id" => SourceRef::Existing { source_id: parse_id(data, "source")? },
        "text" | "transcript" => SourceRef::Text { text: data.to_owned(), title: req.title.clone() },
        other => {
            let platform = other.trim_end_matches("_url");
            if !["riverside", "grain", "gemini"].contains(&platform) {
                return Err(Error::invalid_field(
                    "source_type",
                    format!("`{other}` is not one of source_id, text, riverside_url, grain_url, gemini_url"),
                )
                .into());
            }
            SourceRef::Recording { platform: platform.to_owned(), reference: data.to_owned() }
        }
    })
}

#[utoipa::path(
    post,
    path = "/generate/podcast",
    operation_id = "generate_podcast",
    tag = "generate",
    request_body = GenerateRequest,
    responses(
        (status = 202, description = "Queued", body = GenerationAccepted),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The source is not completed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn generate(
    user: AuthUser,
    State(state): State<AppState>,
    ApiJson(req): ApiJson<GenerateRequest>,
) -> Result<(StatusCode, Json<GenerationAccepted>), ApiError> {
    user.require(Role::Approver)?;
    let generation = state.engine.generation();
    let plan = generation.plan_for(req.generate_types.as_deref())?;
    let source = source_ref(&req)?;
    let accepted = generation.request(source, Some(plan)).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

#[utoipa::path(
    get,
    path = "/generate/status/{job_id}",
    operation_id = "generation_status",
    tag = "generate",
    params(
        ("job_id" = String, Path, description = "generation job id (UUID)"),
    ),
    responses(
        (status = 200, description = "Progress, the pieces saved so far, usage and cost", body = GenerationStatus),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn status(user: AuthUser, State(state): State<AppState>, Path(job_id): Path<String>) -> Result<Json<GenerationStatus>, ApiError> {
    user.require(Role::Viewer)?;
    let id: JobId = parse_id(&job_id, "generation job")?;
    Ok(Json(state.engine.generation().status(id).await?))
}
