//! The retry policy of the Stainless-generated official SDKs (OpenAI's and Anthropic's), shared by
//! every HTTP client in this crate: the `x-should-retry` header wins; otherwise 408, 409, 429, ≥ 500
//! and connection failures are retried. The wait is the server's `retry-after-ms`, then
//! `retry-after` (seconds, or an HTTP date where the API allows it), when it is at most the policy's
//! [`RetryPolicy::max_server_delay`]; what a longer requested wait means differs per SDK (OpenAI
//! stops retrying, Anthropic falls back to its own backoff: [`LongServerDelay`]). With no usable
//! suggestion the wait is an exponential backoff with jitter. [`run`] is the loop itself.

use std::future::Future;
use std::time::{Duration, SystemTime};

use growth_core::{Error, Result};
use reqwest::header::HeaderMap;

/// OpenAI's SDK honours a requested wait of at most 120 s; a longer one stops retrying.
pub(crate) const OPENAI_MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Anthropic's SDK honours a requested wait of at most 60 s; a longer one falls back to backoff.
pub(crate) const ANTHROPIC_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What a server-requested wait longer than [`RetryPolicy::max_server_delay`] means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LongServerDelay {
    /// Stop retrying (OpenAI's SDK).
    GiveUp,
    /// Ignore the suggestion and use the exponential backoff (Anthropic's SDK).
    Backoff,
}

/// How many times to try and how long to wait between tries.
#[derive(Clone, Debug)]
pub(crate) struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub(crate) max_attempts: u32,
    /// Backoff before the second attempt when the server suggests nothing.
    pub(crate) initial_backoff: Duration,
    /// Ceiling of the exponential backoff.
    pub(crate) max_backoff: Duration,
    /// The longest server-requested wait honoured as such.
    pub(crate) max_server_delay: Duration,
    /// What a longer requested wait means.
    pub(crate) long_server_delay: LongServerDelay,
}

impl RetryPolicy {
    /// The wait before the next attempt after attempt `attempt` (1-based) failed, or `None` to stop.
    pub(crate) fn next_delay(&self, attempt: u32, retryable: bool, server_delay: Option<Duration>) -> Option<Duration> {
        if !retryable || attempt >= self.max_attempts {
            return None;
        }
        match server_delay {
            Some(d) if d > self.max_server_delay => match self.long_server_delay {
                LongServerDelay::GiveUp => None,
                LongServerDelay::Backoff => Some(self.backoff(attempt)),
            },
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

/// A failed attempt: what it means and whether to try again.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The error to report if this was the last attempt.
    pub(crate) error: Error,
    /// Whether another attempt may succeed.
    pub(crate) retryable: bool,
    /// The wait the server asked for, if it did.
    pub(crate) server_delay: Option<Duration>,
}

/// Runs `attempt` (given the 1-based attempt number) until it succeeds, fails for good, or the
/// policy says stop; between attempts it sleeps as the policy says. `what` names the call in logs.
pub(crate) async fn run<T, F, Fut>(policy: &RetryPolicy, what: &str, mut attempt: F) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = std::result::Result<T, Failure>>,
{
    let mut n = 1;
    loop {
        let failure = match attempt(n).await {
            Ok(value) => return Ok(value),
            Err(f) => f,
        };
        match policy.next_delay(n, failure.retryable, failure.server_delay) {
            Some(wait) => {
                let wait_ms = wait.as_millis() as u64;
                tracing::warn!(attempt = n, wait_ms, error = %failure.error, "{what} failed; retrying");
                tokio::time::sleep(wait).await;
                n += 1;
            }
            None => return Err(failure.error),
        }
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

/// The wait the server asked for: `retry-after-ms`, then `retry-after` in seconds. Zero, negative
/// and unparsable values (including HTTP dates) count as no suggestion.
pub(crate) fn server_delay(headers: &HeaderMap) -> Option<Duration> {
    let parse = |name: &str, scale: f64| -> Option<Duration> {
        let v: f64 = headers.get(name)?.to_str().ok()?.trim().parse().ok()?;
        (v.is_finite() && v > 0.0).then(|| Duration::from_secs_f64((v * scale).min(1e9)))
    };
    parse("retry-after-ms", 1e-3).or_else(|| parse("retry-after", 1.0))
}

/// [`server_delay`], and failing that a `retry-after` HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`)
/// turned into a wait from `now`; a date in the past counts as no suggestion.
pub(crate) fn server_delay_or_date(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    server_delay(headers).or_else(|| {
        let at = httpdate::parse_http_date(headers.get("retry-after")?.to_str().ok()?.trim()).ok()?;
        at.duration_since(now).ok().filter(|d| !d.is_zero())
    })
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
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_server_delay: OPENAI_MAX_RETRY_AFTER,
            long_server_delay: LongServerDelay::GiveUp,
        }
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
    fn anthropic_falls_back_to_backoff_past_60_seconds() {
        let p = RetryPolicy { max_server_delay: ANTHROPIC_MAX_RETRY_AFTER, long_server_delay: LongServerDelay::Backoff, ..policy() };
        assert_eq!(p.next_delay(1, true, Some(Duration::from_secs(60))), Some(Duration::from_secs(60)));
        let fallback = p.next_delay(1, true, Some(Duration::from_secs(61))).unwrap();
        assert!(fallback <= Duration::from_millis(500), "{fallback:?}");
    }

    #[test]
    fn a_retry_after_http_date_becomes_a_wait_from_now() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let h = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]);
        assert_eq!(server_delay_or_date(&h, now), Some(Duration::from_secs(30)));
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT")]);
        assert_eq!(server_delay_or_date(&past, now), None);
        assert_eq!(server_delay_or_date(&headers(&[("retry-after-ms", "20")]), now), Some(Duration::from_millis(20)));
    }

    #[tokio::test]
    async fn run_retries_only_what_is_retryable() {
        let p = RetryPolicy { initial_backoff: Duration::from_millis(1), ..policy() };
        let fail = |retryable| Failure { error: Error::transient("x"), retryable, server_delay: None };
        let mut calls = 0;
        let r: Result<u32> = run(&p, "test", |n| {
            calls += 1;
            let out = if n < 3 { Err(fail(true)) } else { Ok(n) };
            async move { out }
        })
        .await;
        assert_eq!((r.unwrap(), calls), (3, 3));
        let mut calls = 0;
        let r: Result<u32> = run(&p, "test", |_| {
            calls += 1;
            async move { Err(fail(false)) }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 1);
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
