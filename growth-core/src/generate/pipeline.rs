//! The bundle pipeline: one source in, a reviewed bundle of drafts out.
//!
//! [`BundlePipeline::run`]: load the source (it must be `completed`, with a transcript) →
//! retrieve knowledge and ICP context for it → build one request per content type
//! ([`PromptBuilder::bundle`]: 7 LinkedIn posts, a pre-interview and a post-publish post, a
//! newsletter and a blog post by default) → generate them **concurrently** under a limit → run
//! every quality gate, rewriting what fails ([`RewriteLoop`], ≤ 3) → run the bundle gates
//! ([`BundlePipeline::bundle_gates`]: repetition across the bundle, attribution against the
//! source) against the pieces saved before it → save each piece as `in_review` at version 1 with
//! its scores and findings.
//!
//! **Resumable.** Each saved piece carries its bundle key (`platform_data.growth_bundle`:
//! `{"bundle": <id>, "piece": "linkedin_post#3", "usage": …}`). Running the same bundle again (a
//! crashed worker's job picked up by another) skips every request whose pieces are all saved and
//! saves only the missing pieces of the others — nothing is generated twice that is already kept.
//! Two runs at once (a job whose lease lapsed while its worker still ran) save each piece once:
//! the store's unique (bundle, piece) key makes a save insert-or-get
//! ([`BundlePieceStore`](crate::store::BundlePieceStore)).
//!
//! **Cost.** Every generator call's tokens are summed per piece (a piece's share of its request
//! plus its own rewrites) and per bundle, and priced with a [`PriceTable`].
//!
//! **Live progress.** Besides the percentage and the saved pieces ([`ProgressSink::report`]), the
//! sink gets every piece of the bundle with its state and the output tokens streamed for it so far
//! ([`ProgressSink::pieces`]), from generators that report them
//! ([`ContentGenerator::generate_with_progress`]), at most every [`BundlePipeline::progress_interval`].

use std::collections::{BTreeMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::{ContentFilter, ContentItem, ContentStatus, ContentType, NewContentItem, SourceId, SourceStatus};
use crate::generate::{ContentGenerator, Draft, GenerationObserver, GenerationRequest, PieceProgress, PieceState, StreamProgress, Usage};
use crate::knowledge::{KindFilter, Retriever};
use crate::prompt::{BundlePlan, KnowledgeSnippet, PromptBuilder, SourceMaterial};
use crate::quality::bundle::{BundleContext, BundleGate};
use crate::quality::rewrite::RewriteLoop;
use crate::quality::{DraftUnderReview, QualityGate};
use crate::store::Store;
use crate::{Error, Result};

/// Prices in US dollars per million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Uncached input.
    pub input: f64,
    /// Output.
    pub output: f64,
    /// Input written to the prompt cache.
    pub cache_write: f64,
    /// Input read from the prompt cache.
    pub cache_read: f64,
}

/// Prices per model; a model not listed costs `default` (zero unless configured).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriceTable {
    /// By model id.
    pub models: BTreeMap<String, Price>,
    /// For any other model.
    pub default: Option<Price>,
}

impl PriceTable {
    /// Estimated cost of `usage` on `model`, in US dollars.
    pub fn cost(&self, model: &str, usage: &Usage) -> f64 {
        let Some(p) = self.models.get(model).or(self.default.as_ref()) else { return 0.0 };
        (usage.input_tokens as f64 * p.input
            + usage.output_tokens as f64 * p.output
            + usage.cache_creation_input_tokens as f64 * p.cache_write
            + usage.cache_read_input_tokens as f64 * p.cache_read)
            / 1_000_000.0
    }
}

/// Where progress goes (the job row, a progress bar).
///
/// An error from either method stops the run (a worker that lost its job's lease must stop).
#[async_trait]
pub trait ProgressSink: Send + Sync {
    /// `percent` 0–100 and what is saved so far.
    async fn report(&self, percent: u8, saved: &[ContentItem]) -> Result<()>;

    /// Every piece of the bundle in plan order, with its state and the output tokens written for
    /// it so far. Called when the run starts, at most every
    /// [`BundlePipeline::progress_interval`] while anything changes, and once at the end. The
    /// default ignores it.
    async fn pieces(&self, pieces: &[PieceProgress]) -> Result<()> {
        let _ = pieces;
        Ok(())
    }
}

/// Progress nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

#[async_trait]
impl ProgressSink for NoProgress {
    async fn report(&self, _: u8, _: &[ContentItem]) -> Result<()> {
        Ok(())
    }
}

