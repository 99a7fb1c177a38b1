//! Crashes, for real (issue 12, "test it like the most trusted systems do"):
//!
//! - **Crash points** for approve, bulk approve and publish: the operation's future is stopped
//!   after its 1st, 2nd, … n-th suspension (every database round trip and every send is one) —
//!   as a process dying there would, its open transaction rolled back — until it runs to the end
//!   uncut. After each stop the test "restarts" (closes the pool; a fresh one, fresh services on
//!   the same database) and asserts the state is legal, runs publishing to the end and asserts
//!   nothing in review was ever sent, and every approved post went out exactly once (a claim left
//!   by the crash lapses to `unknown` and is reconciled). SQLite and PostgreSQL.
//! - **A worker process killed with SIGKILL mid-publish**: this test binary runs itself again as a
//!   worker (`worker_process_entry`, selected by an environment variable), pointed at the same
//!   database and the fake LinkedIn; once the database shows the child holding claims whose sends
//!   the fake has received (and holds unanswered), the child gets `SIGKILL`; two surviving
//!   workers (each with its own LinkedIn publisher) reconcile and finish everything: zero
//!   duplicates at the fake, nothing stuck. SQLite and PostgreSQL.
//! - **PostgreSQL restarted mid-run** (only with `GROWTH_REQUIRE_POSTGRES=1`): three workers
//!   publish while the server restarts (`pg_ctlcluster … restart`, when
//!   `GROWTH_TEST_PG_RESTART=1` — it restarts the server every agent on the machine shares —
//!   otherwise every connection to the test's database is killed with `pg_terminate_backend`;
//!   the test prints which ran). Zero duplicates, nothing stuck.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::linkedin::{LinkedInConfig, LinkedInPublisher};
use growth_core::domain::{ContentId, ContentStatus, ContentType, NewContentItem, Platform, ScheduleStatus};
use growth_core::publish::{Publication, PublishRequest, PublishRunner, Publisher, PublisherCapabilities};
use growth_core::review::{ApproveRequest, BulkApprove, Distribution, ReviewService};
use growth_core::store::{ApprovalWrite, ScheduleFilter, Store};
use growth_core::{Clock, SystemClock};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// Databases

enum Backend {
    Sqlite,
    Postgres,
}

/// One test database: a SQLite file, or a fresh PostgreSQL database (dropped at the end).
struct TestDb {
    url: String,
    admin: Option<(sqlx::PgPool, String)>,
    _dir: tempfile::TempDir,
}

fn pg_base() -> Option<String> {
    match std::env::var("GROWTH_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("GROWTH_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("GROWTH_REQUIRE_POSTGRES=1 but GROWTH_TEST_DATABASE_URL is not set")
        }
        _ => {
            eprintln!("skipped: set GROWTH_TEST_DATABASE_URL to run on PostgreSQL");
            None
        }
    }
}

