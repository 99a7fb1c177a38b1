//! The composition root: [`Engine::builder`] wires adapters, a store and a clock into the stages of
//! `growth_core`, with an offline default for every part, and [`Engine`] exposes every use-case.
//! The reference server builds its engine from its settings exactly this way; so does an
//! embedding service.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use growth_core::blob::BlobStore;
use growth_core::clock::{Clock, SystemClock};
use growth_core::domain::Platform;
use growth_core::generate::{BundlePipeline, ContentGenerator, GenerateBundleHandler, GenerationConfig, GenerationService};
use growth_core::ingest::pdf::PdfExtractor;
use growth_core::ingest::{
    Accepted, IngestLimits, IngestSourceHandler, Ingested, ManualSource, ProcessSourceHandler, SourceIngest, SourceIngestor, StaleSweep,
    Transcriber,
};
use growth_core::jobs::{CronEntry, CronScheduler, JobHandler, Worker, WorkerConfig};
use growth_core::knowledge::{ChunkConfig, KnowledgeIndexer, KnowledgeService, Retriever};
use growth_core::learn::service::{BestTimeHandler, IcpUpdateHandler, MineRulesHandler};
use growth_core::learn::{
    IcpExtractor, ObjectionContent, ObjectionContentHandler, PreferenceHandler, PreferenceInferer, PreferenceService,
};
use growth_core::learn::{LearnedPhraseGate, LearningConfig, LearningService, RuleApplyingGenerator, RuleSource};
use growth_core::measure::{CallBudget, MeasureAlert, MeasureConfig, MeasureService, MetricsSource, SyncMetricsHandler};
use growth_core::memory::{InMemoryBlobStore, InMemoryStore, InMemoryVectorStore, RecordingPublisher};
use growth_core::prompt::PromptBuilder;
use growth_core::publish::outbox::OutboxPublisher;
use growth_core::publish::{Alert, PublishConfig, PublishService, Publisher, Publishers, SendBudget, Tracker};
use growth_core::quality::icp::IcpScorer;
use growth_core::quality::stylometry::AiLikenessGate;
use growth_core::quality::{AiDetector, BuiltinGates, Checker, QualityConfig, QualityGate};
use growth_core::review::ReviewService;
use growth_core::store::Store;
use growth_core::vector::{Embedder, VectorStore};
use growth_core::{Error, Result};
use growth_llm::offline::{ExtractiveConfig, ExtractiveGenerator, HashingEmbedder};
use tokio_util::sync::CancellationToken;

/// Dimensions of the offline hashing embedder when no embedder is given.
pub const DEFAULT_DIMENSIONS: usize = 1536;

/// The engine: every stage, wired. Cheap to clone (everything inside is shared).
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    blobs: Arc<dyn BlobStore>,
    embedder: Arc<dyn Embedder>,
    vectors: Arc<dyn VectorStore>,
    generator: Arc<dyn ContentGenerator>,
    ingest: SourceIngest,
    knowledge: KnowledgeService,
    checker: Checker,
    pipeline: BundlePipeline,
    generation: GenerationService,
    review: ReviewService,
    publishing: PublishService,
    learning: LearningService,
    measure: MeasureService,
    preferences: PreferenceService,
    objection_content: ObjectionContent,
    worker: WorkerConfig,
    handlers: Vec<Arc<dyn JobHandler>>,
    cron: Vec<CronEntry>,
    instance: String,
    sweep: StaleSweep,
}

/// What [`Engine::delete_source`] removed.
#[derive(Clone, Debug)]
pub struct DeletedSource {
    /// The source as it was.
    pub source: growth_core::domain::ContentSource,
    /// Content items (drafts, in review, rejected) that now have no source.
    pub detached_items: u64,
    /// Transcript chunks deleted from the vector store.
    pub removed_chunks: usize,
    /// The uploaded file's blob key, when there was one (deleted).
    pub deleted_blob: Option<String>,
}

/// What [`Engine::upload`] did with a manual source.
#[derive(Clone, Debug)]
pub enum Upload {
    /// Read and stored now (text, transcript files).
    Ingested(Ingested),
    /// Stored; a PDF or audio file is read by a `process_source` job.
    Queued {
        /// The source (`ingested`, `processing`, or the existing one when `created` is false).
        source: growth_core::domain::ContentSource,
        /// Whether this call created it.
        created: bool,
        /// How the file is read.
        kind: growth_core::ingest::FileKind,
        /// The job reading it, when one was enqueued now.
        job_id: Option<growth_core::domain::JobId>,
    },
}

