//! CIPHER wired into the engine ([`PreferenceService`]): reviewer edits teach preferences through
//! a job, and generation reads the merged preference of the nearest contexts.
//!
//! - **After an edit.** [`ReviewService::edit`](crate::review::ReviewService::edit) tells its
//!   [`EditObserver`]; the service only enqueues a `learn.preference` job (the edit request never
//!   waits for a model). The job ([`PreferenceHandler`]) reads the version before the edit and the
//!   edited one, embeds the piece's context ([`preference_context`]: its source's title and
//!   opening), asks the [`PreferenceInferer`] for the preference shown ([`CipherLearner::observe`])
//!   and stores the record with the embedding.
//! - **At generation.** The bundle pipeline asks [`PreferenceSource::instruction`] once per
//!   request with the source's context: the k = 5 nearest stored contexts' preferences, condensed
//!   by the inferer when there are several ([`CipherLearner::instruction`]), become one line of
//!   the instruction ([`preference_instruction`]).
//! - **Readable and editable.** Records are listed, rewritten and deleted by an admin
//!   (`GET /learning/preferences`, `PATCH`/`DELETE /learning/preferences/{id}`); nothing is
//!   fine-tuned.
//!
//! The engine wires all of this only when an inferer (a language model) is configured; offline,
//! no job is enqueued and prompts are unchanged.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::preferences::{
    CipherLearner, DEFAULT_K, ObservedEdit, PreferenceInferer, PreferenceMemory, PreferenceRecord, preference_instruction,
};
use crate::clock::Clock;
use crate::domain::{ContentId, ContentItem, ContentType, JobKind, NewJob};
use crate::jobs::{JobContext, JobHandler, JobQueue};
use crate::store::{ContentStore, LearningStore, SourceStore};
use crate::vector::Embedder;
use crate::{Error, Result};

/// The kind of the job that learns a preference from one edit.
pub const PREFERENCE_JOB: &str = "learn.preference";

/// Characters of a source's text that make a piece's context.
pub const CONTEXT_CHARS: usize = 2_000;

/// The context a piece is written from, as CIPHER embeds it: the source's title and the opening
/// [`CONTEXT_CHARS`] characters of its text.
pub fn preference_context(title: Option<&str>, text: &str) -> String {
    let mut context = title.map(|t| format!("{}\n", t.trim())).unwrap_or_default();
    context.extend(text.chars().take(CONTEXT_CHARS));
    context
}

/// Told when a reviewer changed an item's text (after the change is stored).
#[async_trait]
pub trait EditObserver: Send + Sync + Debug + 'static {
    /// `item` (now at its new version) was edited; `before` is the item as it was.
    async fn edited(&self, before: &ContentItem, item: &ContentItem) -> Result<()>;
}

/// Where generation reads the reviewer's preference for a context.
#[async_trait]
pub trait PreferenceSource: Send + Sync + Debug + 'static {
    /// The line to add to the instruction for a piece of `content_type` written from `context`,
    /// or `None` when nothing is learned yet.
    async fn instruction(&self, context: &str, content_type: ContentType) -> Result<Option<String>>;
}

fn _assert_dyn(_: &dyn EditObserver, _: &dyn PreferenceSource, _: &dyn PreferenceStores) {}

/// What the preference use-cases read and write.
pub trait PreferenceStores: LearningStore + ContentStore + SourceStore + JobQueue {}
impl<T: LearningStore + ContentStore + SourceStore + JobQueue + ?Sized> PreferenceStores for T {}

/// The payload of a `learn.preference` job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferenceJob {
    /// The edited item.
    pub content_item_id: ContentId,
    /// The version the edit made (the draft is the version before it).
    pub version: i32,
}

/// CIPHER over a store (see the [module docs](self)). Cheap to clone.
#[derive(Clone, Debug)]
pub struct PreferenceService {
    store: Arc<dyn PreferenceStores>,
    embedder: Arc<dyn Embedder>,
    inferer: Option<Arc<dyn PreferenceInferer>>,
    clock: Arc<dyn Clock>,
    k: usize,
}

impl PreferenceService {
    /// Preferences in `store`, contexts embedded by `embedder`, learned by `inferer` (none: the
    /// records can be read, edited and merged, but edits teach nothing).
    pub fn new(
        store: Arc<dyn PreferenceStores>,
        embedder: Arc<dyn Embedder>,
        inferer: Option<Arc<dyn PreferenceInferer>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { store, embedder, inferer, clock, k: DEFAULT_K }
    }

    /// Whether edits teach preferences (an inferer is configured).
    pub fn learns(&self) -> bool {
        self.inferer.is_some()
    }

    async fn learner(&self) -> Result<CipherLearner> {
        let memory = PreferenceMemory::new(self.store.list_preferences(None).await?);
        Ok(CipherLearner::new(self.embedder.clone(), self.inferer.clone(), memory).with_k(self.k))
    }

