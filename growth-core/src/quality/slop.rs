//! The `slop` check: phrases and formulas that mark text as machine-written.
//!
//! # What it looks for
//!
//! 1. **Phrases** from `data/slop/phrases.tsv` (derived from vale-ai-tells, antislop-sampler and
//!    slop-forensics, curated for business prose — see `data/slop/README.md`), plus phrases learned
//!    from reviewers' edits and added at construction ([`SlopCheckerBuilder::extra_phrases`]). All
//!    of them go into **one** Aho-Corasick automaton that runs once over the text.
//! 2. **Formulas** from `data/slop/formulas.tsv`: regular expressions for the rhetorical patterns
//!    that are not fixed phrases ("it's not just X, it's Y", "not X, but Y", "this is what X looks
//!    like", "In today's … world"), compiled into one regex that runs once over the text.
//! 3. **Em-dash overuse**: em-dashes (`—`, or `--` between words) per 1,000 words. En-dashes
//!    (`–`) are not counted: they mark ranges, and spaced en-dashes are an ordinary house style
//!    (the PostHog newsletters in the human control set use 28 in 2,900 words).
//!
//! # How a phrase matches
//!
//! - **Case-insensitive, byte-exact spans**: the text is matched in a copy with the same byte
//!   length in which ASCII letters are lower-cased and a soft line wrap is a space, so a match's
//!   offsets are offsets into the original text (non-ASCII letters are compared as written).
//!   Curly apostrophes match straight ones (each phrase with `'` is also loaded with `’`).
//! - **Whole words**: a match whose first or last char is a letter or digit must not touch another
//!   letter or digit outside it, so `robust` never matches inside `robustness` nor `delve` inside
//!   `delver`, and `shelved` is never flagged; inflections are listed in the data (`delved` is
//!   flagged because the list has it, not by stemming).
//! - **Leftmost-longest**: among whole-word candidates the longest match at the leftmost position
//!   wins (`due to the fact that` rather than `the fact that`), and matches do not overlap.
//! - Words inside URLs are ignored (link slugs are not prose), and so is a one-word phrase written
//!   as a name — capitalised, not all capitals, where no sentence starts (`Underscore` the
//!   JavaScript library, `Catalyst` the framework).
//!
//! # Quotations: someone else's words
//!
//! A hit inside a quoted passage — between `"…"`, `“…”`, `„…“` or `«…»` marks that close within
//! their paragraph, or on a Markdown `>` block-quote line — is a quoted third party's wording, not
//! the author's: it never counts, is listed as a finding of [`FindingSeverity::Info`] so the
//! reviewer still sees it (when it would have counted outside the quotation: quoted weak phrases
//! are not listed), and em-dashes inside quotations are not counted either.
//!
//! # Tiers: what counts
//!
//! Each phrase has a tier. `strong` phrases count wherever they appear. `weak` phrases are ordinary
//! English that also shows up in machine text (`framework`, `implement`, `for example`): they never
//! make a draft fail and are listed only when the draft already fails, as the next things to fix.
//! `start` phrases (formal transitions like `Moreover`) count at the start of a sentence and are
//! weak elsewhere; `start-only` phrases (`Overall`) count only at the start of a sentence.
//!
//! # Pass or fail
//!
//! The draft fails when counted hits (strong phrases + formulas) exceed
//! [`SlopConfig::tolerance_per_1000_words`], or when there are at least
//! [`SlopConfig::min_em_dashes`] em-dashes and more than [`SlopConfig::em_dash_per_1000_words`].
//! Findings list every counted hit with its exact span and what to write instead
//! ([`FindingSeverity::Error`]); em-dashes are listed when they are overused (`Error`), weak hits
//! when the draft fails ([`FindingSeverity::Warning`]), quoted hits always (`Info`). The verdict's score is the
//! counted hits per 1,000 words (lower is better). The whole `content` is checked, front matter
//! included; the title is not (spans index `content`).
//!
//! # Cost
//!
//! One pass lower-cases and counts words and em-dashes, one automaton pass finds phrases, one regex
//! pass finds formulas: about 90 MB/s on one core with 3,000 phrases loaded (`quality_eval`). The
//! last density computed is remembered by a hash of the text, so the stylometric detector, which
//! uses the same figure, does not scan a draft the slop gate has just scanned.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use async_trait::async_trait;
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

use super::text;
use crate::domain::{Finding, FindingSeverity, Verdict};
use crate::quality::{DraftUnderReview, QualityGate};
use crate::{Error, Result};

const PHRASES_TSV: &str = include_str!("../../data/slop/phrases.tsv");
const FORMULAS_TSV: &str = include_str!("../../data/slop/formulas.tsv");

/// Gate name of the slop check.
pub const SLOP_GATE: &str = "slop";

/// Tolerances of the slop check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlopConfig {
    /// Counted hits per 1,000 words above which the draft fails (default 4: one hit in a
    /// 250-word post passes, two fail; a 1,200-word newsletter may carry four).
    pub tolerance_per_1000_words: f64,
    /// Em-dashes per 1,000 words above which they count as overuse (default 4).
    pub em_dash_per_1000_words: f64,
    /// Fewest em-dashes that can count as overuse, so one dash in a short post is never flagged (default 2).
    pub min_em_dashes: usize,
}

impl Default for SlopConfig {
    fn default() -> Self {
        Self { tolerance_per_1000_words: 4.0, em_dash_per_1000_words: 4.0, min_em_dashes: 2 }
    }
}

impl SlopConfig {
    fn validate(&self) -> Result<()> {
        for (field, value) in
            [("slop.tolerance_per_1000_words", self.tolerance_per_1000_words), ("slop.em_dash_per_1000_words", self.em_dash_per_1000_words)]
        {
            if !value.is_finite() || value < 0.0 {
                return Err(Error::invalid_field(field, format!("must be a finite number ≥ 0, got {value}")));
            }
        }
        Ok(())
    }
}

