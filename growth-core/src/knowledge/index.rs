//! [`KnowledgeIndexer`]: chunks, embeds and stores knowledge items, ICP profiles and transcripts.
//!
//! # Records
//! Every chunk is one vector record with id `"{item_id}#{chunk_index}"` in its kind's namespace
//! ([`KNOWLEDGE_NAMESPACE`], [`ICP_NAMESPACE`], [`SOURCES_NAMESPACE`]) and this metadata:
//!
//! | key | value |
//! |---|---|
//! | `kind` | the knowledge item type (`playbook` …), `icp` or `transcript` |
//! | `item_id` | the knowledge item, ICP profile or source id |
//! | `title` | the item's title |
//! | `chunk` | the chunk index |
//! | `text` | the chunk's text (returned by retrieval) |
//! | `content_hash` | SHA-256 (hex) of the embedder model and the exact text embedded (the title, a blank line and the chunk for knowledge items; the chunk otherwise) |
//! | `metadata_hash` | SHA-256 (hex) of all the other metadata, as JSON with sorted keys |
//! | `item_type`, `performance_score` | knowledge items (PRD §2.2); the score when the item's metadata has a number there |
//! | `role`, `company_size`, `industry`, `pain_point` | ICP profiles (PRD §2.2); `pain_point` is the list of pain points |
//! | `speakers`, `start_ms`, `end_ms` | transcripts |
//!
//! # Re-indexing
//! Before embedding, the indexer lists the item's stored chunks with
//! [`VectorStore::list_metadata`] (the hash manifest lives in the records' own metadata, so no
//! second store can drift from the vectors, and no trait method beyond a defaulted one is needed).
//! It asks for at most [`LIST_PAGE`] records at a time (Pinecone's most matches per query); an
//! item with more is listed page by page of chunk indices.
//! A chunk whose stored `content_hash` and `metadata_hash` equal the new ones is left alone and not
//! embedded; the others are embedded and upserted; chunks past the new last one are deleted after
//! the upsert. Re-indexing unchanged text makes no embedder call and no write. A change of metadata
//! alone (say a new `performance_score`) re-embeds the chunks concerned, since the trait gives no
//! way to read a stored vector back; such changes are rare next to text edits.
//!
//! # Reliability (architecture rule 3)
//! An item is marked indexed (`set_knowledge_embedding` / `set_icp_embedding`, with the id of its
//! first chunk) only after its vectors are stored and its stale chunks deleted. When the embedder or
//! the vector store fails, nothing is marked and the error is returned; running the indexer again
//! completes the work, embedding only what is not stored yet.
//!
//! Two indexers working on the same item at the same time are not coordinated: run indexing of an
//! item from one job at a time.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::chunk::{Chunk, ChunkConfig, Chunker};
use crate::domain::{IcpProfile, IcpProfileId, KnowledgeId, KnowledgeItem, SourceId, Transcript};
use crate::ingest::CancelFlag;
use crate::ingest::cancel::run_blocking;
use crate::store::KnowledgeStore;
use crate::vector::{Embedder, Metadata, MetadataFilter, VectorRecord, VectorStore};
use crate::{Error, Result};

/// Namespace of knowledge-item chunks.
pub const KNOWLEDGE_NAMESPACE: &str = "knowledge";
/// Namespace of ICP-profile chunks.
pub const ICP_NAMESPACE: &str = "icp";
/// Namespace of source-transcript chunks.
pub const SOURCES_NAMESPACE: &str = "sources";

/// The most chunks one item may have (the indexer lists at most this many to find stale ones):
/// about 90 MB of text in the default 500-token chunks.
pub const MAX_CHUNKS_PER_ITEM: usize = 50_000;

/// Most records one listing asks for (Pinecone answers at most 10,000 matches per query).
pub const LIST_PAGE: usize = 10_000;

/// Texts up to this size are chunked on the calling thread; bigger ones on tokio's blocking pool.
const INLINE_BYTES: usize = 64 * 1024;

/// Inputs per embedder call and records per upsert.
const BATCH: usize = 64;

/// What one indexing run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexReport {
    /// Chunks the item has now.
    pub chunks: usize,
    /// Chunks embedded and stored by this run.
    pub embedded: usize,
    /// Chunks already stored with the same text and metadata, left alone.
    pub unchanged: usize,
    /// Stale chunks of an earlier version deleted.
    pub deleted: usize,
}

/// Chunks, embeds and stores knowledge items, ICP profiles and source transcripts.
#[derive(Clone, Debug)]
pub struct KnowledgeIndexer {
    embedder: Arc<dyn Embedder>,
    vectors: Arc<dyn VectorStore>,
    store: Arc<dyn KnowledgeStore>,
    chunker: Chunker,
    list_page: usize,
}

