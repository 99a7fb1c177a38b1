//! Generation as a job: [`GenerationService::request`] validates a request and enqueues a
//! `generate_bundle` job; [`GenerateBundleHandler`] gets the source in (an existing source, pasted
//! text, or a recording fetched from a platform), then runs the [`BundlePipeline`] with the job id
//! as the bundle id — so a retried or resumed job saves only the pieces still missing;
//! [`GenerationService::status`] reads the job back as a [`GenerationStatus`].
//!
//! Progress goes to the job row as pieces are saved, with the pieces saved so far, so the status
//! shows them while the job runs.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{BundlePipeline, PieceProgress, ProgressSink, Usage};
use crate::domain::{ContentItem, ContentStatus, ContentType, Job, JobId, JobKind, JobStatus, SourceId, SourceStatus};
use crate::ingest::SourceIngest;
use crate::jobs::{GenerateBundleJob, JobContext, JobHandler, JobPayload, JobQueue, SourceRef};
use crate::prompt::BundlePlan;
use crate::store::SourceStore;
use crate::{Error, Result};

/// One generated piece, as the status shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemSummary {
    /// Content item id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: crate::domain::ContentId,
    /// What it is.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub content_type: ContentType,
    /// Where it stands (`in_review` once saved).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: ContentStatus,
    /// Title, when the type has one.
    pub title: Option<String>,
    /// AI-likeness, 0–1 (lower reads more human).
    pub ai_detection_score: Option<f64>,
    /// ICP fit, 0–100.
    pub icp_score: Option<i32>,
    /// A gate still failed after the rewrites.
    pub flagged: bool,
}

impl From<&ContentItem> for ItemSummary {
    fn from(i: &ContentItem) -> Self {
        Self {
            id: i.id,
            content_type: i.content_type,
            status: i.status,
            title: i.title.clone(),
            ai_detection_score: i.quality.ai_detection_score,
            icp_score: i.quality.icp_score,
            flagged: i.quality.flagged,
        }
    }
}

/// Tokens used and what they cost.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageReport {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache.
    pub cache_read_input_tokens: u64,
    /// Input tokens written to the prompt cache.
    pub cache_creation_input_tokens: u64,
    /// Estimated cost from the configured prices (0 without prices).
    pub estimated_cost_usd: f64,
}

/// What a `generate_bundle` job wrote (its result, and its partial result while it runs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationReport {
    /// The source written from.
    #[serde(default)]
    pub source_id: Option<SourceId>,
    /// The pieces saved so far, in plan order.
    #[serde(default)]
    pub generated_items: Vec<ItemSummary>,
    /// The generator's model (when done).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Pieces skipped because an earlier attempt had saved them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed: Option<usize>,
    /// Tokens and cost of the run (when done).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageReport>,
    /// Every piece of the bundle with its state and the output tokens streamed so far.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pieces: Vec<PieceProgress>,
}

/// Where a generation job stands (PRD §3.3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GenerationStatus {
    /// The job.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub job_id: JobId,
    /// `processing`, `completed` or `failed`.
    pub status: String,
    /// 0–100.
    pub progress: i32,
    /// The pieces saved so far.
    pub generated_items: Vec<ItemSummary>,
    /// The source, once known.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub source_id: Option<SourceId>,
    /// Attempts so far.
    pub attempts: i32,
    /// Tokens and cost, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageReport>,
    /// Every piece with its state (`queued`, `writing`, `checking`, `saved` …) and the output
    /// tokens streamed so far: live progress while the job runs.
    pub pieces: Vec<PieceProgress>,
    /// Why the last attempt failed, while not completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A queued generation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GenerationAccepted {
    /// Poll `GET /generate/status/{job_id}`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub job_id: JobId,
    /// Always `processing`.
    pub status: String,
    /// A rough estimate of how long it takes.
    pub estimated_time_seconds: u64,
}

/// Requests and status of bundle generation.
#[derive(Clone, Debug)]
pub struct GenerationService {
    queue: Arc<dyn JobQueue>,
    sources: Arc<dyn SourceStore>,
    ingest: SourceIngest,
    plan: BundlePlan,
    seconds_per_round: u64,
    concurrency: usize,
}

