//! Orchestration branches, checked with mocks (mockall) where a mock beats a fake: what the
//! engine must *not* call is the point. A rate-limit gate that defers means the publisher is never
//! called; a platform without a publisher fails with an alert and no send; a draft that passes
//! its gates is never rewritten, and one that fails is rewritten with the gate's findings.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests: a failed setup should abort loudly")]

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use growth_core::domain::{
    ContentItem, ContentStatus, ContentTransition, ContentType, NewContentItem, NewSchedule, NewSource, Platform, Schedule, ScheduleStatus,
    SourceStatus, Verdict,
};
use growth_core::generate::{BundlePipeline, ContentGenerator, Draft, Generation, GenerationRequest, NoProgress, Usage};
use growth_core::memory::InMemoryStore;
use growth_core::prompt::BundlePlan;
use growth_core::publish::{Alert, PlatformGate, Publication, PublishRequest, PublishRunner, Publisher, PublisherCapabilities};
use growth_core::quality::{DraftUnderReview, QualityGate};
use growth_core::store::{ContentStore, ScheduleStore, SourceStore, Store};
use growth_core::{Clock, ManualClock, Result};
use mockall::{Sequence, mock, predicate};

mock! {
    Pub {}
    #[async_trait]
    impl Publisher for Pub {
        fn platform(&self) -> Platform;
        fn capabilities(&self) -> PublisherCapabilities;
        async fn publish(&self, req: &PublishRequest) -> Result<Publication>;
        async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>>;
    }
}

mock! {
    Gate {}
    #[async_trait]
    impl PlatformGate for Gate {
        async fn reserve(&self, platform: Platform) -> Result<Option<DateTime<Utc>>>;
    }
}

/// Records alerts (a recorder is simpler than a mock for a hook with borrowed optional arguments).
#[derive(Debug, Default)]
struct Alarm {
    seen: std::sync::Mutex<Vec<(growth_core::domain::ScheduleId, bool, String)>>,
}

#[async_trait]
impl Alert for Alarm {
    async fn alert(&self, schedule: &Schedule, item: Option<&ContentItem>, reason: &str) {
        self.seen.lock().unwrap().push((schedule.id, item.is_some(), reason.to_owned()));
    }
}

macro_rules! debug_mock {
    ($($t:ty),+) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($t))
            }
        }
    )+};
}

mock! {
    Writer {}
    #[async_trait]
    impl ContentGenerator for Writer {
        fn model(&self) -> &str;
        async fn generate(&self, req: GenerationRequest) -> Result<Generation>;
    }
}

mock! {
    Check {}
    #[async_trait]
    impl QualityGate for Check {
        fn name(&self) -> &'static str;
        async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict>;
    }
}

debug_mock!(MockPub, MockGate, MockWriter, MockCheck);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 15, 0, 0).unwrap()
}

/// An item approved and scheduled on LinkedIn five minutes ago, and the clock at now.
async fn due_schedule() -> (Arc<InMemoryStore>, Arc<ManualClock>, Schedule) {
    let clock = Arc::new(ManualClock::new(t0() - chrono::Duration::minutes(10)));
    let store = Arc::new(InMemoryStore::new(clock.clone()));
    let item = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "One idea, one action.")).await.unwrap();
    let at = t0() - chrono::Duration::minutes(5);
    let s = store
        .create_schedule(NewSchedule { content_item_id: item.id, platform: Platform::LINKEDIN, scheduled_time: at, timezone: "UTC".into() })
        .await
        .unwrap();
    store.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    store
        .transition_content(
            item.id,
            ContentTransition { scheduled_publish_time: Some(at), ..ContentTransition::to(ContentStatus::Scheduled) },
        )
        .await
        .unwrap();
    clock.set(t0());
    (store, clock, s)
}

#[tokio::test]
async fn a_rate_limit_gate_that_defers_means_the_publisher_is_never_called() {
    let (store, clock, s) = due_schedule().await;
    let mut publisher = MockPub::new();
    publisher.expect_platform().return_const(Platform::LINKEDIN);
    publisher.expect_publish().times(0);
    let mut gate = MockGate::new();
    let later = t0() + chrono::Duration::seconds(10);
    gate.expect_reserve().with(predicate::eq(Platform::LINKEDIN)).times(1).returning(move |_| Ok(Some(later)));
    let runner =
        PublishRunner::new(store.clone() as Arc<dyn Store>, clock as Arc<dyn Clock>, "w1", vec![Arc::new(publisher) as Arc<dyn Publisher>])
            .gate(Arc::new(gate));
    let report = runner.run_due(10).await.unwrap();
    assert_eq!((report.claimed, report.retrying, report.published), (1, 1, 0));
    let after = store.get_schedule(s.id).await.unwrap();
    assert_eq!(after.status, ScheduleStatus::Pending);
    assert_eq!(after.next_attempt_at, Some(later), "it comes back when the gate says");
}

