//! The knowledge-base use-cases: knowledge items (playbooks, example posts, frameworks, the
//! character diamond), ICP profiles and objections, each write answering only once the item is
//! stored **and** indexed, and retrieval over all of them.
//!
//! A create whose indexing fails is undone (vectors, then the row) and answers the error — an item
//! that is not searchable must not look saved; re-saving unchanged text does not call the embedder
//! again; a delete removes the vectors first, then the row.

use std::future::Future;
use std::sync::Arc;

use super::{IndexReport, KindFilter, KnowledgeIndexer, Retrieved, Retriever};
use crate::domain::{IcpProfile, IcpProfileId, KnowledgeId, KnowledgeItem, KnowledgeItemType, NewIcpProfile, NewKnowledgeItem, Objection};
use crate::store::KnowledgeStore;
use crate::{Error, Result};

/// The longest title of a knowledge item, in characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// The longest body of a knowledge item, in bytes.
pub const MAX_CONTENT_BYTES: usize = 1_000_000;
/// The longest entry of an ICP profile list, in characters.
pub const MAX_LIST_ENTRY_CHARS: usize = 2_000;
/// The most entries of an ICP profile list.
pub const MAX_LIST_LEN: usize = 200;
/// The most results a search returns.
pub const MAX_TOP_K: usize = 50;

/// Checks and tidies a knowledge item (trimmed title, non-empty body, object metadata).
pub fn validate_item(mut item: NewKnowledgeItem) -> Result<NewKnowledgeItem> {
    item.title = item.title.trim().to_owned();
    if item.title.is_empty() || item.title.chars().count() > MAX_TITLE_CHARS {
        return Err(Error::invalid_field("title", format!("between 1 and {MAX_TITLE_CHARS} characters")));
    }
    if item.content.trim().is_empty() {
        return Err(Error::invalid_field("content", "the content is empty"));
    }
    if item.content.len() > MAX_CONTENT_BYTES {
        return Err(Error::invalid_field("content", format!("at most {MAX_CONTENT_BYTES} bytes")));
    }
    if item.metadata.is_null() {
        item.metadata = serde_json::json!({});
    }
    if !item.metadata.is_object() {
        return Err(Error::invalid_field("metadata", "must be a JSON object"));
    }
    Ok(item)
}

fn clean_list(field: &'static str, list: Vec<String>) -> Result<Vec<String>> {
    if list.len() > MAX_LIST_LEN {
        return Err(Error::invalid_field(field, format!("at most {MAX_LIST_LEN} entries")));
    }
    let out: Vec<String> = list.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    if out.iter().any(|s| s.chars().count() > MAX_LIST_ENTRY_CHARS) {
        return Err(Error::invalid_field(field, format!("entries of at most {MAX_LIST_ENTRY_CHARS} characters")));
    }
    Ok(out)
}

/// Checks and tidies an ICP profile (trimmed lists without empty entries; at least one pain point,
/// phrase, objection, goal or role).
pub fn validate_profile(p: NewIcpProfile) -> Result<NewIcpProfile> {
    let p = NewIcpProfile {
        source: p.source,
        source_id: p.source_id,
        pain_points: clean_list("pain_points", p.pain_points)?,
        language_patterns: clean_list("language_patterns", p.language_patterns)?,
        objections: clean_list("objections", p.objections)?,
        goals: clean_list("goals", p.goals)?,
        role: p.role.filter(|s| !s.trim().is_empty()),
        company_size: p.company_size.filter(|s| !s.trim().is_empty()),
        industry: p.industry.filter(|s| !s.trim().is_empty()),
    };
    if p.pain_points.is_empty() && p.language_patterns.is_empty() && p.objections.is_empty() && p.goals.is_empty() && p.role.is_none() {
        return Err(Error::invalid_field("pain_points", "a profile needs at least one pain point, phrase, objection, goal or role"));
    }
    Ok(p)
}

/// Stores with `create`, indexes with `index`, and on an indexing failure undoes both (`unindex`,
/// then `delete`), answering the indexing error.
async fn create_indexed<T, Id: Copy + std::fmt::Display>(
    what: &str,
    created: T,
    id: Id,
    index: impl Future<Output = Result<IndexReport>>,
    unindex: impl Future<Output = Result<usize>>,
    delete: impl Future<Output = Result<()>>,
) -> Result<(T, IndexReport)> {
    match index.await {
        Ok(report) => Ok((created, report)),
        Err(e) => {
            if let Err(undo) = unindex.await {
                tracing::warn!(error = %undo, %id, "removing the vectors of a {what} that failed to index");
            }
            if let Err(undo) = delete.await {
                tracing::warn!(error = %undo, %id, "removing a {what} that failed to index");
            }
            Err(e)
        }
    }
}

