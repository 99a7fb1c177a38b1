//! CORS from `http.cors_origins`: no list, no CORS headers. Tokens travel in the `Authorization`
//! header, never in cookies, so credentials are never allowed — which is also what makes `"*"` safe.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const WEBHOOK_TOKEN: HeaderName = HeaderName::from_static("x-growth-webhook-token");

/// The CORS layer for `origins` (exact origins such as `https://app.example.com`, or `"*"`), or
/// `None` when the list is empty.
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o.trim() == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o.trim().trim_end_matches('/')).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
                REQUEST_ID,
                WEBHOOK_TOKEN,
            ])
            .expose_headers([header::ETAG, header::RETRY_AFTER, REQUEST_ID])
            .max_age(Duration::from_secs(600)),
    )
}
