//! [`mine_rules`]: repeated patterns in reviewers' saves become proposed [`Rule`]s.
//!
//! # What is mined
//!
//! Over a set of [`EditEvent`]s (one per reviewer save: text before, text after, recorded spans):
//!
//! | rule | evidence in one save | value |
//! |---|---|---|
//! | banned phrase | a span whose only difference (once the words both sides share at its ends are set aside, case and punctuation ignored) is that 1–4 words are gone; every n-gram of those words is a candidate | the phrase |
//! | replacement | the same, with other words in their place (after taking out banned phrases that were deleted alongside) | `from → to` |
//! | max words | the save removed at least `min_cut_share` of the words | the most words any such save kept |
//! | no emoji / hashtags / numbered lists | the text before had some, the text after has none | – |
//! | paragraph length | two sentences that shared a paragraph before are in consecutive paragraphs after | the most sentences any paragraph kept |
//! | closing line | the last paragraph changed into a text seen in other saves | that text |
//! | first-line length | the first line was cut (its words after are a prefix of its words before) | the longest first line kept |
//! | hook / closing rewrite | the first line or last paragraph was rewritten (less than half its words kept) without a mechanical pattern | a prompt rule quoting two rewrites |
//!
//! A pattern becomes a rule when it was seen in at least [`MiningConfig::min_support`] saves (3 by
//! default) and its **confidence** is at least [`MiningConfig::min_confidence`] (0.8): for a
//! phrase or a replacement, the share of the saves whose text before held it whose text after
//! holds it no more (a reviewer who keeps a phrase half the time has not banned it); for
//! formatting, the share of the saves that had it that removed it; for caps, the share of all
//! saves of the type whose text after is within the cap; for a closing line, the share of the saves
//! (of texts with more than one paragraph) that end with it.
//!
//! Rules are mined per content type. A phrase, replacement or formatting rule that holds in every
//! type it was seen in, and was seen in at least two, becomes one rule for all types instead.
//! Among phrases, a shorter one seen (almost) only inside a longer one gives way to it (`kind of`
//! rather than `kind`), and a longer one made of accepted shorter ones gives way to them.
//!
//! # Cost
//!
//! One pass over the spans (n-grams of small spans only), one pass over the texts for the
//! features (words, first line, last paragraph, emoji, hashtags, lists, paragraphs), and one
//! Aho-Corasick pass over the texts for the candidates' counts. 100,000 recorded spans in 25,000
//! saves mine in well under the 2 s budget (see `benches/learn.rs`).

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::edits::{EXPOSITION_WORDS, EditEvent};
use super::rules::{Rule, RuleKind, type_plural};
use super::text;
use crate::domain::{ContentType, EditId, EditSection, EditType};
use crate::{Error, Result};

/// The longest phrase mined (words).
pub const MAX_PHRASE_WORDS: usize = 4;

/// Thresholds of [`mine_rules`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MiningConfig {
    /// Saves a pattern must be seen in (default 3).
    pub min_support: usize,
    /// Confidence a pattern must reach, 0–1 (default 0.8; see the [module docs](self)).
    pub min_confidence: f64,
    /// Longest phrase mined, 1–4 words (default 4).
    pub max_phrase_words: usize,
    /// Spans removing or changing more words than this (default 6) are cuts or rewrites, not
    /// phrase edits.
    pub max_span_words: usize,
    /// Share of the words a save must remove to count as a length cut (default 0.1).
    pub min_cut_share: f64,
    /// Most edit ids kept as a rule's provenance (default 50; `support` counts them all).
    pub max_provenance: usize,
}

impl Default for MiningConfig {
    fn default() -> Self {
        Self {
            min_support: 3,
            min_confidence: 0.8,
            max_phrase_words: MAX_PHRASE_WORDS,
            max_span_words: 6,
            min_cut_share: 0.1,
            max_provenance: 50,
        }
    }
}

impl MiningConfig {
    /// Checks the thresholds.
    pub fn validate(&self) -> Result<()> {
        if self.min_support == 0 {
            return Err(Error::invalid_field("min_support", "must be at least 1"));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(Error::invalid_field("min_confidence", "must be within 0–1"));
        }
        if !(1..=MAX_PHRASE_WORDS).contains(&self.max_phrase_words) {
            return Err(Error::invalid_field("max_phrase_words", format!("must be within 1–{MAX_PHRASE_WORDS}")));
        }
        if !(0.0..1.0).contains(&self.min_cut_share) {
            return Err(Error::invalid_field("min_cut_share", "must be within 0–1 (exclusive)"));
        }
        Ok(())
    }
}

const TYPES: usize = 5;

