//! A local, stylometric [`AiDetector`] (`"stylometric"`): no network, no model, a few features
//! of how the text is written.
//!
//! # Features
//!
//! | feature | definition | human-like when | needs |
//! |---|---|---|---|
//! | sentence burstiness | coefficient of variation (σ/μ) of sentence lengths in words | high: people mix 4-word and 30-word sentences | ≥ 3 sentences |
//! | lexical diversity | MATTR: mean type/token ratio over every 50-word window | high | ≥ 50 words |
//! | slop density | counted hits of the [`SlopChecker`] per 1,000 words of the whole text: the slop gate's own figure, same automaton | low | ≥ 1 word |
//! | contraction rate | contractions (`don't`, `it's`, `we're`; not possessive `'s`) per 100 words | high | ≥ 40 words |
//! | punctuation variety | Shannon entropy (bits) of the marks used: `,` `.` `?` `!` `;` `:` dashes, brackets, quotes, ellipses | high: not only commas and periods | ≥ 8 marks |
//! | paragraph rhythm | coefficient of variation of paragraph lengths in words | high: not evenly sized blocks | ≥ 3 paragraphs |
//!
//! # Score
//!
//! Each feature becomes a 0–1 sub-score with a logistic curve, `1 / (1 + e^-(x - center) / scale)`
//! (a negative scale reverses it, for slop density), whose center sits between typical human and
//! typical machine values ([`StyleParams`] documents each default and where it comes from).
//! Sub-scores are clamped to 0.02–0.98 and combined as a **weighted geometric mean** over the
//! features the text is long enough to measure, so one overwhelming tell (200 slop hits per 1,000
//! words) sinks the score even when the other features look human, which an arithmetic mean would
//! not do. The result is pulled towards 0.5 by the share of weight that could not be measured:
//!
//! `combined = exp(Σ wᵢ·ln sᵢ / Σ wᵢ)` over measured features,
//! `human_score = 0.5 + (combined − 0.5) × (Σ wᵢ over measured / Σ wᵢ over all)`
//!
//! so a nine-word answer scores close to 0.5 ("can't tell") instead of pretending to know. Default
//! weights: slop 0.30, burstiness 0.25, contractions 0.15, paragraph rhythm 0.10, punctuation 0.10,
//! lexical diversity 0.10 — slop and burstiness are the most direct evidence; lexical diversity is
//! weighted least because studies disagree on its direction for chat-model text.
//!
//! # Limits
//!
//! This is a cheap first filter, not a classifier. It was calibrated on the human newsletters in
//! `human_text/` (human side) and published tendencies of chat-model prose (machine side); the
//! `quality_eval` example reports its AUROC on a labelled set it was not fitted to. A careful writer
//! prompting a model for short, contracted, varied sentences will pass it.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::slop::SlopChecker;
use super::text;
use crate::domain::{Finding, FindingSeverity, Verdict};
use crate::quality::{AiDetection, AiDetector, DraftUnderReview, QualityGate};
use crate::{Error, Result};

/// Detector name of the stylometric detector.
pub const STYLOMETRIC_DETECTOR: &str = "stylometric";

/// Gate name of the AI-likeness gate.
pub const AI_LIKENESS_GATE: &str = "ai_likeness";

/// The logistic curve that turns one feature into a 0–1 sub-score, and its weight.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureCurve {
    /// The feature value that scores 0.5.
    pub center: f64,
    /// How far from the center the score moves from 0.5 to ≈0.73 (negative reverses the direction).
    pub scale: f64,
    /// Weight in the combined score.
    pub weight: f64,
}

impl FeatureCurve {
    const fn new(center: f64, scale: f64, weight: f64) -> Self {
        Self { center, scale, weight }
    }

    fn score(&self, x: f64) -> f64 {
        1.0 / (1.0 + (-(x - self.center) / self.scale).exp())
    }
}

