//! The publish fault suite at scale (issue 12): 2,000 due schedules and 4 workers on PostgreSQL
//! (and 1 worker on SQLite), against an in-process platform fake that records every request and
//! answers at random: 15 % a failure before acting (5xx), 15 % a rate limit (429, no
//! `Retry-After`), 15 % **created but the answer lost** (`OutcomeUnknown`), the rest created; its
//! post list shows a post only `LIST_LAG` after creation. Before the workers start, a fifth worker
//! claims `DOOMED` schedules, sends each (the platform creates the post) and dies holding the claims
//! with every answer unread (its task is aborted: what a SIGKILL leaves in the database; the real
//! child-process kill is `tests/publish_crashes.rs`). Every schedule is run to a terminal state
//! (workers publish and reconcile until nothing is `pending`, `claimed` or `unknown`), then the
//! bench reports scheduled, published, failed, unknown → reconciled, duplicates (posts the fake
//! created twice for one schedule) and stuck (anything not terminal), and fails on a duplicate.
//!
//! `cargo bench -p growth --bench publish_faults` (`GROWTH_BENCH_DATABASE_URL` for another
//! PostgreSQL; default `postgres://postgres@127.0.0.1:5432/postgres`, a fresh database is created
//! and dropped). `GROWTH_BENCH_N` overrides the 2,000.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed setup should abort loudly")]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use growth_core::domain::{ContentFilter, ContentStatus, ContentType, NewContentItem, Platform, ScheduleId, ScheduleStatus};
use growth_core::publish::{Publication, PublishRequest, PublishRunner, Publisher, PublisherCapabilities};
use growth_core::store::{ApprovalWrite, ScheduleFilter, Store};
use growth_core::{Error, SystemClock};

const LIST_LAG: Duration = Duration::from_millis(300);

/// Schedules the worker that dies holds when it dies.
const DOOMED: u32 = 20;

/// The dying worker's publisher: the platform creates the post, the answer never comes.
#[derive(Debug)]
struct CreatesThenHangs(Arc<Recording>);

#[async_trait]
impl Publisher for CreatesThenHangs {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> PublisherCapabilities {
        self.0.capabilities()
    }
    async fn publish(&self, req: &PublishRequest) -> growth_core::Result<Publication> {
        self.0.requests.fetch_add(1, Ordering::SeqCst);
        self.0.create(req);
        std::future::pending().await
    }
}

/// A platform that records every request and what it created.
#[derive(Debug, Default)]
struct Recording {
    rng: Mutex<Option<fastrand::Rng>>,
    created: Mutex<HashMap<ScheduleId, Vec<chrono::DateTime<Utc>>>>,
    requests: AtomicUsize,
    lookups: AtomicUsize,
}

impl Recording {
    fn create(&self, req: &PublishRequest) -> Publication {
        let at = Utc::now();
        self.created.lock().unwrap().entry(req.schedule_id).or_default().push(at);
        Publication {
            platform_post_id: format!("post-{}", req.schedule_id),
            url: None,
            published_at: at,
            via: "recording".into(),
            log: serde_json::json!({}),
        }
    }
}

#[async_trait]
impl Publisher for Recording {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }
    async fn publish(&self, req: &PublishRequest) -> growth_core::Result<Publication> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let roll = self.rng.lock().unwrap().get_or_insert_with(|| fastrand::Rng::with_seed(12)).u32(0..100);
        match roll {
            0..=14 => Err(Error::transient("HTTP 503 before acting")),
            15..=29 => Err(Error::RateLimited { retry_after: None }),
            30..=44 => {
                self.create(req);
                Err(Error::OutcomeUnknown("created, but the answer was lost".into()))
            }
            _ => Ok(self.create(req)),
        }
    }
    async fn reconcile(&self, req: &PublishRequest) -> growth_core::Result<Option<Publication>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        let visible = Utc::now() - chrono::Duration::from_std(LIST_LAG).unwrap();
        let found = self.created.lock().unwrap().get(&req.schedule_id).and_then(|v| v.iter().find(|at| **at <= visible).copied());
        Ok(found.map(|at| Publication {
            platform_post_id: format!("post-{}", req.schedule_id),
            url: None,
            published_at: at,
            via: "recording".into(),
            log: serde_json::json!({"reconciled": true}),
        }))
    }
}

async fn seed(store: &Arc<dyn Store>, n: usize) {
    let now = Utc::now();
    let mut batch = Vec::new();
    for i in 0..n {
        let item = store
            .insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, format!("Post {i}: one idea, one action.")))
            .await
            .unwrap();
        batch.push(ApprovalWrite { content_item_id: item.id, platform: Platform::LINKEDIN, scheduled_time: now, timezone: "UTC".into() });
        if batch.len() == 200 {
            store.approve_and_schedule(&batch).await.unwrap();
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.approve_and_schedule(&batch).await.unwrap();
    }
}

