#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
//! The engine wires the measure stage: a metrics source from the builder, the hourly sync cron
//! entry, and a `sync_metrics` job the worker runs.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use growth::Engine;
use growth_core::domain::{ClaimRequest, Platform};
use growth_core::jobs::JobQueue;
use growth_core::measure::{FixedMetrics, SYNC_METRICS, sync_metrics_kind};
use growth_core::memory::InMemoryStore;
use growth_core::{Clock, ManualClock};

#[tokio::test]
async fn the_engine_fires_the_hourly_sync_and_its_worker_runs_it() {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 14, 0, 0).unwrap()));
    let store = Arc::new(InMemoryStore::new(clock.clone()));
    let engine = Engine::builder()
        .store(store.clone())
        .clock(clock.clone())
        .metrics_source(Arc::new(FixedMetrics::new(Platform::LINKEDIN)))
        .instance("test")
        .build()
        .unwrap();
    assert_eq!(engine.measure().platforms(), vec![Platform::LINKEDIN]);
    let cron = engine.cron();
    let entry = cron.entries().iter().find(|e| e.name() == SYNC_METRICS).expect("the sync is scheduled");
    assert_eq!(entry.next_after(clock.now()), Some(Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap()), "hourly");
    // Other recurring jobs (the stale-source sweep, learning) fire on the first tick too.
    let fired = cron.tick().await.unwrap();
    assert!(fired.contains(&SYNC_METRICS.to_owned()), "{fired:?}");
    let again = cron.tick().await.unwrap();
    assert!(!again.contains(&SYNC_METRICS.to_owned()), "one firing per hour: {again:?}");

    let worker = engine.worker();
    let req =
        ClaimRequest { worker_id: worker.id().to_owned(), kinds: vec![sync_metrics_kind()], lease: std::time::Duration::from_secs(60) };
    let job = store.claim(&req).await.unwrap().expect("the cron enqueued a sync job");
    worker.process(job.clone()).await;
    let done = store.get_job(job.id).await.unwrap();
    assert_eq!(done.result.clone().unwrap()["considered"], 0, "{done:?}");
}
