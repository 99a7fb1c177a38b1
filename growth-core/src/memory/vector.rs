//! [`InMemoryVectorStore`]: exact cosine search over vectors held in memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use crate::Result;
use crate::vector::{Metadata, MetadataFilter, ScoredRecord, VectorQuery, VectorRecord, VectorStore, cosine, validate_vectors};

/// Exact nearest-neighbour search (cosine) over records kept in memory, one map per namespace.
#[derive(Clone, Debug)]
pub struct InMemoryVectorStore {
    dims: usize,
    namespaces: Arc<RwLock<HashMap<String, BTreeMap<String, VectorRecord>>>>,
}

impl InMemoryVectorStore {
    /// An empty store for vectors of `dims` dimensions.
    pub fn new(dims: usize) -> Self {
        Self { dims, namespaces: Arc::default() }
    }
}

/// Sorts matches by descending score, ties by id, and keeps the first `k`.
pub fn top_k(mut scored: Vec<ScoredRecord>, k: usize) -> Vec<ScoredRecord> {
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    scored.truncate(k);
    scored
}

#[async_trait]
impl VectorStore for InMemoryVectorStore {
    fn dimensions(&self) -> usize {
        self.dims
    }

    async fn upsert(&self, namespace: &str, records: Vec<VectorRecord>) -> Result<()> {
        validate_vectors(self.dims, &records)?;
        let mut ns = self.namespaces.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let map = ns.entry(namespace.to_owned()).or_default();
        for r in records {
            map.insert(r.id.clone(), r);
        }
        Ok(())
    }

    async fn query(&self, q: VectorQuery) -> Result<Vec<ScoredRecord>> {
        if q.vector.len() != self.dims {
            return Err(crate::Error::invalid_field(
                "vector",
                format!("query has {} dimensions; the index has {}", q.vector.len(), self.dims),
            ));
        }
        let ns = self.namespaces.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(map) = ns.get(&q.namespace) else { return Ok(vec![]) };
        let scored = map
            .values()
            .filter(|r| q.filter.as_ref().is_none_or(|f| f.matches(&r.metadata)))
            .map(|r| ScoredRecord { id: r.id.clone(), score: cosine(&q.vector, &r.values), metadata: r.metadata.clone() })
            .collect();
        Ok(top_k(scored, q.top_k))
    }

    async fn delete(&self, namespace: &str, ids: &[String]) -> Result<()> {
        let mut ns = self.namespaces.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(map) = ns.get_mut(namespace) {
            for id in ids {
                map.remove(id);
            }
        }
        Ok(())
    }

    async fn list_metadata(&self, namespace: &str, filter: MetadataFilter, limit: usize) -> Result<BTreeMap<String, Metadata>> {
        let ns = self.namespaces.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(map) = ns.get(namespace) else { return Ok(BTreeMap::new()) };
        Ok(map.values().filter(|r| filter.matches(&r.metadata)).take(limit).map(|r| (r.id.clone(), r.metadata.clone())).collect())
    }
}
