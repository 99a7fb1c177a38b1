//! One retry policy for every outbound client (the LLM providers in `growth-llm`, the platform
//! adapters in `growth-adapters`): reading the server's requested wait, exponential backoff with
//! jitter and a cap, and the attempt loop.
//!
//! This module knows no HTTP types: callers pass header *values* (`Option<&str>`) and decide
//! themselves which statuses are worth retrying — that classification differs per platform, the
//! rest does not.
//!
//! # The server's requested wait
//! [`server_delay`] reads `retry-after-ms` (milliseconds, fractional allowed; sent by OpenAI's and
//! Anthropic's APIs) first, then `Retry-After` as delta-seconds (integer or fractional) or as an
//! HTTP date. A date in the past is a zero wait; negative, non-finite or unreadable values are no
//! suggestion at all.
//!
//! **`Retry-After: 0` means "retry now".** RFC 9110 §10.2.3 defines the value as the delay to wait
//! and zero is a valid delay, so the policy retries at once (still within `max_attempts`) instead
//! of falling back to its own backoff. (Anthropic's and OpenAI's SDKs treat 0 as "no suggestion"
//! and back off; we follow the RFC, the same way for every client.)

use std::future::Future;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::{Error, Result};

/// The longest wait a header value is read as (about 31 years); larger values are unreadable.
const MAX_HEADER_SECONDS: f64 = 1e9;

