//! Grain's webhook delivery: `{"type": "recording_added", "user_id": "…", "data": {…recording…}}`.
//!
//! Grain documents no signature (**UNVERIFIED**): protect the hook URL with an unguessable path
//! token, and treat the payload only as a hint — fetch the recording by id through the API.

use growth_core::{Error, Result};
use serde::Deserialize;
use serde_json::Value;

/// A parsed webhook delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrainWebhookEvent {
    /// The hook type (`recording_added`, `recording_updated`, `recording_deleted`, `upload_added` …).
    pub kind: String,
    /// The Grain user the hook belongs to.
    pub user_id: Option<String>,
    /// The recording's id, when the payload is about a recording.
    pub recording_id: Option<String>,
    /// The recording's title, when given.
    pub title: Option<String>,
}

impl GrainWebhookEvent {
    /// Whether this says a recording is ready to fetch (added or updated).
    pub fn is_recording_ready(&self) -> bool {
        self.recording_id.is_some() && matches!(self.kind.as_str(), "recording_added" | "recording_updated")
    }
}

#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    data: Value,
}

/// Reads a webhook body.
///
/// # Errors
/// [`Error::InvalidInput`] when the body is not a Grain webhook delivery.
pub fn parse_webhook(body: &[u8]) -> Result<GrainWebhookEvent> {
    let wire: Wire = serde_json::from_slice(body).map_err(|e| Error::invalid(format!("not a Grain webhook delivery: {e}")))?;
    let text = |key: &str| wire.data.get(key).and_then(Value::as_str).map(str::to_owned);
    let recording_id = if wire.kind.starts_with("recording_") || wire.kind.starts_with("upload_") { text("id") } else { None };
    Ok(GrainWebhookEvent { title: text("title"), kind: wire.kind, user_id: wire.user_id, recording_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_highlight_event_is_not_a_recording() {
        let e = parse_webhook(br#"{"type":"highlight_added","user_id":"u","data":{"id":"h1"}}"#).unwrap();
        assert_eq!(e.recording_id, None);
        assert!(!e.is_recording_ready());
    }

    #[test]
    fn a_body_without_a_type_is_invalid() {
        assert!(matches!(parse_webhook(br#"{"data":{}}"#), Err(Error::InvalidInput { .. })));
    }
}
