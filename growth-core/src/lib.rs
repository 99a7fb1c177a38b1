//! # growth-core
//!
//! The domain and the seams of the growth content engine: typed ids and closed enums for every
//! status, the state machines, one trait per stage (`SourceIngestor`, `Transcriber`, `Embedder`,
//! `VectorStore`, `ContentGenerator`, `QualityGate`, `AiDetector`, `Publisher`, `MetricsSource`,
//! the repositories, `JobQueue`, `Clock`, `BlobStore`), in-memory implementations that really
//! work, and — with feature `testkit` — the conformance suites every implementation must pass.
//!
//! [`knowledge`] chunks, indexes and retrieves the knowledge base, ICP profiles and source
//! transcripts (the retrieval half of generation) on top of `Embedder` and `VectorStore`.
//!
//! [`learn`] turns reviewer edits into rules, sales calls into ICP profiles and objections, and
//! snapshot data into the best time to publish; it also holds the simulated-reviewer harness.
//!
//! [`prompt`] builds the generation requests of a bundle: voice, knowledge and transcript as a
//! cacheable prefix, then one instruction per content type.
//!
//! [`schedule`] plans publication times (smart distribution across platforms, caps, gaps and
//! time zones); [`outbox`] is the offline default publisher, writing posts as files.
//!
//! This crate speaks neither HTTP nor SQL: adapters (`growth-adapters`, `growth-llm`) and stores
//! (`growth-store`) implement its traits.

pub mod blob;
pub mod clock;
pub mod domain;
mod error;
pub mod generate;
pub mod ingest;
pub mod jobs;
pub mod knowledge;
pub mod learn;
pub mod measure;
pub mod memory;
pub mod prompt;
pub mod publish;
pub mod quality;
pub mod retry;
pub mod review;
pub mod schedule;
pub mod store;
pub mod telemetry;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod transcript;
pub mod vector;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