/// Curves and weights of the stylometric detector.
///
/// Defaults and where they come from. The human ranges are measured on the nine files of
/// `human_text/` (printed by the `quality_eval` example); the machine side comes from published
/// analyses of chat-model prose, because the only machine text in the shared data is the labelled
/// evaluation set (kept for evaluation) and the vale-ai-tells test document (a caricature). The
/// default curves put every human file's sub-scores at 0.8 or above.
///
/// | feature | center | scale | human files | chat-model prose |
/// |---|---|---|---|---|
/// | burstiness | 0.45 | 0.08 | 0.61–0.94 | ≈ 0.3–0.45 |
/// | lexical diversity (MATTR-50) | 0.78 | 0.03 | 0.84–0.86 | similar or a little lower |
/// | slop density | 3 | −1 | 0–0.84 | 5–30+ |
/// | contractions per 100 words | 0.6 | 0.25 | 1.7–3.8 | ≈ 0 by default |
/// | punctuation entropy (bits) | 1.55 | 0.15 | 1.77–2.59 | ≈ 1.0–1.4 (commas and periods) |
/// | paragraph rhythm | 0.35 | 0.1 | 0.51–1.25 | ≈ 0.2–0.3 (even blocks) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StyleParams {
    /// Sentence-length coefficient of variation.
    pub burstiness: FeatureCurve,
    /// MATTR over 50-word windows.
    pub lexical_diversity: FeatureCurve,
    /// Counted slop hits per 1,000 words (negative scale: more is less human).
    pub slop_density: FeatureCurve,
    /// Contractions per 100 words.
    pub contractions: FeatureCurve,
    /// Entropy of punctuation marks, in bits.
    pub punctuation: FeatureCurve,
    /// Paragraph-length coefficient of variation.
    pub paragraph_rhythm: FeatureCurve,
}

impl Default for StyleParams {
    fn default() -> Self {
        Self {
            burstiness: FeatureCurve::new(0.45, 0.08, 0.25),
            lexical_diversity: FeatureCurve::new(0.78, 0.03, 0.10),
            slop_density: FeatureCurve::new(3.0, -1.0, 0.30),
            contractions: FeatureCurve::new(0.6, 0.25, 0.15),
            punctuation: FeatureCurve::new(1.55, 0.15, 0.10),
            paragraph_rhythm: FeatureCurve::new(0.35, 0.1, 0.10),
        }
    }
}

impl StyleParams {
    fn curves(&self) -> [(&'static str, &FeatureCurve); 6] {
        [
            ("burstiness", &self.burstiness),
            ("lexical_diversity", &self.lexical_diversity),
            ("slop_density", &self.slop_density),
            ("contractions", &self.contractions),
            ("punctuation", &self.punctuation),
            ("paragraph_rhythm", &self.paragraph_rhythm),
        ]
    }

    /// Checks that every curve has a finite center, a non-zero scale and a weight ≥ 0, and that
    /// some weight is positive.
    pub fn validate(&self) -> Result<()> {
        for (name, c) in self.curves() {
            if !c.center.is_finite() || !c.scale.is_finite() || c.scale == 0.0 || !c.weight.is_finite() || c.weight < 0.0 {
                return Err(Error::invalid_field(format!("stylometry.{name}"), "needs a finite center, a non-zero scale and a weight ≥ 0"));
            }
        }
        if self.curves().iter().all(|(_, c)| c.weight == 0.0) {
            return Err(Error::invalid_field("stylometry", "at least one weight must be positive"));
        }
        Ok(())
    }
}

/// The measured features of a text (`None` where the text is too short to measure one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StyleFeatures {
    /// Words.
    pub words: usize,
    /// Sentences with at least one word.
    pub sentences: usize,
    /// Paragraphs with at least one word.
    pub paragraphs: usize,
    /// Sentence-length coefficient of variation.
    pub burstiness: Option<f64>,
    /// MATTR over 50-word windows.
    pub lexical_diversity: Option<f64>,
    /// Counted slop hits per 1,000 words.
    pub slop_density: Option<f64>,
    /// Contractions per 100 words.
    pub contractions: Option<f64>,
    /// Entropy of punctuation marks, in bits.
    pub punctuation: Option<f64>,
    /// Paragraph-length coefficient of variation.
    pub paragraph_rhythm: Option<f64>,
}

impl StyleFeatures {
    fn values(&self) -> [Option<f64>; 6] {
        [self.burstiness, self.lexical_diversity, self.slop_density, self.contractions, self.punctuation, self.paragraph_rhythm]
    }
}

const MATTR_WINDOW: usize = 50;

fn coefficient_of_variation(xs: &[f64]) -> Option<f64> {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if mean <= 0.0 {
        return None;
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    Some(var.sqrt() / mean)
}

/// FNV-1a of a word, ASCII-lower-cased on the fly (a capitalised non-ASCII word counts as a
/// different type from its lower-case form, a negligible effect on MATTR).
fn word_hash(word: &str) -> u64 {
    word.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3))
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PreHashed(u64);