impl Engine {
    /// A builder with offline defaults for every part.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Every repository and the job queue.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Time.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Uploaded files.
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.inner.blobs
    }

    /// Text → vectors.
    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.inner.embedder
    }

    /// Stored vectors.
    pub fn vectors(&self) -> &Arc<dyn VectorStore> {
        &self.inner.vectors
    }

    /// The generator behind the bundle pipeline.
    pub fn generator(&self) -> &Arc<dyn ContentGenerator> {
        &self.inner.generator
    }

    /// Getting sources in: uploads, pasted text, recordings from platforms, transcription, indexing.
    pub fn ingest(&self) -> &SourceIngest {
        &self.inner.ingest
    }

    /// Takes a manual source as an upload should be taken: text and transcript files are read
    /// now; a PDF or an audio file is kept, its source stored, and its reading enqueued as a
    /// `process_source` job (see [`growth_core::ingest::SourceIngest::accept_manual`]).
    pub async fn upload(&self, req: ManualSource) -> Result<Upload> {
        match self.inner.ingest.accept_manual(req).await? {
            Accepted::Done(got) => Ok(Upload::Ingested(got)),
            Accepted::Queued { source, created, kind, job } => {
                let job_id = match job {
                    Some(job) => Some(job.enqueue(&source, self.inner.store.as_ref()).await?),
                    None => None,
                };
                Ok(Upload::Queued { source, created, kind, job_id })
            }
        }
    }

    /// Deletes a source with everything kept for it: its chunks in the vector store, its uploaded
    /// file in blob storage, then (one transaction, see
    /// [`SourceStore::delete_source`](growth_core::store::SourceStore::delete_source)) its row and
    /// transcript, detaching the content generated from it that is still a draft, in review or
    /// rejected. While any of its content is past review (approved, scheduled, published …) it is
    /// `Error::Conflict` and nothing is touched. The row goes last, so a failure half-way leaves
    /// the source listed and a retry finishes the job (each step is idempotent).
    pub async fn delete_source(&self, id: growth_core::domain::SourceId) -> Result<DeletedSource> {
        use growth_core::domain::ContentFilter;
        use growth_core::store::SOURCE_DELETE_BLOCKERS;
        let store = &self.inner.store;
        let source = store.get_source(id).await?;
        let past_review = ContentFilter { source_id: Some(id), statuses: SOURCE_DELETE_BLOCKERS.to_vec(), ..ContentFilter::default() };
        if let Some(item) = store.list_content(&ContentFilter { limit: 1, ..past_review }).await?.first() {
            return Err(Error::conflict(format!(
                "source {id} has content past review (item {} is `{}`): cancel it or send it back to review first",
                item.id, item.status
            )));
        }
        let removed_chunks = self.inner.knowledge.indexer().remove_transcript(id).await?;
        // Uploads are kept under `sources/<sha256>/<name>` (one source per hash); a platform's own
        // URL (a recording on Riverside) is not ours to delete.
        let blob_key = source
            .file_hash
            .as_deref()
            .zip(source.file_url.as_deref())
            .and_then(|(hash, url)| url.find(&format!("sources/{hash}/")).map(|at| url[at..].to_owned()));
        if let Some(key) = &blob_key {
            self.inner.blobs.delete(key).await?;
        }
        let (source, detached_items) = store.delete_source(id).await?;
        Ok(DeletedSource { source, detached_items, removed_chunks, deleted_blob: blob_key })
    }

    /// The sweep that fails sources stuck in processing (it also runs as the `sweep_sources`
    /// cron job every ten minutes).
    pub fn stale_sweep(&self) -> &StaleSweep {
        &self.inner.sweep
    }

    /// The knowledge base, ICP profiles, objections and retrieval.
    pub fn knowledge(&self) -> &KnowledgeService {
        &self.inner.knowledge
    }

    /// Every quality gate (the ICP score included).
    pub fn quality(&self) -> &Checker {
        &self.inner.checker
    }

    /// The bundle pipeline: write, check, rewrite, save for review (synchronously).
    pub fn pipeline(&self) -> &BundlePipeline {
        &self.inner.pipeline
    }

    /// Writes a bundle for `source_id` now (the configured plan), saved for review; the same
    /// pipeline a `generate_bundle` job runs, without the queue.
    pub async fn write_bundle(&self, source_id: growth_core::domain::SourceId) -> Result<growth_core::generate::BundleOutcome> {
        let bundle = format!("direct-{}", uuid::Uuid::now_v7());
        let plan = self.inner.generation.default_plan();
        self.inner.pipeline.run(&bundle, source_id, &plan, &growth_core::generate::NoProgress).await
    }

    /// Generation as jobs: request a bundle, read its status.
    pub fn generation(&self) -> &GenerationService {
        &self.inner.generation
    }

    /// Review decisions: edit, approve, reject, bulk approve.
    pub fn review(&self) -> &ReviewService {
        &self.inner.review
    }

    /// Publishing: now or at a time, status, cancel, reschedule, reconcile, the loop.
    pub fn publishing(&self) -> &PublishService {
        &self.inner.publishing
    }

    /// Learning: rules mined from reviewers' edits and their review, ICP profiles and objections
    /// from calls.
    pub fn learning(&self) -> &LearningService {
        &self.inner.learning
    }

    /// CIPHER-style preferences learned from reviewers' edits: list, edit, delete (they are
    /// learned and used only when a preference inferer is configured).
    pub fn preferences(&self) -> &PreferenceService {
        &self.inner.preferences
    }

    /// "Write content that answers this objection": request it, and the job that writes it.
    pub fn objection_content(&self) -> &ObjectionContent {
        &self.inner.objection_content
    }

    /// Reads a webhook delivery from `platform` and enqueues the recording's ingestion (see
    /// [`growth_core::ingest::receive_webhook`]).
    pub async fn receive_webhook(&self, platform: &str, body: &[u8]) -> Result<growth_core::ingest::WebhookReceipt> {
        growth_core::ingest::receive_webhook(&self.inner.ingest, self.inner.store.as_ref(), platform, body).await
    }

    /// The measure stage: metrics sync, CSV import, leads, the analytics reads.
    pub fn measure(&self) -> &MeasureService {
        &self.inner.measure
    }

    /// A worker with every built-in job handler and the registered ones.
    pub fn worker(&self) -> Worker {
        let mut w = Worker::new(self.inner.store.clone(), self.inner.clock.clone(), self.inner.worker.clone(), &self.inner.instance)
            .register(Arc::new(IngestSourceHandler::new(self.inner.ingest.clone())))
            .register(Arc::new(GenerateBundleHandler::new(self.inner.ingest.clone(), self.inner.pipeline.clone())))
            .register(Arc::new(ProcessSourceHandler::new(self.inner.ingest.clone())))
            .register(Arc::new(self.inner.sweep.clone()))
            .register(Arc::new(MineRulesHandler::new(self.inner.learning.clone())))
            .register(Arc::new(IcpUpdateHandler::new(self.inner.learning.clone(), self.inner.clock.clone())))
            .register(Arc::new(BestTimeHandler::new(self.inner.learning.clone())))
            .register(Arc::new(SyncMetricsHandler::new(self.inner.measure.clone())))
            .register(Arc::new(PreferenceHandler::new(self.inner.preferences.clone())))
            .register(Arc::new(ObjectionContentHandler::new(self.inner.objection_content.clone())))
            .register(Arc::new(growth_core::measure::EnrichLeadHandler::new(self.inner.measure.clone())));
        for h in &self.inner.handlers {
            w = w.register(h.clone());
        }
        w
    }

    /// The recurring jobs (every instance may run them: each firing is enqueued once).
    pub fn cron(&self) -> CronScheduler {
        CronScheduler::new(self.inner.store.clone(), self.inner.clock.clone(), self.inner.cron.clone(), &self.inner.instance)
    }

    /// Runs the background work of one process until `shutdown`: the job worker, the publishing
    /// loop and the recurring jobs. Returns when all have stopped.
    pub async fn run(&self, shutdown: CancellationToken) {
        let worker = self.worker();
        let publisher = format!("publisher-{}:{}", self.inner.instance, &uuid::Uuid::now_v7().simple().to_string()[24..]);
        let publishing = self.inner.publishing.clone();
        let stop = shutdown.clone();
        let publish = tokio::spawn(async move { publishing.run(&publisher, stop).await });
        let cron = self.cron();
        let stop = shutdown.clone();
        let cron = tokio::spawn(async move { cron.run(std::time::Duration::from_secs(30), stop).await });
        worker.run(shutdown).await;
        let _ = publish.await;
        let _ = cron.await;
    }
}