async fn open(store: &Arc<dyn Store>) -> usize {
    let f = ScheduleFilter {
        statuses: vec![ScheduleStatus::Pending, ScheduleStatus::Claimed, ScheduleStatus::Unknown],
        limit: 1000,
        ..ScheduleFilter::default()
    };
    store.list_schedules(&f).await.unwrap().len()
}

async fn run(store: Arc<dyn Store>, n: usize, workers: usize, label: &str) {
    seed(&store, n).await;
    let fake = Arc::new(Recording::default());
    let reconciled = Arc::new(AtomicUsize::new(0));
    let unknown = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    // The worker that dies mid-publish, holding its claims (asserted from the database).
    let doomed = PublishRunner::new(
        store.clone(),
        Arc::new(SystemClock),
        "doomed",
        vec![Arc::new(CreatesThenHangs(fake.clone())) as Arc<dyn Publisher>],
    )
    .limits(5, Duration::from_secs(3), Duration::from_millis(50), DOOMED as usize)
    .publish_timeout(Duration::from_secs(60));
    let dying = tokio::spawn(async move { doomed.run_due(DOOMED).await });
    let held = loop {
        let f = ScheduleFilter { statuses: vec![ScheduleStatus::Claimed], limit: 1000, ..ScheduleFilter::default() };
        let held = store
            .list_schedules(&f)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.claimed_by.as_deref() == Some("doomed") && s.last_attempt_at.is_some())
            .count();
        if held == DOOMED as usize {
            break held;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    dying.abort();
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let r =
                PublishRunner::new(store.clone(), Arc::new(SystemClock), format!("bench-{w}"), vec![fake.clone() as Arc<dyn Publisher>])
                    .limits(5, Duration::from_secs(30), Duration::from_millis(50), 8)
                    .publish_timeout(Duration::from_secs(10))
                    .settle(Platform::LINKEDIN, LIST_LAG * 2)
                    .reconcile_lease(Duration::from_millis(300));
            let (store, reconciled, unknown) = (store.clone(), reconciled.clone(), unknown.clone());
            tokio::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(600);
                while Instant::now() < deadline {
                    let d = r.run_due(100).await.unwrap();
                    unknown.fetch_add(d.unknown, Ordering::SeqCst);
                    let c = r.reconcile_unknown(100).await.unwrap();
                    reconciled.fetch_add(c.reconciled, Ordering::SeqCst);
                    if d.claimed == 0 && c.reconciled == 0 {
                        if open(&store).await == 0 {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    // One item per schedule: the items' states count the schedules' (the listing caps at 1,000).
    let count = |status| {
        let store = store.clone();
        async move {
            let f = ContentFilter { statuses: vec![status], ..ContentFilter::default() };
            usize::try_from(store.count_content(&f).await.unwrap()).unwrap()
        }
    };
    let published = count(ContentStatus::Published).await;
    let failed = count(ContentStatus::Failed).await;
    let stuck = open(&store).await;
    let (duplicates, on_platform) = {
        let created = fake.created.lock().unwrap();
        (created.values().map(|v| v.len().saturating_sub(1)).sum::<usize>(), created.len())
    };
    println!(
        "{label:<26} scheduled {n}, killed worker held {held}, published {published}, failed {failed}, unknown {} → reconciled {}, \
         sends {}, list lookups {}, duplicates {duplicates}, stuck {stuck}, {secs:.1} s",
        unknown.load(Ordering::SeqCst),
        reconciled.load(Ordering::SeqCst),
        fake.requests.load(Ordering::SeqCst),
        fake.lookups.load(Ordering::SeqCst),
    );
    let failures = ScheduleFilter { statuses: vec![ScheduleStatus::Failed], limit: 20, ..ScheduleFilter::default() };
    for s in store.list_schedules(&failures).await.unwrap() {
        println!("  failed {}: {}", s.id, s.error_message.unwrap_or_default());
    }
    assert_eq!(duplicates, 0, "a post went out twice");
    assert_eq!(stuck, 0, "a schedule was left open");
    assert_eq!(on_platform, published, "every post the platform holds is recorded as published");
}

fn main() {
    let n: usize = std::env::var("GROWTH_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = growth_store::Database::connect(&format!("sqlite://{}", dir.path().join("bench.db").display()), Arc::new(SystemClock))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        run(db.store(), n, 1, "sqlite, 1 worker").await;
        db.close().await;

        let base = std::env::var("GROWTH_BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let Ok(admin) = sqlx::PgPool::connect(&base).await else {
            println!("postgres: not reachable at {base}; skipped");
            return;
        };
        let name = format!("growth_bench_faults_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
        let mut url = url::Url::parse(&base).unwrap();
        url.set_path(&name);
        let db = growth_store::Database::connect(url.as_str(), Arc::new(SystemClock)).await.unwrap();
        db.migrate().await.unwrap();
        run(db.store(), n, 4, "postgres, 4 workers").await;
        db.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).execute(&admin).await.unwrap();
    });
}