/// What kind of tell a hit is; decides the advice in its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SlopKind {
    /// Over-used "AI vocabulary" (`delve`, `leverage`, `seamless`).
    Vocabulary,
    /// Stock phrases (`game-changer`, `paradigm shift`, `at the forefront`).
    Cliche,
    /// Generic openers (`In today's fast-paced world`, `Picture this`).
    Opening,
    /// Formal connectors at the start of a sentence (`Moreover`, `Furthermore`).
    Transition,
    /// Throat-clearing (`It's worth noting that`).
    Hedge,
    /// Words that add nothing (`in order to`, `a wide range of`).
    Filler,
    /// Conclusion markers (`In conclusion`, `At the end of the day`).
    Conclusion,
    /// Flattery (`Great question`).
    Sycophancy,
    /// A formal word for a plain one (`utilize`, `facilitate`).
    Formal,
    /// Hedging both ways instead of taking a position (`both sides of the argument`).
    Balance,
    /// Dramatic framing (`Here's the thing`, `Let that sink in`).
    Affirmation,
    /// A rhetorical formula matched by a pattern (`it's not X, it's Y`).
    Formula,
    /// Em-dash overuse.
    EmDash,
    /// A phrase learned from reviewers' edits.
    Learned,
}

impl SlopKind {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "vocabulary" => Self::Vocabulary,
            "cliche" => Self::Cliche,
            "opening" => Self::Opening,
            "transition" => Self::Transition,
            "hedge" => Self::Hedge,
            "filler" => Self::Filler,
            "conclusion" => Self::Conclusion,
            "sycophancy" => Self::Sycophancy,
            "formal" => Self::Formal,
            "balance" => Self::Balance,
            "affirmation" => Self::Affirmation,
            "formula" => Self::Formula,
            "learned" => Self::Learned,
            _ => return None,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Self::Vocabulary => "AI vocabulary",
            Self::Cliche => "Stock phrase",
            Self::Opening => "Generic opener",
            Self::Transition => "Formal transition",
            Self::Hedge => "Throat-clearing",
            Self::Filler => "Filler",
            Self::Conclusion => "Conclusion marker",
            Self::Sycophancy => "Sycophancy",
            Self::Formal => "Formal word",
            Self::Balance => "False balance",
            Self::Affirmation => "Dramatic framing",
            Self::Formula => "Formula",
            Self::EmDash => "Em-dash",
            Self::Learned => "Phrase reviewers remove",
        }
    }

    fn default_advice(self) -> &'static str {
        match self {
            Self::Vocabulary => "Use a plainer, more specific word.",
            Self::Cliche => "Say the concrete thing instead.",
            Self::Opening => "Start with your actual point.",
            Self::Transition => "Cut it, or use 'and', 'but' or 'so'.",
            Self::Hedge => "Cut it and state the point.",
            Self::Filler => "Cut it; it adds no meaning.",
            Self::Conclusion => "Cut it and let the last point stand on its own.",
            Self::Sycophancy => "Cut it; it reads as robotic and insincere.",
            Self::Formal => "Use the plain word.",
            Self::Balance => "Take a clear position, or cut the hedge.",
            Self::Affirmation => "Cut the framing and let the content speak for itself.",
            Self::Formula => "State the claim directly.",
            Self::EmDash => "Use a comma, a period or parentheses.",
            Self::Learned => "Reviewers have cut this before: rewrite it.",
        }
    }
}

impl fmt::Display for SlopKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// When a phrase counts (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tier {
    Strong,
    Weak,
    Start,
    StartOnly,
}

impl Tier {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "strong" => Self::Strong,
            "weak" => Self::Weak,
            "start" => Self::Start,
            "start-only" => Self::StartOnly,
            _ => return None,
        })
    }
}

/// A phrase learned from reviewers' edits, with what to write instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnedPhrase {
    /// The phrase, matched whole-word and case-insensitively.
    pub phrase: String,
    /// What to write instead (read after "Try "), when known.
    pub suggestion: Option<String>,
}

impl From<String> for LearnedPhrase {
    fn from(phrase: String) -> Self {
        Self { phrase, suggestion: None }
    }
}

impl From<&str> for LearnedPhrase {
    fn from(phrase: &str) -> Self {
        Self { phrase: phrase.to_owned(), suggestion: None }
    }
}

#[derive(Debug)]
struct Phrase {
    text: String,
    is_single_word: bool,
    kind: SlopKind,
    tier: Tier,
    source: String,
    suggestion: Option<String>,
}

#[derive(Debug)]
struct Formula {
    name: String,
    kind: SlopKind,
    source: String,
    message: String,
}

/// One match of the slop check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlopHit {
    /// Byte offsets `[start, end)` into the checked text, on char boundaries.
    pub span: [usize; 2],
    /// The text at the span.
    pub text: String,
    /// What kind of tell it is.
    pub kind: SlopKind,
    /// Whether it counts towards the tolerance (`false` for weak phrases, for em-dashes, which
    /// have their own limit, and for anything quoted).
    pub counted: bool,
    /// Whether it is inside a quotation (someone else's words; see the module docs).
    #[serde(default)]
    pub quoted: bool,
    /// Whether it would count outside the quotation (quoted weak phrases are not worth listing).
    #[serde(skip)]
    would_count: bool,
    /// The list entry (phrase as listed, formula name, or `—`).
    pub entry: String,
    /// Where the entry comes from (`vale:OverusedVocabulary`, `antislop:words`, `learned` …).
    pub source: String,
    /// What to write instead, for a person to read.
    pub message: String,
}

