//! Recurring jobs (the PRD's Celery beat, kept in the database): each [`CronEntry`] names a cron
//! expression (UTC) and the job to enqueue when it fires. Every instance may run a [`CronScheduler`];
//! a firing is claimed with [`crate::store::IdempotencyStore::try_fire_cron`], so exactly one
//! instance enqueues it however many are running, and the job's dedupe key makes a retry of the
//! enqueue harmless too.
//!
//! Missed firings (the process was down) are coalesced: when the scheduler comes back it fires the
//! latest due occurrence of each entry once, if it is within `catch_up` of now — an hourly sync
//! missed for a day runs once, not 24 times.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::JobQueue;
use crate::clock::Clock;
use crate::domain::{JobKind, NewJob};
use crate::store::IdempotencyStore;
use crate::{Error, Result};

/// What cron needs of the store: firings and the queue.
pub trait CronStore: IdempotencyStore + JobQueue {}
impl<T: IdempotencyStore + JobQueue + ?Sized> CronStore for T {}

/// One recurring job.
#[derive(Clone, Debug)]
pub struct CronEntry {
    name: String,
    schedule: croner::Cron,
    kind: JobKind,
    payload: serde_json::Value,
}

impl CronEntry {
    /// `name` (unique; it keys the firings) enqueues a `kind` job with `payload` on `expression`
    /// (five-field cron, UTC: `"0 * * * *"` is hourly). A bad expression is `InvalidInput`.
    pub fn new(name: impl Into<String>, expression: &str, kind: JobKind, payload: serde_json::Value) -> Result<Self> {
        let name = name.into();
        let schedule = croner::Cron::from_str(expression)
            .map_err(|e| Error::invalid_field("schedule", format!("`{expression}` is not a cron expression for {name}: {e}")))?;
        Ok(Self { name, schedule, kind, payload })
    }

    /// The entry's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The latest occurrence at or before `now`.
    pub fn last_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.find_previous_occurrence(&now, true).ok()
    }

    /// The next occurrence after `now`.
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.find_next_occurrence(&now, false).ok()
    }
}

/// Fires the entries that are due (see the module docs).
#[derive(Clone, Debug)]
pub struct CronScheduler {
    store: Arc<dyn CronStore>,
    clock: Arc<dyn Clock>,
    entries: Vec<CronEntry>,
    instance: String,
    catch_up: chrono::Duration,
}

impl CronScheduler {
    /// A scheduler for `entries`, claiming firings as `instance`; a missed firing older than one
    /// day is not caught up.
    pub fn new(store: Arc<dyn CronStore>, clock: Arc<dyn Clock>, entries: Vec<CronEntry>, instance: impl Into<String>) -> Self {
        Self { store, clock, entries, instance: instance.into(), catch_up: chrono::Duration::days(1) }
    }

    /// How far back a missed firing is still run.
    pub fn catch_up(mut self, window: chrono::Duration) -> Self {
        self.catch_up = window;
        self
    }

    /// The entries.
    pub fn entries(&self) -> &[CronEntry] {
        &self.entries
    }

    /// Fires what is due now; answers the names of the entries this call enqueued.
    pub async fn tick(&self) -> Result<Vec<String>> {
        let now = self.clock.now();
        let mut fired = Vec::new();
        for e in &self.entries {
            let Some(at) = e.last_due(now) else { continue };
            if at < now - self.catch_up {
                continue;
            }
            if !self.store.try_fire_cron(&format!("cron:{}", e.name), at, &self.instance).await? {
                continue;
            }
            let job = NewJob::new(e.kind.clone(), e.payload.clone()).dedupe_key(format!("cron:{}:{}", e.name, at.timestamp()));
            let stored = self.store.enqueue(job).await?;
            tracing::info!(cron = %e.name, fire_at = %at, job = %stored.value.id, "cron fired");
            fired.push(e.name.clone());
        }
        Ok(fired)
    }

    /// Ticks every `every` until `shutdown`.
    pub async fn run(&self, every: Duration, shutdown: CancellationToken) {
        if self.entries.is_empty() {
            return;
        }
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %e, "cron tick failed; trying again");
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(every) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::clock::ManualClock;
    use crate::memory::InMemoryStore;

    fn hourly() -> CronEntry {
        CronEntry::new("sync", "0 * * * *", JobKind::new("test.sync").unwrap(), serde_json::json!({})).unwrap()
    }

    #[test]
    fn a_bad_expression_names_the_entry() {
        let err = CronEntry::new("weekly", "every monday", JobKind::new("x").unwrap(), serde_json::json!({})).unwrap_err();
        assert!(err.to_string().contains("weekly"), "{err}");
    }

    #[tokio::test]
    async fn a_firing_is_enqueued_once_however_many_instances_tick() {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 30).unwrap()));
        let store = Arc::new(InMemoryStore::new(clock.clone()));
        let a = CronScheduler::new(store.clone(), clock.clone(), vec![hourly()], "a");
        let b = CronScheduler::new(store.clone(), clock.clone(), vec![hourly()], "b");
        let fired = [a.tick().await.unwrap(), b.tick().await.unwrap(), a.tick().await.unwrap()];
        assert_eq!(fired.iter().map(Vec::len).sum::<usize>(), 1);
        assert_eq!(store.list_jobs(None, 10).await.unwrap().len(), 1);
        clock.advance(chrono::Duration::minutes(59));
        assert!(b.tick().await.unwrap().is_empty(), "10:59 is not due");
        clock.advance(chrono::Duration::minutes(1));
        assert_eq!(b.tick().await.unwrap(), vec!["sync".to_owned()], "11:00 is");
        assert_eq!(store.list_jobs(None, 10).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn missed_firings_are_coalesced_and_old_ones_dropped() {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap()));
        let store = Arc::new(InMemoryStore::new(clock.clone()));
        let s = CronScheduler::new(store.clone(), clock.clone(), vec![hourly()], "a").catch_up(chrono::Duration::hours(2));
        clock.advance(chrono::Duration::hours(5) + chrono::Duration::minutes(10));
        assert_eq!(s.tick().await.unwrap().len(), 1, "five missed hours fire once");
        let weekly = CronEntry::new("weekly", "0 3 * * MON", JobKind::new("test.w").unwrap(), serde_json::json!({})).unwrap();
        let s = CronScheduler::new(store.clone(), clock.clone(), vec![weekly], "a").catch_up(chrono::Duration::hours(2));
        assert!(s.tick().await.unwrap().is_empty(), "last Monday 03:00 is older than the catch-up window");
    }
}