impl GenerationService {
    /// Generation through `queue`, checking sources in `sources`; `plan` is the default plan and
    /// `seconds_per_round` × rounds of `concurrency` calls the time estimate.
    pub fn new(
        queue: Arc<dyn JobQueue>,
        sources: Arc<dyn SourceStore>,
        ingest: SourceIngest,
        plan: BundlePlan,
        seconds_per_round: u64,
        concurrency: usize,
    ) -> Self {
        Self { queue, sources, ingest, plan, seconds_per_round, concurrency: concurrency.max(1) }
    }

    /// The default plan.
    pub fn default_plan(&self) -> BundlePlan {
        self.plan
    }

    /// The plan for the content types asked for (`blog` is `blog_post`); every type when `None`.
    pub fn plan_for(&self, types: Option<&[String]>) -> Result<BundlePlan> {
        let Some(types) = types else { return Ok(self.plan) };
        if types.is_empty() {
            return Err(Error::invalid_field("generate_types", "ask for at least one type, or leave it out for all"));
        }
        let mut plan = BundlePlan { linkedin_posts: 0, pre_interview: 0, post_publish: 0, newsletter: 0, blog_post: 0 };
        for t in types {
            let t: ContentType = t.parse().map_err(|e: Error| Error::invalid_field("generate_types", e.to_string()))?;
            match t {
                ContentType::LinkedinPost => plan.linkedin_posts = self.plan.linkedin_posts.max(1),
                ContentType::PreInterview => plan.pre_interview = self.plan.pre_interview.max(1),
                ContentType::PostPublish => plan.post_publish = self.plan.post_publish.max(1),
                ContentType::Newsletter => plan.newsletter = self.plan.newsletter.max(1),
                ContentType::BlogPost => plan.blog_post = self.plan.blog_post.max(1),
            }
        }
        Ok(plan)
    }

    /// Checks `source` (an existing source must be `completed`; a platform must have an ingestor;
    /// text must not be empty) and enqueues its generation.
    pub async fn request(&self, source: SourceRef, plan: Option<BundlePlan>) -> Result<GenerationAccepted> {
        match &source {
            SourceRef::Existing { source_id } => {
                let s = self.sources.get_source(*source_id).await?;
                if s.status != SourceStatus::Completed {
                    return Err(Error::conflict(format!("source {} is {}; only a completed source can be written from", s.id, s.status)));
                }
            }
            SourceRef::Text { text, .. } if text.trim().is_empty() => return Err(Error::invalid_field("source_data", "empty")),
            SourceRef::Text { .. } => {}
            SourceRef::Recording { platform, reference } => {
                if reference.trim().is_empty() {
                    return Err(Error::invalid_field("source_data", "empty"));
                }
                self.ingest.ingestor(platform).map_err(|e| Error::invalid_field("source_type", e.to_string()))?;
            }
        }
        let plan = plan.unwrap_or(self.plan);
        let job = JobPayload::GenerateBundle(GenerateBundleJob { source, plan: Some(plan) }).to_job(None)?;
        let job = self.queue.enqueue(job).await?.value;
        let rounds = (plan.items().len() as u64).div_ceil(self.concurrency as u64).max(1);
        tracing::info!(job_id = %job.id, pieces = plan.total(), "bundle generation queued");
        crate::telemetry::count_change("generate", 1);
        Ok(GenerationAccepted { job_id: job.id, status: "processing".into(), estimated_time_seconds: 5 + self.seconds_per_round * rounds })
    }

    /// Where generation job `id` stands (a bundle, or content answering an objection); another
    /// kind of job is `NotFound`.
    pub async fn status(&self, id: JobId) -> Result<GenerationStatus> {
        let job = self.queue.get_job(id).await?;
        if job.kind.as_str() != JobKind::GENERATE_BUNDLE && job.kind.as_str() != crate::learn::OBJECTION_CONTENT_JOB {
            return Err(Error::not_found("generation job", id));
        }
        Ok(status_of(&job))
    }
}

