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
//! To show what bounds it, each PostgreSQL configuration runs a third time with a publisher that
//! writes nothing (`no files`: the database's share alone), the outbox runs alone with no database
//! (`outbox only`), and every line reports the CPU spent per publish by this process and by the
//! PostgreSQL server processes (from `/proc`, so it includes backends serving these connections),
//! the WAL flushes per publish (`pg_stat_wal.wal_sync`) and the share of the machine's cores busy.
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

/// Records every send per schedule, then hands it to the outbox (or, with no outbox, answers at
/// once without writing anything).
#[derive(Debug)]
struct Counting {
    inner: Option<OutboxPublisher>,
    sends: std::sync::Mutex<std::collections::HashMap<growth_core::domain::ScheduleId, usize>>,
}

#[async_trait::async_trait]
impl Publisher for Counting {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> growth_core::publish::PublisherCapabilities {
        growth_core::publish::PublisherCapabilities { idempotency_key: true, reconcile: true, metrics: false }
    }
    async fn publish(&self, req: &growth_core::publish::PublishRequest) -> growth_core::Result<growth_core::publish::Publication> {
        *self.sends.lock().unwrap().entry(req.schedule_id).or_default() += 1;
        match &self.inner {
            Some(outbox) => outbox.publish(req).await,
            None => Ok(growth_core::publish::Publication {
                platform_post_id: req.schedule_id.to_string(),
                url: None,
                published_at: chrono::Utc::now(),
                via: "nothing".into(),
                log: serde_json::json!({}),
            }),
        }
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

/// CPU seconds used so far by this process and by every PostgreSQL server process (`/proc`; 0 where
/// it cannot be read).
fn cpu_seconds() -> (f64, f64) {
    fn ticks(stat: &str) -> Option<(String, f64)> {
        // comm is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
        let (head, tail) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1.to_owned();
        let f: Vec<&str> = tail.split_whitespace().collect();
        Some((comm, f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?))
    }
    let hz = 100.0; // USER_HZ on Linux
    let own = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| ticks(&s)).map_or(0.0, |(_, t)| t / hz);
    let mut pg = 0.0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            if let Some((comm, t)) = std::fs::read_to_string(e.path().join("stat")).ok().and_then(|s| ticks(&s))
                && comm.starts_with("postgres")
            {
                pg += t / hz;
            }
        }
    }
    (own, pg)
}

/// WAL flushes so far (`pg_stat_wal.wal_sync`), when the store is on PostgreSQL.
async fn wal_syncs(pg: Option<&sqlx::PgPool>) -> Option<i64> {
    sqlx::query_scalar::<_, i64>("SELECT wal_sync FROM pg_stat_wal").fetch_one(pg?).await.ok()
}

/// What a run measured.
struct Figures {
    secs: f64,
    cpu_own: f64,
    cpu_pg: f64,
    wal: Option<i64>,
}

impl Figures {
    fn line(&self, label: &str, n: usize) -> String {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let per = |x: f64| x / n as f64 * 1e6;
        let wal = self.wal.map(|w| format!(", {:.2} WAL flushes/publish", w as f64 / n as f64)).unwrap_or_default();
        format!(
            "{label:<34} {n} in {:.2} s = {:>6.0}/s | CPU per publish: this process {:>4.0} µs, postgres {:>4.0} µs; cores busy {:>3.0} %{wal}",
            self.secs,
            n as f64 / self.secs,
            per(self.cpu_own),
            per(self.cpu_pg),
            (self.cpu_own + self.cpu_pg) / self.secs / cores * 100.0
        )
    }
}

