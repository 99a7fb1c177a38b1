//! Checks over a whole bundle rather than one draft: [`BundleGate`].
//!
//! A [`QualityGate`](super::QualityGate) sees one draft. Some faults only show next to the rest
//! of the bundle (two LinkedIn posts that say the same thing, the same closing line on every
//! post) or next to the source (a guest's claim written in the host's first person). A bundle
//! gate checks one piece against the pieces of its bundle checked before it and against the
//! source transcript, so every pair is judged once, on the later piece of the pair.
//!
//! The bundle pipeline runs the bundle gates on each piece just before saving it, against every
//! piece of the bundle saved before it (saves are serialised), and adds their verdicts to the
//! piece's quality metrics (a failing one flags the piece for review). [`check_bundle`] does the
//! same over a list of drafts, for tests, examples and measurements.
//!
//! | gate | module | checks |
//! |---|---|---|
//! | `repetition` | [`repetition`](super::repetition) | a piece too alike an earlier one (word 3-gram Jaccard ≥ 0.5), the same closing line |
//! | `attribution` | [`attribution`](super::attribution) | first-person sentences the transcript gives to a speaker other than the host |

use std::fmt::Debug;
use std::sync::Arc;

use super::DraftUnderReview;
use crate::Result;
use crate::domain::Verdict;

/// What a bundle gate sees besides the piece.
#[derive(Clone, Copy, Debug)]
pub struct BundleContext<'a> {
    /// The source transcript the bundle was written from (`Speaker: text` paragraphs or any
    /// format the transcript parser reads), when known.
    pub source: Option<&'a str>,
    /// The pieces of the bundle checked (and kept) before this one.
    pub earlier: &'a [DraftUnderReview],
}

/// One check of a piece against its bundle and source.
///
/// Contract: deterministic for a given piece, context and configuration; findings' spans are
/// byte offsets into the piece's `content` on char boundaries (`[0, 0]` for the whole piece).
pub trait BundleGate: Send + Sync + Debug + 'static {
    /// Stable name, used as the verdict's `gate`.
    fn name(&self) -> &'static str;
    /// Checks `piece` in `context`.
    fn check_piece(&self, piece: &DraftUnderReview, context: &BundleContext<'_>) -> Result<Verdict>;
}

/// Every bundle gate's verdict on every piece, each piece checked against the pieces before it:
/// `out[i]` holds piece `i`'s verdicts in gate order.
pub fn check_bundle(gates: &[Arc<dyn BundleGate>], pieces: &[DraftUnderReview], source: Option<&str>) -> Result<Vec<Vec<Verdict>>> {
    let mut out = Vec::with_capacity(pieces.len());
    for (i, piece) in pieces.iter().enumerate() {
        let context = BundleContext { source, earlier: &pieces[..i] };
        out.push(gates.iter().map(|g| g.check_piece(piece, &context)).collect::<Result<Vec<_>>>()?);
    }
    Ok(out)
}