/// `Error::Config` unless the embedder and the vector store agree on the dimension.
pub(crate) fn check_dimensions(embedder: &dyn Embedder, vectors: &dyn VectorStore) -> Result<()> {
    if embedder.dimensions() != vectors.dimensions() {
        return Err(Error::Config(format!(
            "the embedder `{}` makes {}-dimensional vectors but the vector store holds {}-dimensional ones",
            embedder.model(),
            embedder.dimensions(),
            vectors.dimensions()
        )));
    }
    Ok(())
}

/// One chunk ready to be stored: what to embed and the record's metadata.
struct Prepared {
    id: String,
    input: String,
    metadata: Metadata,
}

impl KnowledgeIndexer {
    /// An indexer; `Error::Config` when the embedder's and the vector store's dimensions differ
    /// (the message names both) or `config` is not a valid chunk configuration.
    pub fn new(
        embedder: Arc<dyn Embedder>,
        vectors: Arc<dyn VectorStore>,
        store: Arc<dyn KnowledgeStore>,
        config: ChunkConfig,
    ) -> Result<Self> {
        check_dimensions(embedder.as_ref(), vectors.as_ref())?;
        Ok(Self { embedder, vectors, store, chunker: Chunker::new(config)?, list_page: LIST_PAGE })
    }

    /// The chunker in use.
    pub fn chunker(&self) -> &Chunker {
        &self.chunker
    }

    /// Indexes a knowledge item in [`KNOWLEDGE_NAMESPACE`]: its content is chunked (Markdown-aware),
    /// each chunk embedded with the title in front; then the item's embedding id is set to its
    /// first chunk's id. Blank content is `Error::InvalidInput`, after the vectors of an earlier
    /// version (if any) are deleted.
    pub async fn index_knowledge_item(&self, item: &KnowledgeItem) -> Result<IndexReport> {
        let item_id = item.id.to_string();
        let (chunker, content) = (self.chunker.clone(), item.content.clone());
        let inline = content.len() <= INLINE_BYTES;
        let chunks = run_blocking(&CancelFlag::new(), inline, move |cancel| Ok(chunker.chunk_text_with(&content, cancel)?)).await?;
        if chunks.is_empty() {
            // Vectors of an earlier version would keep answering queries with text that is gone.
            self.remove(KNOWLEDGE_NAMESPACE, &item_id).await?;
            return Err(Error::invalid_field("content", format!("knowledge item {item_id} has no text to index")));
        }
        let mut base = Metadata::new();
        base.insert("kind".into(), json!(item.item_type.as_str()));
        base.insert("item_type".into(), json!(item.item_type.as_str()));
        if let Some(score) = item.metadata.get("performance_score").filter(|v| v.is_number()) {
            base.insert("performance_score".into(), score.clone());
        }
        let prepared = prepare(self.embedder.model(), &item_id, &item.title, &base, &chunks, |c| format!("{}\n\n{}", item.title, c.text));
        let report = self.sync(KNOWLEDGE_NAMESPACE, &item_id, prepared, &CancelFlag::new()).await?;
        self.store.set_knowledge_embedding(item.id, Some(first_chunk_id(&item_id))).await?;
        Ok(report)
    }

    /// Indexes an ICP profile in [`ICP_NAMESPACE`]: the profile is written out as text (role,
    /// company size, industry, then pain points, language, objections and goals as lists), chunked
    /// and embedded; then the profile's embedding id is set to its first chunk's id.
    pub async fn index_icp_profile(&self, profile: &IcpProfile) -> Result<IndexReport> {
        let item_id = profile.id.to_string();
        let text = icp_text(profile);
        let chunks = self.chunker.chunk_text(&text);
        if chunks.is_empty() {
            return Err(Error::invalid(format!("ICP profile {item_id} has nothing to index")));
        }
        let title = icp_title(profile);
        let mut base = Metadata::new();
        base.insert("kind".into(), json!("icp"));
        for (key, value) in [("role", &profile.role), ("company_size", &profile.company_size), ("industry", &profile.industry)] {
            if let Some(v) = value {
                base.insert(key.into(), json!(v));
            }
        }
        base.insert("pain_point".into(), json!(profile.pain_points));
        let prepared = prepare(self.embedder.model(), &item_id, &title, &base, &chunks, |c| c.text.clone());
        let report = self.sync(ICP_NAMESPACE, &item_id, prepared, &CancelFlag::new()).await?;
        self.store.set_icp_embedding(profile.id, Some(first_chunk_id(&item_id))).await?;
        Ok(report)
    }

