//! [`SqlVectorStore`]: the embedded vector store — vectors kept in the database (SQLite or
//! PostgreSQL), searched exactly (cosine) in Rust.
//!
//! # Layout
//! - `vectors (namespace, id, dims, model, embedding, metadata, content_hash, updated_at)`: the
//!   vectors as written (f32 little-endian bytes), their metadata (JSON) and, when the caller gave
//!   one, the hash of the text they were embedded from.
//! - `vector_indexes (namespace, dims, model, version, updated_at)`: one row per namespace with
//!   the dimension and model its vectors were made with, and a version bumped by every write.
//!
//! # Writes
//! One transaction per call: the namespace row is created or its version bumped first (which
//! also serialises writers of one namespace), then every record is written. A refused batch
//! (wrong length, NaN, infinity) is refused before any SQL runs; a failure half-way rolls back:
//! nothing of that call is stored. Once `upsert` returns, the vectors are durable — only then may
//! a caller mark the chunk indexed (ARCHITECTURE rule 3).
//!
//! # Queries and the in-memory index
//! The first query of a namespace loads it into a [`VectorIndex`]: one contiguous `Vec<f32>` of
//! all its vectors, normalised so that cosine similarity is a dot product, and two compact string
//! arenas (ids; metadata as JSON text). A query is one pass over that memory keeping the best
//! `top_k` in a bounded min-heap; a filter is tested before the vector is scored.
//!
//! # Several store instances on one database
//! Every query first reads the namespace's row in `vector_indexes` (one primary-key lookup). When
//! its version differs from the cached index's, the namespace is reloaded, so a write through
//! any instance (or process) is visible to the next query through every other. The version is
//! read *before* the vectors are, so a cached index is never tagged newer than its content. A
//! write through an instance drops that instance's cached copy of the namespace at once; the next
//! query reloads it (loading is a sequential read of the namespace: writes are expected in
//! batches — indexing a source — and queries in between, not a write per query).
//!
//! # Memory
//! Metadata is held as its JSON text in one arena (not as parsed maps, which cost several
//! hundred bytes each): unfiltered queries parse only the `top_k` matches' metadata; a filtered
//! query parses each candidate's metadata before scoring it. Ids are one arena too. For 1536-dim
//! vectors with small metadata the index holds about 1.01 × the raw vector bytes (benches/vectors.rs)
//! ([`VectorIndex::allocated_bytes`] / [`VectorIndex::raw_bytes`]).

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use futures::TryStreamExt;
use growth_core::vector::{Metadata, MetadataFilter, ScoredRecord, VectorQuery, VectorRecord, VectorStore, validate_vectors};
use growth_core::{Clock, Error, Result};
use sqlx::types::Json;

use crate::Database;
use crate::repo::{db_err, micros};

/// A namespace at least this large (floats) is searched on a blocking thread, not on the runtime.
const BLOCKING_SEARCH_FLOATS: usize = 1 << 20;

/// A record together with the hash of the text its vector was embedded from.
#[derive(Clone, Debug, PartialEq)]
pub struct HashedRecord {
    /// The record to store.
    pub record: VectorRecord,
    /// A hash of the embedded text (any stable string, e.g. hex SHA-256), returned by
    /// [`SqlVectorStore::content_hash`] so unchanged text is not embedded again.
    pub content_hash: String,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

/// Runs the same code with the pool of either backend (the SQL is the portable subset).
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            #[cfg(feature = "postgres")]
            Pool::Postgres($p) => $body,
        }
    };
}

const UPSERT_NAMESPACE: &str = "INSERT INTO vector_indexes (namespace, dims, model, version, updated_at) VALUES ($1, $2, $3, 1, $4) \
     ON CONFLICT (namespace) DO UPDATE SET version = vector_indexes.version + 1, updated_at = excluded.updated_at \
     RETURNING dims, model";

const UPSERT_VECTOR: &str = "INSERT INTO vectors (namespace, id, dims, model, embedding, metadata, content_hash, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (namespace, id) DO UPDATE SET dims = excluded.dims, model = excluded.model, embedding = excluded.embedding, \
     metadata = excluded.metadata, content_hash = excluded.content_hash, updated_at = excluded.updated_at";