fn type_index(t: ContentType) -> usize {
    ContentType::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

/// An n-gram of interned word ids (0 pads).
type Gram = [u32; MAX_PHRASE_WORDS];

#[derive(Default)]
struct Vocab {
    ids: HashMap<String, u32>,
    words: Vec<String>,
}

impl Vocab {
    /// The id of `w` lower-cased (allocating only when it has capitals or is new).
    fn id_lower(&mut self, w: &str) -> u32 {
        if w.chars().any(char::is_uppercase) { self.id(&w.to_lowercase()) } else { self.id(w) }
    }

    fn id(&mut self, w: &str) -> u32 {
        if let Some(&id) = self.ids.get(w) {
            return id;
        }
        self.words.push(w.to_owned());
        let id = self.words.len() as u32;
        self.ids.insert(w.to_owned(), id);
        id
    }

    fn text(&self, gram: &[u32]) -> String {
        let word = |i: u32| {
            let w = self.words[i as usize - 1].as_str();
            // The pronoun is written with a capital (`I think`, `I'm`); matching ignores case anyway.
            if w == "i" || w.starts_with("i'") || w.starts_with("i’") { format!("I{}", &w[1..]) } else { w.to_owned() }
        };
        gram.iter().filter(|&&i| i > 0).map(|&i| word(i)).collect::<Vec<_>>().join(" ")
    }
}

/// Evidence for one candidate: the saves (event indices, each once) and the spans behind it.
#[derive(Default)]
struct Evidence {
    events: Vec<u32>,
    edits: Vec<EditId>,
}

impl Evidence {
    fn add(&mut self, event: u32, edit: EditId, cap: usize) {
        if self.events.last() != Some(&event) {
            self.events.push(event);
        }
        if self.edits.len() < cap && self.edits.last() != Some(&edit) {
            self.edits.push(edit);
        }
    }

    fn support_by_type(&self, events: &[EditEvent]) -> [usize; TYPES] {
        let mut out = [0; TYPES];
        for &e in &self.events {
            out[type_index(events[e as usize].content_type)] += 1;
        }
        out
    }
}

/// The words a span changed once the words both sides share at its ends are set aside:
/// (removed ids, inserted raw tokens, inserted ids).
struct Residual {
    event: u32,
    edit: EditId,
    removed: Vec<u32>,
    inserted_raw: Vec<String>,
    inserted: Vec<u32>,
    removed_capitalised: bool,
}

fn residual(vocab: &mut Vocab, original: &str, edited: &str) -> (Vec<u32>, Vec<String>, Vec<u32>, bool) {
    // Formatting tokens (list markers, hashtags, emoji) are the formatting rules' business.
    let (o, e) = (text::content_tokens(original), text::content_tokens(edited));
    let prefix = o.iter().zip(&e).take_while(|(a, b)| text::same_word(a, b)).count();
    let suffix = o[prefix..].iter().rev().zip(e[prefix..].iter().rev()).take_while(|(a, b)| text::same_word(a, b)).count();
    let mut o: Vec<&str> = o[prefix..o.len() - suffix].to_vec();
    let mut e: Vec<&str> = e[prefix..e.len() - suffix].to_vec();
    // Inside a compound token, only the changed part counts (`356-ml-startups` → `356-ml-companies`
    // is `startups` → `companies`).
    if let (Some(a), Some(b)) = (o.first_mut(), e.first_mut()) {
        let common = common_prefix_to_boundary(a, b);
        *a = &a[common..];
        *b = &b[common..];
    }
    if let (Some(a), Some(b)) = (o.last_mut(), e.last_mut()) {
        let common = common_suffix_to_boundary(a, b);
        *a = &a[..a.len() - common];
        *b = &b[..b.len() - common];
    }
    o.retain(|t| !t.is_empty());
    e.retain(|t| !t.is_empty());
    let capitalised = prefix == 0 && o.first().is_some_and(|raw| raw.chars().next().is_some_and(char::is_uppercase));
    (
        o.iter().map(|t| vocab.id_lower(t)).collect(),
        e.iter().map(|t| (*t).to_owned()).collect(),
        e.iter().map(|t| vocab.id_lower(t)).collect(),
        capitalised,
    )
}

/// Bytes of the longest common prefix of `a` and `b` that ends right after a non-word char.
fn common_prefix_to_boundary(a: &str, b: &str) -> usize {
    let mut cut = 0;
    for ((i, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            break;
        }
        if !text::is_word_char(x) {
            cut = i + x.len_utf8();
        }
    }
    if cut == a.len() || cut == b.len() { 0 } else { cut }
}

/// Bytes of the longest common suffix of `a` and `b` that starts right before a non-word char.
fn common_suffix_to_boundary(a: &str, b: &str) -> usize {
    let mut cut = 0;
    let mut len = 0;
    for (x, y) in a.chars().rev().zip(b.chars().rev()) {
        if x != y {
            break;
        }
        len += x.len_utf8();
        if !text::is_word_char(x) {
            cut = len;
        }
    }
    if cut == a.len() || cut == b.len() { 0 } else { cut }
}

fn grams(words: &[u32], max_n: usize, mut f: impl FnMut(Gram)) {
    for n in 1..=max_n.min(words.len()) {
        for w in words.windows(n) {
            let mut g = [0u32; MAX_PHRASE_WORDS];
            g[..n].copy_from_slice(w);
            f(g);
        }
    }
}

fn gram_len(g: &Gram) -> usize {
    g.iter().take_while(|&&i| i > 0).count()
}

/// Whether `small` occurs contiguously inside `big`.
fn contains(big: &Gram, small: &Gram) -> bool {
    let (b, s) = (&big[..gram_len(big)], &small[..gram_len(small)]);
    s.len() < b.len() && b.windows(s.len()).any(|w| w == s)
}

/// Per-save facts about one text.
#[derive(Clone, Debug, Default)]
struct Features {
    words: usize,
    first_line: String,
    last_paragraph: Option<String>,
    emoji: bool,
    hashtags: bool,
    lists: bool,
    max_sentences: usize,
}

fn features(t: &str) -> Features {
    let paras = text::paragraph_spans(t);
    let max_sentences = paras
        .iter()
        .map(|[s, e]| &t[*s..*e])
        .filter(|p| text::is_prose(p) && !p.contains('\n'))
        .map(|p| text::sentence_spans(p).len())
        .max()
        .unwrap_or(0);
    Features {
        words: text::word_count(t),
        first_line: text::first_line(t).to_owned(),
        last_paragraph: (paras.len() > 1).then(|| paras.last().map(|[s, e]| text::squash_whitespace(&t[*s..*e]))).flatten(),
        emoji: text::has_emoji(t),
        hashtags: text::has_hashtag(t),
        lists: text::has_numbered_list(t),
        max_sentences,
    }
}

/// Whether a save moved two sentences that shared a paragraph into consecutive paragraphs.
fn split_paragraphs(before: &str, after: &str) -> bool {
    let mut where_after: HashMap<String, (usize, usize)> = HashMap::new();
    let mut ordinal = 0;
    for (pi, [s, e]) in text::paragraph_spans(after).into_iter().enumerate() {
        for sentence in text::sentences(&after[s..e]) {
            where_after.insert(text::squash_whitespace(sentence), (pi, ordinal));
            ordinal += 1;
        }
    }
    text::paragraphs(before).into_iter().filter(|p| text::is_prose(p)).any(|p| {
        let s = text::sentences(p);
        s.windows(2).any(|w| match (where_after.get(&text::squash_whitespace(w[0])), where_after.get(&text::squash_whitespace(w[1]))) {
            (Some(a), Some(b)) => b.1 == a.1 + 1 && b.0 == a.0 + 1,
            _ => false,
        })
    })
}

/// Whether the words of `after` are a proper prefix of the words of `before`.
fn is_truncation(before: &str, after: &str) -> bool {
    let (b, a) = (text::content_words(before), text::content_words(after));
    !a.is_empty() && a.len() < b.len() && b.starts_with(&a)
}

fn jaccard_words(a: &str, b: &str) -> f64 {
    let (a, b): (std::collections::HashSet<String>, std::collections::HashSet<String>) =
        (text::content_words(a).into_iter().collect(), text::content_words(b).into_iter().collect());
    let union = a.union(&b).count();
    if union == 0 { 1.0 } else { a.intersection(&b).count() as f64 / union as f64 }
}

/// Whether the words of `part` appear, in order and side by side, among the words of `whole`.
fn contains_words(whole: &str, part: &str) -> bool {
    let (w, p) = (text::content_tokens(whole), text::content_tokens(part));
    !p.is_empty() && w.windows(p.len()).any(|x| x.iter().zip(&p).all(|(a, b)| text::same_word(a, b)))
}

/// Counts per candidate phrase, per type: saves whose text before held it, and of those, saves
/// whose text after holds it no more.
struct PhraseCounts {
    shown: Vec<[usize; TYPES]>,
    gone: Vec<[usize; TYPES]>,
}

fn count_phrases(events: &[EditEvent], phrases: &[String]) -> Result<PhraseCounts> {
    let mut counts = PhraseCounts { shown: vec![[0; TYPES]; phrases.len()], gone: vec![[0; TYPES]; phrases.len()] };
    if phrases.is_empty() {
        return Ok(counts);
    }
    let ac = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(phrases)
        .map_err(|e| Error::internal("building the phrase automaton", e))?;
    let mut before = vec![0u32; phrases.len()];
    let mut touched: Vec<usize> = Vec::new();
    for ev in events {
        let t = type_index(ev.content_type);
        for m in ac.find_overlapping_iter(&ev.before) {
            if text::boundary_before(&ev.before, m.start()) && text::boundary_after(&ev.before, m.end()) {
                let p = m.pattern().as_usize();
                if before[p] == 0 {
                    touched.push(p);
                }
                before[p] += 1;
            }
        }
        if touched.is_empty() {
            continue;
        }
        let mut after_has = vec![false; 0];
        after_has.resize(phrases.len(), false);
        for m in ac.find_overlapping_iter(&ev.after) {
            let p = m.pattern().as_usize();
            if before[p] > 0 && text::boundary_before(&ev.after, m.start()) && text::boundary_after(&ev.after, m.end()) {
                after_has[p] = true;
            }
        }
        for &p in &touched {
            counts.shown[p][t] += 1;
            if !after_has[p] {
                counts.gone[p][t] += 1;
            }
            before[p] = 0;
        }
        touched.clear();
    }
    Ok(counts)
}

/// Where a rule holds (`None`: every type), its support and its confidence.
type Scope = (Option<ContentType>, usize, f64);

/// Where a candidate holds: for every type (`None`) or for these types.
fn scopes(
    support: [usize; TYPES],
    shown: [usize; TYPES],
    gone: [usize; TYPES],
    config: &MiningConfig,
) -> Vec<(Option<ContentType>, usize, f64)> {
    let conf = |g: usize, s: usize| if s == 0 { 0.0 } else { g as f64 / s as f64 };
    let holds = |t: usize| support[t] >= config.min_support && conf(gone[t], shown[t]) >= config.min_confidence;
    let (sup, sh, go): (usize, usize, usize) = (support.iter().sum(), shown.iter().sum(), gone.iter().sum());
    let seen_types: Vec<usize> = (0..TYPES).filter(|&t| shown[t] > 0 || support[t] > 0).collect();
    let consistent = seen_types.iter().all(|&t| shown[t] == 0 || conf(gone[t], shown[t]) >= config.min_confidence);
    if seen_types.len() >= 2 && consistent && sup >= config.min_support && conf(go, sh) >= config.min_confidence {
        return vec![(None, sup, conf(go, sh))];
    }
    (0..TYPES).filter(|&t| holds(t)).map(|t| (Some(ContentType::ALL[t]), support[t], conf(gone[t], shown[t]))).collect()
}

/// Mines proposed rules from `events` (see the [module docs](self)). The rules are new lineages
/// in status `proposed`; merge them into a [`RuleBook`](super::RuleBook) with
/// [`propose`](super::RuleBook::propose), which drops what is already known.
pub fn mine_rules(events: &[EditEvent], config: &MiningConfig, now: DateTime<Utc>) -> Result<Vec<Rule>> {
    config.validate()?;
    let mut rules = Vec::new();
    let cap = config.max_provenance;

    let feats: Vec<(Features, Features)> = events.iter().map(|e| (features(&e.before), features(&e.after))).collect();

    // 1. Span residuals: deletions (n-grams) and changes. Spans of a rewritten closing paragraph
    // or a cut first line are explained by those, not by phrases.
    let mut vocab = Vocab::default();
    let mut deleted: HashMap<Gram, Evidence> = HashMap::new();
    let mut changes: Vec<Residual> = Vec::new();
    for (i, ev) in events.iter().enumerate() {
        let (b, a) = &feats[i];
        let closing_rewritten = match (&b.last_paragraph, &a.last_paragraph) {
            (Some(x), Some(y)) => x != y && jaccard_words(x, y) < 0.5,
            _ => false,
        };
        let hook_cut = b.first_line != a.first_line
            && (is_truncation(&b.first_line, &a.first_line) || jaccard_words(&b.first_line, &a.first_line) < 0.5);
        let explained =
            |s: EditSection| s == EditSection::Title || s == EditSection::Cta && closing_rewritten || s == EditSection::Hook && hook_cut;
        for e in ev.edits.iter().filter(|e| !explained(e.section)) {
            if e.original_text.split_whitespace().count() > config.max_span_words * 3 {
                continue;
            }
            let (removed, inserted_raw, inserted, capitalised) = residual(&mut vocab, &e.original_text, &e.edited_text);
            if removed.is_empty() || removed.len() > config.max_span_words || inserted.len() > config.max_span_words {
                continue;
            }
            if inserted.is_empty() {
                grams(&removed, config.max_phrase_words, |g| deleted.entry(g).or_default().add(i as u32, e.id, cap));
            } else {
                changes.push(Residual { event: i as u32, edit: e.id, removed, inserted_raw, inserted, removed_capitalised: capitalised });
            }
        }
    }

    // 2. Banned phrases.
    let mut cands: Vec<(Gram, Evidence)> = deleted.into_iter().filter(|(_, ev)| ev.events.len() >= config.min_support).collect();
    cands.sort_by_key(|c| c.0);
    let phrases: Vec<String> = cands.iter().map(|(g, _)| vocab.text(g)).collect();
    let counts = count_phrases(events, &phrases)?;
    let mut accepted: Vec<(Gram, Vec<Scope>, usize)> = Vec::new();
    for (i, (g, ev)) in cands.iter().enumerate() {
        let s = scopes(ev.support_by_type(events), counts.shown[i], counts.gone[i], config);
        if !s.is_empty() {
            accepted.push((*g, s, i));
        }
    }
    let support_of = |i: usize| cands[i].1.events.len();
    let mut keep = vec![true; accepted.len()];
    for a in 0..accepted.len() {
        for b in 0..accepted.len() {
            // A shorter phrase seen almost only inside a longer one gives way to it.
            if a != b && contains(&accepted[b].0, &accepted[a].0) && support_of(accepted[a].2) * 4 <= support_of(accepted[b].2) * 5 {
                keep[a] = false;
            }
        }
    }
    for a in 0..accepted.len() {
        // A longer phrase whose every word is covered by kept shorter phrases gives way to them.
        let g = &accepted[a].0;
        let n = gram_len(g);
        let mut covered = vec![false; n];
        for b in 0..accepted.len() {
            if a == b || !keep[b] || !contains(g, &accepted[b].0) {
                continue;
            }
            let s = &accepted[b].0[..gram_len(&accepted[b].0)];
            for start in 0..=n - s.len() {
                if &g[start..start + s.len()] == s {
                    covered[start..start + s.len()].iter_mut().for_each(|c| *c = true);
                }
            }
        }
        if covered.iter().all(|c| *c) {
            keep[a] = false;
        }
    }
    // The same words in another order (`I guess` / `guess I`, an artefact of where the diff put
    // a repeated word): the form seen more often wins.
    let weight =
        |k: usize| (counts.shown[accepted[k].2].iter().sum::<usize>(), support_of(accepted[k].2), std::cmp::Reverse(accepted[k].0));
    let sorted: Vec<Gram> = accepted
        .iter()
        .map(|(g, ..)| {
            let mut w = *g;
            w.sort_unstable();
            w
        })
        .collect();
    for a in 0..accepted.len() {
        if (0..accepted.len()).any(|b| a != b && sorted[a] == sorted[b] && weight(b) > weight(a)) {
            keep[a] = false;
        }
    }
    let mut banned: Vec<Vec<u32>> = Vec::new();
    for (k, (g, scopes, i)) in accepted.iter().enumerate() {
        if !keep[k] {
            continue;
        }
        banned.push(g[..gram_len(g)].to_vec());
        for (t, support, confidence) in scopes {
            let provenance = cands[*i].1.edits.clone();
            rules.push(Rule::proposed(*t, RuleKind::BannedPhrase { phrase: phrases[*i].clone() }, *support, *confidence, provenance, now));
        }
    }

    // 3. Replacements, with banned phrases deleted alongside taken out.
    let mut replaced: HashMap<(Vec<u32>, Vec<u32>), (Evidence, String)> = HashMap::new();
    for c in &changes {
        let mut removed = c.removed.clone();
        for b in &banned {
            while let Some(pos) = removed.windows(b.len()).position(|w| w == b.as_slice()) {
                removed.drain(pos..pos + b.len());
            }
        }
        // Re-align: the inserted side may share ends with what is left.
        let prefix = removed.iter().zip(&c.inserted).take_while(|(a, b)| a == b).count();
        let suffix = removed[prefix..].iter().rev().zip(c.inserted[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
        let from = removed[prefix..removed.len() - suffix].to_vec();
        let to_ids = c.inserted[prefix..c.inserted.len() - suffix].to_vec();
        if from.is_empty() || to_ids.is_empty() || from.len() > config.max_phrase_words || to_ids.len() > config.max_phrase_words {
            continue;
        }
        let mut to = c.inserted_raw[prefix..c.inserted.len() - suffix].join(" ");
        if c.removed_capitalised && prefix == 0 {
            // Capitalised only because it started a sentence: store the plain form.
            let mut ch = to.chars();
            if let Some(f) = ch.next() {
                let rest: String = ch.collect();
                if rest.chars().next().is_none_or(|r| !r.is_uppercase()) {
                    to = f.to_lowercase().chain(rest.chars()).collect();
                }
            }
        }
        let entry = replaced.entry((from, to_ids)).or_insert_with(|| (Evidence::default(), to));
        entry.0.add(c.event, c.edit, cap);
    }
    // The best `to` per `from`.
    let mut best: HashMap<Vec<u32>, (Vec<u32>, Evidence, String)> = HashMap::new();
    for ((from, to_ids), (ev, to)) in replaced {
        if ev.events.len() < config.min_support {
            continue;
        }
        let better =
            best.get(&from).is_none_or(|(t, e, _)| (ev.events.len(), std::cmp::Reverse(&to_ids)) > (e.events.len(), std::cmp::Reverse(t)));
        if better {
            best.insert(from, (to_ids, ev, to));
        }
    }
    let mut best: Vec<_> = best.into_iter().collect();
    best.sort_by(|a, b| a.0.cmp(&b.0));
    let froms: Vec<String> = best.iter().map(|(f, _)| vocab.text(f)).collect();
    let counts = count_phrases(events, &froms)?;
    for (i, (_, (_, ev, to))) in best.iter().enumerate() {
        for (t, support, confidence) in scopes(ev.support_by_type(events), counts.shown[i], counts.gone[i], config) {
            let kind = RuleKind::Replacement { from: froms[i].clone(), to: to.clone() };
            rules.push(Rule::proposed(t, kind, support, confidence, ev.edits.clone(), now));
        }
    }

    // 4. Whole-text patterns, per type.
    let mut by_type: [Vec<usize>; TYPES] = Default::default();
    for (i, e) in events.iter().enumerate() {
        by_type[type_index(e.content_type)].push(i);
    }
    let span_ids = |idx: &[usize], pick: &dyn Fn(&crate::domain::ContentEdit) -> bool| -> Vec<EditId> {
        idx.iter().flat_map(|&i| events[i].edits.iter().filter(|e| pick(e)).map(|e| e.id)).take(cap).collect()
    };

    // Formatting, with the same for-all-types promotion as phrases.
    type Pick = fn(&Features) -> bool;
    let formats: [(RuleKind, Pick); 3] =
        [(RuleKind::NoEmoji, |f| f.emoji), (RuleKind::NoHashtags, |f| f.hashtags), (RuleKind::NoNumberedLists, |f| f.lists)];
    for (kind, has) in formats {
        let (mut shown, mut gone) = ([0usize; TYPES], [0usize; TYPES]);
        let mut removed_in: Vec<usize> = Vec::new();
        for (i, (b, a)) in feats.iter().enumerate() {
            if has(b) {
                let t = type_index(events[i].content_type);
                shown[t] += 1;
                if !has(a) {
                    gone[t] += 1;
                    removed_in.push(i);
                }
            }
        }
        for (t, support, confidence) in scopes(gone, shown, gone, config) {
            let idx: Vec<usize> = removed_in.iter().copied().filter(|&i| t.is_none_or(|t| events[i].content_type == t)).collect();
            let provenance = span_ids(&idx, &|e| super::edits::classify(&to_span(e), None) == super::EditCategory::StructureFormatting);
            rules.push(Rule::proposed(t, kind.clone(), support, confidence, provenance, now));
        }
    }

    for (ti, idx) in by_type.iter().enumerate() {
        if idx.len() < config.min_support {
            continue;
        }
        let t = ContentType::ALL[ti];
        let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };

        // Word cap.
        let cuts: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| (feats[i].1.words as f64) <= feats[i].0.words as f64 * (1.0 - config.min_cut_share) && feats[i].0.words > 0)
            .collect();
        if cuts.len() >= config.min_support {
            let max = cuts.iter().map(|&i| feats[i].1.words).max().unwrap_or(0);
            let within = idx.iter().filter(|&&i| feats[i].1.words <= max).count();
            let confidence = share(within, idx.len());
            if confidence >= config.min_confidence && max >= 10 {
                let provenance =
                    span_ids(&cuts, &|e| e.edit_type == EditType::Deletion && text::word_count(&e.original_text) >= EXPOSITION_WORDS);
                rules.push(Rule::proposed(Some(t), RuleKind::MaxWords { max }, cuts.len(), confidence, provenance, now));
            }
        }

        // Paragraph length.
        let splits: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| feats[i].0.max_sentences > feats[i].1.max_sentences && split_paragraphs(&events[i].before, &events[i].after))
            .collect();
        if splits.len() >= config.min_support {
            let max = splits.iter().map(|&i| feats[i].1.max_sentences).max().unwrap_or(1).max(1);
            let confidence = share(idx.iter().filter(|&&i| feats[i].1.max_sentences <= max).count(), idx.len());
            if confidence >= config.min_confidence {
                let provenance = span_ids(&splits, &|_| true);
                rules.push(Rule::proposed(Some(t), RuleKind::MaxSentencesPerParagraph { max }, splits.len(), confidence, provenance, now));
            }
        }

        // Closing line: new text in place of the old close — not the old close edited by the
        // phrase and formatting rules mined above, nor text moved up by a cut.
        let explaining: Vec<Rule> = rules
            .iter()
            .filter(|r| r.applies_to(t) && r.kind.category() != super::EditCategory::UnnecessaryExposition)
            .map(|r| Rule { status: super::RuleStatus::Active, ..r.clone() })
            .collect();
        let mut closings: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut edited_closes: HashMap<&str, String> = HashMap::new();
        let with_close: Vec<usize> = idx.iter().copied().filter(|&i| feats[i].1.last_paragraph.is_some()).collect();
        for &i in &with_close {
            let (b, a) = (&feats[i].0, &feats[i].1);
            let (Some(before), Some(after)) = (b.last_paragraph.as_deref(), a.last_paragraph.as_deref()) else { continue };
            if before == after {
                continue;
            }
            // Closes repeat (a generator's call to action): edit each distinct one once.
            let by_rules =
                edited_closes.entry(before).or_insert_with(|| text::squash_whitespace(&super::apply_rules(before, t, &explaining)));
            if by_rules != after && !contains_words(&events[i].before, after) {
                closings.entry(after).or_default().push(i);
            }
        }
        let mut closing_rule = false;
        if let Some((text_after, changed)) = closings.iter().max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
            && changed.len() >= config.min_support
        {
            let ending = with_close.iter().filter(|&&i| feats[i].1.last_paragraph.as_deref() == Some(*text_after)).count();
            let confidence = share(ending, with_close.len());
            if confidence >= config.min_confidence {
                closing_rule = true;
                let provenance = span_ids(changed, &|e| e.section == EditSection::Cta);
                let kind = RuleKind::ClosingLine { text: (*text_after).to_owned() };
                rules.push(Rule::proposed(Some(t), kind, changed.len(), confidence, provenance, now));
            }
        }

        // First-line cap.
        let hook_cuts: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| {
                let (b, a) = (&feats[i].0.first_line, &feats[i].1.first_line);
                a.chars().count() < b.chars().count() && is_truncation(b, a)
            })
            .collect();
        let mut hook_rule = false;
        if hook_cuts.len() >= config.min_support {
            let max = hook_cuts.iter().map(|&i| feats[i].1.first_line.chars().count()).max().unwrap_or(0);
            let confidence = share(idx.iter().filter(|&&i| feats[i].1.first_line.chars().count() <= max).count(), idx.len());
            if confidence >= config.min_confidence && max >= 20 {
                hook_rule = true;
                let provenance = span_ids(&hook_cuts, &|e| e.section == EditSection::Hook);
                rules.push(Rule::proposed(Some(t), RuleKind::MaxFirstLineChars { max }, hook_cuts.len(), confidence, provenance, now));
            }
        }

        // Rewrites with no mechanical pattern: prompt rules quoting two of them.
        let rewrites = |get: &dyn Fn(&Features) -> Option<&str>| -> Vec<usize> {
            idx.iter()
                .copied()
                .filter(|&i| match (get(&feats[i].0), get(&feats[i].1)) {
                    (Some(b), Some(a)) => b != a && jaccard_words(b, a) < 0.5 && !contains_words(&events[i].before, a),
                    _ => false,
                })
                .collect()
        };
        let mut prompt_rule = |changed: Vec<usize>, get: &dyn Fn(&Features) -> Option<&str>, what: &str, section: EditSection| {
            if changed.len() < config.min_support || share(changed.len(), idx.len()) < 0.5 {
                return;
            }
            let mut examples: Vec<&str> = changed.iter().filter_map(|&i| get(&feats[i].1)).collect();
            examples.sort_by_key(|e| (e.len(), *e));
            examples.dedup();
            let quoted: Vec<String> = examples.iter().take(2).map(|e| format!("\"{e}\"")).collect();
            let text = format!("Rewrite the {what} of {} the way the reviewer does, e.g. {}.", type_plural(t), quoted.join(" or "));
            let provenance = span_ids(&changed, &|e| e.section == section);
            let confidence = share(changed.len(), idx.len());
            rules.push(Rule::proposed(Some(t), RuleKind::PromptRule { text }, changed.len(), confidence, provenance, now));
        };
        if !closing_rule {
            prompt_rule(rewrites(&|f| f.last_paragraph.as_deref()), &|f| f.last_paragraph.as_deref(), "closing line", EditSection::Cta);
        }
        if !hook_rule {
            prompt_rule(rewrites(&|f| Some(f.first_line.as_str())), &|f| Some(f.first_line.as_str()), "first line", EditSection::Hook);
        }
    }
    Ok(rules)
}

