//! One pass over a source: clean sentences, speakers, TF-IDF vectors and the ranking.

use super::rank::{SparseVec, Vocabulary, cosine, textrank};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::text::{self, STOPWORDS, clean, quotability, split_sentences};
use growth_core::quality::attribution::host_index;
use growth_core::{Error, Result};

/// Fewest ranked sentences a source must yield.
pub(super) const MIN_SENTENCES: usize = 3;
/// Fewest words a source must hold.
pub(super) const MIN_WORDS: usize = 40;

/// One cleaned sentence of the source.
#[derive(Debug)]
pub(super) struct Sentence {
    /// The cleaned text (see [`clean`]).
    pub(super) text: String,
    /// Index into [`Analysis::speakers`].
    pub(super) speaker: Option<usize>,
    /// Index of the turn it belongs to.
    pub(super) turn: usize,
    /// Words in the cleaned text.
    pub(super) words: usize,
    /// TF-IDF vector.
    pub(super) vec: SparseVec,
    /// Final score (0 for sentences that were not candidates).
    pub(super) score: f32,
    /// TextRank centrality times the speaker weight (0 for sentences that were not candidates).
    pub(super) centrality: f32,
}

/// What the composer works from.
#[derive(Debug)]
pub(super) struct Analysis {
    /// Speaker names in order of first appearance.
    pub(super) speakers: Vec<String>,
    /// The host: the only speaker whose lines a piece may say in the first person.
    pub(super) host: Option<usize>,
    /// The guest: the speaker other than the host with the most words.
    pub(super) guest: Option<usize>,
    /// Every cleaned sentence in spoken order.
    pub(super) sentences: Vec<Sentence>,
    /// Candidate sentences, best first (score descending, then position).
    pub(super) ranked: Vec<usize>,
    /// The noun phrases the episode discusses (topic labels come only from these).
    pub(super) phrases: Phrases,
}

/// How much a speaker's lines count: the guest's most, the host's least.
fn speaker_weight(speaker: Option<usize>, host: Option<usize>, guest: Option<usize>) -> f32 {
    match speaker {
        None => 0.9,
        s if s == guest => 1.0,
        s if s == host => 0.55,
        _ => 0.8,
    }
}

/// Analyses `source`: see the module docs of `extractive` for the steps.
pub(super) fn analyze(source: &str, host_name: Option<&str>, max_candidates: usize) -> Result<Analysis> {
    let total_words = source.split_whitespace().count();
    if total_words < MIN_WORDS {
        return Err(Error::invalid_field(
            "source_text",
            format!("the source is too short to draw content from: {total_words} words (at least {MIN_WORDS})"),
        ));
    }
    let turns = text::turns(source)?;
    // The same rule as the `attribution` gate: the configured host, else the first of two or more speakers.
    let host = host_index(&turns.speakers, host_name);
    let mut spoken = vec![0usize; turns.speakers.len()];
    for t in &turns.turns {
        if let Some(s) = t.speaker {
            spoken[s] += t.text.split_whitespace().count();
        }
    }
    // Most words wins; the earlier speaker on a tie.
    let guest = (0..turns.speakers.len()).filter(|s| Some(*s) != host).fold(None, |best: Option<usize>, s| match best {
        Some(b) if spoken[b] >= spoken[s] => Some(b),
        _ => Some(s),
    });

    let mut vocab = Vocabulary::default();
    let mut counts = Vec::new();
    let mut sentences = Vec::new();
    let mut quot = Vec::new();
    for (turn_index, turn) in turns.turns.iter().enumerate() {
        for raw in split_sentences(&turn.text) {
            let text = clean(raw);
            let words = text.split_whitespace().count();
            if words == 0 {
                continue;
            }
            counts.push(vocab.add_document(&text));
            quot.push(quotability(&text, raw, words));
            sentences.push(Sentence { text, speaker: turn.speaker, turn: turn_index, words, vec: Vec::new(), score: 0.0, centrality: 0.0 });
        }
    }
    for (s, c) in sentences.iter_mut().zip(&counts) {
        s.vec = vocab.tfidf(c);
    }

    // Candidates: sentences of quotable length with some content; at most `max_candidates`,
    // the most quotable first, so a long transcript stays fast.
    let mut candidates: Vec<(usize, f32)> = sentences
        .iter()
        .enumerate()
        .filter(|(_, s)| (7..=45).contains(&s.words) && s.vec.len() >= 3)
        .map(|(i, s)| (i, quot[i] * speaker_weight(s.speaker, host, guest)))
        .filter(|(_, prior)| *prior > 0.05)
        .collect();
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    candidates.truncate(max_candidates);
    candidates.sort_by_key(|(i, _)| *i);
    if candidates.len() < MIN_SENTENCES {
        return Err(Error::invalid_field(
            "source_text",
            format!("the source has {} quotable sentences; at least {MIN_SENTENCES} are needed", candidates.len()),
        ));
    }
    let vectors: Vec<&SparseVec> = candidates.iter().map(|(i, _)| &sentences[*i].vec).collect();
    let centrality = textrank(&vectors, vocab.terms.len());
    for ((i, _), c) in candidates.iter().zip(centrality) {
        let s = &mut sentences[*i];
        let weight = speaker_weight(s.speaker, host, guest);
        s.score = weight * (0.5 * c + 0.5 * quot[*i]);
        s.centrality = weight * c;
    }
    let mut ranked: Vec<usize> = candidates.iter().map(|(i, _)| *i).collect();
    ranked.sort_by(|a, b| sentences[*b].score.total_cmp(&sentences[*a].score).then(a.cmp(b)));
    let phrases = Phrases::new(&sentences, &turns.speakers);
    Ok(Analysis { speakers: turns.speakers, host, guest, sentences, ranked, phrases })
}