/// Exact cosine search over vectors stored in the database (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct SqlVectorStore {
    pool: Pool,
    clock: Arc<dyn Clock>,
    dims: usize,
    model: String,
    cache: Arc<RwLock<HashMap<String, Arc<VectorIndex>>>>,
}

fn mismatch(namespace: &str, stored_dims: i32, stored_model: &str, dims: usize, model: &str) -> Error {
    Error::Config(format!(
        "vector namespace `{namespace}`: the index holds {stored_dims}-dim vectors of model `{stored_model}`; \
         configured {dims}-dim vectors of model `{model}`. Configure the embedder the index was built with, \
         or re-index into a new namespace (or database)"
    ))
}

impl SqlVectorStore {
    /// Opens the vector store of `db` (migrated) for vectors of `dims` dimensions made by the
    /// embedding model `model`. Fails with [`Error::Config`] when a namespace already holds
    /// vectors of another dimension or model.
    pub async fn open(db: &Database, dims: usize, model: &str) -> Result<Self> {
        if dims == 0 || i32::try_from(dims).is_err() {
            return Err(Error::Config(format!("vector dimension must be between 1 and {}; configured {dims}", i32::MAX)));
        }
        if model.trim().is_empty() {
            return Err(Error::Config("the embedding model name of the vector store is empty".into()));
        }
        let (pool, clock) = match db {
            Database::Sqlite(s) => (Pool::Sqlite(s.pool.clone()), s.clock.clone()),
            #[cfg(feature = "postgres")]
            Database::Postgres(s) => (Pool::Postgres(s.pool.clone()), s.clock.clone()),
        };
        let store = Self { pool, clock, dims, model: model.to_owned(), cache: Arc::default() };
        let dims_db = store.dims_db();
        let other: Option<(String, i32, String)> = on_pool!(&store.pool, |p| {
            sqlx::query_as("SELECT namespace, dims, model FROM vector_indexes WHERE dims <> $1 OR model <> $2 ORDER BY namespace LIMIT 1")
                .bind(dims_db)
                .bind(model)
                .fetch_optional(p)
                .await
        })
        .map_err(db_err)?;
        if let Some((namespace, d, m)) = other {
            return Err(mismatch(&namespace, d, &m, dims, model));
        }
        Ok(store)
    }

