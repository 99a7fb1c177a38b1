//! Both backends pass the same conformance suites as the in-memory reference.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

mod common;

use std::sync::Arc;

use growth_core::jobs::JobQueue;
use growth_core::testkit;
use growth_core::testkit::store::FullStore;

#[tokio::test]
async fn sqlite_passes_the_store_suite() {
    testkit::store::run_all(|clock| async move { Arc::new(common::sqlite(clock).await) as Arc<dyn FullStore> }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_passes_the_job_queue_suite() {
    testkit::job_queue::run_all(|clock| async move { Arc::new(common::sqlite(clock).await) as Arc<dyn JobQueue> }).await;
}

#[tokio::test]
async fn a_file_backed_sqlite_store_passes_the_job_queue_suite() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::sync::atomic::AtomicUsize::new(0);
    let dir_path = dir.path().to_owned();
    testkit::job_queue::run_all(|clock| {
        let path = dir_path.join(format!("q{}.db", n.fetch_add(1, std::sync::atomic::Ordering::SeqCst)));
        async move {
            let s = growth_store::SqliteStore::connect(path.to_str().unwrap(), clock).await.unwrap();
            s.migrate().await.unwrap();
            Arc::new(s) as Arc<dyn JobQueue>
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_store_suite() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    testkit::store::run_all(|clock| {
        let (url, schemas) = (url.clone(), schemas.clone());
        async move { Arc::new(common::postgres(&url, &schemas, clock).await) as Arc<dyn FullStore> }
    })
    .await;
    schemas.drop_all(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_passes_the_job_queue_suite() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    testkit::job_queue::run_all(|clock| {
        let (url, schemas) = (url.clone(), schemas.clone());
        async move { Arc::new(common::postgres(&url, &schemas, clock).await) as Arc<dyn JobQueue> }
    })
    .await;
    schemas.drop_all(&url).await;
}

#[tokio::test]
async fn the_local_blob_store_passes_the_blob_suite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let n = std::sync::atomic::AtomicUsize::new(0);
    testkit::blob::run_all(|| {
        let sub = root.join(n.fetch_add(1, std::sync::atomic::Ordering::SeqCst).to_string());
        async move { Arc::new(growth_store::ObjectBlobStore::local(sub).unwrap()) as Arc<dyn growth_core::blob::BlobStore> }
    })
    .await;
}