/// The outbox alone: `N` posts written through it, `sends` at once, no database.
async fn outbox_only(sends: usize, label: &str, keep: &mut Vec<tempfile::TempDir>) {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Arc::new(OutboxPublisher::new(dir.path().to_path_buf(), Platform::LINKEDIN));
    let (own0, pg0) = cpu_seconds();
    let start = Instant::now();
    let reqs: Vec<_> = (0..N)
        .map(|n| growth_core::publish::PublishRequest {
            schedule_id: growth_core::domain::ScheduleId::new(),
            content_item_id: growth_core::domain::ContentId::new(),
            content_type: ContentType::LinkedinPost,
            title: None,
            content: format!("Post {n}: one idea, one action."),
            platform_data: serde_json::json!({}),
            attempted_at: None,
        })
        .collect();
    let slots = Arc::new(tokio::sync::Semaphore::new(sends));
    let mut set = tokio::task::JoinSet::new();
    for r in reqs {
        let slot = slots.clone().acquire_owned().await.unwrap();
        let outbox = outbox.clone();
        set.spawn(async move {
            outbox.publish(&r).await.unwrap();
            drop(slot);
        });
    }
    while let Some(done) = set.join_next().await {
        done.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let (own1, pg1) = cpu_seconds();
    println!(
        "{}",
        Figures { secs, cpu_own: own1 - own0, cpu_pg: pg1 - pg0, wal: None }.line(&format!("outbox only, {sends} at once, {label}"), N)
    );
    keep.push(dir);
}

#[allow(clippy::too_many_arguments, reason = "a bench's knobs")]
async fn run(
    store: Arc<dyn Store>,
    pg: Option<&sqlx::PgPool>,
    workers: usize,
    sends: usize,
    group: bool,
    files: bool,
    label: &str,
    keep: &mut Vec<tempfile::TempDir>,
) {
    seed(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let counting = Arc::new(Counting {
        inner: files.then(|| OutboxPublisher::new(dir.path().to_path_buf(), Platform::LINKEDIN)),
        sends: Default::default(),
    });
    let outbox: Arc<dyn Publisher> = counting.clone();
    let wal0 = wal_syncs(pg).await;
    let (own0, pg0) = cpu_seconds();
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
    let (own1, pg1) = cpu_seconds();
    let wal = match (wal0, wal_syncs(pg).await) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let published = store
        .list_schedules(&ScheduleFilter { statuses: vec![ScheduleStatus::Published], limit: 1000, ..ScheduleFilter::default() })
        .await
        .unwrap()
        .len();
    if files {
        let written = std::fs::read_dir(dir.path().join("linkedin"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "md"))
            .count();
        assert_eq!(written, N, "one outbox file per schedule, none missing");
    }
    let (sent, duplicates) = {
        let sends = counting.sends.lock().unwrap();
        (sends.values().sum::<usize>(), sends.values().map(|n| n.saturating_sub(1)).sum::<usize>())
    };
    assert_eq!((sent, duplicates), (N, 0), "each schedule sent exactly once");
    assert!(published > 0);
    println!("{} (duplicates {duplicates})", Figures { secs, cpu_own: own1 - own0, cpu_pg: pg1 - pg0, wal }.line(label, N));
    keep.push(dir);
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        // Every outbox directory is kept until the end: deleting thousands of files between runs
        // made ext4 skip the freed inodes (`recently_deleted`) on every file the next run created,
        // charging one configuration for another's clean-up.
        let mut keep = Vec::new();
        outbox_only(8, "first", &mut keep).await;
        let dir = tempfile::tempdir().unwrap();
        for (n, group) in [(1, false), (2, true)] {
            let db = growth_store::Database::connect(
                &format!("sqlite://{}", dir.path().join(format!("bench{n}.db")).display()),
                Arc::new(SystemClock),
            )
            .await
            .unwrap();
            db.migrate().await.unwrap();
            let mode = if group { "grouped" } else { "per-write" };
            run(db.store(), None, 1, 8, group, true, &format!("sqlite, 1 x 8, {mode}"), &mut keep).await;
            db.close().await;
        }

        let base = std::env::var("GROWTH_BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let Ok(admin) = sqlx::PgPool::connect(&base).await else {
            println!("postgres: not reachable at {base}; skipped");
            return;
        };
        let runs = [
            (1usize, 8usize, false, true),
            (1, 8, true, true),
            (1, 8, true, false),
            (4, 8, false, true),
            (4, 8, true, true),
            (4, 8, true, false),
            (4, 2, false, true),
            (4, 2, true, true),
            (4, 2, true, false),
        ];
        for (workers, sends, group, files) in runs {
            let name = format!("growth_bench_publish_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
            let mut url = url::Url::parse(&base).unwrap();
            url.set_path(&name);
            let db = growth_store::Database::connect(url.as_str(), Arc::new(SystemClock)).await.unwrap();
            db.migrate().await.unwrap();
            let mode = match (group, files) {
                (false, _) => "per-write",
                (true, true) => "grouped",
                (true, false) => "grouped, no files",
            };
            run(db.store(), Some(&admin), workers, sends, group, files, &format!("postgres, {workers} x {sends}, {mode}"), &mut keep).await;
            db.close().await;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).execute(&admin).await.unwrap();
        }
        outbox_only(8, "last", &mut keep).await;
    });
}
