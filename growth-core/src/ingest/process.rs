//! Uploads whose reading is slow — a PDF's text, an audio file's transcript — finish in a
//! `process_source` job instead of inside the upload request.
//!
//! [`SourceIngest::accept_manual`](super::SourceIngest::accept_manual) keeps the file and stores
//! the source (`ingested`), and hands back the [`ProcessSourceJob`] to enqueue; the
//! [`ProcessSourceHandler`] then moves the source `processing → completed`, or `failed` with a
//! reason a person can read. Nothing paid for is lost on the way:
//! - a transcriber with ids of its own ([`Started::Pending`](super::Started::Pending)) has its id
//!   saved in the source's `metadata.transcription` **before** the wait, so a retry, another worker
//!   or a later re-upload waits for the same transcription instead of paying for another;
//! - a transient failure is retried by the job queue with back-off; a permanent one fails the
//!   source with the service's reason;
//! - the [`StaleSweep`] (a cron job) moves sources stuck in `processing` — or left `ingested`
//!   because the process died before the job was enqueued — to `failed` with a reason, and
//!   uploading the same file again resumes them.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration as Span;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{FileKind, SourceIngest};
use crate::clock::Clock;
use crate::domain::{ContentSource, JobId, JobKind, SourceId, SourceStatus};
use crate::jobs::{JobContext, JobHandler, JobPayload, JobQueue};
use crate::store::SourceStore;
use crate::{Error, Result};

/// Finish reading an uploaded file (PDF text or audio transcription) for a stored source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessSourceJob {
    /// The source.
    pub source_id: SourceId,
    /// Where its file is kept in blob storage.
    pub blob_key: String,
    /// How to read it: `pdf` or `audio`.
    pub kind: FileKind,
}

impl ProcessSourceJob {
    /// The deduplication key of processing `source` (one job per attempt at a source: a failed
    /// source gets a new key, so uploading it again resumes it).
    pub fn dedupe_key(source: &ContentSource) -> String {
        match (source.status, source.processed_at) {
            (SourceStatus::Failed, Some(at)) => format!("process_source:{}:{}", source.id, at.timestamp_millis()),
            _ => format!("process_source:{}", source.id),
        }
    }

    /// Enqueues the job on `queue` (once per attempt at the source); answers its id.
    pub async fn enqueue(&self, source: &ContentSource, queue: &dyn JobQueue) -> Result<JobId> {
        let job = JobPayload::ProcessSource(self.clone()).to_job(Some(Self::dedupe_key(source)))?;
        Ok(queue.enqueue(job).await?.value.id)
    }
}

/// Runs `process_source` jobs.
#[derive(Clone, Debug)]
pub struct ProcessSourceHandler {
    ingest: SourceIngest,
}

impl ProcessSourceHandler {
    /// A handler reading files through `ingest`.
    pub fn new(ingest: SourceIngest) -> Self {
        Self { ingest }
    }
}

#[async_trait]
impl JobHandler for ProcessSourceHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(JobKind::PROCESS_SOURCE).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let JobPayload::ProcessSource(job) = JobPayload::from_job(&ctx.job)? else {
            return Err(Error::invalid_field("kind", "not a process_source job"));
        };
        ctx.progress(5, Some(json!({"source_id": job.source_id, "step": "reading the file"}))).await?;
        let source = match self.ingest.process_upload(&job).await {
            Ok(s) => s,
            Err(e) if e.is_retryable() && ctx.job.attempts < ctx.job.max_attempts => return Err(e),
            Err(e) => {
                // The last attempt, or an error no retry fixes: the source must not stay `processing`.
                let reason = format!("reading the file failed after {} attempt(s): {e}", ctx.job.attempts);
                self.ingest.mark_failed(job.source_id, reason).await?;
                return Err(e);
            }
        };
        Ok(Some(json!({
            "source_id": source.id,
            "status": source.status,
            "failure_reason": source.failure_reason,
        })))
    }
}

/// Moves sources stuck in `processing` (or `ingested` with a file and no transcript) for longer
/// than `max_age` to `failed`, saying so; uploading the same file again resumes them. Runs as the
/// `sweep_sources` cron job.
#[derive(Clone, Debug)]
pub struct StaleSweep {
    store: Arc<dyn SourceStore>,
    clock: Arc<dyn Clock>,
    max_age: Span,
}

impl StaleSweep {
    /// The job kind the sweep runs as.
    pub const KIND: &'static str = "sweep_sources";

    /// A sweep over `store` failing sources idle for more than `max_age` (at least a minute).
    pub fn new(store: Arc<dyn SourceStore>, clock: Arc<dyn Clock>, max_age: std::time::Duration) -> Result<Self> {
        let max_age = Span::from_std(max_age).map_err(|_| Error::Config("sources.stale_after is too large".into()))?;
        if max_age < Span::minutes(1) {
            return Err(Error::Config("sources.stale_after must be at least a minute".into()));
        }
        Ok(Self { store, clock, max_age })
    }

    /// One pass; answers the sources it failed.
    pub async fn run_once(&self) -> Result<Vec<ContentSource>> {
        let before = self.clock.now() - self.max_age;
        let minutes = self.max_age.num_minutes();
        let mut failed = Vec::new();
        for status in [SourceStatus::Processing, SourceStatus::Ingested] {
            for s in self.store.stale_sources(status, before, 500).await? {
                // An `ingested` source with a transcript is not waiting for anything.
                if status == SourceStatus::Ingested && s.transcript.as_deref().is_some_and(|t| !t.trim().is_empty()) {
                    continue;
                }
                let reason = format!(
                    "processing stopped: no progress for {minutes} minutes while {status} (the process was likely interrupted); \
                     upload the same file again to resume"
                );
                match self.store.set_source_status(s.id, SourceStatus::Failed, Some(reason)).await {
                    Ok(x) => {
                        tracing::warn!(source_id = %x.id, was = %status, "stale source marked failed");
                        failed.push(x);
                    }
                    // It moved on meanwhile: not stale after all.
                    Err(Error::Conflict { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(failed)
    }
}

#[async_trait]
impl JobHandler for StaleSweep {
    fn kind(&self) -> JobKind {
        JobKind::new(Self::KIND).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, _ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let failed = self.run_once().await?;
        Ok(Some(json!({"failed": failed.iter().map(|s| s.id).collect::<Vec<_>>()})))
    }
}
