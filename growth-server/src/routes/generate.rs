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
use growth_core::domain::{ContentType, JobId, JobKind, JobStatus, NewJob, Role, SourceStatus};
use growth_core::prompt::BundlePlan;
use serde::Deserialize;
use serde_json::{Value, json};

use super::docs::{GenerateAccepted, GenerationStatus};
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
    source_type: String,
    source_data: String,
    #[serde(default)]
    generate_types: Option<Vec<String>>,
    #[serde(default)]
    title: Option<String>,
}

const PLATFORMS: [&str; 3] = ["riverside", "grain", "gemini"];

fn plan_for(types: Option<&[String]>, default: BundlePlan) -> Result<BundlePlan, ApiError> {
    let Some(types) = types else { return Ok(default) };
    if types.is_empty() {
        return Err(Error::invalid_field("generate_types", "ask for at least one type, or leave it out for all").into());
    }
    let mut plan = BundlePlan { linkedin_posts: 0, pre_interview: 0, post_publish: 0, newsletter: 0, blog_post: 0 };
    for t in types {
        let t: ContentType = if t == "blog" {
            ContentType::BlogPost
        } else {
            t.parse().map_err(|e: Error| ApiError::from(Error::invalid_field("generate_types", e.to_string())))?
        };
        match t {
            ContentType::LinkedinPost => plan.linkedin_posts = default.linkedin_posts.max(1),
            ContentType::PreInterview => plan.pre_interview = default.pre_interview.max(1),
            ContentType::PostPublish => plan.post_publish = default.post_publish.max(1),
            ContentType::Newsletter => plan.newsletter = default.newsletter.max(1),
            ContentType::BlogPost => plan.blog_post = default.blog_post.max(1),
        }
    }
    Ok(plan)
}

#[utoipa::path(
    post,
    path = "/generate/podcast",
    operation_id = "generate_podcast",
    tag = "generate",
    request_body = GenerateRequest,
    responses(
        (status = 202, description = "Queued", body = GenerateAccepted),
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
) -> Result<(StatusCode, Json<Value>), ApiError> {
    user.require(Role::Approver)?;
    let plan = plan_for(req.generate_types.as_deref(), state.settings.generation.plan)?;
    let data = req.source_data.trim();
    if data.is_empty() {
        return Err(Error::invalid_field("source_data", "empty").into());
    }
    let mut payload = json!({ "plan": plan, "requested_by": user.id, "title": req.title });
    match req.source_type.as_str() {
        "source_id" => {
            let source = state.store.get_source(parse_id(data, "source")?).await?;
            if source.status != SourceStatus::Completed {
                return Err(Error::conflict(format!(
                    "source {} is {}; only a completed source can be written from",
                    source.id, source.status
                ))
                .into());
            }
            payload["source_id"] = json!(source.id);
        }
        "text" | "transcript" => {
            payload["source_type"] = json!("text");
            payload["source_data"] = json!(data);
        }
        other => {
            let platform = other.trim_end_matches("_url");
            if !PLATFORMS.contains(&platform) {
                return Err(Error::invalid_field(
                    "source_type",
                    format!("`{other}` is not one of source_id, text, riverside_url, grain_url, gemini_url"),
                )
                .into());
            }
            payload["source_type"] = json!(platform);
            payload["source_data"] = json!(data);
        }
    }
    let kind = JobKind::new(JobKind::GENERATE_BUNDLE).map_err(ApiError::from)?;
    let job = state.store.enqueue(NewJob::new(kind, payload)).await?.value;
    let calls = plan.items().len() as u64;
    let rounds = calls.div_ceil(state.settings.generation.concurrency.max(1) as u64);
    let estimate = match state.settings.generation.provider {
        crate::config::GeneratorProvider::Extractive => 5,
        crate::config::GeneratorProvider::Claude => 15 + 45 * rounds * (1 + u64::from(state.settings.generation.max_rewrites.min(1))),
    };
    tracing::info!(job_id = %job.id, pieces = plan.total(), "bundle generation queued");
    Ok((StatusCode::ACCEPTED, Json(json!({ "job_id": job.id, "status": "processing", "estimated_time_seconds": estimate }))))
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
async fn status(user: AuthUser, State(state): State<AppState>, Path(job_id): Path<String>) -> Result<Json<Value>, ApiError> {
    user.require(Role::Viewer)?;
    let id: JobId = parse_id(&job_id, "generation job")?;
    let job = state.store.get_job(id).await?;
    if job.kind.as_str() != JobKind::GENERATE_BUNDLE {
        return Err(Error::not_found("generation job", id).into());
    }
    let status = match job.status {
        JobStatus::Succeeded => "completed",
        JobStatus::Failed | JobStatus::Dead => "failed",
        JobStatus::Queued | JobStatus::Running => "processing",
    };
    let result = job.result.clone().unwrap_or(Value::Null);
    let mut body = json!({
        "job_id": job.id,
        "status": status,
        "progress": if status == "completed" { 100 } else { job.progress },
        "generated_items": result.get("generated_items").cloned().unwrap_or_else(|| json!([])),
        "source_id": result.get("source_id").cloned().unwrap_or(Value::Null),
        "attempts": job.attempts,
    });
    if let Some(usage) = result.get("usage") {
        body["usage"] = usage.clone();
    }
    if status != "completed"
        && let Some(e) = &job.last_error
    {
        body["error"] = json!(e);
    }
    Ok(Json(body))
}
