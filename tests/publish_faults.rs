//! Fault injection: three publish workers on one database, each with its own LinkedIn publisher
//! (as separate processes would have: no shared memory), against a fake LinkedIn (wiremock) that
//! answers at random with 500s, 429s **without** `Retry-After` (LinkedIn documents none), answers
//! slower than the client's timeout (the post *is* created), and successes — and whose post list
//! shows a new post only `LIST_LAG_MS` after it was created (and pages by `start`/`count`). Plus: a
//! worker that dies holding claims (asserted to hold them, its sends recorded), a worker whose
//! sends stay in flight past its lease (the publisher answers long after; the runner's publish
//! timeout makes each `unknown` before the lease lapses), a schedule at a DST boundary weeks ago
//! and schedules long past due (as after downtime).
//!
//! Afterwards: every schedule is terminal (`published` or `failed` with a reason), nothing is left
//! `claimed` or `unknown`, and the fake platform holds each post **at most once**. (With the
//! settle window set to zero the same run puts several posts on the platform twice.)
//! Runs on SQLite always, and on PostgreSQL when `GROWTH_TEST_DATABASE_URL` is set (required with
//! `GROWTH_REQUIRE_POSTGRES=1`).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::linkedin::{LinkedInConfig, LinkedInPublisher};
use growth_core::domain::{ContentType, NewContentItem, Platform, ScheduleStatus};
use growth_core::publish::PublishRunner;
use growth_core::publish::{Publication, PublishRequest, Publisher, PublisherCapabilities};
use growth_core::store::ScheduleFilter;
use growth_core::{Clock, SystemClock};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const AUTHOR: &str = "urn:li:person:8675309";

/// How long after creation a post shows in the author's post list (LinkedIn's list lags).
const LIST_LAG_MS: i64 = 1_500;

/// A fake LinkedIn that keeps what it created.
struct FakeLinkedIn {
    rng: Mutex<fastrand::Rng>,
    posts: Arc<Mutex<Vec<(String, String, i64)>>>,
    next: Mutex<u64>,
}

impl Respond for FakeLinkedIn {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.method.as_str() == "GET" {
            let posts = self.posts.lock().unwrap();
            let visible = Utc::now().timestamp_millis() - LIST_LAG_MS;
            let param = |k: &str| req.url.query_pairs().find(|(n, _)| n == k).and_then(|(_, v)| v.parse::<usize>().ok());
            let (start, count) = (param("start").unwrap_or(0), param("count").unwrap_or(10));
            let elements: Vec<Value> = posts
                .iter()
                .rev()
                .filter(|(_, _, at)| *at <= visible)
                .skip(start)
                .take(count)
                .map(|(id, commentary, at)| {
                    json!({"id": id, "author": AUTHOR, "commentary": commentary, "createdAt": at, "publishedAt": at, "lastModifiedAt": at,
                           "lifecycleState": "PUBLISHED", "visibility": "PUBLIC"})
                })
                .collect();
            return ResponseTemplate::new(200)
                .set_body_json(json!({"elements": elements, "paging": {"start": start, "count": count, "links": []}}));
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let roll = self.rng.lock().unwrap().u32(0..100);
        let create = |slow: bool| {
            let mut n = self.next.lock().unwrap();
            *n += 1;
            let id = format!("urn:li:share:{}", 7_000_000_000_000_000_000u64 + *n);
            self.posts.lock().unwrap().push((id.clone(), body["commentary"].as_str().unwrap().to_owned(), Utc::now().timestamp_millis()));
            let t = ResponseTemplate::new(201).insert_header("x-restli-id", id.as_str());
            if slow { t.set_delay(Duration::from_millis(900)) } else { t }
        };
        match roll {
            0..=44 => create(false),
            45..=59 => ResponseTemplate::new(500).set_body_json(json!({"status": 500, "message": "Internal Server Error"})),
            60..=79 => ResponseTemplate::new(429).set_body_json(json!({"status": 429, "message": "Too Many Requests"})),
            _ => create(true),
        }
    }
}

/// Claims and never answers: the worker that dies mid-publish.
#[derive(Debug)]
struct Hangs;

/// Sends through LinkedIn, then takes `late` more before it answers: a send in flight long past
/// its claim's lease (token refresh, limiter waits, connect retries in real life).
#[derive(Debug)]
struct AnswersLate {
    inner: Arc<dyn Publisher>,
    late: Duration,
    sends: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl Publisher for AnswersLate {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> PublisherCapabilities {
        self.inner.capabilities()
    }
    async fn publish(&self, req: &PublishRequest) -> growth_core::Result<Publication> {
        self.sends.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let answer = self.inner.publish(req).await;
        tokio::time::sleep(self.late).await;
        answer
    }
}

#[async_trait]
impl Publisher for Hangs {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities::default()
    }
    async fn publish(&self, _: &PublishRequest) -> growth_core::Result<Publication> {
        std::future::pending().await
    }
}

