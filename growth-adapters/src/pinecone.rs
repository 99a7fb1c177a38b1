//! Pinecone vector store over REST (`VectorStore`). Comes with the ingestion issue.
//!
//! Not implemented yet: this module is intentionally empty.
