//! Liveness and readiness.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::Serialize;

use crate::state::AppState;

/// `GET /health` (the process is up) and `GET /ready` (the database answers).
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/health", get(health)).route("/ready", get(ready))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(health, ready))]
pub(crate) struct HealthApi;

#[utoipa::path(
    get,
    path = "/health",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The process is up", body = Health),
    ),
)]
async fn health() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

#[utoipa::path(
    get,
    path = "/ready",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The database answers", body = Ready),
        (status = 503, description = "The database does not answer", body = Ready),
    ),
)]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Ready>) {
    let database = state.engine.store().backend();
    let unavailable = |detail| (StatusCode::SERVICE_UNAVAILABLE, Json(Ready { status: "unavailable", database, detail: Some(detail) }));
    match tokio::time::timeout(std::time::Duration::from_secs(3), state.engine.store().ping()).await {
        Ok(Ok(())) => (StatusCode::OK, Json(Ready { status: "ready", database, detail: None })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            unavailable("the database does not answer")
        }
        Err(_) => unavailable("the database did not answer within 3 s"),
    }
}

/// `GET /health`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    #[schema(example = "ok")]
    status: &'static str,
    version: &'static str,
}

/// `GET /ready`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Ready {
    /// `ready` or `unavailable`.
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'static str>,
}
