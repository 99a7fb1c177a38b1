//! [`ExtractiveGenerator`]: the offline [`ContentGenerator`]. It writes every content type from
//! the source's own sentences and a few templates, with no model, no network and no randomness.
//!
//! # How a request is written
//!
//! 1. **Turns.** The source text is read with the transcript parser (`Name: text` paragraphs,
//!    `**Name:**` Markdown interviews, timestamped lines, captions …), and consecutive segments of
//!    one speaker are merged into turns. The host is the configured one
//!    ([`ExtractiveConfig::host`], the rule of the `attribution` gate), else the first speaker
//!    when there are several; the guest is the other speaker with the most words.
//! 2. **Sentences.** Each turn is split at Unicode sentence boundaries. Each sentence is cleaned
//!    for quoting: asides in brackets (`[laughs]`), what the `disfluency` gate finds (repeated
//!    words and restarted phrases keep one copy: "I'm I'm" → "I'm"; fillers `um`, `you know,`,
//!    `I mean,`, `so yeah` go), leading `So`/`And`/`Yeah,` and broken-off speech (`--`, `...`) go.
//! 3. **Ranking.** Sentences of 7–45 words with some content are candidates; at most
//!    [`ExtractiveConfig::max_candidates`] of them (the most quotable), so a long transcript stays
//!    fast. Each gets a sparse TF-IDF vector; TextRank (PageRank over cosine similarities, built
//!    from an inverted index) gives centrality. The score is half centrality and half
//!    *quotability* (first-person claims, numbers and contrasts up; fillers, questions, ad reads
//!    and very short or long lines down), weighted by speaker (guest 1.0, others 0.8, host 0.55).
//! 4. **Composing.** Each piece is built around a different top sentence (an *anchor*: the best
//!    one that is not the same idea as an earlier anchor), with supporting sentences (half
//!    relevance to the anchor, half their own score, never a near-repeat). Supports are added until
//!    the draft reaches a quarter of the way into its word range ([`ExtractiveConfig::length`],
//!    the `length` gate's rules). The hook is the anchor itself or its longest leading clause when
//!    that is short and gives a reason to read on, checked with the `hook` gate; a fixed line
//!    that passes is the fallback.
//! 5. **Voice.** A piece speaks as the host: the host's lines are written as they are, anyone
//!    else's are quoted and attributed ("As Ada put it: “…”", `> **Ada Lovelace:** …`), hooks
//!    and headings included, so a guest's claim never reads as the host's.
//! 6. **Labels and closes.** Topic labels (section headings "On technical debt", titles, "… on
//!    technical debt" in hooks) come only from noun phrases the episode says in at least two
//!    sentences (no stop words, no verb fragments, no "X and Y" glue). The close is the configured
//!    call to action — for the second piece of a request on, led in by the piece's topic ("Your
//!    turn on pricing: …"), never a close an earlier piece of the request used.
//! 7. **No two pieces alike.** The default bundle's types write from disjoint excerpts: each type
//!    starts with the sentences of the types before it (LinkedIn, pre-interview, post-publish,
//!    newsletter, blog) taken, unless fewer than 12 candidates would be left. These *lanes* are
//!    computed once per source and shared by the bundle's requests. A draft whose word 3-gram
//!    Jaccard similarity with an earlier draft of its request is ≥ 0.45 is dropped and the next
//!    idea written instead (the `repetition` gate's limit is 0.5).
//!
//! | type | shape |
//! |---|---|
//! | LinkedIn posts | `count` posts rotating the formats `insight`, `framework` (numbered), `story` (the anchor's turn as it was told), `hot_take` |
//! | pre-interview | who is coming on, a few quotes as a preview, a question for the guest |
//! | post-publish | the episode is out, numbered ideas with a quote each, where to listen |
//! | newsletter | subject line, hook, intro, numbered `##` sections each with an attributed blockquote |
//! | blog post | headline, hook, intro, `##` sections with blockquotes, "What to do next" |
//!
//! The same request always gives the same drafts: every sort has a tie-break, term ids follow first
//! appearance, and sums run in a fixed order. The analysis of the last source is kept, so the five
//! requests of a bundle over one transcript analyse it once.
//!
//! # Example
//!
//! ```
//! use growth_core::domain::ContentType;
//! use growth_core::generate::{ContentGenerator, GenerationRequest};
//! use growth_llm::offline::ExtractiveGenerator;
//!
//! # tokio_test_block(async {
//! let source = "Adam: What changed when you shortened the trial?\n\n\
//!     Travis: We cut our free trial from 30 days to 7, and paid conversions went up 38%. \
//!     Long trials didn't mean more usage, they meant more procrastination. \
//!     Most people who converted did it in the first four days. \
//!     After day 10, almost nobody converted at all, so we stopped pretending otherwise.";
//! let generator = ExtractiveGenerator::with_defaults()?;
//! let request = GenerationRequest {
//!     content_type: ContentType::LinkedinPost,
//!     count: 2,
//!     system: Vec::new(),
//!     instruction: String::new(),
//!     source_text: source.to_owned(),
//!     source_title: Some("Shorter trials".to_owned()),
//!     max_tokens: None,
//! };
//! let generation = generator.generate(request).await?;
//! assert_eq!(generation.model, "extractive-v1");
//! assert!(generation.drafts[0].content.contains("conversions went up 38%"));
//! # Ok::<(), growth_core::Error>(())
//! # });
//! # fn tokio_test_block<F: std::future::Future<Output = Result<(), growth_core::Error>>>(f: F) {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f).unwrap()
//! # }
//! ```

