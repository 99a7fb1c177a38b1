//! The `generate_bundle` job (`POST /generate/podcast`): get the source in (an existing source,
//! pasted text, or a recording on a configured platform), then run the bundle pipeline with the
//! job id as the bundle id — so a retried or resumed job saves only the pieces still missing.
//!
//! Progress goes to the job row as pieces are saved, with the pieces saved so far, so
//! `GET /generate/status/{job_id}` shows them while the job runs.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use growth_core::Error;
use growth_core::domain::{ContentItem, JobKind, SourceId, SourceType};
use growth_core::generate::ProgressSink;
use growth_core::ingest::{FetchRequest, SourceIngestor};
use growth_core::ingest::{ManualInput, ManualSource};
use growth_core::prompt::BundlePlan;
use serde_json::{Value, json};

use super::{JobContext, JobHandler};
use crate::state::AppState;

/// Runs `generate_bundle` jobs.
#[derive(Debug)]
pub struct GenerateBundleHandler {
    state: AppState,
    ingestors: HashMap<String, Arc<dyn SourceIngestor>>,
}

impl GenerateBundleHandler {
    /// A handler over the app's pipeline, fetching recordings with `ingestors` (by name).
    pub fn new(state: AppState, ingestors: Vec<Arc<dyn SourceIngestor>>) -> Self {
        Self { state, ingestors: ingestors.into_iter().map(|i| (i.name().to_owned(), i)).collect() }
    }

    /// The source the payload names, ingesting it first when it is new.
    async fn source(&self, p: &Value) -> growth_core::Result<SourceId> {
        if let Some(id) = p["source_id"].as_str() {
            return id.parse().map_err(|_| Error::invalid_field("source_id", format!("`{id}` is not a source id")));
        }
        let kind = p["source_type"].as_str().unwrap_or_default();
        let data = p["source_data"].as_str().unwrap_or_default();
        let ingested = match kind {
            "text" | "transcript" => {
                let req = ManualSource {
                    source_type: Some(SourceType::Podcast),
                    title: p["title"].as_str().map(str::to_owned),
                    ..ManualSource::new(ManualInput::Text(data.to_owned()))
                };
                self.state.ingest.ingest_manual(req).await?
            }
            platform_url => {
                let platform = platform_url.trim_end_matches("_url");
                let ingestor = self.ingestors.get(platform).ok_or_else(|| {
                    Error::Config(format!(
                        "no {platform} credentials are configured, so {data} cannot be fetched (set [integrations.{platform}])"
                    ))
                })?;
                let fetched = ingestor.fetch(FetchRequest { reference: data.to_owned() }).await?;
                self.state.ingest.ingest_fetched(fetched).await?
            }
        };
        Ok(ingested.source.id)
    }
}

/// The item fields the status endpoint shows.
pub fn item_json(i: &ContentItem) -> Value {
    json!({
        "id": i.id,
        "content_type": i.content_type,
        "status": i.status,
        "title": i.title,
        "ai_detection_score": i.quality.ai_detection_score,
        "icp_score": i.quality.icp_score,
        "flagged": i.quality.flagged,
    })
}

struct JobProgress<'a> {
    ctx: &'a JobContext,
    source_id: SourceId,
}

#[async_trait]
impl ProgressSink for JobProgress<'_> {
    async fn report(&self, percent: u8, saved: &[ContentItem]) -> growth_core::Result<()> {
        let partial = json!({ "source_id": self.source_id, "generated_items": saved.iter().map(item_json).collect::<Vec<_>>() });
        self.ctx.progress(i32::from(percent), Some(partial)).await
    }
}

#[async_trait]
impl JobHandler for GenerateBundleHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(JobKind::GENERATE_BUNDLE).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, ctx: JobContext) -> growth_core::Result<Option<Value>> {
        let p = ctx.job.payload.clone();
        ctx.progress(1, None).await?;
        let source_id = self.source(&p).await?;
        let plan: BundlePlan = match p.get("plan") {
            Some(v) if !v.is_null() => serde_json::from_value(v.clone()).map_err(|e| Error::invalid_field("plan", e.to_string()))?,
            _ => self.state.settings.generation.plan,
        };
        let bundle_id = ctx.job.id.to_string();
        let out = self.state.pipeline.run(&bundle_id, source_id, &plan, &JobProgress { ctx: &ctx, source_id }).await?;
        crate::middleware::metrics::count_generation(&out.model, &out.usage, out.estimated_cost_usd);
        Ok(Some(json!({
            "source_id": source_id,
            "generated_items": out.items.iter().map(item_json).collect::<Vec<_>>(),
            "model": out.model,
            "resumed": out.resumed,
            "usage": {
                "input_tokens": out.usage.input_tokens,
                "output_tokens": out.usage.output_tokens,
                "cache_read_input_tokens": out.usage.cache_read_input_tokens,
                "cache_creation_input_tokens": out.usage.cache_creation_input_tokens,
                "estimated_cost_usd": out.estimated_cost_usd,
            },
        })))
    }
}
