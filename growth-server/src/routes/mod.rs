//! The HTTP API, one router per resource.

mod auth;
mod health;
mod webhooks;

use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// Every route, with a problem+json 404 for anything else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(webhooks::router())
        .merge(auth::router())
        .fallback(|| async { ApiError::not_found("no such route") })
        .with_state(state)
}
