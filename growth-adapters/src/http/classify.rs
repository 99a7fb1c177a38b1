//! The shared part of every platform's error table.

use std::time::{Duration, SystemTime};

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The longest platform message kept in an error (bodies can be whole HTML pages).
const MAX_MESSAGE: usize = 300;

/// The default meaning of a non-2xx status, given the platform's own message and requested wait.
///
/// 401 → `Unauthenticated`, 403 → `PermissionDenied`, 404/410 → `NotFound` (`entity` names what
/// was looked up, `id` carries the message; adapters replace it with the id they asked for),
/// 409 → `Conflict`, 408 and 5xx → `Transient`, 429 → `RateLimited`, other 4xx → `Permanent`.
pub fn classify_status(platform: &str, status: StatusCode, message: &str, retry_after: Option<Duration>) -> Error {
    let message = truncate(message.trim());
    let text = if message.is_empty() { format!("{platform}: HTTP {status}") } else { format!("{platform}: HTTP {status}: {message}") };
    match status.as_u16() {
        401 => Error::Unauthenticated(text),
        403 => Error::PermissionDenied(text),
        404 | 410 => Error::NotFound { entity: "resource", id: text },
        409 => Error::conflict(text),
        429 => Error::RateLimited { retry_after },
        408 | 500..=599 => Error::Transient { message: text, retry_after },
        _ => Error::Permanent(text),
    }
}

/// The wait a response asks for: `retry-after-ms`, then `Retry-After` (delta-seconds or an HTTP
/// date), read by the shared policy ([`growth_core::retry::server_delay`]). `Retry-After: 0` is
/// a zero wait: retry now.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    growth_core::retry::server_delay(value("retry-after-ms"), value(RETRY_AFTER.as_str()), SystemTime::now())
}

/// `NotFound` re-labelled with what was looked up and the id we asked for; other errors unchanged.
pub fn not_found_as(error: Error, entity: &'static str, id: &str) -> Error {
    match error {
        Error::NotFound { .. } => Error::not_found(entity, id),
        other => other,
    }
}

/// The message of a JSON error body in the common shapes — `{"message": …}`, `{"error": "…"}`,
/// `{"error": {"message": …}}` (Google), `{"detail": …}` — else the body as text.
pub fn error_message(body: &[u8]) -> String {
    let pick = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(pick)
                .or_else(|| v.get("error").and_then(|e| pick(e).or_else(|| e.get("message").and_then(pick))))
                .or_else(|| v.get("detail").and_then(pick))
        })
        .map(|m| truncate(&m))
        .unwrap_or_else(|| body_text(body))
}

/// A body that is not the platform's JSON error shape, as a short message.
pub fn body_text(body: &[u8]) -> String {
    truncate(String::from_utf8_lossy(body).trim())
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_MESSAGE) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_family_gets_its_meaning() {
        let c = |s: u16| classify_status("x", StatusCode::from_u16(s).unwrap(), "m", Some(Duration::from_secs(2)));
        assert!(matches!(c(401), Error::Unauthenticated(_)));
        assert!(matches!(c(403), Error::PermissionDenied(_)));
        assert!(matches!(c(404), Error::NotFound { .. }));
        assert!(matches!(c(409), Error::Conflict { .. }));
        assert!(matches!(c(429), Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(2)));
        assert!(matches!(c(503), Error::Transient { .. }));
        assert!(matches!(c(408), Error::Transient { .. }));
        assert!(matches!(c(400), Error::Permanent(m) if m == "x: HTTP 400 Bad Request: m"));
    }

    #[test]
    fn each_error_body_shape_gives_its_message() {
        for body in [
            r#"{"message":"m"}"#,
            r#"{"error":"m"}"#,
            r#"{"error":{"code":429,"message":"m","status":"RESOURCE_EXHAUSTED"}}"#,
            r#"{"detail":"m"}"#,
            "m",
        ] {
            assert_eq!(error_message(body.as_bytes()), "m", "{body}");
        }
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "é".repeat(1000);
        assert_eq!(body_text(long.as_bytes()).chars().count(), MAX_MESSAGE + 1);
    }

    #[test]
    fn retry_after_reads_both_headers_and_zero_means_now() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "0".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after-ms", "150".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(150)));
    }

    #[test]
    fn not_found_is_relabelled_with_the_id_asked_for() {
        let e = not_found_as(Error::NotFound { entity: "resource", id: "x".into() }, "grain recording", "rec-1");
        assert_eq!(e.to_string(), "grain recording rec-1 not found");
        assert!(matches!(not_found_as(Error::Permanent("p".into()), "a", "b"), Error::Permanent(_)));
    }
}
