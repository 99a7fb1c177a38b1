//! # growth-llm
//!
//! Content generators and embedders: Claude (Messages API) and OpenAI embeddings over HTTP, and
//! the offline defaults (an extractive generator and a hashing embedder) that let the whole
//! pipeline run with no keys.
//!
//! **Status:** the embedders are here — [`offline::HashingEmbedder`] (feature hashing, no network,
//! ~55 MiB/s on one core) and [`openai::OpenAiEmbedder`] (`/embeddings` with batching by inputs and
//! tokens, and the SDK's retry rules); both pass `growth_core::testkit::embedder`. So is
//! [`anthropic::ClaudeGenerator`] (Messages API with prompt caching, the SDK's retry rules,
//! rate-limit pacing and one repair round-trip for malformed answers). The extractive offline
//! generator is not written yet.

pub mod anthropic;
mod cpu;
pub mod offline;
pub mod openai;
mod retry;
