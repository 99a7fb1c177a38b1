//! `[embedding]` and `[vectors]`: how text becomes vectors and where they are kept.

use serde::Deserialize;

/// Which embedder turns text into vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddingProvider {
    /// The offline, deterministic hashing embedder (no key, no network).
    #[default]
    Hashing,
    /// OpenAI `text-embedding-3-*` (needs `[embedding.openai]`).
    Openai,
}

/// Embeddings for the knowledge base and retrieval.
///
/// The vectors already stored were made by one model with one dimension; start-up refuses a
/// configuration that disagrees with them (the message names both), instead of mixing vectors.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddingSettings {
    /// Which embedder.
    pub provider: EmbeddingProvider,
    /// Vector length of the hashing embedder.
    pub dimensions: usize,
    /// OpenAI settings (key, model, `dimensions` …), used when `provider = "openai"`.
    pub openai: Option<growth_llm::openai::OpenAiConfig>,
}

impl Default for EmbeddingSettings {
    fn default() -> Self {
        Self { provider: EmbeddingProvider::Hashing, dimensions: growth_llm::offline::DEFAULT_DIMENSIONS, openai: None }
    }
}

/// Where vectors are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VectorProvider {
    /// In the database (SQLite or PostgreSQL), exact cosine search in memory.
    #[default]
    Embedded,
    /// A Pinecone index (needs `[vectors.pinecone]`).
    Pinecone,
}

/// The vector store.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VectorSettings {
    /// Which store.
    pub provider: VectorProvider,
    /// Pinecone settings (`api_key`, `index`, `dimensions`, `host` …), used when `provider = "pinecone"`.
    pub pinecone: Option<super::adapters::PineconeSettings>,
}
