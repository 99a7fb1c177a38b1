//! The simulated reviewer and the harness that measures edit learning, in the mould of PRELUDE
//! (Gao et al., NeurIPS 2024): each round a piece is drafted, a reviewer with hidden preferences
//! edits it, and the cost of the round is the word-level edit distance between the draft and the
//! edited text. A learner that works lowers the cost round after round.
//!
//! # The preference file (TOML)
//!
//! A [`Preferences`] file holds the reviewer's hidden preferences: a `[default]` table for every
//! content type and one table per content type (`[linkedin_post]`, `[pre_interview]`,
//! `[post_publish]`, `[newsletter]`, `[blog_post]`) that adds to it. Every key is optional.
//!
//! ```toml
//! name = "plain-spoken founder"          # optional, for reports
//! description = "…"                      # optional
//!
//! [default]
//! delete = ["really", "kind of"]          # phrases deleted wherever they appear (whole words, any case)
//! replace = [{ from = "gonna", to = "going to" }]   # word replacements (case of the first letter kept)
//! max_words = 180                         # cut whole sentences from the end of the body down to this
//! no_emoji = true                         # remove every emoji
//! no_hashtags = true                      # remove every hashtag
//! no_numbered_lists = true                # turn `1. item` lines into plain sentences
//! max_sentences_per_paragraph = 2         # split longer prose paragraphs
//! closing_line = "What would you add?"    # replace the last paragraph with this
//! max_first_line_chars = 60               # cut a longer first line at a clause or word
//!
//! [linkedin_post]                         # only for LinkedIn posts: lists are added to
//! max_words = 150                         # [default]'s, single values replace them
//! ```
//!
//! The types the simulation drafts are the ones with their own table (LinkedIn posts when there
//! is none), in turn, round after round.
//!
//! # The reviewer
//!
//! [`SimulatedReviewer::edit`] applies its preferences, in the order of
//! [`apply_rules`], to whatever it is given, and changes nothing that already
//! meets them. Its edit operations are the rule kinds themselves, so a learner that recovered the
//! exact preferences would bring the cost to 0 ([`Preferences::oracle_rules`], the *oracle*); what
//! the simulation measures is how fast and how exactly a learner recovers them from the diffs of
//! its edits alone. The learner never sees this file.
//!
//! # Cost
//!
//! [`edit_distance`]: the Levenshtein distance between the word tokens of the draft and of the
//! edited text ([`word_tokens`]: whitespace-separated words with leading and trailing punctuation
//! split off as tokens of their own, close to the NLTK `word_tokenize` PRELUDE uses).
//!
//! # The harness
//!
//! [`run_rounds`] drives any [`SimTarget`] (draft → reviewer edit → submit → learn) and returns
//! the cost of every round; [`SimReport::from_costs`] summarises the runs of several seeds for the
//! three arms (no learning, learning, oracle).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::apply::apply_rules;
use super::rules::{Rule, RuleKind};
use crate::domain::{ContentId, ContentType};
use crate::{Error, Result};

/// A word replacement of the reviewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replace {
    /// The word or phrase replaced.
    pub from: String,
    /// What the reviewer writes instead.
    pub to: String,
}

/// The preferences of one content type (or of all, in `[default]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TypePreferences {
    /// Phrases deleted.
    pub delete: Vec<String>,
    /// Words replaced.
    pub replace: Vec<Replace>,
    /// Most words.
    pub max_words: Option<usize>,
    /// No emoji.
    pub no_emoji: Option<bool>,
    /// No hashtags.
    pub no_hashtags: Option<bool>,
    /// No numbered lists.
    pub no_numbered_lists: Option<bool>,
    /// Most sentences per prose paragraph.
    pub max_sentences_per_paragraph: Option<usize>,
    /// The closing paragraph.
    pub closing_line: Option<String>,
    /// Most characters in the first line.
    pub max_first_line_chars: Option<usize>,
}

impl TypePreferences {
    /// `self` with `over` on top: lists added, single values replaced.
    fn merged(&self, over: &TypePreferences) -> TypePreferences {
        TypePreferences {
            delete: self.delete.iter().chain(&over.delete).cloned().collect(),
            replace: self.replace.iter().chain(&over.replace).cloned().collect(),
            max_words: over.max_words.or(self.max_words),
            no_emoji: over.no_emoji.or(self.no_emoji),
            no_hashtags: over.no_hashtags.or(self.no_hashtags),
            no_numbered_lists: over.no_numbered_lists.or(self.no_numbered_lists),
            max_sentences_per_paragraph: over.max_sentences_per_paragraph.or(self.max_sentences_per_paragraph),
            closing_line: over.closing_line.clone().or_else(|| self.closing_line.clone()),
            max_first_line_chars: over.max_first_line_chars.or(self.max_first_line_chars),
        }
    }