    /// Indexes a source's transcript in [`SOURCES_NAMESPACE`], chunked along speaker turns; each
    /// chunk records its speakers and times. A transcript without words is `Error::InvalidInput`.
    ///
    /// Chunking (and hashing the chunks) runs on tokio's blocking pool for transcripts over 64 KiB,
    /// and stops when the returned future is dropped; see [`index_transcript_with`](Self::index_transcript_with).
    pub async fn index_transcript(&self, source_id: SourceId, transcript: &Transcript) -> Result<IndexReport> {
        self.index_transcript_with(source_id, transcript, &CancelFlag::new()).await
    }

    /// [`index_transcript`](Self::index_transcript) under `cancel`: it is checked after every chunk
    /// and before every batch of embeddings, and its [`work`](CancelFlag::work) counts the chunking.
    /// A cancelled run stores nothing more and returns `Error::Transient` (run it again to finish:
    /// chunks already stored are not embedded twice).
    pub async fn index_transcript_with(&self, source_id: SourceId, transcript: &Transcript, cancel: &CancelFlag) -> Result<IndexReport> {
        let item_id = source_id.to_string();
        let title = format!("Transcript of source {item_id}");
        let size: usize = transcript.segments.iter().map(|s| s.text.len() + s.speaker.as_ref().map_or(0, String::len)).sum();
        let (chunker, model, transcript, id) =
            (self.chunker.clone(), self.embedder.model().to_owned(), transcript.clone(), item_id.clone());
        let prepared = run_blocking(cancel, size <= INLINE_BYTES, move |cancel| {
            let chunks = chunker.chunk_transcript_with(&transcript, cancel)?;
            if chunks.is_empty() {
                return Err(Error::invalid(format!("the transcript of source {id} has no text to index")));
            }
            let mut base = Metadata::new();
            base.insert("kind".into(), json!("transcript"));
            let mut prepared = prepare(&model, &id, &title, &base, &chunks, |c| c.text.clone());
            for (p, c) in prepared.iter_mut().zip(&chunks) {
                p.metadata.insert("speakers".into(), json!(c.speakers));
                if let Some(ms) = c.start_ms {
                    p.metadata.insert("start_ms".into(), json!(ms));
                }
                if let Some(ms) = c.end_ms {
                    p.metadata.insert("end_ms".into(), json!(ms));
                }
            }
            Ok(prepared)
        })
        .await?;
        self.sync(SOURCES_NAMESPACE, &item_id, prepared, cancel).await
    }

    /// Deletes a knowledge item's vectors, then clears its embedding id (if the item still exists).
    pub async fn remove_knowledge_item(&self, id: KnowledgeId) -> Result<usize> {
        let removed = self.remove(KNOWLEDGE_NAMESPACE, &id.to_string()).await?;
        match self.store.set_knowledge_embedding(id, None).await {
            Ok(_) | Err(Error::NotFound { .. }) => Ok(removed),
            Err(e) => Err(e),
        }
    }

    /// Deletes an ICP profile's vectors, then clears its embedding id (if the profile still exists).
    pub async fn remove_icp_profile(&self, id: IcpProfileId) -> Result<usize> {
        let removed = self.remove(ICP_NAMESPACE, &id.to_string()).await?;
        match self.store.set_icp_embedding(id, None).await {
            Ok(_) | Err(Error::NotFound { .. }) => Ok(removed),
            Err(e) => Err(e),
        }
    }

    /// Deletes a source transcript's vectors.
    pub async fn remove_transcript(&self, source_id: SourceId) -> Result<usize> {
        self.remove(SOURCES_NAMESPACE, &source_id.to_string()).await
    }

    /// The stored chunks of `item_id` with their metadata: one listing when they fit in a page,
    /// else one listing per page of chunk indices (`chunk` in `[k·page, (k+1)·page)`) up to the
    /// first empty page.
    async fn stored_chunks(&self, namespace: &str, item_id: &str) -> Result<BTreeMap<String, Metadata>> {
        let page = self.list_page;
        let first = self.vectors.list_metadata(namespace, item_filter(item_id), page).await?;
        if first.len() < page {
            return Ok(first);
        }
        // Chunk indices run from 0 without gaps (any version's): the first empty page is the end.
        let mut all = BTreeMap::new();
        for k in 0..MAX_CHUNKS_PER_ITEM.div_ceil(page) {
            let indices = (k * page..(k + 1) * page).map(|i| json!(i)).collect();
            let filter = MetadataFilter::And(vec![item_filter(item_id), MetadataFilter::In("chunk".into(), indices)]);
            let found = self.vectors.list_metadata(namespace, filter, page).await?;
            if found.is_empty() {
                break;
            }
            all.extend(found);
        }
        Ok(all)
    }

