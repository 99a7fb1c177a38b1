//! Slowing down before Anthropic's rate limits bite, from the `anthropic-ratelimit-*` headers every
//! answer carries: when a limit's `…-remaining` falls below a threshold, no further call starts
//! before that limit's `…-reset` (an RFC 3339 instant).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;

/// The limit families Anthropic reports, and whether each counts requests (else tokens).
const FAMILIES: [(&str, bool); 4] = [("requests", true), ("tokens", false), ("input-tokens", false), ("output-tokens", false)];

/// When to pause.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Thresholds {
    /// Pause when fewer requests than this remain.
    pub(crate) min_requests: u64,
    /// Pause when fewer tokens than this remain (of any token family).
    pub(crate) min_tokens: u64,
    /// The longest pause.
    pub(crate) max_wait: Duration,
}

/// How long to hold further calls after an answer with these headers, seen at `now`; `None` when
/// every reported limit has room (or no limit is reported).
pub(crate) fn pause_needed(headers: &HeaderMap, now: DateTime<Utc>, t: &Thresholds) -> Option<Duration> {
    let get = |name: String| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    FAMILIES
        .iter()
        .filter_map(|&(family, is_requests)| {
            let remaining: u64 = get(format!("anthropic-ratelimit-{family}-remaining"))?.parse().ok()?;
            let min = if is_requests { t.min_requests } else { t.min_tokens };
            if remaining >= min {
                return None;
            }
            let reset = DateTime::parse_from_rfc3339(get(format!("anthropic-ratelimit-{family}-reset"))?).ok()?;
            (reset.with_timezone(&Utc) - now).to_std().ok().filter(|d| !d.is_zero())
        })
        .max()
        .map(|d| d.min(t.max_wait))
}

/// Shared by every call of one generator: remembers until when calls must wait.
#[derive(Debug)]
pub(crate) struct RateLimitGate {
    thresholds: Thresholds,
    paused_until: Mutex<Option<Instant>>,
}

impl RateLimitGate {
    pub(crate) fn new(thresholds: Thresholds) -> Self {
        Self { thresholds, paused_until: Mutex::new(None) }
    }

    /// Reads an answer's rate-limit headers, seen at wall time `now_utc` and monotonic time `now`.
    pub(crate) fn observe_at(&self, headers: &HeaderMap, now_utc: DateTime<Utc>, now: Instant) {
        let Some(wait) = pause_needed(headers, now_utc, &self.thresholds) else { return };
        let until = now + wait;
        let mut slot = self.paused_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none_or(|current| current < until) {
            *slot = Some(until);
        }
        let wait_ms = wait.as_millis() as u64;
        tracing::info!(wait_ms, "Anthropic rate limit nearly exhausted; holding further calls until its reset");
    }

    /// [`Self::observe_at`] now.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        self.observe_at(headers, Utc::now(), Instant::now());
    }

    /// How long a call starting at `now` must still wait.
    pub(crate) fn remaining_pause(&self, now: Instant) -> Option<Duration> {
        let slot = self.paused_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.and_then(|until| until.checked_duration_since(now)).filter(|d| !d.is_zero())
    }

    /// Waits until calls may start again.
    pub(crate) async fn ready(&self) {
        while let Some(wait) = self.remaining_pause(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn t() -> Thresholds {
        Thresholds { min_requests: 1, min_tokens: 1_000, max_wait: Duration::from_secs(60) }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T21:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn plenty_left_means_no_pause() {
        let h = headers(&[
            ("anthropic-ratelimit-requests-remaining", "49"),
            ("anthropic-ratelimit-requests-reset", "2026-11-25T21:00:01Z"),
            ("anthropic-ratelimit-tokens-remaining", "38000"),
            ("anthropic-ratelimit-tokens-reset", "2026-11-25T21:00:09Z"),
        ]);
        assert_eq!(pause_needed(&h, now(), &t()), None);
        assert_eq!(pause_needed(&HeaderMap::new(), now(), &t()), None);
    }

    #[test]
    fn an_exhausted_limit_pauses_until_its_reset_and_the_longest_wins() {
        let h = headers(&[
            ("anthropic-ratelimit-requests-remaining", "0"),
            ("anthropic-ratelimit-requests-reset", "2026-11-25T21:00:02Z"),
            ("anthropic-ratelimit-input-tokens-remaining", "0"),
            ("anthropic-ratelimit-input-tokens-reset", "2026-11-25T21:00:07.500Z"),
            ("anthropic-ratelimit-output-tokens-remaining", "8000"),
            ("anthropic-ratelimit-output-tokens-reset", "2026-11-25T21:00:30Z"),
        ]);
        assert_eq!(pause_needed(&h, now(), &t()), Some(Duration::from_millis(7_500)));
    }

    #[test]
    fn a_reset_in_the_past_or_far_away_is_bounded() {
        let past = headers(&[("anthropic-ratelimit-tokens-remaining", "0"), ("anthropic-ratelimit-tokens-reset", "2026-11-25T20:59:00Z")]);
        assert_eq!(pause_needed(&past, now(), &t()), None);
        let far =
            headers(&[("anthropic-ratelimit-requests-remaining", "0"), ("anthropic-ratelimit-requests-reset", "2026-11-25T23:00:00Z")]);
        assert_eq!(pause_needed(&far, now(), &t()), Some(Duration::from_secs(60)));
        let garbage = headers(&[("anthropic-ratelimit-requests-remaining", "0"), ("anthropic-ratelimit-requests-reset", "soon")]);
        assert_eq!(pause_needed(&garbage, now(), &t()), None);
    }

    #[test]
    fn the_gate_holds_calls_until_the_reset_on_a_fake_clock() {
        let gate = RateLimitGate::new(t());
        let start = Instant::now();
        assert_eq!(gate.remaining_pause(start), None);
        let h = headers(&[("anthropic-ratelimit-requests-remaining", "0"), ("anthropic-ratelimit-requests-reset", "2026-11-25T21:00:05Z")]);
        gate.observe_at(&h, now(), start);
        assert_eq!(gate.remaining_pause(start), Some(Duration::from_secs(5)));
        assert_eq!(gate.remaining_pause(start + Duration::from_secs(2)), Some(Duration::from_secs(3)));
        assert_eq!(gate.remaining_pause(start + Duration::from_secs(5)), None);
        // A later answer with a shorter pause does not shorten the one in force.
        let shorter =
            headers(&[("anthropic-ratelimit-requests-remaining", "0"), ("anthropic-ratelimit-requests-reset", "2026-11-25T21:00:01Z")]);
        gate.observe_at(&shorter, now(), start);
        assert_eq!(gate.remaining_pause(start), Some(Duration::from_secs(5)));
    }

    #[tokio::test]
    async fn ready_sleeps_out_a_short_pause() {
        let gate = RateLimitGate::new(t());
        let reset = (Utc::now() + chrono::Duration::milliseconds(80)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        gate.observe(&headers(&[("anthropic-ratelimit-tokens-remaining", "0"), ("anthropic-ratelimit-tokens-reset", &reset)]));
        let start = Instant::now();
        gate.ready().await;
        assert!(start.elapsed() >= Duration::from_millis(50), "{:?}", start.elapsed());
    }
}