/// Builds an [`Engine`]; every part has an offline default (see each method).
#[derive(Default)]
pub struct EngineBuilder {
    store: Option<Arc<dyn Store>>,
    clock: Option<Arc<dyn Clock>>,
    blobs: Option<Arc<dyn BlobStore>>,
    embedder: Option<Arc<dyn Embedder>>,
    vectors: Option<Arc<dyn VectorStore>>,
    generator: Option<Arc<dyn ContentGenerator>>,
    transcriber: Option<Arc<dyn Transcriber>>,
    ingestors: Vec<Arc<dyn SourceIngestor>>,
    publishers: BTreeMap<Platform, Arc<dyn Publisher>>,
    budgets: BTreeMap<Platform, SendBudget>,
    tracker: Option<Arc<dyn Tracker>>,
    alert: Option<Arc<dyn Alert>>,
    outbox_dir: Option<PathBuf>,
    detector: Option<Arc<dyn AiDetector>>,
    quality: QualityConfig,
    generation: GenerationConfig,
    seconds_per_round: u64,
    publishing: PublishConfig,
    worker: WorkerConfig,
    chunking: ChunkConfig,
    timezone: Option<String>,
    handlers: Vec<Arc<dyn JobHandler>>,
    cron: Vec<CronEntry>,
    instance: Option<String>,
    review_changes: Option<Arc<growth_core::review::ReviewChanges>>,
    ingest_limits: IngestLimits,
    pdf: Option<PdfExtractor>,
    stale_after: Option<std::time::Duration>,
    learning: LearningConfig,
    apply_rules: Option<bool>,
    metrics_sources: Vec<Arc<dyn MetricsSource>>,
    call_budget: Option<Arc<dyn CallBudget>>,
    measure_alert: Option<Arc<dyn MeasureAlert>>,
    lead_enricher: Option<Arc<dyn growth_core::measure::LeadEnricher>>,
    segment_reader: Option<Arc<dyn growth_core::measure::SegmentReader>>,
    measure: MeasureConfig,
    metrics_cron: Option<String>,
    preference_inferer: Option<Arc<dyn PreferenceInferer>>,
    icp_extractor: Option<Arc<dyn IcpExtractor>>,
    smart_distribution_by_best_time: Option<bool>,
    learning_seed: Option<u64>,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder").field("publishers", &self.publishers.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

impl EngineBuilder {
    /// The repositories and job queue (default: [`InMemoryStore`]; production: a
    /// `growth_store::Database`'s store).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Time (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Where uploaded files are kept (default: in memory).
    pub fn blobs(mut self, blobs: Arc<dyn BlobStore>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Text → vectors (default: the hashing embedder, [`DEFAULT_DIMENSIONS`]).
    pub fn embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        self.embedder = Some(embedder);
        self
    }

