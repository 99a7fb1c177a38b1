//! Checking drafts: quality gates and AI-likeness detectors.
//!
//! The traits are [`QualityGate`] (one check, one [`Verdict`]) and [`AiDetector`] (a 0–1 human
//! score). The built-in checks live in the submodules, each a `QualityGate`:
//!
//! | gate | module | checks |
//! |---|---|---|
//! | `slop` | [`slop`] | AI-tell phrases (one Aho-Corasick automaton), rhetorical formulas, em-dash overuse, per 1,000 words |
//! | `hook` | [`hook`] | first line < 100 chars, no cliché opener, a reason to read on, LinkedIn's "see more" fold |
//! | `cta` | [`cta`] | the close asks for one clear action, not a vague one, not several |
//! | `length` | [`length`] | words per content type, LinkedIn's 3,000 chars and 5 hashtags |
//! | `ai_likeness` | [`stylometry`] | a stylometric [`AiDetector`] (or any other) against a threshold |
//! | `icp` | [`icp`] | 0–100 fit to the closest ICP profiles (language 25, pain points 25, tone 20, technical level 15, CTA 15) |
//! | `disfluency` | [`disfluency`] | speech copied verbatim: repeated words and restarts (`I'm I'm`, `the the`), fillers (`um`, `you know,`, `so yeah`) |
//!
//! [`builtin_gates`] builds the per-draft ones from one [`QualityConfig`] around one shared slop
//! automaton. Two more checks need the whole bundle and its source: the [`bundle::BundleGate`]s
//! `repetition` ([`repetition`]: pieces too alike, the same closing line) and `attribution`
//! ([`attribution`]: a guest's first-person line written as the host's), from
//! [`BuiltinGates::bundle_gates`]; the bundle pipeline runs them on each piece before saving it.
//! Every finding's span is a byte range into the draft's `content` on char boundaries, and
//! `&content[span] == finding.text`.

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::domain::{ContentType, Verdict};

pub mod attribution;
mod builtin;
pub mod bundle;
pub mod cta;
pub mod disfluency;
pub mod hook;
pub mod icp;
pub mod length;
pub mod repetition;
mod report;
pub mod rewrite;
pub mod slop;
pub mod stylometry;
mod text;

pub use builtin::{BuiltinGates, QualityConfig, builtin_gates};
pub use report::{Checker, QualityReport};

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
