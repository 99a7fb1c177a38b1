//! # growth-llm
//!
//! Content generators and embedders: Claude (streaming Messages API), any OpenAI-compatible Chat
//! Completions server (Ollama, vLLM, llama.cpp, OpenAI — see [`openai_compat`] for an Ollama quick
//! start) and OpenAI embeddings over HTTP, and the offline defaults (an extractive generator and a
//! hashing embedder) that let the whole pipeline run with no keys.
//!
//! **Status:** the embedders are here — [`offline::HashingEmbedder`] (feature hashing, no network,
//! ~55 MiB/s on one core) and [`openai::OpenAiEmbedder`] (`/embeddings` with batching by inputs and
//! tokens, and the SDK's retry rules); both pass `growth_core::testkit::embedder`. The generators
//! are too: [`anthropic::ClaudeGenerator`] (streaming Messages API with prompt caching, cache-write
//! coalescing released at the writer's first event, the SDK's retry rules, rate-limit pacing and
//! one repair round-trip for malformed answers), [`openai_compat::OpenAiCompatGenerator`] (Chat
//! Completions, JSON mode or schema, streaming, the same repair and retries) and the offline
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
pub mod openai_compat;
mod progress;
mod sse;
