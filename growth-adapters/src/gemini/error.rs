//! Google's error answers: `{"error": {"code": 429, "message": "…", "status": "RESOURCE_EXHAUSTED"}}`.

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::http::{classify_status, error_message, retry_after};

pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    classify_status("google meet", status, &error_message(body), retry_after(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn googles_message_is_kept() {
        let body = br#"{"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED"}}"#;
        let e = parse_error(StatusCode::FORBIDDEN, &HeaderMap::new(), body);
        assert!(matches!(&e, Error::PermissionDenied(m) if m.ends_with("insufficient authentication scopes.")), "{e:?}");
    }
}
