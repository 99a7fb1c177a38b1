//! Knowing, without asking the database, whether anything in review changed.
//!
//! A [`ReviewChanges`] counts changes to what is in review. A change feed keeps it: on PostgreSQL a
//! trigger `NOTIFY`s every write that moves an item into, out of, or within review, and a listener
//! (`growth_store::Database::watch_review_changes`) bumps the counter for each notification; on
//! SQLite, which has no notifications, a connection of its own polls `PRAGMA data_version` (it moves
//! with every commit of any other connection, in this process or another). The review stage bumps
//! the counter too right after its own writes, so whoever wrote never reads an answer from before
//! their write; another writer's commit is seen once its notification (or the next poll) arrives. While the feed is live,
//! [`crate::review::ReviewService::pending_fingerprint`] answers from memory when the counter has not
//! moved since it last asked the database; when the feed is down (connection lost, not configured)
//! it asks the database every time, as without a feed. A reconnected feed bumps the counter once,
//! since notifications may have been missed while it was down.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A change counter and whether the feed behind it is live.
#[derive(Debug, Default)]
pub struct ReviewChanges {
    generation: AtomicU64,
    live: AtomicBool,
}

impl ReviewChanges {
    /// A counter whose feed is not live yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Something in review changed.
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The feed went live (it bumps: what happened before it listened is unknown) or down.
    pub fn set_live(&self, live: bool) {
        if live {
            self.bump();
        }
        self.live.store(live, Ordering::SeqCst);
    }

    /// Whether the feed is live.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    /// The counter, when the feed is live (`None`: ask the database).
    pub fn generation(&self) -> Option<u64> {
        self.is_live().then(|| self.generation.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_that_is_down_gives_no_generation_and_coming_back_counts_as_a_change() {
        let c = ReviewChanges::new();
        assert_eq!(c.generation(), None);
        c.set_live(true);
        let g = c.generation().unwrap();
        c.set_live(false);
        assert_eq!(c.generation(), None);
        c.set_live(true);
        assert!(c.generation().unwrap() > g, "missed notifications while down count as a change");
    }
}
