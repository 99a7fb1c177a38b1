//! Inbound webhooks: `POST /webhooks/grain` and `POST /webhooks/riverside` (PRD §3.6).
//!
//! Neither platform signs its deliveries, so each webhook requires a shared token — in the path
//! (`/webhooks/grain/<token>`, the form Grain's `hook_url` takes), a `?token=` query, or an
//! `X-Growth-Webhook-Token` header — compared in constant time. A missing or wrong token is 401;
//! an unconfigured webhook refuses everything. A recording event enqueues an `ingest_source` job
//! and answers `{"status": "received", "job_id": …}`; a redelivery of the same recording answers
//! with the same job and creates nothing. Other events (including Grain's reachability test when a
//! hook is created) are acknowledged with `{"status": "ignored"}` so the platform stops retrying.
//!
//! Payloads are read by the platform's ingestor (`growth_adapters::grain`, `…::riverside`): the
//! PRD's (`{"event": "recording_ready", "recording_id", "title"}`, `{"event": "episode_published",
//! "episode_id", "title"}`) and Grain's documented delivery (`{"type": "recording_added", "data":
//! {"id", "title", …}}`). Nothing inline (a transcript, say) is trusted: the job fetches the
//! recording through the platform's API, so a platform without credentials answers 503.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use growth_core::domain::JobId;
use growth_core::ingest::WebhookReceipt;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::error::Problem;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/grain", post(grain))
        .route("/webhooks/grain/{token}", post(grain))
        .route("/webhooks/riverside", post(riverside))
        .route("/webhooks/riverside/{token}", post(riverside))
}

/// Which webhook.
#[derive(Clone, Copy)]
enum Platform {
    Grain,
    Riverside,
}

impl Platform {
    fn name(self) -> &'static str {
        match self {
            Platform::Grain => "grain",
            Platform::Riverside => "riverside",
        }
    }

    fn secret(self, state: &AppState) -> Option<&SecretString> {
        match self {
            Platform::Grain => state.settings.webhooks.grain_token.as_ref(),
            Platform::Riverside => state.settings.webhooks.riverside_token.as_ref(),
        }
    }
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated", detail)
}

/// Checks the presented token against the configured one in constant time.
fn authenticate(
    platform: Platform,
    state: &AppState,
    path: Option<&str>,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let Some(secret) = platform.secret(state) else {
        tracing::warn!(webhook = platform.name(), "delivery refused: no webhook token is configured");
        return Err(unauthorized("this webhook is not enabled"));
    };
    let presented = path
        .map(str::to_owned)
        .or_else(|| query.get("token").cloned())
        .or_else(|| headers.get("x-growth-webhook-token").and_then(|v| v.to_str().ok()).map(str::to_owned));
    let Some(presented) = presented else { return Err(unauthorized("missing webhook token")) };
    let expected = secret.expose_secret().as_bytes();
    if expected.is_empty() || !bool::from(presented.as_bytes().ct_eq(expected)) {
        tracing::warn!(webhook = platform.name(), "delivery refused: wrong token");
        return Err(unauthorized("invalid webhook token"));
    }
    Ok(())
}

/// What a delivery asks for, when it asks for an ingestion.
/// A webhook's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"status": "received", "job_id": "0190c9f2-7a1b-7c3d-8e4f-5a6b7c8d9e0f"}))]
pub(crate) struct WebhookAck {
    /// `received` (an ingestion job exists; a redelivery answers the same job) or `ignored`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<JobId>,
}

async fn receive(
    platform: Platform,
    state: AppState,
    path: Option<String>,
    query: HashMap<String, String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAck>, ApiError> {
    authenticate(platform, &state, path.as_deref(), &query, &headers)?;
    let json: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", format!("the body is not valid JSON: {e}"))
    })?;
    if !json.is_object() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", "the body must be a JSON object"));
    }
    match state.engine.receive_webhook(platform.name(), &body).await {
        Ok(WebhookReceipt::Received { job_id, .. }) => Ok(Json(WebhookAck { status: "received", job_id: Some(job_id) })),
        Ok(WebhookReceipt::Ignored) => Ok(Json(WebhookAck { status: "ignored", job_id: None })),
        // No credentials to fetch the recording with: the platform retries later (after they are set).
        Err(growth_core::Error::Config(message)) => {
            tracing::warn!(webhook = platform.name(), %message, "delivery refused: the platform is not configured");
            Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not-configured", "Not configured", message))
        }
        Err(e) => Err(e.into()),
    }
}

