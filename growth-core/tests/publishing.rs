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
    assert_eq!(runner(&w, p.clone()).reconcile_unknown(10).await.unwrap().reconciled, 1);
    assert_eq!(w.store.get_schedule(s.id).await.unwrap().status, ScheduleStatus::Pending);
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
    assert!(s.error_message.unwrap().contains("gave up after 3 attempts"));
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