/// Determiners and possessives: a word right after one, ending its phrase, is used as a noun.
const DETERMINERS: &[&str] =
    &["the", "a", "an", "our", "my", "your", "their", "his", "her", "its", "this", "these", "those", "some", "any", "every", "no"];

/// A noun phrase the episode discusses.
#[derive(Debug)]
pub(super) struct Phrase {
    /// Lower-cased words joined by single spaces.
    pub(super) text: String,
    /// Number of words (1–3).
    pub(super) words: usize,
    /// Sentences it occurs in.
    pub(super) df: u32,
}

/// The noun phrases of a source: runs of one to three content words (no stop words, no speaker
/// names, no adverbs) that the episode says in at least two sentences (three for one word). An
/// `-ing` or `-ed` word counts only where the episode uses it as a noun (right after a
/// determiner, ending the phrase: "the pricing", not "is based"); a single word must be used so.
#[derive(Debug, Default)]
pub(super) struct Phrases {
    pub(super) list: Vec<Phrase>,
    index: HashMap<String, usize>,
    sentences: usize,
}

/// Lower-cased words for labels: hyphenated words stay whole ("billion-dollar", "scikit-learn").
fn label_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '\'' | '’')))
        .map(|w| w.trim_matches(|c| matches!(c, '-' | '\'' | '’')).to_lowercase().replace('’', "'"))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Stop words of both lists, for lookups by hash.
static NOT_CONTENT: LazyLock<HashSet<&'static str>> = LazyLock::new(|| STOPWORDS.iter().chain(LABEL_STOPWORDS).copied().collect());

fn content_word(w: &str, names: &[String]) -> bool {
    w.chars().count() >= 3
        && w.chars().all(|c| c.is_alphabetic() || c == '-')
        && !w.ends_with("ly")
        && !NOT_CONTENT.contains(w)
        && !names.iter().any(|n| n == w)
}

/// Words that are not stop words for ranking but make no topic on their own.
#[rustfmt::skip]
const LABEL_STOPWORDS: &[&str] = &[
    "and", "or", "but", "nor", "yet", "based", "happening", "gonna", "wanna", "thinking", "saying", "said", "going", "doing", "getting",
    "coming", "talking", "looking", "trying", "making", "taking", "seeing", "knowing", "wanted", "called", "means", "meant", "seems",
    "seemed", "really", "actually", "important", "interesting", "huge", "cool", "awesome", "amazing", "great", "true", "real", "able",
    "whole", "next", "previous", "another", "others", "own", "same", "such", "sure", "else", "ones", "yours", "ours", "theirs",
    "today", "yesterday", "tomorrow", "right", "left", "hey", "hello", "thanks", "thank", "welcome", "episode", "show", "podcast",
];