// Each handler serves both forms of its route: `/webhooks/<platform>` (token in the query or a
// header) and `/webhooks/<platform>/<token>`.
async fn grain(
    State(s): State<AppState>,
    token: Option<Path<String>>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAck>, ApiError> {
    receive(Platform::Grain, s, token.map(|Path(t)| t), q, h, body).await
}

async fn riverside(
    State(s): State<AppState>,
    token: Option<Path<String>>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAck>, ApiError> {
    receive(Platform::Riverside, s, token.map(|Path(t)| t), q, h, body).await
}

// The webhook handlers take their path token as `Option<Path<String>>`, which utoipa's axum
// extractor detection cannot read, so they are described here.
#[derive(OpenApi)]
#[openapi(paths(grain_webhook, riverside_webhook))]
pub(crate) struct WebhooksApi;

/// A Grain delivery: a recording event enqueues an `ingest_source` job (a redelivery answers the
/// same job); other events are acknowledged and ignored.
#[utoipa::path(post, path = "/webhooks/grain", tag = "webhooks", operation_id = "grain_webhook", security(()),
    params(
        ("token" = Option<String>, Query, description = "the shared token (or the `X-Growth-Webhook-Token` header, or the path form)"),
        ("X-Growth-Webhook-Token" = Option<String>, Header, description = "the shared token"),
    ),
    request_body = GrainDelivery,
    responses(
        (status = 200, description = "Received (with the ingestion's `job_id`) or ignored", body = WebhookAck),
        (status = 400, description = "Not a JSON object", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong token, or the webhook is not enabled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A recording event without its id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code, reason = "documents webhooks::grain; only its __path_ type is used")]
async fn grain_webhook() {}

/// A Riverside delivery: `episode_published` enqueues an `ingest_source` job (a redelivery answers
/// the same job); other events are acknowledged and ignored.
#[utoipa::path(post, path = "/webhooks/riverside", tag = "webhooks", operation_id = "riverside_webhook", security(()),
    params(
        ("token" = Option<String>, Query, description = "the shared token (or the `X-Growth-Webhook-Token` header, or the path form)"),
        ("X-Growth-Webhook-Token" = Option<String>, Header, description = "the shared token"),
    ),
    request_body = RiversideDelivery,
    responses(
        (status = 200, description = "Received (with the ingestion's `job_id`) or ignored", body = WebhookAck),
        (status = 400, description = "Not a JSON object", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong token, or the webhook is not enabled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An episode event without its id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code, reason = "documents webhooks::riverside; only its __path_ type is used")]
async fn riverside_webhook() {}

/// A Grain delivery: the PRD's shape or Grain's own (`{"type": "recording_added", "data": {"id", "title"}}`).
#[derive(ToSchema)]
#[schema(example = json!({"event": "recording_ready", "recording_id": "rec-1", "title": "Kickoff", "transcript_url": "https://grain.com/t/rec-1"}))]
#[allow(dead_code, reason = "documents the inbound shape; the handler reads raw bytes through the ingestor")]
pub(crate) struct GrainDelivery {
    /// `recording_ready` (PRD); other events are acknowledged and ignored.
    event: Option<String>,
    /// `recording_added` (Grain's delivery).
    r#type: Option<String>,
    recording_id: Option<String>,
    title: Option<String>,
    transcript_url: Option<String>,
    /// Grain's delivery: `{"id", "title", …}`.
    data: Option<Value>,
}

/// A Riverside delivery.
#[derive(ToSchema)]
#[schema(example = json!({"event": "episode_published", "episode_id": "ep-9", "title": "Pricing", "audio_url": "https://riverside.fm/a.mp3"}))]
#[allow(dead_code, reason = "documents the inbound shape; the handler reads raw bytes through the ingestor")]
pub(crate) struct RiversideDelivery {
    /// `episode_published`; other events are acknowledged and ignored.
    event: String,
    episode_id: Option<String>,
    title: Option<String>,
    audio_url: Option<String>,
    /// An inline transcript, when the delivery has one.
    transcript: Option<String>,
}
