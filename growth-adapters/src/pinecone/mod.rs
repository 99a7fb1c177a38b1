//! Pinecone over REST: [`PineconeVectorStore`] implements `growth_core::vector::VectorStore`.
//!
//! - **Host**: every index has its own data-plane host. It is configured
//!   ([`PineconeConfig::host`]) or looked up once from the control plane
//!   (`GET https://api.pinecone.io/indexes/{index}` → `host`) and cached; a failed lookup is
//!   retried on the next call.
//! - **Headers**: `Api-Key: <key>` (from a `SecretString`, flagged sensitive, never logged) and
//!   `X-Pinecone-Api-Version` pinned to [`DEFAULT_API_VERSION`] (configurable: without it Pinecone
//!   silently uses its oldest supported version).
//! - **Upsert** (`POST /vectors/upsert`) goes in requests of at most 1,000 records **and** at
//!   most 2 MB of body, split by whichever is reached first; vectors are checked first
//!   (dimensions, NaN, ids), so a refused call sends nothing. Metadata keys with `null` values are
//!   left out: Pinecone stores no nulls.
//! - **Query** (`POST /query`) by vector with `topK` (at most 10,000) and `includeMetadata`; our
//!   [`MetadataFilter`](growth_core::vector::MetadataFilter) becomes Pinecone's `$eq`/`$in`/
//!   `$and`/`$or`. Scores are cosine similarities when the index metric is `cosine` (checked by
//!   [`PineconeVectorStore::check_dimensions`]).
//! - **Delete** (`POST /vectors/delete`) by ids, 1,000 per request; a missing namespace is not an error.
//! - **`list_metadata`** keeps the trait default (a filtered query with a unit probe vector):
//!   Pinecone's `list` works by id prefix only and cannot filter on metadata. Search is
//!   approximate and a query answer is capped at 4 MB, so listing many records with large
//!   metadata (chunk text) may come back incomplete or be refused.
//! - **Errors**: 400/422 `InvalidInput` with Pinecone's message, 401 `Unauthenticated`,
//!   403 `PermissionDenied`, 404 `NotFound`, 429 `RateLimited` (with `Retry-After` when sent),
//!   5xx and timeouts `Transient`. Both error body shapes (data plane `rpcStatus`, control plane
//!   `{"error": {"code", "message"}}`) are read.
//! - **Retries**: every call is idempotent (upsert overwrites by id), so the shared
//!   [`HttpClient`](crate::http::HttpClient) retries 408, 429, 5xx, timeouts and connect errors
//!   with backoff, honouring `Retry-After`. Pinecone's own SDK does not retry 429; we do, because
//!   Pinecone's per-namespace limits (100 requests/s) reset within a second.
//!
//! ```no_run
//! use growth_adapters::pinecone::{PineconeConfig, PineconeVectorStore};
//! use growth_core::vector::{Metadata, MetadataFilter, VectorQuery, VectorRecord, VectorStore};
//! use secrecy::SecretString;
//!
//! # async fn run() -> growth_core::Result<()> {
//! let key = SecretString::from("pcsk-…"); // from your secret store, never from code
//! let store = PineconeVectorStore::new(PineconeConfig::new(key, "knowledge", 1536))?;
//! store.check_dimensions().await?; // at start-up: the index must have 1536 dimensions
//!
//! let mut metadata = Metadata::new();
//! metadata.insert("kind".into(), "playbook".into());
//! store.upsert("kb", vec![VectorRecord { id: "pb-1#0".into(), values: vec![0.1; 1536], metadata }]).await?;
//!
//! let matches = store
//!     .query(VectorQuery {
//!         namespace: "kb".into(),
//!         vector: vec![0.1; 1536],
//!         top_k: 5,
//!         filter: Some(MetadataFilter::Eq("kind".into(), "playbook".into())),
//!     })
//!     .await?;
//! for m in matches {
//!     println!("{} {:.3} {:?}", m.id, m.score, m.metadata.get("kind"));
//! }
//! store.delete("kb", &["pb-1#0".to_owned()]).await?;
//! # Ok(())
//! # }
//! ```

mod batch;
mod client;
mod config;
mod error;
mod filter;
mod models;
mod store;

pub use config::{DEFAULT_API_VERSION, PineconeConfig};
pub use store::PineconeVectorStore;
