//! [`PineconeVectorStore`]: the `VectorStore` implementation.

use async_trait::async_trait;
use growth_core::vector::{ScoredRecord, VectorQuery, VectorRecord, VectorStore, validate_vectors};
use growth_core::{Error, Result};

use super::batch::{MAX_BODY_BYTES, MAX_DELETE_IDS, MAX_RECORDS, upsert_batches};
use super::client::Client;
use super::config::PineconeConfig;
use super::filter::{PineconeFilter, translate};
use super::models::{DeleteRequest, QueryRequest};

/// Most matches one query may ask for (`topK`).
const MAX_TOP_K: usize = 10_000;
/// Longest record id Pinecone accepts, in characters.
const MAX_ID_CHARS: usize = 512;

/// Vectors in a Pinecone index (dense, cosine metric), one Pinecone namespace per namespace.
#[derive(Clone, Debug)]
pub struct PineconeVectorStore {
    client: Client,
    dims: usize,
}

impl PineconeVectorStore {
    /// A store for the index in `config`. Nothing is sent yet: the host is looked up on first use
    /// (unless configured), and [`check_dimensions`](Self::check_dimensions) verifies the index.
    ///
    /// # Errors
    /// [`Error::Config`] when `dimensions` is zero, neither an index name nor a host is set, the
    /// key or the API version cannot be a header value, or the HTTP client cannot be built.
    pub fn new(config: PineconeConfig) -> Result<Self> {
        if config.dimensions == 0 {
            return Err(Error::Config("pinecone: `dimensions` must be the embedder's vector length, not 0".into()));
        }
        Ok(Self { client: Client::new(&config)?, dims: config.dimensions })
    }

    /// Asks the index for its dimension (`POST /describe_index_stats`) and compares it with the
    /// configured one. Meant for start-up, so a model change is caught before anything is stored.
    ///
    /// # Errors
    /// [`Error::Config`] naming both numbers when they differ, when the index reports no
    /// dimension (a sparse index) or a metric other than cosine; the classified HTTP error when
    /// the index cannot be reached.
    pub async fn check_dimensions(&self) -> Result<()> {
        let stats = self.client.describe_index_stats().await?;
        let index = self.client.index();
        match stats.dimension {
            Some(d) if d == self.dims => {}
            Some(d) => {
                return Err(Error::Config(format!(
                    "pinecone index `{index}` has {d} dimensions but {} are configured (the embedder's vector length); \
                     use an index of {} dimensions or an embedder of {d}",
                    self.dims, self.dims
                )));
            }
            None => {
                return Err(Error::Config(format!(
                    "pinecone index `{index}` reports no dimension (a sparse index?); a dense index of {} dimensions is needed",
                    self.dims
                )));
            }
        }
        if let Some(metric) = stats.metric.as_deref().filter(|m| !m.eq_ignore_ascii_case("cosine")) {
            return Err(Error::Config(format!(
                "pinecone index `{index}` uses the `{metric}` metric; scores are cosine similarities, so it must be `cosine`"
            )));
        }
        tracing::debug!(index, dimensions = self.dims, vectors = ?stats.total_vector_count, "pinecone index checked");
        Ok(())
    }
}

fn validate_ids(records: &[VectorRecord]) -> Result<()> {
    for r in records {
        if r.id.is_empty() {
            return Err(Error::invalid_field("id", "a vector id cannot be empty"));
        }
        if r.id.chars().count() > MAX_ID_CHARS {
            return Err(Error::invalid_field(
                "id",
                format!("vector id `{}…` is longer than {MAX_ID_CHARS} characters", r.id.chars().take(40).collect::<String>()),
            ));
        }
    }
    Ok(())
}

#[async_trait]
impl VectorStore for PineconeVectorStore {
    fn dimensions(&self) -> usize {
        self.dims
    }

    /// Sends the records in requests of at most 1,000 records and 2 MB, in order. Everything is
    /// checked before the first request, so a refused call stores nothing; a failure in a later
    /// request leaves the earlier ones stored, and repeating the whole call is safe (upsert
    /// overwrites by id). Metadata keys with `null` values are not sent (Pinecone stores no nulls).
    async fn upsert(&self, namespace: &str, records: Vec<VectorRecord>) -> Result<()> {
        validate_vectors(self.dims, &records)?;
        validate_ids(&records)?;
        let batches = upsert_batches(namespace, &records, MAX_RECORDS, MAX_BODY_BYTES)?;
        let total = batches.len();
        let mut stored = 0;
        for (i, batch) in batches.into_iter().enumerate() {
            let sent = batch.records;
            match self.client.upsert(batch.body).await {
                Ok(Some(count)) if count != sent as u64 => {
                    tracing::warn!(namespace, sent, upserted = count, "pinecone reported a different upserted count");
                }
                Ok(_) => {}
                Err(e) => {
                    if stored > 0 {
                        tracing::warn!(namespace, stored, of = records.len(), batch = i + 1, batches = total, error = %e,
                            "pinecone upsert failed part way; the earlier batches are stored and repeating the upsert is safe");
                    }
                    return Err(e);
                }
            }
            stored += sent;
        }
        Ok(())
    }