    /// The embedding model the stored vectors are made with.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The content hash recorded with the vector `id` of `namespace` by
    /// [`SqlVectorStore::upsert_hashed`], if the vector exists and has one. A caller that finds the
    /// hash of its text here can skip embedding it again.
    pub async fn content_hash(&self, namespace: &str, id: &str) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = on_pool!(&self.pool, |p| {
            sqlx::query_as("SELECT content_hash FROM vectors WHERE namespace = $1 AND id = $2")
                .bind(namespace)
                .bind(id)
                .fetch_optional(p)
                .await
        })
        .map_err(db_err)?;
        Ok(row.and_then(|(h,)| h))
    }

    /// Like [`VectorStore::upsert`], recording each record's content hash (a plain `upsert`
    /// clears it: the vector may no longer match the text it was hashed from).
    pub async fn upsert_hashed(&self, namespace: &str, records: Vec<HashedRecord>) -> Result<()> {
        self.write(namespace, records.into_iter().map(|h| (h.record, Some(h.content_hash))).collect()).await
    }

    /// The in-memory index of `namespace` as the next query would use it (loaded or reloaded when
    /// stale), or `None` when the namespace holds nothing.
    pub async fn index(&self, namespace: &str) -> Result<Option<Arc<VectorIndex>>> {
        let head: Option<(i32, String, i64)> = on_pool!(&self.pool, |p| {
            sqlx::query_as("SELECT dims, model, version FROM vector_indexes WHERE namespace = $1").bind(namespace).fetch_optional(p).await
        })
        .map_err(db_err)?;
        let Some((d, m, version)) = head else {
            self.forget(namespace);
            return Ok(None);
        };
        if i64::from(d) != self.dims as i64 || m != self.model {
            return Err(mismatch(namespace, d, &m, self.dims, &self.model));
        }
        if let Some(ix) = self.cache.read().unwrap_or_else(PoisonError::into_inner).get(namespace)
            && ix.version == version
        {
            return Ok(Some(ix.clone()));
        }
        let ix = Arc::new(self.load(namespace, version).await?);
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        match cache.get(namespace) {
            Some(newer) if newer.version > version => {}
            _ => {
                cache.insert(namespace.to_owned(), ix.clone());
            }
        }
        Ok(Some(ix))
    }

    fn dims_db(&self) -> i32 {
        // `open` checked that the dimension fits.
        i32::try_from(self.dims).unwrap_or(i32::MAX)
    }

    fn forget(&self, namespace: &str) {
        self.cache.write().unwrap_or_else(PoisonError::into_inner).remove(namespace);
    }

    /// Reads every vector of `namespace` into a fresh index tagged `version`.
    async fn load(&self, namespace: &str, version: i64) -> Result<VectorIndex> {
        let (count,): (i64,) = on_pool!(&self.pool, |p| {
            sqlx::query_as("SELECT count(*) FROM vectors WHERE namespace = $1").bind(namespace).fetch_one(p).await
        })
        .map_err(db_err)?;
        let mut ix = VectorIndex::with_capacity(self.dims, usize::try_from(count).unwrap_or(0));
        ix.version = version;
        let mut buf = Vec::with_capacity(self.dims);
        on_pool!(&self.pool, |p| {
            let mut rows = sqlx::query_as::<_, (String, Vec<u8>, Json<Metadata>)>(
                "SELECT id, embedding, metadata FROM vectors WHERE namespace = $1 ORDER BY id",
            )
            .bind(namespace)
            .fetch(p);
            while let Some((id, bytes, Json(metadata))) = rows.try_next().await.map_err(db_err)? {
                if bytes.len() != self.dims * 4 {
                    return Err(Error::internal_msg(format!(
                        "vector `{id}` of namespace `{namespace}` is {} bytes long; {}-dim vectors are {} bytes",
                        bytes.len(),
                        self.dims,
                        self.dims * 4
                    )));
                }
                buf.clear();
                buf.extend(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
                ix.push(&id, &buf, &metadata)?;
            }
        });
        ix.shrink_to_fit();
        Ok(ix)
    }

    /// Writes `records` (with optional content hashes) in one transaction.
    async fn write(&self, namespace: &str, records: Vec<(VectorRecord, Option<String>)>) -> Result<()> {
        for (r, _) in &records {
            validate_vectors(self.dims, std::slice::from_ref(r))?;
        }
        if records.is_empty() {
            return Ok(());
        }
        let rows: Vec<(&VectorRecord, Vec<u8>, Option<&str>)> =
            records.iter().map(|(r, h)| (r, r.values.iter().flat_map(|v| v.to_le_bytes()).collect(), h.as_deref())).collect();
        let now = micros(self.clock.now());
        let dims = self.dims_db();
        on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            let (d, m): (i32, String) = sqlx::query_as(UPSERT_NAMESPACE)
                .bind(namespace)
                .bind(dims)
                .bind(&self.model)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            if d != dims || m != self.model {
                // Dropping the transaction rolls it back.
                return Err(mismatch(namespace, d, &m, self.dims, &self.model));
            }
            for (r, bytes, hash) in &rows {
                sqlx::query(UPSERT_VECTOR)
                    .bind(namespace)
                    .bind(&r.id)
                    .bind(dims)
                    .bind(&self.model)
                    .bind(bytes)
                    .bind(Json(&r.metadata))
                    .bind(*hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
        });
        self.forget(namespace);
        Ok(())
    }
}

#[async_trait]
impl VectorStore for SqlVectorStore {
    fn dimensions(&self) -> usize {
        self.dims
    }

    async fn upsert(&self, namespace: &str, records: Vec<VectorRecord>) -> Result<()> {
        self.write(namespace, records.into_iter().map(|r| (r, None)).collect()).await
    }

    async fn query(&self, q: VectorQuery) -> Result<Vec<ScoredRecord>> {
        check_query(self.dims, &q.vector)?;
        if q.top_k == 0 {
            return Ok(vec![]);
        }
        let Some(ix) = self.index(&q.namespace).await? else { return Ok(vec![]) };
        if ix.values.len() < BLOCKING_SEARCH_FLOATS {
            return ix.search(&q.vector, q.top_k, q.filter.as_ref());
        }
        tokio::task::spawn_blocking(move || ix.search(&q.vector, q.top_k, q.filter.as_ref()))
            .await
            .map_err(|e| Error::internal("vector search task failed", e))?
    }

