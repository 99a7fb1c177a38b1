//! Originality.ai's error answers (`{"error": …}` or `{"message": …}`).

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::detection::{classify, lowercase_text};
use crate::http::error_message;

/// The error table. A 422 "Enterprise Subscription Required" (non-enterprise keys, apis.md §12)
/// is `PermissionDenied`: the key is valid but its plan has no API access, and nothing about the
/// text is wrong. The rest is the detectors' shared table.
pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    if status.is_client_error() && lowercase_text(body).contains("subscription required") {
        return Error::PermissionDenied(format!(
            "originality: HTTP {status}: {} (the API needs an Enterprise subscription)",
            error_message(body)
        ));
    }
    classify("originality", status, headers, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise_subscription_required_is_permission_denied_and_other_422s_are_invalid_input() {
        let e = parse_error(StatusCode::UNPROCESSABLE_ENTITY, &HeaderMap::new(), br#"{"error":"Enterprise Subscription Required"}"#);
        assert!(matches!(&e, Error::PermissionDenied(m) if m.contains("Enterprise Subscription Required")), "{e:?}");
        let e = parse_error(StatusCode::UNPROCESSABLE_ENTITY, &HeaderMap::new(), br#"{"error":"content must be at least 50 words"}"#);
        assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    }
}