enum Backend {
    Sqlite,
    Postgres(String),
}

async fn database(backend: &Backend) -> (growth_store::Database, Option<(sqlx::PgPool, String)>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if let Backend::Postgres(url) = backend {
        let name = format!("growth_faults_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
        let mut db_url = url::Url::parse(url).unwrap();
        db_url.set_path(&name);
        let db = growth_store::Database::connect(db_url.as_str(), clock).await.unwrap();
        db.migrate().await.unwrap();
        return (db, Some((admin, name)), dir);
    }
    let db = growth_store::Database::connect(&format!("sqlite://{}", dir.path().join("faults.db").display()), clock).await.unwrap();
    db.migrate().await.unwrap();
    (db, None, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_sqlite_every_post_ends_terminal_and_reaches_the_platform_at_most_once() {
    fault_suite(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_postgres_every_post_ends_terminal_and_reaches_the_platform_at_most_once() {
    match std::env::var("GROWTH_TEST_DATABASE_URL") {
        Ok(url) => fault_suite(Backend::Postgres(url)).await,
        Err(_) if std::env::var("GROWTH_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("GROWTH_REQUIRE_POSTGRES=1 but GROWTH_TEST_DATABASE_URL is not set")
        }
        Err(_) => eprintln!("skipped: set GROWTH_TEST_DATABASE_URL to run the fault suite on PostgreSQL"),
    }
}

fn linkedin(server: &MockServer) -> Arc<dyn Publisher> {
    let mut config = LinkedInConfig::new("AQV-test".to_owned().into(), "202601");
    config.author = Some(AUTHOR.into());
    config.base_url = server.uri();
    config.reconcile_count = 10;
    config.http = HttpConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_millis(300),
        retry: RetryConfig {
            max_attempts: 2,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            ..RetryConfig::default()
        },
        rate_limit: None,
    };
    Arc::new(LinkedInPublisher::new(config).unwrap())
}

/// The settle window: longer than the fake's list lag.
const SETTLE: Duration = Duration::from_millis(2 * LIST_LAG_MS as u64);

/// A runner as a worker process would have it: its own publisher, the test's short timings, and a
/// settle window longer than the fake's list lag.
fn worker(store: &Arc<dyn growth_core::store::Store>, name: &str, publisher: Arc<dyn Publisher>, lease: Duration) -> PublishRunner {
    PublishRunner::new(store.clone(), Arc::new(SystemClock), name, vec![publisher])
        .limits(8, lease, Duration::from_millis(200), 4)
        .publish_timeout(Duration::from_secs(5))
        .settle(Platform::LINKEDIN, SETTLE)
        .reconcile_lease(Duration::from_millis(500))
}

async fn fault_suite(backend: Backend) {
    let label = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres(_) => "PostgreSQL",
    };
    let (db, pg, _dir) = database(&backend).await;
    let store = db.store();
    let server = MockServer::start().await;
    let posts = Arc::new(Mutex::new(Vec::new()));
    Mock::given(wiremock::matchers::path("/rest/posts"))
        .respond_with(FakeLinkedIn { rng: Mutex::new(fastrand::Rng::with_seed(7)), posts: posts.clone(), next: Mutex::new(0) })
        .mount(&server)
        .await;

    // 40 items: most past due (downtime; the DST one weeks ago, unclamped), a few due in a moment.
    let now = Utc::now();
    let mut commentaries = HashMap::new();
    for n in 0..40 {
        let text = format!("Lesson {n} from the episode: price on value, not cost.");
        let item = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, text.clone())).await.unwrap();
        let at = match n {
            0 => growth_core::schedule::resolve_local(
                chrono_tz::America::New_York,
                NaiveDate::from_ymd_opt(2026, 11, 1).unwrap().and_hms_opt(1, 30, 0).unwrap(),
            ),
            1..=30 => now - chrono::Duration::hours(n),
            _ => now + chrono::Duration::seconds(1),
        };
        schedule_at(store.as_ref(), item.id, at).await;
        commentaries.insert(text, n);
    }

    // A worker that claims a batch, records its sends, and dies holding them (short lease).
    let dying = PublishRunner::new(store.clone(), Arc::new(SystemClock), "dies", vec![Arc::new(Hangs) as Arc<dyn Publisher>]).limits(
        8,
        Duration::from_secs(2),
        Duration::from_millis(200),
        4,
    );
    let dead = tokio::spawn(async move { dying.run_due(3).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let held = store
        .list_schedules(&ScheduleFilter { statuses: vec![ScheduleStatus::Claimed], limit: 100, ..ScheduleFilter::default() })
        .await
        .unwrap();
    assert_eq!(held.len(), 3, "the dying worker holds exactly its batch: {held:?}");
    assert!(held.iter().all(|s| s.claimed_by.as_deref() == Some("dies") && s.attempt == 1 && s.last_attempt_at.is_some()), "{held:?}");
    dead.abort();

    // A worker whose sends stay in flight far past its 3 s lease: each ends `unknown` by the
    // runner's timeout (at most half the lease) — never by a lapsed claim while still sending.
    let late = Arc::new(AnswersLate { inner: linkedin(&server), late: Duration::from_secs(30), sends: Default::default() });
    let late_runner = worker(&store, "late", late.clone(), Duration::from_secs(3));
    let late_report = late_runner.run_due(3).await.unwrap();
    assert_eq!(late_report.claimed, 3);
    assert_eq!(late_report.unknown + late_report.retrying, 3, "{late_report:?}");
    assert!(late.sends.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    let reconciled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let runner = worker(&store, &format!("w{w}"), linkedin(&server), Duration::from_secs(30));
            let store = store.clone();
            let reconciled = reconciled.clone();
            tokio::spawn(async move {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
                while tokio::time::Instant::now() < deadline {
                    runner.run_due(5).await.unwrap();
                    let r = runner.reconcile_unknown(50).await.unwrap();
                    reconciled.fetch_add(r.reconciled, std::sync::atomic::Ordering::SeqCst);
                    let open = store
                        .list_schedules(&ScheduleFilter {
                            statuses: vec![ScheduleStatus::Pending, ScheduleStatus::Claimed, ScheduleStatus::Unknown],
                            limit: 1000,
                            ..ScheduleFilter::default()
                        })
                        .await
                        .unwrap();
                    if open.is_empty() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }

    let all = store.list_schedules(&ScheduleFilter { limit: 1000, ..ScheduleFilter::default() }).await.unwrap();
    assert_eq!(all.len(), 40);
    let mut counts: HashMap<ScheduleStatus, usize> = HashMap::new();
    for s in &all {
        *counts.entry(s.status).or_default() += 1;
        assert!(matches!(s.status, ScheduleStatus::Published | ScheduleStatus::Failed), "stuck: {s:?}");
        if s.status == ScheduleStatus::Failed {
            assert!(s.error_message.as_deref().is_some_and(|m| !m.is_empty()), "a failure says why: {s:?}");
            assert!(!s.error_message.as_deref().unwrap_or_default().contains("rate limit"), "a 429 is a deferral, never a failure: {s:?}");
        }
    }
    let created = posts.lock().unwrap().clone();
    let mut per_text: HashMap<&str, usize> = HashMap::new();
    for (_, commentary, _) in &created {
        *per_text.entry(commentary.as_str()).or_default() += 1;
    }
    let duplicates: usize = per_text.values().map(|n| n.saturating_sub(1)).sum();
    assert_eq!(duplicates, 0, "each post at most once on the platform: {per_text:?}");
    let published = counts.get(&ScheduleStatus::Published).copied().unwrap_or(0);
    assert_eq!(created.len(), published, "every post on the platform is recorded as published");
    let requests = server.received_requests().await.unwrap();
    let posts_sent = requests.iter().filter(|r| r.method.as_str() == "POST").count();
    let finds = requests.len() - posts_sent;
    let reconciled = reconciled.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!(
        "fault suite on {label}: scheduled 40, published {published}, failed {}, unknown → reconciled {reconciled}, POSTs {posts_sent}, \
         list reads {finds}, duplicates {duplicates}, stuck 0",
        counts.get(&ScheduleStatus::Failed).copied().unwrap_or(0)
    );
    assert!(published >= 30, "{counts:?}");
    assert!(reconciled >= 3, "the dead worker's claims (at least) were reconciled");
    db.close().await;
    if let Some((admin, name)) = pg {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).execute(&admin).await.unwrap();
    }
}

/// Approves and schedules an item at `at`, past or future (seeding: review refuses past times).
async fn schedule_at(store: &dyn growth_core::store::Store, id: growth_core::domain::ContentId, at: chrono::DateTime<chrono::Utc>) {
    let write = growth_core::store::ApprovalWrite {
        content_item_id: id,
        platform: Platform::LINKEDIN,
        scheduled_time: at,
        timezone: "America/New_York".into(),
    };
    store.approve_and_schedule(&[write]).await.unwrap();
}
