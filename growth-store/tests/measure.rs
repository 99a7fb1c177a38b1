//! Both backends pass the measure suite (snapshots, leads and touches, summary counts).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

mod common;

use std::sync::Arc;

use growth_core::testkit;
use growth_core::testkit::store::FullStore;

#[tokio::test]
async fn sqlite_passes_the_measure_suite() {
    testkit::store::measure::run_measure(|clock| async move { Arc::new(common::sqlite(clock).await) as Arc<dyn FullStore> }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_measure_suite() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    testkit::store::measure::run_measure(|clock| {
        let (url, schemas) = (url.clone(), schemas.clone());
        async move { Arc::new(common::postgres(&url, &schemas, clock).await) as Arc<dyn FullStore> }
    })
    .await;
    schemas.drop_all(&url).await;
}

#[tokio::test]
async fn sqlite_keeps_the_measure_services_counters_exact_under_concurrent_writers() {
    // A file database: concurrent writers on separate connections, as a server has them.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("measure.db");
    testkit::store::measure::run_measure_service(|clock| {
        let path = path.clone();
        async move {
            let s = Arc::new(growth_store::SqliteStore::connect(path.to_str().unwrap(), clock).await.unwrap());
            s.migrate().await.unwrap();
            (s.clone() as Arc<dyn FullStore>, s as Arc<dyn growth_core::measure::MeasureServiceStore>)
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_the_measure_services_counters_exact_under_concurrent_writers() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    testkit::store::measure::run_measure_service(|clock| {
        let (url, schemas) = (url.clone(), schemas.clone());
        async move {
            let s = Arc::new(common::postgres(&url, &schemas, clock).await);
            (s.clone() as Arc<dyn FullStore>, s as Arc<dyn growth_core::measure::MeasureServiceStore>)
        }
    })
    .await;
    schemas.drop_all(&url).await;
}