    /// The rule kinds that say the same.
    pub fn rule_kinds(&self) -> Vec<RuleKind> {
        let mut out: Vec<RuleKind> = Vec::new();
        out.extend(self.replace.iter().map(|r| RuleKind::Replacement { from: r.from.to_lowercase(), to: r.to.clone() }));
        out.extend(self.delete.iter().map(|p| RuleKind::BannedPhrase { phrase: p.to_lowercase() }));
        let flag = |f: Option<bool>, k: RuleKind| f.unwrap_or(false).then_some(k);
        out.extend(flag(self.no_emoji, RuleKind::NoEmoji));
        out.extend(flag(self.no_hashtags, RuleKind::NoHashtags));
        out.extend(flag(self.no_numbered_lists, RuleKind::NoNumberedLists));
        out.extend(self.closing_line.as_ref().map(|t| RuleKind::ClosingLine { text: t.trim().to_owned() }));
        out.extend(self.max_sentences_per_paragraph.map(|max| RuleKind::MaxSentencesPerParagraph { max }));
        out.extend(self.max_first_line_chars.map(|max| RuleKind::MaxFirstLineChars { max }));
        out.extend(self.max_words.map(|max| RuleKind::MaxWords { max }));
        out
    }
}

/// A simulated reviewer's hidden preferences (see the [module docs](self) for the file format).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    /// A name for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// What the reviewer is like.
    #[serde(default)]
    pub description: Option<String>,
    /// For every content type.
    #[serde(default)]
    pub default: TypePreferences,
    /// Per content type, on top of `default`.
    #[serde(flatten)]
    pub types: BTreeMap<ContentType, TypePreferences>,
}

impl Preferences {
    /// The preferences for `content_type`: `[default]` with its own table on top.
    pub fn for_type(&self, content_type: ContentType) -> TypePreferences {
        match self.types.get(&content_type) {
            Some(own) => self.default.merged(own),
            None => self.default.clone(),
        }
    }

    /// The types the simulation drafts: those with their own table, else LinkedIn posts.
    pub fn content_types(&self) -> Vec<ContentType> {
        if self.types.is_empty() { vec![ContentType::LinkedinPost] } else { self.types.keys().copied().collect() }
    }

    /// The active rules that say exactly what these preferences say, per content type: what an
    /// oracle learner would know.
    pub fn oracle_rules(&self) -> Vec<Rule> {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        ContentType::ALL
            .iter()
            .copied()
            .flat_map(|t| self.for_type(t).rule_kinds().into_iter().map(move |k| Rule::written(Some(t), k, now)))
            .collect()
    }

    /// Checks that every value is usable (the same checks as the rules they become).
    pub fn validate(&self) -> Result<()> {
        for &t in ContentType::ALL {
            for k in self.for_type(t).rule_kinds() {
                k.validate().map_err(|e| Error::invalid(format!("[{t}]: {e}")))?;
            }
        }
        Ok(())
    }
}

/// A reviewer that edits drafts per its hidden [`Preferences`] (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct SimulatedReviewer {
    rules: Vec<Rule>,
}

impl SimulatedReviewer {
    /// A reviewer with `preferences`; `InvalidInput` when a value is unusable.
    pub fn new(preferences: &Preferences) -> Result<Self> {
        preferences.validate()?;
        Ok(Self { rules: preferences.oracle_rules() })
    }

    /// `draft` (of `content_type`) as this reviewer would leave it.
    pub fn edit(&self, content_type: ContentType, draft: &str) -> String {
        apply_rules(draft, content_type, &self.rules)
    }
}

/// The word tokens of `text`: whitespace-separated words, with leading and trailing punctuation
/// split off as tokens of their own (`"Hello, world!"` → `"`, `Hello`, `,`, `world`, `!`, `"`).
pub fn word_tokens(text: &str) -> Vec<&str> {
    fn push_chars<'a>(out: &mut Vec<&'a str>, s: &'a str) {
        let mut i = 0;
        for c in s.chars() {
            out.push(&s[i..i + c.len_utf8()]);
            i += c.len_utf8();
        }
    }
    let mut out = Vec::new();
    for w in text.split_whitespace() {
        let core_start = w.find(|c: char| c.is_alphanumeric()).unwrap_or(w.len());
        let core_end = w.rfind(|c: char| c.is_alphanumeric()).map_or(core_start, |i| i + w[i..].chars().next().map_or(1, char::len_utf8));
        if core_start >= core_end {
            push_chars(&mut out, w);
            continue;
        }
        push_chars(&mut out, &w[..core_start]);
        out.push(&w[core_start..core_end]);
        push_chars(&mut out, &w[core_end..]);
    }
    out
}

