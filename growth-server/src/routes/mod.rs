//! The HTTP API, one router per resource.

mod analytics;
pub(crate) mod auth;
pub(crate) mod content;
#[cfg(feature = "customerio")]
mod customerio_webhook;
mod docs;
mod generate;
mod health;
mod knowledge;
mod leads;
mod learning;
mod preferences;
mod publish;
mod quality;
pub(crate) mod sources;
mod users;
mod webhooks;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::{Layer, ServiceExt};
use tower_http::limit::RequestBodyLimitLayer;

pub use docs::openapi;

use crate::error::ApiError;
use crate::state::AppState;

/// Every route, with a problem+json 404 for anything else. Bodies are capped at
/// `http.body_limit_bytes`, except multipart uploads to `POST /sources` (`http.upload_limit_bytes`):
/// a JSON `POST /sources` (pasted text) gets the normal limit.
pub fn router(state: AppState) -> Router {
    let http = state.settings.http.clone();
    let api = Router::new()
        .merge(health::router())
        .merge(webhooks::router())
        .merge(auth::router())
        .merge(sources::router())
        .merge(knowledge::router())
        .merge(learning::router())
        .merge(quality::router())
        .merge(generate::router())
        .merge(content::router())
        .merge(publish::router())
        .merge(users::router())
        .merge(analytics::router())
        .merge(leads::router())
        .merge(preferences::router())
        .merge(crate::console::router());
    // Customer.io's reporting webhook needs the adapter's signature check.
    #[cfg(feature = "customerio")]
    let api = api.merge(customerio_webhook::router());
    let api = api
        .merge(crate::middleware::metrics::router())
        .merge(docs::router())
        .layer(DefaultBodyLimit::max(http.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(http.body_limit_bytes));
    let uploads = sources::upload_router()
        .merge(crate::console::upload_router())
        .layer(axum::middleware::from_fn_with_state(http.body_limit_bytes, body_limit_unless_multipart))
        .layer(DefaultBodyLimit::max(http.upload_limit_bytes))
        .layer(RequestBodyLimitLayer::new(http.upload_limit_bytes));
    api.merge(uploads).fallback(|| async { ApiError::not_found("no such route") }).with_state(state)
}

/// Inside the upload limit: a request that is not `multipart/form-data` gets `limit` (the normal
/// body limit) — refused at once when its `Content-Length` says it is larger, cut off by the
/// extractor reading it when its body turns out to be.
async fn body_limit_unless_multipart(State(limit): State<usize>, req: Request, next: Next) -> Response {
    if crate::middleware::problems::is_multipart(req.headers().get(header::CONTENT_TYPE)) {
        return next.run(req).await;
    }
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return ApiError::payload_too_large(limit).into_response();
    }
    // The extractors (`Json`, `Bytes`) read at most the limit this sets.
    match DefaultBodyLimit::max(limit).layer(next).oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}
