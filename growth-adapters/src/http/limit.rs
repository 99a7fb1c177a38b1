//! Client-side rate limits: a token bucket per client and a minimum interval per request key.
//!
//! Both are in-process: several workers each hold their own. Sharing a platform limit across
//! machines (through the database) is the store's job and not done here.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use growth_core::Error;
use tokio::time::Instant;

use super::RateLimitConfig;

/// A token bucket: waits until a request may go out.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    capacity: f64,
    per_token: Duration,
    state: Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn new(cfg: &RateLimitConfig) -> Self {
        let requests = cfg.requests.max(1);
        let per_token = cfg.per / requests;
        let capacity = f64::from(requests);
        Self { capacity, per_token, state: Mutex::new(BucketState { tokens: capacity, last: Instant::now() }) }
    }

    /// Takes one token, sleeping until one is available.
    pub(crate) async fn acquire(&self) {
        loop {
            let wait = {
                // A poisoned lock only means another task panicked mid-update; the numbers are still usable.
                let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let now = Instant::now();
                let elapsed = now.duration_since(s.last);
                s.last = now;
                if self.per_token.is_zero() {
                    return;
                }
                s.tokens = (s.tokens + elapsed.as_secs_f64() / self.per_token.as_secs_f64()).min(self.capacity);
                if s.tokens >= 1.0 {
                    s.tokens -= 1.0;
                    return;
                }
                self.per_token.mul_f64(1.0 - s.tokens)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// At most one request per key per `interval` (Riverside: one transcript download per unique
/// request every 3 minutes).
///
/// It does not wait: a request inside the interval is refused with [`Error::RateLimited`] carrying
/// the remaining wait, so a job can be rescheduled instead of holding a worker for minutes.
#[derive(Debug)]
pub struct MinInterval {
    interval: Duration,
    last: Mutex<HashMap<String, Instant>>,
}

impl MinInterval {
    /// A limiter allowing one request per key per `interval`.
    pub fn new(interval: Duration) -> Self {
        Self { interval, last: Mutex::new(HashMap::new()) }
    }

    /// Reserves the slot for `key`, or says how long until it frees up.
    ///
    /// # Errors
    /// [`Error::RateLimited`] with the remaining wait when `key` was used less than `interval` ago.
    pub fn try_acquire(&self, key: &str) -> Result<(), Error> {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        // `at + interval` rather than `now - at`: `block_for` may put `at` in the future.
        last.retain(|_, at| *at + self.interval > now);
        if let Some(at) = last.get(key) {
            let remaining = (*at + self.interval).saturating_duration_since(now);
            return Err(Error::RateLimited { retry_after: Some(remaining) });
        }
        last.insert(key.to_owned(), now);
        Ok(())
    }

    /// Frees `key` again (the request failed before the platform could count it).
    pub fn release(&self, key: &str) {
        self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
    }

    /// Marks `key` as used for `wait` from now (the server told us its own window, e.g. on a 429).
    pub fn block_for(&self, key: &str, wait: Duration) {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = (Instant::now() + wait).checked_sub(self.interval).unwrap_or_else(Instant::now);
        last.insert(key.to_owned(), at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_bucket_allows_a_burst_then_spaces_requests() {
        let b = TokenBucket::new(&RateLimitConfig { requests: 2, per: Duration::from_secs(1) });
        let start = Instant::now();
        b.acquire().await;
        b.acquire().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        b.acquire().await;
        assert!(start.elapsed() >= Duration::from_millis(499), "{:?}", start.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_key_is_refused_inside_its_interval_and_other_keys_are_not() {
        let m = MinInterval::new(Duration::from_secs(180));
        m.try_acquire("file-1:srt").unwrap();
        let err = m.try_acquire("file-1:srt").unwrap_err();
        assert_eq!(err.retry_after(), Some(Duration::from_secs(180)));
        m.try_acquire("file-1:txt").unwrap();
        m.try_acquire("file-2:srt").unwrap();
        tokio::time::advance(Duration::from_secs(180)).await;
        m.try_acquire("file-1:srt").unwrap();
        m.release("file-1:srt");
        m.try_acquire("file-1:srt").unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_window_blocks_the_key_for_that_long() {
        let m = MinInterval::new(Duration::from_secs(180));
        m.block_for("k", Duration::from_secs(20));
        assert_eq!(m.try_acquire("k").unwrap_err().retry_after(), Some(Duration::from_secs(20)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_window_longer_than_the_interval_is_kept_whole() {
        let m = MinInterval::new(Duration::from_secs(10));
        m.block_for("k", Duration::from_secs(60));
        assert_eq!(m.try_acquire("k").unwrap_err().retry_after(), Some(Duration::from_secs(60)));
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(m.try_acquire("k").unwrap_err().retry_after(), Some(Duration::from_secs(1)));
        tokio::time::advance(Duration::from_secs(1)).await;
        m.try_acquire("k").unwrap();
    }
}
