//! GPTZero's error answers: `{"error": "<message>"}`.

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::detection::{classify, lowercase_text};
use crate::http::error_message;

/// The error table. GPTZero answers an unknown key with 403 `{"error":"API key has no owner"}`
/// (apis.md §12): that is a bad credential, so `Unauthenticated`, not `PermissionDenied`. The
/// rest is the detectors' shared table (400/422 → `InvalidInput`, 402 or "insufficient credits"
/// → `Permanent`, 401, 403, 429 with `Retry-After`, 5xx).
pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    if status == StatusCode::FORBIDDEN {
        let text = lowercase_text(body);
        if text.contains("no owner") || text.contains("invalid api key") || text.contains("invalid key") {
            return Error::Unauthenticated(format!("gptzero: HTTP {status}: {}", error_message(body)));
        }
    }
    classify("gptzero", status, headers, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_without_owner_is_unauthenticated_and_another_403_is_permission_denied() {
        let e = parse_error(StatusCode::FORBIDDEN, &HeaderMap::new(), br#"{"error":"API key has no owner"}"#);
        assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("API key has no owner")), "{e:?}");
        let e = parse_error(StatusCode::FORBIDDEN, &HeaderMap::new(), br#"{"error":"This feature needs a Professional plan"}"#);
        assert!(matches!(e, Error::PermissionDenied(_)), "{e:?}");
    }
}