/// What a bundle run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct BundleOutcome {
    /// The source.
    pub source_id: SourceId,
    /// Every piece of the bundle (saved earlier or now), in plan order.
    pub items: Vec<ContentItem>,
    /// Tokens used by this run.
    pub usage: Usage,
    /// Estimated cost of this run, US dollars.
    pub estimated_cost_usd: f64,
    /// The generator's model.
    pub model: String,
    /// Pieces this run skipped because they were already saved.
    pub resumed: usize,
}

/// Generates, checks and saves bundles.
#[derive(Clone, Debug)]
pub struct BundlePipeline {
    store: Arc<dyn Store>,
    generator: Arc<dyn ContentGenerator>,
    retriever: Option<Retriever>,
    prompts: PromptBuilder,
    gates: Vec<Arc<dyn QualityGate>>,
    max_rewrites: u32,
    concurrency: usize,
    prices: PriceTable,
    knowledge_top_k: usize,
    progress_interval: Duration,
    learned: Option<Arc<dyn crate::learn::RuleSource>>,
    bundle_gates: Vec<Arc<dyn BundleGate>>,
    preferences: Option<Arc<dyn crate::learn::PreferenceSource>>,
}

/// The key a saved piece carries.
fn piece_key(t: ContentType, i: usize) -> String {
    format!("{t}#{i}")
}

fn bundle_tag(item: &ContentItem) -> Option<(&str, &str)> {
    let tag = item.platform_data.get("growth_bundle")?;
    Some((tag.get("bundle")?.as_str()?, tag.get("piece")?.as_str()?))
}

fn div_usage(u: Usage, n: u64) -> Usage {
    let n = n.max(1);
    Usage {
        input_tokens: u.input_tokens / n,
        output_tokens: u.output_tokens / n,
        cache_creation_input_tokens: u.cache_creation_input_tokens / n,
        cache_read_input_tokens: u.cache_read_input_tokens / n,
    }
}

impl BundlePipeline {
    /// A pipeline writing with `generator` and checking with `gates` (no retrieval, default
    /// prompts, 3 rewrites, up to 11 calls at once, no prices).
    pub fn new(store: Arc<dyn Store>, generator: Arc<dyn ContentGenerator>, gates: Vec<Arc<dyn QualityGate>>) -> Self {
        Self {
            store,
            generator,
            retriever: None,
            prompts: PromptBuilder::default(),
            gates,
            max_rewrites: 3,
            concurrency: 11,
            prices: PriceTable::default(),
            knowledge_top_k: 6,
            progress_interval: Duration::from_secs(1),
            learned: None,
            bundle_gates: Vec::new(),
            preferences: None,
        }
    }

    /// Checks each piece with `gates` against the pieces of its bundle saved before it and the
    /// source transcript, just before saving it (see [`crate::quality::bundle`]); none by default.
    pub fn bundle_gates(mut self, gates: Vec<Arc<dyn BundleGate>>) -> Self {
        self.bundle_gates = gates;
        self
    }

    /// Reads the rules in force at the start of every run and puts their prompt lines in the
    /// stable (cached) prefix, after the builder's own learned rules.
    pub fn learned_rules(mut self, rules: Arc<dyn crate::learn::RuleSource>) -> Self {
        self.learned = Some(rules);
        self
    }

    /// Adds the reviewer's learned preference for each request's context (CIPHER: the k nearest
    /// past contexts, merged) as a line of its instruction. A source that cannot answer is logged
    /// and the request goes without it.
    pub fn preferences(mut self, preferences: Arc<dyn crate::learn::PreferenceSource>) -> Self {
        self.preferences = Some(preferences);
        self
    }

    /// Retrieves knowledge and ICP context for each source.
    pub fn retriever(mut self, retriever: Retriever) -> Self {
        self.retriever = Some(retriever);
        self
    }

    /// The prompt builder (voice, CTA, length rules).
    pub fn prompts(mut self, prompts: PromptBuilder) -> Self {
        self.prompts = prompts;
        self
    }

    /// At most `n` rewrites per piece.
    pub fn max_rewrites(mut self, n: u32) -> Self {
        self.max_rewrites = n;
        self
    }

    /// At most `n` generator calls at once (≥ 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Prices for the cost estimate.
    pub fn prices(mut self, prices: PriceTable) -> Self {
        self.prices = prices;
        self
    }

    /// Live piece progress goes to [`ProgressSink::pieces`] at most this often (default 1 s).
    pub fn progress_interval(mut self, every: Duration) -> Self {
        self.progress_interval = every;
        self
    }

    /// The generator's model.
    pub fn model(&self) -> &str {
        self.generator.model()
    }

