#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
//! The measure service on the in-memory store: sync with back-off, budget and disconnection;
//! leads attributed by their tagged URL; CSV import; the summary's time-saved estimate.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use growth_core::domain::*;
use growth_core::measure::attribution::AttributionModel;
use growth_core::measure::utm::{UtmTags, tag_url};
use growth_core::measure::{
    AnalyticsAlert, DailyCallBudget, DailyLimit, LeadInput, LeadKind, MeasureAlert, MeasureConfig, MeasureService, Metric,
    MetricsCapabilities, MetricsRequest, MetricsSource, PostMetrics, connect_analytics,
};
use growth_core::memory::InMemoryStore;
use growth_core::store::{AnalyticsStore, ContentStore, ScheduleStore};
use growth_core::{Clock, ManualClock, Result};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 14, 0, 0).unwrap()
}

/// Answers a table of post ids; can be switched to "connect analytics"; counts its calls.
#[derive(Debug, Default)]
struct Source {
    table: Mutex<HashMap<String, PostMetrics>>,
    refused: AtomicBool,
    fetches: AtomicUsize,
}

#[async_trait]
impl MetricsSource for Source {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> MetricsCapabilities {
        MetricsCapabilities { metrics: Metric::SOCIAL.to_vec(), max_batch: 1, calls_per_post: 5, lifetime_totals: true }
    }
    async fn fetch(&self, req: &MetricsRequest) -> Result<PostMetrics> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        if self.refused.load(Ordering::SeqCst) {
            return Err(connect_analytics("linkedin", "the token lacks r_member_postAnalytics", false));
        }
        self.table
            .lock()
            .unwrap()
            .get(&req.platform_post_id)
            .copied()
            .ok_or_else(|| growth_core::Error::not_found("post", &req.platform_post_id))
    }
}

#[derive(Debug, Default)]
struct Alerts(Mutex<Vec<AnalyticsAlert>>);

#[async_trait]
impl MeasureAlert for Alerts {
    async fn measure_alert(&self, event: &AnalyticsAlert) {
        self.0.lock().unwrap().push(event.clone());
    }
}

struct Fixture {
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
}

impl Fixture {
    fn new() -> Self {
        let clock = Arc::new(ManualClock::new(t0()));
        Self { store: Arc::new(InMemoryStore::new(clock.clone())), clock }
    }

    /// An item published on LinkedIn now as `post`.
    async fn published(&self, title: &str, post: &str) -> ContentItem {
        self.published_item(NewContentItem::draft(ContentType::LinkedinPost, Some(title.into()), "Body"), post).await
    }

    /// `new` published on LinkedIn now as `post`.
    async fn published_item(&self, new: NewContentItem, post: &str) -> ContentItem {
        let s = &self.store;
        let mut item = s.insert_content(new).await.unwrap();
        for to in [ContentStatus::InReview, ContentStatus::Approved] {
            if item.status != to {
                item = s.transition_content(item.id, ContentTransition::to(to)).await.unwrap();
            }
        }
        let sch = s
            .create_schedule(NewSchedule {
                content_item_id: item.id,
                platform: Platform::LINKEDIN,
                scheduled_time: self.clock.now(),
                timezone: "UTC".into(),
            })
            .await
            .unwrap();
        s.transition_content(item.id, ContentTransition::to(ContentStatus::Scheduled)).await.unwrap();
        s.claim_due_schedules("w", std::time::Duration::from_secs(60), 10).await.unwrap();
        let url = Some(format!("https://www.linkedin.com/feed/update/{post}/"));
        let log = NewPublishingLog {
            content_item_id: item.id,
            schedule_id: Some(sch.id),
            platform: Platform::LINKEDIN,
            status: PublishStatus::Success,
            request_payload: serde_json::json!({}),
            response_data: serde_json::json!({}),
            error_message: None,
            published_url: url.clone(),
        };
        s.record_publication(sch.id, "w", Some(post.into()), url, self.clock.now(), log).await.unwrap();
        s.get_content(item.id).await.unwrap()
    }

    fn service(&self) -> MeasureService {
        MeasureService::new(self.store.clone(), self.clock.clone(), MeasureConfig::default())
    }
}

fn social(impressions: i64, likes: i64) -> PostMetrics {
    PostMetrics::default().with(Metric::Impressions, impressions).with(Metric::Reactions, likes).with(Metric::Comments, 1)
}

