//! The bundle pipeline: one source in, a reviewed bundle of drafts out.
//!
//! [`BundlePipeline::run`]: load the source (it must be `completed`, with a transcript) →
//! retrieve knowledge and ICP context for it → build one request per content type
//! ([`PromptBuilder::bundle`]: 7 LinkedIn posts, a pre-interview and a post-publish post, a
//! newsletter and a blog post by default) → generate them **concurrently** under a limit → run
//! every quality gate, rewriting what fails ([`RewriteLoop`], ≤ 3) → save each piece as
//! `in_review` at version 1 with its scores and findings.
//!
//! **Resumable.** Each saved piece carries its bundle key (`platform_data.growth_bundle`:
//! `{"bundle": <id>, "piece": "linkedin_post#3", "usage": …}`). Running the same bundle again (a
//! crashed worker's job picked up by another) skips every request whose pieces are all saved and
//! saves only the missing pieces of the others — nothing is generated twice that is already kept.
//!
//! **Cost.** Every generator call's tokens are summed per piece (a piece's share of its request
//! plus its own rewrites) and per bundle, and priced with a [`PriceTable`].

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::{ContentFilter, ContentItem, ContentStatus, ContentType, NewContentItem, SourceId, SourceStatus};
use crate::generate::{ContentGenerator, Draft, GenerationRequest, Usage};
use crate::knowledge::{KindFilter, Retriever};
use crate::prompt::{BundlePlan, KnowledgeSnippet, PromptBuilder, SourceMaterial};
use crate::quality::QualityGate;
use crate::quality::rewrite::RewriteLoop;
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
#[async_trait]
pub trait ProgressSink: Send + Sync {
    /// `percent` 0–100 and what is saved so far.
    async fn report(&self, percent: u8, saved: &[ContentItem]) -> Result<()>;
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
        }
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
        let prompts = self.prompts.clone().knowledge(knowledge);
        let requests = prompts.bundle(&material, plan)?;
        let total: usize = requests.iter().map(|r| r.count as usize).sum();

        // What an earlier run of this bundle already saved.
        let filter = ContentFilter { source_id: Some(source_id), limit: 500, ..ContentFilter::default() };
        let mut saved: Vec<ContentItem> =
            self.store.list_content(&filter).await?.into_iter().filter(|i| bundle_tag(i).is_some_and(|(b, _)| b == bundle_id)).collect();
        let done: HashSet<String> = saved.iter().filter_map(|i| bundle_tag(i).map(|(_, p)| p.to_owned())).collect();
        let resumed = done.len();
        progress.report(percent(done.len(), total), &saved).await?;

        let saved_count = AtomicU32::new(done.len() as u32);
        let saved_lock = tokio::sync::Mutex::new(std::mem::take(&mut saved));
        let todo: Vec<GenerationRequest> =
            requests.into_iter().filter(|r| (0..r.count as usize).any(|i| !done.contains(&piece_key(r.content_type, i)))).collect();
        let results: Vec<Result<Usage>> = futures::stream::iter(todo.into_iter().map(|req| {
            let done = &done;
            let saved_lock = &saved_lock;
            let saved_count = &saved_count;
            async move {
                let mut usage = Usage::default();
                let t = req.content_type;
                let system = req.system.clone();
                let source_text = req.source_text.clone();
                let generation = self.generator.generate(req).await?;
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
                    let item =
                        self.save(bundle_id, source_id, t, &key, reviewed.draft, reviewed.metrics, piece_usage, &reviewed.attempts).await?;
                    let n = saved_count.fetch_add(1, Ordering::SeqCst) + 1;
                    let mut guard = saved_lock.lock().await;
                    guard.push(item);
                    progress.report(percent(n as usize, total), &guard).await?;
                }
                Ok(usage)
            }
        }))
        .buffer_unordered(self.concurrency)
        .collect()
        .await;
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
        self.store.insert_content(item).await
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
