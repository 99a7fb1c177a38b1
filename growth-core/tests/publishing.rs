#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
//! The publish runner on the in-memory store: success, retry before the platform acted, unknown
//! outcomes reconciled (never resent blindly), permanent failures with an alert, rate-limit gates.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use growth_core::domain::{ContentItem, ContentStatus, ContentType, NewContentItem, Platform, PublishStatus, Schedule, ScheduleStatus};
use growth_core::memory::InMemoryStore;
use growth_core::publish::{Alert, PlatformGate, PublishRunner};
use growth_core::publish::{Publication, PublishRequest, Publisher, PublisherCapabilities};
use growth_core::review::{ApproveRequest, ReviewService};
use growth_core::store::{ContentStore, ScheduleStore, Store};
use growth_core::{Clock, Error, ManualClock, Result};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 14, 0, 0).unwrap()
}

/// Answers from a script; remembers what it posted.
#[derive(Debug)]
struct Scripted {
    answers: Mutex<VecDeque<Result<()>>>,
    sent: AtomicUsize,
    posted: Mutex<Vec<String>>,
    has_it: Mutex<Option<bool>>,
}

impl Scripted {
    fn new(answers: Vec<Result<()>>) -> Arc<Self> {
        Arc::new(Self {
            answers: Mutex::new(answers.into()),
            sent: AtomicUsize::new(0),
            posted: Mutex::new(Vec::new()),
            has_it: Mutex::new(None),
        })
    }
}

#[async_trait]
impl Publisher for Scripted {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }
    async fn publish(&self, req: &PublishRequest) -> Result<Publication> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        let answer = self.answers.lock().unwrap().pop_front().unwrap_or(Ok(()));
        if let Err(e) = &answer
            && matches!(e, Error::OutcomeUnknown(_))
        {
            // It did reach the platform.
            self.posted.lock().unwrap().push(req.schedule_id.to_string());
        }
        answer?;
        self.posted.lock().unwrap().push(req.schedule_id.to_string());
        Ok(Publication {
            platform_post_id: format!("urn:li:share:{}", req.schedule_id),
            url: Some(format!("https://www.linkedin.com/feed/update/{}", req.schedule_id)),
            published_at: t0(),
            via: "scripted".into(),
            log: serde_json::json!({"status": 201}),
        })
    }
    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        let has = self.has_it.lock().unwrap().unwrap_or_else(|| self.posted.lock().unwrap().contains(&req.schedule_id.to_string()));
        Ok(has.then(|| Publication {
            platform_post_id: format!("urn:li:share:{}", req.schedule_id),
            url: Some("https://www.linkedin.com/feed/update/found".into()),
            published_at: t0(),
            via: "scripted".into(),
            log: serde_json::json!({"found": true}),
        }))
    }
}

#[derive(Debug, Default)]
struct Alerts(Mutex<Vec<String>>);

#[async_trait]
impl Alert for Alerts {
    async fn alert(&self, _: &Schedule, _: Option<&ContentItem>, reason: &str) {
        self.0.lock().unwrap().push(reason.to_owned());
    }
}

struct World {
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
}

async fn world_with_item() -> (World, ContentItem, Schedule) {
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(InMemoryStore::new(clock.clone()));
    let item = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, Some("T".into()), "Body")).await.unwrap();
    let at = t0() + chrono::Duration::minutes(5);
    let review = ReviewService::new(store.clone(), clock.clone(), "America/New_York", [Platform::LINKEDIN].into()).unwrap();
    let a = review.approve(item.id, ApproveRequest { at: Some(at), ..ApproveRequest::default() }).await.unwrap();
    let (item, schedule) = (a.item, a.schedule);
    clock.advance(chrono::Duration::seconds(6 * 60));
    (World { store, clock }, item, schedule)
}

fn runner(w: &World, p: Arc<Scripted>) -> PublishRunner {
    PublishRunner::new(w.store.clone() as Arc<dyn Store>, w.clock.clone() as Arc<dyn Clock>, "w1", vec![p as Arc<dyn Publisher>]).limits(
        3,
        Duration::from_secs(60),
        Duration::from_secs(30),
        4,
    )
}