fn to_span(e: &crate::domain::ContentEdit) -> crate::domain::EditSpan {
    crate::domain::EditSpan {
        edit_type: e.edit_type,
        original_text: e.original_text.clone(),
        edited_text: e.edited_text.clone(),
        section: e.section,
        pattern_tag: e.pattern_tag.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContentEdit, ContentId};
    use crate::learn::apply_rules;
    use crate::review::edits::diff_content;

    fn event(t: ContentType, before: &str, after: &str) -> EditEvent {
        let now = Utc::now();
        let id = ContentId::new();
        let edits = diff_content(before, after)
            .into_iter()
            .map(|s| ContentEdit {
                id: EditId::new(),
                content_item_id: id,
                user_id: None,
                version: 2,
                edit_type: s.edit_type,
                original_text: s.original_text,
                edited_text: s.edited_text,
                section: s.section,
                pattern_tag: None,
                created_at: now,
            })
            .collect();
        EditEvent { content_item_id: id, content_type: t, version: 2, before: before.into(), after: after.into(), edits, created_at: now }
    }

    /// Saves made by a reviewer who applies `kinds` to each draft.
    fn saves(t: ContentType, drafts: &[&str], kinds: Vec<RuleKind>) -> Vec<EditEvent> {
        let rules: Vec<Rule> = kinds.into_iter().map(|k| Rule::written(Some(t), k, Utc::now())).collect();
        drafts.iter().map(|d| event(t, d, &apply_rules(d, t, &rules))).collect()
    }

    const DRAFTS: [&str; 5] = [
        "We really doubled the price last spring.\n\nNobody left, which was kind of a shock to the team. We were gonna lower it again.\n\nLet me know your thoughts!",
        "Our trial was really too long for most buyers.\n\nWe cut it to seven days, and it was kind of scary. Sales were gonna drop, we thought.\n\nLet me know your thoughts!",
        "Onboarding calls really changed our churn numbers.\n\nWe booked one with every new account, a kind of white-glove start. We were gonna stop after a month.\n\nLet me know your thoughts!",
        "The pricing page really mattered more than ads.\n\nWe rewrote it three times, and it was kind of painful. Nobody was gonna read the long version.\n\nLet me know your thoughts!",
        "Support tickets really told us what to build next.\n\nWe tagged every one for a quarter, kind of like a survey. We were gonna ignore the small ones.\n\nLet me know your thoughts!",
    ];

    fn kinds_of(rules: &[Rule]) -> Vec<(Option<ContentType>, RuleKind)> {
        let mut k: Vec<_> = rules.iter().map(|r| (r.content_type, r.kind.clone())).collect();
        k.sort_by_key(|(t, k)| (t.map(|t| t.as_str()), k.slot()));
        k
    }

    fn mine(events: &[EditEvent]) -> Vec<Rule> {
        mine_rules(events, &MiningConfig::default(), Utc::now()).unwrap()
    }

    #[test]
    fn phrases_deleted_and_words_replaced_in_three_saves_become_rules_with_their_provenance() {
        let t = ContentType::LinkedinPost;
        let kinds = vec![
            RuleKind::BannedPhrase { phrase: "really".into() },
            RuleKind::BannedPhrase { phrase: "kind of".into() },
            RuleKind::Replacement { from: "gonna".into(), to: "going to".into() },
        ];
        let events = saves(t, &DRAFTS, kinds);
        let rules = mine(&events);
        let got = kinds_of(&rules);
        assert!(got.contains(&(Some(t), RuleKind::BannedPhrase { phrase: "really".into() })), "{got:?}");
        assert!(got.contains(&(Some(t), RuleKind::BannedPhrase { phrase: "kind of".into() })), "{got:?}");
        assert!(got.contains(&(Some(t), RuleKind::Replacement { from: "gonna".into(), to: "going to".into() })), "{got:?}");
        assert!(!got.iter().any(|(_, k)| matches!(k, RuleKind::BannedPhrase { phrase } if phrase == "kind" || phrase == "of")), "{got:?}");
        let really = rules.iter().find(|r| r.kind == RuleKind::BannedPhrase { phrase: "really".into() }).unwrap();
        assert_eq!((really.support, really.confidence, really.status), (5, 1.0, crate::learn::RuleStatus::Proposed));
        let behind: Vec<&ContentEdit> = events.iter().flat_map(|e| &e.edits).filter(|e| really.provenance.contains(&e.id)).collect();
        assert_eq!(behind.len(), 5);
        assert!(behind.iter().all(|e| e.original_text.to_lowercase().contains("really")), "{behind:?}");
    }

    #[test]
    fn two_saves_are_not_enough_and_a_phrase_kept_elsewhere_is_not_banned() {
        let t = ContentType::LinkedinPost;
        let kinds = || vec![RuleKind::BannedPhrase { phrase: "really".into() }];
        assert!(mine(&saves(t, &DRAFTS[..2], kinds())).is_empty());
        // Three saves delete it, three keep it.
        let mut events = saves(t, &DRAFTS[..3], kinds());
        events.extend(DRAFTS[2..].iter().map(|d| event(t, d, &d.replace("Let me", "Do let me"))));
        assert!(!kinds_of(&mine(&events)).iter().any(|(_, k)| matches!(k, RuleKind::BannedPhrase { .. })));
    }

    #[test]
    fn a_pattern_seen_in_two_types_and_kept_in_none_is_one_rule_for_all_types() {
        let kinds = || vec![RuleKind::BannedPhrase { phrase: "really".into() }];
        let mut events = saves(ContentType::LinkedinPost, &DRAFTS[..2], kinds());
        events.extend(saves(ContentType::Newsletter, &DRAFTS[2..], kinds()));
        let got = kinds_of(&mine(&events));
        assert_eq!(got, vec![(None, RuleKind::BannedPhrase { phrase: "really".into() })]);
    }

    #[test]
    fn length_cuts_closing_lines_and_first_line_cuts_are_mined_per_type() {
        let t = ContentType::LinkedinPost;
        let kinds = vec![
            RuleKind::MaxWords { max: 20 },
            RuleKind::ClosingLine { text: "Reply with your number.".into() },
            RuleKind::MaxFirstLineChars { max: 30 },
        ];
        let events = saves(t, &DRAFTS, kinds);
        let got = kinds_of(&mine(&events));
        let cap = got.iter().find_map(|(_, k)| if let RuleKind::MaxWords { max } = k { Some(*max) } else { None }).unwrap();
        assert!((10..=20).contains(&cap), "{got:?}");
        assert!(got.contains(&(Some(t), RuleKind::ClosingLine { text: "Reply with your number.".into() })), "{got:?}");
        let first = got.iter().find_map(|(_, k)| if let RuleKind::MaxFirstLineChars { max } = k { Some(*max) } else { None }).unwrap();
        assert!((20..=30).contains(&first), "{got:?}");
        // Whole sentences cut for length are never mistaken for banned phrases.
        assert!(!got.iter().any(|(_, k)| matches!(k, RuleKind::BannedPhrase { .. } | RuleKind::Replacement { .. })), "{got:?}");
    }

    #[test]
    fn formatting_removed_every_time_becomes_a_formatting_rule() {
        let t = ContentType::LinkedinPost;
        let decorated: Vec<String> =
            DRAFTS.iter().map(|d| format!("🚀 {d}\n\n1. One thing here.\n2. Another thing.\n\n#growth #saas")).collect();
        let drafts: Vec<&str> = decorated.iter().map(String::as_str).collect();
        let events = saves(t, &drafts, vec![RuleKind::NoEmoji, RuleKind::NoHashtags, RuleKind::NoNumberedLists]);
        let got = kinds_of(&mine(&events));
        for k in [RuleKind::NoEmoji, RuleKind::NoHashtags, RuleKind::NoNumberedLists] {
            assert!(got.contains(&(Some(t), k.clone())), "{k:?} in {got:?}");
        }
        // The numbers of removed list markers and the words of removed hashtags are not phrases.
        assert_eq!(got.len(), 3, "{got:?}");
    }

    #[test]
    fn a_word_replaced_inside_a_compound_is_mined_as_the_word() {
        let t = ContentType::BlogPost;
        let drafts: Vec<String> = DRAFTS.iter().map(|d| d.replace("Let me know", "Read 356-ml-startups and let me know")).collect();
        let drafts: Vec<&str> = drafts.iter().map(String::as_str).collect();
        let got = kinds_of(&mine(&saves(t, &drafts, vec![RuleKind::Replacement { from: "startups".into(), to: "companies".into() }])));
        assert_eq!(got, vec![(Some(t), RuleKind::Replacement { from: "startups".into(), to: "companies".into() })]);
    }

    #[test]
    fn split_paragraphs_become_a_paragraph_length_rule() {
        let t = ContentType::Newsletter;
        let events = saves(t, &DRAFTS, vec![RuleKind::MaxSentencesPerParagraph { max: 1 }]);
        let got = kinds_of(&mine(&events));
        assert_eq!(got, vec![(Some(t), RuleKind::MaxSentencesPerParagraph { max: 1 })]);
    }

    #[test]
    fn closing_rewrites_without_a_common_text_become_a_prompt_rule() {
        let t = ContentType::LinkedinPost;
        let closes = [
            "Which would you cut first?",
            "Would you have raised it?",
            "What did your last price test teach you?",
            "How long is your trial?",
            "Where do you start?",
        ];
        let events: Vec<EditEvent> =
            DRAFTS.iter().zip(closes).map(|(d, c)| event(t, d, &d.replace("Let me know your thoughts!", c))).collect();
        let rules = mine(&events);
        assert_eq!(rules.len(), 1, "{rules:?}");
        let RuleKind::PromptRule { text } = &rules[0].kind else { panic!("{rules:?}") };
        assert!(text.starts_with("Rewrite the closing line of LinkedIn posts the way the reviewer does, e.g. \""), "{text}");
    }

    #[test]
    fn an_invalid_configuration_is_refused() {
        let bad = MiningConfig { max_phrase_words: 9, ..MiningConfig::default() };
        assert!(matches!(mine_rules(&[], &bad, Utc::now()), Err(Error::InvalidInput { .. })));
    }
}
