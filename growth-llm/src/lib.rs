//! # growth-llm
//!
//! Content generators and embedders: Claude (Messages API) and OpenAI embeddings over HTTP, and
//! the offline defaults (an extractive generator and a hashing embedder) that let the whole
//! pipeline run with no keys.
//!
//! **Status:** empty; the generation and ingestion issues bring the implementations.