impl std::hash::Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Moving-average type/token ratio over every window of 50 words (`None` below 50 words). Words
/// are told apart by a 64-bit hash; a collision among a few thousand words is vanishingly rare.
fn mattr<'a>(words: impl ExactSizeIterator<Item = &'a str>) -> Option<f64> {
    if words.len() < MATTR_WINDOW {
        return None;
    }
    // Intern each word once; the sliding window then only touches an array of counts.
    let mut ids: HashMap<u64, u32, std::hash::BuildHasherDefault<PreHashed>> = HashMap::default();
    let sequence: Vec<u32> = words
        .map(|w| {
            let next = ids.len() as u32;
            *ids.entry(word_hash(w)).or_insert(next)
        })
        .collect();
    let mut counts = vec![0u32; ids.len()];
    let mut distinct = 0usize;
    for id in &sequence[..MATTR_WINDOW] {
        let c = &mut counts[*id as usize];
        distinct += usize::from(*c == 0);
        *c += 1;
    }
    let mut total = distinct;
    for (out, into) in sequence.iter().zip(&sequence[MATTR_WINDOW..]) {
        let c = &mut counts[*out as usize];
        *c -= 1;
        distinct -= usize::from(*c == 0);
        let c = &mut counts[*into as usize];
        distinct += usize::from(*c == 0);
        *c += 1;
        total += distinct;
    }
    let windows = sequence.len() - MATTR_WINDOW + 1;
    Some(total as f64 / windows as f64 / MATTR_WINDOW as f64)
}

/// Words per span, for sorted word offsets (`starts`) and sorted, disjoint spans.
fn words_per_span(starts: &[usize], spans: &[[usize; 2]]) -> Vec<f64> {
    spans.iter().map(|[s, e]| (starts.partition_point(|p| p < e) - starts.partition_point(|p| p < s)) as f64).filter(|n| *n > 0.0).collect()
}

const CONTRACTION_BASES: &[&str] = &["it", "that", "there", "here", "what", "who", "where", "how", "let", "he", "she"];

fn is_contraction(word: &str) -> bool {
    let w = word.to_lowercase().replace('’', "'");
    let Some((base, suffix)) = w.rsplit_once('\'') else {
        return false;
    };
    match suffix {
        "t" => base.ends_with('n'),
        "re" | "ve" | "ll" | "d" | "m" => !base.is_empty(),
        "s" => CONTRACTION_BASES.contains(&base),
        _ => false,
    }
}

fn punctuation_class(c: char) -> Option<usize> {
    Some(match c {
        ',' => 0,
        '.' => 1,
        '?' => 2,
        '!' => 3,
        ';' => 4,
        ':' => 5,
        '—' | '–' => 6,
        '(' | ')' => 7,
        '"' | '“' | '”' => 8,
        '…' => 9,
        _ => return None,
    })
}

/// Punctuation class of each ASCII byte (`NONE` for the rest, `LOOK` for bytes that need context).
const NONE: u8 = 10;
const LOOK: u8 = 11;
static PUNCT: [u8; 256] = {
    let mut table = [NONE; 256];
    let mut i = 0;
    while i < 128 {
        table[i] = match i as u8 {
            b',' => 0,
            b'?' => 2,
            b'!' => 3,
            b';' => 4,
            b':' => 5,
            b'(' | b')' => 7,
            b'"' => 8,
            b'.' | b'-' => LOOK,
            _ => NONE,
        };
        i += 1;
    }
    table[0xE2] = LOOK;
    table
};

fn punctuation_entropy(text: &str) -> Option<f64> {
    let mut counts = [0usize; 11];
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let mut class = PUNCT[usize::from(b)];
        if class == LOOK {
            let prev = if i > 0 { bytes[i - 1] } else { b' ' };
            class = match b {
                // "..." is one ellipsis; a spaced hyphen is a dash.
                b'.' if prev == b'.' => NONE,
                b'.' => 1,
                b'-' if prev == b' ' => 6,
                b'-' => NONE,
                _ => text[i..].chars().next().and_then(punctuation_class).map_or(NONE, |k| k as u8),
            };
        }
        counts[usize::from(class)] += 1;
    }
    let counts = &counts[..10];
    let total: usize = counts.iter().sum();
    if total < 8 {
        return None;
    }
    let entropy = counts.iter().filter(|n| **n > 0).map(|n| *n as f64 / total as f64).map(|p| -p * p.log2()).sum();
    Some(entropy)
}