#[tokio::test]
async fn a_platform_without_a_publisher_fails_with_an_alert_and_sends_nothing() {
    let (store, clock, s) = due_schedule().await;
    let mut webflow = MockPub::new();
    webflow.expect_platform().return_const(Platform::WEBFLOW);
    webflow.expect_publish().times(0);
    let alarm = Arc::new(Alarm::default());
    let runner =
        PublishRunner::new(store.clone() as Arc<dyn Store>, clock as Arc<dyn Clock>, "w1", vec![Arc::new(webflow) as Arc<dyn Publisher>])
            .alert(alarm.clone());
    let report = runner.run_due(10).await.unwrap();
    assert_eq!(report.failed, 1);
    let seen = alarm.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].0 == s.id && seen[0].1 && seen[0].2.contains("no publisher"), "{seen:?}");
    assert_eq!(store.get_schedule(s.id).await.unwrap().status, ScheduleStatus::Failed);
}

fn drafts(n: u32, text: &str) -> Generation {
    Generation {
        drafts: (0..n).map(|i| Draft { title: Some(format!("Draft {i}")), content: format!("{text} ({i})"), format: None }).collect(),
        usage: Usage::default(),
        model: "mock".into(),
    }
}

fn verdict(passed: bool) -> Verdict {
    Verdict { gate: "mock".into(), passed, score: None, findings: Vec::new() }
}

async fn completed_source(store: &InMemoryStore) -> growth_core::domain::SourceId {
    let text = "Host: We cut onboarding to one step. ".repeat(20);
    let s = store.create_source(NewSource { transcript: Some(text), ..NewSource::default() }).await.unwrap().value;
    store.set_source_status(s.id, SourceStatus::Processing, None).await.unwrap();
    store.set_source_status(s.id, SourceStatus::Completed, None).await.unwrap().id
}

fn one_newsletter() -> BundlePlan {
    BundlePlan { linkedin_posts: 0, pre_interview: 0, post_publish: 0, newsletter: 1, blog_post: 0 }
}

#[tokio::test]
async fn a_draft_that_passes_its_gates_is_never_rewritten() {
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(InMemoryStore::new(clock));
    let source = completed_source(&store).await;
    let mut writer = MockWriter::new();
    writer.expect_model().return_const("mock".to_owned());
    writer.expect_generate().times(1).returning(|req| Ok(drafts(req.count, "A clean newsletter")));
    let mut gate = MockCheck::new();
    gate.expect_name().return_const("mock");
    gate.expect_check().times(1).returning(|_| Ok(verdict(true)));
    let pipeline = BundlePipeline::new(store.clone(), Arc::new(writer), vec![Arc::new(gate)]);
    let out = pipeline.run("b1", source, &one_newsletter(), &NoProgress).await.unwrap();
    assert_eq!(out.items.len(), 1);
    assert!(!out.items[0].quality.flagged);
}

#[tokio::test]
async fn a_draft_that_fails_a_gate_is_rewritten_once_with_the_findings_then_saved() {
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(InMemoryStore::new(clock));
    let source = completed_source(&store).await;
    let mut seq = Sequence::new();
    let mut writer = MockWriter::new();
    writer.expect_model().return_const("mock".to_owned());
    writer.expect_generate().times(1).in_sequence(&mut seq).returning(|req| Ok(drafts(req.count, "In today's fast-paced world")));
    writer
        .expect_generate()
        .withf(|req| req.instruction.to_lowercase().contains("rewrite"))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(drafts(1, "We cut onboarding to one step")));
    let mut gate = MockCheck::new();
    gate.expect_name().return_const("mock");
    gate.expect_check().returning(|d| Ok(verdict(!d.content.contains("fast-paced"))));
    let pipeline = BundlePipeline::new(store.clone(), Arc::new(writer), vec![Arc::new(gate)]).max_rewrites(3);
    let out = pipeline.run("b2", source, &one_newsletter(), &NoProgress).await.unwrap();
    assert!(out.items[0].content.contains("one step"), "the rewrite is what was saved: {}", out.items[0].content);
    assert!(!out.items[0].quality.flagged);
}
