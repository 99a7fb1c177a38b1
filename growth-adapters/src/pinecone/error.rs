//! Pinecone's error answers, in two shapes: the data plane's `rpcStatus`
//! `{"code": 3, "message": "…", "details": []}` (`code` is a gRPC number) and the control plane's
//! `{"status": 429, "error": {"code": "RESOURCE_EXHAUSTED", "message": "…"}}`. Both are read.

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::http::{classify_status, error_message, retry_after};

pub(super) const PLATFORM: &str = "pinecone";

/// The error table: 400 and 422 are the caller's input (`InvalidInput`, with Pinecone's message,
/// e.g. a dimension or metadata-size complaint); everything else keeps the shared meanings
/// (401 `Unauthenticated`, 403 `PermissionDenied`, 404 `NotFound`, 429 `RateLimited` with any
/// `Retry-After`, 408/5xx `Transient`).
pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = error_message(body);
    match status.as_u16() {
        400 | 422 => {
            let message = message.trim();
            Error::invalid(if message.is_empty() { format!("{PLATFORM}: HTTP {status}") } else { format!("{PLATFORM}: {message}") })
        }
        _ => classify_status(PLATFORM, status, &message, retry_after(headers)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn parse(status: u16, headers: &[(&'static str, &str)], body: &str) -> Error {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        parse_error(StatusCode::from_u16(status).unwrap(), &h, body.as_bytes())
    }

    #[test]
    fn a_data_plane_400_is_invalid_input_with_pinecones_message() {
        let e = parse(
            400,
            &[],
            r#"{"code": 3, "message": "Vector dimension 3 does not match the dimension of the index 1536", "details": []}"#,
        );
        assert!(matches!(&e, Error::InvalidInput { message, .. } if message.contains("does not match the dimension")), "{e:?}");
    }

    #[test]
    fn a_control_plane_error_body_gives_its_message() {
        let e = parse(500, &[], r#"{"status": 500, "error": {"code": "UNKNOWN", "message": "Internal server error"}}"#);
        assert!(matches!(&e, Error::Transient { message, .. } if message.ends_with("Internal server error")), "{e:?}");
    }

    #[test]
    fn statuses_keep_their_meaning() {
        assert!(matches!(parse(401, &[], "{}"), Error::Unauthenticated(_)));
        assert!(matches!(parse(403, &[], "{}"), Error::PermissionDenied(_)));
        assert!(matches!(parse(404, &[], r#"{"code": 5, "message": "Not Found"}"#), Error::NotFound { .. }));
        assert!(
            matches!(parse(429, &[("retry-after", "2")], "{}"), Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(2))
        );
        assert!(matches!(parse(429, &[], "{}"), Error::RateLimited { retry_after: None }));
        assert!(matches!(parse(503, &[], ""), Error::Transient { .. }));
        assert!(matches!(parse(400, &[], ""), Error::InvalidInput { message, .. } if message == "pinecone: HTTP 400 Bad Request"));
    }
}