    /// Stored vectors (default: in memory). Its dimension must match the embedder's.
    pub fn vectors(mut self, vectors: Arc<dyn VectorStore>) -> Self {
        self.vectors = Some(vectors);
        self
    }

    /// The generator (default: the offline extractive one).
    pub fn generator(mut self, generator: Arc<dyn ContentGenerator>) -> Self {
        self.generator = Some(generator);
        self
    }

    /// Transcribes audio uploads (default: none — audio is refused with a reason).
    pub fn transcriber(mut self, transcriber: Arc<dyn Transcriber>) -> Self {
        self.transcriber = Some(transcriber);
        self
    }

    /// Fetches recordings from a platform (Riverside, Grain, Google Meet …), by its name.
    pub fn ingestor(mut self, ingestor: Arc<dyn SourceIngestor>) -> Self {
        self.ingestors.push(ingestor);
        self
    }

    /// Publishes to `publisher.platform()` — built in or not (`Platform::new("bluesky")`). A
    /// built-in platform without one publishes to the outbox ([`EngineBuilder::outbox_dir`]) or,
    /// without an outbox directory, to an in-memory [`RecordingPublisher`].
    pub fn publisher(mut self, publisher: Arc<dyn Publisher>) -> Self {
        self.publishers.insert(publisher.platform(), publisher);
        self
    }

