//! The `disfluency` gate: speech copied verbatim into writing. It finds, each at its byte span,
//!
//! - **repeats and restarts**: a word or a phrase of up to four words said twice in a row, with
//!   nothing but a comma, a dash or spaces between (`I'm I'm`, `the the`, `we -- we`,
//!   `it was, it was`); a few grammatical doubles (`that that`, `had had`) are left alone, and so
//!   is anything across a sentence end;
//! - **fillers**: `um`, `uh`, `erm`, `mhm` …, and the spoken phrases `you know,`, `I mean,` (at the
//!   start of a clause), `so yeah`, `yeah, I guess`, `, I guess.`, `kind of like`, `sort of like`.
//!
//! Any finding fails the gate: a reader of a post does not want to hear the tape. [`disfluencies`]
//! is the detector on its own, for generators that clean text before quoting it.
//!
//! ```
//! use growth_core::quality::disfluency::{DisfluencyKind, disfluencies};
//!
//! let text = "I'm I'm sure the the trial was, um, too long.";
//! let found = disfluencies(text);
//! let spans: Vec<&str> = found.iter().map(|d| &text[d.span[0]..d.span[1]]).collect();
//! assert_eq!(spans, ["I'm I'm", "the the", "um"]);
//! assert_eq!(found[2].kind, DisfluencyKind::Filler);
//! ```

use async_trait::async_trait;

use super::text::{is_whole_word, words};
use super::{DraftUnderReview, QualityGate};
use crate::Result;
use crate::domain::{Finding, FindingSeverity, Verdict};

/// The gate's name.
pub const DISFLUENCY_GATE: &str = "disfluency";

/// Single-word fillers.
const FILLER_WORDS: &[&str] = &["um", "umm", "uh", "uhh", "uhm", "erm", "mhm", "uh-huh", "hmm"];

/// Filler phrases, matched case-insensitively as whole words (the punctuation is part of the
/// phrase: `you know,` is a filler, `you know what it costs` is not).
const FILLER_PHRASES: &[&str] =
    &["you know,", ", you know.", "so yeah", "yeah, i guess", ", i guess.", ", i guess,", "kind of like", "sort of like"];

/// Doubles that are grammatical.
const ALLOWED_DOUBLES: &[&str] = &["that", "had", "is", "do", "bye", "no", "very", "really", "so", "far", "more", "long"];

/// What a disfluency is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisfluencyKind {
    /// A word or phrase said twice in a row (a stutter or a false start).
    Repeat,
    /// A filler word or phrase.
    Filler,
}

/// One disfluency: its kind and byte span (`[start, end)`, on char boundaries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disfluency {
    /// What it is.
    pub kind: DisfluencyKind,
    /// Byte span into the text: the whole repeat (`the the`), or the filler.
    pub span: [usize; 2],
    /// For a repeat, the byte span of its first copy and the separator after it: removing it
    /// leaves the second copy (`[0, 4]` for `the the`). For a filler, the same as `span`.
    pub remove: [usize; 2],
}

/// Every disfluency in `text`, in order of position (overlaps dropped).
pub fn disfluencies(text: &str) -> Vec<Disfluency> {
    let mut out: Vec<Disfluency> = Vec::new();
    let toks: Vec<(usize, &str)> = words(text).collect();
    let lower: Vec<String> = toks.iter().map(|(_, w)| w.to_lowercase().replace('’', "'")).collect();
    // Between two tokens: only spaces, commas, dashes (no sentence end, no line break, no quote).
    let joined = |a: usize, b: usize| -> bool {
        let (end_a, start_b) = (toks[a].0 + toks[a].1.len(), toks[b].0);
        text[end_a..start_b].chars().all(|c| matches!(c, ' ' | ',' | '-' | '–' | '—'))
    };
    let mut i = 0;
    while i < toks.len() {
        let mut matched = false;
        for n in (1..=4).rev() {
            if i + 2 * n > toks.len() {
                continue;
            }
            if lower[i..i + n] != lower[i + n..i + 2 * n] || !(i..i + 2 * n - 1).all(|k| joined(k, k + 1)) {
                continue;
            }
            if n == 1 && (ALLOWED_DOUBLES.contains(&lower[i].as_str()) || lower[i].chars().all(|c| c.is_ascii_digit())) {
                continue;
            }
            // "over and over and over", "again and again": an idiom, not a restart.
            let conjunction = |w: &String| matches!(w.as_str(), "and" | "or");
            if (n == 2 && lower[i..i + 2].iter().any(conjunction)) || (n > 2 && conjunction(&lower[i + n - 1])) {
                continue;
            }
            let start = toks[i].0;
            let end = toks[i + 2 * n - 1].0 + toks[i + 2 * n - 1].1.len();
            out.push(Disfluency { kind: DisfluencyKind::Repeat, span: [start, end], remove: [start, toks[i + n].0] });
            i += n;
            matched = true;
            break;
        }
        if !matched {
            i += 1;
        }
    }
    for (k, (pos, w)) in toks.iter().enumerate() {
        if FILLER_WORDS.contains(&lower[k].as_str()) {
            out.push(Disfluency { kind: DisfluencyKind::Filler, span: [*pos, pos + w.len()], remove: [*pos, pos + w.len()] });
        }
    }
    let lowered = text.to_lowercase();
    // Lower-casing keeps byte offsets only when it keeps byte lengths; otherwise skip phrases.
    if lowered.len() == text.len() {
        for phrase in FILLER_PHRASES {
            for (at, _) in lowered.match_indices(phrase) {
                // The words of the phrase, without the punctuation around them.
                let inner = phrase.trim_matches(|c: char| !c.is_alphanumeric());
                let start = at + phrase.find(inner).unwrap_or(0);
                let end = start + inner.len();
                if !text.is_char_boundary(start) || !text.is_char_boundary(end) || !is_whole_word(text, start, end) {
                    continue;
                }
                out.push(Disfluency { kind: DisfluencyKind::Filler, span: [start, end], remove: [start, end] });
            }
        }
        // `I mean,` at the start of a clause.
        for (at, _) in lowered.match_indices("i mean,") {
            let before = text[..at].trim_end_matches([' ', '"', '“']);
            if (before.is_empty() || before.ends_with(['.', ',', '!', '?', ';', ':', '\n'])) && is_whole_word(text, at, at + 6) {
                out.push(Disfluency { kind: DisfluencyKind::Filler, span: [at, at + 6], remove: [at, at + 6] });
            }
        }
    }
    out.sort_by_key(|d| (d.span[0], std::cmp::Reverse(d.span[1])));
    let mut kept: Vec<Disfluency> = Vec::with_capacity(out.len());
    for d in out {
        if kept.last().is_none_or(|k| d.span[0] >= k.span[1]) {
            kept.push(d);
        }
    }
    kept
}

