//! What every handler can reach.

use std::sync::Arc;

use growth_core::Clock;
use growth_core::blob::BlobStore;
use growth_core::ingest::SourceIngest;
use growth_core::knowledge::{KnowledgeIndexer, Retriever};
use growth_core::store::Store;
use growth_core::vector::{Embedder, VectorStore};
use growth_store::Database;

use crate::config::Settings;

/// Shared application state: trait objects, so any backend or adapter plugs in.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Rendered `GET /content/pending` pages by ETag (the ETag keys on the review fingerprint,
    /// so an entry is never served for a state it does not show).
    pub pending_cache: Arc<std::sync::Mutex<std::collections::HashMap<String, axum::body::Bytes>>>,
    /// Every repository and the job queue.
    pub store: Arc<dyn Store>,
    /// The connected database (for closing and backend-specific needs).
    pub database: Database,
    /// Uploaded files.
    pub blobs: Arc<dyn BlobStore>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Configuration.
    pub settings: Arc<Settings>,
    /// Access-token keys.
    pub keys: Arc<crate::auth::Keys>,
    /// Google ID-token verification; `None` when `[auth.google]` is not configured.
    pub google: Option<Arc<crate::auth::GoogleVerifier>>,
    /// Text → vectors.
    pub embedder: Arc<dyn Embedder>,
    /// Stored vectors (knowledge, ICP profiles, transcripts).
    pub vectors: Arc<dyn VectorStore>,
    /// Chunks, embeds and stores knowledge items, ICP profiles and transcripts.
    pub indexer: KnowledgeIndexer,
    /// Finds the knowledge closest to a query.
    pub retriever: Retriever,
    /// Manual and platform source ingestion (transcribing and indexing included).
    pub ingest: SourceIngest,
    /// Every quality gate, the ICP score included.
    pub checker: growth_core::quality::Checker,
    /// Writes, checks and saves bundles.
    pub pipeline: growth_core::generate::BundlePipeline,
    /// Publishers by platform, tracker, alert and send budgets.
    pub publishing: crate::publishing::Publishing,
}