impl TestDb {
    async fn new(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let db = match backend {
            Backend::Sqlite => Self { url: format!("sqlite://{}", dir.path().join("crash.db").display()), admin: None, _dir: dir },
            Backend::Postgres => {
                let base = pg_base()?;
                let name = format!("growth_crash_{}", uuid::Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(&base).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
                let mut url = url::Url::parse(&base).unwrap();
                url.set_path(&name);
                Self { url: url.to_string(), admin: Some((admin, name)), _dir: dir }
            }
        };
        let first = db.connect().await;
        first.migrate().await.unwrap();
        first.close().await;
        Some(db)
    }

    /// A fresh pool on the database: what a restarted process gets.
    async fn connect(&self) -> growth_store::Database {
        growth_store::Database::connect(&self.url, Arc::new(SystemClock) as Arc<dyn Clock>).await.unwrap()
    }

    async fn drop_db(self) {
        if let Some((admin, name)) = self.admin {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&admin).await.unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Crash points

/// Polls `f` at most `polls` times: `None` when it was stopped before it finished (a crash at its
/// `polls`-th suspension), else its output.
async fn crash_after<F: Future>(polls: usize, f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    let mut n = 0;
    std::future::poll_fn(|cx| {
        if n == polls {
            return Poll::Ready(None);
        }
        n += 1;
        f.as_mut().poll(cx).map(Some)
    })
    .await
}

/// A platform in the test's memory (it outlives every "process"): counts what it created per item.
#[derive(Debug, Default)]
struct Platform0 {
    created: Mutex<HashMap<ContentId, usize>>,
}

/// One process's publisher on [`Platform0`] (no memory of its own).
#[derive(Debug)]
struct Fake(Arc<Platform0>);

fn publication(req: &PublishRequest) -> Publication {
    Publication {
        platform_post_id: format!("post-{}", req.content_item_id),
        url: None,
        published_at: Utc::now(),
        via: "fake".into(),
        log: json!({}),
    }
}

#[async_trait]
impl Publisher for Fake {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }
    async fn publish(&self, req: &PublishRequest) -> growth_core::Result<Publication> {
        tokio::task::yield_now().await;
        *self.0.created.lock().unwrap().entry(req.content_item_id).or_default() += 1;
        tokio::task::yield_now().await;
        Ok(publication(req))
    }
    async fn reconcile(&self, req: &PublishRequest) -> growth_core::Result<Option<Publication>> {
        Ok(self.0.created.lock().unwrap().contains_key(&req.content_item_id).then(|| publication(req)))
    }
}

fn runner(store: &Arc<dyn Store>, name: &str, platform: &Arc<Platform0>) -> PublishRunner {
    PublishRunner::new(store.clone(), Arc::new(SystemClock), name, vec![Arc::new(Fake(platform.clone())) as Arc<dyn Publisher>])
        .limits(5, Duration::from_millis(400), Duration::from_millis(10), 4)
        .settle(Platform::LINKEDIN, Duration::ZERO)
        .reconcile_lease(Duration::from_millis(100))
}

fn review(store: &Arc<dyn Store>) -> ReviewService {
    ReviewService::new(store.clone(), Arc::new(SystemClock), "UTC", BTreeSet::from([Platform::LINKEDIN])).unwrap()
}

/// After a restart: publishes and reconciles until none of `items` has an open schedule.
async fn publish_to_the_end(store: &Arc<dyn Store>, platform: &Arc<Platform0>, items: &[ContentId]) {
    let r = runner(store, "restarted", platform);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        r.run_due(50).await.unwrap();
        r.reconcile_unknown(50).await.unwrap();
        let mut open = 0;
        for id in items {
            let f = ScheduleFilter { content_item_id: Some(*id), limit: 10, ..ScheduleFilter::default() };
            open += store
                .list_schedules(&f)
                .await
                .unwrap()
                .iter()
                .filter(|s| matches!(s.status, ScheduleStatus::Pending | ScheduleStatus::Claimed | ScheduleStatus::Unknown))
                .count();
        }
        if open == 0 {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "publishing after the restart finishes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Legal after any crash of an approval: the item is in review with no schedule, or scheduled
/// with exactly one schedule — never half of it.
async fn approval_is_all_or_nothing(store: &Arc<dyn Store>, id: ContentId) -> bool {
    let item = store.get_content(id).await.unwrap();
    let f = ScheduleFilter { content_item_id: Some(id), limit: 10, ..ScheduleFilter::default() };
    let schedules = store.list_schedules(&f).await.unwrap();
    match item.status {
        ContentStatus::InReview => {
            assert!(schedules.is_empty(), "an item in review has no schedule: {schedules:?}");
            false
        }
        ContentStatus::Scheduled => {
            assert_eq!(schedules.len(), 1, "an approved item has exactly one schedule: {schedules:?}");
            assert_eq!(schedules[0].status, ScheduleStatus::Pending);
            true
        }
        other => panic!("an approval leaves the item in review or scheduled, not {other}"),
    }
}

fn draft(n: usize) -> NewContentItem {
    NewContentItem::draft(ContentType::LinkedinPost, None, format!("Crash point draft {n}: one idea, one action."))
}

/// Approve, stopped at every suspension in turn.
async fn approve_crash_points(db: &TestDb, label: &str) -> usize {
    let platform = Arc::new(Platform0::default());
    for polls in 0..500 {
        let conn = db.connect().await;
        let store = conn.store();
        let item = store.insert_content(draft(polls)).await.unwrap();
        let req = ApproveRequest { at: Some(Utc::now()), platform: Some(Platform::LINKEDIN), ..ApproveRequest::default() };
        let finished = crash_after(polls, review(&store).approve(item.id, req)).await;
        conn.close().await; // the process is gone; its open transaction with it

        let conn = db.connect().await;
        let store = conn.store();
        let approved = approval_is_all_or_nothing(&store, item.id).await;
        if let Some(r) = &finished {
            assert!(r.is_ok() && approved, "an approval that finished is kept: {r:?}");
        }
        publish_to_the_end(&store, &platform, &[item.id]).await;
        let sent = platform.created.lock().unwrap().get(&item.id).copied().unwrap_or(0);
        assert_eq!(sent, usize::from(approved), "{label}, crash after {polls} polls: in review → never sent; approved → sent once");
        conn.close().await;
        if finished.is_some() {
            return polls;
        }
    }
    panic!("approve never finished within 500 polls")
}

/// Bulk approve of three items, stopped at every suspension in turn: all or none.
async fn bulk_approve_crash_points(db: &TestDb, label: &str) -> usize {
    let platform = Arc::new(Platform0::default());
    for polls in 0..500 {
        let conn = db.connect().await;
        let store = conn.store();
        let mut ids = Vec::new();
        for n in 0..3 {
            ids.push(store.insert_content(draft(polls * 10 + n)).await.unwrap().id);
        }
        let now = Utc::now();
        let req =
            BulkApprove { ids: ids.clone(), distribution: Distribution::Manual { times: vec![now, now, now] }, timezone: None, by: None };
        let finished = crash_after(polls, review(&store).bulk_approve(req)).await;
        conn.close().await;

        let conn = db.connect().await;
        let store = conn.store();
        let mut approved = Vec::new();
        for id in &ids {
            approved.push(approval_is_all_or_nothing(&store, *id).await);
        }
        assert!(approved.iter().all(|a| *a == approved[0]), "{label}, crash after {polls} polls: all approved or none: {approved:?}");
        if let Some(r) = &finished {
            assert!(r.is_ok() && approved[0], "a bulk approval that finished is kept: {r:?}");
        }
        publish_to_the_end(&store, &platform, &ids).await;
        for (id, a) in ids.iter().zip(&approved) {
            let sent = platform.created.lock().unwrap().get(id).copied().unwrap_or(0);
            assert_eq!(sent, usize::from(*a), "{label}, crash after {polls} polls: in review → never sent; approved → sent once");
        }
        conn.close().await;
        if finished.is_some() {
            return polls;
        }
    }
    panic!("bulk approve never finished within 500 polls")
}

/// A publishing round over two due schedules, stopped at every suspension in turn (before the
/// claim, between claim and send, mid-send, after the send before its record, …).
async fn publish_crash_points(db: &TestDb, label: &str) -> usize {
    let platform = Arc::new(Platform0::default());
    for polls in 0..2000 {
        let conn = db.connect().await;
        let store = conn.store();
        let mut ids = Vec::new();
        for n in 0..2 {
            let item = store.insert_content(draft(polls * 10 + n)).await.unwrap();
            let write = ApprovalWrite {
                content_item_id: item.id,
                platform: Platform::LINKEDIN,
                scheduled_time: Utc::now() - chrono::Duration::minutes(1),
                timezone: "UTC".into(),
            };
            store.approve_and_schedule(&[write]).await.unwrap();
            ids.push(item.id);
        }
        let crashing = runner(&store, &format!("crashes-{polls}"), &platform);
        let finished = crash_after(polls, crashing.run_due(10)).await;
        drop(crashing);
        conn.close().await;

        let conn = db.connect().await;
        let store = conn.store();
        for id in &ids {
            let item = store.get_content(*id).await.unwrap();
            let f = ScheduleFilter { content_item_id: Some(*id), limit: 10, ..ScheduleFilter::default() };
            let schedules = store.list_schedules(&f).await.unwrap();
            assert_eq!(schedules.len(), 1, "{label}: one schedule per item, whatever the crash: {schedules:?}");
            let s = &schedules[0];
            // Legal pairs: the item is published exactly when its schedule is.
            assert_eq!(
                s.status == ScheduleStatus::Published,
                item.status == ContentStatus::Published,
                "{label}, crash after {polls} polls: schedule {} vs item {}",
                s.status,
                item.status
            );
            assert!(!matches!(s.status, ScheduleStatus::Failed | ScheduleStatus::Cancelled), "{label}: {s:?}");
        }
        publish_to_the_end(&store, &platform, &ids).await;
        for id in &ids {
            let s = store.list_schedules(&ScheduleFilter { content_item_id: Some(*id), ..ScheduleFilter::default() }).await.unwrap();
            assert_eq!(s[0].status, ScheduleStatus::Published, "{label}, crash after {polls} polls: {s:?}");
            let sent = platform.created.lock().unwrap().get(id).copied().unwrap_or(0);
            assert_eq!(sent, 1, "{label}, crash after {polls} polls: sent exactly once");
        }
        conn.close().await;
        if finished.is_some() {
            return polls;
        }
    }
    panic!("a publishing round never finished within 2000 polls")
}

async fn crash_points(backend: Backend, label: &str) {
    let Some(db) = TestDb::new(backend).await else { return };
    let a = approve_crash_points(&db, label).await;
    let b = bulk_approve_crash_points(&db, label).await;
    let p = publish_crash_points(&db, label).await;
    eprintln!("{label}: crash points checked — approve {a}, bulk approve {b}, publish {p} (each the last stop before it ran uncut)");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_a_crash_at_any_point_of_approve_bulk_approve_or_publish_leaves_a_legal_state_and_sends_once() {
    crash_points(Backend::Sqlite, "SQLite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_crash_at_any_point_of_approve_bulk_approve_or_publish_leaves_a_legal_state_and_sends_once() {
    crash_points(Backend::Postgres, "PostgreSQL").await;
}

// ---------------------------------------------------------------------------------------------
// A fake LinkedIn shared by processes

const AUTHOR: &str = "urn:li:person:8675309";
const LIST_LAG_MS: i64 = 500;
const SETTLE: Duration = Duration::from_millis(1_200);

type Posts = Arc<Mutex<Vec<(String, String, i64)>>>;

/// Creates every post it is sent; answers after `delay` (a worker killed meanwhile never hears).
/// Its list shows a post `LIST_LAG_MS` after creation and pages by `start`/`count`.
struct FakeLinkedIn {
    posts: Posts,
    next: Arc<AtomicUsize>,
    delay: Duration,
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
        let n = self.next.fetch_add(1, Ordering::SeqCst) as u64;
        let id = format!("urn:li:share:{}", 7_000_000_000_000_000_000u64 + n);
        self.posts.lock().unwrap().push((id.clone(), body["commentary"].as_str().unwrap().to_owned(), Utc::now().timestamp_millis()));
        ResponseTemplate::new(201).insert_header("x-restli-id", id.as_str()).set_delay(self.delay)
    }
}

/// The fake at `/` answering at once, and at `/slow/` answering after 60 s — one platform.
async fn fake_linkedin(fast_delay: Duration) -> (MockServer, Posts) {
    let server = MockServer::start().await;
    let posts: Posts = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    Mock::given(wiremock::matchers::path("/rest/posts"))
        .respond_with(FakeLinkedIn { posts: posts.clone(), next: next.clone(), delay: fast_delay })
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::path("/slow/rest/posts"))
        .respond_with(FakeLinkedIn { posts: posts.clone(), next, delay: Duration::from_secs(60) })
        .mount(&server)
        .await;
    (server, posts)
}

fn linkedin(base_url: String) -> Arc<dyn Publisher> {
    let mut config = LinkedInConfig::new("AQV-test".to_owned().into(), "202601");
    config.author = Some(AUTHOR.into());
    config.base_url = base_url;
    config.reconcile_count = 10;
    config.http = HttpConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(120),
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

async fn seed_due(store: &Arc<dyn Store>, n: usize, tag: &str) {
    for i in 0..n {
        let text = format!("{tag} lesson {i}: price on value, not cost.");
        let item = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, text)).await.unwrap();
        let write = ApprovalWrite {
            content_item_id: item.id,
            platform: Platform::LINKEDIN,
            scheduled_time: Utc::now() - chrono::Duration::minutes(5),
            timezone: "UTC".into(),
        };
        store.approve_and_schedule(&[write]).await.unwrap();
    }
}

async fn open_schedules(store: &Arc<dyn Store>) -> growth_core::Result<usize> {
    let f = ScheduleFilter {
        statuses: vec![ScheduleStatus::Pending, ScheduleStatus::Claimed, ScheduleStatus::Unknown],
        limit: 1000,
        ..ScheduleFilter::default()
    };
    Ok(store.list_schedules(&f).await?.len())
}

/// Workers in this process, each with its own LinkedIn publisher, publishing and reconciling
/// until nothing is open (errors — a database gone for a moment — are retried).
async fn survivors(store: &Arc<dyn Store>, base_url: &str, n: usize, lease: Duration, deadline: Duration) {
    let tasks: Vec<_> = (0..n)
        .map(|w| {
            let runner =
                PublishRunner::new(store.clone(), Arc::new(SystemClock), format!("survivor-{w}"), vec![linkedin(base_url.to_owned())])
                    .limits(8, lease, Duration::from_millis(100), 4)
                    .publish_timeout(Duration::from_secs(5))
                    .settle(Platform::LINKEDIN, SETTLE)
                    .reconcile_lease(Duration::from_millis(300));
            let store = store.clone();
            tokio::spawn(async move {
                let end = tokio::time::Instant::now() + deadline;
                while tokio::time::Instant::now() < end {
                    if let Err(e) = runner.run_due(5).await {
                        eprintln!("survivor-{w}: run_due: {e}");
                    }
                    if let Err(e) = runner.reconcile_unknown(20).await {
                        eprintln!("survivor-{w}: reconcile: {e}");
                    }
                    if matches!(open_schedules(&store).await, Ok(0)) {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// Every schedule terminal, each post at most once on the platform, every post recorded.
async fn assert_exactly_once(store: &Arc<dyn Store>, posts: &Posts, scheduled: usize, label: &str) -> (usize, usize) {
    let all = store.list_schedules(&ScheduleFilter { limit: 1000, ..ScheduleFilter::default() }).await.unwrap();
    assert_eq!(all.len(), scheduled);
    let stuck: Vec<_> = all.iter().filter(|s| !matches!(s.status, ScheduleStatus::Published | ScheduleStatus::Failed)).collect();
    assert!(stuck.is_empty(), "{label}: nothing stuck: {stuck:?}");
    let published = all.iter().filter(|s| s.status == ScheduleStatus::Published).count();
    let created = posts.lock().unwrap().clone();
    let mut per_text: HashMap<&str, usize> = HashMap::new();
    for (_, commentary, _) in &created {
        *per_text.entry(commentary.as_str()).or_default() += 1;
    }
    let duplicates: usize = per_text.values().map(|n| n.saturating_sub(1)).sum();
    assert_eq!(duplicates, 0, "{label}: each post at most once on the platform: {per_text:?}");
    assert_eq!(created.len(), published, "{label}: every post on the platform is recorded as published");
    (published, duplicates)
}

// ---------------------------------------------------------------------------------------------
// A worker process killed with SIGKILL

/// Not a test of its own: the worker process the SIGKILL test starts (this binary, run again with
/// `GROWTH_CRASH_WORKER_DB` set). Without that variable it does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_process_entry() {
    let Ok(url) = std::env::var("GROWTH_CRASH_WORKER_DB") else { return };
    let fake = std::env::var("GROWTH_CRASH_WORKER_FAKE").unwrap();
    let db = growth_store::Database::connect(&url, Arc::new(SystemClock) as Arc<dyn Clock>).await.unwrap();
    let runner = PublishRunner::new(db.store(), Arc::new(SystemClock), "child", vec![linkedin(fake)])
        .limits(8, Duration::from_secs(8), Duration::from_millis(100), 4)
        .publish_timeout(Duration::from_secs(60))
        .settle(Platform::LINKEDIN, SETTLE);
    eprintln!("child worker {}: publishing", std::process::id());
    loop {
        let _ = runner.run_due(4).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sigkill_mid_publish(backend: Backend, label: &str) {
    use std::os::unix::process::ExitStatusExt;
    let Some(db) = TestDb::new(backend).await else { return };
    let conn = db.connect().await;
    let store = conn.store();
    const N: usize = 12;
    seed_due(&store, N, label).await;
    let (server, posts) = fake_linkedin(Duration::ZERO).await;

    // The child sends through `/slow/`: the fake creates each post and holds the answer.
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["worker_process_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env("GROWTH_CRASH_WORKER_DB", &db.url)
        .env("GROWTH_CRASH_WORKER_FAKE", format!("{}/slow", server.uri()))
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let in_flight = loop {
        let f = ScheduleFilter { statuses: vec![ScheduleStatus::Claimed], limit: 100, ..ScheduleFilter::default() };
        let held: Vec<_> = store
            .list_schedules(&f)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.claimed_by.as_deref() == Some("child") && s.last_attempt_at.is_some())
            .collect();
        let at_fake = server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/slow/rest/posts").count();
        if !held.is_empty() && at_fake >= held.len() {
            break held;
        }
        assert!(tokio::time::Instant::now() < deadline, "the child never held a claim with a send in flight");
        assert!(child.try_wait().unwrap().is_none(), "the child worker exited early");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "the child died of SIGKILL: {status:?}");
    let after = store.list_schedules(&ScheduleFilter { statuses: vec![ScheduleStatus::Claimed], ..ScheduleFilter::default() }).await;
    let held: Vec<_> = after.unwrap().into_iter().filter(|s| s.claimed_by.as_deref() == Some("child")).collect();
    assert!(
        in_flight.iter().all(|s| held.iter().any(|h| h.id == s.id && h.attempt == s.attempt)),
        "the dead child still holds the claims it was sending under: nothing was recorded after its sends"
    );
    let created_by_child = posts.lock().unwrap().len();
    assert!(created_by_child >= in_flight.len(), "its sends reached the platform");
    let in_flight = held;

    survivors(&store, &server.uri(), 2, Duration::from_secs(30), Duration::from_secs(90)).await;
    let (published, duplicates) = assert_exactly_once(&store, &posts, N, label).await;
    assert_eq!(published, N, "every post published");
    eprintln!(
        "{label}: child SIGKILLed holding {} claims with sends started ({} of them already created at the platform); survivors: published {published}/{N}, \
         duplicates {duplicates}, stuck 0",
        in_flight.len(),
        created_by_child
    );
    conn.close().await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_sqlite_a_worker_process_killed_mid_publish_is_reconciled_and_nothing_goes_out_twice() {
    sigkill_mid_publish(Backend::Sqlite, "SQLite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_postgres_a_worker_process_killed_mid_publish_is_reconciled_and_nothing_goes_out_twice() {
    sigkill_mid_publish(Backend::Postgres, "PostgreSQL").await;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL restarted mid-run

/// Restarts the server when allowed (`GROWTH_TEST_PG_RESTART=1` and `pg_ctlcluster` present),
/// else kills every connection to `db`. Answers what ran.
fn restart_postgres(admin_url: &str, db: &str) -> String {
    let allowed = std::env::var("GROWTH_TEST_PG_RESTART").is_ok_and(|v| v == "1");
    let version = std::fs::read_dir("/etc/postgresql").ok().and_then(|mut d| d.next()).and_then(|e| e.ok()).map(|e| e.file_name());
    if allowed && let Some(version) = version {
        let out =
            std::process::Command::new("pg_ctlcluster").arg("--skip-systemctl-redirect").arg(&version).args(["main", "restart"]).output();
        if let Ok(out) = out
            && out.status.success()
        {
            return format!("pg_ctlcluster --skip-systemctl-redirect {} main restart", version.to_string_lossy());
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let killed: i64 = rt.block_on(async {
        let admin = sqlx::PgPool::connect(admin_url).await.unwrap();
        let n = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) t",
        )
        .bind(db)
        .fetch_one(&admin)
        .await
        .unwrap();
        admin.close().await;
        n
    });
    format!("pg_terminate_backend of every connection to {db} ({killed} killed; set GROWTH_TEST_PG_RESTART=1 to restart the server)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_postgres_restarted_mid_run_nothing_goes_out_twice_and_nothing_is_stuck() {
    if !std::env::var("GROWTH_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        return eprintln!("skipped: only with GROWTH_REQUIRE_POSTGRES=1 (it disturbs the PostgreSQL server)");
    }
    let Some(db) = TestDb::new(Backend::Postgres).await else { return };
    let conn = db.connect().await;
    let store = conn.store();
    const N: usize = 40;
    seed_due(&store, N, "restart").await;
    // Every answer takes 300 ms: sends are in flight when the server goes away.
    let (server, posts) = fake_linkedin(Duration::from_millis(300)).await;
    let base = pg_base().unwrap();
    let name = db.admin.as_ref().map(|(_, n)| n.clone()).unwrap();
    let restarter = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(1_500));
        restart_postgres(&base, &name)
    });
    survivors(&store, &server.uri(), 3, Duration::from_secs(4), Duration::from_secs(120)).await;
    let how = restarter.await.unwrap();
    let (published, duplicates) = assert_exactly_once(&store, &posts, N, "PostgreSQL restart").await;
    let requests = server.received_requests().await.unwrap();
    eprintln!(
        "PostgreSQL restarted mid-run by: {how}; scheduled {N}, published {published}, POSTs {}, duplicates {duplicates}, stuck 0",
        requests.iter().filter(|r| r.method.as_str() == "POST").count()
    );
    conn.close().await;
    db.drop_db().await;
}
