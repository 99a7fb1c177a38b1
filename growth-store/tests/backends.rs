//! Backend-specific behaviour: several pools at once, migrations, constraints, connection errors.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use growth_core::SystemClock;
use growth_core::domain::*;
use growth_core::store::{ContentStore, Store};
use serde_json::json;

const POOLS: usize = 6;
const JOBS: usize = 60;

/// Several independent pools (as several worker processes would have) drain one queue; every job is
/// claimed exactly once.
async fn no_job_is_claimed_twice(stores: Vec<Arc<dyn Store>>) {
    for i in 0..JOBS {
        stores[0].enqueue(NewJob::new(JobKind::new("bench").unwrap(), json!(i))).await.unwrap();
    }
    let mut tasks = Vec::new();
    for (w, s) in stores.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let req = ClaimRequest { worker_id: format!("pool-{w}"), kinds: vec![], lease: Duration::from_secs(60) };
            let mut mine = Vec::new();
            while let Some(j) = s.claim(&req).await.unwrap() {
                s.complete(j.id, &req.worker_id, JobOutcome::Succeeded(None)).await.unwrap();
                mine.push(j.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let claimed = all.len();
    all.sort();
    all.dedup();
    assert_eq!(claimed, JOBS, "every job claimed");
    assert_eq!(all.len(), JOBS, "no job claimed twice");
}

/// The same for due schedules: each is handed to exactly one worker.
async fn no_schedule_is_claimed_twice(stores: Vec<Arc<dyn Store>>) {
    let s0 = stores[0].clone();
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    for _ in 0..JOBS {
        let c = s0.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "post")).await.unwrap();
        s0.transition_content(c.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
        s0.create_schedule(NewSchedule {
            content_item_id: c.id,
            platform: Platform::LINKEDIN,
            scheduled_time: past,
            timezone: "UTC".into(),
        })
        .await
        .unwrap();
    }
    let mut tasks = Vec::new();
    for (w, s) in stores.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = s.claim_due_schedules(&format!("pool-{w}"), Duration::from_secs(60), 3).await.unwrap();
                if got.is_empty() {
                    break mine;
                }
                mine.extend(got.into_iter().map(|x| x.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let claimed = all.len();
    all.sort();
    all.dedup();
    assert_eq!((claimed, all.len()), (JOBS, JOBS), "each due schedule claimed exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_sqlite_pools_on_one_file_never_share_a_job_or_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("growth.db").to_str().unwrap().to_owned();
    let mut stores: Vec<Arc<dyn Store>> = Vec::new();
    for _ in 0..POOLS {
        let s = growth_store::SqliteStore::connect(&url, Arc::new(SystemClock)).await.unwrap();
        s.migrate().await.unwrap();
        stores.push(Arc::new(s));
    }
    no_job_is_claimed_twice(stores.clone()).await;
    no_schedule_is_claimed_twice(stores).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_postgres_pools_never_share_a_job_or_schedule() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    let schema = schemas.fresh_name();
    let mut stores: Vec<Arc<dyn Store>> = Vec::new();
    for _ in 0..POOLS {
        let s = growth_store::PgStore::connect_in_schema(&url, Some(&schema), Arc::new(SystemClock)).await.unwrap();
        s.migrate().await.unwrap();
        stores.push(Arc::new(s));
    }
    no_job_is_claimed_twice(stores.clone()).await;
    no_schedule_is_claimed_twice(stores).await;
    schemas.drop_all(&url).await;
}

#[tokio::test]
async fn running_migrations_twice_is_a_no_op_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("m.db").to_str().unwrap().to_owned();
    let db = growth_store::Database::connect(&url, Arc::new(SystemClock)).await.unwrap();
    db.migrate().await.unwrap();
    let id = db.store().insert_content(NewContentItem::draft(ContentType::Newsletter, None, "kept")).await.unwrap().id;
    db.migrate().await.unwrap();
    assert_eq!(db.store().get_content(id).await.unwrap().content, "kept", "a second run neither fails nor loses data");

    let Some(pg) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    let s = growth_store::PgStore::connect_in_schema(&pg, Some(&schemas.fresh_name()), Arc::new(SystemClock)).await.unwrap();
    s.migrate().await.unwrap();
    let id = s.insert_content(NewContentItem::draft(ContentType::Newsletter, None, "kept")).await.unwrap().id;
    s.migrate().await.unwrap();
    assert_eq!(s.get_content(id).await.unwrap().content, "kept");
    schemas.drop_all(&pg).await;
}

#[tokio::test]
async fn statuses_outside_their_enum_are_refused_by_the_database() {
    let s = common::sqlite(Arc::new(SystemClock)).await;
    let bad = sqlx::query(
        "INSERT INTO jobs (id, kind, payload, status, max_attempts, run_after, created_at, updated_at) VALUES ($1, 'x', '{}', 'exploded', 1, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
    )
    .bind(uuid::Uuid::now_v7())
    .execute(s.pool())
    .await;
    assert!(bad.is_err(), "CHECK constraint must reject an unknown status");

    let Some(pg) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    let p = growth_store::PgStore::connect_in_schema(&pg, Some(&schemas.fresh_name()), Arc::new(SystemClock)).await.unwrap();
    p.migrate().await.unwrap();
    let bad = sqlx::query(
        "INSERT INTO users (id, email, role, auth_provider, created_at, updated_at) VALUES ($1, 'a@b.co', 'root', 'email', now(), now())",
    )
    .bind(uuid::Uuid::now_v7())
    .execute(p.pool())
    .await;
    assert!(bad.is_err(), "CHECK constraint must reject an unknown role");
    schemas.drop_all(&pg).await;
}

#[tokio::test]
async fn an_unreachable_database_is_a_config_error_naming_the_host_but_not_the_password() {
    let err = growth_store::Database::connect("postgres://app:hunter2secret@127.0.0.1:1/growth", Arc::new(SystemClock)).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, growth_core::Error::Config(_)), "{text}");
    assert!(text.contains("127.0.0.1:1/growth"), "{text}");
    assert!(!text.contains("hunter2secret"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[tokio::test]
async fn an_unknown_url_scheme_is_a_config_error() {
    let err = growth_store::Database::connect("mysql://x@y/z", Arc::new(SystemClock)).await.unwrap_err();
    assert!(matches!(err, growth_core::Error::Config(_)));
}
