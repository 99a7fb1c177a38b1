//! AssemblyAI's error answers: `{"error": "<message>"}` (sometimes with `"status": "error"`).

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::http::{body_text, classify_status, retry_after};

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

/// The error table: AssemblyAI's message on top of the shared status meanings. 429 carries
/// `Retry-After` in seconds.
pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = serde_json::from_slice::<ErrorBody>(body).map(|b| b.error).unwrap_or_else(|_| body_text(body));
    classify_status("assemblyai", status, &message, retry_after(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_message_is_kept() {
        let body = br#"{"error": "format_text must be a Boolean"}"#;
        let e = parse_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), body);
        assert!(matches!(&e, Error::Permanent(m) if m.ends_with("format_text must be a Boolean")), "{e:?}");
        assert!(matches!(parse_error(StatusCode::UNAUTHORIZED, &HeaderMap::new(), b"{}"), Error::Unauthenticated(_)));
    }
}
