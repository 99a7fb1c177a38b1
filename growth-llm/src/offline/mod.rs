//! Implementations that need no network and no keys: the defaults that let the pipeline run offline.

pub mod extractive;
mod hashing;

pub use extractive::{EXTRACTIVE_MODEL, ExtractiveConfig, ExtractiveGenerator};
pub use hashing::{DEFAULT_DIMENSIONS, HashingEmbedder};
