//! Embeddings and vector search: the seams of retrieval.

use std::collections::BTreeMap;
use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;

/// Turns texts into vectors.
///
/// Contract: `embed` returns exactly one vector per input, **in input order**, each of
/// `dimensions()` floats; the same input gives the same vector for a given model; an empty
/// input list gives an empty output without calling anything.
#[async_trait]
pub trait Embedder: Send + Sync + Debug + 'static {
    /// The model's name (recorded with the vectors so a model change is detected).
    fn model(&self) -> &str;
    /// Length of every vector.
    fn dimensions(&self) -> usize;
    /// Embeds the inputs.
    async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>>;
}

/// A metadata value a record carries and a filter can test.
pub type Metadata = BTreeMap<String, serde_json::Value>;

/// One vector with its id and metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorRecord {
    /// Unique within its namespace.
    pub id: String,
    /// The vector.
    pub values: Vec<f32>,
    /// Metadata (kind, title, source …), returned with matches and testable by filters.
    pub metadata: Metadata,
}

/// A condition on record metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataFilter {
    /// `metadata[key] == value`.
    Eq(String, serde_json::Value),
    /// `metadata[key]` is one of the values.
    In(String, Vec<serde_json::Value>),
    /// All of them.
    And(Vec<MetadataFilter>),
    /// Any of them.
    Or(Vec<MetadataFilter>),
}

impl MetadataFilter {
    /// Whether `metadata` satisfies the filter. An array-valued field matches when any element does.
    pub fn matches(&self, metadata: &Metadata) -> bool {
        fn field_is(v: Option<&serde_json::Value>, wanted: &serde_json::Value) -> bool {
            match v {
                Some(serde_json::Value::Array(items)) => items.iter().any(|i| i == wanted),
                Some(v) => v == wanted,
                None => false,
            }
        }
        match self {
            MetadataFilter::Eq(k, v) => field_is(metadata.get(k), v),
            MetadataFilter::In(k, vs) => vs.iter().any(|v| field_is(metadata.get(k), v)),
            MetadataFilter::And(fs) => fs.iter().all(|f| f.matches(metadata)),
            MetadataFilter::Or(fs) => fs.iter().any(|f| f.matches(metadata)),
        }
    }
}

/// A nearest-neighbour query.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorQuery {
    /// Namespace to search.
    pub namespace: String,
    /// The query vector.
    pub vector: Vec<f32>,
    /// How many matches at most.
    pub top_k: usize,
    /// Only records that satisfy this.
    pub filter: Option<MetadataFilter>,
}

/// One match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoredRecord {
    /// Record id.
    pub id: String,
    /// Cosine similarity, -1..=1, higher is closer.
    pub score: f32,
    /// The record's metadata.
    pub metadata: Metadata,
}

/// Stores vectors and finds the nearest ones.
///
/// Contract: `upsert` replaces records with the same id in the namespace; vectors of the wrong
/// length are `Error::InvalidInput` and nothing of that call is stored; `query` returns at most
/// `top_k` matches ordered by descending cosine similarity (ties by id), only from the namespace and
/// only those passing the filter; namespaces do not see each other's records; `delete` of a
/// missing id is not an error.
#[async_trait]
pub trait VectorStore: Send + Sync + Debug + 'static {
    /// Length every stored vector must have.
    fn dimensions(&self) -> usize;
    /// Inserts or replaces records.
    async fn upsert(&self, namespace: &str, records: Vec<VectorRecord>) -> Result<()>;
    /// Finds the nearest records.
    async fn query(&self, query: VectorQuery) -> Result<Vec<ScoredRecord>>;
    /// Removes records by id.
    async fn delete(&self, namespace: &str, ids: &[String]) -> Result<()>;

    /// The records of `namespace` whose metadata satisfies `filter`, by id, with their metadata
    /// (not their vectors); at most `limit` of them. The knowledge indexer uses it to find the
    /// chunks an item already has and the `content_hash` each was embedded from, so unchanged text
    /// is not embedded again and stale chunks are deleted.
    ///
    /// The default runs [`query`](Self::query) with the filter, `top_k = limit` and a fixed unit
    /// probe vector: every record passing the filter comes back when there are at most `limit`,
    /// whatever its score. That is exact for exact stores; a store with approximate search, or a
    /// cheaper listing (Pinecone's `list` by id prefix + `fetch`), should override it.
    async fn list_metadata(&self, namespace: &str, filter: MetadataFilter, limit: usize) -> Result<BTreeMap<String, Metadata>> {
        let mut probe = vec![0.0; self.dimensions()];
        if let Some(first) = probe.first_mut() {
            *first = 1.0;
        }
        let matches =
            self.query(VectorQuery { namespace: namespace.to_owned(), vector: probe, top_k: limit, filter: Some(filter) }).await?;
        Ok(matches.into_iter().map(|m| (m.id, m.metadata)).collect())
    }
}

/// Cosine similarity of two equal-length vectors (0 when either is all zeros).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na.sqrt() * nb.sqrt()) }
}

/// Checks every record has `dims` finite values.
pub fn validate_vectors(dims: usize, records: &[VectorRecord]) -> Result<()> {
    for r in records {
        if r.values.len() != dims {
            return Err(crate::Error::invalid_field(
                "values",
                format!("vector `{}` has {} dimensions; the index has {dims}", r.id, r.values.len()),
            ));
        }
        if r.values.iter().any(|v| !v.is_finite()) {
            return Err(crate::Error::invalid_field("values", format!("vector `{}` contains NaN or infinity", r.id)));
        }
    }
    Ok(())
}

fn _assert_dyn(_: &dyn Embedder, _: &dyn VectorStore) {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cosine_of_parallel_vectors_is_one_and_of_orthogonal_zero() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert!(cosine(&[1.0, 0.0], &[0.0, 1.0]).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
    }

    #[test]
    fn filters_match_scalars_arrays_and_combinations() {
        let mut m = Metadata::new();
        m.insert("kind".into(), json!("playbook"));
        m.insert("tags".into(), json!(["plg", "pricing"]));
        assert!(MetadataFilter::Eq("kind".into(), json!("playbook")).matches(&m));
        assert!(MetadataFilter::Eq("tags".into(), json!("plg")).matches(&m));
        assert!(!MetadataFilter::Eq("missing".into(), json!(1)).matches(&m));
        assert!(MetadataFilter::In("kind".into(), vec![json!("framework"), json!("playbook")]).matches(&m));
        let both = MetadataFilter::And(vec![
            MetadataFilter::Eq("kind".into(), json!("playbook")),
            MetadataFilter::Eq("tags".into(), json!("seo")),
        ]);
        assert!(!both.matches(&m));
        let either =
            MetadataFilter::Or(vec![MetadataFilter::Eq("kind".into(), json!("x")), MetadataFilter::Eq("tags".into(), json!("pricing"))]);
        assert!(either.matches(&m));
    }

    #[test]
    fn vectors_of_the_wrong_length_or_with_nan_are_refused() {
        let r = |v: Vec<f32>| VectorRecord { id: "a".into(), values: v, metadata: Metadata::new() };
        assert!(validate_vectors(2, &[r(vec![1.0, 2.0])]).is_ok());
        assert!(validate_vectors(2, &[r(vec![1.0])]).is_err());
        assert!(validate_vectors(2, &[r(vec![1.0, f32::NAN])]).is_err());
    }
}
