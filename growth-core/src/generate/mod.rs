//! Writing content: the seam between the pipeline and a language model (or the offline writer).

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::domain::ContentType;

/// A block of the prompt. `cacheable` blocks form the stable prefix that providers with prompt
/// caching (Claude) mark with a cache breakpoint, so several calls over the same transcript pay for
/// it once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptBlock {
    /// Text.
    pub text: String,
    /// Whether a cache breakpoint may follow this block.
    pub cacheable: bool,
}

/// Everything a generator needs to write one request's worth of drafts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenerationRequest {
    /// What to write.
    pub content_type: ContentType,
    /// How many pieces (LinkedIn posts come in sets).
    pub count: u32,
    /// System prompt blocks (voice, principles, knowledge, transcript) in order.
    pub system: Vec<PromptBlock>,
    /// The instruction for this request.
    pub instruction: String,
    /// The source text the pieces are drawn from (the offline generator works from this directly).
    pub source_text: String,
    /// The source's title.
    pub source_title: Option<String>,
    /// Output token budget, when the caller wants to cap it.
    pub max_tokens: Option<u32>,
}

/// One written piece.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Title.
    pub title: Option<String>,
    /// Body, Markdown.
    pub content: String,
    /// Format label (`insight`, `framework`, `story`, `hot_take` …) when the generator assigns one.
    pub format: Option<String>,
}

/// Tokens a call used (zeros for offline generators).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Input tokens written to the prompt cache.
    pub cache_creation_input_tokens: u64,
    /// Input tokens read from the prompt cache.
    pub cache_read_input_tokens: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, o: Self) {
        self.input_tokens += o.input_tokens;
        self.output_tokens += o.output_tokens;
        self.cache_creation_input_tokens += o.cache_creation_input_tokens;
        self.cache_read_input_tokens += o.cache_read_input_tokens;
    }
}

/// What a generator returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// The drafts, `count` of them when the generator could write that many.
    pub drafts: Vec<Draft>,
    /// Tokens used.
    pub usage: Usage,
    /// The model that wrote them.
    pub model: String,
}

/// Writes drafts.
///
/// Contract: returns between 1 and `count` drafts or an error; never returns an empty draft;
/// malformed model output it cannot repair is `Error::Permanent` carrying the raw answer;
/// transport failures follow the retry classes of [`crate::Error`].
///
/// A generator that streams its answer overrides [`ContentGenerator::generate_with_progress`] to
/// report tokens as they arrive; the default reports the finished answer once.
#[async_trait]
pub trait ContentGenerator: Send + Sync + Debug + 'static {
    /// The model or generator name.
    fn model(&self) -> &str;

    /// Writes the drafts.
    async fn generate(&self, req: GenerationRequest) -> Result<Generation>;

    /// Writes the drafts, telling `observer` how far the answer has come. The default calls
    /// [`ContentGenerator::generate`] and reports the finished answer once ([`StreamProgress::of`]).
    async fn generate_with_progress(&self, req: GenerationRequest, observer: &dyn GenerationObserver) -> Result<Generation> {
        let generation = self.generate(req).await?;
        observer.on_progress(&StreamProgress::of(&generation));
        Ok(generation)
    }
}

fn _assert_dyn(_: &dyn ContentGenerator) {}

mod config;
mod jobs;
#[cfg(test)]
mod live_tests;
mod pipeline;
mod progress;
pub use config::GenerationConfig;
pub use jobs::{
    GenerateBundleHandler, GenerationAccepted, GenerationReport, GenerationService, GenerationStatus, ItemSummary, UsageReport, status_of,
};
pub use pipeline::*;
pub use progress::{GenerationObserver, NoObserver, PieceProgress, PieceState, StreamProgress};