    #[cfg(test)]
    fn with_list_page(mut self, page: usize) -> Self {
        self.list_page = page;
        self
    }

    async fn remove(&self, namespace: &str, item_id: &str) -> Result<usize> {
        let stored = self.stored_chunks(namespace, item_id).await?;
        let ids: Vec<String> = stored.into_keys().collect();
        if !ids.is_empty() {
            self.vectors.delete(namespace, &ids).await?;
        }
        Ok(ids.len())
    }

    /// Makes the stored chunks of `item_id` equal to `prepared`: embeds and upserts what changed,
    /// then deletes what is stale.
    async fn sync(&self, namespace: &str, item_id: &str, prepared: Vec<Prepared>, cancel: &CancelFlag) -> Result<IndexReport> {
        if prepared.len() > MAX_CHUNKS_PER_ITEM {
            return Err(Error::invalid(format!("{item_id} makes {} chunks; at most {MAX_CHUNKS_PER_ITEM} are allowed", prepared.len())));
        }
        let stored = self.stored_chunks(namespace, item_id).await?;
        let mut report = IndexReport { chunks: prepared.len(), ..IndexReport::default() };
        let wanted: HashSet<&str> = prepared.iter().map(|p| p.id.as_str()).collect();
        let stale: Vec<String> = stored.keys().filter(|id| !wanted.contains(id.as_str())).cloned().collect();
        // Hashes are compared as strings: stores may give numbers back in another representation.
        let same = |p: &Prepared| {
            stored
                .get(&p.id)
                .is_some_and(|m| ["content_hash", "metadata_hash"].iter().all(|k| m.get(*k).is_some_and(|v| Some(v) == p.metadata.get(*k))))
        };
        let changed: Vec<Prepared> = prepared.into_iter().filter(|p| !same(p)).collect();
        report.unchanged = report.chunks - changed.len();
        for batch in changed.chunks(BATCH) {
            cancel.check()?;
            let inputs: Vec<String> = batch.iter().map(|p| p.input.clone()).collect();
            let vectors = self.embedder.embed(&inputs).await?;
            if vectors.len() != inputs.len() {
                return Err(Error::internal_msg(format!(
                    "the embedder `{}` returned {} vectors for {} inputs",
                    self.embedder.model(),
                    vectors.len(),
                    inputs.len()
                )));
            }
            let records = batch
                .iter()
                .zip(vectors)
                .map(|(p, values)| VectorRecord { id: p.id.clone(), values, metadata: p.metadata.clone() })
                .collect();
            self.vectors.upsert(namespace, records).await?;
            report.embedded += batch.len();
        }
        if !stale.is_empty() {
            self.vectors.delete(namespace, &stale).await?;
            report.deleted = stale.len();
        }
        Ok(report)
    }
}

/// The records of `chunks`: what to embed and the metadata, hashed.
fn prepare(model: &str, item_id: &str, title: &str, base: &Metadata, chunks: &[Chunk], input: impl Fn(&Chunk) -> String) -> Vec<Prepared> {
    chunks
        .iter()
        .map(|c| {
            let input = input(c);
            let mut metadata = base.clone();
            metadata.insert("item_id".into(), json!(item_id));
            metadata.insert("title".into(), json!(title));
            metadata.insert("chunk".into(), json!(c.index));
            metadata.insert("text".into(), json!(c.text));
            metadata.insert("content_hash".into(), json!(content_hash(model, &input)));
            let fingerprint = metadata_hash(&metadata);
            metadata.insert("metadata_hash".into(), json!(fingerprint));
            Prepared { id: chunk_id(item_id, c.index), input, metadata }
        })
        .collect()
}

/// The vector id of chunk `index` of `item_id`.
pub fn chunk_id(item_id: &str, index: usize) -> String {
    format!("{item_id}#{index}")
}

fn first_chunk_id(item_id: &str) -> String {
    chunk_id(item_id, 0)
}

fn item_filter(item_id: &str) -> MetadataFilter {
    MetadataFilter::Eq("item_id".into(), Value::String(item_id.to_owned()))
}