/// The status of a generation job.
pub fn status_of(job: &Job) -> GenerationStatus {
    let status = match job.status {
        JobStatus::Succeeded => "completed",
        JobStatus::Failed | JobStatus::Dead => "failed",
        JobStatus::Queued | JobStatus::Running => "processing",
    };
    let report: GenerationReport = job.result.clone().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default();
    GenerationStatus {
        job_id: job.id,
        status: status.into(),
        progress: if status == "completed" { 100 } else { job.progress },
        generated_items: report.generated_items,
        source_id: report.source_id,
        attempts: job.attempts,
        usage: report.usage,
        pieces: report.pieces,
        error: if status == "completed" { None } else { job.last_error.clone() },
    }
}

/// Runs `generate_bundle` jobs.
#[derive(Clone, Debug)]
pub struct GenerateBundleHandler {
    ingest: SourceIngest,
    pipeline: BundlePipeline,
}

impl GenerateBundleHandler {
    /// A handler getting sources in through `ingest` and writing with `pipeline`.
    pub fn new(ingest: SourceIngest, pipeline: BundlePipeline) -> Self {
        Self { ingest, pipeline }
    }
}

/// Writes progress to the job row: the saved pieces and the live piece list, together.
struct JobProgress<'a> {
    ctx: &'a JobContext,
    latest: std::sync::Mutex<(i32, GenerationReport)>,
}

impl<'a> JobProgress<'a> {
    fn new(ctx: &'a JobContext, source_id: SourceId) -> Self {
        Self { ctx, latest: std::sync::Mutex::new((1, GenerationReport { source_id: Some(source_id), ..GenerationReport::default() })) }
    }

    async fn write(&self, update: impl FnOnce(&mut i32, &mut GenerationReport)) -> Result<()> {
        let (percent, value) = {
            let mut guard = self.latest.lock().map_err(|_| Error::internal_msg("progress state poisoned"))?;
            let (percent, report) = &mut *guard;
            update(percent, report);
            (*percent, serde_json::to_value(&*report).map_err(|e| Error::internal("encoding progress", e))?)
        };
        self.ctx.progress(percent, Some(value)).await
    }
}

#[async_trait]
impl ProgressSink for JobProgress<'_> {
    async fn report(&self, percent: u8, saved: &[ContentItem]) -> Result<()> {
        self.write(|p, r| {
            *p = i32::from(percent);
            r.generated_items = saved.iter().map(ItemSummary::from).collect();
        })
        .await
    }

    async fn pieces(&self, pieces: &[PieceProgress]) -> Result<()> {
        self.write(|_, r| r.pieces = pieces.to_vec()).await
    }
}

#[async_trait]
impl JobHandler for GenerateBundleHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(JobKind::GENERATE_BUNDLE).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let JobPayload::GenerateBundle(job) = JobPayload::from_job(&ctx.job)? else {
            return Err(Error::invalid_field("kind", "not a generate_bundle job"));
        };
        ctx.progress(1, None).await?;
        let source_id = self.ingest.resolve(&job.source).await?;
        let plan = job.plan.unwrap_or_default();
        let bundle_id = ctx.job.id.to_string();
        let progress = JobProgress::new(&ctx, source_id);
        let out = self.pipeline.run(&bundle_id, source_id, &plan, &progress).await?;
        let pieces = progress.latest.lock().map(|g| g.1.pieces.clone()).unwrap_or_default();
        crate::telemetry::count_generation(&out.model, &out.usage, out.estimated_cost_usd);
        let report = GenerationReport {
            source_id: Some(source_id),
            generated_items: out.items.iter().map(ItemSummary::from).collect(),
            model: Some(out.model.clone()),
            resumed: Some(out.resumed),
            usage: Some(usage_report(&out.usage, out.estimated_cost_usd)),
            pieces,
        };
        serde_json::to_value(report).map(Some).map_err(|e| Error::internal("encoding the job result", e))
    }
}

fn usage_report(u: &Usage, cost: f64) -> UsageReport {
    UsageReport {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens,
        cache_creation_input_tokens: u.cache_creation_input_tokens,
        estimated_cost_usd: cost,
    }
}