/// Everything the slop check found in one text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlopReport {
    /// Words in the text.
    pub words: usize,
    /// Every hit, counted or not, em-dashes included, by position.
    pub hits: Vec<SlopHit>,
    /// Hits that count towards the tolerance.
    pub counted: usize,
    /// Counted hits per 1,000 words.
    pub per_1000_words: f64,
    /// Em-dashes in the text, outside quotations.
    pub em_dashes: usize,
    /// Em-dashes per 1,000 words.
    pub em_dashes_per_1000_words: f64,
    /// Whether em-dashes are overused.
    pub em_dash_overuse: bool,
    /// Whether the text passes.
    pub passed: bool,
}

impl SlopReport {
    /// The findings a reviewer sees: every counted hit and em-dashes when overused (`Error`);
    /// weak hits when the draft fails anyway (`Warning`); quoted hits that would count outside
    /// their quotation (`Info`).
    pub fn findings(&self) -> Vec<Finding> {
        self.hits
            .iter()
            .filter_map(|h| {
                let severity = if h.quoted {
                    if !h.would_count {
                        return None;
                    }
                    FindingSeverity::Info
                } else if h.counted || (h.kind == SlopKind::EmDash && self.em_dash_overuse) {
                    FindingSeverity::Error
                } else if h.kind != SlopKind::EmDash && !self.passed {
                    FindingSeverity::Warning
                } else {
                    return None;
                };
                Some(Finding { check: SLOP_GATE.to_owned(), span: h.span, text: h.text.clone(), message: h.message.clone(), severity })
            })
            .collect()
    }
}

/// The slop check: one Aho-Corasick automaton over every phrase, one regex over every formula.
///
/// Build it once with [`SlopChecker::builder`] and share it (`Arc`); scanning is `&self`.
pub struct SlopChecker {
    automaton: AhoCorasick,
    pattern_phrase: Vec<usize>,
    phrases: Vec<Phrase>,
    formulas: Vec<Formula>,
    formula_regex: Option<Regex>,
    config: SlopConfig,
    /// The density of the last text scanned, keyed by its length and a 64-bit hash: the gates run
    /// one after another on the same draft, and the stylometric detector's slop feature is the
    /// same figure the slop gate just computed.
    last_density: Mutex<Option<(usize, u64, f64)>>,
}

impl fmt::Debug for SlopChecker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlopChecker")
            .field("phrases", &self.phrases.len())
            .field("patterns", &self.pattern_phrase.len())
            .field("formulas", &self.formulas.len())
            .field("config", &self.config)
            .finish()
    }
}

/// Builds a [`SlopChecker`].
#[derive(Clone, Debug)]
pub struct SlopCheckerBuilder {
    config: SlopConfig,
    learned: Vec<LearnedPhrase>,
    builtin: bool,
}

impl Default for SlopCheckerBuilder {
    fn default() -> Self {
        Self { config: SlopConfig::default(), learned: Vec::new(), builtin: true }
    }
}