#[tokio::test]
async fn a_sync_writes_the_row_and_the_snapshot_then_backs_off_as_the_post_ages() {
    let f = Fixture::new();
    let item = f.published("The PLG Paradox", "urn:li:share:1").await;
    let source = Arc::new(Source::default());
    source.table.lock().unwrap().insert("urn:li:share:1".into(), social(3200, 150));
    let svc = f.service().source(source.clone());

    let r = svc.sync().await.unwrap();
    assert_eq!((r.considered, r.synced, r.not_due, r.calls), (1, 1, 0, 5));
    let row = f.store.get_analytics(item.id, Platform::LINKEDIN).await.unwrap();
    assert_eq!((row.engagement.impressions, row.engagement.likes), (3200, 150));
    assert_eq!(svc.history(item.id).await.unwrap().len(), 1);

    // Within the hour: not due. After an hour (first day): due again.
    f.clock.advance(Duration::minutes(30));
    assert_eq!(svc.sync().await.unwrap().not_due, 1);
    f.clock.advance(Duration::minutes(31));
    assert_eq!(svc.sync().await.unwrap().synced, 1);
    // Three days old: every 6 hours.
    f.clock.advance(Duration::days(3));
    assert_eq!(svc.sync().await.unwrap().synced, 1);
    f.clock.advance(Duration::hours(5));
    assert_eq!(svc.sync().await.unwrap().not_due, 1);
    // Past the window (30 days): not considered at all.
    f.clock.advance(Duration::days(31));
    assert_eq!(svc.sync().await.unwrap().considered, 0);
    assert_eq!(source.fetches.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_spent_budget_stops_the_platform_and_a_disconnected_source_alerts_once() {
    let f = Fixture::new();
    for i in 0..3 {
        f.published(&format!("Post {i}"), &format!("urn:li:share:{i}")).await;
    }
    let source = Arc::new(Source::default());
    for i in 0..3 {
        source.table.lock().unwrap().insert(format!("urn:li:share:{i}"), social(10, 1));
    }
    let limits = HashMap::from([(Platform::LINKEDIN, DailyLimit { per_platform: Some(10), per_account: None })]);
    let alerts = Arc::new(Alerts::default());
    let svc = f.service().source(source.clone()).budget(Arc::new(DailyCallBudget::new(f.clock.clone(), limits))).alert(alerts.clone());
    let r = svc.sync().await.unwrap();
    assert_eq!((r.synced, r.rate_limited, r.calls), (2, 1, 10), "5 calls a post, 10 a day");

    f.clock.advance(Duration::days(1));
    source.refused.store(true, Ordering::SeqCst);
    let r = svc.sync().await.unwrap();
    assert_eq!(r.disconnected, vec![Platform::LINKEDIN]);
    assert_eq!(source.fetches.load(Ordering::SeqCst), 3, "the batch stops at the first refusal");
    f.clock.advance(Duration::days(1));
    svc.sync().await.unwrap();
    assert!(svc.is_disconnected(Platform::LINKEDIN));
    assert_eq!(alerts.0.lock().unwrap().len(), 1, "alerted once: {:?}", alerts.0.lock().unwrap());
    assert!(matches!(&alerts.0.lock().unwrap()[0], AnalyticsAlert::SourceDisconnected { platform, .. } if *platform == Platform::LINKEDIN));
}

/// A source that reads a batch post by post (LinkedIn member posts: five calls each).
#[derive(Debug, Default)]
struct BatchingSource(Source);

#[async_trait]
impl MetricsSource for BatchingSource {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> MetricsCapabilities {
        MetricsCapabilities { metrics: Metric::SOCIAL.to_vec(), max_batch: 20, calls_per_post: 5, lifetime_totals: true }
    }
    async fn fetch(&self, req: &MetricsRequest) -> Result<PostMetrics> {
        self.0.fetch(req).await
    }
}

#[tokio::test]
async fn a_batch_of_member_posts_is_charged_five_calls_a_post_not_one_per_batch() {
    let f = Fixture::new();
    let source = Arc::new(BatchingSource::default());
    for i in 0..3 {
        f.published(&format!("Post {i}"), &format!("urn:li:share:{i}")).await;
        source.0.table.lock().unwrap().insert(format!("urn:li:share:{i}"), social(10, 1));
    }
    let limits = HashMap::from([(Platform::LINKEDIN, DailyLimit { per_platform: Some(16), per_account: None })]);
    let budget = Arc::new(DailyCallBudget::new(f.clock.clone(), limits));
    let svc = f.service().source(source.clone()).budget(budget.clone());
    let r = svc.sync().await.unwrap();
    assert_eq!((r.synced, r.calls), (3, 15), "one batch of three posts sends 15 calls");
    assert_eq!(budget.used(&growth_core::measure::BudgetKey::platform(Platform::LINKEDIN)), 15);
    // A day later the three are due again: 15 more do not fit in 16 − 15 … the next day's budget.
    f.clock.advance(Duration::days(1));
    let limits = HashMap::from([(Platform::LINKEDIN, DailyLimit { per_platform: Some(14), per_account: None })]);
    let tight = f.service().source(source.clone()).budget(Arc::new(DailyCallBudget::new(f.clock.clone(), limits)));
    let r = tight.sync().await.unwrap();
    assert_eq!((r.synced, r.rate_limited, r.calls), (0, 3, 0), "a batch needing 15 calls is not sent on a budget of 14");
    assert_eq!(source.0.fetches.load(Ordering::SeqCst), 3);
}

/// Refuses every post for good (a 4xx the platform will not change its mind about).
#[derive(Debug)]
struct Refusing;

#[async_trait]
impl growth_core::publish::Publisher for Refusing {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }
    fn capabilities(&self) -> growth_core::publish::PublisherCapabilities {
        growth_core::publish::PublisherCapabilities { idempotency_key: false, reconcile: false, metrics: false }
    }
    async fn publish(&self, _: &growth_core::publish::PublishRequest) -> Result<growth_core::publish::Publication> {
        Err(growth_core::Error::invalid_field("content", "LinkedIn refused the post"))
    }
}

#[tokio::test]
async fn a_publish_failure_fires_the_alert_hook() {
    let f = Fixture::new();
    let s = &f.store;
    let mut item = s.insert_content(NewContentItem::draft(ContentType::LinkedinPost, Some("Doomed".into()), "Body")).await.unwrap();
    for to in [ContentStatus::InReview, ContentStatus::Approved] {
        if item.status != to {
            item = s.transition_content(item.id, ContentTransition::to(to)).await.unwrap();
        }
    }
    let sch = s
        .create_schedule(NewSchedule {
            content_item_id: item.id,
            platform: Platform::LINKEDIN,
            scheduled_time: f.clock.now(),
            timezone: "UTC".into(),
        })
        .await
        .unwrap();
    let alerts = Arc::new(Alerts::default());
    let svc = f.service().alert(alerts.clone());
    assert!(svc.check_alerts().await.unwrap().is_empty(), "nothing failed yet");
    // A publisher that refuses the post for good: the runner fails the schedule.
    let refusing: Arc<dyn growth_core::publish::Publisher> = Arc::new(Refusing);
    growth_core::publish::PublishRunner::new(f.store.clone(), f.clock.clone(), "w", vec![refusing]).run_due(10).await.unwrap();
    assert_eq!(s.get_schedule(sch.id).await.unwrap().status, ScheduleStatus::Failed);
    let sent = svc.check_alerts().await.unwrap();
    assert_eq!(sent, vec![AnalyticsAlert::PublishFailures { failed: 1 }]);
    assert_eq!(alerts.0.lock().unwrap().as_slice(), &[AnalyticsAlert::PublishFailures { failed: 1 }]);
    assert!(svc.check_alerts().await.unwrap().is_empty(), "once a day");
}

#[tokio::test]
async fn a_lead_with_a_tagged_url_is_attributed_in_content_and_leads_and_counts_once() {
    let f = Fixture::new();
    let a = f.published("The PLG Paradox", "urn:li:share:1").await;
    let b = f.published("Free is not a strategy", "urn:li:share:2").await;
    let svc = f.service();
    let link = |item: &ContentItem| {
        tag_url("https://productled.com/demo?ref=x", &UtmTags::for_item(Platform::LINKEDIN, "ep-47", item.id)).unwrap()
    };

    let visit = LeadInput {
        email: "Ana@Example.com".into(),
        url: Some(link(&a)),
        utm: None,
        kind: LeadKind::WebsiteVisit,
        revenue_usd: None,
        occurred_at: Some(t0() + Duration::hours(1)),
        event_id: None,
    };
    let first = svc.record_lead(visit.clone()).await.unwrap();
    assert!(first.created);
    assert_eq!(first.event.content_item_id, Some(a.id));
    assert_eq!(first.event.platform, Some(Platform::LINKEDIN));
    assert!(!svc.record_lead(visit).await.unwrap().created, "a redelivery counts once");

    let buy = LeadInput {
        email: "ana@example.com".into(),
        url: Some(link(&b)),
        utm: None,
        kind: LeadKind::Purchase,
        revenue_usd: Some(1299.01),
        occurred_at: Some(t0() + Duration::hours(2)),
        event_id: Some("order-77".into()),
    };
    svc.record_lead(buy.clone()).await.unwrap();
    assert!(!svc.record_lead(LeadInput { revenue_usd: Some(5.0), ..buy }).await.unwrap().created, "same event id: once");

    // Last touch: b gets the purchase; first touch: a; linear: split in cents (64951 + 64950).
    let last_a = svc.content(a.id, None).await.unwrap();
    let last_b = svc.content(b.id, None).await.unwrap();
    assert_eq!((last_a.website_visits, last_a.purchases, last_a.attributed_revenue_usd), (1, 0, 0.0));
    assert_eq!((last_b.purchases, last_b.attributed_revenue_usd), (1, 1299.01));
    let first_a = svc.content(a.id, Some(AttributionModel::FirstTouch)).await.unwrap();
    assert_eq!((first_a.purchases, first_a.attributed_revenue_usd), (1, 1299.01));
    let lin_a = svc.content(a.id, Some(AttributionModel::Linear)).await.unwrap();
    let lin_b = svc.content(b.id, Some(AttributionModel::Linear)).await.unwrap();
    assert_eq!((lin_a.attributed_revenue_usd, lin_b.attributed_revenue_usd), (649.51, 649.5));

    let leads = svc.leads(t0(), t0() + Duration::days(1), None, 10, 0).await.unwrap();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].lead.email, "ana@example.com");
    assert_eq!(leads[0].events.len(), 2, "every touch is kept, duplicates are not");
    assert_eq!(leads[0].attributed_to.iter().map(|c| (c.content_id, c.revenue_usd)).collect::<Vec<_>>(), vec![(b.id, 1299.01)]);
    // The PRD row carries the default model's numbers.
    let row = f.store.get_analytics(b.id, Platform::LINKEDIN).await.unwrap();
    assert_eq!(row.attributed_revenue_cents, 129_901);

    let untagged = svc
        .record_lead(LeadInput {
            email: "bo@example.com".into(),
            url: Some("https://productled.com/?utm_content=not-an-id".into()),
            utm: None,
            kind: LeadKind::LeadSignup,
            revenue_usd: None,
            occurred_at: None,
            event_id: None,
        })
        .await
        .unwrap();
    assert_eq!(untagged.event.content_item_id, None, "kept, unattributed");
    let bad = svc
        .record_lead(LeadInput {
            email: "bo@example.com".into(),
            url: Some("not a url".into()),
            utm: None,
            kind: LeadKind::LeadSignup,
            revenue_usd: None,
            occurred_at: None,
            event_id: None,
        })
        .await;
    assert!(matches!(bad, Err(growth_core::Error::InvalidInput { .. })), "{bad:?}");
}

