//! Test doubles for the knowledge tests: a deterministic bag-of-words embedder that counts its
//! calls, and a vector store that fails on demand.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;

use crate::memory::InMemoryVectorStore;
use crate::vector::{Embedder, ScoredRecord, VectorQuery, VectorRecord, VectorStore};
use crate::{Error, Result};

pub(crate) const DIMS: usize = 64;

/// Words hashed (FNV-1a) into 64 buckets, normalised. Words under 4 letters are ignored, so
/// "the", "and" … do not make every text alike.
#[derive(Debug, Default)]
pub(crate) struct CountingEmbedder {
    pub(crate) calls: AtomicUsize,
    pub(crate) inputs: AtomicUsize,
    pub(crate) fail: AtomicBool,
}

impl CountingEmbedder {
    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    pub(crate) fn inputs(&self) -> usize {
        self.inputs.load(Ordering::SeqCst)
    }
}

pub(crate) fn bag_of_words(text: &str) -> Vec<f32> {
    let mut v = vec![0.0f32; DIMS];
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 4) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in word.to_lowercase().bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        v[(h % DIMS as u64) as usize] += 1.0;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    } else {
        v[0] = 1.0;
    }
    v
}

#[async_trait]
impl Embedder for CountingEmbedder {
    fn model(&self) -> &str {
        "test-bow-64"
    }
    fn dimensions(&self) -> usize {
        DIMS
    }
    async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inputs.fetch_add(inputs.len(), Ordering::SeqCst);
        if self.fail.load(Ordering::SeqCst) {
            return Err(Error::transient("embedder down"));
        }
        Ok(inputs.iter().map(|t| bag_of_words(t)).collect())
    }
}

/// An [`InMemoryVectorStore`] whose upserts fail while `fail_upserts` is set, and that refuses
/// queries for more than `max_top_k` matches (when not 0), as Pinecone does past 10,000.
#[derive(Debug)]
pub(crate) struct FlakyVectorStore {
    pub(crate) inner: InMemoryVectorStore,
    pub(crate) fail_upserts: AtomicBool,
    pub(crate) max_top_k: AtomicUsize,
}

impl FlakyVectorStore {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self { inner: InMemoryVectorStore::new(DIMS), fail_upserts: AtomicBool::new(false), max_top_k: AtomicUsize::new(0) })
    }
}

#[async_trait]
impl VectorStore for FlakyVectorStore {
    fn dimensions(&self) -> usize {
        self.inner.dimensions()
    }
    async fn upsert(&self, namespace: &str, records: Vec<VectorRecord>) -> Result<()> {
        if self.fail_upserts.load(Ordering::SeqCst) {
            return Err(Error::transient("vector store down"));
        }
        self.inner.upsert(namespace, records).await
    }
    async fn query(&self, query: VectorQuery) -> Result<Vec<ScoredRecord>> {
        let max = self.max_top_k.load(Ordering::SeqCst);
        if max > 0 && query.top_k > max {
            return Err(Error::invalid_field("top_k", format!("at most {max} matches; {} were asked for", query.top_k)));
        }
        self.inner.query(query).await
    }
    async fn delete(&self, namespace: &str, ids: &[String]) -> Result<()> {
        self.inner.delete(namespace, ids).await
    }
    // `list_metadata` is deliberately not forwarded: the trait's default (built on `query`) is
    // exercised through this wrapper.
}