impl SlopCheckerBuilder {
    /// Sets all tolerances.
    pub fn config(mut self, config: SlopConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the counted hits per 1,000 words above which a draft fails.
    pub fn tolerance_per_1000_words(mut self, tolerance: f64) -> Self {
        self.config.tolerance_per_1000_words = tolerance;
        self
    }

    /// Adds phrases learned from reviewers' edits; they count like strong phrases.
    pub fn extra_phrases<I, P>(mut self, phrases: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<LearnedPhrase>,
    {
        self.learned.extend(phrases.into_iter().map(Into::into));
        self
    }

    /// Leaves out the built-in phrase and formula lists (only learned phrases and em-dashes are checked).
    pub fn without_builtin_lists(mut self) -> Self {
        self.builtin = false;
        self
    }

    /// Builds the automaton and the formula regex.
    ///
    /// Fails with `InvalidInput` for a bad tolerance or a learned phrase without a letter or digit.
    pub fn build(self) -> Result<SlopChecker> {
        self.config.validate()?;
        let (mut phrases, formulas) =
            if self.builtin { (parse_phrases(PHRASES_TSV)?, parse_formulas(FORMULAS_TSV)?) } else { (Vec::new(), Vec::new()) };
        for learned in self.learned {
            let text = normalize_phrase(&learned.phrase);
            if !text.chars().any(text::is_word_char) {
                return Err(Error::invalid_field("extra_phrases", format!("`{}` has no letter or digit", learned.phrase)));
            }
            phrases.push(Phrase {
                is_single_word: !text.contains(' '),
                text,
                kind: SlopKind::Learned,
                tier: Tier::Strong,
                source: "learned".to_owned(),
                suggestion: learned.suggestion.filter(|s| !s.trim().is_empty()),
            });
        }

        // One pattern per distinct phrase text (first entry wins), plus a curly-apostrophe twin.
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_phrase = Vec::new();
        for (i, phrase) in phrases.iter().enumerate() {
            let mut variants = vec![phrase.text.clone()];
            if phrase.text.contains('\'') {
                variants.push(phrase.text.replace('\'', "’"));
            }
            for variant in variants {
                if seen.contains_key(&variant) {
                    continue;
                }
                seen.insert(variant.clone(), i);
                patterns.push(variant);
                pattern_phrase.push(i);
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .map_err(|e| Error::Config(format!("cannot build the slop automaton: {e}")))?;

        let (formulas, formula_regex) = compile_formulas(formulas)?;
        Ok(SlopChecker { automaton, pattern_phrase, phrases, formulas, formula_regex, config: self.config, last_density: Mutex::new(None) })
    }
}

fn normalize_phrase(phrase: &str) -> String {
    phrase.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase()
}

fn parse_phrases(tsv: &str) -> Result<Vec<Phrase>> {
    let mut out = Vec::new();
    for (n, line) in data_lines(tsv) {
        let cols: Vec<&str> = line.split('\t').collect();
        let bad = |what: &str| Error::Config(format!("data/slop/phrases.tsv line {n}: {what}"));
        let [phrase, kind, tier, source, rest @ ..] = cols.as_slice() else {
            return Err(bad("expected at least 4 tab-separated columns"));
        };
        let kind = SlopKind::parse(kind).ok_or_else(|| bad("unknown kind"))?;
        let tier = Tier::parse(tier).ok_or_else(|| bad("unknown tier"))?;
        let text = normalize_phrase(phrase);
        if text.is_empty() {
            return Err(bad("empty phrase"));
        }
        let suggestion = rest.first().map(|s| s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
        out.push(Phrase { is_single_word: !text.contains(' '), text, kind, tier, source: (*source).to_owned(), suggestion });
    }
    Ok(out)
}

fn parse_formulas(tsv: &str) -> Result<Vec<(Formula, String)>> {
    let mut out = Vec::new();
    for (n, line) in data_lines(tsv) {
        let bad = |what: &str| Error::Config(format!("data/slop/formulas.tsv line {n}: {what}"));
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, kind, source, message, regex] = cols.as_slice() else {
            return Err(bad("expected 5 tab-separated columns"));
        };
        let kind = SlopKind::parse(kind).ok_or_else(|| bad("unknown kind"))?;
        out.push((
            Formula { name: (*name).to_owned(), kind, source: (*source).to_owned(), message: (*message).to_owned() },
            (*regex).to_owned(),
        ));
    }
    Ok(out)
}

/// Non-empty, non-comment lines after the header, with 1-based line numbers.
fn data_lines(tsv: &str) -> impl Iterator<Item = (usize, &str)> {
    tsv.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .skip(1)
}

fn compile_formulas(formulas: Vec<(Formula, String)>) -> Result<(Vec<Formula>, Option<Regex>)> {
    if formulas.is_empty() {
        return Ok((Vec::new(), None));
    }
    let mut alternatives = Vec::with_capacity(formulas.len());
    let mut out = Vec::with_capacity(formulas.len());
    for (formula, pattern) in formulas {
        let single = Regex::new(&pattern).map_err(|e| Error::Config(format!("slop formula `{}` does not compile: {e}", formula.name)))?;
        if single.captures_len() != 1 {
            return Err(Error::Config(format!("slop formula `{}` must not have capture groups (use (?:…))", formula.name)));
        }
        alternatives.push(format!("({pattern})"));
        out.push(formula);
    }
    let combined = Regex::new(&alternatives.join("|")).map_err(|e| Error::Config(format!("slop formulas do not compile together: {e}")))?;
    Ok((out, Some(combined)))
}

/// A fast 64-bit hash of `bytes`, eight at a time (a multiply-rotate in the style of FxHash).
fn content_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    let mut hash = chunks.by_ref().fold(0, |h, chunk| {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        mix(h, u64::from_le_bytes(word))
    });
    for b in chunks.remainder() {
        hash = mix(hash, u64::from(*b));
    }
    hash
}

fn per_1000(count: usize, words: usize) -> f64 {
    if words == 0 { 0.0 } else { count as f64 * 1000.0 / words as f64 }
}

const WEAK_NOTE: &str = " (Common in human writing too: listed because the draft is over the slop tolerance.)";

const QUOTED_NOTE: &str = "Quoted, so not counted against the draft (someone else's words: leave the quotation as it is). ";

/// Byte ranges of the passages in `text` that quote someone else, sorted and disjoint:
///
/// - Markdown block quotes: a line that starts with `>` (after up to three spaces), to its end;
/// - passages between double quotation marks — `"…"`, `“…”`, `„…“`, `«…»` — that close within
///   their paragraph (a mark left open at a blank line quotes nothing, so a stray `"` or an inch
///   mark never swallows the rest of a draft).
///
/// One pass over the text.
fn quoted_ranges(text: &str) -> Vec<[usize; 2]> {
    let mut out: Vec<[usize; 2]> = Vec::new();
    let mut push = |r: [usize; 2]| {
        if r[0] >= r[1] {
            return;
        }
        match out.last_mut() {
            Some(last) if r[0] <= last[1] => last[1] = last[1].max(r[1]),
            _ => out.push(r),
        }
    };
    // The open quotation, if any: where its text starts and the mark that closes it.
    let mut open: Option<(usize, char)> = None;
    let mut line_start = 0usize;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            // A blank line ends the paragraph: an unclosed quotation quotes nothing.
            open = None;
        }
        let indent = body.len() - body.trim_start_matches(' ').len();
        if indent <= 3 && body.get(indent..).is_some_and(|b| b.starts_with('>')) {
            push([line_start, line_start + body.len()]);
            open = None;
            line_start += line.len();
            continue;
        }
        for (i, c) in body.char_indices() {
            let at = line_start + i;
            match open {
                Some((from, close)) if c == close => {
                    push([from, at]);
                    open = None;
                }
                Some(_) => {}
                None => {
                    open = match c {
                        '"' => Some((at + 1, '"')),
                        '“' => Some((at + c.len_utf8(), '”')),
                        '„' => Some((at + c.len_utf8(), '“')),
                        '«' => Some((at + c.len_utf8(), '»')),
                        _ => None,
                    };
                }
            }
        }
        line_start += line.len();
    }
    out
}

/// Whether `span` lies inside one of `ranges` (as [`quoted_ranges`] returns them).
fn is_quoted(ranges: &[[usize; 2]], span: [usize; 2]) -> bool {
    let i = ranges.partition_point(|r| r[1] < span[1]);
    ranges.get(i).is_some_and(|r| r[0] <= span[0] && span[1] <= r[1])
}

impl SlopChecker {
    /// A builder with the built-in lists and default tolerances.
    pub fn builder() -> SlopCheckerBuilder {
        SlopCheckerBuilder::default()
    }

