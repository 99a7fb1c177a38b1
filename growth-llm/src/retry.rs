//! A small retry policy for the OpenAI-style HTTP APIs this crate calls (the rules of OpenAI's
//! official SDK): the `x-should-retry` header wins; otherwise 408, 409, 429, ≥ 500 and connection
//! failures are retried. The wait is the server's `retry-after-ms`, then `retry-after` (seconds),
//! when it is at most [`MAX_RETRY_AFTER`] — a longer requested wait means no retry at all — else an
//! exponential backoff with jitter.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// The longest server-requested wait we honour; asking for more stops retrying.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// How many times to try and how long to wait between tries.
#[derive(Clone, Debug)]
pub(crate) struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub(crate) max_attempts: u32,
    /// Backoff before the second attempt when the server suggests nothing.
    pub(crate) initial_backoff: Duration,
    /// Ceiling of the exponential backoff.
    pub(crate) max_backoff: Duration,
}

impl RetryPolicy {
    /// The wait before the next attempt after attempt `attempt` (1-based) failed, or `None` to stop.
    pub(crate) fn next_delay(&self, attempt: u32, retryable: bool, server_delay: Option<Duration>) -> Option<Duration> {
        if !retryable || attempt >= self.max_attempts {
            return None;
        }
        match server_delay {
            Some(d) if d > MAX_RETRY_AFTER => None,
            Some(d) => Some(d),
            None => Some(self.backoff(attempt)),
        }
    }

    /// `initial * 2^(attempt-1)`, capped, minus up to 25 % jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.initial_backoff.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        exp.min(self.max_backoff).mul_f64(1.0 - 0.25 * fastrand::f64())
    }
}

/// Whether a status is worth retrying when the server does not say.
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

/// The wait the server asked for: `retry-after-ms`, then `retry-after` in seconds. Zero, negative
/// and unparsable values (including HTTP dates) count as no suggestion.
pub(crate) fn server_delay(headers: &HeaderMap) -> Option<Duration> {
    let parse = |name: &str, scale: f64| -> Option<Duration> {
        let v: f64 = headers.get(name)?.to_str().ok()?.trim().parse().ok()?;
        (v.is_finite() && v > 0.0).then(|| Duration::from_secs_f64((v * scale).min(1e9)))
    };
    parse("retry-after-ms", 1e-3).or_else(|| parse("retry-after", 1.0))
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

    fn policy() -> RetryPolicy {
        RetryPolicy { max_attempts: 3, initial_backoff: Duration::from_millis(500), max_backoff: Duration::from_secs(8) }
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        assert_eq!(server_delay(&headers(&[("retry-after-ms", "250"), ("retry-after", "7")])), Some(Duration::from_millis(250)));
        assert_eq!(server_delay(&headers(&[("retry-after", "7")])), Some(Duration::from_secs(7)));
        assert_eq!(server_delay(&headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")])), None);
        assert_eq!(server_delay(&headers(&[("retry-after", "0")])), None);
    }

    #[test]
    fn a_requested_wait_over_120_seconds_stops_retrying() {
        assert_eq!(policy().next_delay(1, true, Some(Duration::from_secs(121))), None);
        assert_eq!(policy().next_delay(1, true, Some(Duration::from_secs(120))), Some(Duration::from_secs(120)));
    }

    #[test]
    fn backoff_grows_is_capped_and_stops_at_max_attempts() {
        let p = policy();
        let first = p.next_delay(1, true, None).unwrap();
        assert!(first <= Duration::from_millis(500) && first >= Duration::from_millis(375), "{first:?}");
        let second = p.next_delay(2, true, None).unwrap();
        assert!(second >= Duration::from_millis(750), "{second:?}");
        assert_eq!(p.next_delay(3, true, None), None);
        assert_eq!(p.next_delay(1, false, None), None);
        let capped = RetryPolicy { max_attempts: 40, ..p }.next_delay(30, true, None).unwrap();
        assert!(capped <= Duration::from_secs(8));
    }

    #[test]
    fn the_server_verdict_and_the_status_table() {
        assert_eq!(server_says_retry(&headers(&[("x-should-retry", "false")])), Some(false));
        assert_eq!(server_says_retry(&headers(&[("x-should-retry", "true")])), Some(true));
        assert_eq!(server_says_retry(&HeaderMap::new()), None);
        for s in [408, 409, 429, 500, 503] {
            assert!(status_is_retryable(s), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!status_is_retryable(s), "{s}");
        }
    }
}
