//! The API's OpenAPI 3.1 description, built from the handlers' `#[utoipa::path]` annotations, at
//! `GET /openapi.json`, and Swagger UI at `/docs` — served from files compiled into the binary
//! (`utoipa-swagger-ui`'s `vendored` feature), so the page loads no script from a CDN.
//!
//! Handlers that answer `serde_json::Value` are described by the small schemas below; keep them in
//! step with the `json!` the handler builds.

use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::Value;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Object, Required, Type};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;
use uuid::Uuid;

use crate::error::Problem;
use crate::state::AppState;

/// `GET /openapi.json` and Swagger UI at `/docs`.
pub(crate) fn router() -> Router<AppState> {
    SwaggerUi::new("/docs").url("/openapi.json", openapi()).into()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "growth",
        description = "The growth content engine's API: sources and knowledge in, reviewed and scheduled content out. \
                       Errors are RFC 9457 problem details (`application/problem+json`)."
    ),
    security(("bearer" = [])),
    modifiers(&BearerAuth),
    components(schemas(Problem)),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Sign-in, sessions and invites"),
        (name = "users", description = "Users (admins only)"),
        (name = "webhooks", description = "Inbound platform webhooks (shared token)"),
        (name = "sources", description = "Transcripts and uploads"),
        (name = "knowledge", description = "Knowledge base, ICP profiles, objections"),
        (name = "quality", description = "Quality gates"),
        (name = "generate", description = "Bundle generation"),
        (name = "content", description = "The review workflow"),
        (name = "publish", description = "Publishing and schedules"),
    )
)]
struct ApiDoc;

/// The `bearer` security scheme: the access token from `POST /auth/login`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The whole description: every resource's paths merged.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        super::health::HealthApi::openapi(),
        super::auth::AuthApi::openapi(),
        super::users::UsersApi::openapi(),
        WebhooksApi::openapi(),
        super::sources::SourcesApi::openapi(),
        super::knowledge::KnowledgeApi::openapi(),
        super::quality::QualityApi::openapi(),
        super::generate::GenerateApi::openapi(),
        super::content::ContentApi::openapi(),
        super::publish::PublishApi::openapi(),
        MetricsApi::openapi(),
    ] {
        doc.merge(part);
    }
    // Each webhook also takes its token as the last path segment (the form Grain's `hook_url` takes).
    for platform in ["grain", "riverside"] {
        let Some(mut item) = doc.paths.paths.get(&format!("/webhooks/{platform}")).cloned() else { continue };
        if let Some(op) = item.post.as_mut() {
            op.operation_id = op.operation_id.as_ref().map(|id| format!("{id}_with_token"));
            op.parameters.get_or_insert_with(Vec::new).push(
                ParameterBuilder::new()
                    .name("token")
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .description(Some("the webhook's shared token"))
                    .schema(Some(Object::with_type(Type::String)))
                    .build()
                    .into(),
            );
        }
        doc.paths.paths.insert(format!("/webhooks/{platform}/{{token}}"), item);
    }
    doc
}

#[derive(OpenApi)]
#[openapi(paths(metrics))]
struct MetricsApi;

// The webhook handlers take their path token as `Option<Path<String>>`, which utoipa's axum
// extractor detection cannot read, so they are described here.
#[derive(OpenApi)]
#[openapi(paths(grain_webhook, riverside_webhook))]
struct WebhooksApi;

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

/// Prometheus metrics (text format): requests by method, route template and status, latency
/// histogram, jobs and publishing outcomes.
#[utoipa::path(get, path = "/metrics", tag = "health", security(()),
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain")))]
#[allow(dead_code, reason = "documents crate::middleware::metrics's route; only its __path_ type is used")]
async fn metrics() {}

// ---------- shared answer shapes ----------

/// A user, without secrets.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct UserOut {
    id: Uuid,
    email: String,
    /// `viewer`, `approver` or `admin`.
    role: String,
    full_name: Option<String>,
}

/// `POST /auth/login` and `POST /auth/accept-invite`: a new sign-in.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct LoginResponse {
    /// Bearer token for `Authorization` (short-lived; `auth.access_ttl_secs`).
    access_token: String,
    /// Exchange at `POST /auth/refresh`; each one works once.
    refresh_token: String,
    user: UserOut,
}

/// `POST /auth/refresh`: a new pair in the same sign-in.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct TokenPair {
    access_token: String,
    refresh_token: String,
}

/// `GET /users`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct UserList {
    /// Each user also carries `auth_provider` and `created_at`.
    users: Vec<UserOut>,
}

/// `POST /users/invite`: the invite token is shown once.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct InviteResponse {
    user: UserOut,
    invite_token: String,
    expires_at: DateTime<Utc>,
}

/// `GET /health`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct Health {
    #[schema(example = "ok")]
    status: String,
    version: String,
}

/// `GET /ready`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct Ready {
    /// `ready` or `unavailable`.
    status: String,
    /// `sqlite` or `postgres`.
    database: String,
    detail: Option<String>,
}

