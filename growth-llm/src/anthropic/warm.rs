//! Coalescing prompt-cache writes: a cache entry is only readable once the call that writes it has
//! started answering, so calls over the same prefix fired together would *all* write it (each
//! paying 1.25× for the prefix instead of 0.1×). The first call over a prefix goes alone; the others
//! wait until its entry is readable — its answer's first event, `message_start` (or its whole
//! answer, [`CacheRelease::Answer`](super::CacheRelease::Answer)) — then run concurrently and read
//! the cache.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How long a written prefix is assumed to stay cached after its last use (Anthropic's default
/// `ephemeral` lifetime, refreshed on every hit).
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(5 * 60);

#[derive(Debug)]
enum Entry {
    /// A call is writing this prefix; others wait for it.
    Warming(Arc<Notify>),
    /// Written; assumed readable until then.
    Warm(Instant),
}

/// Tracks which cacheable prefixes are written or being written.
#[derive(Debug, Default)]
pub(crate) struct CacheWarmer {
    entries: Mutex<HashMap<u64, Entry>>,
}

/// The key of a cached prefix: the model and the texts up to the last breakpoint.
pub(crate) fn prefix_key<'a>(model: &str, prefix: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut h = DefaultHasher::new();
    model.hash(&mut h);
    for text in prefix {
        text.hash(&mut h);
    }
    h.finish()
}

impl CacheWarmer {
    /// Waits while another call writes prefix `key`. Returns a guard when this call is the one to
    /// write it (report with [`WarmGuard::warmed`]; dropping the guard otherwise lets the waiters go,
    /// the next of them becoming the writer), `None` when the prefix is already written.
    pub(crate) async fn enter(&self, key: u64) -> Option<WarmGuard<'_>> {
        loop {
            let notified = {
                let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                match entries.get(&key) {
                    Some(Entry::Warm(until)) if *until > now => return None,
                    Some(Entry::Warming(notify)) => Arc::clone(notify).notified_owned(),
                    _ => {
                        entries.retain(|_, e| !matches!(e, Entry::Warm(until) if *until <= now));
                        entries.insert(key, Entry::Warming(Arc::new(Notify::new())));
                        return Some(WarmGuard { warmer: self, key, done: false });
                    }
                }
            };
            notified.await;
        }
    }

    /// Notes that prefix `key` was just read or written (the cache's lifetime restarts).
    pub(crate) fn touch(&self, key: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(Entry::Warm(until)) = entries.get_mut(&key) {
            *until = Instant::now() + CACHE_TTL;
        }
    }

    fn finish(&self, key: u64, warmed: bool) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let previous = if warmed { entries.insert(key, Entry::Warm(Instant::now() + CACHE_TTL)) } else { entries.remove(&key) };
        if let Some(Entry::Warming(notify)) = previous {
            notify.notify_waiters();
        }
    }
}

/// Held by the call writing a prefix.
#[derive(Debug)]
pub(crate) struct WarmGuard<'a> {
    warmer: &'a CacheWarmer,
    key: u64,
    done: bool,
}

impl WarmGuard<'_> {
    /// The prefix is written and readable: the waiters go.
    pub(crate) fn warmed(mut self) {
        self.done = true;
        self.warmer.finish(self.key, true);
    }
}

impl Drop for WarmGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.warmer.finish(self.key, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_call_writes_and_the_others_wait_for_it() {
        let warmer = Arc::new(CacheWarmer::default());
        let key = prefix_key("m", ["voice", "transcript"]);
        let guard = warmer.enter(key).await.unwrap();
        let w = Arc::clone(&warmer);
        let waiter = tokio::spawn(async move { w.enter(key).await.is_none() });
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiter.is_finished(), "waits while the prefix is being written");
        guard.warmed();
        assert!(waiter.await.unwrap(), "then proceeds without writing");
        assert!(warmer.enter(key).await.is_none());
        assert!(warmer.enter(prefix_key("m", ["other"])).await.is_some(), "another prefix is written separately");
    }

    #[tokio::test]
    async fn a_failed_writer_hands_the_write_to_a_waiter() {
        let warmer = Arc::new(CacheWarmer::default());
        let key = prefix_key("m", ["p"]);
        let guard = warmer.enter(key).await.unwrap();
        let w = Arc::clone(&warmer);
        let waiter = tokio::spawn(async move { w.enter(key).await.map(|g| g.warmed()).is_some() });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(guard);
        assert!(waiter.await.unwrap(), "the waiter becomes the writer");
        assert!(warmer.enter(key).await.is_none());
    }

    #[test]
    fn the_key_depends_on_the_model_and_every_block() {
        assert_ne!(prefix_key("a", ["x"]), prefix_key("b", ["x"]));
        assert_ne!(prefix_key("a", ["x", "y"]), prefix_key("a", ["xy"]));
        assert_eq!(prefix_key("a", ["x", "y"]), prefix_key("a", ["x", "y"]));
    }
}