/// The knowledge-base use-cases (see the module docs).
#[derive(Clone, Debug)]
pub struct KnowledgeService {
    store: Arc<dyn KnowledgeStore>,
    indexer: KnowledgeIndexer,
    retriever: Retriever,
}

impl KnowledgeService {
    /// Knowledge in `store`, indexed by `indexer`, searched by `retriever`.
    pub fn new(store: Arc<dyn KnowledgeStore>, indexer: KnowledgeIndexer, retriever: Retriever) -> Self {
        Self { store, indexer, retriever }
    }

    /// The indexer (transcripts are indexed by ingestion through it too).
    pub fn indexer(&self) -> &KnowledgeIndexer {
        &self.indexer
    }

    /// The retriever.
    pub fn retriever(&self) -> &Retriever {
        &self.retriever
    }

    /// Knowledge items, optionally of one type, oldest first.
    pub async fn items(&self, item_type: Option<KnowledgeItemType>) -> Result<Vec<KnowledgeItem>> {
        self.store.list_knowledge(item_type).await
    }

    /// One knowledge item.
    pub async fn item(&self, id: KnowledgeId) -> Result<KnowledgeItem> {
        self.store.get_knowledge(id).await
    }

    /// Stores and indexes a knowledge item (undone when indexing fails).
    pub async fn create_item(&self, item: NewKnowledgeItem) -> Result<(KnowledgeItem, IndexReport)> {
        let item = self.store.create_knowledge(validate_item(item)?).await?;
        let id = item.id;
        let (_, report) = create_indexed(
            "knowledge item",
            (),
            id,
            self.indexer.index_knowledge_item(&item),
            self.indexer.remove_knowledge_item(id),
            self.store.delete_knowledge(id),
        )
        .await?;
        Ok((self.store.get_knowledge(id).await?, report))
    }

    /// Replaces a knowledge item and indexes it again (unchanged chunks are not embedded again).
    pub async fn update_item(&self, id: KnowledgeId, item: NewKnowledgeItem) -> Result<(KnowledgeItem, IndexReport)> {
        let item = self.store.update_knowledge(id, validate_item(item)?).await?;
        let report = self.indexer.index_knowledge_item(&item).await?;
        Ok((self.store.get_knowledge(id).await?, report))
    }

    /// Deletes a knowledge item and its vectors.
    pub async fn delete_item(&self, id: KnowledgeId) -> Result<()> {
        self.store.get_knowledge(id).await?;
        self.indexer.remove_knowledge_item(id).await?;
        self.store.delete_knowledge(id).await
    }

    /// Every ICP profile, oldest first.
    pub async fn profiles(&self) -> Result<Vec<IcpProfile>> {
        self.store.list_icp_profiles().await
    }

    /// One ICP profile.
    pub async fn profile(&self, id: IcpProfileId) -> Result<IcpProfile> {
        self.store.get_icp_profile(id).await
    }

    /// Stores and indexes an ICP profile (undone when indexing fails).
    pub async fn create_profile(&self, profile: NewIcpProfile) -> Result<(IcpProfile, IndexReport)> {
        let profile = self.store.create_icp_profile(validate_profile(profile)?).await?;
        let id = profile.id;
        let (_, report) = create_indexed(
            "ICP profile",
            (),
            id,
            self.indexer.index_icp_profile(&profile),
            self.indexer.remove_icp_profile(id),
            self.store.delete_icp_profile(id),
        )
        .await?;
        Ok((self.store.get_icp_profile(id).await?, report))
    }

    /// Replaces an ICP profile and indexes it again.
    pub async fn update_profile(&self, id: IcpProfileId, profile: NewIcpProfile) -> Result<(IcpProfile, IndexReport)> {
        let profile = self.store.update_icp_profile(id, validate_profile(profile)?).await?;
        let report = self.indexer.index_icp_profile(&profile).await?;
        Ok((self.store.get_icp_profile(id).await?, report))
    }

    /// Deletes an ICP profile and its vectors.
    pub async fn delete_profile(&self, id: IcpProfileId) -> Result<()> {
        self.store.get_icp_profile(id).await?;
        self.indexer.remove_icp_profile(id).await?;
        self.store.delete_icp_profile(id).await
    }

    /// Every objection, most frequent first.
    pub async fn objections(&self) -> Result<Vec<Objection>> {
        self.store.list_objections().await
    }

    /// The `top_k` (1–[`MAX_TOP_K`]) items closest to `query`.
    pub async fn search(&self, query: &str, kind: Option<KindFilter>, top_k: usize) -> Result<Vec<Retrieved>> {
        if !(1..=MAX_TOP_K).contains(&top_k) {
            return Err(Error::invalid_field("top_k", format!("between 1 and {MAX_TOP_K}")));
        }
        if query.trim().is_empty() {
            return Err(Error::invalid_field("q", "say what to look for"));
        }
        self.retriever.retrieve(query, kind, top_k).await
    }
}
