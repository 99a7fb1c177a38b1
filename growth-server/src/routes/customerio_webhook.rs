//! `POST /webhooks/customerio`: Customer.io reporting webhooks (newsletter delivery events).
//!
//! Each delivery must carry `X-CIO-Timestamp` and `X-CIO-Signature` =
//! `hex(HMAC-SHA256(analytics.customerio_signing_key, "v0:<timestamp>:<raw body>"))`, with the
//! timestamp within `analytics.customerio_tolerance_secs` of now: a forged, unsigned or stale
//! delivery is 401 and writes nothing; with no key configured every delivery is refused. Email
//! events are counted into the numbers once per event id (Customer.io retries), matched by
//! `trigger_id` to the newsletter post; other events are acknowledged and ignored.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use growth_adapters::customerio::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, parse_reporting_webhook, verify_signature};
use growth_core::measure::EmailReceipt;

use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/webhooks/customerio", post(receive))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(receive))]
pub(crate) struct CustomerIoWebhookApi;

fn unauthorized(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated", detail)
}

#[utoipa::path(
    post,
    path = "/webhooks/customerio",
    operation_id = "customerio_reporting_webhook",
    tag = "webhooks",
    security(()),
    params(
        ("X-CIO-Timestamp" = String, Header, description = "Unix seconds"),
        ("X-CIO-Signature" = String, Header, description = "hex HMAC-SHA256 over `v0:<timestamp>:<body>`"),
    ),
    request_body(content = Object, description = "One reporting event or an array of them"),
    responses(
        (status = 200, description = "Counted (duplicates and events of unknown issues are reported, not counted)", body = EmailReceipt),
        (status = 400, description = "Not a reporting webhook body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unsigned, forged or stale", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Json<EmailReceipt>, ApiError> {
    let a = &state.settings.analytics;
    let Some(key) = &a.customerio_signing_key else {
        tracing::warn!(webhook = "customerio", "delivery refused: no signing key is configured");
        return Err(unauthorized("this webhook is not enabled"));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (ts, sig) = (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER));
    if ts.is_empty() || sig.is_empty() {
        return Err(unauthorized("missing X-CIO-Timestamp or X-CIO-Signature"));
    }
    let now = state.engine.clock().now();
    if let Err(e) = verify_signature(key, &ts, &sig, &body, now, std::time::Duration::from_secs(a.customerio_tolerance_secs)) {
        tracing::warn!(webhook = "customerio", reason = %e, "delivery refused");
        return Err(match e {
            growth_core::Error::Unauthenticated(m) => unauthorized(m),
            other => other.into(),
        });
    }
    let delivery = parse_reporting_webhook(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed-webhook", "Malformed webhook", e.to_string()))?;
    let receipt = state.engine.measure().record_email_events(&delivery.events).await?;
    tracing::info!(
        actor = "webhook:customerio",
        recorded = receipt.recorded,
        duplicates = receipt.duplicates,
        unmatched = receipt.unmatched,
        ignored = delivery.ignored.len(),
        "reporting webhook accepted"
    );
    Ok(Json(receipt))
}
