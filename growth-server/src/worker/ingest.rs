//! The `ingest_source` job: turns a webhook's recording reference into a stored source.
//!
//! An inline transcript (Riverside's `transcript` field) is stored directly. Otherwise the
//! platform's [`SourceIngestor`] fetches the recording; when none is configured for that platform
//! the job fails permanently with a reason naming what to configure (it stays visible, never
//! silently dropped). Re-running the job is harmless: sources are idempotent by
//! (`source_type`, `source_id`).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use growth_core::Error;
use growth_core::domain::{JobKind, SourceType};
use growth_core::ingest::{FetchRequest, SourceIngestor};
use growth_core::ingest::{ManualInput, ManualSource, SourceIngest};
use serde_json::json;

use super::{JobContext, JobHandler};

/// Runs `ingest_source` jobs.
#[derive(Debug)]
pub struct IngestSourceHandler {
    ingest: SourceIngest,
    ingestors: HashMap<String, Arc<dyn SourceIngestor>>,
}

impl IngestSourceHandler {
    /// A handler storing through `ingest`, fetching with the given platform ingestors (by name).
    pub fn new(ingest: SourceIngest, ingestors: Vec<Arc<dyn SourceIngestor>>) -> Self {
        Self { ingest, ingestors: ingestors.into_iter().map(|i| (i.name().to_owned(), i)).collect() }
    }
}

#[async_trait]
impl JobHandler for IngestSourceHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(JobKind::INGEST_SOURCE).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, ctx: JobContext) -> growth_core::Result<Option<serde_json::Value>> {
        let p = &ctx.job.payload;
        let platform = p["platform"].as_str().unwrap_or_default();
        let reference = p["reference"]
            .as_str()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| Error::invalid_field("reference", "the job names no recording"))?;
        let source_type = if platform == "riverside" { SourceType::Podcast } else { SourceType::SalesCall };
        ctx.progress(10, None).await?;
        let ingested = if let Some(text) = p["transcript"].as_str().filter(|t| !t.trim().is_empty()) {
            let req = ManualSource {
                source_type: Some(source_type),
                source_id: Some(reference.to_owned()),
                title: p["title"].as_str().map(str::to_owned),
                metadata: json!({ "platform": platform, "audio_url": p["audio_url"] }),
                ..ManualSource::new(ManualInput::Text(text.to_owned()))
            };
            self.ingest.ingest_manual(req).await?
        } else {
            let ingestor = self.ingestors.get(platform).ok_or_else(|| {
                Error::Config(format!("no {platform} credentials are configured, so recording {reference} cannot be fetched"))
            })?;
            let fetched = ingestor.fetch(FetchRequest { reference: reference.to_owned() }).await?;
            self.ingest.ingest_fetched(fetched).await?
        };
        Ok(Some(json!({
            "source_id": ingested.source.id,
            "created": ingested.created,
            "status": ingested.source.status,
            "failure_reason": ingested.source.failure_reason,
        })))
    }
}
