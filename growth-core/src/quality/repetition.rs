//! The `repetition` bundle gate: a piece must not repeat an earlier piece of its bundle.
//!
//! Two findings, both on the later piece of a pair:
//! - **too alike**: the Jaccard similarity of the two pieces' word 3-gram sets (lower-cased
//!   words, punctuation dropped) is at least [`RepetitionConfig::max_jaccard`] (0.5 by default).
//!   Byte-identical posts score 1.0. The span is the whole piece (`[0, 0]`).
//! - **same closing line**: the last line (hashtag lines left out) is the same as an earlier
//!   piece's, compared without case and punctuation. The span is the closing line.
//!
//! ```
//! use growth_core::domain::ContentType;
//! use growth_core::quality::DraftUnderReview;
//! use growth_core::quality::bundle::{BundleContext, BundleGate};
//! use growth_core::quality::repetition::RepetitionCheck;
//!
//! let post = |c: &str| DraftUnderReview { content_type: ContentType::LinkedinPost, title: None, content: c.into() };
//! let earlier = [post("We cut the trial to 7 days.\n\nTell me in the comments.")];
//! let later = post("Pricing pages need one number.\n\nTell me in the comments!");
//! let verdict = RepetitionCheck::default().check_piece(&later, &BundleContext { source: None, earlier: &earlier }).unwrap();
//! assert!(!verdict.passed);
//! assert_eq!(verdict.findings[0].text, "Tell me in the comments!");
//! ```

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::DraftUnderReview;
use super::bundle::{BundleContext, BundleGate};
use super::text::{last_line, words};
use crate::domain::{Finding, FindingSeverity, Verdict};
use crate::{Error, Result};

/// The gate's name.
pub const REPETITION_GATE: &str = "repetition";

/// Settings of the `repetition` gate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepetitionConfig {
    /// Two pieces whose word 3-gram Jaccard similarity reaches this are too alike (default 0.5).
    pub max_jaccard: f64,
}

impl Default for RepetitionConfig {
    fn default() -> Self {
        Self { max_jaccard: 0.5 }
    }
}

/// The word 3-grams of `text` (lower-cased words; a text of fewer than 3 words gives its words
/// as one gram).
pub fn word_trigrams(text: &str) -> HashSet<String> {
    let w: Vec<String> = words(text).map(|(_, w)| w.to_lowercase().replace('’', "'")).collect();
    if w.len() < 3 {
        return if w.is_empty() { HashSet::new() } else { HashSet::from([w.join(" ")]) };
    }
    w.windows(3).map(|g| g.join(" ")).collect()
}

/// Jaccard similarity of two sets (0 when both are empty).
pub fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.len() + b.len() - a.intersection(b).count();
    if union == 0 { 0.0 } else { a.intersection(b).count() as f64 / union as f64 }
}

/// The closing line of a piece: its last non-empty line that is not only hashtags, as a byte span.
pub fn closing_line(content: &str) -> Option<[usize; 2]> {
    let mut to = content.len();
    while let Some(span) = last_line(content, 0, to) {
        let line = &content[span[0]..span[1]];
        if !line.split_whitespace().all(|t| t.starts_with('#') && t.len() > 1) {
            return Some(span);
        }
        to = span[0];
    }
    None
}

fn normalised(line: &str) -> String {
    words(line).map(|(_, w)| w.to_lowercase()).collect::<Vec<_>>().join(" ")
}

/// The `repetition` gate (see the [module docs](self)).
#[derive(Clone, Debug, Default)]
pub struct RepetitionCheck {
    config: RepetitionConfig,
}

impl RepetitionCheck {
    /// A gate with `config`; `InvalidInput` when `max_jaccard` is not within (0, 1].
    pub fn new(config: RepetitionConfig) -> Result<Self> {
        if !(config.max_jaccard > 0.0 && config.max_jaccard <= 1.0) {
            return Err(Error::invalid_field("quality.repetition.max_jaccard", "must be within (0, 1]"));
        }
        Ok(Self { config })
    }