    /// A send budget for `platform`, shared by every worker through the store.
    pub fn budget(mut self, platform: Platform, budget: SendBudget) -> Self {
        self.budgets.insert(platform, budget);
        self
    }

    /// Told about every publication (Notion tracking pages).
    pub fn tracker(mut self, tracker: Arc<dyn Tracker>) -> Self {
        self.tracker = Some(tracker);
        self
    }

    /// Told when a publish fails for good.
    pub fn alert(mut self, alert: Arc<dyn Alert>) -> Self {
        self.alert = Some(alert);
        self
    }

    /// Offline publishing writes posts as files under `dir/<platform>/`.
    pub fn outbox_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.outbox_dir = Some(dir.into());
        self
    }

    /// An external AI detector for the `ai_likeness` gate (default: the local stylometric one).
    pub fn detector(mut self, detector: Arc<dyn AiDetector>) -> Self {
        self.detector = Some(detector);
        self
    }

    /// The quality gates' settings.
    pub fn quality(mut self, config: QualityConfig) -> Self {
        self.quality = config;
        self
    }

    /// The bundle pipeline's settings.
    pub fn generation(mut self, config: GenerationConfig) -> Self {
        self.generation = config;
        self
    }

    /// Seconds one round of generator calls takes, for the estimate a generation request answers
    /// (default 0: the offline generator).
    pub fn generation_estimate(mut self, seconds_per_round: u64) -> Self {
        self.seconds_per_round = seconds_per_round;
        self
    }

    /// The publishing loop's settings.
    pub fn publishing(mut self, config: PublishConfig) -> Self {
        self.publishing = config;
        self
    }

    /// The job worker's settings.
    pub fn worker(mut self, config: WorkerConfig) -> Self {
        self.worker = config;
        self
    }

    /// Chunk sizes for indexing.
    pub fn chunking(mut self, config: ChunkConfig) -> Self {
        self.chunking = config;
        self
    }

    /// The audience's default IANA zone for scheduling (default `America/New_York`).
    pub fn timezone(mut self, tz: impl Into<String>) -> Self {
        self.timezone = Some(tz.into());
        self
    }

    /// A job handler of the embedding service's own (it runs in [`Engine::worker`]).
    pub fn job_handler(mut self, handler: Arc<dyn JobHandler>) -> Self {
        self.handlers.push(handler);
        self
    }

    /// A recurring job (its handler must be registered, built in or with [`Self::job_handler`]).
    pub fn cron(mut self, entry: CronEntry) -> Self {
        self.cron.push(entry);
        self
    }

    /// A change feed for what is in review (e.g. `growth_store::Database::watch_review_changes` on
    /// PostgreSQL): the review fingerprint is then answered from memory while the feed is live.
    pub fn review_changes(mut self, changes: Arc<growth_core::review::ReviewChanges>) -> Self {
        self.review_changes = Some(changes);
        self
    }

    /// Edit learning, ICP extraction and their recurring jobs (default: mining weekly, ICP
    /// updates daily, a pattern becomes a rule after 3 saves).
    pub fn learning(mut self, config: LearningConfig) -> Self {
        self.learning = config;
        self
    }

    /// Whether every draft passes through the active learned rules (`learn::apply_rules`) after
    /// the generator wrote it (default: only for the offline generator, when none is given; a
    /// model follows them from its prompt). Set it for an offline generator passed in.
    pub fn apply_learned_rules(mut self, apply: bool) -> Self {
        self.apply_rules = Some(apply);
        self
    }

    /// This process's name on claimed jobs and schedules (default `engine:<pid>`).
    pub fn instance(mut self, name: impl Into<String>) -> Self {
        self.instance = Some(name.into());
        self
    }

    /// Size limits of manual ingestion (default [`IngestLimits::default`]: 10 MiB transcripts).
    pub fn ingest_limits(mut self, limits: IngestLimits) -> Self {
        self.ingest_limits = limits;
        self
    }

