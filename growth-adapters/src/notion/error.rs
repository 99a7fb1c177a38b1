//! Notion's error answers: `{"object": "error", "status": 400, "code": "validation_error",
//! "message": "…", "request_id": "…"}`.

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::http::{classify_status, error_message, retry_after};

pub(super) const PLATFORM: &str = "notion";

/// The error table of queries and page updates (both repeatable): 400 is our input
/// (`InvalidInput` with Notion's code and message: a wrong property name or type, a missing
/// share), 404 `object_not_found` is `NotFound` (the page or data source is not shared with the
/// integration), 429 `RateLimited` with `Retry-After`, 529 `service_overload` and other 5xx
/// `Transient`; the rest keep the shared meanings.
pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = message(body);
    match status.as_u16() {
        400 | 422 => Error::invalid(format!("{PLATFORM}: HTTP {status}: {message}")),
        _ => classify_status(PLATFORM, status, &message, retry_after(headers)),
    }
}

/// The error table of `POST /v1/pages`, which is not idempotent. Notion's own SDK retries only
/// 429 and 529 `service_overload` for a POST: those mean nothing was done. Any other 5xx may come
/// after the page was made, so it is `OutcomeUnknown` (reconcile before resending).
pub(super) fn parse_create_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    match status.as_u16() {
        529 => parse_error(status, headers, body),
        500..=599 => Error::OutcomeUnknown(format!(
            "{PLATFORM}: HTTP {status} on a page create, which may have made the page; reconcile before resending: {}",
            message(body)
        )),
        _ => parse_error(status, headers, body),
    }
}

/// `code: message` from Notion's error body, else the body.
fn message(body: &[u8]) -> String {
    let message = error_message(body);
    let code =
        serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned));
    match code {
        Some(code) if !message.is_empty() => format!("{code}: {message}"),
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn parse(f: fn(StatusCode, &HeaderMap, &[u8]) -> Error, status: u16, headers: &[(&'static str, &str)], body: &str) -> Error {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        f(StatusCode::from_u16(status).unwrap(), &h, body.as_bytes())
    }

    #[test]
    fn recorded_error_bodies_keep_their_code_and_message() {
        // Recorded answers (notion-sdk-py cassettes, Notion-Version 2025-09-03).
        let e = parse(
            parse_error,
            400,
            &[],
            r#"{"object":"error","status":400,"code":"invalid_request_url","message":"Invalid request URL.","request_id":"d7a11923-e694-4dea-9924-468fe422c571"}"#,
        );
        assert!(
            matches!(&e, Error::InvalidInput { message, .. } if message.ends_with("invalid_request_url: Invalid request URL.")),
            "{e:?}"
        );
        let e = parse(
            parse_error,
            401,
            &[],
            r#"{"object":"error","status":401,"code":"unauthorized","message":"API token is invalid.","request_id":"17359c46-ca0d-4156-be70-12a5eebc3346"}"#,
        );
        assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("API token is invalid.")), "{e:?}");
    }

    #[test]
    fn a_5xx_on_create_is_an_unknown_outcome_except_overload() {
        let body = r#"{"object":"error","status":500,"code":"internal_server_error","message":"Unexpected error occurred."}"#;
        assert!(matches!(parse(parse_create_error, 500, &[], body), Error::OutcomeUnknown(_)));
        assert!(matches!(parse(parse_create_error, 503, &[], body), Error::OutcomeUnknown(_)));
        assert!(matches!(parse(parse_create_error, 529, &[], body), Error::Transient { .. }));
        assert!(matches!(parse(parse_error, 500, &[], body), Error::Transient { .. }));
    }

    #[test]
    fn a_429_carries_its_retry_after_on_every_call() {
        let body = r#"{"object":"error","status":429,"code":"rate_limited","message":"You have been rate limited. Please try again in a few minutes."}"#;
        for f in [parse_error as fn(_, &_, &_) -> _, parse_create_error] {
            assert!(
                matches!(parse(f, 429, &[("retry-after", "3")], body), Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(3))
            );
            assert!(matches!(
                parse(f, 404, &[], r#"{"object":"error","status":404,"code":"object_not_found","message":"m"}"#),
                Error::NotFound { .. }
            ));
        }
    }
}
