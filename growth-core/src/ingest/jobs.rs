//! The `ingest_source` job: turns a webhook's recording reference into a stored source.
//!
//! The platform's [`crate::ingest::SourceIngestor`] fetches the recording (a delivery's inline
//! data is never trusted); when none is registered for that platform the job fails for good with a
//! reason naming what to configure (it stays visible, never silently dropped). Re-running the job
//! is harmless: sources are idempotent by (`source_type`, `source_id`).

use async_trait::async_trait;
use serde_json::json;

use super::SourceIngest;
use crate::Result;
use crate::domain::{JobId, JobKind};
use crate::jobs::{IngestSourceJob, JobContext, JobHandler, JobPayload, JobQueue};

/// What a webhook delivery led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookReceipt {
    /// A recording to fetch: its `ingest_source` job (a redelivery answers the same job).
    Received {
        /// The job.
        job_id: JobId,
        /// Whether this delivery enqueued it (false for a redelivery).
        created: bool,
    },
    /// An event with nothing to fetch, acknowledged so the platform stops retrying.
    Ignored,
}

/// Reads a webhook delivery from `platform` with its registered ingestor and enqueues the
/// recording's ingestion, once per recording however often it is delivered. A platform without an
/// ingestor is `Error::Config`; a delivery that cannot be read is `InvalidInput`.
pub async fn receive_webhook(ingest: &SourceIngest, queue: &dyn JobQueue, platform: &str, body: &[u8]) -> Result<WebhookReceipt> {
    let Some(event) = ingest.ingestor(platform)?.parse_webhook(body)? else { return Ok(WebhookReceipt::Ignored) };
    let dedupe = format!("{platform}:{}", event.reference);
    let job =
        JobPayload::IngestSource(IngestSourceJob { platform: platform.to_owned(), reference: event.reference.clone(), title: event.title })
            .to_job(Some(dedupe))?;
    let stored = queue.enqueue(job).await?;
    tracing::info!(webhook = platform, reference = %event.reference, job = %stored.value.id, new = stored.created, "webhook received");
    Ok(WebhookReceipt::Received { job_id: stored.value.id, created: stored.created })
}

/// Runs `ingest_source` jobs.
#[derive(Clone, Debug)]
pub struct IngestSourceHandler {
    ingest: SourceIngest,
}

impl IngestSourceHandler {
    /// A handler storing through `ingest` (with its registered platform ingestors).
    pub fn new(ingest: SourceIngest) -> Self {
        Self { ingest }
    }
}

#[async_trait]
impl JobHandler for IngestSourceHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(JobKind::INGEST_SOURCE).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let JobPayload::IngestSource(job) = JobPayload::from_job(&ctx.job)? else {
            return Err(crate::Error::invalid_field("kind", "not an ingest_source job"));
        };
        ctx.progress(10, None).await?;
        let ingested = self.ingest.ingest_recording(&job.platform, &job.reference).await?;
        Ok(Some(json!({
            "source_id": ingested.source.id,
            "created": ingested.created,
            "status": ingested.source.status,
            "failure_reason": ingested.source.failure_reason,
        })))
    }
}