/// SHA-256, in hex, of the embedder model and the exact text it embeds: equal hashes mean an
/// equal vector.
pub fn content_hash(model: &str, input: &str) -> String {
    let mut bytes = Vec::with_capacity(model.len() + 1 + input.len());
    bytes.extend_from_slice(model.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(input.as_bytes());
    hex_sha256(&bytes)
}

/// SHA-256, in hex, of the metadata as JSON (keys sorted): a change of title, score or times
/// shows even when the embedded text is the same.
fn metadata_hash(metadata: &Metadata) -> String {
    hex_sha256(serde_json::to_string(metadata).unwrap_or_default().as_bytes())
}

fn hex_sha256(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(bytes).iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn icp_title(p: &IcpProfile) -> String {
    match (&p.role, &p.company_size) {
        (Some(r), Some(s)) => format!("{r} ({s})"),
        (Some(r), None) => r.clone(),
        (None, Some(s)) => format!("ICP ({s})"),
        (None, None) => "ICP profile".to_owned(),
    }
}

/// The profile as Markdown, the text that is embedded.
fn icp_text(p: &IcpProfile) -> String {
    let mut out = String::new();
    for (label, value) in [("Role", &p.role), ("Company size", &p.company_size), ("Industry", &p.industry)] {
        if let Some(v) = value {
            let _ = writeln!(out, "{label}: {v}");
        }
    }
    let lists =
        [("Pain points", &p.pain_points), ("Language they use", &p.language_patterns), ("Objections", &p.objections), ("Goals", &p.goals)];
    for (label, items) in lists {
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {label}");
        for item in items {
            let _ = writeln!(out, "- {item}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::ManualClock;
    use crate::domain::{IcpSource, KnowledgeItemType, NewIcpProfile, NewKnowledgeItem, Segment};
    use crate::knowledge::testing::{CountingEmbedder, DIMS, FlakyVectorStore};
    use crate::memory::{InMemoryStore, InMemoryVectorStore};
    use crate::vector::VectorQuery;

    struct Fixture {
        embedder: Arc<CountingEmbedder>,
        vectors: Arc<FlakyVectorStore>,
        store: Arc<InMemoryStore>,
        indexer: KnowledgeIndexer,
    }

    fn fixture(config: ChunkConfig) -> Fixture {
        let embedder = Arc::new(CountingEmbedder::default());
        let vectors = FlakyVectorStore::new();
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 2, 17, 9, 0, 0).unwrap()));
        let store = Arc::new(InMemoryStore::new(clock));
        let indexer = KnowledgeIndexer::new(embedder.clone(), vectors.clone(), store.clone(), config).unwrap();
        Fixture { embedder, vectors, store, indexer }
    }

    fn small() -> ChunkConfig {
        ChunkConfig { max_tokens: 30, overlap_tokens: 0 }
    }

    /// Paragraphs of about 20 tokens each, so with 30-token chunks each paragraph is one chunk.
    fn paragraphs(n: usize, topic: &str) -> String {
        (0..n)
            .map(|i| format!("Paragraph {i} explains how {topic} works for product-led companies with a concrete example number {i}."))
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    async fn knowledge(f: &Fixture, item_type: KnowledgeItemType, title: &str, content: &str) -> KnowledgeItem {
        f.store
            .create_knowledge(NewKnowledgeItem { item_type, title: title.into(), content: content.into(), metadata: json!({}) })
            .await
            .unwrap()
    }

    async fn stored_ids(f: &Fixture, ns: &str) -> Vec<String> {
        let probe = vec![1.0; DIMS];
        let all = f.vectors.inner.query(VectorQuery { namespace: ns.into(), vector: probe, top_k: 1000, filter: None }).await.unwrap();
        let mut ids: Vec<String> = all.into_iter().map(|r| r.id).collect();
        ids.sort();
        ids
    }

    #[tokio::test]
    async fn a_dimension_mismatch_is_a_config_error_naming_both_numbers() {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 2, 17, 9, 0, 0).unwrap()));
        let err = KnowledgeIndexer::new(
            Arc::new(CountingEmbedder::default()),
            Arc::new(InMemoryVectorStore::new(1536)),
            Arc::new(InMemoryStore::new(clock)),
            ChunkConfig::default(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Config(_)), "{text}");
        assert!(text.contains("64") && text.contains("1536"), "{text}");
    }

    #[tokio::test]
    async fn indexing_stores_one_record_per_chunk_and_then_marks_the_item() {
        let f = fixture(small());
        let item = knowledge(&f, KnowledgeItemType::Playbook, "Pricing playbook", &paragraphs(3, "pricing")).await;
        let report = f.indexer.index_knowledge_item(&item).await.unwrap();
        assert_eq!(report, IndexReport { chunks: 3, embedded: 3, unchanged: 0, deleted: 0 });
        let id = item.id.to_string();
        assert_eq!(stored_ids(&f, KNOWLEDGE_NAMESPACE).await, [format!("{id}#0"), format!("{id}#1"), format!("{id}#2")]);
        assert_eq!(f.store.get_knowledge(item.id).await.unwrap().embedding_id, Some(format!("{id}#0")));
        let meta = f.vectors.inner.list_metadata(KNOWLEDGE_NAMESPACE, item_filter(&id), 10).await.unwrap();
        let m = &meta[&format!("{id}#1")];
        assert_eq!(m["kind"], json!("playbook"));
        assert_eq!(m["item_type"], json!("playbook"));
        assert_eq!(m["title"], json!("Pricing playbook"));
        assert_eq!(m["chunk"], json!(1));
        assert!(m["text"].as_str().unwrap().starts_with("Paragraph 1 "));
        assert_eq!(m["content_hash"].as_str().unwrap().len(), 64);
    }

    #[tokio::test]
    async fn an_item_is_not_marked_indexed_when_the_vector_store_fails() {
        let f = fixture(small());
        let item = knowledge(&f, KnowledgeItemType::Framework, "Onboarding", &paragraphs(2, "onboarding")).await;
        f.vectors.fail_upserts.store(true, Ordering::SeqCst);
        let err = f.indexer.index_knowledge_item(&item).await.unwrap_err();
        assert!(err.is_retryable(), "{err}");
        assert_eq!(f.store.get_knowledge(item.id).await.unwrap().embedding_id, None);
        assert!(stored_ids(&f, KNOWLEDGE_NAMESPACE).await.is_empty());

        f.vectors.fail_upserts.store(false, Ordering::SeqCst);
        f.indexer.index_knowledge_item(&item).await.unwrap();
        assert!(f.store.get_knowledge(item.id).await.unwrap().embedding_id.is_some());
    }

    #[tokio::test]
    async fn an_item_is_not_marked_indexed_when_the_embedder_fails() {
        let f = fixture(small());
        let item = knowledge(&f, KnowledgeItemType::Framework, "Onboarding", &paragraphs(2, "onboarding")).await;
        f.embedder.fail.store(true, Ordering::SeqCst);
        assert!(f.indexer.index_knowledge_item(&item).await.is_err());
        assert_eq!(f.store.get_knowledge(item.id).await.unwrap().embedding_id, None);
        assert!(stored_ids(&f, KNOWLEDGE_NAMESPACE).await.is_empty());
    }

    #[tokio::test]
    async fn an_icp_profile_is_marked_only_after_its_vectors_are_stored() {
        let f = fixture(ChunkConfig::default());
        let profile = f
            .store
            .create_icp_profile(NewIcpProfile {
                source: IcpSource::Manual,
                source_id: None,
                pain_points: vec!["activation is low".into(), "trials do not convert".into()],
                language_patterns: vec!["aha moment".into()],
                objections: vec![],
                goals: vec!["grow self-serve revenue".into()],
                role: Some("VP Growth".into()),
                company_size: Some("51-200".into()),
                industry: Some("SaaS".into()),
            })
            .await
            .unwrap();
        f.vectors.fail_upserts.store(true, Ordering::SeqCst);
        assert!(f.indexer.index_icp_profile(&profile).await.is_err());
        assert_eq!(f.store.get_icp_profile(profile.id).await.unwrap().embedding_id, None);

        f.vectors.fail_upserts.store(false, Ordering::SeqCst);
        let report = f.indexer.index_icp_profile(&profile).await.unwrap();
        assert_eq!(report.chunks, 1);
        let id = profile.id.to_string();
        assert_eq!(f.store.get_icp_profile(profile.id).await.unwrap().embedding_id, Some(format!("{id}#0")));
        let meta = f.vectors.inner.list_metadata(ICP_NAMESPACE, item_filter(&id), 10).await.unwrap();
        let m = &meta[&format!("{id}#0")];
        assert_eq!(m["kind"], json!("icp"));
        assert_eq!(m["role"], json!("VP Growth"));
        assert_eq!(m["company_size"], json!("51-200"));
        assert_eq!(m["pain_point"], json!(["activation is low", "trials do not convert"]));
        assert!(MetadataFilter::Eq("pain_point".into(), json!("activation is low")).matches(m));
        assert!(stored_ids(&f, KNOWLEDGE_NAMESPACE).await.is_empty(), "ICP profiles live in their own namespace");
    }

    #[tokio::test]
    async fn re_indexing_unchanged_text_makes_no_embedder_call() {
        let f = fixture(small());
        let item = knowledge(&f, KnowledgeItemType::Playbook, "Pricing", &paragraphs(4, "pricing")).await;
        f.indexer.index_knowledge_item(&item).await.unwrap();
        let calls = f.embedder.calls();
        assert!(calls > 0);

        let report = f.indexer.index_knowledge_item(&item).await.unwrap();
        assert_eq!(f.embedder.calls(), calls, "nothing changed: the embedder must not be called");
        assert_eq!(report, IndexReport { chunks: 4, embedded: 0, unchanged: 4, deleted: 0 });
    }

    #[tokio::test]
    async fn edited_text_re_embeds_only_changed_chunks_and_deletes_stale_ones() {
        let f = fixture(small());
        let item = knowledge(&f, KnowledgeItemType::Playbook, "Pricing", &paragraphs(4, "pricing")).await;
        f.indexer.index_knowledge_item(&item).await.unwrap();
        let inputs_before = f.embedder.inputs();

        // Keep paragraphs 0 and 1, rewrite paragraph 2, drop paragraph 3.
        let mut paras: Vec<String> = paragraphs(3, "pricing").split("\n\n").map(str::to_owned).collect();
        paras[2] = "Paragraph 2 now says to raise prices every year and grandfather loyal customers for a while.".into();
        let edited = f
            .store
            .update_knowledge(
                item.id,
                NewKnowledgeItem { item_type: item.item_type, title: item.title.clone(), content: paras.join("\n\n"), metadata: json!({}) },
            )
            .await
            .unwrap();
        assert_eq!(edited.embedding_id, None, "an edit clears the mark");

        let report = f.indexer.index_knowledge_item(&edited).await.unwrap();
        assert_eq!(report, IndexReport { chunks: 3, embedded: 1, unchanged: 2, deleted: 1 });
        assert_eq!(f.embedder.inputs() - inputs_before, 1, "only the rewritten chunk is embedded");
        let id = item.id.to_string();
        assert_eq!(stored_ids(&f, KNOWLEDGE_NAMESPACE).await, [format!("{id}#0"), format!("{id}#1"), format!("{id}#2")]);
        let meta = f.vectors.inner.list_metadata(KNOWLEDGE_NAMESPACE, item_filter(&id), 10).await.unwrap();
        assert!(meta[&format!("{id}#2")]["text"].as_str().unwrap().contains("raise prices"));
        assert_eq!(f.store.get_knowledge(item.id).await.unwrap().embedding_id, Some(format!("{id}#0")));
    }

    #[tokio::test]
    async fn a_new_title_re_embeds_every_chunk_because_the_title_is_embedded() {
        let f = fixture(small());
        let item = knowledge(&f, KnowledgeItemType::Playbook, "Pricing", &paragraphs(2, "pricing")).await;
        f.indexer.index_knowledge_item(&item).await.unwrap();
        let renamed = KnowledgeItem { title: "Pricing, revised".into(), ..item };
        let report = f.indexer.index_knowledge_item(&renamed).await.unwrap();
        assert_eq!((report.embedded, report.unchanged), (2, 0));
    }

    #[tokio::test]
    async fn a_new_performance_score_reaches_the_stored_metadata() {
        let f = fixture(small());
        let item = knowledge(&f, KnowledgeItemType::ExamplePost, "Hiring post", &paragraphs(1, "hiring")).await;
        f.indexer.index_knowledge_item(&item).await.unwrap();
        let scored = KnowledgeItem { metadata: json!({"performance_score": 87.5}), ..item.clone() };
        let report = f.indexer.index_knowledge_item(&scored).await.unwrap();
        assert_eq!((report.embedded, report.unchanged), (1, 0));
        let id = item.id.to_string();
        let meta = f.vectors.inner.list_metadata(KNOWLEDGE_NAMESPACE, item_filter(&id), 10).await.unwrap();
        let m = &meta[&format!("{id}#0")];
        assert_eq!(m["performance_score"], json!(87.5));
        let embedded = format!("Hiring post\n\n{}", m["text"].as_str().unwrap());
        assert_eq!(m["content_hash"], json!(content_hash("test-bow-64", &embedded)), "the hash covers model, title and chunk");
        assert_eq!(f.indexer.index_knowledge_item(&scored).await.unwrap().embedded, 0);
    }

    #[tokio::test]
    async fn blanking_an_item_is_refused_and_its_old_vectors_are_deleted() {
        let f = fixture(small());
        let item = knowledge(&f, KnowledgeItemType::Playbook, "Pricing", &paragraphs(2, "pricing")).await;
        f.indexer.index_knowledge_item(&item).await.unwrap();
        let blank = KnowledgeItem { content: " \n".into(), ..item };
        let err = f.indexer.index_knowledge_item(&blank).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
        assert!(stored_ids(&f, KNOWLEDGE_NAMESPACE).await.is_empty());
    }

    #[tokio::test]
    async fn removing_an_item_deletes_its_vectors_and_clears_its_mark() {
        let f = fixture(small());
        let a = knowledge(&f, KnowledgeItemType::Playbook, "Pricing", &paragraphs(3, "pricing")).await;
        let b = knowledge(&f, KnowledgeItemType::Framework, "Onboarding", &paragraphs(1, "onboarding")).await;
        f.indexer.index_knowledge_item(&a).await.unwrap();
        f.indexer.index_knowledge_item(&b).await.unwrap();
        assert_eq!(f.indexer.remove_knowledge_item(a.id).await.unwrap(), 3);
        assert_eq!(stored_ids(&f, KNOWLEDGE_NAMESPACE).await, [format!("{}#0", b.id)]);
        assert_eq!(f.store.get_knowledge(a.id).await.unwrap().embedding_id, None);
        f.store.delete_knowledge(b.id).await.unwrap();
        assert_eq!(f.indexer.remove_knowledge_item(b.id).await.unwrap(), 1, "a deleted item's vectors can still be removed");
    }

    #[tokio::test]
    async fn an_item_with_more_chunks_than_one_listing_returns_is_listed_page_by_page() {
        // A store that, like Pinecone, answers at most 4 matches per query; listings of 4.
        let f = fixture(small());
        f.vectors.max_top_k.store(4, Ordering::SeqCst);
        let indexer = f.indexer.clone().with_list_page(4);
        let item = knowledge(&f, KnowledgeItemType::Playbook, "Pricing", &paragraphs(10, "pricing")).await;
        assert_eq!(indexer.index_knowledge_item(&item).await.unwrap().chunks, 10);
        let inputs = f.embedder.inputs();
        let again = indexer.index_knowledge_item(&item).await.unwrap();
        assert_eq!((again.unchanged, again.embedded), (10, 0), "every stored chunk is found, beyond the first page");
        assert_eq!(f.embedder.inputs(), inputs);
        let shorter = KnowledgeItem { content: paragraphs(3, "pricing"), ..item.clone() };
        let report = indexer.index_knowledge_item(&shorter).await.unwrap();
        assert_eq!((report.chunks, report.deleted), (3, 7), "stale chunks past the first page are deleted too");
        assert_eq!(stored_ids(&f, KNOWLEDGE_NAMESPACE).await.len(), 3);
    }

    #[tokio::test]
    async fn a_cancelled_transcript_indexing_stores_nothing_and_is_retryable() {
        let f = fixture(ChunkConfig { max_tokens: 60, overlap_tokens: 10 });
        let text = "We grew the company by listening to customers and writing things down. ".repeat(2_000);
        let t = Transcript { segments: vec![Segment { speaker: Some("Adam".into()), start_ms: None, end_ms: None, text }] };
        let cancel = CancelFlag::new();
        cancel.cancel();
        let source = SourceId::new();
        let err = f.indexer.index_transcript_with(source, &t, &cancel).await.unwrap_err();
        assert!(err.is_retryable(), "{err}");
        assert!(stored_ids(&f, SOURCES_NAMESPACE).await.is_empty());
        assert_eq!(f.embedder.calls(), 0);
        // Run again without cancelling: it completes.
        let flag = CancelFlag::new();
        let report = f.indexer.index_transcript_with(source, &t, &flag).await.unwrap();
        assert!(report.embedded > 10);
        assert!(flag.work() as usize >= t.segments[0].text.len(), "the chunking work is counted: {}", flag.work());
    }

    #[tokio::test]
    async fn a_transcript_is_indexed_in_the_sources_namespace_with_speakers_and_times() {
        let f = fixture(ChunkConfig { max_tokens: 60, overlap_tokens: 10 });
        let t = Transcript {
            segments: (0..10u64)
                .map(|i| Segment {
                    speaker: Some(if i % 2 == 0 { "Adam" } else { "Bryan" }.into()),
                    start_ms: Some(i * 10_000),
                    end_ms: None,
                    text: format!("Turn {i}: we grew the company by listening to customers and writing things down."),
                })
                .collect(),
        };
        let source = SourceId::new();
        let report = f.indexer.index_transcript(source, &t).await.unwrap();
        assert!(report.chunks > 1);
        let meta = f.vectors.inner.list_metadata(SOURCES_NAMESPACE, item_filter(&source.to_string()), 100).await.unwrap();
        assert_eq!(meta.len(), report.chunks);
        let first = &meta[&format!("{source}#0")];
        assert_eq!(first["kind"], json!("transcript"));
        assert_eq!(first["speakers"], json!(["Adam", "Bryan"]));
        assert_eq!(first["start_ms"], json!(0));
        assert!(first["end_ms"].as_u64().unwrap() > 0);
        let calls = f.embedder.calls();
        f.indexer.index_transcript(source, &t).await.unwrap();
        assert_eq!(f.embedder.calls(), calls);
    }
}
