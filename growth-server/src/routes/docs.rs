//! The API's OpenAPI 3.1 description, built from the handlers' `#[utoipa::path]` annotations, at
//! `GET /openapi.json`, and Swagger UI at `/docs` — served from files compiled into the binary
//! (`utoipa-swagger-ui`'s `vendored` feature), so the page loads no script from a CDN.
//!
//! Every answer's schema comes from the type its handler returns (`#[derive(Serialize, ToSchema)]`
//! next to the handler); this file only assembles the parts.

use axum::Router;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Object, Required, Type};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

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
        (name = "learning", description = "Rules learned from reviewers' edits (admins only)"),
        (name = "quality", description = "Quality gates"),
        (name = "generate", description = "Bundle generation"),
        (name = "content", description = "The review workflow"),
        (name = "publish", description = "Publishing and schedules"),
        (name = "analytics", description = "Metrics, leads and attribution"),
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
        super::webhooks::WebhooksApi::openapi(),
        super::sources::SourcesApi::openapi(),
        super::knowledge::KnowledgeApi::openapi(),
        super::learning::LearningApi::openapi(),
        super::quality::QualityApi::openapi(),
        super::generate::GenerateApi::openapi(),
        super::content::ContentApi::openapi(),
        super::publish::PublishApi::openapi(),
        super::analytics::AnalyticsApi::openapi(),
        super::leads::LeadsApi::openapi(),
        super::preferences::PreferencesApi::openapi(),
        MetricsApi::openapi(),
        #[cfg(feature = "customerio")]
        super::customerio_webhook::CustomerIoWebhookApi::openapi(),
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

/// Prometheus metrics (text format): requests by method, route template and status, latency
/// histogram, jobs and publishing outcomes.
#[utoipa::path(get, path = "/metrics", tag = "health", security(()),
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain")))]
#[allow(dead_code, reason = "documents crate::middleware::metrics's route; only its __path_ type is used")]
async fn metrics() {}