#[tokio::test]
async fn the_summary_estimates_time_saved_and_an_import_counts_like_a_sync() {
    let f = Fixture::new();
    let a = f.published("The PLG Paradox", "urn:li:share:1").await;
    f.published("Free is not a strategy", "urn:li:share:2").await;
    let svc = f.service();
    let csv = format!("content_id,platform,impressions,likes,comments\n{},linkedin,1200,40,3\n{},linkedin,5,1,0\n", a.id, ContentId::new());
    let report = svc.import_csv(&csv, None).await.unwrap();
    assert_eq!((report.imported, report.unmatched.len()), (1, 1));

    let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let s = svc.summary(day, day).await.unwrap();
    assert_eq!(s.period, "2026-12-01 to 2026-12-01");
    assert_eq!((s.metrics.posts_published, s.metrics.total_reach, s.metrics.total_engagements), (2, 1200, 43));
    assert_eq!(s.top_performer.as_ref().map(|t| (t.content_id, t.likes)), Some((a.id, 40)));
    // Two pieces × 10 minutes, no edits: 20 minutes = 0.3 h (rounded to a tenth).
    assert!(s.time_saved_basis.estimate);
    assert_eq!((s.time_saved_basis.approved_pieces, s.time_saved_basis.manual_minutes), (2, 20));
    assert_eq!(s.time_saved_hours, 0.3);
    assert_eq!(s.reach_by_day.len(), 1);
    assert!(matches!(svc.summary(day, day - Duration::days(1)).await, Err(growth_core::Error::InvalidInput { .. })));
}

