//! # growth-llm
//!
//! Content generators and embedders: Claude (Messages API) and OpenAI embeddings over HTTP, and
//! the offline defaults (an extractive generator and a hashing embedder) that let the whole
//! pipeline run with no keys.
//!
//! **Status:** the embedders are here — [`offline::HashingEmbedder`] (feature hashing, no network,
//! ~55 MiB/s on one core) and [`openai::OpenAiEmbedder`] (`/embeddings` with batching by inputs and
//! tokens, and the SDK's retry rules); both pass `growth_core::testkit::embedder`. The generators
//! are too: [`anthropic::ClaudeGenerator`] (Messages API with prompt caching, the SDK's retry
//! rules, rate-limit pacing and one repair round-trip for malformed answers) and the offline
//! [`offline::ExtractiveGenerator`], which writes every content type from the source's own
//! sentences (TF-IDF + TextRank, templates fitted to the quality gates; a full 11-draft bundle
//! from a 14k-word transcript in ~20 ms).

pub mod anthropic;
mod chat;
mod cpu;
pub mod drafts;
mod http;
pub mod offline;
pub mod openai;
mod progress;
mod sse;
