//! Fault injection: three publish workers on one database against a fake LinkedIn (wiremock) that
//! answers at random with 500s, 429s with Retry-After, answers slower than the client's timeout
//! (the post *is* created), and successes — plus a worker that dies holding a claim, a schedule at
//! a DST boundary and schedules long past due (as after downtime).
//!
//! Afterwards: every schedule is terminal (`published` or `failed` with a reason), nothing is left
//! `claimed` or `unknown`, and the fake platform holds each post **at most once**.
//! Runs on SQLite, and on PostgreSQL when `GROWTH_TEST_DATABASE_URL` is set.
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
            let elements: Vec<Value> = posts
                .iter()
                .rev()
                .map(|(id, commentary, at)| {
                    json!({"id": id, "author": AUTHOR, "commentary": commentary, "createdAt": at, "publishedAt": at, "lastModifiedAt": at,
                           "lifecycleState": "PUBLISHED", "visibility": "PUBLIC"})
                })
                .collect();
            return ResponseTemplate::new(200)
                .set_body_json(json!({"elements": elements, "paging": {"start": 0, "count": elements.len(), "links": []}}));
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
            60..=79 => ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"status": 429, "message": "Too Many Requests"})),
            _ => create(true),
        }
    }
}

/// Claims and never answers: the worker that dies mid-publish.
#[derive(Debug)]
struct Hangs;

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

async fn database() -> (growth_store::Database, Option<(sqlx::PgPool, String)>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if let Ok(url) = std::env::var("GROWTH_TEST_DATABASE_URL") {
        let name = format!("growth_faults_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
        let mut db_url = url::Url::parse(&url).unwrap();
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
async fn every_post_ends_terminal_and_reaches_the_platform_at_most_once() {
    let (db, pg, _dir) = database().await;
    let store = db.store();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let server = MockServer::start().await;
    let posts = Arc::new(Mutex::new(Vec::new()));
    Mock::given(wiremock::matchers::path("/rest/posts"))
        .respond_with(FakeLinkedIn { rng: Mutex::new(fastrand::Rng::with_seed(7)), posts: posts.clone(), next: Mutex::new(0) })
        .mount(&server)
        .await;
    let mut config = LinkedInConfig::new("AQV-test".to_owned().into(), "202601");
    config.author = Some(AUTHOR.into());
    config.base_url = server.uri();
    config.reconcile_count = 100;
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
    let linkedin: Arc<dyn Publisher> = Arc::new(LinkedInPublisher::new(config).unwrap());

    // 30 items: most past due (downtime), one at the DST fall-back hour, a few due in a moment.
    let now = Utc::now();
    let mut commentaries = HashMap::new();
    for n in 0..30 {
        let text = format!("Lesson {n} from the episode: price on value, not cost.");
        let item = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, text.clone())).await.unwrap();
        let at = match n {
            0 => growth_core::schedule::resolve_local(
                chrono_tz::America::New_York,
                NaiveDate::from_ymd_opt(2026, 11, 1).unwrap().and_hms_opt(1, 30, 0).unwrap(),
            ),
            1..=24 => now - chrono::Duration::hours(n),
            _ => now + chrono::Duration::seconds(1),
        };
        schedule_at(store.as_ref(), item.id, at.max(now - chrono::Duration::days(30))).await;
        commentaries.insert(text, n);
    }

    // A worker that claims a batch and dies holding it (short lease).
    let dying = PublishRunner::new(store.clone(), clock.clone(), "dies", vec![Arc::new(Hangs) as Arc<dyn Publisher>]).limits(
        8,
        Duration::from_secs(2),
        Duration::from_millis(200),
        4,
    );
    let dead = tokio::spawn(async move { dying.run_due(3).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    dead.abort();

    let workers: Vec<_> = (0..3)
        .map(|w| {
            let runner = PublishRunner::new(store.clone(), clock.clone(), format!("w{w}"), vec![linkedin.clone()]).limits(
                8,
                Duration::from_secs(30),
                Duration::from_millis(200),
                4,
            );
            let store = store.clone();
            tokio::spawn(async move {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
                while tokio::time::Instant::now() < deadline {
                    runner.run_due(5).await.unwrap();
                    runner.reconcile_unknown(50).await.unwrap();
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
    assert_eq!(all.len(), 30);
    let mut counts: HashMap<ScheduleStatus, usize> = HashMap::new();
    for s in &all {
        *counts.entry(s.status).or_default() += 1;
        assert!(matches!(s.status, ScheduleStatus::Published | ScheduleStatus::Failed), "{s:?}");
        if s.status == ScheduleStatus::Failed {
            assert!(s.error_message.as_deref().is_some_and(|m| !m.is_empty()), "a failure says why: {s:?}");
        }
    }
    let created = posts.lock().unwrap().clone();
    let mut per_text: HashMap<&str, usize> = HashMap::new();
    for (_, commentary, _) in &created {
        *per_text.entry(commentary.as_str()).or_default() += 1;
    }
    let duplicates: usize = per_text.values().map(|n| n.saturating_sub(1)).sum();
    assert_eq!(duplicates, 0, "each post at most once on the platform: {per_text:?}");
    assert_eq!(
        created.len(),
        counts.get(&ScheduleStatus::Published).copied().unwrap_or(0),
        "every post on the platform is recorded as published"
    );
    let requests = server.received_requests().await.unwrap();
    let posts_sent = requests.iter().filter(|r| r.method.as_str() == "POST").count();
    let finds = requests.len() - posts_sent;
    eprintln!(
        "fault suite: scheduled 30, published {}, failed {}, POSTs {posts_sent}, reconciliation lookups {finds}, duplicates {duplicates}",
        counts.get(&ScheduleStatus::Published).copied().unwrap_or(0),
        counts.get(&ScheduleStatus::Failed).copied().unwrap_or(0)
    );
    assert!(counts.get(&ScheduleStatus::Published).copied().unwrap_or(0) >= 20, "{counts:?}");
    assert!(finds > 0, "unknown outcomes were reconciled by looking the posts up");
    db.close().await;
    if let Some((admin, name)) = pg {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).execute(&admin).await.unwrap();
    }
}

/// Approves and schedules an item at `at`, past or future (seeding: review refuses past times).
async fn schedule_at(store: &dyn growth_core::store::Store, id: growth_core::domain::ContentId, at: chrono::DateTime<chrono::Utc>) {
    use growth_core::domain::{ContentStatus, ContentTransition, NewSchedule};
    store
        .create_schedule(NewSchedule {
            content_item_id: id,
            platform: Platform::LINKEDIN,
            scheduled_time: at,
            timezone: "America/New_York".into(),
        })
        .await
        .unwrap();
    store.transition_content(id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    let change = ContentTransition { scheduled_publish_time: Some(at), ..ContentTransition::to(ContentStatus::Scheduled) };
    store.transition_content(id, change).await.unwrap();
}
