//! Preferences by context, after CIPHER (Gao, Taymanov, Salinas, Mineiro, Misra, NeurIPS 2024;
//! `gao-g/prelude`, `src/agent/cipher.py`, MIT).
//!
//! When a language model is configured, every reviewer edit can teach a *preference*: a short,
//! readable phrase ("short sentences, no emoji, end with a question"). CIPHER's loop:
//!
//! 1. **After an edit** ([`CipherLearner::observe`]): if the reviewer changed the draft, ask the
//!    model ([`PreferenceInferer::infer`], prompt [`inference_prompt`]) what the edit says about
//!    the reviewer's preference; if not, the preference that was used for the draft is confirmed.
//!    Either way the preference is stored with the embedding of the piece's **context** (what it
//!    was written from: the source excerpt and the request), as a [`PreferenceRecord`].
//! 2. **Before generating** ([`CipherLearner::instruction`]): embed the new context, take the
//!    k = 5 nearest stored contexts (cosine), and merge their preferences into one: the model
//!    condenses them ([`PreferenceInferer::condense`], prompt [`condense_prompt`]) into the most
//!    represented preferences, or, with no model, [`merge_preferences`] keeps the clauses most of
//!    them share. [`preference_instruction`] turns the result into a line of the prompt.
//!
//! Nothing is fine-tuned: the records are plain text a person can read, edit or delete.
//!
//! The LLM-backed [`PreferenceInferer`] lives in `growth-llm`; it sends [`inference_prompt`] and
//! [`condense_prompt`] as the user message and takes the answer's text, trimmed, as the phrase.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{ContentId, ContentType};
use crate::vector::{Embedder, cosine};
use crate::{Error, Result};

/// How many nearest contexts are merged (CIPHER's k).
pub const DEFAULT_K: usize = 5;

/// Most clauses kept by [`merge_preferences`].
pub const MAX_MERGED_CLAUSES: usize = 6;

/// One reviewer edit, as the inferer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedEdit {
    /// What the piece is.
    pub content_type: ContentType,
    /// The draft the reviewer got.
    pub draft: String,
    /// What the reviewer made of it.
    pub edited: String,
}

/// Turns edits into preference phrases and condenses several phrases into one (a language model;
/// tests use a fake).
///
/// Contract: answers are short plain-text phrases (no quotes, no lists); an unreachable model is an
/// error of the retry classes of [`crate::Error`], never an empty phrase.
#[async_trait]
pub trait PreferenceInferer: Send + Sync + Debug + 'static {
    /// The reviewer's preference shown by `edit`, as a short phrase.
    async fn infer(&self, edit: &ObservedEdit) -> Result<String>;
    /// The most represented preferences among `preferences`, as one short phrase.
    async fn condense(&self, preferences: &[String]) -> Result<String>;
}

fn _assert_dyn(_: &dyn PreferenceInferer) {}

/// How a content type is named in the prompts.
fn kind_of_piece(t: ContentType) -> &'static str {
    match t {
        ContentType::LinkedinPost => "LinkedIn post",
        ContentType::PreInterview => "LinkedIn post announcing an interview",
        ContentType::PostPublish => "LinkedIn post announcing a new episode",
        ContentType::Newsletter => "email newsletter",
        ContentType::BlogPost => "blog post",
    }
}

/// The prompt that asks for the preference shown by one edit (after PRELUDE's
/// `get_preference_inference_prompt`).
pub fn inference_prompt(edit: &ObservedEdit) -> String {
    let piece = kind_of_piece(edit.content_type);
    format!(
        "Original {piece}: {draft}\n\n\
         Revised {piece} by a user: {edited}\n\n\
         Based on the edits and revision by this user on the original {piece} in the above example, \
         what do you find about this user's generic preference in terms of writing style and formatting? \
         Please answer in a short phrase and only recommend those preferences that are widely used.",
        draft = edit.draft.trim(),
        edited = edit.edited.trim(),
    )
}

/// The prompt that condenses the preferences of the nearest contexts into one (after PRELUDE's
/// `get_majority_preference_prompt`).
pub fn condense_prompt(preferences: &[String]) -> String {
    let mut prompt = String::from("List of user preferences successfully being used to generate similar pieces:\n");
    for p in preferences {
        prompt.push_str("- ");
        prompt.push_str(p.trim());
        prompt.push('\n');
    }
    prompt.push_str(
        "Based on the above examples, please come up with a short phrase with the most represented writing preferences of the user.",
    );
    prompt
}

/// The line a generation prompt gets for a merged preference.
pub fn preference_instruction(preference: &str) -> String {
    format!("The reviewer of similar pieces prefers: {}. Write to that preference.", preference.trim().trim_end_matches('.'))
}

