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