#[tokio::test]
async fn the_publish_runner_sends_tagged_links_and_a_lead_from_one_is_attributed() {
    use growth_core::memory::RecordingPublisher;
    use growth_core::publish::{PublishRunner, Publisher};
    use growth_core::review::{ApproveRequest, ReviewService};

    let f = Fixture::new();
    let text = "Grab the guide: https://productled.com/guide?utm_source=old&x=1";
    let item = f.store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, Some("T".into()), text)).await.unwrap();
    let review = ReviewService::new(f.store.clone(), f.clock.clone(), "UTC", [Platform::LINKEDIN].into()).unwrap();
    review.approve(item.id, ApproveRequest { at: Some(t0() + Duration::minutes(1)), ..ApproveRequest::default() }).await.unwrap();
    f.clock.advance(Duration::minutes(2));
    let p = Arc::new(RecordingPublisher::new(Platform::LINKEDIN));
    let runner = PublishRunner::new(f.store.clone(), f.clock.clone(), "w1", vec![p.clone() as Arc<dyn Publisher>]);
    assert_eq!(runner.run_due(10).await.unwrap().published, 1);
    let sent = p.published()[0].0.content.clone();
    let url = sent.split_whitespace().find(|w| w.starts_with("https://")).unwrap().to_owned();
    assert!(url.contains("x=1") && !url.contains("utm_source=old"), "{url}");
    assert!(url.contains(&format!("utm_content={}", item.id)), "{url}");

    let svc = f.service();
    let lead = LeadInput {
        email: "ana@example.com".into(),
        url: Some(url),
        utm: None,
        kind: LeadKind::LeadSignup,
        revenue_usd: None,
        occurred_at: None,
        event_id: None,
    };
    assert_eq!(svc.record_lead(lead).await.unwrap().event.content_item_id, Some(item.id));
    assert_eq!(svc.content(item.id, None).await.unwrap().lead_signups, 1);
}

