//! The HTTP API, one router per resource.

mod auth;
mod content;
mod docs;
mod generate;
mod health;
mod knowledge;
mod publish;
mod quality;
mod sources;
mod users;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::limit::RequestBodyLimitLayer;

pub use docs::openapi;

use crate::error::ApiError;
use crate::state::AppState;

/// Every route, with a problem+json 404 for anything else. Bodies are capped at
/// `http.body_limit_bytes`, except uploads to `POST /sources` (`http.upload_limit_bytes`).
pub fn router(state: AppState) -> Router {
    let http = state.settings.http.clone();
    let api = Router::new()
        .merge(health::router())
        .merge(webhooks::router())
        .merge(auth::router())
        .merge(sources::router())
        .merge(knowledge::router())
        .merge(quality::router())
        .merge(generate::router())
        .merge(content::router())
        .merge(publish::router())
        .merge(users::router())
        .merge(crate::middleware::metrics::router())
        .merge(docs::router())
        .layer(DefaultBodyLimit::max(http.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(http.body_limit_bytes));
    let uploads = sources::upload_router()
        .layer(DefaultBodyLimit::max(http.upload_limit_bytes))
        .layer(RequestBodyLimitLayer::new(http.upload_limit_bytes));
    api.merge(uploads).fallback(|| async { ApiError::not_found("no such route") }).with_state(state)
}
