//! Objections heard on calls, deduplicated by similarity.
//!
//! The same objection comes back in other words ("it's too expensive for us right now" / "the
//! price is too expensive"). A new mention is matched against the known objections by
//! **token-set Jaccard** similarity of their content words ([`similarity`]: lower-cased, stop
//! words dropped, a plural `s` taken off), or by the **cosine** of their embeddings when the
//! caller has them ([`best_match_by_embedding`]); above the threshold it is the same objection, so
//! its frequency goes up and `last_mentioned` moves, keeping its category, severity and stage
//! (filling those it lacked). Listing is most frequent first, then most recently mentioned.
//!
//! [`ObjectionBook`] does this in memory. With a store, call [`best_match`] and record the mention
//! under the matched objection's text: the store's `record_objection` then bumps that row.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::domain::{NewObjection, Objection, ObjectionId};
use crate::vector::cosine;

/// Token-set Jaccard similarity at or above which two texts are one objection (default).
pub const DEFAULT_JACCARD: f64 = 0.5;

/// Embedding cosine at or above which two texts are one objection (default).
pub const DEFAULT_COSINE: f32 = 0.85;

const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "so", "to", "of", "in", "on", "for", "with", "at", "by", "from", "as", "is", "are", "was",
    "were", "be", "been", "it", "it's", "its", "this", "that", "these", "those", "we", "we're", "our", "us", "i", "i'm", "my", "me", "you",
    "your", "they", "their", "them", "just", "really", "very", "too", "right", "now", "do", "does", "did", "have", "has", "had", "not",
    "no", "don't", "doesn't", "can't", "won't", "would", "could", "should", "will", "can", "there", "here", "what", "how", "if", "about",
    "all", "any", "some", "like", "kind", "sort", "yeah", "um", "uh", "well", "also",
];

/// The content words of `text`: lower-cased, stop words dropped, a plural `s` taken off.
pub fn token_set(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.as_str()))
        .map(|w| if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") { w[..w.len() - 1].to_owned() } else { w })
        .collect()
}

/// Jaccard similarity of the token sets of `a` and `b` (0 when both are empty).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (token_set(a), token_set(b));
    let union = a.union(&b).count();
    if union == 0 { 0.0 } else { a.intersection(&b).count() as f64 / union as f64 }
}

/// The known objection most similar to `text` at or above `threshold` (Jaccard), if any; ties go
/// to the more frequent one.
pub fn best_match<'a>(known: &'a [Objection], text: &str, threshold: f64) -> Option<&'a Objection> {
    let probe = token_set(text);
    known
        .iter()
        .map(|o| {
            let t = token_set(&o.objection_text);
            let union = probe.union(&t).count();
            let s = if union == 0 { 0.0 } else { probe.intersection(&t).count() as f64 / union as f64 };
            (o, s)
        })
        .filter(|(_, s)| *s >= threshold)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(a.0.frequency.cmp(&b.0.frequency)))
        .map(|(o, _)| o)
}

/// The known objection (by id and embedding) most similar to `embedding` at or above `threshold`
/// (cosine), if any.
pub fn best_match_by_embedding(known: &[(ObjectionId, Vec<f32>)], embedding: &[f32], threshold: f32) -> Option<ObjectionId> {
    known
        .iter()
        .map(|(id, v)| (*id, cosine(v, embedding)))
        .filter(|(_, s)| *s >= threshold)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}

/// `mention` as it should be recorded: under the text of the known objection it matches (so the
/// store bumps that row), with the matched objection's category, severity and stage kept where it
/// has them.
pub fn as_mention_of(known: &[Objection], mention: NewObjection, threshold: f64) -> NewObjection {
    match best_match(known, &mention.objection_text, threshold) {
        Some(o) => NewObjection {
            objection_text: o.objection_text.clone(),
            category: o.category.clone().or(mention.category),
            severity: o.severity.or(mention.severity),
            stage: o.stage.or(mention.stage),
        },
        None => mention,
    }
}

/// Objections in memory, deduplicated as they are recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectionBook {
    objections: Vec<Objection>,
    threshold: f64,
}

impl Default for ObjectionBook {
    fn default() -> Self {
        Self { objections: Vec::new(), threshold: DEFAULT_JACCARD }
    }
}

impl ObjectionBook {
    /// A book over known objections, matching at `threshold` (Jaccard).
    pub fn new(objections: Vec<Objection>, threshold: f64) -> Self {
        Self { objections, threshold }
    }