    /// The PDF extractor and its limits (default [`PdfExtractor::default`]).
    pub fn pdf(mut self, pdf: PdfExtractor) -> Self {
        self.pdf = Some(pdf);
        self
    }

    /// How long a source may sit in `processing` before the sweep fails it (default 3 h: a long
    /// recording's transcription can take an hour).
    pub fn stale_sources_after(mut self, after: std::time::Duration) -> Self {
        self.stale_after = Some(after);
        self
    }

    /// Reads engagement numbers of `source`'s platform in the metrics sync (default: none; CSV
    /// import and leads work without one).
    pub fn metrics_source(mut self, source: Arc<dyn MetricsSource>) -> Self {
        self.metrics_sources.push(source);
        self
    }

    /// The daily platform call budget the metrics sync takes from (default: unbudgeted).
    pub fn call_budget(mut self, budget: Arc<dyn CallBudget>) -> Self {
        self.call_budget = Some(budget);
        self
    }

    /// Told when a metrics source needs connecting (default: logged only).
    pub fn measure_alert(mut self, alert: Arc<dyn MeasureAlert>) -> Self {
        self.measure_alert = Some(alert);
        self
    }

    /// Enriches every new lead with `enricher` (n8n), in an `enrich_lead` job (default: none).
    pub fn lead_enricher(mut self, enricher: Arc<dyn growth_core::measure::LeadEnricher>) -> Self {
        self.lead_enricher = Some(enricher);
        self
    }

    /// Reads every new lead's segment with `reader` (Customer.io person attributes), in an
    /// `enrich_lead` job (default: none).
    pub fn segment_reader(mut self, reader: Arc<dyn growth_core::measure::SegmentReader>) -> Self {
        self.segment_reader = Some(reader);
        self
    }

    /// Settings of the measure stage (sync window, manual minutes per type, attribution model).
    pub fn measure(mut self, config: MeasureConfig) -> Self {
        self.measure = config;
        self
    }

    /// When the metrics sync runs (five-field cron, UTC; default hourly, `"0 * * * *"`). The sync is
    /// scheduled only when at least one metrics source is configured.
    pub fn metrics_sync_schedule(mut self, expression: impl Into<String>) -> Self {
        self.metrics_cron = Some(expression.into());
        self
    }

    /// Learns CIPHER-style preferences from reviewers' edits with `inferer` (a language model,
    /// e.g. `growth_llm::learning::LlmPreferenceInferer`): each edit enqueues a
    /// `learn.preference` job, and every generation request gets the merged preference of the
    /// k = 5 nearest past contexts in its instruction. Default: none — offline, edits teach rules
    /// only and prompts are unchanged.
    pub fn preference_inferer(mut self, inferer: Arc<dyn PreferenceInferer>) -> Self {
        self.preference_inferer = Some(inferer);
        self
    }

    /// Reads calls for ICP profiles and objections with `extractor` (e.g.
    /// `growth_llm::learning::LlmIcpExtractor`; default: the offline extractor).
    pub fn icp_extractor(mut self, extractor: Arc<dyn IcpExtractor>) -> Self {
        self.icp_extractor = Some(extractor);
        self
    }

    /// Whether smart distribution takes its times from the best-time model once a platform has
    /// [`LearningConfig::smart_min_posts`] measured posts (default: on).
    pub fn smart_distribution_by_best_time(mut self, on: bool) -> Self {
        self.smart_distribution_by_best_time = Some(on);
        self
    }

    /// Seeds learning's random draws (best-time Thompson sampling), for reproducible runs.
    pub fn learning_seed(mut self, seed: u64) -> Self {
        self.learning_seed = Some(seed);
        self
    }

