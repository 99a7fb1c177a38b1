//! One pass over a source: clean sentences, speakers, TF-IDF vectors and the ranking.

use super::rank::{SparseVec, Vocabulary, cosine, textrank};
use super::text::{self, clean, quotability, split_sentences};
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
    /// The guest: the speaker other than the host with the most words.
    pub(super) guest: Option<usize>,
    /// Every cleaned sentence in spoken order.
    pub(super) sentences: Vec<Sentence>,
    /// Candidate sentences, best first (score descending, then position).
    pub(super) ranked: Vec<usize>,
    /// Term strings by id.
    pub(super) terms: Vec<String>,
    /// Sentences each term occurs in, by id.
    pub(super) df: Vec<u32>,
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
    let host = match host_name {
        Some(name) => turns.speakers.iter().position(|s| s.eq_ignore_ascii_case(name.trim())),
        None if turns.speakers.len() >= 2 => Some(0),
        None => None,
    };
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
    Ok(Analysis { speakers: turns.speakers, guest, sentences, ranked, terms: vocab.terms, df: vocab.df })
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

    /// The guest's name, when known.
    pub(super) fn guest_name(&self) -> Option<&str> {
        self.name(self.guest)
    }

    /// The `n` most distinctive terms of a group of sentences (summed TF-IDF weights), best
    /// first: only terms the episode comes back to (in at least 3 sentences), speaker names left
    /// out.
    pub(super) fn keywords(&self, sentences: &[usize], n: usize) -> Vec<&str> {
        let mut weights: Vec<(u32, f32)> = Vec::new();
        for &i in sentences {
            for &(t, w) in &self.sentences[i].vec {
                match weights.iter_mut().find(|(x, _)| *x == t) {
                    Some((_, acc)) => *acc += w,
                    None => weights.push((t, w)),
                }
            }
        }
        let names: Vec<String> = self.speakers.iter().flat_map(|s| s.split_whitespace().map(str::to_lowercase)).collect();
        weights.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        weights
            .iter()
            .filter(|(t, _)| self.df[*t as usize] >= 3)
            .map(|(t, _)| self.terms[*t as usize].as_str())
            .filter(|t| !names.iter().any(|n| n == t) && t.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\''))
            .take(n)
            .collect()
    }
}