/// The `disfluency` gate (see the [module docs](self)).
#[derive(Clone, Copy, Debug, Default)]
pub struct DisfluencyCheck;

impl DisfluencyCheck {
    /// The findings for `text`.
    pub fn findings(&self, text: &str) -> Vec<Finding> {
        disfluencies(text)
            .into_iter()
            .map(|d| {
                let found = &text[d.span[0]..d.span[1]];
                let message = match d.kind {
                    DisfluencyKind::Repeat => format!("\"{found}\" says the same thing twice, as speech does: keep one"),
                    DisfluencyKind::Filler => format!("\"{found}\" is a spoken filler: cut it"),
                };
                Finding {
                    check: DISFLUENCY_GATE.to_owned(),
                    span: d.span,
                    text: found.to_owned(),
                    message,
                    severity: FindingSeverity::Error,
                }
            })
            .collect()
    }
}

#[async_trait]
impl QualityGate for DisfluencyCheck {
    fn name(&self) -> &'static str {
        DISFLUENCY_GATE
    }

    async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict> {
        let findings = self.findings(&draft.content);
        Ok(Verdict { gate: DISFLUENCY_GATE.to_owned(), passed: findings.is_empty(), score: None, findings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        disfluencies(text).iter().map(|d| &text[d.span[0]..d.span[1]]).collect()
    }

    #[test]
    fn repeated_words_and_restarted_phrases_are_found_at_their_spans() {
        assert_eq!(found("I'm I'm not sure the the price was right."), ["I'm I'm", "the the"]);
        assert_eq!(found("We -- we doubled it, and it was, it was fine."), ["We -- we", "it was, it was"]);
        assert_eq!(found("And and we shipped."), ["And and"]);
    }

    #[test]
    fn fillers_are_found_at_their_spans() {
        assert_eq!(found("It was, um, a year, you know, of pricing."), ["um", "you know"]);
        assert_eq!(found("So yeah, I guess that was it."), ["So yeah"]);
        assert_eq!(found("It worked, I guess."), ["I guess"]);
        assert_eq!(found("I mean, the trial was long."), ["I mean"]);
    }

    #[test]
    fn fluent_text_has_none() {
        for clean in [
            "I know that that price was right.",
            "We had had enough. Enough said.",
            "It ended. Ended for good.",
            "Do you know what it costs? I mean to find out.",
            "We grew 10 10-fold, then 3 3.",
            "Nobody cared. Nobody.",
            "We ran it over and over, and it held. Over and over and over.",
            "“We cut the trial.” “We cut the price.”",
        ] {
            assert!(found(clean).is_empty(), "{clean}: {:?}", found(clean));
        }
    }

    #[test]
    fn removing_the_first_copy_keeps_the_second() {
        let text = "the the trial";
        let d = disfluencies(text)[0];
        assert_eq!(format!("{}{}", &text[..d.remove[0]], &text[d.remove[1]..]), "the trial");
    }

    #[tokio::test]
    async fn the_gate_fails_with_findings_whose_spans_match_and_passes_clean_drafts() {
        let content = "We, we cut the trial. Um, it worked.";
        let v = DisfluencyCheck
            .check(&DraftUnderReview { content_type: crate::domain::ContentType::LinkedinPost, title: None, content: content.into() })
            .await
            .unwrap();
        assert!(!v.passed);
        assert_eq!(v.findings.len(), 2);
        for f in &v.findings {
            assert_eq!(&content[f.span[0]..f.span[1]], f.text);
            assert_eq!(f.check, "disfluency");
        }
        let clean = DraftUnderReview {
            content_type: crate::domain::ContentType::LinkedinPost,
            title: None,
            content: "We cut the trial. It worked.".into(),
        };
        assert!(DisfluencyCheck.check(&clean).await.unwrap().passed);
    }
}