#[tokio::test]
async fn a_due_schedule_is_published_once_and_the_item_and_log_say_so() {
    let (w, item, s) = world_with_item().await;
    let p = Scripted::new(vec![]);
    let r = runner(&w, p.clone()).run_due(10).await.unwrap();
    assert_eq!((r.claimed, r.published), (1, 1));
    assert_eq!(w.store.get_schedule(s.id).await.unwrap().status, ScheduleStatus::Published);
    let item = w.store.get_content(item.id).await.unwrap();
    assert_eq!(item.status, ContentStatus::Published);
    assert!(item.published_url.unwrap().contains(&s.id.to_string()));
    let logs = w.store.list_publish_logs(item.id).await.unwrap();
    assert_eq!(logs.iter().map(|l| l.status).collect::<Vec<_>>(), vec![PublishStatus::Success]);
    assert_eq!(runner(&w, p.clone()).run_due(10).await.unwrap().claimed, 0);
    assert_eq!(p.sent.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failure_before_the_platform_acted_is_retried_after_its_wait() {
    let (w, item, s) = world_with_item().await;
    let p = Scripted::new(vec![Err(Error::RateLimited { retry_after: Some(Duration::from_secs(90)) })]);
    let r = runner(&w, p.clone()).run_due(10).await.unwrap();
    assert_eq!(r.retrying, 1);
    let again = w.store.get_schedule(s.id).await.unwrap();
    assert_eq!(again.status, ScheduleStatus::Pending);
    assert_eq!(again.next_attempt_at, Some(w.clock.now() + chrono::Duration::seconds(90)));
    assert_eq!(runner(&w, p.clone()).run_due(10).await.unwrap().claimed, 0, "not before the wait");
    w.clock.advance(chrono::Duration::seconds(91));
    assert_eq!(runner(&w, p.clone()).run_due(10).await.unwrap().published, 1);
    assert_eq!(w.store.get_content(item.id).await.unwrap().status, ContentStatus::Published);
    assert_eq!(p.posted.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_unknown_outcome_is_never_resent_and_reconciliation_finds_the_post() {
    let (w, item, s) = world_with_item().await;
    let p = Scripted::new(vec![Err(Error::OutcomeUnknown("timeout after send".into()))]);
    assert_eq!(runner(&w, p.clone()).run_due(10).await.unwrap().unknown, 1);
    assert_eq!(w.store.get_schedule(s.id).await.unwrap().status, ScheduleStatus::Unknown);
    assert_eq!(w.store.get_content(item.id).await.unwrap().status, ContentStatus::Publishing);
    w.clock.advance(chrono::Duration::seconds(3600));
    assert_eq!(runner(&w, p.clone()).run_due(10).await.unwrap().claimed, 0, "unknown is not claimed again");
    let r = runner(&w, p.clone()).reconcile_unknown(10).await.unwrap();
    assert_eq!(r.reconciled, 1);
    assert_eq!(w.store.get_schedule(s.id).await.unwrap().status, ScheduleStatus::Published);
    assert_eq!(w.store.get_content(item.id).await.unwrap().status, ContentStatus::Published);
    assert_eq!(p.sent.load(Ordering::SeqCst), 1, "sent once");
    assert_eq!(p.posted.lock().unwrap().len(), 1, "on the platform once");
    let logs: Vec<PublishStatus> = w.store.list_publish_logs(item.id).await.unwrap().iter().map(|l| l.status).collect();
    assert_eq!(logs, vec![PublishStatus::Unknown, PublishStatus::Reconciled]);
}

#[tokio::test]
async fn a_post_proved_absent_is_sent_again_exactly_once() {
    let (w, item, s) = world_with_item().await;
    let p = Scripted::new(vec![Err(Error::OutcomeUnknown("connection reset".into()))]);
    runner(&w, p.clone()).run_due(10).await.unwrap();
    *p.has_it.lock().unwrap() = Some(false);
    // LinkedIn's list lags: "absent" right after the send is not proof.
    let early = runner(&w, p.clone()).reconcile_unknown(10).await.unwrap();
    assert_eq!((early.reconciled, early.unknown), (0, 1));
    assert_eq!(w.store.get_schedule(s.id).await.unwrap().status, ScheduleStatus::Unknown, "within the settle window");
    assert_eq!(runner(&w, p.clone()).reconcile_unknown(10).await.unwrap(), Default::default(), "claimed for a lease: not looked up again");
    w.clock.advance(chrono::Duration::seconds(121));
    assert_eq!(runner(&w, p.clone()).reconcile_unknown(10).await.unwrap().reconciled, 1);
    let pending = w.store.get_schedule(s.id).await.unwrap();
    assert_eq!((pending.status, pending.retry_count, pending.attempt), (ScheduleStatus::Pending, 0, 1), "absent is not a failed attempt");
    *p.has_it.lock().unwrap() = None;
    assert_eq!(runner(&w, p.clone()).run_due(10).await.unwrap().published, 1);
    assert_eq!(w.store.get_content(item.id).await.unwrap().status, ContentStatus::Published);
    assert_eq!(p.sent.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_refusal_fails_with_its_reason_and_alerts_and_retries_run_out() {
    let (w, item, s) = world_with_item().await;
    let alerts = Arc::new(Alerts::default());
    let p = Scripted::new(vec![Err(Error::invalid_field("commentary", "too long"))]);
    runner(&w, p.clone()).alert(alerts.clone()).run_due(10).await.unwrap();
    let failed = w.store.get_schedule(s.id).await.unwrap();
    assert_eq!(failed.status, ScheduleStatus::Failed);
    assert!(failed.error_message.unwrap().contains("too long"));
    assert_eq!(w.store.get_content(item.id).await.unwrap().status, ContentStatus::Failed);
    assert_eq!(alerts.0.lock().unwrap().len(), 1);

    let (w, item, s) = world_with_item().await;
    let p = Scripted::new(vec![Err(Error::transient("502")), Err(Error::transient("502")), Err(Error::transient("502"))]);
    for _ in 0..3 {
        runner(&w, p.clone()).alert(alerts.clone()).run_due(10).await.unwrap();
        w.clock.advance(chrono::Duration::seconds(3600));
    }
    let s = w.store.get_schedule(s.id).await.unwrap();
    assert_eq!(s.status, ScheduleStatus::Failed, "{s:?}");
    assert!(s.error_message.unwrap().contains("gave up after 3 failed attempts"));
    assert_eq!(w.store.get_content(item.id).await.unwrap().status, ContentStatus::Failed);
    assert_eq!(p.sent.load(Ordering::SeqCst), 3);
}

#[derive(Debug)]
struct Closed(DateTime<Utc>);

#[async_trait]
impl PlatformGate for Closed {
    async fn reserve(&self, _: Platform) -> Result<Option<DateTime<Utc>>> {
        Ok(Some(self.0))
    }
}

#[tokio::test]
async fn a_platform_over_its_limit_sends_nothing_and_comes_back_when_the_gate_says() {
    let (w, _, s) = world_with_item().await;
    let p = Scripted::new(vec![]);
    let at = w.clock.now() + chrono::Duration::seconds(10);
    let r = runner(&w, p.clone()).gate(Arc::new(Closed(at))).run_due(10).await.unwrap();
    assert_eq!(r.retrying, 1);
    assert_eq!(p.sent.load(Ordering::SeqCst), 0);
    assert_eq!(w.store.get_schedule(s.id).await.unwrap().next_attempt_at, Some(at));
}

#[tokio::test]
async fn the_database_gate_hands_each_window_slot_to_one_caller() {
    use growth_core::publish::{DbGate, SendBudget};
    let clock = Arc::new(ManualClock::new(t0()));
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new(clock.clone()));
    let budgets = std::collections::HashMap::from([(Platform::CUSTOMER_IO, SendBudget { max: 1, window_secs: 10 })]);
    let a = DbGate::new(store.clone(), clock.clone(), budgets.clone(), "a");
    let b = DbGate::new(store.clone(), clock.clone(), budgets, "b");
    assert_eq!(a.reserve(Platform::CUSTOMER_IO).await.unwrap(), None);
    assert_eq!(b.reserve(Platform::CUSTOMER_IO).await.unwrap(), Some(t0() + chrono::Duration::seconds(10)), "the other worker waits");
    assert_eq!(b.reserve(Platform::LINKEDIN).await.unwrap(), None, "platforms without a budget are not limited");
    clock.advance(chrono::Duration::seconds(10));
    assert_eq!(b.reserve(Platform::CUSTOMER_IO).await.unwrap(), None);
}

#[tokio::test]
async fn an_item_still_in_review_is_never_sent() {
    // A schedule whose item was never approved (a crash between two writes of an older approve,
    // or a schedule made behind the review's back): it fails without a send.
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(InMemoryStore::new(clock.clone()));
    let item = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, Some("T".into()), "Body")).await.unwrap();
    assert_eq!(item.status, ContentStatus::InReview);
    let s = store
        .create_schedule(growth_core::domain::NewSchedule {
            content_item_id: item.id,
            platform: Platform::LINKEDIN,
            scheduled_time: t0(),
            timezone: "UTC".into(),
        })
        .await
        .unwrap();
    let w = World { store, clock };
    let alerts = Arc::new(Alerts::default());
    let p = Scripted::new(vec![]);
    let r = runner(&w, p.clone()).alert(alerts.clone()).run_due(10).await.unwrap();
    assert_eq!((r.claimed, r.failed, r.published), (1, 1, 0));
    assert_eq!(p.sent.load(Ordering::SeqCst), 0, "nothing from review goes out");
    let failed = w.store.get_schedule(s.id).await.unwrap();
    assert_eq!(failed.status, ScheduleStatus::Failed);
    assert!(failed.error_message.unwrap().contains("in_review"));
    assert_eq!(w.store.get_content(item.id).await.unwrap().status, ContentStatus::InReview, "the item stays in review");
    assert_eq!(alerts.0.lock().unwrap().len(), 1);
}

/// Takes its time: never answers within the publish timeout.
#[derive(Debug, Default)]
struct Hangs(AtomicUsize);

#[async_trait]
impl Publisher for Hangs {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }
    async fn publish(&self, _: &PublishRequest) -> Result<Publication> {
        self.0.fetch_add(1, Ordering::SeqCst);
        std::future::pending().await
    }
    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        assert!(req.attempted_at.is_some(), "the persisted attempt time reaches the publisher");
        Ok(None)
    }
}

#[tokio::test]
async fn a_send_in_flight_past_its_timeout_is_unknown_alerted_and_never_resent_blindly() {
    let (w, item, s) = world_with_item().await;
    let hangs = Arc::new(Hangs::default());
    let alerts = Arc::new(Alerts::default());
    let r = PublishRunner::new(
        w.store.clone() as Arc<dyn Store>,
        w.clock.clone() as Arc<dyn Clock>,
        "w1",
        vec![hangs.clone() as Arc<dyn Publisher>],
    )
    .limits(3, Duration::from_secs(60), Duration::from_secs(30), 4)
    .publish_timeout(Duration::from_millis(50))
    .alert(alerts.clone());
    assert_eq!(r.run_due(10).await.unwrap().unknown, 1);
    let u = w.store.get_schedule(s.id).await.unwrap();
    assert_eq!((u.status, u.attempt, u.last_attempt_at), (ScheduleStatus::Unknown, 1, Some(w.clock.now())));
    assert!(u.error_message.unwrap().contains("publish timeout"));
    assert_eq!(w.store.get_content(item.id).await.unwrap().status, ContentStatus::Publishing);
    assert_eq!(alerts.0.lock().unwrap().len(), 1, "an unknown outcome is alerted like a failure");
    // Another worker (another process: no shared memory) reconciles: the list does not show it,
    // but LinkedIn's settle window has not passed — it stays unknown, nothing is sent.
    let other = PublishRunner::new(
        w.store.clone() as Arc<dyn Store>,
        w.clock.clone() as Arc<dyn Clock>,
        "w2",
        vec![hangs.clone() as Arc<dyn Publisher>],
    );
    assert_eq!(other.reconcile_unknown(10).await.unwrap().reconciled, 0);
    assert_eq!(other.run_due(10).await.unwrap().claimed, 0);
    assert_eq!(hangs.0.load(Ordering::SeqCst), 1, "sent once");
    // Past the settle window (and the reconcile claim's lease) absent is proof: pending again.
    w.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(other.reconcile_unknown(10).await.unwrap().reconciled, 1);
    assert_eq!(w.store.get_schedule(s.id).await.unwrap().status, ScheduleStatus::Pending);
}

#[tokio::test]
async fn rate_limit_deferrals_do_not_spend_attempts() {
    let (w, item, s) = world_with_item().await;
    let mut script: Vec<Result<()>> = (0..6).map(|_| Err(Error::RateLimited { retry_after: None })).collect();
    script.push(Err(Error::transient("502")));
    script.push(Err(Error::transient("502")));
    let p = Scripted::new(script);
    for _ in 0..9 {
        runner(&w, p.clone()).run_due(10).await.unwrap();
        w.clock.advance(chrono::Duration::seconds(3600));
    }
    let done = w.store.get_schedule(s.id).await.unwrap();
    assert_eq!(done.status, ScheduleStatus::Published, "six 429s and two 502s with 3 attempts allowed: {done:?}");
    assert_eq!(done.retry_count, 2, "only the 502s were failed attempts");
    assert_eq!(w.store.get_content(item.id).await.unwrap().status, ContentStatus::Published);
    assert_eq!(p.sent.load(Ordering::SeqCst), 9);
}

#[test]
fn start_up_refuses_a_lease_shorter_than_the_worst_case_publish() {
    use growth_core::publish::PublishConfig;
    assert!(PublishConfig::default().validate().is_ok());
    let short = PublishConfig { lease_secs: 60, publish_timeout_secs: 90, ..PublishConfig::default() };
    assert!(matches!(short.validate(), Err(Error::Config(m)) if m.contains("lease_secs")));
    let tight = PublishConfig { lease_secs: 95, publish_timeout_secs: 90, ..PublishConfig::default() };
    assert!(tight.validate().is_err(), "no room to record the outcome");
}
