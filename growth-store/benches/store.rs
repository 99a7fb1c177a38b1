//! Store baseline: job enqueue + claim + complete per second (1 and 4 concurrent workers) and
//! content insert + fetch per second, on a SQLite file and — when `GROWTH_TEST_DATABASE_URL` is
//! set — on PostgreSQL (in a fresh schema, dropped afterwards).
//!
//! `GROWTH_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/growth_bench cargo bench -p growth-store --all-features --bench store`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use growth_core::SystemClock;
use growth_core::domain::*;
use growth_core::store::Store;
use serde_json::json;

const BATCH: u64 = 200;

/// `workers` tasks each enqueue their share of the batch, then all claim and complete until the
/// queue is empty: producers and consumers run concurrently, as they do in a deployment.
async fn drain(store: Arc<dyn Store>, workers: usize) {
    let mut tasks = Vec::new();
    for w in 0..workers {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..BATCH / workers as u64 {
                s.enqueue(NewJob::new(JobKind::new("bench").unwrap(), json!({ "i": i }))).await.unwrap();
            }
            let req = ClaimRequest { worker_id: format!("w{w}"), kinds: vec![], lease: Duration::from_secs(60) };
            while let Some(j) = s.claim(&req).await.unwrap() {
                s.complete(j.id, &req.worker_id, JobOutcome::Succeeded(None)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

async fn insert_fetch(store: Arc<dyn Store>) {
    for _ in 0..BATCH {
        let c = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, Some("t".into()), "x".repeat(1500))).await.unwrap();
        store.get_content(c.id).await.unwrap();
    }
}

/// A backend under test: its name, the store, and (for PostgreSQL) the URL and schema to drop.
type Backend = (&'static str, Arc<dyn Store>, Option<(String, String)>);

fn backends(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> Vec<Backend> {
    let mut out: Vec<Backend> = Vec::new();
    let path = dir.join("bench.db");
    let sqlite = rt.block_on(async {
        let s = growth_store::SqliteStore::connect(path.to_str().unwrap(), Arc::new(SystemClock)).await.unwrap();
        s.migrate().await.unwrap();
        s
    });
    out.push(("sqlite_file", Arc::new(sqlite), None));
    if let Ok(url) = std::env::var("GROWTH_TEST_DATABASE_URL") {
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let pg = rt.block_on(async {
            let s = growth_store::PgStore::connect_in_schema(&url, Some(&schema), Arc::new(SystemClock)).await.unwrap();
            s.migrate().await.unwrap();
            s
        });
        out.push(("postgres", Arc::new(pg), Some((url, schema))));
    } else {
        eprintln!("GROWTH_TEST_DATABASE_URL not set: PostgreSQL figures skipped");
    }
    out
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let stores = backends(&rt, dir.path());

    let mut g = c.benchmark_group("jobs_enqueue_claim_complete");
    g.throughput(Throughput::Elements(BATCH)).sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, store, _) in &stores {
        for workers in [1usize, 4] {
            g.bench_function(format!("{name}/{workers}_workers"), |b| {
                b.to_async(&rt).iter_custom(|iters| {
                    let store = store.clone();
                    async move {
                        let t = Instant::now();
                        for _ in 0..iters {
                            drain(store.clone(), workers).await;
                        }
                        t.elapsed()
                    }
                })
            });
        }
    }
    g.finish();

    let mut g = c.benchmark_group("content_insert_fetch");
    g.throughput(Throughput::Elements(BATCH)).sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, store, _) in &stores {
        g.bench_function(*name, |b| b.to_async(&rt).iter(|| insert_fetch(store.clone())));
    }
    g.finish();

    for (_, _, pg) in stores {
        if let Some((url, schema)) = pg {
            rt.block_on(async {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&pool).await.unwrap();
            });
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
