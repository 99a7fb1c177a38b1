#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
//! Reconciliation lookups are budgeted (issue 12 item 7, second half): three workers reconciling
//! the same 30 `unknown` schedules claim them (each is looked up by one process per lease) and
//! spend a lookup budget shared through the store — the list calls counted at the fake platform
//! never exceed the budget in any window, and every schedule is still reconciled in the end.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use growth_core::domain::{ContentType, NewContentItem, Platform, ScheduleOutcome, ScheduleStatus};
use growth_core::memory::InMemoryStore;
use growth_core::publish::{DbGate, Publication, PublishRequest, PublishRunner, Publisher, PublisherCapabilities, SendBudget};
use growth_core::store::{ApprovalWrite, ContentStore, PublishAttemptStore, ScheduleFilter, ScheduleStore};
use growth_core::{ManualClock, Result};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 14, 0, 0).unwrap()
}

/// A platform whose post list has every post; counts the list calls.
#[derive(Debug, Default)]
struct Lists {
    list_calls: AtomicUsize,
}

#[async_trait]
impl Publisher for Lists {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }
    async fn publish(&self, _: &PublishRequest) -> Result<Publication> {
        panic!("nothing is sent while reconciling")
    }
    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        self.list_calls.fetch_add(1, Ordering::SeqCst);
        Ok(Some(Publication {
            platform_post_id: format!("urn:li:share:{}", req.schedule_id),
            url: None,
            published_at: t0(),
            via: "lists".into(),
            log: serde_json::json!({}),
        }))
    }
}

/// 30 schedules whose sends started and ended `unknown` (attempt 1, at `t0`).
async fn thirty_unknown(store: &Arc<InMemoryStore>) {
    for n in 0..30 {
        let item = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, format!("Post {n}."))).await.unwrap();
        let write = ApprovalWrite { content_item_id: item.id, platform: Platform::LINKEDIN, scheduled_time: t0(), timezone: "UTC".into() };
        store.approve_and_schedule(&[write]).await.unwrap();
    }
    for s in store.claim_due_schedules("sender", Duration::from_secs(120), 100).await.unwrap() {
        let s = store.start_attempt(s.id, "sender").await.unwrap();
        store.finish_attempt(s.id, "sender", s.attempt, ScheduleOutcome::Unknown { error: "timeout".into() }).await.unwrap();
    }
}

fn runners(store: &Arc<InMemoryStore>, clock: &Arc<ManualClock>, fake: &Arc<Lists>, lookups: Option<SendBudget>) -> Vec<PublishRunner> {
    (0..3)
        .map(|w| {
            let mut gate = DbGate::new(store.clone(), clock.clone(), HashMap::new(), format!("w{w}"));
            if let Some(b) = lookups {
                gate = gate.lookup_budgets(HashMap::from([(Platform::LINKEDIN, b)]));
            }
            PublishRunner::new(store.clone(), clock.clone(), format!("w{w}"), vec![fake.clone() as Arc<dyn Publisher>])
                .gate(Arc::new(gate))
                .settle(Platform::LINKEDIN, Duration::ZERO)
                .reconcile_lease(Duration::from_secs(30))
        })
        .collect()
}

async fn open(store: &Arc<InMemoryStore>) -> usize {
    let f = ScheduleFilter { statuses: vec![ScheduleStatus::Unknown], limit: 100, ..ScheduleFilter::default() };
    store.list_schedules(&f).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn three_workers_spend_one_shared_lookup_budget_and_still_reconcile_everything() {
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(InMemoryStore::new(clock.clone()));
    thirty_unknown(&store).await;
    let fake = Arc::new(Lists::default());
    let budget = SendBudget { max: 4, window_secs: 60 };
    let workers = runners(&store, &clock, &fake, Some(budget));

    let mut windows = 0;
    while open(&store).await > 0 {
        windows += 1;
        assert!(windows <= 20, "everything is reconciled within a bounded number of windows");
        let before = fake.list_calls.load(Ordering::SeqCst);
        // Every worker reconciles several times in the window, all at once.
        for _ in 0..3 {
            let rounds = workers.iter().map(|w| w.reconcile_unknown(50));
            for r in futures::future::join_all(rounds).await {
                r.unwrap();
            }
        }
        let calls = fake.list_calls.load(Ordering::SeqCst) - before;
        assert!(calls <= budget.max as usize, "window {windows}: {calls} list calls, over the shared budget of {}", budget.max);
        // The next window, past every reconciliation claim's lease.
        clock.advance(chrono::Duration::seconds(61));
    }
    assert_eq!(fake.list_calls.load(Ordering::SeqCst), 30, "one list call per schedule: claimed, never looked up twice");
    assert_eq!(windows, 30usize.div_ceil(budget.max as usize), "the budget, not the workers, sets the pace");
    let published = ScheduleFilter { statuses: vec![ScheduleStatus::Published], limit: 100, ..ScheduleFilter::default() };
    assert_eq!(store.list_schedules(&published).await.unwrap().len(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn without_a_lookup_budget_lookups_spend_the_send_budget() {
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(InMemoryStore::new(clock.clone()));
    thirty_unknown(&store).await;
    let fake = Arc::new(Lists::default());
    let sends = HashMap::from([(Platform::LINKEDIN, SendBudget { max: 2, window_secs: 60 })]);
    let runner = PublishRunner::new(store.clone(), clock.clone(), "w", vec![fake.clone() as Arc<dyn Publisher>])
        .gate(Arc::new(DbGate::new(store.clone(), clock.clone(), sends, "w")))
        .settle(Platform::LINKEDIN, Duration::ZERO);
    let report = runner.reconcile_unknown(50).await.unwrap();
    assert_eq!((report.reconciled, report.unknown), (2, 28), "{report:?}");
    assert_eq!(fake.list_calls.load(Ordering::SeqCst), 2, "two list calls: the send budget's two slots");
    assert_eq!(open(&store).await, 28);
}
