//! Grain's webhook delivery: `{"type": "recording_added", "user_id": "…", "data": {…recording…}}`,
//! and the PRD's relay form `{"event": "recording_ready", "recording_id", "title"}`.
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
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    data: Value,
    #[serde(default)]
    recording_id: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

/// Reads a webhook body.
///
/// # Errors
/// [`Error::InvalidInput`] when the body is not a Grain webhook delivery.
pub fn parse_webhook(body: &[u8]) -> Result<GrainWebhookEvent> {
    let wire: Wire = serde_json::from_slice(body).map_err(|e| Error::invalid(format!("not a Grain webhook delivery: {e}")))?;
    let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if let Some(event) = clean(wire.event) {
        // The PRD's relay form; `recording_ready` means the recording can be fetched.
        let kind = if event == "recording_ready" { "recording_added".to_owned() } else { event };
        let recording_id = clean(wire.recording_id);
        if kind == "recording_added" && recording_id.is_none() {
            return Err(Error::invalid_field("recording_id", "a recording event must name its recording"));
        }
        return Ok(GrainWebhookEvent { kind, user_id: clean(wire.user_id), recording_id, title: clean(wire.title) });
    }
    let kind = clean(wire.kind).ok_or_else(|| Error::invalid("not a Grain webhook delivery: it has no `type`"))?;
    let text = |key: &str| clean(wire.data.get(key).and_then(Value::as_str).map(str::to_owned));
    let recording_id = if kind.starts_with("recording_") || kind.starts_with("upload_") { text("id") } else { None };
    if matches!(kind.as_str(), "recording_added" | "recording_updated") && recording_id.is_none() {
        return Err(Error::invalid_field("recording_id", "a recording event must name its recording"));
    }
    Ok(GrainWebhookEvent { title: text("title"), kind, user_id: clean(wire.user_id), recording_id })
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
    fn both_payload_shapes_are_read() {
        let prd = br#"{"event": "recording_ready", "recording_id": "rec-1", "title": "Kickoff", "transcript_url": "https://x"}"#;
        let e = parse_webhook(prd).unwrap();
        assert!(e.is_recording_ready());
        assert_eq!(e.recording_id.as_deref(), Some("rec-1"));
        let grain = br#"{"type": "recording_added", "user_id": "u", "data": {"id": "rec-2", "title": "Demo"}}"#;
        let e = parse_webhook(grain).unwrap();
        assert_eq!((e.recording_id.as_deref(), e.title.as_deref()), (Some("rec-2"), Some("Demo")));
        assert!(matches!(parse_webhook(br#"{"event": "recording_ready"}"#), Err(Error::InvalidInput { .. })));
        assert!(matches!(parse_webhook(br#"{"type": "recording_added", "data": {}}"#), Err(Error::InvalidInput { .. })));
    }

    #[test]
    fn a_body_without_a_type_is_invalid() {
        assert!(matches!(parse_webhook(br#"{"data":{}}"#), Err(Error::InvalidInput { .. })));
    }
}