    /// The built-in lists with default tolerances.
    pub fn with_defaults() -> Result<Self> {
        Self::builder().build()
    }

    /// The tolerances in use.
    pub fn config(&self) -> &SlopConfig {
        &self.config
    }

    /// Phrases loaded (built-in and learned, before apostrophe variants).
    pub fn phrase_count(&self) -> usize {
        self.phrases.len()
    }

    /// Patterns in the automaton (phrases plus curly-apostrophe variants, without duplicates).
    pub fn pattern_count(&self) -> usize {
        self.pattern_phrase.len()
    }

    /// Formula patterns loaded.
    pub fn formula_count(&self) -> usize {
        self.formulas.len()
    }

    /// Scans `text`.
    pub fn scan(&self, text: &str) -> SlopReport {
        let report = self.scan_without_memo(text);
        self.remember((text.len(), content_hash(text.as_bytes())), report.per_1000_words);
        report
    }

    /// Scans `text` without remembering its density (for a part of a draft, such as its first
    /// line, so the figure for the whole draft stays remembered).
    pub(crate) fn scan_without_memo(&self, text: &str) -> SlopReport {
        let text::Scanned { normalized, words, em_dashes: mut dashes } = text::scan(text);
        let quotes = quoted_ranges(text);
        let candidates = self.phrase_candidates(text, &normalized);
        let formulas = self.formula_matches(text, &normalized, &candidates);
        let mut hits = self.phrase_hits(text, &candidates);
        hits.extend(self.formula_hits(text, formulas));
        for hit in hits.iter_mut().filter(|h| is_quoted(&quotes, h.span)) {
            hit.quoted = true;
            hit.would_count = hit.counted;
            hit.counted = false;
            hit.message.insert_str(0, QUOTED_NOTE);
        }
        dashes.retain(|d| !is_quoted(&quotes, *d));

        let counted = hits.iter().filter(|h| h.counted).count();
        let per_1000_words = per_1000(counted, words);

        let em_dashes_per_1000_words = per_1000(dashes.len(), words);
        let em_dash_overuse = dashes.len() >= self.config.min_em_dashes && em_dashes_per_1000_words > self.config.em_dash_per_1000_words;
        let dash_message = format!(
            "Em-dash overuse: {} em-dashes, {:.1} per 1,000 words (limit {}). Use a comma, a period or parentheses.",
            dashes.len(),
            em_dashes_per_1000_words,
            self.config.em_dash_per_1000_words
        );
        let em_dashes = dashes.len();
        hits.extend(dashes.into_iter().map(|span| SlopHit {
            span,
            text: text[span[0]..span[1]].to_owned(),
            kind: SlopKind::EmDash,
            counted: false,
            quoted: false,
            would_count: false,
            entry: "—".to_owned(),
            source: "vale:EmDashUsage".to_owned(),
            message: dash_message.clone(),
        }));
        hits.sort_by_key(|h| (h.span[0], std::cmp::Reverse(h.span[1])));

        let passed = per_1000_words <= self.config.tolerance_per_1000_words && !em_dash_overuse;
        if !passed {
            for hit in hits.iter_mut().filter(|h| !h.counted && !h.quoted && h.kind != SlopKind::EmDash) {
                hit.message.push_str(WEAK_NOTE);
            }
        }
        SlopReport { words, hits, counted, per_1000_words, em_dashes, em_dashes_per_1000_words, em_dash_overuse, passed }
    }

    /// Counted hits per 1,000 words in `text`: the same count as [`SlopChecker::scan`], without
    /// building hits and messages (the stylometric detector uses it). The last figure computed by
    /// either is remembered, so scoring a draft the slop gate just checked costs a hash, not a scan.
    pub fn density(&self, text: &str) -> f64 {
        let key = (text.len(), content_hash(text.as_bytes()));
        if let Ok(last) = self.last_density.lock()
            && let Some((len, hash, density)) = *last
            && (len, hash) == key
        {
            return density;
        }
        let scanned = text::scan(text);
        let quotes = quoted_ranges(text);
        let candidates = self.phrase_candidates(text, &scanned.normalized);
        let formulas = self.formula_matches(text, &scanned.normalized, &candidates);
        let counted = candidates.iter().filter(|c| c.counted && !is_quoted(&quotes, [c.start, c.end])).count()
            + formulas.iter().filter(|(_, span)| !is_quoted(&quotes, *span)).count();
        let density = per_1000(counted, scanned.words);
        self.remember(key, density);
        density
    }

    fn remember(&self, (len, hash): (usize, u64), density: f64) {
        if let Ok(mut last) = self.last_density.lock() {
            *last = Some((len, hash, density));
        }
    }

    /// Whole-word phrase matches that count or may be listed, leftmost-longest, without overlaps.
    fn phrase_candidates(&self, text: &str, norm: &[u8]) -> Vec<Candidate> {
        let mut candidates = Vec::new();
        for m in self.automaton.find_overlapping_iter(norm) {
            let (start, end) = (m.start(), m.end());
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) || !text::is_whole_word(text, start, end) {
                continue;
            }
            let phrase_index = self.pattern_phrase[m.pattern().as_usize()];
            let phrase = &self.phrases[phrase_index];
            let at_start = || text::is_sentence_start(text, start);
            let counted = match phrase.tier {
                Tier::Strong => true,
                Tier::Weak => false,
                Tier::Start => at_start(),
                Tier::StartOnly if at_start() => true,
                Tier::StartOnly => continue,
            };
            if text::in_url(text, start) || (phrase.is_single_word && is_proper_noun(text, start, at_start)) {
                continue;
            }
            candidates.push(Candidate { start, end, phrase: phrase_index, counted });
        }
        candidates.sort_by_key(|c| (c.start, std::cmp::Reverse(c.end)));
        let mut last_end = 0;
        candidates.retain(|c| {
            let keep = c.start >= last_end;
            if keep {
                last_end = c.end;
            }
            keep
        });
        candidates
    }

