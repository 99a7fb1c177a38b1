//! AssemblyAI's "transcript ready" webhook.
//!
//! The body is `{"transcript_id": "…", "status": "completed" | "error"}`; there is no signature,
//! only the custom header chosen at creation (`webhook_auth_header_name`/`_value`), which the
//! server checks before calling [`parse_webhook`]. Fetch the transcript by id afterwards.

use growth_core::{Error, Result};
use serde::Deserialize;

/// What the notification says about the transcript.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TranscriptStatus {
    /// Done: fetch it with `AssemblyAiTranscriber::wait`.
    Completed,
    /// Failed: the reason is on the transcript object.
    Error,
}

/// A parsed webhook notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookNotification {
    /// AssemblyAI's transcript id.
    pub transcript_id: String,
    /// Completed or failed.
    pub status: TranscriptStatus,
}

#[derive(Deserialize)]
struct Wire {
    transcript_id: String,
    status: String,
}

/// Reads a webhook body.
///
/// # Errors
/// [`Error::InvalidInput`] when the body is not a notification or the status is not
/// `completed`/`error` (answer 4xx: AssemblyAI then stops retrying).
pub fn parse_webhook(body: &[u8]) -> Result<WebhookNotification> {
    let wire: Wire = serde_json::from_slice(body).map_err(|e| Error::invalid(format!("not an AssemblyAI webhook notification: {e}")))?;
    if wire.transcript_id.trim().is_empty() {
        return Err(Error::invalid_field("transcript_id", "is empty"));
    }
    let status = match wire.status.as_str() {
        "completed" => TranscriptStatus::Completed,
        "error" => TranscriptStatus::Error,
        other => return Err(Error::invalid_field("status", format!("`{other}` is not completed or error"))),
    };
    Ok(WebhookNotification { transcript_id: wire.transcript_id, status })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_notification_is_read() {
        let n = parse_webhook(br#"{"transcript_id":"t-1","status":"error"}"#).unwrap();
        assert_eq!(n, WebhookNotification { transcript_id: "t-1".into(), status: TranscriptStatus::Error });
    }

    #[test]
    fn other_bodies_are_invalid_input() {
        assert!(matches!(parse_webhook(b"{}"), Err(Error::InvalidInput { .. })));
        assert!(matches!(parse_webhook(br#"{"transcript_id":"t","status":"queued"}"#), Err(Error::InvalidInput { .. })));
        assert!(matches!(parse_webhook(br#"{"transcript_id":" ","status":"completed"}"#), Err(Error::InvalidInput { .. })));
    }
}
