//! The in-memory implementations pass the same conformance suites as production backends.
#![cfg(feature = "testkit")]

use std::sync::Arc;

use growth_core::domain::Platform;
use growth_core::memory::{InMemoryBlobStore, InMemoryStore, InMemoryVectorStore, RecordingPublisher};
use growth_core::testkit;

#[tokio::test]
async fn the_in_memory_store_conforms() {
    testkit::store::run_all(|clock| async move { Arc::new(InMemoryStore::new(clock)) as Arc<dyn growth_core::store::Store> }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_in_memory_job_queue_conforms() {
    testkit::job_queue::run_all(|clock| async move { Arc::new(InMemoryStore::new(clock)) as Arc<dyn growth_core::jobs::JobQueue> }).await;
}

#[tokio::test]
async fn the_in_memory_vector_store_conforms() {
    testkit::vector::run_all(|| async { Arc::new(InMemoryVectorStore::new(3)) as Arc<dyn growth_core::vector::VectorStore> }).await;
}

#[tokio::test]
async fn the_in_memory_blob_store_conforms() {
    testkit::blob::run_all(|| async { Arc::new(InMemoryBlobStore::default()) as Arc<dyn growth_core::blob::BlobStore> }).await;
}

#[tokio::test]
async fn the_recording_publisher_conforms() {
    testkit::publisher::run_all(|| async {
        Arc::new(RecordingPublisher::new(Platform::Linkedin)) as Arc<dyn growth_core::publish::Publisher>
    })
    .await;
}
