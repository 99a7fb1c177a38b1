//! Per-account sign-in back-off: after `auth.login_free_attempts` failed password sign-ins for one
//! email, each further failure locks that email out for twice as long as the one before
//! (`auth.login_backoff_secs`, doubling, at most `auth.login_backoff_max_secs`). While locked out,
//! every attempt — even with the right password — is a 429 with `Retry-After`, and no password is
//! checked. A success clears the count; so does a quiet spell as long as the longest back-off.
//!
//! The key is the email as typed (trimmed, lower-cased), whether or not an account has it: known
//! and unknown emails back off alike, so the 429 reveals nothing. The state is per process, like
//! the rate limits (with N instances an attacker gets N× the free attempts, then the same
//! exponential wall).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Emails tracked at most; beyond, quiet entries are forgotten first.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
    last_failure: Instant,
}

/// The back-off state of every email that failed lately.
#[derive(Debug)]
pub struct LoginThrottle {
    free: u32,
    base: Duration,
    max: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl LoginThrottle {
    /// `free` failures allowed, then `base` doubling up to `max`.
    pub fn new(free: u32, base: Duration, max: Duration) -> Self {
        Self { free, base, max: max.max(base), entries: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err(wait)` while `email` is locked out.
    pub fn check(&self, email: &str) -> Result<(), Duration> {
        let now = Instant::now();
        match self.lock().get(&key(email)).and_then(|e| e.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Counts a failed sign-in for `email`; the lock-out it starts, if any.
    pub fn failed(&self, email: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            let max = self.max;
            entries.retain(|_, e| now.duration_since(e.last_failure) <= max);
            if entries.len() >= MAX_ENTRIES {
                tracing::warn!(entries = entries.len(), "sign-in back-off table is full; this failure is not tracked");
                return None;
            }
        }
        let e = entries.entry(key(email)).or_insert(Entry { failures: 0, locked_until: None, last_failure: now });
        if now.duration_since(e.last_failure) > self.max {
            // A quiet spell as long as the longest back-off starts the count again.
            e.failures = 0;
        }
        e.failures = e.failures.saturating_add(1);
        e.last_failure = now;
        let over = e.failures.checked_sub(self.free).filter(|n| *n > 0)?;
        let wait = self.base.saturating_mul(2u32.saturating_pow(over - 1)).min(self.max);
        e.locked_until = Some(now + wait);
        Some(wait)
    }

    /// A successful sign-in: the count for `email` starts again.
    pub fn succeeded(&self, email: &str) {
        self.lock().remove(&key(email));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(3, Duration::from_secs(1), Duration::from_secs(8))
    }

    #[tokio::test(start_paused = true)]
    async fn the_free_attempts_pass_then_each_failure_doubles_the_lock_out_up_to_the_cap() {
        let t = throttle();
        for _ in 0..3 {
            assert!(t.check("a@x.co").is_ok());
            assert_eq!(t.failed("a@x.co"), None);
        }
        let mut waits = Vec::new();
        for _ in 0..6 {
            let wait = t.failed("A@X.co ").unwrap();
            assert_eq!(t.check("a@x.co"), Err(wait), "locked out for exactly the new wait");
            tokio::time::advance(wait).await;
            assert!(t.check("a@x.co").is_ok(), "free again once it has passed");
            waits.push(wait.as_secs());
        }
        assert_eq!(waits, [1, 2, 4, 8, 8, 8]);
        assert!(t.check("someone-else@x.co").is_ok(), "other emails are not affected");
    }

    #[tokio::test(start_paused = true)]
    async fn a_success_or_a_quiet_spell_starts_the_count_again() {
        let t = throttle();
        for _ in 0..4 {
            t.failed("a@x.co");
        }
        t.succeeded("a@x.co");
        assert!(t.check("a@x.co").is_ok());
        assert_eq!(t.failed("a@x.co"), None, "counting from zero again");
        for _ in 0..3 {
            t.failed("b@x.co");
        }
        tokio::time::advance(Duration::from_secs(9)).await;
        assert_eq!(t.failed("b@x.co"), None, "longer than the longest back-off without a failure");
    }
}