/// The stylometric [`AiDetector`]; it shares the slop automaton with the slop gate.
#[derive(Debug, Clone)]
pub struct StylometricDetector {
    slop: Arc<SlopChecker>,
    params: StyleParams,
}

impl StylometricDetector {
    /// A detector with `params`, using `slop` for slop density.
    pub fn new(slop: Arc<SlopChecker>, params: StyleParams) -> Result<Self> {
        params.validate()?;
        Ok(Self { slop, params })
    }

    /// Measures the features of `text`.
    pub fn features(&self, text: &str) -> StyleFeatures {
        let body = &text[text::body_start(text)..];
        let words: Vec<(usize, &str)> = text::words(body).collect();
        let n = words.len();
        let starts: Vec<usize> = words.iter().map(|(p, _)| *p).collect();
        // Lower-case once and slice it (ASCII lower-casing keeps every byte offset; a capitalised
        // non-ASCII word counts as a different type from its lower-case form, a negligible effect).
        let sentence_lengths = words_per_span(&starts, &text::sentences(body));
        let paragraph_lengths = words_per_span(&starts, &text::paragraphs(body));
        // Apostrophes are rare: look at the word around each one instead of at every word.
        let bytes = body.as_bytes();
        let mut contractions = 0;
        let mut last_word = usize::MAX;
        for (p, b) in bytes.iter().enumerate() {
            let apostrophe = *b == b'\'' || (*b == 0xE2 && bytes[p..].starts_with("’".as_bytes()));
            if !apostrophe {
                continue;
            }
            let Some(w) = starts.partition_point(|s| *s <= p).checked_sub(1) else { continue };
            let (start, word) = words[w];
            if w != last_word && p < start + word.len() && is_contraction(word) {
                contractions += 1;
                last_word = w;
            }
        }
        StyleFeatures {
            words: n,
            sentences: sentence_lengths.len(),
            paragraphs: paragraph_lengths.len(),
            burstiness: (sentence_lengths.len() >= 3).then(|| coefficient_of_variation(&sentence_lengths)).flatten(),
            lexical_diversity: mattr(words.iter().map(|(_, w)| *w)),
            // Over the whole text: the same figure the slop gate reports (and has just computed).
            slop_density: (n > 0).then(|| self.slop.density(text)),
            contractions: (n >= 40).then(|| contractions as f64 * 100.0 / n as f64),
            punctuation: punctuation_entropy(body),
            paragraph_rhythm: (paragraph_lengths.len() >= 3).then(|| coefficient_of_variation(&paragraph_lengths)).flatten(),
        }
    }

    /// The 0–1 human-likeness of `features`, with the sub-score of each measured feature.
    pub fn score(&self, features: &StyleFeatures) -> (f64, Vec<(&'static str, f64)>) {
        let curves = self.params.curves();
        let total_weight: f64 = curves.iter().map(|(_, c)| c.weight).sum();
        let mut measured_weight = 0.0;
        let mut weighted = 0.0;
        let mut subscores = Vec::new();
        for ((name, curve), value) in curves.iter().zip(features.values()) {
            if let Some(x) = value {
                let s = curve.score(x);
                subscores.push((*name, s));
                measured_weight += curve.weight;
                weighted += curve.weight * s.clamp(0.02, 0.98).ln();
            }
        }
        if measured_weight <= 0.0 {
            return (0.5, subscores);
        }
        let combined = (weighted / measured_weight).exp();
        let score = 0.5 + (combined - 0.5) * (measured_weight / total_weight);
        (score.clamp(0.0, 1.0), subscores)
    }
}

fn advice(feature: &str) -> &'static str {
    match feature {
        "burstiness" => "Vary sentence length: mix short sentences with long ones.",
        "lexical_diversity" => "Use more varied, specific words.",
        "slop_density" => "Cut the stock phrases the slop check lists.",
        "contractions" => "Use contractions (it's, don't, you're).",
        "punctuation" => "Vary punctuation: a question, a parenthesis, a colon, not only commas and periods.",
        _ => "Vary paragraph length.",
    }
}

