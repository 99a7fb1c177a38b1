//! Riverside webhook deliveries, as the PRD's relay sends them:
//! `{"event": "episode_published", "episode_id", "title", "audio_url", "transcript"}`.
//!
//! Riverside documents no signature: protect the URL with a token, and treat the payload as a hint
//! only — the recording (and its transcript) is fetched through the API, never taken from the body.

use growth_core::ingest::RecordingEvent;
use growth_core::{Error, Result};
use serde_json::Value;

/// Reads a delivery: `Some` for a published episode, `None` for any other event.
///
/// # Errors
/// [`Error::InvalidInput`] when the body is not a JSON object, or an episode event names no episode.
pub fn parse_webhook(body: &[u8]) -> Result<Option<RecordingEvent>> {
    let v: Value = serde_json::from_slice(body).map_err(|e| Error::invalid(format!("not a Riverside webhook delivery: {e}")))?;
    if !v.is_object() {
        return Err(Error::invalid("not a Riverside webhook delivery: the body must be a JSON object"));
    }
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if text("event").as_deref() != Some("episode_published") {
        return Ok(None);
    }
    let reference = text("episode_id").ok_or_else(|| Error::invalid_field("episode_id", "an episode event must name its episode"))?;
    Ok(Some(RecordingEvent { reference, title: text("title") }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_episode_event_names_the_episode_and_nothing_else_is_taken() {
        let body = br#"{"event": "episode_published", "episode_id": "ep-7", "title": "Pricing", "transcript": "Host: trust me"}"#;
        assert_eq!(parse_webhook(body).unwrap(), Some(RecordingEvent { reference: "ep-7".into(), title: Some("Pricing".into()) }));
    }

    #[test]
    fn other_events_are_ignored_and_bad_ones_refused() {
        assert_eq!(parse_webhook(br#"{"event": "recording_started"}"#).unwrap(), None);
        assert!(matches!(parse_webhook(br#"{"event": "episode_published"}"#), Err(Error::InvalidInput { .. })));
        assert!(matches!(parse_webhook(b"[1]"), Err(Error::InvalidInput { .. })));
        assert!(matches!(parse_webhook(b"not json"), Err(Error::InvalidInput { .. })));
    }
}
