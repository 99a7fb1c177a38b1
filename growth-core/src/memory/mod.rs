//! In-memory implementations that really work: the same contracts as the production ones, checked
//! by the same conformance suites. Use them in tests, examples and single-process embedding.

mod blob;
mod publisher;
mod store;
mod vector;

pub use blob::InMemoryBlobStore;
pub use publisher::RecordingPublisher;
pub use store::InMemoryStore;
pub use vector::{InMemoryVectorStore, top_k};