    /// Every stored preference, oldest first (of one type when given).
    pub async fn list(&self, content_type: Option<ContentType>) -> Result<Vec<PreferenceRecord>> {
        self.store.list_preferences(content_type).await
    }

    /// Rewrites a preference (trimmed; empty is `InvalidInput`).
    pub async fn update(&self, id: Uuid, preference: &str) -> Result<PreferenceRecord> {
        if preference.trim().is_empty() {
            return Err(Error::invalid_field("preference", "must not be empty"));
        }
        self.store.update_preference(id, preference.trim().to_owned()).await
    }

    /// Deletes a preference; later generations no longer see it.
    pub async fn delete(&self, id: Uuid) -> Result<()> {
        self.store.delete_preference(id).await
    }

    /// The context `item` was written from: its source's title and opening, else its own title
    /// and `fallback` (the draft).
    async fn context_of(&self, item: &ContentItem, fallback: &str) -> Result<String> {
        if let Some(id) = item.source_id {
            match self.store.get_source(id).await {
                Ok(s) => {
                    if let Some(t) = s.transcript.as_deref().filter(|t| !t.trim().is_empty()) {
                        return Ok(preference_context(s.title.as_deref(), t));
                    }
                }
                Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(preference_context(item.title.as_deref(), fallback))
    }

    /// Enqueues the learning of edit `version` of `id` (deduplicated per version).
    pub async fn enqueue(&self, id: ContentId, version: i32) -> Result<()> {
        let payload = serde_json::to_value(PreferenceJob { content_item_id: id, version })
            .map_err(|e| Error::internal("encoding a preference job", e))?;
        let job =
            NewJob::new(JobKind::new(PREFERENCE_JOB)?, payload).dedupe_key(format!("{PREFERENCE_JOB}:{id}:{version}")).max_attempts(3);
        self.store.enqueue(job).await?;
        Ok(())
    }

    /// Learns from edit `version` of `id`: the preference the change from `version − 1` shows,
    /// stored with the context's embedding. `None` when the text did not change or there is no
    /// inferer.
    pub async fn observe(&self, id: ContentId, version: i32) -> Result<Option<PreferenceRecord>> {
        if self.inferer.is_none() {
            return Ok(None);
        }
        let item = self.store.get_content(id).await?;
        let versions = self.store.list_versions(id).await?;
        let edited = versions.iter().find(|v| v.version == version).ok_or_else(|| Error::not_found("content version", version))?;
        let Some(draft) = versions.iter().filter(|v| v.version < version).max_by_key(|v| v.version) else {
            return Ok(None);
        };
        if draft.content.trim() == edited.content.trim() {
            return Ok(None);
        }
        let context = self.context_of(&item, &draft.content).await?;
        let edit = ObservedEdit { content_type: item.content_type, draft: draft.content.clone(), edited: edited.content.clone() };
        let mut learner = self.learner().await?;
        let Some(record) = learner.observe(&context, edit, Some(id), self.clock.now()).await? else { return Ok(None) };
        let stored = self.store.insert_preference(record).await?;
        tracing::info!(content_id = %id, version, preference = %stored.preference, "preference learned from an edit");
        Ok(Some(stored))
    }
}

#[async_trait]
impl EditObserver for PreferenceService {
    async fn edited(&self, before: &ContentItem, item: &ContentItem) -> Result<()> {
        if self.learns() && before.content.trim() != item.content.trim() {
            self.enqueue(item.id, item.version).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl PreferenceSource for PreferenceService {
    async fn instruction(&self, context: &str, content_type: ContentType) -> Result<Option<String>> {
        let mut learner = self.learner().await?;
        Ok(learner.instruction(context, content_type).await?.map(|p| preference_instruction(&p)))
    }
}

/// Runs [`PreferenceService::observe`] as the `learn.preference` job.
#[derive(Clone, Debug)]
pub struct PreferenceHandler {
    preferences: PreferenceService,
}

impl PreferenceHandler {
    /// The handler over `preferences`.
    pub fn new(preferences: PreferenceService) -> Self {
        Self { preferences }
    }
}

#[async_trait]
impl JobHandler for PreferenceHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(PREFERENCE_JOB).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let job: PreferenceJob = serde_json::from_value(ctx.job.payload.clone())
            .map_err(|e| Error::invalid_field("payload", format!("not a preference job: {e}")))?;
        let stored = self.preferences.observe(job.content_item_id, job.version).await?;
        Ok(Some(serde_json::json!({
            "preference_id": stored.as_ref().map(|r| r.id.to_string()),
            "preference": stored.map(|r| r.preference),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_is_the_title_and_the_opening_of_the_source() {
        let long = "a".repeat(CONTEXT_CHARS + 50);
        let c = preference_context(Some(" Pricing talk "), &long);
        assert!(c.starts_with("Pricing talk\naaa"));
        assert_eq!(c.chars().count(), "Pricing talk\n".len() + CONTEXT_CHARS);
        assert_eq!(preference_context(None, "short"), "short");
    }
}