/// The word-level Levenshtein distance between `a` and `b` (insertions, deletions and
/// substitutions of [`word_tokens`], each costing 1).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (ta, tb) = (word_tokens(a), word_tokens(b));
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut id_of = |t| {
        let n = ids.len() as u32;
        *ids.entry(t).or_insert(n)
    };
    let a: Vec<u32> = ta.iter().map(|t| id_of(*t)).collect();
    let b: Vec<u32> = tb.iter().map(|t| id_of(*t)).collect();
    // Common prefix and suffix cost nothing.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len());
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(x != y);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A drafted piece, as the harness sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimDraft {
    /// The stored item.
    pub id: ContentId,
    /// Its type (the reviewer's preferences depend on it).
    pub content_type: ContentType,
    /// The text to review.
    pub text: String,
}

/// What the harness drives: anything that drafts, records a reviewer's edit, and learns.
///
/// The example `learn_simulate` implements it over the in-memory store, the extractive generator
/// and the edit miner; the engine can implement it over its real review path.
#[async_trait]
pub trait SimTarget: Send {
    /// Drafts the piece of round `round` (0-based).
    async fn draft(&mut self, round: usize) -> Result<SimDraft>;
    /// Records the reviewer's edited text of `draft` (only called when it differs).
    async fn submit_edit(&mut self, draft: &SimDraft, edited: &str) -> Result<()>;
    /// Learns from what was recorded so far (called after every round).
    async fn learn(&mut self) -> Result<()>;
}

/// Runs `rounds` rounds of `target` against `reviewer` and returns each round's cost.
pub async fn run_rounds<T: SimTarget + ?Sized>(target: &mut T, reviewer: &SimulatedReviewer, rounds: usize) -> Result<Vec<usize>> {
    let mut costs = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let draft = target.draft(round).await?;
        let edited = reviewer.edit(draft.content_type, &draft.text);
        costs.push(edit_distance(&draft.text, &edited));
        if edited != draft.text {
            target.submit_edit(&draft, &edited).await?;
        }
        target.learn().await?;
    }
    Ok(costs)
}

/// The cost of an arm, summed over the rounds and averaged over the seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    /// Mean over seeds of the summed cost.
    pub cumulative_cost: f64,
}

/// The cost of the learning arm, with its first and last 20 rounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearningSummary {
    /// Mean over seeds of the summed cost.
    pub cumulative_cost: f64,
    /// Mean cost per round over the first 20 rounds (all seeds).
    pub first_20_mean: f64,
    /// Mean cost per round over the last 20 rounds (all seeds).
    pub last_20_mean: f64,
}

/// The report of a simulation: the JSON `growth learn simulate --json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimReport {
    /// Rounds per seed.
    pub rounds: usize,
    /// Seeds run.
    pub seeds: usize,
    /// Drafts never change.
    pub no_learning: CostSummary,
    /// Drafts pass through the rules mined so far.
    pub learning: LearningSummary,
    /// Drafts pass through the exact preferences.
    pub oracle: CostSummary,
    /// `1 − learning / no_learning` (0 when no learning costs nothing).
    pub reduction: f64,
}