    /// Wires everything; a setting that cannot work (a bad zone, an embedder and a vector store of
    /// different dimensions, invalid quality settings) is an error here, not at first use.
    pub fn build(self) -> Result<Engine> {
        let store: Arc<dyn Store> = self.store.unwrap_or_else(|| Arc::new(InMemoryStore::default()));
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let blobs: Arc<dyn BlobStore> = self.blobs.unwrap_or_else(|| Arc::new(InMemoryBlobStore::default()));
        let embedder: Arc<dyn Embedder> = match self.embedder {
            Some(e) => e,
            None => Arc::new(HashingEmbedder::new(DEFAULT_DIMENSIONS)?),
        };
        let vectors: Arc<dyn VectorStore> = self.vectors.unwrap_or_else(|| Arc::new(InMemoryVectorStore::new(embedder.dimensions())));
        let offline_generator = self.apply_rules.unwrap_or(self.generator.is_none());
        let generator: Arc<dyn ContentGenerator> = match self.generator {
            Some(g) => g,
            None => {
                let mut config = ExtractiveConfig::default();
                if let Some(cta) = &self.generation.cta {
                    config.cta = cta.clone();
                }
                // First person is the configured host's alone, in the drafts and in the `attribution` gate.
                config.host.clone_from(&self.quality.attribution.host);
                Arc::new(ExtractiveGenerator::new(config)?)
            }
        };
        let indexer = KnowledgeIndexer::new(embedder.clone(), vectors.clone(), store.clone(), self.chunking)?;
        let retriever = Retriever::new(embedder.clone(), vectors.clone())?;
        let mut ingest = SourceIngest::new(store.clone(), blobs.clone(), self.transcriber)
            .with_indexer(indexer.clone())
            .with_limits(self.ingest_limits.clone());
        if let Some(pdf) = self.pdf {
            ingest = ingest.with_pdf(pdf);
        }
        let sweep = StaleSweep::new(store.clone(), clock.clone(), self.stale_after.unwrap_or(std::time::Duration::from_secs(3 * 3600)))?;
        let mut cron = self.cron;
        if !cron.iter().any(|c| c.name() == StaleSweep::KIND) {
            cron.push(CronEntry::new(
                StaleSweep::KIND,
                "*/10 * * * *",
                growth_core::domain::JobKind::new(StaleSweep::KIND)?,
                serde_json::json!({}),
            )?);
        }
        for i in self.ingestors {
            ingest = ingest.with_ingestor(i);
        }
        let knowledge = KnowledgeService::new(store.clone(), indexer, retriever.clone());
        let learn_cron = self.learning.cron_entries()?;
        let icp_config = self.learning.icp.clone();
        let objection_similarity = self.learning.objection_similarity;
        let mut learning = LearningService::new(store.clone(), knowledge.clone(), clock.clone(), self.learning)?;
        if let Some(extractor) = self.icp_extractor {
            learning = learning.with_icp_extractor(extractor);
        }
        if let Some(seed) = self.learning_seed {
            learning = learning.with_seed(seed);
        }
        let preferences = PreferenceService::new(store.clone(), embedder.clone(), self.preference_inferer, clock.clone());
        let rules: Arc<dyn RuleSource> = Arc::new(learning.clone());
        // The offline generator follows the active rules by post-processing every draft; a model
        // gets them in its prompt's stable prefix (below).
        let generator: Arc<dyn ContentGenerator> =
            if offline_generator { Arc::new(RuleApplyingGenerator::from_source(generator, rules.clone())) } else { generator };

        let builtin = BuiltinGates::new(&self.quality)?;
        let icp = IcpScorer::new(retriever.clone(), store.clone(), builtin.cta.clone(), self.quality.icp.clone())?;
        let mut gates = builtin.gates();
        // The gates an edit re-runs: every built-in one, except the stylometric AI-likeness gate
        // when a remote detector replaces it (its verdict is kept until the next generation).
        let remote_detector = self.detector.is_some();
        let edit_gates: Vec<Arc<dyn QualityGate>> =
            builtin.gates().into_iter().filter(|g| !(remote_detector && g.name() == "ai_likeness")).collect();
        if let Some(detector) = self.detector {
            let gate: Arc<dyn QualityGate> = Arc::new(AiLikenessGate::new(detector, self.quality.ai_likeness_threshold)?);
            for g in gates.iter_mut().filter(|g| g.name() == "ai_likeness") {
                *g = gate.clone();
            }
        }
        // Learned banned phrases and replacements join the slop gate, with their own findings.
        for g in gates.iter_mut().filter(|g| g.name() == "slop") {
            *g = Arc::new(LearnedPhraseGate::new(g.clone(), rules.clone()));
        }
        let checker = Checker::new(gates, Some(icp));

        let g = &self.generation;
        let mut prompts = PromptBuilder::new(g.voice.clone()).cta(g.cta.clone()).length(self.quality.length.clone());
        prompts.hook_max_chars = self.quality.hook.max_first_line_chars;
        let mut pipeline = BundlePipeline::new(store.clone(), generator.clone(), checker.gates())
            .retriever(retriever)
            .prompts(prompts)
            .max_rewrites(g.max_rewrites)
            .concurrency(g.concurrency)
            .prices(g.prices.clone())
            .learned_rules(rules)
            .bundle_gates(builtin.bundle_gates());
        if preferences.learns() {
            pipeline = pipeline.preferences(Arc::new(preferences.clone()));
        }
        let objection_content =
            ObjectionContent::new(store.clone(), knowledge.clone(), icp_config, objection_similarity, ingest.clone(), pipeline.clone());
        let generation =
            GenerationService::new(store.clone(), store.clone(), ingest.clone(), g.plan, self.seconds_per_round, g.concurrency);

        let mut publishers = Publishers::new();
        let mut built_in_defaults = Vec::new();
        for platform in [Platform::LINKEDIN, Platform::CUSTOMER_IO, Platform::WEBFLOW] {
            if !self.publishers.contains_key(&platform) {
                let p: Arc<dyn Publisher> = match &self.outbox_dir {
                    Some(dir) => Arc::new(OutboxPublisher::new(dir.clone(), platform).with_clock(clock.clone())),
                    None => Arc::new(RecordingPublisher::new(platform)),
                };
                built_in_defaults.push(p);
            }
        }
        for p in self.publishers.into_values().chain(built_in_defaults) {
            publishers = publishers.publisher(p);
        }
        // The documented limits of the built-in platforms guard their real publishers only.
        for (platform, budget) in growth_core::publish::DbGate::default_budgets() {
            if publishers.via(platform).is_some_and(|v| v != "outbox" && v != "recording") {
                publishers = publishers.budget(platform, budget);
            }
        }
        for (platform, budget) in self.budgets {
            publishers = publishers.budget(platform, budget);
        }
        if let Some(t) = self.tracker {
            publishers = publishers.tracker(t);
        }
        if let Some(a) = self.alert {
            publishers = publishers.alert(a);
        }
        let timezone = self.timezone.unwrap_or_else(|| "America/New_York".to_owned());
        let mut review = ReviewService::new(store.clone(), clock.clone(), timezone, publishers.platforms())?.with_gates(edit_gates);
        if let Some(changes) = self.review_changes {
            review = review.with_changes(changes);
        }
        if preferences.learns() {
            review = review.with_edit_observer(Arc::new(preferences.clone()));
        }
        if self.smart_distribution_by_best_time.unwrap_or(true) {
            review = review.with_best_time(Arc::new(learning.clone()));
        }
        self.publishing.validate()?;
        let publishing = PublishService::new(store.clone(), clock.clone(), publishers, self.publishing, review.clone());
        let has_sources = !self.metrics_sources.is_empty();
        let mut measure = MeasureService::new(store.clone(), clock.clone(), self.measure);
        for source in self.metrics_sources {
            measure = measure.source(source);
        }
        if let Some(b) = self.call_budget {
            measure = measure.budget(b);
        }
        if let Some(a) = self.measure_alert {
            measure = measure.alert(a);
        }
        if let Some(e) = self.lead_enricher {
            measure = measure.enricher(e);
        }
        if let Some(r) = self.segment_reader {
            measure = measure.segments(r);
        }
        // The hourly sync runs once a metrics source is configured (imports and leads need none).
        if has_sources && !cron.iter().any(|e| e.name() == growth_core::measure::SYNC_METRICS) {
            cron.push(growth_core::measure::sync_metrics_cron(self.metrics_cron.as_deref())?);
        }
        let instance = self.instance.unwrap_or_else(|| format!("engine:{}", std::process::id()));
        if instance.trim().is_empty() {
            return Err(Error::invalid_field("instance", "name the process"));
        }
        Ok(Engine {
            inner: Arc::new(Inner {
                store,
                clock,
                blobs,
                embedder,
                vectors,
                generator,
                ingest,
                knowledge,
                checker,
                pipeline,
                generation,
                review,
                publishing,
                learning,
                measure,
                preferences,
                objection_content,
                worker: self.worker,
                handlers: self.handlers,
                cron: learn_cron.into_iter().chain(cron).collect(),
                instance,
                sweep,
            }),
        })
    }
}