#[tokio::test]
async fn every_platform_gets_the_slug_of_the_source_as_utm_campaign() {
    use growth_core::memory::RecordingPublisher;
    use growth_core::publish::{PublishRunner, Publisher};
    use growth_core::review::{ApproveRequest, ReviewService};
    use growth_core::store::SourceStore;

    let f = Fixture::new();
    let source = f
        .store
        .create_source(NewSource {
            title: Some("Founders Talk #55: Pricing".into()), transcript: Some("…".into()), ..NewSource::default()
        })
        .await
        .unwrap()
        .value;
    let platforms = [Platform::LINKEDIN, Platform::CUSTOMER_IO, Platform::WEBFLOW];
    let review = ReviewService::new(f.store.clone(), f.clock.clone(), "UTC", platforms.into()).unwrap();
    let mut items = Vec::new();
    for p in platforms {
        let mut n =
            NewContentItem::draft(ContentType::LinkedinPost, Some(format!("On {p}")), "Read https://productled.com/guide?utm_campaign=old");
        n.source_id = Some(source.id);
        let item = f.store.insert_content(n).await.unwrap();
        review
            .approve(item.id, ApproveRequest { at: Some(t0() + Duration::minutes(1)), platform: Some(p), ..ApproveRequest::default() })
            .await
            .unwrap();
        items.push((p, item.id));
    }
    f.clock.advance(Duration::minutes(2));
    let publishers: Vec<Arc<RecordingPublisher>> = platforms.iter().map(|p| Arc::new(RecordingPublisher::new(*p))).collect();
    let runner =
        PublishRunner::new(f.store.clone(), f.clock.clone(), "w1", publishers.iter().map(|p| p.clone() as Arc<dyn Publisher>).collect());
    assert_eq!(runner.run_due(10).await.unwrap().published, 3);
    for ((platform, id), p) in items.iter().zip(&publishers) {
        let sent = p.published()[0].0.content.clone();
        let url = sent.split_whitespace().find(|w| w.starts_with("https://")).unwrap();
        let utm = growth_core::measure::utm::UtmParams::from_url(url).unwrap();
        assert_eq!(utm.campaign.as_deref(), Some("founders-talk-55-pricing"), "{platform}: {url}");
        assert_eq!(utm.content_id(), Some(*id), "{platform}");
        assert_eq!(utm.source.as_deref(), Some(platform.as_str()), "{platform}");
    }
}