    /// Records a mention at `now`: a new objection, or the similar one bumped. Returns it.
    pub fn record(&mut self, mention: NewObjection, now: DateTime<Utc>) -> &Objection {
        let matched = best_match(&self.objections, &mention.objection_text, self.threshold).map(|o| o.id);
        let index = match matched.and_then(|id| self.objections.iter().position(|o| o.id == id)) {
            Some(i) => {
                let o = &mut self.objections[i];
                o.frequency += 1;
                o.last_mentioned = o.last_mentioned.max(now);
                o.first_mentioned = o.first_mentioned.min(now);
                if o.category.is_none() {
                    o.category = mention.category;
                }
                if o.severity.is_none() {
                    o.severity = mention.severity;
                }
                if o.stage.is_none() {
                    o.stage = mention.stage;
                }
                i
            }
            None => {
                self.objections.push(Objection {
                    id: ObjectionId::new(),
                    objection_text: mention.objection_text.trim().to_owned(),
                    category: mention.category,
                    frequency: 1,
                    severity: mention.severity,
                    stage: mention.stage,
                    content_generated: false,
                    content_item_ids: Vec::new(),
                    first_mentioned: now,
                    last_mentioned: now,
                });
                self.objections.len() - 1
            }
        };
        &self.objections[index]
    }

    /// Every objection, most frequent first, then most recently mentioned.
    pub fn most_frequent_first(&self) -> Vec<&Objection> {
        let mut v: Vec<&Objection> = self.objections.iter().collect();
        v.sort_by(|a, b| b.frequency.cmp(&a.frequency).then(b.last_mentioned.cmp(&a.last_mentioned)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FunnelStage, Severity};
    use chrono::Duration;

    fn mention(text: &str, severity: Option<Severity>) -> NewObjection {
        NewObjection { objection_text: text.into(), category: Some("roi".into()), severity, stage: Some(FunnelStage::Decision) }
    }

    #[test]
    fn the_same_objection_in_other_words_is_one_objection() {
        assert!(similarity("It's too expensive for us right now", "the price is too expensive for us") >= DEFAULT_JACCARD);
        assert!(similarity("It's too expensive for us", "We don't have the engineers to set it up") < DEFAULT_JACCARD);
        assert!(similarity("integrations", "Integration") == 1.0);
    }

    #[test]
    fn a_repeat_bumps_frequency_and_last_mentioned_and_keeps_what_was_set() {
        let t0 = Utc::now();
        let mut book = ObjectionBook::default();
        book.record(mention("Too expensive for a team our size", Some(Severity::High)), t0);
        book.record(mention("We need to check with legal first", None), t0);
        let bumped = book
            .record(
                NewObjection { severity: Some(Severity::Low), ..mention("too expensive for our team size", None) },
                t0 + Duration::days(2),
            )
            .clone();
        assert_eq!(bumped.frequency, 2);
        assert_eq!(bumped.objection_text, "Too expensive for a team our size");
        assert_eq!(bumped.severity, Some(Severity::High), "kept, not overwritten");
        assert_eq!((bumped.first_mentioned, bumped.last_mentioned), (t0, t0 + Duration::days(2)));
        let order: Vec<i32> = book.most_frequent_first().iter().map(|o| o.frequency).collect();
        assert_eq!(order, vec![2, 1]);
    }

    #[test]
    fn a_mention_is_rewritten_to_the_known_text_for_the_store() {
        let mut book = ObjectionBook::default();
        let known = book.record(mention("Too expensive for a team our size", Some(Severity::High)), Utc::now()).clone();
        let m =
            as_mention_of(std::slice::from_ref(&known), mention("too expensive for our team size", Some(Severity::Low)), DEFAULT_JACCARD);
        assert_eq!((m.objection_text.as_str(), m.severity), ("Too expensive for a team our size", Some(Severity::High)));
        let other = as_mention_of(&[known], mention("Security review takes months", None), DEFAULT_JACCARD);
        assert_eq!(other.objection_text, "Security review takes months");
    }

    #[test]
    fn embeddings_match_above_the_cosine_threshold() {
        let (a, b) = (ObjectionId::new(), ObjectionId::new());
        let known = vec![(a, vec![1.0, 0.0]), (b, vec![0.0, 1.0])];
        assert_eq!(best_match_by_embedding(&known, &[0.95, 0.1], DEFAULT_COSINE), Some(a));
        assert_eq!(best_match_by_embedding(&known, &[0.7, 0.7], DEFAULT_COSINE), None);
    }
}
