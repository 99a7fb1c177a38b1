//! The knowledge base behind generation: chunking, indexing and retrieval (PRD §4.2, the RAG
//! pipeline).
//!
//! - [`Chunker`] splits knowledge items (Markdown-aware) and transcripts (along speaker turns) into
//!   token-sized [`Chunk`]s.
//! - [`KnowledgeIndexer`] embeds chunks and stores them in a [`VectorStore`](crate::vector::VectorStore),
//!   one namespace per kind of thing ([`KNOWLEDGE_NAMESPACE`], [`ICP_NAMESPACE`],
//!   [`SOURCES_NAMESPACE`]); an item is marked indexed only once its vectors are stored, and text
//!   that did not change is never embedded again. See [`index`] for the record layout.
//! - [`Retriever`] embeds a query and returns the closest items, one entry per item.

mod chunk;
pub mod index;
mod retrieve;
pub mod service;
#[cfg(test)]
pub(crate) mod testing;
mod tokens;

pub use chunk::{Chunk, ChunkConfig, Chunker};
pub use index::{ICP_NAMESPACE, IndexReport, KNOWLEDGE_NAMESPACE, KnowledgeIndexer, SOURCES_NAMESPACE};
pub use retrieve::{Kind, KindFilter, Retrieved, Retriever};
pub use service::{KnowledgeService, validate_item, validate_profile};
