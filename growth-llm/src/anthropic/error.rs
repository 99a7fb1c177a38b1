//! One table from Anthropic's answers to [`growth_core::Error`], with the retry verdict.

use std::time::SystemTime;

use growth_core::Error;
use growth_core::retry::Failure;
use reqwest::header::HeaderMap;

use super::models::ApiErrorBody;
use crate::http;

/// The `error.details.error_code` of a 429 that means the organisation's monthly spend limit is
/// reached: waiting minutes does not help, so it is never retried.
pub const SPEND_LIMIT_CODE: &str = "enforced_spend_limit_reached";

/// Classifies a non-2xx answer.
pub(crate) fn parse_error(status: u16, headers: &HeaderMap, body: &[u8], model: &str, now: SystemTime) -> Failure {
    let parsed = serde_json::from_slice::<ApiErrorBody>(body).ok();
    let api = parsed.as_ref().map(|b| &b.error);
    let mut message = match api {
        Some(e) if !e.message.is_empty() => e.message.clone(),
        _ => String::from_utf8_lossy(body).chars().take(300).collect(),
    };
    let request_id = parsed
        .as_ref()
        .and_then(|b| b.request_id.clone())
        .or_else(|| headers.get("request-id").and_then(|v| v.to_str().ok()).map(str::to_owned));
    if let Some(id) = request_id {
        message.push_str(&format!(" (request id {id})"));
    }
    let kind = api.and_then(|e| e.kind.as_deref()).unwrap_or("");
    let spend_limit = status == 429
        && (api.and_then(|e| e.details.as_ref()).and_then(|d| d.error_code.as_deref()) == Some(SPEND_LIMIT_CODE)
            || String::from_utf8_lossy(body).contains(SPEND_LIMIT_CODE));
    let server_delay = http::server_delay(headers, now);
    let error = match status {
        429 if spend_limit => Error::Config(format!(
            "Anthropic spend limit reached ({SPEND_LIMIT_CODE}): {message} — raise the limit in the Anthropic Console or wait \
             for the next billing month; not retried"
        )),
        429 => Error::RateLimited { retry_after: server_delay },
        400 | 413 | 422 => {
            Error::InvalidInput { field: None, message: format!("Anthropic rejected the request ({status} {kind}): {message}") }
        }
        401 => Error::Unauthenticated(format!("Anthropic: {message}")),
        402 => Error::Config(format!("Anthropic billing error: {message}")),
        403 => Error::PermissionDenied(format!("Anthropic: {message}")),
        404 => Error::Config(format!("Anthropic answered 404 (is model `{model}` available to this key?): {message}")),
        529 => Error::Transient { message: format!("Anthropic is overloaded (529): {message}"), retry_after: server_delay },
        408 | 409 => Error::Transient { message: format!("Anthropic answered {status}: {message}"), retry_after: server_delay },
        s if s >= 500 => Error::Transient { message: format!("Anthropic answered {status} {kind}: {message}"), retry_after: server_delay },
        _ => Error::Permanent(format!("Anthropic answered {status} {kind}: {message}")),
    };
    let retryable = !spend_limit && http::retryable(status, headers);
    Failure { error, retryable, server_delay }
}

/// The HTTP status an error `type` stands for (Anthropic's error table), for an `error` event that
/// arrives in a stream after its 200.
fn status_of(kind: &str) -> u16 {
    match kind {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    }
}

/// Classifies an `error` event in a stream (its `data` has the error body's shape): as the same
/// error answered with its status, so an `overloaded_error` mid-stream is as retryable as a 529.
pub(crate) fn stream_error(kind: &str, data: &[u8], model: &str, now: SystemTime) -> Failure {
    let mut f = parse_error(status_of(kind), &HeaderMap::new(), data, model, now);
    if let Error::Transient { message, .. } = &mut f.error {
        message.insert_str(0, "mid-stream: ");
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH
    }

    #[test]
    fn a_spend_limit_429_is_a_clear_error_and_never_retried() {
        let body = br#"{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified API usage limits.",
            "details":{"error_code":"enforced_spend_limit_reached"}},"request_id":"req_1"}"#;
        let mut h = HeaderMap::new();
        h.insert("x-should-retry", HeaderValue::from_static("true"));
        let f = parse_error(429, &h, body, "m", now());
        assert!(!f.retryable);
        assert!(matches!(f.error, Error::Config(ref m) if m.contains("spend limit") && m.contains("req_1")), "{:?}", f.error);
    }

    #[test]
    fn an_ordinary_429_is_a_retryable_rate_limit_with_its_wait() {
        let body = br#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#;
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        let f = parse_error(429, &h, body, "m", now());
        assert!(f.retryable);
        assert!(matches!(f.error, Error::RateLimited { retry_after: Some(d) } if d.as_secs() == 3));
    }

    #[test]
    fn overloaded_and_server_errors_are_transient_unless_the_server_says_no() {
        let body = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        let f = parse_error(529, &HeaderMap::new(), body, "m", now());
        assert!(f.retryable && matches!(f.error, Error::Transient { .. }));
        let mut h = HeaderMap::new();
        h.insert("x-should-retry", HeaderValue::from_static("false"));
        assert!(!parse_error(500, &h, b"oops", "m", now()).retryable);
    }

    #[test]
    fn an_overloaded_error_event_mid_stream_is_as_retryable_as_a_529() {
        let data = br#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#;
        let f = stream_error("overloaded_error", data, "m", now());
        assert!(f.retryable);
        assert!(matches!(f.error, Error::Transient { ref message, .. } if message.contains("mid-stream") && message.contains("529")));
        let bad = br#"{"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}"#;
        assert!(!stream_error("invalid_request_error", bad, "m", now()).retryable);
    }

    #[test]
    fn client_errors_map_to_their_meaning() {
        let body = br#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}"#;
        let f = parse_error(400, &HeaderMap::new(), body, "m", now());
        assert!(!f.retryable);
        assert!(matches!(f.error, Error::InvalidInput { ref message, .. } if message.contains("max_tokens")));
        assert!(matches!(parse_error(401, &HeaderMap::new(), b"{}", "m", now()).error, Error::Unauthenticated(_)));
        assert!(
            matches!(parse_error(404, &HeaderMap::new(), b"{}", "claude-x", now()).error, Error::Config(ref m) if m.contains("claude-x"))
        );
    }
}
