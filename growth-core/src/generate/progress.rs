//! Live progress of generation: how far each answer has streamed, per draft.
//!
//! A generator that streams its answer ([`ContentGenerator::generate_with_progress`](super::ContentGenerator::generate_with_progress))
//! tells a [`GenerationObserver`] the output tokens so far, overall and per draft begun; the
//! [`BundlePipeline`](super::BundlePipeline) turns that into one [`PieceProgress`] per piece of the
//! bundle and hands the list to its [`ProgressSink::pieces`](super::ProgressSink::pieces), at most
//! every [`BundlePipeline::progress_interval`](super::BundlePipeline::progress_interval).

use serde::{Deserialize, Serialize};

use crate::domain::ContentType;
use crate::generate::Generation;

/// How far one generator call's answer has come.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamProgress {
    /// Output tokens of the answer so far: an estimate while it streams, the provider's count once
    /// it has reported one.
    pub output_tokens: u64,
    /// Output tokens so far of each draft the answer has begun, in answer order (estimates). Its
    /// length is the number of drafts begun.
    pub draft_tokens: Vec<u64>,
}

impl StreamProgress {
    /// The progress of a finished answer: each draft's tokens (cl100k count of its title and
    /// content, an estimate for other tokenizers) and the call's output tokens (the provider's
    /// count when it gave one, else the sum).
    pub fn of(generation: &Generation) -> Self {
        let bpe = tiktoken_rs::cl100k_base_singleton();
        let draft_tokens: Vec<u64> = generation
            .drafts
            .iter()
            .map(|d| {
                let title = d.title.as_deref().map_or(0, |t| bpe.encode_ordinary(t).len());
                (title + bpe.encode_ordinary(&d.content).len()) as u64
            })
            .collect();
        let output_tokens = match generation.usage.output_tokens {
            0 => draft_tokens.iter().sum(),
            n => n,
        };
        Self { output_tokens, draft_tokens }
    }
}

/// Receives the live progress of one generator call.
///
/// Called from the generator's task on every streamed chunk (and once more when a retried or
/// repaired answer starts over, with smaller figures): keep it cheap and never block — record the
/// figures and let another task publish them.
pub trait GenerationObserver: Send + Sync {
    /// The answer has come this far.
    fn on_progress(&self, progress: &StreamProgress);
}

/// Progress nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl GenerationObserver for NoObserver {
    fn on_progress(&self, _: &StreamProgress) {}
}

/// Where a piece of a bundle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PieceState {
    /// Not begun: waiting for a generator slot, for the prompt cache, or for the model's first
    /// token of this piece.
    Queued,
    /// The model is writing it (`output_tokens` so far).
    Writing,
    /// Written; quality gates and rewrites are running.
    Checking,
    /// Saved in review.
    Saved,
    /// The answer ended with fewer drafts than asked: this piece will not be written by this run.
    Skipped,
    /// Writing or checking it failed (the run's error says why); a new run of the bundle retries it.
    Failed,
}

/// One piece of a bundle as it is being written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PieceProgress {
    /// Its content type.
    pub content_type: ContentType,
    /// Its index among the pieces of that type (0-based; the `n` of the `linkedin_post#n` key).
    pub index: u32,
    /// Where it is.
    pub state: PieceState,
    /// Output tokens written for it so far (estimated while streaming; 0 for pieces saved by an
    /// earlier run).
    pub output_tokens: u64,
}
