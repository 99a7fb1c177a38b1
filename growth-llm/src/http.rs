//! The conventions of the Stainless-generated official SDKs (OpenAI's and Anthropic's) on top of
//! the shared retry policy ([`growth_core::retry`]): the `x-should-retry` header wins; otherwise 408,
//! 409, 429, ≥ 500 and transport failures are retried. The wait is the server's `retry-after-ms`,
//! then `retry-after` (seconds or an HTTP date; `0` means retry now), when at most the policy's
//! `max_server_delay`; what a longer requested wait means differs per SDK (OpenAI stops retrying,
//! Anthropic falls back to its own backoff).

use std::time::{Duration, SystemTime};

use growth_core::Error;
use growth_core::retry::{Backoff, Failure, LongServerDelay, RetryPolicy};
use reqwest::header::HeaderMap;

/// OpenAI's SDK honours a requested wait of at most 120 s; a longer one stops retrying.
pub(crate) const OPENAI_MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Anthropic's SDK honours a requested wait of at most 60 s; a longer one falls back to backoff.
pub(crate) const ANTHROPIC_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The policy of an SDK-style client: `max_attempts` in all, jittered backoff from
/// `initial_backoff_ms` to `max_backoff_ms`, server waits up to `max_server_delay`.
pub(crate) fn policy(
    max_attempts: u32,
    initial_backoff_ms: u64,
    max_backoff_ms: u64,
    max_server_delay: Duration,
    long_server_delay: LongServerDelay,
) -> RetryPolicy {
    RetryPolicy {
        max_attempts: max_attempts.max(1),
        backoff: Backoff { initial: Duration::from_millis(initial_backoff_ms), max: Duration::from_millis(max_backoff_ms), jitter: true },
        max_server_delay,
        long_server_delay,
    }
}

/// Whether a status is worth retrying when the server does not say (529, Anthropic's
/// "overloaded", is one of the ≥ 500).
pub(crate) fn status_is_retryable(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// The server's explicit retry verdict (`x-should-retry: true|false`), if it gave one.
pub(crate) fn server_says_retry(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The wait the server asked for (`retry-after-ms`, then `retry-after`), seen at `now`.
pub(crate) fn server_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    growth_core::retry::server_delay(value("retry-after-ms"), value("retry-after"), now)
}

/// Whether an answer with this status and these headers may be retried.
pub(crate) fn retryable(status: u16, headers: &HeaderMap) -> bool {
    server_says_retry(headers).unwrap_or_else(|| status_is_retryable(status))
}

/// The error's text with its URL left out (a query string may carry a key or a signature).
fn without_url(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(url) => text.replace(url.as_str(), "[url]"),
        None => text,
    }
}

/// A failure to send or to read an answer: timeouts, connection and body errors are retried (the
/// model APIs these clients call have no side effect but billing).
pub(crate) fn transport_failure(what: &str, e: &reqwest::Error) -> Failure {
    let kind = if e.is_timeout() { "timed out" } else { "failed (transport)" };
    Failure {
        retryable: e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() || e.is_decode(),
        error: Error::transient(format!("{what} {kind}: {}", without_url(e))),
        server_delay: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_server_verdict_wins_over_the_status_table() {
        assert_eq!(server_says_retry(&headers(&[("x-should-retry", "false")])), Some(false));
        assert_eq!(server_says_retry(&headers(&[("x-should-retry", "true")])), Some(true));
        assert_eq!(server_says_retry(&HeaderMap::new()), None);
        assert!(!retryable(500, &headers(&[("x-should-retry", "false")])));
        assert!(retryable(400, &headers(&[("x-should-retry", "true")])));
        for s in [408, 409, 429, 500, 503, 529] {
            assert!(status_is_retryable(s), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!status_is_retryable(s), "{s}");
        }
    }

    #[test]
    fn the_requested_wait_is_read_by_the_shared_policy_and_zero_is_now() {
        let now = SystemTime::now();
        assert_eq!(server_delay(&headers(&[("retry-after-ms", "250"), ("retry-after", "7")]), now), Some(Duration::from_millis(250)));
        assert_eq!(server_delay(&headers(&[("retry-after", "0")]), now), Some(Duration::ZERO));
        let anthropic = policy(3, 500, 8_000, ANTHROPIC_MAX_RETRY_AFTER, LongServerDelay::Backoff);
        assert_eq!(anthropic.next_delay(1, true, Some(Duration::ZERO)), Some(Duration::ZERO));
        let openai = policy(3, 500, 8_000, OPENAI_MAX_RETRY_AFTER, LongServerDelay::GiveUp);
        assert_eq!(openai.next_delay(1, true, Some(Duration::from_secs(121))), None);
    }
}
