//! One table from OpenAI's answers to [`growth_core::Error`], with the retry verdict — also used
//! for OpenAI-compatible servers (Ollama, vLLM, llama.cpp), which answer with the same error body
//! `{"error": {"message", "type", "param", "code"}}`.

use std::time::SystemTime;

use growth_core::Error;
use growth_core::retry::Failure;
use reqwest::header::HeaderMap;

use super::models::ApiErrorBody;
use crate::http;

/// Classifies a non-2xx answer from `service` (`"OpenAI"`, or a configured provider name) to a
/// `what` (`"embeddings request"`, `"chat completion"`).
pub(crate) fn parse_error(status: u16, headers: &HeaderMap, body: &[u8], service: &str, what: &str, model: &str) -> Failure {
    let api = serde_json::from_slice::<ApiErrorBody>(body).ok().map(|b| b.error);
    let message = match &api {
        Some(e) if !e.message.is_empty() => e.message.clone(),
        _ => String::from_utf8_lossy(body).chars().take(300).collect(),
    };
    let is = |wanted: &str| api.as_ref().is_some_and(|e| e.code.as_deref() == Some(wanted) || e.kind.as_deref() == Some(wanted));
    let quota = status == 429 && is("insufficient_quota");
    let server_delay = http::server_delay(headers, SystemTime::now());
    let error = match status {
        429 if quota => {
            Error::Config(format!("{service} quota exhausted (insufficient_quota): {message} — check the plan and billing; not retried"))
        }
        429 => Error::RateLimited { retry_after: server_delay },
        400 | 422 => Error::InvalidInput {
            field: api.as_ref().and_then(|e| e.param.clone()),
            message: format!("{service} rejected the {what}: {message}"),
        },
        401 => Error::Unauthenticated(format!("{service}: {message}")),
        403 => Error::PermissionDenied(format!("{service}: {message}")),
        404 => Error::Config(format!("{service} answered 404 for model `{model}` (is it served there?): {message}")),
        408 | 409 => Error::Transient { message: format!("{service} answered {status}: {message}"), retry_after: server_delay },
        s if s >= 500 => Error::Transient { message: format!("{service} answered {status}: {message}"), retry_after: server_delay },
        _ => Error::Permanent(format!("{service} answered {status}: {message}")),
    };
    let retryable = !quota && http::retryable(status, headers);
    Failure { error, retryable, server_delay }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_meanings_of_429() {
        let quota = br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota",
            "param":null,"code":"insufficient_quota"}}"#;
        let f = parse_error(429, &HeaderMap::new(), quota, "OpenAI", "embeddings request", "m");
        assert!(!f.retryable);
        assert!(matches!(f.error, Error::Config(ref m) if m.contains("quota")));
        let rate = br#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
        let f = parse_error(429, &HeaderMap::new(), rate, "OpenAI", "embeddings request", "m");
        assert!(f.retryable);
        assert!(matches!(f.error, Error::RateLimited { .. }));
    }

    #[test]
    fn a_body_that_is_not_json_still_gives_a_message() {
        let f = parse_error(502, &HeaderMap::new(), b"<html>bad gateway</html>", "OpenAI", "embeddings request", "m");
        assert!(f.retryable);
        assert!(f.error.to_string().contains("bad gateway"));
    }
}
