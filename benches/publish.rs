//! Publishes per second through the outbox publisher: N due schedules, W workers (each a
//! `PublishRunner` claiming batches of 200, with 8 or 2 sends at once), until every schedule is
//! published. SQLite with 1 worker; PostgreSQL with 1 and 4 workers (`GROWTH_BENCH_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`; a fresh database is created and dropped).
//! Duplicates are measured where they would happen: every `publish` call is recorded per schedule
//! by a wrapper around the outbox (the outbox's own files are idempotent per schedule, so counting
//! them proves nothing); the bench fails if any schedule was sent twice or any is left open.
//!
//! Every configuration runs twice in the same process, side by side: with one store commit per
//! write (`per-write`, the old path) and with group commits (`grouped`: the sends in flight share
//! "a send starts" and "it was published" transactions).
//!
//! `cargo bench -p growth --bench publish`
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed setup should abort loudly")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use growth_core::domain::{ContentType, NewContentItem, Platform, ScheduleStatus};
use growth_core::publish::PublishRunner;
use growth_core::publish::Publisher;
use growth_core::publish::outbox::OutboxPublisher;
use growth_core::review::{ApproveRequest, ReviewService};
use growth_core::store::{ScheduleFilter, Store};
use growth_core::{Clock, SystemClock};

const N: usize = 2_000;

/// Records every send per schedule, then hands it to the outbox.
#[derive(Debug)]
struct Counting {
    inner: OutboxPublisher,
    sends: std::sync::Mutex<std::collections::HashMap<growth_core::domain::ScheduleId, usize>>,
}

#[async_trait::async_trait]
impl Publisher for Counting {
    fn platform(&self) -> Platform {
        self.inner.platform()
    }
    fn capabilities(&self) -> growth_core::publish::PublisherCapabilities {
        self.inner.capabilities()
    }
    async fn publish(&self, req: &growth_core::publish::PublishRequest) -> growth_core::Result<growth_core::publish::Publication> {
        *self.sends.lock().unwrap().entry(req.schedule_id).or_default() += 1;
        self.inner.publish(req).await
    }
}

async fn seed(store: &Arc<dyn Store>) {
    let now = chrono::Utc::now();
    let review = ReviewService::new(store.clone(), Arc::new(SystemClock), "UTC", [Platform::LINKEDIN].into()).unwrap();
    for n in 0..N {
        let item = store
            .insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, format!("Post {n}: one idea, one action.")))
            .await
            .unwrap();
        let req = ApproveRequest { at: Some(now), platform: Some(Platform::LINKEDIN), ..ApproveRequest::default() };
        review.approve(item.id, req).await.unwrap();
    }
}

async fn run(store: Arc<dyn Store>, workers: usize, sends: usize, group: bool, label: &str) {
    seed(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let counting =
        Arc::new(Counting { inner: OutboxPublisher::new(dir.path().to_path_buf(), Platform::LINKEDIN), sends: Default::default() });
    let outbox: Arc<dyn Publisher> = counting.clone();
    let start = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let r = PublishRunner::new(store.clone(), clock.clone(), format!("bench-{w}"), vec![outbox.clone()])
                .limits(5, Duration::from_secs(120), Duration::from_secs(1), sends)
                .group_commit(group);
            tokio::spawn(async move {
                loop {
                    if r.run_due(200).await.unwrap().claimed == 0 {
                        break;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let published = store
        .list_schedules(&ScheduleFilter { statuses: vec![ScheduleStatus::Published], limit: 1000, ..ScheduleFilter::default() })
        .await
        .unwrap()
        .len();
    let files = std::fs::read_dir(dir.path().join("linkedin"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "md"))
        .count();
    let (sent, duplicates) = {
        let sends = counting.sends.lock().unwrap();
        (sends.values().sum::<usize>(), sends.values().map(|n| n.saturating_sub(1)).sum::<usize>())
    };
    assert_eq!(files, N, "one outbox file per schedule, none missing");
    assert_eq!((sent, duplicates), (N, 0), "each schedule sent exactly once");
    assert!(published > 0);
    println!("{label:<28} {N} publishes in {secs:.2} s = {:>6.0} publishes/s (sends {sent}, duplicates {duplicates})", N as f64 / secs);
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = growth_store::Database::connect(&format!("sqlite://{}", dir.path().join("bench.db").display()), Arc::new(SystemClock))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        run(db.store(), 1, 8, false, "sqlite, 1 x 8, per-write").await;
        db.close().await;
        let db = growth_store::Database::connect(&format!("sqlite://{}", dir.path().join("bench2.db").display()), Arc::new(SystemClock))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        run(db.store(), 1, 8, true, "sqlite, 1 x 8, grouped").await;
        db.close().await;

        let base = std::env::var("GROWTH_BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let Ok(admin) = sqlx::PgPool::connect(&base).await else {
            println!("postgres: not reachable at {base}; skipped");
            return;
        };
        for (workers, sends, group) in [(1usize, 8usize, false), (1, 8, true), (4, 8, false), (4, 8, true), (4, 2, false), (4, 2, true)] {
            let name = format!("growth_bench_publish_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
            let mut url = url::Url::parse(&base).unwrap();
            url.set_path(&name);
            let db = growth_store::Database::connect(url.as_str(), Arc::new(SystemClock)).await.unwrap();
            db.migrate().await.unwrap();
            let mode = if group { "grouped" } else { "per-write" };
            run(db.store(), workers, sends, group, &format!("postgres, {workers} x {sends}, {mode}")).await;
            db.close().await;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).execute(&admin).await.unwrap();
        }
    });
}
