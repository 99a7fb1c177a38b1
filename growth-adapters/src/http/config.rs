//! Timeouts, retry policy and rate limits of one platform client.

use std::time::Duration;

use growth_core::retry::{Backoff, LongServerDelay, RetryPolicy};
use serde::Deserialize;

/// Durations in configuration files are whole milliseconds.
pub(crate) mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// Transport settings shared by every adapter: timeouts, retries and client-side rate limits.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Time allowed to open the connection (TCP + TLS), in ms as `connect_timeout_ms`.
    #[serde(rename = "connect_timeout_ms", with = "millis")]
    pub connect_timeout: Duration,
    /// Time allowed for one whole attempt (send + full response body), in ms as `timeout_ms`.
    #[serde(rename = "timeout_ms", with = "millis")]
    pub timeout: Duration,
    /// When and how to retry.
    pub retry: RetryConfig,
    /// Client-side request budget for this platform, when it has one.
    pub rate_limit: Option<RateLimitConfig>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self { connect_timeout: Duration::from_secs(5), timeout: Duration::from_secs(60), retry: RetryConfig::default(), rate_limit: None }
    }
}

/// When and how to retry a request.
///
/// Only requests marked [`Idempotency::Idempotent`](super::Idempotency::Idempotent) are retried on
/// 408, 429, 5xx and timeouts; connect errors (nothing was sent) are retried for every request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Attempts in total, the first included (`1` disables retries).
    pub max_attempts: u32,
    /// First backoff, in ms as `base_backoff_ms`; doubled on each retry.
    #[serde(rename = "base_backoff_ms", with = "millis")]
    pub base_backoff: Duration,
    /// Upper bound of the exponential backoff, in ms as `max_backoff_ms`.
    #[serde(rename = "max_backoff_ms", with = "millis")]
    pub max_backoff: Duration,
    /// Take up to a quarter off each backoff at random, so clients do not retry in lockstep.
    pub jitter: bool,
    /// The longest server-requested wait (`Retry-After`) we sit out inside one call, in ms as
    /// `max_retry_after_ms`. A longer request is not retried here: the caller gets
    /// `Error::RateLimited` with the wait and reschedules.
    #[serde(rename = "max_retry_after_ms", with = "millis")]
    pub max_retry_after: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            jitter: true,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The shared policy ([`growth_core::retry`]) these settings stand for: a requested wait past
    /// `max_retry_after` goes back to the caller.
    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts.max(1),
            backoff: Backoff { initial: self.base_backoff, max: self.max_backoff, jitter: self.jitter },
            max_server_delay: self.max_retry_after,
            long_server_delay: LongServerDelay::GiveUp,
        }
    }
}

/// A token bucket: `requests` per `per`, bursting up to `requests`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests allowed per window (also the burst size). Zero is treated as one.
    pub requests: u32,
    /// The window, in ms as `per_ms`.
    #[serde(rename = "per_ms", with = "millis")]
    pub per: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_become_the_shared_policy() {
        let r = RetryConfig {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            jitter: false,
            ..RetryConfig::default()
        };
        let p = r.policy();
        assert_eq!(p.backoff.delay(1), Duration::from_millis(100));
        assert_eq!(p.backoff.delay(3), Duration::from_millis(350));
        assert_eq!(p.max_attempts, 3);
        assert_eq!(p.next_delay(1, true, Some(Duration::from_secs(61))), None, "a longer wait goes back to the caller");
        assert_eq!(RetryConfig::none().policy().next_delay(1, true, None), None);
    }

    #[test]
    fn config_reads_milliseconds_and_fills_defaults() {
        let c: HttpConfig = serde_json::from_value(serde_json::json!({
            "timeout_ms": 1500,
            "retry": {"max_attempts": 5},
            "rate_limit": {"requests": 1, "per_ms": 1000}
        }))
        .unwrap();
        assert_eq!(c.timeout, Duration::from_millis(1500));
        assert_eq!(c.connect_timeout, Duration::from_secs(5));
        assert_eq!(c.retry.max_attempts, 5);
        assert_eq!(c.retry.base_backoff, Duration::from_millis(500));
        assert_eq!(c.rate_limit, Some(RateLimitConfig { requests: 1, per: Duration::from_secs(1) }));
    }
}
