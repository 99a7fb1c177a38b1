//! Inbound webhooks: `POST /webhooks/grain` and `POST /webhooks/riverside` (PRD §3.6).
//!
//! Neither platform signs its deliveries, so each webhook is authenticated with a shared token
//! (`webhooks.<platform>_token`, plus `<platform>_tokens` during a rotation), in the order:
//! 1. `X-Growth-Signature: t=<unix>,v1=<hex>` — HMAC-SHA256 under a token over `<t>.<raw body>`,
//!    `t` within `webhooks.signature_tolerance_secs` — what a relay forwarding the platform's
//!    events can send ([`crate::auth::webhook`]); the token never travels;
//! 2. the token in `X-Growth-Webhook-Token`;
//! 3. the token in the path (`/webhooks/grain/<token>`, the only form Grain's `hook_url` can take)
//!    or in `?token=` — accepted, but logged as deprecated: proxies log paths and queries.
//!
//! `webhooks.require_signature` refuses all but the first. Comparisons are constant-time. A
//! missing, wrong or stale credential is 401; a webhook with no token refuses everything. Every
//! accepted delivery is logged with the platform as the actor and counted
//! (`growth_state_changes_total{action="webhook_received"}`). A recording event enqueues an `ingest_source` job
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
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::auth::webhook::{token_matches, verify_signature};
use crate::error::{ApiError, Problem};
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
}

/// How a delivery proved it knows the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Credential {
    Signature,
    Header,
    Path,
    Query,
}

impl Credential {
    fn name(self) -> &'static str {
        match self {
            Credential::Signature => "signature",
            Credential::Header => "header",
            Credential::Path => "path",
            Credential::Query => "query",
        }
    }
}

fn unauthorized(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated", detail)
}

/// Checks the delivery's credential (the first present of: signature, header token, path token,
/// query token) against every token configured for the platform.
fn authenticate(
    platform: Platform,
    state: &AppState,
    path: Option<&str>,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Credential, ApiError> {
    let hooks = &state.settings.webhooks;
    let tokens = hooks.tokens(platform.name());
    let webhook = platform.name();
    if tokens.is_empty() {
        tracing::warn!(webhook, "delivery refused: no webhook token is configured");
        return Err(unauthorized("this webhook is not enabled"));
    }
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or_default());
    if let Some(signature) = header("x-growth-signature") {
        let now = state.engine.clock().now().timestamp();
        return match verify_signature(signature, body, &tokens, now, hooks.signature_tolerance_secs) {
            Ok(()) => Ok(Credential::Signature),
            Err(why) => {
                tracing::warn!(webhook, reason = %why, "delivery refused: bad signature");
                Err(unauthorized(format!("invalid webhook signature: {why}")))
            }
        };
    }
    if hooks.require_signature {
        tracing::warn!(webhook, "delivery refused: unsigned, and webhooks.require_signature is set");
        return Err(unauthorized("this webhook accepts signed deliveries only (X-Growth-Signature)"));
    }
    let (credential, presented) = match (header("x-growth-webhook-token"), path, query.get("token")) {
        (Some(h), _, _) => (Credential::Header, h),
        (None, Some(p), _) => (Credential::Path, p),
        (None, None, Some(q)) => (Credential::Query, q.as_str()),
        (None, None, None) => return Err(unauthorized("missing webhook token (send X-Growth-Webhook-Token, or sign the delivery)")),
    };
    if !token_matches(presented, &tokens) {
        tracing::warn!(webhook, credential = credential.name(), "delivery refused: wrong token");
        return Err(unauthorized("invalid webhook token"));
    }
    if matches!(credential, Credential::Path | Credential::Query) {
        tracing::warn!(
            webhook,
            credential = credential.name(),
            "deprecated: the webhook token came in the URL, which proxies log; send it in X-Growth-Webhook-Token or sign the delivery"
        );
    }
    Ok(credential)
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
    let credential = authenticate(platform, &state, path.as_deref(), &query, &headers, &body)?;
    let json: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", format!("the body is not valid JSON: {e}"))
    })?;
    if !json.is_object() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", "the body must be a JSON object"));
    }
    match state.engine.receive_webhook(platform.name(), &body).await {
        Ok(WebhookReceipt::Received { job_id, created }) => {
            tracing::info!(actor = %format!("webhook:{}", platform.name()), credential = credential.name(), job = %job_id, new = created, "webhook delivery accepted");
            if created {
                growth_core::telemetry::count_change("webhook_received", 1);
            }
            Ok(Json(WebhookAck { status: "received", job_id: Some(job_id) }))
        }
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
        ("X-Growth-Signature" = Option<String>, Header, description = "`t=<unix>,v1=<hex HMAC-SHA256 under the token of \"<t>.<raw body>\">` (preferred)"),
        ("X-Growth-Webhook-Token" = Option<String>, Header, description = "the shared token"),
        ("token" = Option<String>, Query, description = "the shared token (deprecated: proxies log queries)"),
    ),
    request_body = GrainDelivery,
    responses(
        (status = 200, description = "Received (with the ingestion's `job_id`) or ignored", body = WebhookAck),
        (status = 400, description = "Not a JSON object", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, wrong or stale signature or token, or the webhook is not enabled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A recording event without its id", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code, reason = "documents webhooks::grain; only its __path_ type is used")]
async fn grain_webhook() {}

/// A Riverside delivery: `episode_published` enqueues an `ingest_source` job (a redelivery answers
/// the same job); other events are acknowledged and ignored.
#[utoipa::path(post, path = "/webhooks/riverside", tag = "webhooks", operation_id = "riverside_webhook", security(()),
    params(
        ("X-Growth-Signature" = Option<String>, Header, description = "`t=<unix>,v1=<hex HMAC-SHA256 under the token of \"<t>.<raw body>\">` (preferred)"),
        ("X-Growth-Webhook-Token" = Option<String>, Header, description = "the shared token"),
        ("token" = Option<String>, Query, description = "the shared token (deprecated: proxies log queries)"),
    ),
    request_body = RiversideDelivery,
    responses(
        (status = 200, description = "Received (with the ingestion's `job_id`) or ignored", body = WebhookAck),
        (status = 400, description = "Not a JSON object", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, wrong or stale signature or token, or the webhook is not enabled", body = Problem, content_type = "application/problem+json"),
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