/// A Grain delivery: the PRD's shape or Grain's own (`{"type": "recording_added", "data": {"id", "title"}}`).
#[derive(ToSchema)]
#[schema(example = json!({"event": "recording_ready", "recording_id": "rec-1", "title": "Kickoff", "transcript_url": "https://grain.com/t/rec-1"}))]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
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
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct RiversideDelivery {
    /// `episode_published`; other events are acknowledged and ignored.
    event: String,
    episode_id: Option<String>,
    title: Option<String>,
    audio_url: Option<String>,
    /// An inline transcript, when the delivery has one.
    transcript: Option<String>,
}

/// A webhook's answer.
#[derive(ToSchema)]
#[schema(example = json!({"status": "received", "job_id": "0190c9f2-7a1b-7c3d-8e4f-5a6b7c8d9e0f"}))]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct WebhookAck {
    /// `received` (an ingestion job exists; a redelivery answers the same job) or `ignored`.
    status: String,
    job_id: Option<Uuid>,
}

/// One item in review.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct PendingItem {
    id: Uuid,
    /// `linkedin_post`, `pre_interview`, `post_publish`, `newsletter`, `blog_post`.
    content_type: String,
    title: Option<String>,
    content: String,
    icp_score: Option<i32>,
    ai_detection_score: Option<f64>,
    flagged: bool,
    predicted_engagement: Option<Value>,
    scheduled_time: Option<DateTime<Utc>>,
    status: String,
    version: i32,
}

/// The items generated from one source.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct PendingBundle {
    /// The source's id (null for items without a source).
    id: Option<Uuid>,
    source_type: Option<String>,
    source_title: Option<String>,
    items: Vec<PendingItem>,
    total_items: usize,
}

/// `GET /content/pending` (with an `ETag`; `If-None-Match` gets a 304).
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct PendingResponse {
    bundles: Vec<PendingBundle>,
    total_pending: usize,
    total_bundles: usize,
    limit: usize,
    offset: u32,
}

/// `PATCH /content/{id}` (with the new `ETag`).
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct PatchResponse {
    id: Uuid,
    title: Option<String>,
    content: String,
    version: i32,
    updated_at: DateTime<Utc>,
}

/// `POST /content/{id}/approve`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct ApproveResponse {
    #[schema(example = "approved")]
    status: String,
    scheduled_for: DateTime<Utc>,
    schedule_id: Uuid,
    platform: String,
    content_status: String,
}

/// `POST /content/{id}/reject`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct RejectResponse {
    #[schema(example = "rejected")]
    status: String,
}

/// One item scheduled by a bulk approval.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct ScheduledItem {
    id: Uuid,
    content_type: String,
    schedule_id: Uuid,
    platform: String,
    scheduled_for: DateTime<Utc>,
}

/// `POST /content/bulk-approve`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct BulkApproveResponse {
    approved: usize,
    scheduled_items: Vec<ScheduledItem>,
}

/// `POST /generate/podcast`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct GenerateAccepted {
    job_id: Uuid,
    #[schema(example = "processing")]
    status: String,
    estimated_time_seconds: u64,
}

/// `GET /generate/status/{job_id}`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct GenerationStatus {
    job_id: Uuid,
    /// `processing`, `completed` or `failed`.
    status: String,
    /// 0–100.
    progress: i32,
    /// The pieces saved so far: `{"id", "content_type", "status", …}`.
    generated_items: Vec<Value>,
    source_id: Option<Uuid>,
    attempts: i32,
    /// Tokens and `estimated_cost_usd`, once known.
    usage: Option<Value>,
    /// Why it failed (or why the last attempt did).
    error: Option<String>,
}

/// `POST /publish/{content_id}`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct PublishResponse {
    /// `published` (the platform took it within the request) or `scheduled`.
    status: String,
    schedule_id: Uuid,
    scheduled_for: DateTime<Utc>,
    platform: String,
    published_url: Option<String>,
    schedule_status: String,
    error: Option<String>,
}

/// Early engagement of a published post.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct EarlyMetrics {
    likes: i64,
    comments: i64,
    shares: i64,
    impressions: i64,
}

/// `GET /publish/status/{schedule_id}`.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct PublishStatus {
    /// `pending`, `claimed`, `published`, `failed`, `unknown`, `cancelled`.
    status: String,
    schedule_id: Uuid,
    content_item_id: Uuid,
    platform: String,
    /// How it publishes: the platform's API or the outbox.
    via: Option<String>,
    scheduled_for: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    published_url: Option<String>,
    platform_post_id: Option<String>,
    retry_count: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    error: Option<String>,
    early_metrics: Option<EarlyMetrics>,
}

/// Cancel, reschedule and reconcile answers.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI description only")]
pub(crate) struct ScheduleChange {
    status: String,
    schedule_id: Uuid,
    scheduled_for: Option<DateTime<Utc>>,
    published_url: Option<String>,
}
