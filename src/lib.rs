#![doc = include_str!("lib.md")]

mod engine;

pub use engine::{DEFAULT_DIMENSIONS, DeletedSource, Engine, EngineBuilder, Upload};
pub use growth_adapters as adapters;
pub use growth_core as core;
pub use growth_llm as llm;
pub use growth_store as store;
