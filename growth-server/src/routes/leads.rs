//! `POST /leads`: a lead or conversion, from an approver or from an automation (a form handler,
//! n8n) presenting `analytics.leads_token` in `X-Growth-Webhook-Token`.
//!
//! Body: `{email, url | utm, kind: website_visit | lead_signup | demo_request | purchase,
//! revenue_usd?, occurred_at?, event_id?}`. The URL's `utm_content` (the content item id the
//! publish-time tagging put on every link) attributes it. A second delivery of the same event
//! (same `event_id`, or the same fields) answers `"created": false` and counts once.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use growth_core::domain::Role;
use growth_core::measure::{LeadInput, LeadReceipt};

use crate::auth::AuthUser;
use crate::auth::webhook::token_matches;
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/leads", post(record))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(record))]
pub(crate) struct LeadsApi;

/// Who may post: a token holder (the automation) or an approver.
async fn authorize(state: &AppState, headers: &HeaderMap, parts: &mut Parts) -> Result<String, ApiError> {
    if let Some(presented) = headers.get("x-growth-webhook-token") {
        let Some(token) = &state.settings.analytics.leads_token else {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated", "no leads token is configured"));
        };
        if !token_matches(presented.to_str().unwrap_or_default(), &[token]) {
            tracing::warn!("lead refused: wrong token");
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated", "invalid leads token"));
        }
        return Ok("webhook:leads".to_owned());
    }
    let user = <AuthUser as axum::extract::FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
    user.require(Role::Approver)?;
    Ok(format!("user:{}", user.id))
}

#[utoipa::path(
    post,
    path = "/leads",
    operation_id = "record_lead",
    tag = "analytics",
    request_body = LeadInput,
    security(("bearer" = []), ()),
    responses(
        (status = 200, description = "Recorded (`created: false` for a redelivery), attributed when its UTM names an item", body = LeadReceipt),
        (status = 401, description = "No valid bearer token or leads token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn record(State(state): State<AppState>, mut parts: Parts, ApiJson(body): ApiJson<LeadInput>) -> Result<Json<LeadReceipt>, ApiError> {
    let headers = parts.headers.clone();
    let actor = authorize(&state, &headers, &mut parts).await?;
    let receipt = state.engine.measure().record_lead(body).await?;
    tracing::info!(%actor, lead = %receipt.lead.id, kind = %receipt.event.kind, attributed = ?receipt.event.content_item_id, new = receipt.created, "lead recorded");
    Ok(Json(receipt))
}
