//! # growth
//!
//! The growth content engine as one dependency: ingest long-form sources, generate drafts in the
//! founder's voice, gate them, put them in front of a reviewer, publish exactly once, measure, and
//! learn. This facade re-exports the workspace crates; features pick adapters and backends:
//!
//! ```toml
//! growth = { version = "0.1", features = ["postgres", "linkedin"] }
//! ```
//!
//! - [`core`]: domain types, state machines, traits, in-memory implementations (`testkit` feature:
//!   conformance suites).
//! - [`store`]: SQLite and PostgreSQL repositories, the job queue, blob storage.
//! - [`llm`]: generators and embedders.
//! - [`adapters`]: platform adapters, one feature each.

pub use growth_adapters as adapters;
pub use growth_core as core;
pub use growth_llm as llm;
pub use growth_store as store;
