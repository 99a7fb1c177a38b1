//! Background jobs: the durable [`JobQueue`], the typed inputs of the built-in jobs
//! ([`JobPayload`]), and the [`Worker`] loop that runs registered [`JobHandler`]s (leases,
//! heartbeats, backoff, panic isolation). The built-in handlers live with their stage
//! (`crate::ingest::IngestSourceHandler`, `crate::generate::GenerateBundleHandler`).

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;

use crate::Result;
use crate::domain::{ClaimRequest, Job, JobId, JobOutcome, JobStatus, NewJob, Stored};

/// A durable queue of background jobs.
///
/// Contract (checked by `testkit::job_queue`):
/// - `enqueue` with a `dedupe_key` already used returns the existing job (`created = false`);
/// - `claim` hands out a job whose `run_after` has passed, oldest first, to exactly one worker,
///   moving it to `running` with a lease and one more attempt; a `running` job whose lease lapsed
///   (its worker crashed) is handed out again, or becomes `dead` when it is out of attempts;
/// - `heartbeat`, `set_progress` and `complete` succeed only for the worker holding the lease;
///   anyone else gets `Error::Conflict` and changes nothing;
/// - `complete` with `Retry` requeues the job at `retry_at` while attempts remain, else it is
///   `dead`; `Failed` is terminal; nothing is ever deleted.
#[async_trait]
pub trait JobQueue: Send + Sync + Debug + 'static {
    /// Adds a job.
    async fn enqueue(&self, job: NewJob) -> Result<Stored<Job>>;
    /// Takes the next due job, if any.
    async fn claim(&self, req: &ClaimRequest) -> Result<Option<Job>>;
    /// Extends the lease.
    async fn heartbeat(&self, id: JobId, worker: &str, lease: Duration) -> Result<()>;
    /// Records progress (0–100, clamped) and, optionally, a partial result.
    async fn set_progress(&self, id: JobId, worker: &str, progress: i32, result: Option<serde_json::Value>) -> Result<()>;
    /// Ends the current attempt.
    async fn complete(&self, id: JobId, worker: &str, outcome: JobOutcome) -> Result<Job>;
    /// One job.
    async fn get_job(&self, id: JobId) -> Result<Job>;
    /// Jobs, newest first, optionally in one state.
    async fn list_jobs(&self, status: Option<JobStatus>, limit: u32) -> Result<Vec<Job>>;
    /// Puts a `dead` or `failed` job back in the queue with a fresh attempt budget.
    async fn requeue(&self, id: JobId) -> Result<Job>;
}

fn _assert_dyn(_: &dyn JobQueue) {}

mod cron;
mod payload;
mod worker;
pub use crate::ingest::ProcessSourceJob;
pub use cron::{CronEntry, CronScheduler, CronStore};
pub use payload::{GenerateBundleJob, IngestSourceJob, JobPayload, SourceRef};
pub use worker::{JobContext, JobHandler, Worker, WorkerConfig, backoff};