    async fn delete(&self, namespace: &str, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = micros(self.clock.now());
        on_pool!(&self.pool, |p| {
            let mut tx = p.begin().await.map_err(db_err)?;
            let bumped = sqlx::query("UPDATE vector_indexes SET version = version + 1, updated_at = $2 WHERE namespace = $1")
                .bind(namespace)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            if bumped == 0 {
                // The namespace holds nothing: nothing to delete.
                return Ok(());
            }
            for id in ids {
                sqlx::query("DELETE FROM vectors WHERE namespace = $1 AND id = $2")
                    .bind(namespace)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
        });
        self.forget(namespace);
        Ok(())
    }
}

fn check_query(dims: usize, vector: &[f32]) -> Result<()> {
    if vector.len() != dims {
        return Err(Error::invalid_field("vector", format!("query has {} dimensions; the index has {dims}", vector.len())));
    }
    if vector.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid_field("vector", "query vector contains NaN or infinity"));
    }
    Ok(())
}

/// Strings packed end to end in one allocation.
#[derive(Clone, Default)]
struct StrArena {
    bytes: String,
    ends: Vec<usize>,
}

impl StrArena {
    fn push(&mut self, s: &str) {
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len());
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    fn allocated_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * size_of::<usize>()
    }

    fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// The in-memory search structure of one namespace: every vector normalised to unit length in
/// one contiguous row-major `Vec<f32>`, ids and metadata (JSON text) in two string arenas.
#[derive(Clone)]
pub struct VectorIndex {
    dims: usize,
    version: i64,
    values: Vec<f32>,
    ids: StrArena,
    metadata: StrArena,
}

impl fmt::Debug for VectorIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VectorIndex").field("dims", &self.dims).field("len", &self.len()).field("version", &self.version).finish()
    }
}

/// A match candidate; greater is better (higher score, then smaller id).
#[derive(Clone, Copy)]
struct Candidate<'a> {
    score: f32,
    id: &'a str,
    row: usize,
}

impl PartialEq for Candidate<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate<'_> {}

impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.id.cmp(self.id))
    }
}

impl VectorIndex {
    /// An empty index of `dims`-dimensional vectors.
    pub fn new(dims: usize) -> Self {
        Self::with_capacity(dims, 0)
    }

    /// An empty index with room for `n` vectors.
    pub fn with_capacity(dims: usize, n: usize) -> Self {
        Self {
            dims,
            version: 0,
            values: Vec::with_capacity(dims.saturating_mul(n)),
            ids: StrArena { bytes: String::new(), ends: Vec::with_capacity(n) },
            metadata: StrArena { bytes: String::new(), ends: Vec::with_capacity(n) },
        }
    }

    /// Appends a vector (normalised on the way in; an all-zero vector stays zero and scores 0).
    /// Ids are not checked for uniqueness: the database guarantees it for loaded indexes.
    pub fn push(&mut self, id: &str, values: &[f32], metadata: &Metadata) -> Result<()> {
        if values.len() != self.dims {
            return Err(Error::invalid_field(
                "values",
                format!("vector `{id}` has {} dimensions; the index has {}", values.len(), self.dims),
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid_field("values", format!("vector `{id}` contains NaN or infinity")));
        }
        let json = serde_json::to_string(metadata).map_err(|e| Error::internal("cannot encode vector metadata", e))?;
        let norm = norm(values);
        if norm > 0.0 {
            self.values.extend(values.iter().map(|v| v / norm));
        } else {
            self.values.extend(std::iter::repeat_n(0.0, self.dims));
        }
        self.ids.push(id);
        self.metadata.push(&json);
        Ok(())
    }

    /// Releases spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.values.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.metadata.shrink_to_fit();
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.ids.ends.len()
    }

    /// Whether the index holds no vector.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Length of every vector.
    pub fn dimensions(&self) -> usize {
        self.dims
    }

    /// The normalised vectors, row-major (`len() * dimensions()` floats).
    pub fn vectors(&self) -> &[f32] {
        &self.values
    }

    /// Bytes of the vectors alone as f32 (`dims * 4 * len`).
    pub fn raw_bytes(&self) -> usize {
        self.values.len() * size_of::<f32>()
    }

    /// Heap bytes the index holds (vectors, ids, metadata, offsets), plus the struct itself.
    pub fn allocated_bytes(&self) -> usize {
        size_of::<Self>() + self.values.capacity() * size_of::<f32>() + self.ids.allocated_bytes() + self.metadata.allocated_bytes()
    }