#[async_trait]
impl AiDetector for StylometricDetector {
    fn name(&self) -> &'static str {
        STYLOMETRIC_DETECTOR
    }

    async fn detect(&self, text: &str) -> Result<AiDetection> {
        if !text.chars().any(text::is_word_char) {
            return Err(Error::invalid_field("text", "nothing to score: the text has no words"));
        }
        let features = self.features(text);
        let (human_score, subscores) = self.score(&features);
        let weakest: Vec<&str> = subscores.iter().filter(|(_, s)| *s < 0.5).map(|(name, _)| advice(name)).collect();
        let raw = json!({
            "features": features,
            "subscores": subscores.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "advice": weakest,
        });
        Ok(AiDetection { human_score, detector: STYLOMETRIC_DETECTOR.to_owned(), raw })
    }
}

/// The `ai_likeness` gate: any [`AiDetector`] with a pass threshold on its human score.
#[derive(Debug, Clone)]
pub struct AiLikenessGate {
    detector: Arc<dyn AiDetector>,
    threshold: f64,
}

impl AiLikenessGate {
    /// Passes drafts whose human score from `detector` is at least `threshold` (0–1).
    pub fn new(detector: Arc<dyn AiDetector>, threshold: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(Error::invalid_field("ai_likeness_threshold", format!("must be within 0..=1, got {threshold}")));
        }
        Ok(Self { detector, threshold })
    }
}

