//! TF-IDF sentence vectors and TextRank over their cosine similarities.

use std::collections::HashMap;

use super::text::{STOPWORDS, words};

/// A sparse, L2-normalised TF-IDF vector: `(term id, weight)` sorted by term id.
pub(super) type SparseVec = Vec<(u32, f32)>;

/// Term ids assigned in order of first appearance (so ids, and everything built on them, are
/// deterministic), with document frequencies.
#[derive(Debug, Default)]
pub(super) struct Vocabulary {
    ids: HashMap<String, u32>,
    pub(super) terms: Vec<String>,
    pub(super) df: Vec<u32>,
    docs: u32,
}

impl Vocabulary {
    /// The counted terms of `text` (`(id, count)` sorted by id), adding new terms and counting
    /// document frequencies.
    pub(super) fn add_document(&mut self, text: &str) -> Vec<(u32, u32)> {
        let mut counts: Vec<(u32, u32)> = Vec::new();
        for w in words(text) {
            if w.chars().count() < 3 || STOPWORDS.contains(&w.as_str()) || w.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let id = match self.ids.get(&w) {
                Some(id) => *id,
                None => {
                    let id = self.terms.len() as u32;
                    self.ids.insert(w.clone(), id);
                    self.terms.push(w);
                    self.df.push(0);
                    id
                }
            };
            match counts.iter_mut().find(|(t, _)| *t == id) {
                Some((_, c)) => *c += 1,
                None => counts.push((id, 1)),
            }
        }
        counts.sort_unstable_by_key(|(t, _)| *t);
        for (t, _) in &counts {
            self.df[*t as usize] += 1;
        }
        self.docs += 1;
        counts
    }

    /// The TF-IDF vector of counted terms: `(1 + ln tf) · (1 + ln((1 + N) / (1 + df)))`,
    /// L2-normalised.
    pub(super) fn tfidf(&self, counts: &[(u32, u32)]) -> SparseVec {
        let n = self.docs as f32;
        let mut v: SparseVec = counts
            .iter()
            .map(|&(t, c)| {
                let idf = 1.0 + ((1.0 + n) / (1.0 + self.df[t as usize] as f32)).ln();
                (t, (1.0 + (c as f32).ln()) * idf)
            })
            .collect();
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut v {
                *w /= norm;
            }
        }
        v
    }
}

/// Cosine similarity of two normalised sparse vectors (a merge over sorted ids).
pub(super) fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

/// TextRank: PageRank (damping 0.85) over the graph whose edge weights are the cosine
/// similarities of the vectors. The similarities come from an inverted index, so only pairs that
/// share a term are ever multiplied; sums run in term-id order, so the result is the same on every
/// run. `terms` is the vocabulary size. Returns one score per vector, the highest scaled to 1.
pub(super) fn textrank(vectors: &[&SparseVec], terms: usize) -> Vec<f32> {
    let n = vectors.len();
    if n == 0 {
        return Vec::new();
    }
    let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); terms];
    for (i, v) in vectors.iter().enumerate() {
        for &(t, w) in v.iter() {
            if let Some(list) = postings.get_mut(t as usize) {
                list.push((i as u32, w));
            }
        }
    }
    // Dense similarity matrix (n ≤ a few hundred), filled from the postings.
    let mut sim = vec![0.0f32; n * n];
    for list in postings.iter().filter(|l| l.len() > 1) {
        for (x, &(i, wi)) in list.iter().enumerate() {
            for &(j, wj) in &list[x + 1..] {
                let p = wi * wj;
                sim[i as usize * n + j as usize] += p;
                sim[j as usize * n + i as usize] += p;
            }
        }
    }
    let out_weight: Vec<f32> = (0..n).map(|i| sim[i * n..(i + 1) * n].iter().sum()).collect();
    const DAMPING: f32 = 0.85;
    let mut rank = vec![1.0 / n as f32; n];
    let mut next = vec![0.0f32; n];
    for _ in 0..50 {
        // Rank of nodes without edges is spread evenly (the random jump).
        let dangling: f32 = (0..n).filter(|&j| out_weight[j] <= 0.0).map(|j| rank[j]).sum();
        let base = (1.0 - DAMPING) / n as f32 + DAMPING * dangling / n as f32;
        next.iter_mut().for_each(|x| *x = base);
        for j in 0..n {
            if out_weight[j] <= 0.0 {
                continue;
            }
            let share = DAMPING * rank[j] / out_weight[j];
            let row = &sim[j * n..(j + 1) * n];
            for (x, s) in next.iter_mut().zip(row) {
                *x += share * s;
            }
        }
        let delta: f32 = rank.iter().zip(&next).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut rank, &mut next);
        if delta < 1e-6 {
            break;
        }
    }
    let max = rank.iter().copied().fold(0.0f32, f32::max);
    if max > 0.0 {
        rank.iter_mut().for_each(|r| *r /= max);
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_sentences_have_a_higher_cosine() {
        let mut vocab = Vocabulary::default();
        let a = vocab.add_document("Pricing pages convert better with annual pricing.");
        let b = vocab.add_document("Annual pricing converts better on pricing pages.");
        let c = vocab.add_document("My dog likes long walks on the beach.");
        let (a, b, c) = (vocab.tfidf(&a), vocab.tfidf(&b), vocab.tfidf(&c));
        assert!(cosine(&a, &b) > 0.5);
        assert_eq!(cosine(&a, &c), 0.0);
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn the_central_sentence_ranks_first() {
        let mut vocab = Vocabulary::default();
        let docs = [
            "Onboarding decides whether trials convert.",
            "Trials convert when onboarding shows value fast.",
            "Onboarding emails help trials convert.",
            "Pickleball is fun on weekends.",
        ];
        let counts: Vec<_> = docs.iter().map(|d| vocab.add_document(d)).collect();
        let vectors: Vec<SparseVec> = counts.iter().map(|c| vocab.tfidf(c)).collect();
        let refs: Vec<&SparseVec> = vectors.iter().collect();
        let rank = textrank(&refs, vocab.terms.len());
        assert_eq!(rank.len(), 4);
        assert!(rank[3] < rank[0] && rank[3] < rank[1] && rank[3] < rank[2], "{rank:?}");
        assert!(rank.iter().any(|r| (*r - 1.0).abs() < 1e-6));
    }
}