mod analysis;
mod compose;
mod rank;
mod text;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use growth_core::generate::{ContentGenerator, Draft, Generation, GenerationRequest, Usage};
use growth_core::prompt::BundlePlan;
use growth_core::quality::cta::{CtaCheck, CtaConfig};
use growth_core::quality::hook::{HookCheck, HookConfig};
use growth_core::quality::length::LengthRules;
use growth_core::quality::slop::SlopChecker;
use growth_core::{Error, Result};
use serde::{Deserialize, Serialize};

use analysis::Analysis;

/// The model name the extractive generator reports.
pub const EXTRACTIVE_MODEL: &str = "extractive-v1";

/// Configuration of the [`ExtractiveGenerator`]. In the calls to action, `{guest}` is replaced by
/// the guest's name (or "my guest").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtractiveConfig {
    /// The close of every LinkedIn post.
    pub cta: String,
    /// The close of pre-interview posts.
    pub pre_interview_cta: String,
    /// The close of post-publish posts.
    pub post_publish_cta: String,
    /// The close of newsletters.
    pub newsletter_cta: String,
    /// The close of blog posts.
    pub blog_cta: String,
    /// The host's speaker label; the first speaker when not set.
    pub host: Option<String>,
    /// Most sentences ranked per source (default 400).
    pub max_candidates: usize,
    /// Word ranges to write to (the `length` gate's rules by default).
    pub length: LengthRules,
}

impl Default for ExtractiveConfig {
    fn default() -> Self {
        Self {
            cta: "Would this work in your product? Tell me why or why not in the comments.".to_owned(),
            pre_interview_cta: "What would you ask {guest}? Drop your question in the comments and I'll put it to them on the show."
                .to_owned(),
            post_publish_cta: "Listen to the full episode: the link is in the comments.".to_owned(),
            newsletter_cta: "Hit reply and tell me which of these you'd try first. I read every answer.".to_owned(),
            blog_cta: "Subscribe to the newsletter to get the next conversation in your inbox.".to_owned(),
            host: None,
            max_candidates: 400,
            length: LengthRules::default(),
        }
    }
}

impl ExtractiveConfig {
    /// Checks the configuration: a sane candidate cap, valid length rules, and calls to action
    /// that the `cta` gate accepts as one clear action.
    pub fn validate(&self) -> Result<()> {
        if self.max_candidates < analysis::MIN_SENTENCES {
            return Err(Error::Config(format!("extractive.max_candidates must be at least {}", analysis::MIN_SENTENCES)));
        }
        self.length.validate()?;
        let check = CtaCheck::new(CtaConfig::default())?;
        for (field, cta) in [
            ("cta", &self.cta),
            ("pre_interview_cta", &self.pre_interview_cta),
            ("post_publish_cta", &self.post_publish_cta),
            ("newsletter_cta", &self.newsletter_cta),
            ("blog_cta", &self.blog_cta),
        ] {
            let sample = format!("We doubled the price.\n\n{}", cta.trim().replace("{guest}", "Ada Lovelace"));
            if cta.trim().is_empty() || !check.findings(&sample).is_empty() {
                return Err(Error::Config(format!(
                    "extractive.{field} must ask for one clear action (a reply, a comment, a link …), got {cta:?}"
                )));
            }
        }
        Ok(())
    }
}

/// The offline generator: real sentences from the source, ranked and templated (see the
/// [module docs](crate::offline::extractive)).
#[derive(Clone, Debug)]
pub struct ExtractiveGenerator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ExtractiveConfig,
    hook: HookCheck,
    cta: CtaCheck,
    /// The last source analysed and its analysis.
    last: Mutex<Option<(String, Arc<Analysis>)>>,
    /// The lanes of the last source and title (see [`Inner::lanes`]).
    lanes: Mutex<Option<LanesOf>>,
}

/// Lanes, with the source text and title they were computed for.
type LanesOf = (String, Option<String>, Arc<Vec<Lane>>);

/// What one content type of the default bundle writes from a source, given the sentences the
/// types before it took.
#[derive(Clone, Debug)]
struct Lane {
    /// Sentences taken by this type and every type before it.
    taken: Vec<usize>,
    drafts: Vec<Draft>,
}