#[async_trait]
impl QualityGate for AiLikenessGate {
    fn name(&self) -> &'static str {
        AI_LIKENESS_GATE
    }

    /// Fails with `InvalidInput` for a draft without words (the detector cannot score it).
    async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict> {
        let detection = self.detector.detect(&draft.content).await?;
        let passed = detection.human_score >= self.threshold;
        let mut findings = Vec::new();
        if !passed {
            let tips: Vec<String> = detection
                .raw
                .get("advice")
                .and_then(|a| a.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            let mut message = format!(
                "Reads as machine-written: human score {:.2} from {} (needs {:.2}).",
                detection.human_score, detection.detector, self.threshold
            );
            for tip in tips {
                message.push(' ');
                message.push_str(&tip);
            }
            findings.push(Finding {
                check: AI_LIKENESS_GATE.to_owned(),
                span: [0, 0],
                text: String::new(),
                message,
                severity: FindingSeverity::Error,
            });
        }
        Ok(Verdict { gate: AI_LIKENESS_GATE.to_owned(), passed, score: Some(detection.human_score), findings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> StylometricDetector {
        StylometricDetector::new(Arc::new(SlopChecker::with_defaults().expect("slop lists load")), StyleParams::default()).expect("valid")
    }

    const HUMAN: &str = "I didn't plan to raise prices. We'd kept them flat for three years, and honestly? It was fear.\n\n\
        Then a customer told me our tool was \"suspiciously cheap\". That stung. She wasn't wrong, though: we were charging $19 for \
        something that saved her team a day a week.\n\n\
        So we tested it. New signups saw $49; everyone else kept their plan. Conversion dropped 4% (less than I'd feared) and revenue \
        per account more than doubled.\n\nWe've since moved everyone over. Two churned. I'd do it again tomorrow.";

    const MACHINE: &str = "In today's fast-paced digital landscape, pricing plays a crucial role in business success. Moreover, \
        organizations must leverage data-driven strategies to optimize their revenue streams effectively.\n\n\
        Furthermore, it is important to note that customers value transparency and consistency in pricing decisions. Additionally, \
        a robust pricing framework can foster trust and drive sustainable growth across the organization.\n\n\
        Ultimately, businesses that embrace a holistic approach to pricing will be well positioned to navigate the complexities of \
        the market. By prioritizing customer needs, companies can unlock new opportunities for growth and success.";

    #[tokio::test]
    async fn scores_are_within_zero_and_one_and_human_text_scores_higher() {
        let d = detector();
        let human = d.detect(HUMAN).await.expect("scores");
        let machine = d.detect(MACHINE).await.expect("scores");
        for s in [human.human_score, machine.human_score] {
            assert!((0.0..=1.0).contains(&s), "{s}");
        }
        assert!(human.human_score > 0.6, "{human:?}");
        assert!(machine.human_score < 0.4, "{machine:?}");
        assert_eq!(human.detector, "stylometric");
        assert!(machine.raw["advice"].as_array().is_some_and(|a| !a.is_empty()));
    }

    #[tokio::test]
    async fn an_empty_text_is_invalid_input() {
        for empty in ["", "   \n ", "— !"] {
            let err = detector().detect(empty).await.unwrap_err();
            assert!(matches!(err, Error::InvalidInput { .. }), "{empty:?}: {err}");
        }
    }

    #[tokio::test]
    async fn a_very_short_text_scores_near_the_middle() {
        let d = detector();
        let score = d.detect("The seeds pass through your digestive system").await.expect("scores").human_score;
        assert!((0.35..=0.65).contains(&score), "{score}");
    }

    #[test]
    fn one_overwhelming_tell_sinks_an_otherwise_human_score() {
        let d = detector();
        let human_like = StyleFeatures {
            words: 300,
            sentences: 20,
            paragraphs: 5,
            burstiness: Some(0.7),
            lexical_diversity: Some(0.85),
            slop_density: Some(0.0),
            contractions: Some(2.5),
            punctuation: Some(2.2),
            paragraph_rhythm: Some(0.8),
        };
        assert!(d.score(&human_like).0 > 0.85);
        let sloppy = StyleFeatures { slop_density: Some(190.0), ..human_like };
        assert!(d.score(&sloppy).0 < 0.5, "{}", d.score(&sloppy).0);
    }

    #[test]
    fn extreme_feature_values_stay_within_bounds() {
        let d = detector();
        let all = |x: f64| StyleFeatures {
            words: 1000,
            sentences: 50,
            paragraphs: 10,
            burstiness: Some(x),
            lexical_diversity: Some(x),
            slop_density: Some(-x),
            contractions: Some(x),
            punctuation: Some(x),
            paragraph_rhythm: Some(x),
        };
        for x in [f64::MAX, 1e9, 0.0, -1e9, f64::MIN] {
            let (s, _) = d.score(&all(x));
            assert!((0.0..=1.0).contains(&s), "{x}: {s}");
        }
    }

    #[test]
    fn contractions_are_told_apart_from_possessives() {
        assert!(is_contraction("don't") && is_contraction("it’s") && is_contraction("we're") && is_contraction("I'd"));
        assert!(!is_contraction("PostHog's") && !is_contraction("rock'n"));
    }

    #[test]
    fn punctuation_entropy_counts_each_kind_of_mark() {
        // One of each of the ten kinds: log2(10) bits.
        let all = "a, b. c? d! e; f: g — h (i \"j k… l - m";
        let e = punctuation_entropy(all).expect("enough marks");
        assert!((e - 10f64.log2()).abs() < 0.05, "{e}");
        // Only commas and periods, half and half: one bit. "..." is one ellipsis, not three periods.
        assert_eq!(punctuation_entropy("a, b, c, d. e. f. g, h."), Some(1.0));
        assert_eq!(punctuation_entropy("a... b"), None);
        assert_eq!(punctuation_entropy("well-known x-ray"), None);
    }

    #[test]
    fn mattr_is_one_for_fifty_distinct_words() {
        let owned: Vec<String> = (0..60).map(|i| format!("w{i}")).collect();
        assert_eq!(mattr(owned.iter().map(String::as_str)), Some(1.0));
        assert_eq!(mattr(["a"; 60].into_iter()), Some(1.0 / 50.0));
        assert_eq!(mattr((0..100).map(|i| if i % 2 == 0 { "a" } else { "b" })), Some(2.0 / 50.0));
        assert_eq!(mattr(["a"; 49].into_iter()), None);
    }

    #[tokio::test]
    async fn the_gate_fails_below_the_threshold_with_advice() {
        let gate = AiLikenessGate::new(Arc::new(detector()), 0.5).expect("valid");
        let draft = DraftUnderReview { content_type: crate::domain::ContentType::BlogPost, title: None, content: MACHINE.to_owned() };
        let verdict = gate.check(&draft).await.expect("runs");
        assert_eq!(verdict.gate, "ai_likeness");
        assert!(!verdict.passed);
        assert!(verdict.findings[0].message.contains("machine-written"));
        assert!(AiLikenessGate::new(Arc::new(detector()), 1.5).is_err());
    }

    #[test]
    fn invalid_params_are_rejected() {
        let slop = Arc::new(SlopChecker::with_defaults().expect("slop lists load"));
        let zero_scale = StyleParams { burstiness: FeatureCurve::new(0.4, 0.0, 0.2), ..StyleParams::default() };
        assert!(StylometricDetector::new(slop, zero_scale).is_err());
    }
}
