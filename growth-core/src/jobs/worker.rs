//! The background worker: claims jobs from a [`JobQueue`], runs the handler registered for each
//! job's kind, keeps the lease alive while it runs, and records how the attempt ended.
//!
//! Delivery is at-least-once: a worker that dies mid-job loses its lease and another worker runs
//! the job again, so handlers must be idempotent (they check what is already saved before redoing
//! it). A worker that *loses* its lease while alive (a heartbeat refused: another worker owns the
//! job now; or heartbeats failing — database unreachable — until the lease would have run out)
//! stops its handler at once, so one job never runs twice at the same time.
//!
//! A handler's error decides what happens next: a retryable error ([`crate::Error::is_retryable`])
//! is retried with exponential backoff (honouring the error's `retry_after`) until the job's
//! attempts run out and it is `dead`; any other error fails the job for good; a panic counts as a
//! retryable failure and never takes the worker down.
//!
//! The registry is open: an embedding service registers its own [`JobHandler`]s next to the
//! built-in ones and they run in the same loop.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::JobQueue;
use crate::clock::Clock;
use crate::domain::{ClaimRequest, Job, JobKind, JobOutcome};
use crate::{Error, Result};

/// How a worker runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerConfig {
    /// Jobs run at once by one worker.
    pub concurrency: usize,
    /// How long an idle worker waits before asking for work again.
    pub poll_interval_ms: u64,
    /// How long a claim holds without a heartbeat (heartbeats come every third of it).
    pub lease_secs: u64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self { concurrency: 4, poll_interval_ms: 1000, lease_secs: 60 }
    }
}

/// What a handler gets: the job, a way to report progress, and a token that is cancelled when the
/// worker loses the job's lease or shuts down.
#[derive(Clone, Debug)]
pub struct JobContext {
    /// The claimed job (payload, attempts …).
    pub job: Job,
    queue: Arc<dyn JobQueue>,
    worker_id: String,
    cancelled: CancellationToken,
}

impl JobContext {
    /// A context for `job` claimed by `worker_id` (for running a handler outside a [`Worker`]).
    pub fn new(job: Job, queue: Arc<dyn JobQueue>, worker_id: impl Into<String>) -> Self {
        Self { job, queue, worker_id: worker_id.into(), cancelled: CancellationToken::new() }
    }

    /// Records progress (0–100) and, optionally, a partial result the API can show while the job runs.
    pub async fn progress(&self, percent: i32, partial: Option<serde_json::Value>) -> Result<()> {
        self.queue.set_progress(self.job.id, &self.worker_id, percent, partial).await
    }

    /// The worker running the job.
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// Cancelled when the lease is lost: a long handler may check it between steps (the worker also
    /// drops the handler's future at once).
    pub fn cancelled(&self) -> &CancellationToken {
        &self.cancelled
    }
}

/// Runs jobs of one kind.
#[async_trait]
pub trait JobHandler: Send + Sync + Debug + 'static {
    /// The kind this handler runs.
    fn kind(&self) -> JobKind;
    /// Runs one attempt; `Ok` carries the job's result.
    async fn run(&self, ctx: JobContext) -> Result<Option<serde_json::Value>>;
}

fn _assert_dyn(_: &dyn JobHandler) {}

/// The worker: a registry of handlers and the loop that feeds them.
#[derive(Clone, Debug)]
pub struct Worker {
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
    handlers: Arc<HashMap<JobKind, Arc<dyn JobHandler>>>,
    config: WorkerConfig,
    id: String,
}