impl ExtractiveGenerator {
    /// A generator with `config`; `Error::Config` when the configuration is invalid (see
    /// [`ExtractiveConfig::validate`]).
    pub fn new(config: ExtractiveConfig) -> Result<Self> {
        config.validate()?;
        let hook = HookCheck::new(HookConfig::default(), Arc::new(SlopChecker::with_defaults()?));
        let cta = CtaCheck::new(CtaConfig::default())?;
        Ok(Self { inner: Arc::new(Inner { config, hook, cta, last: Mutex::new(None), lanes: Mutex::new(None) }) })
    }

    /// A generator with the default configuration.
    pub fn with_defaults() -> Result<Self> {
        Self::new(ExtractiveConfig::default())
    }

    /// The configuration in use.
    pub fn config(&self) -> &ExtractiveConfig {
        &self.inner.config
    }

    /// Writes the drafts of `req` synchronously (what [`ContentGenerator::generate`] does, off the
    /// async executor for large sources).
    ///
    /// # Errors
    /// `InvalidInput` naming `count` when it is 0, and `source_text` when the source is empty,
    /// cannot be read, or is too short to draw content from.
    pub fn write(&self, req: &GenerationRequest) -> Result<Vec<Draft>> {
        self.inner.write(req)
    }
}

impl Inner {
    fn analysis(&self, source: &str) -> Result<Arc<Analysis>> {
        if let Ok(last) = self.last.lock()
            && let Some((text, analysis)) = last.as_ref()
            && text == source
        {
            return Ok(analysis.clone());
        }
        let analysis = Arc::new(analysis::analyze(source, self.config.host.as_deref(), self.config.max_candidates)?);
        if let Ok(mut last) = self.last.lock() {
            *last = Some((source.to_owned(), analysis.clone()));
        }
        Ok(analysis)
    }

    /// The default bundle's types in order, each written from the sentences the types before it
    /// left (as far as the source allows), so no two pieces of a bundle quote the same excerpts.
    /// Computed once per source and title, as far as `upto` (an index into the plan's types), and
    /// shared by the requests of a bundle; a request of the default count is served from it.
    fn lanes(&self, source: &str, analysis: &Analysis, title: Option<&str>, upto: usize) -> Arc<Vec<Lane>> {
        let mut out: Vec<Lane> = Vec::new();
        if let Ok(lanes) = self.lanes.lock()
            && let Some((text, t, lanes)) = lanes.as_ref()
            && text == source
            && t.as_deref() == title
        {
            if lanes.len() > upto {
                return lanes.clone();
            }
            out = lanes.iter().map(Lane::clone).collect();
        }
        for (content_type, count) in BundlePlan::default().items().into_iter().skip(out.len()).take((upto + 1).saturating_sub(out.len())) {
            let mut composer = compose::Composer::new(analysis, &self.config, &self.hook, &self.cta, title, content_type);
            let before: Vec<usize> = out.last().map(|l| l.taken.clone()).unwrap_or_default();
            composer.reserve(&before);
            let drafts = composer.write(content_type, count as usize);
            let mut taken = before;
            taken.extend(composer.taken());
            taken.sort_unstable();
            taken.dedup();
            out.push(Lane { taken, drafts });
        }
        let lanes = Arc::new(out);
        if let Ok(mut last) = self.lanes.lock() {
            *last = Some((source.to_owned(), title.map(str::to_owned), lanes.clone()));
        }
        lanes
    }

    fn write(&self, req: &GenerationRequest) -> Result<Vec<Draft>> {
        if req.count == 0 {
            return Err(Error::invalid_field("count", "ask for at least one draft"));
        }
        if req.source_text.trim().is_empty() {
            return Err(Error::invalid_field("source_text", "the source is empty"));
        }
        let analysis = self.analysis(&req.source_text)?;
        let title = req.source_title.as_deref();
        let plan = BundlePlan::default().items();
        let position = plan.iter().position(|(t, _)| *t == req.content_type);
        let drafts = match position {
            Some(n) if plan[n].1 == req.count => {
                let lanes = self.lanes(&req.source_text, &analysis, title, n);
                lanes[n].drafts.clone()
            }
            _ => {
                let mut composer = compose::Composer::new(&analysis, &self.config, &self.hook, &self.cta, title, req.content_type);
                if let Some(before) = position.and_then(|n| n.checked_sub(1)) {
                    composer.reserve(&self.lanes(&req.source_text, &analysis, title, before)[before].taken);
                }
                composer.write(req.content_type, req.count as usize)
            }
        };
        if drafts.is_empty() {
            return Err(Error::invalid_field("source_text", "the source has nothing quotable to write from"));
        }
        Ok(drafts)
    }
}

#[async_trait]
impl ContentGenerator for ExtractiveGenerator {
    fn model(&self) -> &str {
        EXTRACTIVE_MODEL
    }

    async fn generate(&self, req: GenerationRequest) -> Result<Generation> {
        let drafts = if req.source_text.len() <= crate::cpu::INLINE_BYTES {
            self.inner.write(&req)?
        } else {
            let inner = self.inner.clone();
            crate::cpu::run(move || inner.write(&req)).await??
        };
        Ok(Generation { drafts, usage: Usage::default(), model: EXTRACTIVE_MODEL.to_owned() })
    }
}