    /// The findings of `piece` against `earlier`.
    pub fn findings(&self, piece: &DraftUnderReview, earlier: &[DraftUnderReview]) -> Vec<Finding> {
        let mut out = Vec::new();
        let grams = word_trigrams(&piece.content);
        let close = closing_line(&piece.content);
        let close_norm = close.map(|s| normalised(&piece.content[s[0]..s[1]])).filter(|s| !s.is_empty());
        for (n, e) in earlier.iter().enumerate() {
            let similarity = jaccard(&grams, &word_trigrams(&e.content));
            if similarity >= self.config.max_jaccard {
                out.push(Finding {
                    check: REPETITION_GATE.to_owned(),
                    span: [0, 0],
                    text: String::new(),
                    message: format!(
                        "this piece is too alike piece {} of the bundle ({}): {similarity:.2} of their word 3-grams are shared (limit {:.2}); write it around another idea",
                        n + 1,
                        e.content_type,
                        self.config.max_jaccard
                    ),
                    severity: FindingSeverity::Error,
                });
            }
            if let (Some(span), Some(mine)) = (close, &close_norm)
                && closing_line(&e.content).is_some_and(|s| &normalised(&e.content[s[0]..s[1]]) == mine)
            {
                out.push(Finding {
                    check: REPETITION_GATE.to_owned(),
                    span,
                    text: piece.content[span[0]..span[1]].to_owned(),
                    message: format!("piece {} of the bundle ({}) closes with the same line: vary the close", n + 1, e.content_type),
                    severity: FindingSeverity::Error,
                });
            }
        }
        out
    }
}

impl BundleGate for RepetitionCheck {
    fn name(&self) -> &'static str {
        REPETITION_GATE
    }

    fn check_piece(&self, piece: &DraftUnderReview, context: &BundleContext<'_>) -> Result<Verdict> {
        let findings = self.findings(piece, context.earlier);
        Ok(Verdict { gate: REPETITION_GATE.to_owned(), passed: findings.is_empty(), score: None, findings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContentType;

    fn post(content: &str) -> DraftUnderReview {
        DraftUnderReview { content_type: ContentType::LinkedinPost, title: None, content: content.to_owned() }
    }

    const A: &str = "We cut our free trial from 30 days to 7, and paid conversions went up 38%.\n\nLong trials meant procrastination.\n\nWould this work for you? Tell me in the comments.";
    const B: &str = "Our pricing page had nine plans and nobody could choose one.\n\nWe cut it to three, and sales calls got shorter.\n\nWhich plan would you drop first? Reply and tell me.";

    #[test]
    fn identical_pieces_are_too_alike_and_share_a_closing_line() {
        let f = RepetitionCheck::default().findings(&post(A), &[post(A)]);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.contains("1.00"));
        assert_eq!(f[1].text, "Would this work for you? Tell me in the comments.");
        assert_eq!(&A[f[1].span[0]..f[1].span[1]], f[1].text);
    }

    #[test]
    fn a_reworded_copy_over_the_threshold_is_found() {
        let near = A
            .replace("Long trials meant procrastination.", "Long trials meant people put it off.")
            .replace("Would this work for you?", "Could you do this?");
        let f = RepetitionCheck::default().findings(&post(&near), &[post(A)]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("too alike"));
    }

    #[test]
    fn different_pieces_with_different_closes_pass() {
        let check = RepetitionCheck::default();
        let context = BundleContext { source: None, earlier: &[post(A)] };
        let v = check.check_piece(&post(B), &context).unwrap();
        assert!(v.passed, "{:?}", v.findings);
        assert!(check.check_piece(&post(A), &BundleContext { source: None, earlier: &[] }).unwrap().passed, "nothing earlier");
    }

    #[test]
    fn hashtag_lines_are_not_the_close_and_a_bad_threshold_is_refused() {
        assert_eq!(closing_line("Hello there.\n\nTell me below.\n\n#saas #pricing").map(|s| s[0]), Some(14));
        assert!(RepetitionCheck::new(RepetitionConfig { max_jaccard: 0.0 }).is_err());
        assert!(RepetitionCheck::new(RepetitionConfig { max_jaccard: f64::NAN }).is_err());
    }

    #[test]
    fn trigram_jaccard_is_symmetric_and_bounded() {
        let (a, b) = (word_trigrams(A), word_trigrams(B));
        assert_eq!(jaccard(&a, &b), jaccard(&b, &a));
        assert!(jaccard(&a, &b) < 0.1);
        assert_eq!(jaccard(&a, &a), 1.0);
    }
}