    /// Formula matches as `(formula index, span)`; one that overlaps a phrase hit of the same kind
    /// (`In today's fast-paced` and `In today's fast-paced world`) repeats it and is left out.
    fn formula_matches(&self, text: &str, norm: &[u8], phrases: &[Candidate]) -> Vec<(usize, [usize; 2])> {
        let Some(regex) = &self.formula_regex else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for caps in regex.captures_iter(norm) {
            let Some(whole) = caps.get(0) else { continue };
            let Some(index) = (1..caps.len()).find(|i| caps.get(*i).is_some()) else { continue };
            let kind = self.formulas[index - 1].kind;
            let raw = &text[whole.start()..whole.end()];
            let start = whole.start() + (raw.len() - raw.trim_start().len());
            let end = whole.start() + raw.trim_end().len();
            if start >= end || text::in_url(text, start) {
                continue;
            }
            if phrases.iter().any(|c| self.phrases[c.phrase].kind == kind && c.start < end && start < c.end) {
                continue;
            }
            out.push((index - 1, [start, end]));
        }
        out
    }

    fn phrase_hits(&self, text: &str, candidates: &[Candidate]) -> Vec<SlopHit> {
        candidates
            .iter()
            .map(|c| {
                let phrase = &self.phrases[c.phrase];
                let matched = &text[c.start..c.end];
                let advice = match &phrase.suggestion {
                    Some(s) => format!("Try {s}."),
                    None => phrase.kind.default_advice().to_owned(),
                };
                SlopHit {
                    span: [c.start, c.end],
                    text: matched.to_owned(),
                    kind: phrase.kind,
                    counted: c.counted,
                    quoted: false,
                    would_count: false,
                    entry: phrase.text.clone(),
                    source: phrase.source.clone(),
                    message: format!("{}: '{}'. {}", phrase.kind.label(), matched, advice),
                }
            })
            .collect()
    }

    fn formula_hits<'a>(&'a self, text: &'a str, matches: Vec<(usize, [usize; 2])>) -> impl Iterator<Item = SlopHit> + 'a {
        matches.into_iter().map(move |(index, [start, end])| {
            let formula = &self.formulas[index];
            let matched = &text[start..end];
            SlopHit {
                span: [start, end],
                text: matched.to_owned(),
                kind: formula.kind,
                counted: true,
                quoted: false,
                would_count: false,
                entry: formula.name.clone(),
                source: formula.source.clone(),
                message: format!("{}: '{}'. {}", formula.kind.label(), matched, formula.message),
            }
        })
    }
}

struct Candidate {
    start: usize,
    end: usize,
    phrase: usize,
    counted: bool,
}

/// Whether the word at `start` looks like a name: capitalised (and not all capitals) where a
/// sentence does not start — `Underscore` the library, `Catalyst` the framework.
fn is_proper_noun(text: &str, start: usize, at_start: impl Fn() -> bool) -> bool {
    let word = &text[start..];
    let mut chars = word.chars();
    let capitalised = chars.next().is_some_and(char::is_uppercase);
    let has_lower = chars.take_while(|c| text::is_word_char(*c)).any(char::is_lowercase);
    capitalised && has_lower && !at_start()
}

