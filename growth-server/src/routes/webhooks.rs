//! Inbound webhooks: `POST /webhooks/grain` and `POST /webhooks/riverside` (PRD §3.6).
//!
//! Neither platform signs its deliveries, so each webhook requires a shared token — in the path
//! (`/webhooks/grain/<token>`, the form Grain's `hook_url` takes), a `?token=` query, or an
//! `X-Growth-Webhook-Token` header — compared in constant time. A missing or wrong token is 401;
//! an unconfigured webhook refuses everything. A recording event enqueues an `ingest_source` job
//! and answers `{"status": "received", "job_id": …}`; a redelivery of the same recording answers
//! with the same job and creates nothing. Other events (including Grain's reachability test when a
//! hook is created) are acknowledged with `{"status": "ignored"}` so the platform stops retrying.
//!
//! Payloads accepted: the PRD's (`{"event": "recording_ready", "recording_id", "title",
//! "transcript_url"}`, `{"event": "episode_published", "episode_id", "title", "audio_url",
//! "transcript"}`) and Grain's documented delivery (`{"type": "recording_added", "data": {"id",
//! "title", …}}`).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Router, response::IntoResponse};
use growth_core::domain::{JobKind, NewJob};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
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

    fn secret(self, state: &AppState) -> Option<&SecretString> {
        match self {
            Platform::Grain => state.settings.webhooks.grain_token.as_ref(),
            Platform::Riverside => state.settings.webhooks.riverside_token.as_ref(),
        }
    }
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated", detail)
}

/// Checks the presented token against the configured one in constant time.
fn authenticate(
    platform: Platform,
    state: &AppState,
    path: Option<&str>,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let Some(secret) = platform.secret(state) else {
        tracing::warn!(webhook = platform.name(), "delivery refused: no webhook token is configured");
        return Err(unauthorized("this webhook is not enabled"));
    };
    let presented = path
        .map(str::to_owned)
        .or_else(|| query.get("token").cloned())
        .or_else(|| headers.get("x-growth-webhook-token").and_then(|v| v.to_str().ok()).map(str::to_owned));
    let Some(presented) = presented else { return Err(unauthorized("missing webhook token")) };
    let expected = secret.expose_secret().as_bytes();
    if expected.is_empty() || !bool::from(presented.as_bytes().ct_eq(expected)) {
        tracing::warn!(webhook = platform.name(), "delivery refused: wrong token");
        return Err(unauthorized("invalid webhook token"));
    }
    Ok(())
}

/// What a delivery asks for, when it asks for an ingestion.
#[derive(Debug, PartialEq)]
struct Recording {
    reference: String,
    title: Option<String>,
    payload: Value,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Reads a Grain delivery: `Ok(None)` for events that are not a new recording.
fn parse_grain(body: &Value) -> Result<Option<Recording>, ApiError> {
    let event = text(body, "event").or_else(|| text(body, "type")).unwrap_or_default();
    if !matches!(event.as_str(), "recording_ready" | "recording_added") {
        return Ok(None);
    }
    let data = body.get("data").filter(|d| d.is_object()).unwrap_or(body);
    let reference = text(data, "recording_id")
        .or_else(|| text(data, "id"))
        .ok_or_else(|| ApiError::from(growth_core::Error::invalid_field("recording_id", "a recording event must name its recording")))?;
    let title = text(data, "title");
    let payload = json!({
        "platform": "grain",
        "reference": reference,
        "title": title,
        "transcript_url": text(data, "transcript_url"),
    });
    Ok(Some(Recording { reference, title, payload }))
}

/// Reads a Riverside delivery: `Ok(None)` for events that are not a published episode.
fn parse_riverside(body: &Value) -> Result<Option<Recording>, ApiError> {
    if text(body, "event").as_deref() != Some("episode_published") {
        return Ok(None);
    }
    let reference = text(body, "episode_id")
        .ok_or_else(|| ApiError::from(growth_core::Error::invalid_field("episode_id", "an episode event must name its episode")))?;
    let title = text(body, "title");
    let payload = json!({
        "platform": "riverside",
        "reference": reference,
        "title": title,
        "audio_url": text(body, "audio_url"),
        "transcript": text(body, "transcript"),
    });
    Ok(Some(Recording { reference, title, payload }))
}

async fn receive(
    platform: Platform,
    state: AppState,
    path: Option<String>,
    query: HashMap<String, String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    authenticate(platform, &state, path.as_deref(), &query, &headers)?;
    let json: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", format!("the body is not valid JSON: {e}"))
    })?;
    if !json.is_object() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", "the body must be a JSON object"));
    }
    let recording = match platform {
        Platform::Grain => parse_grain(&json)?,
        Platform::Riverside => parse_riverside(&json)?,
    };
    let Some(rec) = recording else {
        return Ok((StatusCode::OK, Json(json!({ "status": "ignored" }))));
    };
    let kind = JobKind::new(JobKind::INGEST_SOURCE).map_err(ApiError::from)?;
    let job = NewJob::new(kind, rec.payload).dedupe_key(format!("{}:{}", platform.name(), rec.reference));
    let stored = state.store.enqueue(job).await?;
    tracing::info!(webhook = platform.name(), reference = %rec.reference, title = ?rec.title, job = %stored.value.id, new = stored.created, "webhook received");
    Ok((StatusCode::OK, Json(json!({ "status": "received", "job_id": stored.value.id }))))
}

// Each handler serves both forms of its route: `/webhooks/<platform>` (token in the query or a
// header) and `/webhooks/<platform>/<token>`.
async fn grain(
    State(s): State<AppState>,
    token: Option<Path<String>>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    receive(Platform::Grain, s, token.map(|Path(t)| t), q, h, body).await
}

async fn riverside(
    State(s): State<AppState>,
    token: Option<Path<String>>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    receive(Platform::Riverside, s, token.map(|Path(t)| t), q, h, body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_grain_payload_shapes_are_read() {
        let prd = json!({"event": "recording_ready", "recording_id": "rec-1", "title": "Kickoff", "transcript_url": "https://x"});
        assert_eq!(parse_grain(&prd).unwrap().unwrap().reference, "rec-1");
        let grain = json!({"type": "recording_added", "user_id": "u", "data": {"id": "rec-2", "title": "Demo"}});
        let r = parse_grain(&grain).unwrap().unwrap();
        assert_eq!((r.reference.as_str(), r.title.as_deref()), ("rec-2", Some("Demo")));
        assert_eq!(parse_grain(&json!({"type": "highlight_added", "data": {}})).unwrap(), None);
        assert!(parse_grain(&json!({"event": "recording_ready"})).is_err(), "a recording event without an id is a 422");
    }

    #[test]
    fn a_riverside_episode_carries_its_inline_transcript_into_the_job() {
        let r = parse_riverside(&json!({"event": "episode_published", "episode_id": "ep-9", "title": "T", "transcript": "Wes: hi"}))
            .unwrap()
            .unwrap();
        assert_eq!(r.payload["transcript"], "Wes: hi");
        assert_eq!(parse_riverside(&json!({"event": "something_else"})).unwrap(), None);
    }
}