impl Worker {
    /// A worker with no handlers yet, named `<instance>:<random>` (the instance is e.g.
    /// `host:pid`; it is recorded on every job the worker claims).
    pub fn new(queue: Arc<dyn JobQueue>, clock: Arc<dyn Clock>, config: WorkerConfig, instance: &str) -> Self {
        let id = format!("{instance}:{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        Self { queue, clock, handlers: Arc::default(), config, id }
    }

    /// Registers a handler (replacing any other for its kind).
    pub fn register(mut self, handler: Arc<dyn JobHandler>) -> Self {
        Arc::make_mut(&mut self.handlers).insert(handler.kind(), handler);
        self
    }

    /// The kinds this worker runs.
    pub fn kinds(&self) -> Vec<JobKind> {
        let mut k: Vec<JobKind> = self.handlers.keys().cloned().collect();
        k.sort();
        k
    }

    /// This worker's id, as recorded on the jobs it claims.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `shutdown` is cancelled, then lets running jobs finish (up to one lease) and
    /// returns. With no handler registered it only waits: it never claims a job it cannot run.
    pub async fn run(self, shutdown: CancellationToken) {
        if self.handlers.is_empty() {
            tracing::info!(worker = %self.id, "worker has no job handlers registered; idle");
            shutdown.cancelled().await;
            return;
        }
        tracing::info!(worker = %self.id, kinds = ?self.kinds(), concurrency = self.config.concurrency, "worker started");
        let mut slots = tokio::task::JoinSet::new();
        for slot in 0..self.config.concurrency.max(1) {
            let w = self.clone();
            let stop = shutdown.clone();
            slots.spawn(async move { w.slot(slot, stop).await });
        }
        shutdown.cancelled().await;
        let grace = Duration::from_secs(self.config.lease_secs);
        if tokio::time::timeout(grace, async { while slots.join_next().await.is_some() {} }).await.is_err() {
            tracing::warn!(worker = %self.id, "jobs still running after {grace:?}; leaving them to be claimed again");
            slots.abort_all();
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }

    async fn slot(&self, slot: usize, stop: CancellationToken) {
        let req = ClaimRequest { worker_id: self.id.clone(), kinds: self.kinds(), lease: Duration::from_secs(self.config.lease_secs) };
        let idle = Duration::from_millis(self.config.poll_interval_ms);
        while !stop.is_cancelled() {
            match self.queue.claim(&req).await {
                Ok(Some(job)) => self.process(job).await,
                Ok(None) => {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(idle) => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(worker = %self.id, slot, error = %e, "claiming a job failed; backing off");
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(idle * 5) => {}
                    }
                }
            }
        }
    }

    /// Runs one claimed job to an outcome and records it.
    pub async fn process(&self, job: Job) {
        let Some(handler) = self.handlers.get(&job.kind).cloned() else {
            // Cannot happen through `run` (it claims only registered kinds); be safe anyway.
            let _ = self
                .queue
                .complete(job.id, &self.id, JobOutcome::Failed { error: format!("no handler for job kind `{}`", job.kind) })
                .await;
            return;
        };
        let span = tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts, worker = %self.id);
        let _enter = span.enter();
        let lease = Duration::from_secs(self.config.lease_secs);
        let lost = CancellationToken::new();
        let beat = CancellationToken::new();
        let heartbeat = {
            let (queue, id, worker, beat, lost) = (self.queue.clone(), job.id, self.id.clone(), beat.clone(), lost.clone());
            tokio::spawn(async move {
                // The lease holds until `held_until` as far as this worker knows: past it without
                // a successful heartbeat, another worker may own the job, so the handler stops.
                let mut held_until = tokio::time::Instant::now() + lease;
                loop {
                    tokio::select! {
                        _ = beat.cancelled() => break,
                        _ = tokio::time::sleep(lease / 3) => {
                            let asked = tokio::time::Instant::now();
                            match queue.heartbeat(id, &worker, lease).await {
                                Ok(()) => held_until = asked + lease,
                                Err(Error::Conflict { message }) => {
                                    tracing::warn!(job = %id, %worker, %message, "lost the job's lease; stopping its handler");
                                    lost.cancel();
                                    break;
                                }
                                Err(e) if tokio::time::Instant::now() + lease / 3 >= held_until => {
                                    tracing::warn!(job = %id, %worker, error = %e, "heartbeats failed until the lease ran out; stopping its handler");
                                    lost.cancel();
                                    break;
                                }
                                Err(e) => tracing::warn!(job = %id, %worker, error = %e, "heartbeat failed; trying again before the lease runs out"),
                            }
                        }
                    }
                }
            })
        };
        let ctx = JobContext { job: job.clone(), queue: self.queue.clone(), worker_id: self.id.clone(), cancelled: lost.clone() };
        let run = std::panic::AssertUnwindSafe(handler.run(ctx)).catch_unwind();
        let result = tokio::select! {
            r = run => Some(r),
            _ = lost.cancelled() => None,
        };
        beat.cancel();
        let _ = heartbeat.await;
        let Some(result) = result else {
            // Another worker owns the job now: record nothing (we may not), and run nothing more.
            metrics::counter!(crate::telemetry::JOBS, "kind" => job.kind.to_string(), "outcome" => "lease_lost").increment(1);
            return;
        };
        let outcome = match result {
            Ok(Ok(value)) => JobOutcome::Succeeded(value),
            Ok(Err(e)) if e.is_retryable() => {
                JobOutcome::Retry { retry_at: self.clock.now() + self.backoff(job.attempts, e.retry_after()), error: e.to_string() }
            }
            Ok(Err(e)) => JobOutcome::Failed { error: e.to_string() },
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                tracing::error!(job = %job.id, panic = %msg, "job handler panicked");
                JobOutcome::Retry {
                    retry_at: self.clock.now() + self.backoff(job.attempts, None),
                    error: format!("handler panicked: {msg}"),
                }
            }
        };
        match self.queue.complete(job.id, &self.id, outcome).await {
            Ok(done) => {
                metrics::counter!(crate::telemetry::JOBS, "kind" => job.kind.to_string(), "outcome" => done.status.to_string())
                    .increment(1);
                tracing::info!(status = %done.status, "job attempt finished")
            }
            Err(Error::Conflict { message }) => {
                tracing::warn!(%message, "lost the job's lease before finishing; another worker owns it now")
            }
            Err(e) => tracing::error!(error = %e, "could not record the job's outcome; it will be retried after its lease"),
        }
    }

    fn backoff(&self, attempt: i32, asked: Option<Duration>) -> chrono::Duration {
        backoff(attempt, asked, self.clock.now().timestamp_subsec_nanos())
    }
}

/// Wait before retry number `attempt` (1-based): 5 s doubling per attempt, at most one hour, never
/// less than what the failing service asked for, with ±20 % jitter (from `seed`) so retries don't
/// stampede.
pub fn backoff(attempt: i32, asked: Option<Duration>, seed: u32) -> chrono::Duration {
    let exp = attempt.clamp(1, 12) - 1;
    let base = (5_000u64 << exp).min(3_600_000);
    let jitter = 0.8 + 0.4 * f64::from(seed % 1000) / 1000.0;
    let ms = ((base as f64 * jitter) as u64).max(asked.map(|d| d.as_millis() as u64).unwrap_or(0));
    chrono::Duration::milliseconds(ms as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_honours_what_the_service_asked() {
        for seed in [0, 499, 999] {
            let first = backoff(1, None, seed).num_milliseconds();
            assert!((4_000..=6_000).contains(&first), "{first}");
            let third = backoff(3, None, seed).num_milliseconds();
            assert!((16_000..=24_000).contains(&third), "{third}");
            assert!(backoff(40, None, seed).num_milliseconds() <= 4_320_000);
            assert!(backoff(1, Some(Duration::from_secs(120)), seed).num_milliseconds() >= 120_000);
        }
    }
}