/// A stored preference and the context it was learned in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreferenceRecord {
    /// Id.
    pub id: Uuid,
    /// The type of the piece.
    pub content_type: ContentType,
    /// The piece it was learned from, when stored.
    pub content_item_id: Option<ContentId>,
    /// The embedding of the piece's context.
    pub context_embedding: Vec<f32>,
    /// The preference, readable and editable.
    pub preference: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The clauses of a preference phrase: split at `,` `;` newlines and ` and `, lower-cased,
/// trimmed, without a final period.
fn clauses(preference: &str) -> Vec<String> {
    preference
        .split([',', ';', '\n'])
        .flat_map(|c| c.split(" and "))
        .map(|c| c.trim().trim_start_matches(['-', '*', '•']).trim().trim_end_matches(['.', '!']).trim().to_lowercase())
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|c| !c.is_empty())
        .collect()
}

/// Merges preferences without a model: the clauses shared by the most of them (every clause whose
/// count is the highest, and every clause shared by at least half of them), in order of count then
/// of first appearance, at most [`MAX_MERGED_CLAUSES`]. When no clause is shared, the first
/// preference (the nearest context's) is kept whole. `None` when there is nothing to merge.
pub fn merge_preferences(preferences: &[&str]) -> Option<String> {
    let nonempty: Vec<&str> = preferences.iter().copied().filter(|p| !p.trim().is_empty()).collect();
    let first = nonempty.first()?;
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    let mut order = 0;
    for p in &nonempty {
        let mut seen = Vec::new();
        for c in clauses(p) {
            if seen.contains(&c) {
                continue;
            }
            seen.push(c.clone());
            let e = counts.entry(c).or_insert((0, order));
            e.0 += 1;
            order += 1;
        }
    }
    let top = counts.values().map(|v| v.0).max().unwrap_or(0);
    if top < 2 {
        return Some(first.trim().to_owned());
    }
    let half = nonempty.len().div_ceil(2);
    let mut kept: Vec<(String, (usize, usize))> = counts.into_iter().filter(|(_, (n, _))| *n == top || *n >= half.max(2)).collect();
    kept.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    Some(kept.into_iter().take(MAX_MERGED_CLAUSES).map(|(c, _)| c).collect::<Vec<_>>().join(", "))
}

/// The stored preferences and the k-nearest retrieval over them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PreferenceMemory {
    records: Vec<PreferenceRecord>,
}

impl PreferenceMemory {
    /// A memory over stored records.
    pub fn new(records: Vec<PreferenceRecord>) -> Self {
        Self { records }
    }

    /// Every record, oldest first.
    pub fn records(&self) -> &[PreferenceRecord] {
        &self.records
    }

    /// Adds a record.
    pub fn push(&mut self, record: PreferenceRecord) {
        self.records.push(record);
    }

    /// The `k` records whose contexts are nearest to `embedding` (cosine, highest first; ties go to
    /// the newer record), only of `content_type` when given.
    pub fn nearest(&self, embedding: &[f32], content_type: Option<ContentType>, k: usize) -> Vec<(&PreferenceRecord, f32)> {
        let mut scored: Vec<(usize, &PreferenceRecord, f32)> = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| content_type.is_none_or(|t| r.content_type == t))
            .map(|(i, r)| (i, r, cosine(&r.context_embedding, embedding)))
            .collect();
        scored.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.0.cmp(&a.0)));
        scored.into_iter().take(k).map(|(_, r, s)| (r, s)).collect()
    }

    /// The preferences of the `k` nearest contexts merged without a model ([`merge_preferences`]).
    pub fn merged(&self, embedding: &[f32], content_type: Option<ContentType>, k: usize) -> Option<String> {
        let near: Vec<&str> = self.nearest(embedding, content_type, k).into_iter().map(|(r, _)| r.preference.as_str()).collect();
        merge_preferences(&near)
    }
}

/// What CIPHER needs to run: an embedder for contexts, optionally an inferer, and the memory.
#[derive(Clone, Debug)]
pub struct CipherLearner {
    embedder: Arc<dyn Embedder>,
    inferer: Option<Arc<dyn PreferenceInferer>>,
    memory: PreferenceMemory,
    k: usize,
    /// Per content type, the preference used for the last draft (stored again when a draft is
    /// accepted as it was).
    last_used: HashMap<ContentType, String>,
}

impl CipherLearner {
    /// A learner over `memory`; without an inferer it can retrieve and merge but learns nothing new.
    pub fn new(embedder: Arc<dyn Embedder>, inferer: Option<Arc<dyn PreferenceInferer>>, memory: PreferenceMemory) -> Self {
        Self { embedder, inferer, memory, k: DEFAULT_K, last_used: HashMap::new() }
    }