impl SimReport {
    /// Summarises per-seed, per-round costs of the three arms. `InvalidInput` when the arms do not
    /// all have `rounds` costs for the same number of seeds (at least one).
    pub fn from_costs(no_learning: &[Vec<usize>], learning: &[Vec<usize>], oracle: &[Vec<usize>]) -> Result<Self> {
        let seeds = learning.len();
        let rounds = learning.first().map_or(0, Vec::len);
        let ok = |arm: &[Vec<usize>]| arm.len() == seeds && arm.iter().all(|c| c.len() == rounds);
        if seeds == 0 || !ok(no_learning) || !ok(learning) || !ok(oracle) {
            return Err(Error::invalid("every arm needs the same number of seeds (at least one), each with the same number of rounds"));
        }
        let cumulative = |arm: &[Vec<usize>]| arm.iter().map(|c| c.iter().sum::<usize>() as f64).sum::<f64>() / seeds as f64;
        let window_mean = |arm: &[Vec<usize>], from: usize, to: usize| {
            let n = (to - from) * seeds;
            if n == 0 { 0.0 } else { arm.iter().map(|c| c[from..to].iter().sum::<usize>() as f64).sum::<f64>() / n as f64 }
        };
        let w = rounds.min(20);
        let (no, learned) = (cumulative(no_learning), cumulative(learning));
        Ok(Self {
            rounds,
            seeds,
            no_learning: CostSummary { cumulative_cost: no },
            learning: LearningSummary {
                cumulative_cost: learned,
                first_20_mean: window_mean(learning, 0, w),
                last_20_mean: window_mean(learning, rounds - w, rounds),
            },
            oracle: CostSummary { cumulative_cost: cumulative(oracle) },
            reduction: if no > 0.0 { 1.0 - learned / no } else { 0.0 },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefs() -> Preferences {
        let mut p = Preferences {
            default: TypePreferences {
                delete: vec!["really".into()],
                replace: vec![Replace { from: "gonna".into(), to: "going to".into() }],
                no_emoji: Some(true),
                ..TypePreferences::default()
            },
            ..Preferences::default()
        };
        p.types
            .insert(ContentType::Newsletter, TypePreferences { delete: vec!["kind of".into()], max_words: Some(40), ..Default::default() });
        p
    }

    #[test]
    fn type_tables_add_to_the_default_table() {
        let p = prefs();
        let n = p.for_type(ContentType::Newsletter);
        assert_eq!(n.delete, vec!["really".to_owned(), "kind of".to_owned()]);
        assert_eq!((n.max_words, n.no_emoji), (Some(40), Some(true)));
        assert_eq!(p.for_type(ContentType::BlogPost).max_words, None);
        assert_eq!(p.content_types(), vec![ContentType::Newsletter]);
    }

    #[test]
    fn preferences_read_from_json_like_the_toml_file_and_unknown_keys_are_refused() {
        let json = r#"{"name": "x", "default": {"delete": ["really"]}, "linkedin_post": {"max_words": 150, "no_hashtags": true}}"#;
        let p: Preferences = serde_json::from_str(json).unwrap();
        assert_eq!(p.content_types(), vec![ContentType::LinkedinPost]);
        assert_eq!(p.for_type(ContentType::LinkedinPost).max_words, Some(150));
        assert!(serde_json::from_str::<Preferences>(r#"{"tiktok": {}}"#).is_err());
        assert!(serde_json::from_str::<Preferences>(r#"{"default": {"max_word": 3}}"#).is_err());
        let bad: Preferences = serde_json::from_str(r#"{"default": {"max_words": 3}}"#).unwrap();
        assert!(SimulatedReviewer::new(&bad).is_err());
    }

    #[test]
    fn the_reviewer_edits_per_type_and_leaves_what_meets_its_preferences() {
        let r = SimulatedReviewer::new(&prefs()).unwrap();
        let draft = "We're really gonna grow 🚀 kind of fast.";
        assert_eq!(r.edit(ContentType::LinkedinPost, draft), "We're going to grow kind of fast.");
        assert_eq!(r.edit(ContentType::Newsletter, draft), "We're going to grow fast.");
        let clean = r.edit(ContentType::Newsletter, draft);
        assert_eq!(r.edit(ContentType::Newsletter, &clean), clean);
    }

    #[test]
    fn tokens_split_punctuation_and_distance_counts_word_edits() {
        assert_eq!(word_tokens("\"Hello, world!\" — ok"), vec!["\"", "Hello", ",", "world", "!", "\"", "—", "ok"]);
        assert_eq!(edit_distance("a b c", "a b c"), 0);
        assert_eq!(edit_distance("We really grew.", "We grew."), 1);
        assert_eq!(edit_distance("one two three", "one 2 three four"), 2);
        assert_eq!(edit_distance("", "a b"), 2);
        assert_eq!(edit_distance("kitten sitting on", "sitting kitten on"), 2);
    }

    #[test]
    fn the_report_sums_per_seed_and_averages_the_windows() {
        let flat = |c: usize, n: usize| vec![c; n];
        let learning: Vec<Vec<usize>> = vec![(0..60).map(|r| if r < 20 { 10 } else { 1 }).collect(), flat(2, 60)];
        let r = SimReport::from_costs(&[flat(10, 60), flat(10, 60)], &learning, &[flat(0, 60), flat(0, 60)]).unwrap();
        assert_eq!((r.rounds, r.seeds), (60, 2));
        assert_eq!(r.no_learning.cumulative_cost, 600.0);
        assert_eq!(r.learning.cumulative_cost, (240.0 + 120.0) / 2.0);
        assert_eq!(r.learning.first_20_mean, 6.0);
        assert_eq!(r.learning.last_20_mean, 1.5);
        assert!((r.reduction - 0.7).abs() < 1e-12);
        let json = serde_json::to_value(&r).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, vec!["learning", "no_learning", "oracle", "reduction", "rounds", "seeds"]);
        assert!(SimReport::from_costs(&[flat(1, 3)], &[flat(1, 4)], &[flat(1, 4)]).is_err());
    }
}