    /// The `top_k` records most similar to `query` (cosine; descending, ties by id) among those
    /// passing `filter`, which is tested before a record is scored.
    pub fn search(&self, query: &[f32], top_k: usize, filter: Option<&MetadataFilter>) -> Result<Vec<ScoredRecord>> {
        check_query(self.dims, query)?;
        if top_k == 0 || self.is_empty() {
            return Ok(vec![]);
        }
        let norm = norm(query);
        let q: Vec<f32> = if norm > 0.0 { query.iter().map(|v| v / norm).collect() } else { vec![0.0; self.dims] };
        let mut heap: BinaryHeap<Reverse<Candidate<'_>>> = BinaryHeap::with_capacity(top_k.min(self.len()) + 1);
        for (row, v) in self.values.chunks_exact(self.dims).enumerate() {
            if let Some(f) = filter
                && !f.matches(&self.metadata_of(row)?)
            {
                continue;
            }
            // `+ 0.0` folds -0.0 into 0.0 so equal scores tie-break by id.
            let score = dot(&q, v) + 0.0;
            if heap.len() < top_k {
                heap.push(Reverse(Candidate { score, id: self.ids.get(row), row }));
            } else if let Some(mut worst) = heap.peek_mut()
                && score >= worst.0.score
            {
                let c = Candidate { score, id: self.ids.get(row), row };
                if c > worst.0 {
                    *worst = Reverse(c);
                }
            }
        }
        let mut best: Vec<Candidate<'_>> = heap.into_iter().map(|Reverse(c)| c).collect();
        best.sort_unstable_by(|a, b| b.cmp(a));
        best.into_iter()
            .map(|c| Ok(ScoredRecord { id: c.id.to_owned(), score: c.score.clamp(-1.0, 1.0), metadata: self.metadata_of(c.row)? }))
            .collect()
    }

    fn metadata_of(&self, row: usize) -> Result<Metadata> {
        serde_json::from_str(self.metadata.get(row)).map_err(|e| Error::internal("cannot decode vector metadata", e))
    }
}

fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

/// Dot product with 16 independent accumulators, so the compiler keeps several SIMD lanes busy
/// and the loop runs at memory speed.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let (ac, ar) = a.as_chunks::<16>();
    let (bc, br) = b.as_chunks::<16>();
    for (x, y) in ac.iter().zip(bc) {
        for j in 0..16 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ar.iter().zip(br) {
        s += x * y;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(kind: &str) -> Metadata {
        Metadata::from([("kind".to_owned(), json!(kind))])
    }

    #[test]
    fn dot_matches_a_plain_loop_for_every_remainder_length() {
        for n in [0, 1, 15, 16, 17, 33, 1536] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-3, "n = {n}");
        }
    }

    #[test]
    fn ties_are_broken_by_id_and_zero_vectors_score_zero() {
        let mut ix = VectorIndex::new(2);
        ix.push("b", &[1.0, 0.0], &meta("x")).unwrap();
        ix.push("a", &[2.0, 0.0], &meta("y")).unwrap();
        ix.push("z", &[0.0, 0.0], &meta("z")).unwrap();
        let m = ix.search(&[1.0, 0.0], 3, None).unwrap();
        assert_eq!(m.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["a", "b", "z"]);
        assert_eq!(m[2].score, 0.0);
        assert_eq!(m[0].metadata, meta("y"));
    }

    #[test]
    fn a_filter_excludes_records_before_they_take_a_top_k_slot() {
        let mut ix = VectorIndex::new(2);
        ix.push("near", &[1.0, 0.0], &meta("playbook")).unwrap();
        ix.push("far", &[0.0, 1.0], &meta("framework")).unwrap();
        let f = MetadataFilter::Eq("kind".into(), json!("framework"));
        let m = ix.search(&[1.0, 0.0], 1, Some(&f)).unwrap();
        assert_eq!(m.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["far"]);
    }

    #[test]
    fn nan_is_refused_in_pushed_vectors_and_queries() {
        let mut ix = VectorIndex::new(2);
        assert!(ix.push("a", &[f32::NAN, 0.0], &Metadata::new()).is_err());
        assert!(ix.is_empty());
        assert!(ix.search(&[f32::INFINITY, 0.0], 1, None).is_err());
    }
}