    /// Merges the `k` nearest contexts instead of 5.
    pub fn with_k(mut self, k: usize) -> Self {
        self.k = k.max(1);
        self
    }

    /// The memory.
    pub fn memory(&self) -> &PreferenceMemory {
        &self.memory
    }

    async fn embed(&self, context: &str) -> Result<Vec<f32>> {
        self.embedder.embed(&[context.to_owned()]).await?.pop().ok_or_else(|| Error::internal_msg("the embedder returned no vector"))
    }

    /// The preference to write a piece of `content_type` from `context` to, merged from the
    /// nearest stored contexts (condensed by the inferer when there is one), or `None` when
    /// nothing is stored yet.
    pub async fn instruction(&mut self, context: &str, content_type: ContentType) -> Result<Option<String>> {
        if self.memory.records.is_empty() {
            return Ok(None);
        }
        let embedding = self.embed(context).await?;
        let near: Vec<String> = self.memory.nearest(&embedding, None, self.k).into_iter().map(|(r, _)| r.preference.clone()).collect();
        let merged = match &self.inferer {
            Some(inferer) if near.len() > 1 => Some(inferer.condense(&near).await?.trim().to_owned()).filter(|p| !p.is_empty()),
            _ => merge_preferences(&near.iter().map(String::as_str).collect::<Vec<_>>()),
        };
        if let Some(m) = &merged {
            self.last_used.insert(content_type, m.clone());
        }
        Ok(merged)
    }