/// The wait the server asked for, from the values of its `retry-after-ms` and `Retry-After`
/// headers (as received, `None` when absent), seen at `now`.
///
/// `retry-after-ms` wins when readable; `Retry-After` is delta-seconds or an HTTP date (IMF-fixdate
/// `Wed, 21 Oct 2015 07:28:00 GMT`, or the obsolete RFC 850 and asctime forms). Zero is a real
/// answer ("retry now", see the module docs), as is a date in the past.
pub fn server_delay(retry_after_ms: Option<&str>, retry_after: Option<&str>, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = retry_after_ms.and_then(non_negative_number) {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = retry_after?.trim();
    if let Some(secs) = non_negative_number(value) {
        return Some(Duration::from_secs_f64(secs));
    }
    let at = http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn non_negative_number(s: &str) -> Option<f64> {
    let v: f64 = s.trim().parse().ok()?;
    // Bounded so `Duration::from_secs_f64` cannot panic on absurd values.
    (v.is_finite() && (0.0..=MAX_HEADER_SECONDS).contains(&v)).then_some(v)
}

/// An HTTP date (RFC 9110 §5.6.7) as a point in time.
fn http_date(s: &str) -> Option<SystemTime> {
    // IMF-fixdate is an RFC 2822 date; the two obsolete forms need their own patterns.
    let utc = DateTime::parse_from_rfc2822(s).map(|d| d.with_timezone(&Utc)).ok().or_else(|| {
        ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .map(|naive| naive.and_utc())
    })?;
    let secs = u64::try_from(utc.timestamp()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// Exponential backoff: `initial · 2^(retry-1)`, capped at `max`, minus up to a quarter at random
/// when `jitter` is on (so clients that failed together do not retry in lockstep).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The wait before the first retry.
    pub initial: Duration,
    /// The ceiling.
    pub max: Duration,
    /// Take up to 25 % off each wait at random.
    pub jitter: bool,
}

impl Default for Backoff {
    /// 0.5 s doubling to 8 s with jitter: the official OpenAI and Anthropic SDKs' numbers.
    fn default() -> Self {
        Self { initial: Duration::from_millis(500), max: Duration::from_secs(8), jitter: true }
    }
}

impl Backoff {
    /// The wait before retry number `retry` (1-based), before jitter.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(20);
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// The wait before retry number `retry` (1-based), jitter applied.
    pub fn delay(&self, retry: u32) -> Duration {
        let d = self.ceiling(retry);
        if self.jitter { d.mul_f64(1.0 - 0.25 * random_unit()) } else { d }
    }
}

/// A float in `[0, 1)`, good enough for jitter (not for anything secret): a randomly keyed
/// SipHash of the clock.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What a server-requested wait longer than [`RetryPolicy::max_server_delay`] means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongServerDelay {
    /// Stop retrying here and hand the error (with its wait) to the caller, who can reschedule
    /// (OpenAI's SDK; the platform adapters).
    GiveUp,
    /// Ignore the suggestion and use the backoff (Anthropic's SDK).
    Backoff,
}

/// How many times to try and how long to wait between tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (0 counts as 1).
    pub max_attempts: u32,
    /// The wait when the server suggests none.
    pub backoff: Backoff,
    /// The longest server-requested wait sat out as such.
    pub max_server_delay: Duration,
    /// What a longer requested wait means.
    pub long_server_delay: LongServerDelay,
}

impl Default for RetryPolicy {
    /// Three attempts, [`Backoff::default`], server waits honoured up to 60 s and longer ones
    /// handed to the caller.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            backoff: Backoff::default(),
            max_server_delay: Duration::from_secs(60),
            long_server_delay: LongServerDelay::GiveUp,
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The wait before the next attempt after attempt `attempt` (1-based) failed, or `None` to
    /// stop. `server_delay` is what the server asked for ([`server_delay`]); `Some(ZERO)` retries
    /// at once.
    pub fn next_delay(&self, attempt: u32, retryable: bool, server_delay: Option<Duration>) -> Option<Duration> {
        if !retryable || attempt >= self.max_attempts.max(1) {
            return None;
        }
        match server_delay {
            Some(d) if d > self.max_server_delay => match self.long_server_delay {
                LongServerDelay::GiveUp => None,
                LongServerDelay::Backoff => Some(self.backoff.delay(attempt)),
            },
            Some(d) => Some(d),
            None => Some(self.backoff.delay(attempt)),
        }
    }
}

/// A failed attempt: what it means and whether another may succeed.
#[derive(Debug)]
pub struct Failure {
    /// The error reported if this was the last attempt.
    pub error: Error,
    /// Whether another attempt may succeed (the caller's classification: status, `x-should-retry`,
    /// idempotency …).
    pub retryable: bool,
    /// The wait the server asked for, if it did.
    pub server_delay: Option<Duration>,
}

impl Failure {
    /// A failure no retry can fix.
    pub fn fatal(error: Error) -> Self {
        Self { error, retryable: false, server_delay: None }
    }

    /// A failure worth another attempt after the backoff (or after `server_delay` when given).
    pub fn retry(error: Error, server_delay: Option<Duration>) -> Self {
        Self { error, retryable: true, server_delay }
    }
}

impl From<Error> for Failure {
    /// Retryable exactly when the error says so ([`Error::is_retryable`]), with its wait.
    fn from(error: Error) -> Self {
        Self { retryable: error.is_retryable(), server_delay: error.retry_after(), error }
    }
}

/// Runs `attempt` (given the 1-based attempt number) until it succeeds, fails for good, or the
/// policy says stop, sleeping between attempts as the policy says. `what` names the call in logs.
///
/// # Errors
/// The error of the last failed attempt.
pub async fn run<T, F, Fut>(policy: &RetryPolicy, what: &str, mut attempt: F) -> Result<T>
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
        let Some(wait) = policy.next_delay(n, failure.retryable, failure.server_delay) else {
            return Err(failure.error);
        };
        tracing::warn!(attempt = n, wait_ms = wait.as_millis() as u64, error = %failure.error, "{what} failed; retrying");
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str) -> SystemTime {
        http_date(date).unwrap()
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            backoff: Backoff { initial: Duration::from_millis(500), max: Duration::from_secs(8), jitter: true },
            max_server_delay: Duration::from_secs(120),
            long_server_delay: LongServerDelay::GiveUp,
        }
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let now = SystemTime::now();
        assert_eq!(server_delay(Some("250"), Some("7"), now), Some(Duration::from_millis(250)));
        assert_eq!(server_delay(Some("12.5"), None, now), Some(Duration::from_micros(12_500)));
        assert_eq!(server_delay(Some("soon"), Some("7"), now), Some(Duration::from_secs(7)), "an unreadable ms value falls through");
    }

    #[test]
    fn delta_seconds_are_read_as_integers_or_fractions() {
        let now = SystemTime::now();
        assert_eq!(server_delay(None, Some("7"), now), Some(Duration::from_secs(7)));
        assert_eq!(server_delay(None, Some(" 0.25 "), now), Some(Duration::from_millis(250)));
    }

    #[test]
    fn retry_after_zero_means_retry_now() {
        let now = SystemTime::now();
        assert_eq!(server_delay(None, Some("0"), now), Some(Duration::ZERO));
        assert_eq!(server_delay(Some("0"), None, now), Some(Duration::ZERO));
        assert_eq!(policy().next_delay(1, true, Some(Duration::ZERO)), Some(Duration::ZERO), "no backoff on top");
        let anthropic = RetryPolicy { long_server_delay: LongServerDelay::Backoff, ..policy() };
        assert_eq!(anthropic.next_delay(1, true, Some(Duration::ZERO)), Some(Duration::ZERO));
        assert_eq!(policy().next_delay(3, true, Some(Duration::ZERO)), None, "still within max_attempts");
    }

    #[test]
    fn an_http_date_is_the_wait_from_now_and_a_past_one_is_zero() {
        let now = at("Wed, 21 Oct 2026 07:28:00 GMT");
        assert_eq!(server_delay(None, Some("Wed, 21 Oct 2026 07:28:30 GMT"), now), Some(Duration::from_secs(30)));
        assert_eq!(server_delay(None, Some("Wed, 21 Oct 2026 07:27:00 GMT"), now), Some(Duration::ZERO));
        assert_eq!(server_delay(Some("20"), Some("Wed, 21 Oct 2026 07:28:30 GMT"), now), Some(Duration::from_millis(20)));
    }

    #[test]
    fn the_obsolete_http_date_forms_are_read_too() {
        let now = at("Sun, 06 Nov 1994 08:49:00 GMT");
        assert_eq!(server_delay(None, Some("Sunday, 06-Nov-94 08:49:37 GMT"), now), Some(Duration::from_secs(37)));
        assert_eq!(server_delay(None, Some("Sun Nov  6 08:49:37 1994"), now), Some(Duration::from_secs(37)));
    }

    #[test]
    fn garbage_negative_and_absurd_values_are_no_suggestion() {
        let now = SystemTime::now();
        for v in ["soon", "-3", "1e300", "NaN", "inf", ""] {
            assert_eq!(server_delay(None, Some(v), now), None, "{v}");
        }
        assert_eq!(server_delay(Some("-1"), None, now), None);
        assert_eq!(server_delay(None, None, now), None);
    }

    #[test]
    fn a_requested_wait_past_the_limit_gives_up_or_backs_off_as_configured() {
        assert_eq!(policy().next_delay(1, true, Some(Duration::from_secs(121))), None);
        assert_eq!(policy().next_delay(1, true, Some(Duration::from_secs(120))), Some(Duration::from_secs(120)));
        let p = RetryPolicy { max_server_delay: Duration::from_secs(60), long_server_delay: LongServerDelay::Backoff, ..policy() };
        assert_eq!(p.next_delay(1, true, Some(Duration::from_secs(60))), Some(Duration::from_secs(60)));
        let fallback = p.next_delay(1, true, Some(Duration::from_secs(61))).unwrap();
        assert!(fallback <= Duration::from_millis(500), "{fallback:?}");
    }

    #[test]
    fn backoff_doubles_is_capped_and_jitter_takes_at_most_a_quarter() {
        let b = Backoff { initial: Duration::from_millis(100), max: Duration::from_millis(350), jitter: false };
        assert_eq!(b.delay(1), Duration::from_millis(100));
        assert_eq!(b.delay(2), Duration::from_millis(200));
        assert_eq!(b.delay(3), Duration::from_millis(350));
        assert_eq!(b.delay(40), Duration::from_millis(350));
        let j = Backoff { jitter: true, ..b };
        for _ in 0..200 {
            let d = j.delay(2);
            assert!(d <= Duration::from_millis(200) && d >= Duration::from_millis(150), "{d:?}");
        }
    }

    #[test]
    fn attempts_stop_at_the_limit_and_on_what_is_not_retryable() {
        let p = policy();
        assert!(p.next_delay(1, true, None).is_some());
        assert!(p.next_delay(2, true, None).is_some());
        assert_eq!(p.next_delay(3, true, None), None);
        assert_eq!(p.next_delay(1, false, None), None);
        assert_eq!(RetryPolicy::none().next_delay(1, true, None), None);
        assert_eq!(RetryPolicy { max_attempts: 0, ..p }.next_delay(1, true, None), None, "0 counts as 1");
    }

    #[test]
    fn a_failure_from_an_error_keeps_its_verdict_and_wait() {
        let f = Failure::from(Error::RateLimited { retry_after: Some(Duration::from_secs(2)) });
        assert!(f.retryable);
        assert_eq!(f.server_delay, Some(Duration::from_secs(2)));
        assert!(!Failure::from(Error::Permanent("x".into())).retryable);
    }

    #[tokio::test]
    async fn run_retries_only_what_is_retryable_and_returns_the_last_error() {
        let p = RetryPolicy { backoff: Backoff { initial: Duration::from_millis(1), ..Backoff::default() }, ..policy() };
        let mut calls = 0;
        let r: Result<u32> = run(&p, "test", |n| {
            calls += 1;
            let out = if n < 3 { Err(Failure::retry(Error::transient("x"), None)) } else { Ok(n) };
            async move { out }
        })
        .await;
        assert_eq!((r.unwrap(), calls), (3, 3));

        let mut calls = 0;
        let r: Result<u32> = run(&p, "test", |_| {
            calls += 1;
            async move { Err(Failure::fatal(Error::Permanent("no".into()))) }
        })
        .await;
        assert!(matches!(r, Err(Error::Permanent(_))));
        assert_eq!(calls, 1);

        let mut calls = 0;
        let r: Result<u32> = run(&p, "test", |n| {
            calls += 1;
            async move { Err(Failure::retry(Error::transient(format!("attempt {n}")), Some(Duration::ZERO))) }
        })
        .await;
        assert!(matches!(r, Err(Error::Transient { ref message, .. }) if message == "attempt 3"), "{r:?}");
        assert_eq!(calls, 3);
    }
}
