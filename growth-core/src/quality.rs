//! Checking drafts: quality gates and AI-likeness detectors.

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::domain::{ContentType, Verdict};

/// A draft as the gates see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftUnderReview {
    /// What it is (length rules depend on it).
    pub content_type: ContentType,
    /// Title.
    pub title: Option<String>,
    /// Body, Markdown.
    pub content: String,
}

/// One check a draft must pass.
///
/// Contract: `check` is deterministic for a given draft and gate configuration (remote detectors
/// excepted); findings' spans are byte offsets into `content` on char boundaries; a gate that
/// cannot run (detector down) returns an error rather than a passing verdict.
#[async_trait]
pub trait QualityGate: Send + Sync + Debug + 'static {
    /// Stable name, used as the verdict's `gate`.
    fn name(&self) -> &'static str;
    /// Checks the draft.
    async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict>;
}

/// How human a text reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AiDetection {
    /// 0–1, higher = more human-like.
    pub human_score: f64,
    /// Which detector said so.
    pub detector: String,
    /// The detector's raw answer, for inspection.
    pub raw: serde_json::Value,
}

/// Scores how human a text reads (local stylometry, GPTZero, Originality.ai).
///
/// Contract: `human_score` is within 0..=1; an empty text is `Error::InvalidInput`.
#[async_trait]
pub trait AiDetector: Send + Sync + Debug + 'static {
    /// Stable name.
    fn name(&self) -> &'static str;
    /// Scores the text.
    async fn detect(&self, text: &str) -> Result<AiDetection>;
}

fn _assert_dyn(_: &dyn QualityGate, _: &dyn AiDetector) {}