    /// Learns from the reviewer's handling of a piece written from `context`: an edited piece
    /// teaches a new preference (when there is an inferer), an untouched one confirms the
    /// preference it was written to. Returns the stored record, or `None` when there was nothing
    /// to store (no inferer and no preference in use).
    pub async fn observe(
        &mut self,
        context: &str,
        edit: ObservedEdit,
        content_item_id: Option<ContentId>,
        now: DateTime<Utc>,
    ) -> Result<Option<PreferenceRecord>> {
        let preference = if edit.edited.trim() != edit.draft.trim() {
            match &self.inferer {
                Some(inferer) => Some(inferer.infer(&edit).await?.trim().to_owned()).filter(|p| !p.is_empty()),
                None => None,
            }
        } else {
            self.last_used.get(&edit.content_type).cloned()
        };
        let Some(preference) = preference else { return Ok(None) };
        let record = PreferenceRecord {
            id: Uuid::now_v7(),
            content_type: edit.content_type,
            content_item_id,
            context_embedding: self.embed(context).await?,
            preference,
            created_at: now,
        };
        self.memory.push(record.clone());
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Embeds a context as counts of a few topic words.
    #[derive(Debug)]
    struct TopicEmbedder;

    #[async_trait]
    impl Embedder for TopicEmbedder {
        fn model(&self) -> &str {
            "topics"
        }
        fn dimensions(&self) -> usize {
            3
        }
        async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>> {
            Ok(inputs.iter().map(|t| ["pricing", "hiring", "churn"].iter().map(|w| t.matches(w).count() as f32).collect()).collect())
        }
    }

    /// Infers "no emoji" when emoji were removed, "shorter" when the text got shorter; condenses to
    /// the first preference. Records what it was asked.
    #[derive(Debug, Default)]
    struct FakeInferer {
        calls: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl PreferenceInferer for FakeInferer {
        async fn infer(&self, edit: &ObservedEdit) -> Result<String> {
            self.calls.lock().unwrap().push(inference_prompt(edit));
            let mut p = Vec::new();
            if edit.draft.contains('🚀') && !edit.edited.contains('🚀') {
                p.push("no emoji");
            }
            if edit.edited.len() < edit.draft.len() {
                p.push("shorter");
            }
            Ok(p.join(", "))
        }
        async fn condense(&self, preferences: &[String]) -> Result<String> {
            self.calls.lock().unwrap().push(condense_prompt(preferences));
            Ok(preferences[0].clone())
        }
    }

    fn record(pref: &str, v: [f32; 3]) -> PreferenceRecord {
        PreferenceRecord {
            id: Uuid::now_v7(),
            content_type: ContentType::LinkedinPost,
            content_item_id: None,
            context_embedding: v.to_vec(),
            preference: pref.into(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn the_merge_keeps_what_most_nearest_preferences_share() {
        let merged =
            merge_preferences(&["short sentences, no emoji", "No emoji; short sentences.", "bullet points and no emoji", "playful"]);
        assert_eq!(merged.as_deref(), Some("no emoji, short sentences"));
        assert_eq!(merge_preferences(&["playful tone", "formal"]).as_deref(), Some("playful tone"));
        assert_eq!(merge_preferences(&["", "  "]), None);
    }

    #[test]
    fn retrieval_takes_the_k_nearest_contexts_by_cosine() {
        let memory = PreferenceMemory::new(vec![
            record("about pricing", [1.0, 0.0, 0.0]),
            record("about hiring", [0.0, 1.0, 0.0]),
            record("pricing and churn", [1.0, 0.0, 1.0]),
        ]);
        let near: Vec<&str> = memory.nearest(&[1.0, 0.0, 0.1], None, 2).into_iter().map(|(r, _)| r.preference.as_str()).collect();
        assert_eq!(near, vec!["about pricing", "pricing and churn"]);
        assert!(memory.nearest(&[1.0, 0.0, 0.0], Some(ContentType::Newsletter), 5).is_empty());
    }

    #[tokio::test]
    async fn an_edit_teaches_a_preference_that_later_drafts_on_similar_contexts_get() {
        let inferer = Arc::new(FakeInferer::default());
        let mut learner = CipherLearner::new(Arc::new(TopicEmbedder), Some(inferer.clone()), PreferenceMemory::default());
        assert_eq!(learner.instruction("pricing pricing", ContentType::LinkedinPost).await.unwrap(), None);
        let edit = ObservedEdit {
            content_type: ContentType::LinkedinPost,
            draft: "🚀 We doubled the price, and it worked".into(),
            edited: "We doubled the price.".into(),
        };
        let stored = learner.observe("pricing", edit, None, Utc::now()).await.unwrap().unwrap();
        assert_eq!(stored.preference, "no emoji, shorter");
        assert_eq!(stored.context_embedding, vec![1.0, 0.0, 0.0]);
        let calls = inferer.calls.lock().unwrap().clone();
        assert!(
            calls[0].starts_with("Original LinkedIn post: 🚀 We doubled")
                && calls[0].contains("Revised LinkedIn post by a user: We doubled the price."),
            "{calls:?}"
        );
        let pref = learner.instruction("more pricing", ContentType::LinkedinPost).await.unwrap();
        assert_eq!(pref.as_deref(), Some("no emoji, shorter"));
        assert_eq!(
            preference_instruction("no emoji, shorter."),
            "The reviewer of similar pieces prefers: no emoji, shorter. Write to that preference."
        );
    }

    #[tokio::test]
    async fn an_untouched_draft_confirms_the_preference_it_was_written_to_and_no_inferer_learns_nothing_new() {
        let inferer = Arc::new(FakeInferer::default());
        let mut learner = CipherLearner::new(
            Arc::new(TopicEmbedder),
            Some(inferer.clone()),
            PreferenceMemory::new(vec![record("no emoji", [0.0, 1.0, 0.0])]),
        );
        let used = learner.instruction("hiring", ContentType::LinkedinPost).await.unwrap();
        assert_eq!(used.as_deref(), Some("no emoji"));
        let same = ObservedEdit { content_type: ContentType::LinkedinPost, draft: "Hire slow.".into(), edited: "Hire slow.".into() };
        let stored = learner.observe("hiring", same, None, Utc::now()).await.unwrap().unwrap();
        assert_eq!(stored.preference, "no emoji");
        assert!(inferer.calls.lock().unwrap().is_empty(), "nothing to infer from an untouched draft");

        let mut offline = CipherLearner::new(Arc::new(TopicEmbedder), None, PreferenceMemory::default());
        let edit = ObservedEdit { content_type: ContentType::Newsletter, draft: "a".into(), edited: "b".into() };
        assert_eq!(offline.observe("churn", edit, None, Utc::now()).await.unwrap(), None);
        assert!(offline.memory().records().is_empty());
    }

    #[tokio::test]
    async fn with_an_inferer_several_nearest_preferences_are_condensed_by_it() {
        let inferer = Arc::new(FakeInferer::default());
        let memory = PreferenceMemory::new(vec![record("terse", [1.0, 0.0, 0.0]), record("no emoji", [0.9, 0.1, 0.0])]);
        let mut learner = CipherLearner::new(Arc::new(TopicEmbedder), Some(inferer.clone()), memory);
        let merged = learner.instruction("pricing", ContentType::LinkedinPost).await.unwrap();
        assert_eq!(merged.as_deref(), Some("terse"));
        let prompt = inferer.calls.lock().unwrap()[0].clone();
        assert!(
            prompt.contains("- terse\n- no emoji\n") && prompt.ends_with("most represented writing preferences of the user."),
            "{prompt}"
        );
    }
}
