//! Implementations that need no network and no keys: the defaults that let the pipeline run offline.

mod hashing;

pub use hashing::{DEFAULT_DIMENSIONS, HashingEmbedder};