impl Phrases {
    fn new(sentences: &[Sentence], speakers: &[String]) -> Self {
        let names: Vec<String> = speakers.iter().flat_map(|s| s.split_whitespace().map(str::to_lowercase)).collect();
        let lowered: Vec<Vec<String>> = sentences.iter().map(|s| label_words(&s.text)).collect();
        // Words used as a noun: after a determiner, and not followed by another content word.
        // Whether each word is a content word, computed once.
        let content: Vec<Vec<bool>> = lowered.iter().map(|w| w.iter().map(|x| content_word(x, &names)).collect()).collect();
        let mut nouns: HashSet<&str> = HashSet::new();
        for (w, c) in lowered.iter().zip(&content) {
            for i in 1..w.len() {
                let ends = !c.get(i + 1).copied().unwrap_or(false);
                if DETERMINERS.contains(&w[i - 1].as_str()) && ends {
                    nouns.insert(w[i].as_str());
                }
            }
        }
        let verbish = |w: &str| (w.ends_with("ing") || w.ends_with("ed")) && !nouns.contains(w);
        let mut df: HashMap<String, (usize, u32)> = HashMap::new();
        for (w, c) in lowered.iter().zip(&content) {
            let usable: Vec<bool> = w.iter().zip(c).map(|(x, c)| *c && !verbish(x)).collect();
            let mut seen: HashSet<String> = HashSet::new();
            for n in 1..=3 {
                for (start, g) in w.windows(n).enumerate() {
                    if !usable[start..start + n].iter().all(|u| *u) {
                        continue;
                    }
                    if n == 1 && !nouns.contains(g[0].as_str()) {
                        continue;
                    }
                    let key = g.join(" ");
                    if seen.insert(key.clone()) {
                        df.entry(key).or_insert((n, 0)).1 += 1;
                    }
                }
            }
        }
        let mut list: Vec<Phrase> = df
            .into_iter()
            .filter(|(_, (n, d))| *d >= if *n == 1 { 3 } else { 2 })
            .map(|(text, (words, df))| Phrase { text, words, df })
            .collect();
        list.sort_by(|a, b| a.text.cmp(&b.text));
        let index = list.iter().enumerate().map(|(i, p)| (p.text.clone(), i)).collect();
        Self { list, index, sentences: sentences.len() }
    }

    /// How much a phrase says about a group it occurs in: rarer and longer phrases say more.
    fn weight(&self, p: &Phrase) -> f32 {
        let idf = ((self.sentences.max(1) as f32) / p.df as f32).ln().max(0.01);
        idf * (1.0 + 0.6 * (p.words as f32 - 1.0))
    }
}

impl Analysis {
    /// Cosine similarity of sentences `a` and `b`.
    pub(super) fn similarity(&self, a: usize, b: usize) -> f32 {
        cosine(&self.sentences[a].vec, &self.sentences[b].vec)
    }

    /// A speaker's name fit to print: `None` for unnamed labels (`A`, `Speaker 1`, `Unknown`).
    pub(super) fn name(&self, speaker: Option<usize>) -> Option<&str> {
        let name = self.speakers.get(speaker?)?.as_str();
        let lower = name.to_lowercase();
        let unnamed = name.chars().count() < 2 || lower.starts_with("speaker") || lower == "unknown" || lower == "host" || lower == "guest";
        (!unnamed).then_some(name)
    }

    /// Whether sentence `i` is the host's (said in the piece's own first person).
    pub(super) fn is_host(&self, i: usize) -> bool {
        self.host.is_some() && self.sentences[i].speaker == self.host
    }

    /// The best topic label for a group of sentences: the noun phrase of the episode that says
    /// most about them (see [`Phrases`]), not one of `taken`; `None` when they hold none.
    pub(super) fn label(&self, sentences: &[usize], taken: &[String]) -> Option<String> {
        let mut scores: HashMap<usize, f32> = HashMap::new();
        for &i in sentences {
            let w = label_words(&self.sentences[i].text);
            for n in 1..=3 {
                for g in w.windows(n) {
                    if let Some(&p) = self.phrases.index.get(&g.join(" ")) {
                        *scores.entry(p).or_default() += self.phrases.weight(&self.phrases.list[p]);
                    }
                }
            }
        }
        let mut best: Vec<(usize, f32)> = scores.into_iter().filter(|(p, _)| !taken.contains(&self.phrases.list[*p].text)).collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        best.first().map(|(p, _)| self.phrases.list[*p].text.clone())
    }

    /// The guest's name, when known.
    pub(super) fn guest_name(&self) -> Option<&str> {
        self.name(self.guest)
    }
}