    async fn query(&self, q: VectorQuery) -> Result<Vec<ScoredRecord>> {
        if q.vector.len() != self.dims {
            return Err(Error::invalid_field("vector", format!("query has {} dimensions; the index has {}", q.vector.len(), self.dims)));
        }
        if q.vector.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid_field("vector", "the query vector contains NaN or infinity"));
        }
        if q.top_k > MAX_TOP_K {
            return Err(Error::invalid_field("top_k", format!("Pinecone returns at most {MAX_TOP_K} matches; {} were asked for", q.top_k)));
        }
        let filter = match q.filter.as_ref().map(translate).transpose()? {
            None | Some(PineconeFilter::All) => None,
            Some(PineconeFilter::Where(f)) => Some(f),
            Some(PineconeFilter::Nothing) => return Ok(Vec::new()),
        };
        if q.top_k == 0 {
            return Ok(Vec::new());
        }
        let body = QueryRequest {
            namespace: &q.namespace,
            vector: &q.vector,
            top_k: q.top_k,
            filter,
            include_metadata: true,
            include_values: false,
        };
        let resp = self.client.query(&body).await?;
        let mut matches: Vec<ScoredRecord> =
            resp.matches.into_iter().map(|m| ScoredRecord { id: m.id, score: m.score, metadata: m.metadata.unwrap_or_default() }).collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        matches.truncate(q.top_k);
        Ok(matches)
    }

    /// Deletes in requests of at most 1,000 ids. A 404 (Pinecone's answer for a namespace that
    /// does not exist) is success: the records are not there.
    async fn delete(&self, namespace: &str, ids: &[String]) -> Result<()> {
        for chunk in ids.chunks(MAX_DELETE_IDS) {
            match self.client.delete(&DeleteRequest { ids: chunk, namespace }).await {
                Ok(()) => {}
                Err(Error::NotFound { id, .. }) => {
                    tracing::debug!(namespace, answer = %id, "pinecone delete: namespace not found, nothing to delete")
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use growth_core::vector::Metadata;
    use secrecy::SecretString;

    use super::*;

    fn store() -> PineconeVectorStore {
        let mut c = PineconeConfig::new(SecretString::from("k"), "kb", 2);
        c.host = Some("http://127.0.0.1:9".into());
        PineconeVectorStore::new(c).unwrap()
    }

    #[test]
    fn zero_dimensions_are_a_config_error() {
        let mut c = PineconeConfig::new(SecretString::from("k"), "kb", 0);
        c.host = Some("h".into());
        assert!(matches!(PineconeVectorStore::new(c), Err(Error::Config(m)) if m.contains("dimensions")));
    }

    #[tokio::test]
    async fn bad_input_is_refused_before_any_request() {
        let s = store();
        let r = |id: &str| VectorRecord { id: id.into(), values: vec![1.0, 0.0], metadata: Metadata::new() };
        assert!(matches!(s.upsert("kb", vec![r("")]).await, Err(Error::InvalidInput { .. })));
        assert!(matches!(s.upsert("kb", vec![r(&"x".repeat(513))]).await, Err(Error::InvalidInput { .. })));
        let q = |vector: Vec<f32>, top_k| VectorQuery { namespace: "kb".into(), vector, top_k, filter: None };
        assert!(matches!(s.query(q(vec![1.0], 1)).await, Err(Error::InvalidInput { .. })));
        assert!(matches!(s.query(q(vec![f32::NAN, 0.0], 1)).await, Err(Error::InvalidInput { .. })));
        assert!(matches!(s.query(q(vec![1.0, 0.0], 10_001)).await, Err(Error::InvalidInput { .. })));
        // Nothing to do: no request (the host is unreachable, so a request would fail).
        assert!(s.query(q(vec![1.0, 0.0], 0)).await.unwrap().is_empty());
        assert!(s.upsert("kb", vec![]).await.is_ok());
        assert!(s.delete("kb", &[]).await.is_ok());
    }
}