    /// Knowledge for a source: the closest knowledge items and ICP profiles to its opening.
    async fn knowledge(&self, material: &SourceMaterial) -> Result<Vec<KnowledgeSnippet>> {
        let Some(r) = &self.retriever else { return Ok(Vec::new()) };
        let mut query: String = material.title.clone().unwrap_or_default();
        query.push('\n');
        query.extend(material.text.chars().take(4_000));
        let mut out: Vec<KnowledgeSnippet> =
            r.retrieve(&query, Some(KindFilter::Knowledge), self.knowledge_top_k).await?.iter().map(KnowledgeSnippet::from).collect();
        out.extend(r.retrieve(&query, Some(KindFilter::Icp), 2).await?.iter().map(KnowledgeSnippet::from));
        Ok(out)
    }

    /// Generates (or resumes) bundle `bundle_id` of `source_id` per `plan`.
    pub async fn run(&self, bundle_id: &str, source_id: SourceId, plan: &BundlePlan, progress: &dyn ProgressSink) -> Result<BundleOutcome> {
        let source = self.store.get_source(source_id).await?;
        if source.status != SourceStatus::Completed {
            return Err(Error::conflict(format!(
                "source {source_id} is {} — only a completed source can be written from{}",
                source.status,
                source.failure_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
            )));
        }
        let text = source
            .transcript
            .clone()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| Error::invalid_field("source_id", format!("source {source_id} has no transcript to write from")))?;
        let material = SourceMaterial::new(source.title.clone(), text);
        let knowledge = self.knowledge(&material).await?;
        let mut prompts = self.prompts.clone().knowledge(knowledge);
        if let Some(rules) = &self.learned {
            prompts.learned_rules.extend(crate::learn::prompt_lines(&rules.active_rules().await?));
        }
        let mut requests = prompts.bundle(&material, plan)?;
        if let Some(preferences) = &self.preferences {
            let context = crate::learn::preference_context(material.title.as_deref(), &material.text);
            for r in &mut requests {
                match preferences.instruction(&context, r.content_type).await {
                    Ok(Some(line)) => {
                        r.instruction.push_str("\n\n");
                        r.instruction.push_str(&line);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(%source_id, error = %e, "no learned preference for this request"),
                }
            }
        }
        let total: usize = requests.iter().map(|r| r.count as usize).sum();

        // What an earlier run of this bundle already saved.
        let filter = ContentFilter { source_id: Some(source_id), limit: 500, ..ContentFilter::default() };
        let mut saved: Vec<ContentItem> =
            self.store.list_content(&filter).await?.into_iter().filter(|i| bundle_tag(i).is_some_and(|(b, _)| b == bundle_id)).collect();
        let done: HashSet<String> = saved.iter().filter_map(|i| bundle_tag(i).map(|(_, p)| p.to_owned())).collect();
        let resumed = done.len();
        progress.report(percent(done.len(), total), &saved).await?;

        let live = LivePieces::new(&requests, &done);
        progress.pieces(&live.snapshot()).await?;
        let saved_count = AtomicU32::new(done.len() as u32);
        let saved_lock = tokio::sync::Mutex::new(std::mem::take(&mut saved));
        let todo: Vec<GenerationRequest> =
            requests.into_iter().filter(|r| (0..r.count as usize).any(|i| !done.contains(&piece_key(r.content_type, i)))).collect();
        let work = futures::stream::iter(todo.into_iter().map(|req| {
            let done = &done;
            let saved_lock = &saved_lock;
            let saved_count = &saved_count;
            let live = &live;
            let t = req.content_type;
            let one = async move {
                let mut usage = Usage::default();
                let system = req.system.clone();
                let source_text = req.source_text.clone();
                let generation = self.generator.generate_with_progress(req, &RequestObserver { live, content_type: t }).await?;
                live.written(t, generation.drafts.iter().map(|d| !d.content.trim().is_empty()));
                usage += generation.usage;
                let share = div_usage(generation.usage, generation.drafts.len() as u64);
                let rewrite = RewriteLoop::new(self.gates.clone(), Some(self.generator.clone())).max_rewrites(self.max_rewrites);
                for (i, draft) in generation.drafts.into_iter().enumerate() {
                    let key = piece_key(t, i);
                    if done.contains(&key) || draft.content.trim().is_empty() {
                        continue;
                    }
                    let reviewed = rewrite.run(t, draft, &system, &source_text).await?;
                    usage += reviewed.usage;
                    let mut piece_usage = share;
                    piece_usage += reviewed.usage;
                    // Saves are serialised so each piece is checked against every piece saved before it.
                    let mut guard = saved_lock.lock().await;
                    let metrics = self.check_bundle(t, &reviewed.draft, reviewed.metrics, &guard, &source_text)?;
                    let item = self.save(bundle_id, source_id, t, &key, reviewed.draft, metrics, piece_usage, &reviewed.attempts).await?;
                    live.saved(t, i);
                    let n = saved_count.fetch_add(1, Ordering::SeqCst) + 1;
                    guard.push(item);
                    progress.report(percent(n as usize, total), &guard).await?;
                }
                Ok(usage)
            };
            async move {
                let result = one.await;
                if result.is_err() {
                    live.failed(t);
                }
                result
            }
        }))
        .buffer_unordered(self.concurrency)
        .collect::<Vec<Result<Usage>>>();
        let results = {
            let reporter = self.report_live(&live, progress);
            futures::pin_mut!(work, reporter);
            match futures::future::select(work, reporter).await {
                futures::future::Either::Left((results, _)) => results,
                futures::future::Either::Right((Err(e), _)) => return Err(e),
                futures::future::Either::Right((Ok(never), _)) => match never {},
            }
        };
        progress.pieces(&live.snapshot()).await?;
        let mut usage = Usage::default();
        let mut first_error = None;
        for r in results {
            match r {
                Ok(u) => usage += u,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let model = self.generator.model().to_owned();
        let cost = self.prices.cost(&model, &usage);
        tracing::info!(
            bundle = bundle_id,
            %source_id,
            model = %model,
            input_tokens = usage.input_tokens,
            output_tokens = usage.output_tokens,
            cache_read_input_tokens = usage.cache_read_input_tokens,
            cache_creation_input_tokens = usage.cache_creation_input_tokens,
            estimated_cost_usd = cost,
            "bundle generation finished"
        );
        if let Some(e) = first_error {
            // What was saved stays saved; a retry resumes from it.
            return Err(e);
        }
        let mut items = saved_lock.into_inner();
        let order = |i: &ContentItem| bundle_tag(i).map(|(_, p)| piece_order(p)).unwrap_or((usize::MAX, usize::MAX));
        items.sort_by_key(order);
        progress.report(100, &items).await?;
        Ok(BundleOutcome { source_id, items, usage, estimated_cost_usd: cost, model, resumed })
    }

    /// Adds the bundle gates' verdicts on `draft` (against the pieces saved before it and the
    /// source) to its metrics; a failing one flags the piece.
    fn check_bundle(
        &self,
        t: ContentType,
        draft: &Draft,
        mut metrics: crate::domain::QualityMetrics,
        earlier: &[ContentItem],
        source: &str,
    ) -> Result<crate::domain::QualityMetrics> {
        if self.bundle_gates.is_empty() {
            return Ok(metrics);
        }
        let piece = DraftUnderReview { content_type: t, title: draft.title.clone(), content: draft.content.clone() };
        let earlier: Vec<DraftUnderReview> = earlier
            .iter()
            .map(|i| DraftUnderReview { content_type: i.content_type, title: i.title.clone(), content: i.content.clone() })
            .collect();
        let context = BundleContext { source: Some(source), earlier: &earlier };
        for gate in &self.bundle_gates {
            let verdict = gate.check_piece(&piece, &context)?;
            metrics.flagged |= !verdict.passed;
            metrics.verdicts.push(verdict);
        }
        Ok(metrics)
    }

    /// Hands the live piece list to `sink` whenever it changed, at most every `progress_interval`;
    /// returns only when the sink fails.
    async fn report_live(&self, live: &LivePieces, sink: &dyn ProgressSink) -> Result<Infallible> {
        loop {
            live.changed.notified().await;
            sink.pieces(&live.snapshot()).await?;
            tokio::time::sleep(self.progress_interval).await;
        }
    }

    #[allow(clippy::too_many_arguments, reason = "one private call site; the fields of one saved piece")]
    async fn save(
        &self,
        bundle_id: &str,
        source_id: SourceId,
        t: ContentType,
        key: &str,
        draft: Draft,
        metrics: crate::domain::QualityMetrics,
        usage: Usage,
        attempts: &[crate::quality::rewrite::Attempt],
    ) -> Result<ContentItem> {
        // Every attempt is kept with the piece: its text and which gates it failed.
        let kept: Vec<serde_json::Value> = attempts
            .iter()
            .map(|a| {
                json!({
                    "attempt": a.attempt,
                    "passed": a.passed,
                    "title": a.draft.title,
                    "content": a.draft.content,
                    "failed_gates": a.verdicts.iter().filter(|v| !v.passed).map(|v| v.gate.as_str()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let cost = self.prices.cost(self.generator.model(), &usage);
        let mut item = NewContentItem::draft(t, draft.title, draft.content);
        item.source_id = Some(source_id);
        item.status = ContentStatus::InReview;
        item.quality = metrics;
        item.platform_data = json!({
            "format": draft.format,
            "growth_bundle": {
                "bundle": bundle_id,
                "piece": key,
                "model": self.generator.model(),
                "attempts": kept,
                "usage": usage,
                "estimated_cost_usd": cost,
            }
        });
        // Insert-or-get on the unique (bundle, piece) key: when another run of this bundle (a
        // crashed worker's job picked up by another) saved the piece first, its item is kept and
        // answered — never a second draft, never an error to the job.
        let (saved, created) = self.store.insert_bundle_piece(bundle_id, key, item).await?;
        if !created {
            tracing::info!(bundle = bundle_id, piece = key, item = %saved.id, "piece already saved by another run of this bundle; keeping that one");
        }
        Ok(saved)
    }
}

/// Every piece of a bundle run, as it goes; `changed` wakes the reporter.
struct LivePieces {
    pieces: Mutex<Vec<PieceProgress>>,
    changed: tokio::sync::Notify,
}

impl LivePieces {
    /// Every piece the requests ask for, in plan order: saved when an earlier run saved it, else queued.
    fn new(requests: &[GenerationRequest], done: &HashSet<String>) -> Self {
        let pieces = requests
            .iter()
            .flat_map(|r| (0..r.count).map(move |i| (r.content_type, i)))
            .map(|(content_type, index)| PieceProgress {
                content_type,
                index,
                state: if done.contains(&piece_key(content_type, index as usize)) { PieceState::Saved } else { PieceState::Queued },
                output_tokens: 0,
            })
            .collect();
        Self { pieces: Mutex::new(pieces), changed: tokio::sync::Notify::new() }
    }

    /// Applies `f` to the pieces of type `t` not saved yet, and wakes the reporter.
    fn update(&self, t: ContentType, mut f: impl FnMut(&mut PieceProgress)) {
        {
            let mut pieces = self.pieces.lock().unwrap_or_else(PoisonError::into_inner);
            pieces.iter_mut().filter(|p| p.content_type == t && p.state != PieceState::Saved).for_each(&mut f);
        }
        self.changed.notify_one();
    }

    /// The generator's answer for type `t` is complete: the drafts it has (`true` when non-empty)
    /// go to the checks, the pieces it lacks are skipped.
    fn written(&self, t: ContentType, drafts: impl Iterator<Item = bool>) {
        let written: Vec<bool> = drafts.collect();
        self.update(t, |p| {
            p.state = if written.get(p.index as usize).copied().unwrap_or(false) { PieceState::Checking } else { PieceState::Skipped };
        });
    }

    /// Writing or checking the pieces of type `t` failed: those not saved are failed.
    fn failed(&self, t: ContentType) {
        self.update(t, |p| p.state = PieceState::Failed);
    }

    fn saved(&self, t: ContentType, index: usize) {
        self.update(t, |p| {
            if p.index as usize == index {
                p.state = PieceState::Saved;
            }
        });
    }

    fn snapshot(&self) -> Vec<PieceProgress> {
        self.pieces.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Maps one request's streamed progress onto its pieces.
struct RequestObserver<'a> {
    live: &'a LivePieces,
    content_type: ContentType,
}

impl GenerationObserver for RequestObserver<'_> {
    fn on_progress(&self, progress: &StreamProgress) {
        self.live.update(self.content_type, |p| {
            if matches!(p.state, PieceState::Queued | PieceState::Writing) {
                let tokens = progress.draft_tokens.get(p.index as usize);
                p.state = if tokens.is_some() { PieceState::Writing } else { PieceState::Queued };
                p.output_tokens = tokens.copied().unwrap_or(0);
            }
        });
    }
}

const TYPE_ORDER: [ContentType; 5] =
    [ContentType::LinkedinPost, ContentType::PreInterview, ContentType::PostPublish, ContentType::Newsletter, ContentType::BlogPost];

fn piece_order(key: &str) -> (usize, usize) {
    let (t, i) = key.split_once('#').unwrap_or((key, "0"));
    let t = TYPE_ORDER.iter().position(|x| x.as_str() == t).unwrap_or(usize::MAX);
    (t, i.parse().unwrap_or(usize::MAX))
}

fn percent(done: usize, total: usize) -> u8 {
    if total == 0 {
        return 100;
    }
    // 5 % for loading and retrieval, 95 % spread over the pieces; 100 only at the end.
    (5 + done * 94 / total).min(99) as u8
}