#[tokio::test]
async fn a_lead_on_the_post_itself_or_on_a_linked_page_without_utm_content_is_attributed_by_url() {
    use growth_core::store::SourceStore;

    let f = Fixture::new();
    let source = |title: &str| NewSource { title: Some(title.into()), transcript: Some("…".into()), ..NewSource::default() };
    let ep47 = f.store.create_source(source("Episode 47")).await.unwrap().value;
    let ep48 = f.store.create_source(source("Episode 48")).await.unwrap().value;
    let mut ids = Vec::new();
    for (i, src) in [&ep47, &ep48].into_iter().enumerate() {
        let mut n = NewContentItem::draft(ContentType::LinkedinPost, Some(format!("Post {i}")), "The guide: https://productled.com/guide");
        n.source_id = Some(src.id);
        ids.push(f.published_item(n, &format!("urn:li:share:{i}")).await.id);
        f.clock.advance(Duration::minutes(1));
    }
    let svc = f.service();
    let lead = |url: String| LeadInput {
        email: "ana@example.com".into(),
        url: Some(url),
        utm: None,
        kind: LeadKind::LeadSignup,
        revenue_usd: None,
        occurred_at: None,
        event_id: None,
    };
    // The post's own URL (someone signed up from the LinkedIn post itself).
    let first = f.store.get_content(ids[0]).await.unwrap();
    let own = first.published_url.clone().unwrap();
    assert_eq!(svc.record_lead(lead(own)).await.unwrap().event.content_item_id, Some(ids[0]));
    // The page both items link to, tagged without utm_content: the campaign decides.
    let page = "https://www.productled.com/guide/?utm_source=linkedin&utm_medium=social&utm_campaign=episode-47";
    assert_eq!(svc.record_lead(lead(page.into())).await.unwrap().event.content_item_id, Some(ids[0]));
    let page = "https://productled.com/guide?utm_source=linkedin&utm_campaign=episode-48";
    assert_eq!(svc.record_lead(lead(page.into())).await.unwrap().event.content_item_id, Some(ids[1]));
    // No campaign: the item published last before the visit.
    assert_eq!(svc.record_lead(lead("https://productled.com/guide".into())).await.unwrap().event.content_item_id, Some(ids[1]));
    // Another platform's tag, or a page no item links to: not attributed.
    let other = "https://productled.com/guide?utm_source=webflow&utm_campaign=episode-47";
    assert_eq!(svc.record_lead(lead(other.into())).await.unwrap().event.content_item_id, None);
    assert_eq!(svc.record_lead(lead("https://productled.com/pricing".into())).await.unwrap().event.content_item_id, None);
}

#[tokio::test]
async fn a_high_reject_rate_and_publish_failures_alert_once_a_day() {
    let f = Fixture::new();
    f.published("Kept", "urn:li:share:1").await;
    for i in 0..3 {
        let item = f.store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, Some(format!("R{i}")), "Body")).await.unwrap();
        if item.status != ContentStatus::InReview {
            f.store.transition_content(item.id, ContentTransition::to(ContentStatus::InReview)).await.unwrap();
        }
        f.store
            .transition_content(
                item.id,
                ContentTransition { rejection_reason: Some("off voice".into()), ..ContentTransition::to(ContentStatus::Rejected) },
            )
            .await
            .unwrap();
    }
    let alerts = Arc::new(Alerts::default());
    let config = MeasureConfig { alert_min_reviewed: 4, ..MeasureConfig::default() };
    let svc = MeasureService::new(f.store.clone(), f.clock.clone(), config).alert(alerts.clone());
    let sent = svc.check_alerts().await.unwrap();
    assert!(matches!(sent.as_slice(), [AnalyticsAlert::RejectRateHigh { reviewed: 4, .. }]), "{sent:?}");
    assert!(svc.check_alerts().await.unwrap().is_empty(), "once a day");
    f.clock.advance(Duration::days(2));
    assert!(svc.check_alerts().await.unwrap().is_empty(), "the rejections left the window");
    assert_eq!(alerts.0.lock().unwrap().len(), 1);
}