#[async_trait]
impl QualityGate for SlopChecker {
    fn name(&self) -> &'static str {
        SLOP_GATE
    }

    async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict> {
        let report = self.scan(&draft.content);
        Ok(Verdict { gate: SLOP_GATE.to_owned(), passed: report.passed, score: Some(report.per_1000_words), findings: report.findings() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContentType;

    fn checker() -> SlopChecker {
        SlopChecker::with_defaults().expect("built-in lists load")
    }

    fn hit_texts(report: &SlopReport) -> Vec<&str> {
        report.hits.iter().filter(|h| h.counted).map(|h| h.text.as_str()).collect()
    }

    #[test]
    fn the_built_in_lists_parse_and_compile() {
        let c = checker();
        assert!(c.phrase_count() > 500, "{}", c.phrase_count());
        assert!(c.pattern_count() > c.phrase_count());
        assert!(c.formula_count() >= 20);
    }

    #[tokio::test]
    async fn a_draft_full_of_slop_fails_with_a_finding_at_each_phrase() {
        let text = "In today's fast-paced world, we must delve into the tapestry of growth.\n\
                    Moreover, our seamless platform helps you leverage synergy. Let that sink in.";
        let draft = DraftUnderReview { content_type: ContentType::LinkedinPost, title: None, content: text.to_owned() };
        let verdict = checker().check(&draft).await.expect("check runs");
        assert!(!verdict.passed);
        assert_eq!(verdict.gate, "slop");
        let expected = ["In today's fast-paced", "delve", "tapestry of", "Moreover", "seamless", "leverage", "synergy", "Let that sink in"];
        let got: Vec<(&str, [usize; 2])> = verdict.findings.iter().map(|f| (f.text.as_str(), f.span)).collect();
        let want: Vec<(&str, [usize; 2])> = expected
            .iter()
            .map(|p| {
                let start = text.find(p).expect("phrase is in the text");
                (*p, [start, start + p.len()])
            })
            .collect();
        assert_eq!(got, want);
        for f in &verdict.findings {
            assert_eq!(&text[f.span[0]..f.span[1]], f.text);
            assert_eq!(f.check, "slop");
            assert!(!f.message.is_empty());
        }
        assert!(verdict.score.is_some_and(|s| s > 4.0));
    }

    #[test]
    fn findings_say_what_to_write_instead() {
        let report = checker().scan("We utilize the data.");
        let finding = &report.hits[0];
        assert_eq!(finding.text, "utilize");
        assert!(finding.message.contains("'use'"), "{}", finding.message);
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let c = checker();
        assert_eq!(hit_texts(&c.scan("Let's delve in.")), ["delve"]);
        // `delved` is flagged because the list has it, not because it contains `delve`.
        assert_eq!(hit_texts(&c.scan("She delved in.")), ["delved"]);
        assert!(c.scan("The books were shelved. Undelveable delver.").hits.is_empty());
        assert!(c.scan("A robustness test.").hits.is_empty());
    }

    #[test]
    fn matching_ignores_case() {
        let c = checker();
        assert_eq!(hit_texts(&c.scan("DELVE. Delve. dElVe.")), ["DELVE", "Delve", "dElVe"]);
    }

    #[test]
    fn the_longest_phrase_at_a_position_wins() {
        let report = checker().scan("This is due to the fact that prices rose.");
        assert_eq!(hit_texts(&report), ["due to the fact that"]);
    }

    #[test]
    fn spans_on_non_ascii_text_are_char_boundaries() {
        let text = "Café 🚀 — élan: we delve ‘deep’ into “seamless” tapestry of ünïcode — really.";
        let report = checker().scan(text);
        assert!(!report.hits.is_empty());
        for h in &report.hits {
            assert!(text.is_char_boundary(h.span[0]) && text.is_char_boundary(h.span[1]));
            assert_eq!(&text[h.span[0]..h.span[1]], h.text);
        }
        assert!(hit_texts(&report).contains(&"delve"));
        // In quotation marks: found, but someone else's word, so not counted.
        assert!(report.hits.iter().any(|h| h.text == "seamless" && h.quoted && !h.counted));
        assert_eq!(report.em_dashes, 2);
    }

    #[test]
    fn a_phrase_wrapped_over_two_lines_still_matches() {
        assert_eq!(hit_texts(&checker().scan("It played a\ncrucial role here.")), ["played a\ncrucial role"]);
    }

    #[test]
    fn curly_apostrophes_match_straight_ones() {
        assert_eq!(hit_texts(&checker().scan("Here’s the thing: it works.")), ["Here’s the thing"]);
    }

    #[test]
    fn learned_extra_phrases_are_matched() {
        let c = SlopChecker::builder()
            .extra_phrases(["move fast and break things"])
            .extra_phrases([LearnedPhrase { phrase: "North Star".into(), suggestion: Some("'main goal'".into()) }])
            .build()
            .expect("builds");
        let report = c.scan("Our north star: Move fast and break things.");
        let learned: Vec<_> = report.hits.iter().filter(|h| h.kind == SlopKind::Learned).collect();
        assert_eq!(learned.len(), 2);
        assert_eq!(learned[0].text, "north star");
        assert!(learned[0].message.contains("'main goal'"));
        assert_eq!(learned[1].text, "Move fast and break things");
        assert_eq!(learned[1].source, "learned");
    }

    #[test]
    fn a_learned_phrase_without_letters_is_invalid_input() {
        let err = SlopChecker::builder().extra_phrases(["  —  "]).build().unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    }

    #[test]
    fn a_negative_tolerance_is_invalid_input() {
        let err = SlopChecker::builder().tolerance_per_1000_words(-1.0).build().unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    }

    #[test]
    fn transitions_count_only_at_the_start_of_a_sentence() {
        let c = checker();
        let start = c.scan("It works. Therefore, we ship.");
        assert_eq!(hit_texts(&start), ["Therefore"]);
        let middle = c.scan("It works and therefore we ship.");
        assert!(hit_texts(&middle).is_empty());
        assert_eq!(middle.hits.len(), 1, "kept as a weak hit");
        assert!(middle.passed && middle.findings().is_empty());
    }

    #[test]
    fn weak_phrases_are_listed_only_when_the_draft_fails() {
        let c = checker();
        let clean = c.scan("For example, we implement the framework every week.");
        assert!(clean.passed);
        assert!(clean.findings().is_empty());
        let sloppy = c.scan("For example, we implement a seamless, robust, holistic framework.");
        assert!(!sloppy.passed);
        let texts: Vec<String> = sloppy.findings().into_iter().map(|f| f.text).collect();
        assert_eq!(texts, ["For example", "implement", "seamless", "robust", "holistic", "framework"]);
    }

    #[test]
    fn contrast_formulas_are_found_with_their_whole_span() {
        let text = "Growth is hard. It's not just a tool; it's a mindset. We ship.";
        let report = checker().scan(text);
        let formula = report.hits.iter().find(|h| h.kind == SlopKind::Formula).expect("formula hit");
        assert_eq!(formula.text, "It's not just a tool; it's a mindset");
        assert_eq!(formula.entry, "its_not_x_its_y");
    }

    #[test]
    fn not_x_but_y_needs_a_noun_phrase_on_both_sides() {
        let c = checker();
        assert!(c.scan("This is not a tool, but a movement.").hits.iter().any(|h| h.entry == "not_x_but_y"));
        assert!(!c.scan("It's not perfect, but it works.").hits.iter().any(|h| h.entry == "not_x_but_y"));
        assert!(!c.scan("Not only fast but also cheap.").hits.iter().any(|h| h.entry == "not_x_but_y"));
    }

    #[test]
    fn em_dashes_fail_only_when_overused() {
        let c = checker();
        let one = c.scan("We shipped it — finally.");
        assert_eq!(one.em_dashes, 1);
        assert!(one.passed && one.findings().is_empty());
        let many = c.scan("We shipped—finally. It broke—again. We fixed it--fast.");
        assert_eq!(many.em_dashes, 3);
        assert!(!many.passed);
        assert_eq!(many.findings().len(), 3);
        // Rules, front matter and en-dash ranges are not em-dashes.
        assert_eq!(c.scan("---\ntitle: x\n---\n2019–2023 <!-- note -->").em_dashes, 0);
    }

    #[test]
    fn slugs_in_links_are_not_prose() {
        assert!(checker().scan("See https://example.com/leverage-seamless-synergy for more.").hits.is_empty());
    }

    #[test]
    fn an_opening_cliche_mid_sentence_is_not_counted() {
        let c = checker();
        assert_eq!(hit_texts(&c.scan("When it comes to pricing, charge more.")), ["When it comes to"]);
        assert!(hit_texts(&c.scan("We are careful when it comes to pricing.")).is_empty());
    }

    #[test]
    fn density_is_the_scan_figure_and_is_remembered_per_text() {
        let c = checker();
        let sloppy = "We delve into seamless synergy.";
        let clean = "We raised prices in March.";
        let scanned = c.scan(sloppy).per_1000_words;
        assert!(scanned > 0.0);
        assert_eq!(c.density(sloppy), scanned);
        assert_eq!(c.density(clean), 0.0);
        assert_eq!(c.density(sloppy), scanned);
        assert_ne!(content_hash(sloppy.as_bytes()), content_hash(clean.as_bytes()));
    }

    #[test]
    fn slop_inside_quotation_marks_is_reported_as_info_and_never_counted() {
        let c = checker();
        for quoted in [
            "Our customer told us \"we wanted to delve into a seamless, robust synergy\" and we laughed.",
            "Our customer told us “we wanted to delve into a seamless, robust synergy” and we laughed.",
            "Our customer told us:\n\n> we wanted to delve into a seamless, robust synergy\n\nand we laughed.",
        ] {
            let report = c.scan(quoted);
            assert!(report.passed, "{quoted}");
            assert_eq!(report.counted, 0, "{quoted}");
            assert_eq!(c.density(quoted), 0.0);
            let findings = report.findings();
            let texts: Vec<&str> = findings.iter().map(|f| f.text.as_str()).collect();
            assert_eq!(texts, ["delve", "seamless", "robust", "synergy"], "{quoted}");
            for f in &findings {
                assert_eq!(f.severity, FindingSeverity::Info, "{f:?}");
                assert!(f.message.starts_with("Quoted"), "{}", f.message);
                assert_eq!(&quoted[f.span[0]..f.span[1]], f.text);
            }
        }
    }

    #[test]
    fn the_authors_own_slop_next_to_a_quotation_still_counts() {
        let text = "They said \"delve\" twice. We leverage seamless synergy anyway.";
        let report = checker().scan(text);
        assert!(!report.passed);
        let by_severity: Vec<(&str, FindingSeverity)> =
            report.findings().iter().map(|f| (&text[f.span[0]..f.span[1]], f.severity)).collect();
        assert_eq!(
            by_severity,
            [
                ("delve", FindingSeverity::Info),
                ("leverage", FindingSeverity::Error),
                ("seamless", FindingSeverity::Error),
                ("synergy", FindingSeverity::Error)
            ]
        );
    }

    #[test]
    fn a_quoted_weak_phrase_is_not_listed_even_when_the_draft_fails() {
        let text = "She wrote \"for example, we implement it\". We delve into seamless, robust synergy.";
        let report = checker().scan(text);
        assert!(!report.passed);
        let texts: Vec<String> = report.findings().into_iter().map(|f| f.text).collect();
        assert_eq!(texts, ["delve", "seamless", "robust", "synergy"]);
    }

    #[test]
    fn an_unclosed_quotation_mark_quotes_nothing_past_its_paragraph() {
        let text = "A 27\" monitor.\n\nWe delve into seamless synergy.";
        let report = checker().scan(text);
        assert_eq!(hit_texts(&report), ["delve", "seamless", "synergy"]);
        assert!(report.hits.iter().all(|h| !h.quoted));
    }

    #[test]
    fn em_dashes_in_quotations_are_not_counted() {
        let c = checker();
        let text = "He wrote \"we shipped—finally—and it broke—again\" in the log.";
        let report = c.scan(text);
        assert_eq!(report.em_dashes, 0);
        assert!(report.passed && report.findings().is_empty());
    }

    #[test]
    fn weak_hits_of_a_failing_draft_are_warnings() {
        let sloppy = checker().scan("For example, we implement a seamless, robust, holistic framework.");
        let severities: Vec<(String, FindingSeverity)> = sloppy.findings().into_iter().map(|f| (f.text, f.severity)).collect();
        assert!(severities.contains(&("For example".into(), FindingSeverity::Warning)), "{severities:?}");
        assert!(severities.contains(&("seamless".into(), FindingSeverity::Error)), "{severities:?}");
    }

    #[test]
    fn quoted_passages_are_found_in_one_pass() {
        let text = "He said \"a\" and “b” and «c».\n> d\nNot \"e\n\nf\" here.";
        let got: Vec<&str> = quoted_ranges(text).iter().map(|r| &text[r[0]..r[1]]).collect();
        assert_eq!(got, ["a", "b", "c", "> d"]);
        let ranges = [[5, 10], [20, 30]];
        assert!(is_quoted(&ranges, [5, 10]) && is_quoted(&ranges, [21, 29]));
        assert!(
            !is_quoted(&ranges, [4, 6]) && !is_quoted(&ranges, [9, 12]) && !is_quoted(&ranges, [12, 14]) && !is_quoted(&ranges, [31, 32])
        );
    }

    #[test]
    fn a_clean_text_has_no_findings() {
        let report = checker().scan("We raised prices by 20% in March. Churn did not move. Here is what we changed.");
        assert!(report.passed);
        assert!(report.findings().is_empty());
    }
}
