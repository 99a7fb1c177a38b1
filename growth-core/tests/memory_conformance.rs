//! The in-memory implementations pass the same conformance suites as production backends.
#![cfg(feature = "testkit")]

use std::sync::Arc;

use async_trait::async_trait;

use growth_core::domain::Platform;
use growth_core::memory::{InMemoryBlobStore, InMemoryStore, InMemoryVectorStore, RecordingPublisher};
use growth_core::testkit;
use growth_core::vector::{ScoredRecord, VectorQuery, VectorRecord, VectorStore};

#[tokio::test]
async fn the_in_memory_store_conforms() {
    testkit::store::run_all(|clock| async move { Arc::new(InMemoryStore::new(clock)) as Arc<dyn growth_core::testkit::store::FullStore> })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_in_memory_job_queue_conforms() {
    testkit::job_queue::run_all(|clock| async move { Arc::new(InMemoryStore::new(clock)) as Arc<dyn growth_core::jobs::JobQueue> }).await;
}

#[tokio::test]
async fn the_in_memory_vector_store_conforms() {
    testkit::vector::run_all(|| async { Arc::new(InMemoryVectorStore::new(3)) as Arc<dyn growth_core::vector::VectorStore> }).await;
}

/// A store that implements only the required [`VectorStore`] methods, so the suite checks the
/// trait's default methods (`list_metadata`, built on `query`).
#[derive(Debug)]
struct RequiredMethodsOnly(InMemoryVectorStore);

#[async_trait]
impl VectorStore for RequiredMethodsOnly {
    fn dimensions(&self) -> usize {
        self.0.dimensions()
    }
    async fn upsert(&self, namespace: &str, records: Vec<VectorRecord>) -> growth_core::Result<()> {
        self.0.upsert(namespace, records).await
    }
    async fn query(&self, query: VectorQuery) -> growth_core::Result<Vec<ScoredRecord>> {
        self.0.query(query).await
    }
    async fn delete(&self, namespace: &str, ids: &[String]) -> growth_core::Result<()> {
        self.0.delete(namespace, ids).await
    }
}

#[tokio::test]
async fn the_default_vector_store_methods_conform() {
    testkit::vector::run_all(|| async { Arc::new(RequiredMethodsOnly(InMemoryVectorStore::new(3))) as Arc<dyn VectorStore> }).await;
}

#[tokio::test]
async fn the_in_memory_blob_store_conforms() {
    testkit::blob::run_all(|| async { Arc::new(InMemoryBlobStore::default()) as Arc<dyn growth_core::blob::BlobStore> }).await;
}

#[tokio::test]
async fn the_recording_publisher_conforms() {
    testkit::publisher::run_all(|| async {
        Arc::new(RecordingPublisher::new(Platform::LINKEDIN)) as Arc<dyn growth_core::publish::Publisher>
    })
    .await;
}
