//! The in-memory store passes the measure suite (snapshots, leads, summary counts).
#![cfg(feature = "testkit")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::sync::Arc;

use growth_core::memory::InMemoryStore;
use growth_core::testkit;

#[tokio::test]
async fn memory_passes_the_measure_suite() {
    testkit::store::measure::run_measure(|clock| async move { Arc::new(InMemoryStore::new(clock)) as Arc<dyn testkit::store::FullStore> })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_keeps_the_measure_services_counters_exact_under_concurrent_writers() {
    testkit::store::measure::run_measure_service(|clock| async move {
        let s = Arc::new(InMemoryStore::new(clock));
        (s.clone() as Arc<dyn testkit::store::FullStore>, s as Arc<dyn growth_core::measure::MeasureServiceStore>)
    })
    .await;
}
