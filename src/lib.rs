//! # growth
//!
//! The growth content engine as one dependency: ingest long-form sources, generate drafts in the
//! founder's voice, gate them, put them in front of a reviewer, publish exactly once, measure, and
//! learn. [`Engine`] is the composition root: build it from adapters, a store and a clock (every
//! part has an offline default) and call its use-cases.
//!
//! ```toml
//! growth = { version = "0.1", features = ["postgres", "linkedin"] }
//! ```
//!
//! - [`core`]: domain types, state machines, traits, the stages and their use-cases, in-memory
//!   implementations (`testkit` feature: conformance suites).
//! - [`store`]: SQLite and PostgreSQL repositories, the job queue, blob storage.
//! - [`llm`]: generators and embedders.
//! - [`adapters`]: platform adapters, one feature each.

mod engine;

pub use engine::{DEFAULT_DIMENSIONS, Engine, EngineBuilder};
pub use growth_adapters as adapters;
pub use growth_core as core;
pub use growth_llm as llm;
pub use growth_store as store;
