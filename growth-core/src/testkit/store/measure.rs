//! [`MeasureStore`](crate::store::MeasureStore): snapshots, leads and their touches, the summary
//! counts. Run with [`run_measure`] (apart from `run_all`, so each backend's test names it).

use std::sync::Arc;

use chrono::{Duration as Span, NaiveDate};
use serde_json::json;

use super::{FullStore, approved_item, at, sched};
use crate::Error;
use crate::clock::{Clock, ManualClock};
use crate::domain::*;
use crate::measure::utm::UtmParams;
use crate::measure::{LeadKind, Metric, NewLeadEvent, NewSnapshot, PostMetrics};

/// Runs every measure check against fresh stores from `make`.
pub async fn run_measure<F, Fut>(make: F)
where
    F: Fn(Arc<ManualClock>) -> Fut,
    Fut: std::future::Future<Output = Arc<dyn FullStore>>,
{
    macro_rules! check {
        ($name:ident) => {{
            let clock = Arc::new(ManualClock::new(super::super::epoch()));
            let s = make(clock.clone()).await;
            super::super::named(stringify!($name), $name(s, clock)).await;
        }};
    }
    check!(a_snapshot_replaces_its_day_and_counts_what_the_day_earned);
    check!(a_lead_event_delivered_twice_counts_once_and_every_touch_is_kept);
    check!(a_lead_event_for_an_unknown_item_writes_nothing);
    check!(enrichment_is_stored_on_the_lead);
    check!(the_summary_counts_are_exact_on_a_fixture_counted_by_hand);
    check!(call_budgets_are_taken_atomically_and_all_or_nothing_by_concurrent_takers);
    check!(the_reach_per_day_stays_the_exact_sum_of_the_snapshots_under_concurrent_writes);
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
}

fn social(impressions: i64, likes: i64, comments: i64) -> PostMetrics {
    PostMetrics::default().with(Metric::Impressions, impressions).with(Metric::Reactions, likes).with(Metric::Comments, comments)
}

fn event(key: &str, email: &str, kind: LeadKind, item: Option<ContentId>, at: chrono::DateTime<chrono::Utc>) -> NewLeadEvent {
    NewLeadEvent {
        idempotency_key: key.into(),
        email: email.into(),
        kind,
        url: item.map(|i| format!("https://productled.com/demo?utm_source=linkedin&utm_content={i}")),
        utm: None,
        content_item_id: item,
        platform: item.map(|_| Platform::LINKEDIN),
        revenue_cents: if kind == LeadKind::Purchase { 129_900 } else { 0 },
        occurred_at: at,
    }
}

/// Snapshots are per (item, platform, day); the deltas come from the latest earlier day.
pub async fn a_snapshot_replaces_its_day_and_counts_what_the_day_earned(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let snap = |d, m| NewSnapshot { content_item_id: item.id, platform: Platform::LINKEDIN, day: day(d), metrics: m };
    let first = s.record_snapshot(snap(2, social(100, 5, 1))).await.unwrap();
    assert_eq!((first.reach, first.reach_delta, first.engagements, first.engagements_delta), (100, 100, 6, 6));
    s.record_snapshot(snap(2, social(150, 7, 1))).await.unwrap();
    let third = s.record_snapshot(snap(4, social(400, 10, 2))).await.unwrap();
    assert_eq!((third.reach_delta, third.engagements_delta), (250, 4), "from the 2nd's latest read");
    let history = s.list_snapshots(item.id).await.unwrap();
    assert_eq!(history.iter().map(|h| (h.day, h.reach)).collect::<Vec<_>>(), vec![(day(2), 150), (day(4), 400)]);
    assert_eq!(history[0].metrics.comments, Some(1));
    assert_eq!(history[0].metrics.clicks, None, "unreported stays unreported");
    let daily = s.daily_reach(day(1), day(5)).await.unwrap();
    assert_eq!(daily.iter().map(|d| (d.day, d.reach, d.engagements)).collect::<Vec<_>>(), vec![(day(2), 150, 8), (day(4), 250, 4)]);
    assert!(s.daily_reach(day(3), day(4)).await.unwrap().is_empty());
    let missing = s.record_snapshot(NewSnapshot { content_item_id: ContentId::new(), ..snap(2, social(1, 1, 1)) }).await;
    assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
}

/// One lead per email; every event kept; a redelivered event is answered, not written again.
pub async fn a_lead_event_delivered_twice_counts_once_and_every_touch_is_kept(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let a = approved_item(&s).await;
    let b = approved_item(&s).await;
    let first = s.record_lead_event(event("k1", "Ana@Example.com", LeadKind::WebsiteVisit, Some(a.id), at(&c, 0))).await.unwrap();
    assert!(first.created);
    let (lead, e1) = first.value;
    assert_eq!(lead.email, "ana@example.com");
    let again = s.record_lead_event(event("k1", "ana@example.com", LeadKind::WebsiteVisit, Some(a.id), at(&c, 5))).await.unwrap();
    assert!(!again.created, "the same delivery counts once");
    assert_eq!(again.value.1.id, e1.id);
    let second = s.record_lead_event(event("k2", "ANA@example.com", LeadKind::Purchase, Some(b.id), at(&c, 60))).await.unwrap();
    assert!(second.created);
    assert_eq!(second.value.0.id, lead.id, "one lead per email");
    assert_eq!(second.value.0.last_seen_at, at(&c, 60));
    assert_eq!(second.value.0.first_seen_at, at(&c, 0));
    let other = s.record_lead_event(event("k3", "bo@example.com", LeadKind::LeadSignup, None, at(&c, 30))).await.unwrap().value.0;
    let events = s.list_lead_events(&[lead.id]).await.unwrap();
    assert_eq!(
        events.iter().map(|e| (e.kind, e.content_item_id)).collect::<Vec<_>>(),
        vec![(LeadKind::WebsiteVisit, Some(a.id)), (LeadKind::Purchase, Some(b.id))]
    );
    assert_eq!(events[1].revenue_cents, 129_900);
    assert_eq!(events[0].url.as_deref().and_then(UtmParams::from_url).and_then(|p| p.content), Some(a.id.to_string()));
    let through_a = s.list_item_lead_events(a.id).await.unwrap();
    assert_eq!(through_a.len(), 2, "the item's touches and the same leads' other events");
    let leads = s.list_leads(at(&c, -1), at(&c, 120), 10, 0).await.unwrap();
    assert_eq!(leads.iter().map(|l| l.id).collect::<Vec<_>>(), vec![lead.id, other.id], "latest seen first");
    assert_eq!(s.list_leads(at(&c, -1), at(&c, 120), 1, 1).await.unwrap()[0].id, other.id);
    let bad = s.record_lead_event(event("k4", "not an email", LeadKind::LeadSignup, None, at(&c, 0))).await;
    assert!(matches!(bad, Err(Error::InvalidInput { .. })), "{bad:?}");
}

/// An event for an item that does not exist writes neither lead nor event.
pub async fn a_lead_event_for_an_unknown_item_writes_nothing(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let r = s.record_lead_event(event("k", "ghost@example.com", LeadKind::LeadSignup, Some(ContentId::new()), at(&c, 0))).await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    assert!(s.list_leads(at(&c, -60), at(&c, 60), 10, 0).await.unwrap().is_empty());
    let retry = s.record_lead_event(event("k", "ghost@example.com", LeadKind::LeadSignup, None, at(&c, 0))).await.unwrap();
    assert!(retry.created, "the key was not spent by the refused write");
}

/// Enrichment and segment land on the lead.
pub async fn enrichment_is_stored_on_the_lead(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let lead = s.record_lead_event(event("k", "ana@example.com", LeadKind::LeadSignup, None, at(&c, 0))).await.unwrap().value.0;
    assert_eq!(lead.enrichment, None);
    c.advance(Span::minutes(3));
    let enriched = s.set_lead_enrichment(lead.id, json!({"company": "ProductLed", "employees": 40}), Some("founder".into())).await.unwrap();
    assert_eq!(enriched.enrichment, Some(json!({"company": "ProductLed", "employees": 40})));
    assert_eq!(enriched.segment.as_deref(), Some("founder"));
    assert_eq!(enriched.enriched_at, Some(c.now()));
    assert_eq!(s.get_lead(lead.id).await.unwrap(), enriched);
    let kept = s.set_lead_enrichment(lead.id, json!({}), None).await.unwrap();
    assert_eq!(kept.segment.as_deref(), Some("founder"), "no segment in the answer keeps the known one");
    assert!(matches!(s.get_lead(crate::measure::LeadId::new()).await, Err(Error::NotFound { .. })));
}

/// Posts, reach, engagements, leads, the top performer and review activity over a window, on a
/// fixture small enough to count by hand (see the comments).
pub async fn the_summary_counts_are_exact_on_a_fixture_counted_by_hand(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    // Two posts published on 2026-03-02 (the epoch day), one on 03-09 (outside a window of 02–08).
    let mut items = Vec::new();
    for (i, title) in ["The PLG Paradox", "Free is not a strategy", "Later post"].iter().enumerate() {
        let mut n = NewContentItem::draft(ContentType::LinkedinPost, Some((*title).into()), "Most teams think PLG means a free plan.");
        n.title = Some((*title).into());
        let item = s.insert_content(n).await.unwrap();
        if item.status != ContentStatus::InReview {
            s.transition_content(item.id, ContentTransition::to(ContentStatus::InReview)).await.unwrap();
        }
        if i == 0 {
            // Two edits 90 s apart: 90 s of review activity.
            for _ in 0..2 {
                let cur = s.get_content(item.id).await.unwrap();
                let span = EditSpan {
                    edit_type: EditType::Change,
                    original_text: "Most".into(),
                    edited_text: "Many".into(),
                    section: EditSection::Body,
                    pattern_tag: None,
                };
                s.update_content(
                    item.id,
                    ContentUpdate {
                        expected_version: cur.version,
                        title: None,
                        content: Some(format!("{} again", cur.content)),
                        edited_by: None,
                        edits: vec![span],
                    },
                )
                .await
                .unwrap();
                c.advance(Span::seconds(90));
            }
        }
        s.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
        items.push(item.id);
    }
    let publish = |id: ContentId, post: &'static str| {
        let (s, c) = (s.clone(), c.clone());
        async move {
            let sch = s.create_schedule(sched(id, Platform::LINKEDIN, c.now())).await.unwrap();
            s.transition_content(id, ContentTransition::to(ContentStatus::Scheduled)).await.unwrap();
            let claimed = s.claim_due_schedules("w", std::time::Duration::from_secs(60), 10).await.unwrap();
            assert_eq!(claimed.len(), 1);
            let url = Some(format!("https://www.linkedin.com/feed/update/{post}/"));
            let log = NewPublishingLog {
                content_item_id: id,
                schedule_id: Some(sch.id),
                platform: Platform::LINKEDIN,
                status: PublishStatus::Success,
                request_payload: json!({}),
                response_data: json!({}),
                error_message: None,
                published_url: url.clone(),
            };
            s.record_publication(sch.id, "w", Some(post.into()), url, c.now(), log).await.unwrap();
        }
    };
    publish(items[0], "urn:li:share:1").await;
    publish(items[1], "urn:li:share:2").await;
    // Analytics rows: likes 40 and 55, so item 1 is the top performer.
    for (id, likes) in [(items[0], 40), (items[1], 55)] {
        let u = AnalyticsUpdate { engagement: EngagementMetrics { likes, ..Default::default() }, ..Default::default() };
        s.upsert_analytics(id, Platform::LINKEDIN, u).await.unwrap();
    }
    // Snapshots: item 0 reach 100 on the 2nd, 300 on the 3rd (earned: 100 + 200); item 1 reach 50
    // on the 3rd; item 0 reach 1000 on the 9th (outside). Reach in 02..08 = 100 + 200 + 50 = 350.
    // Engagements: item 0 likes+comments 10 then 30 (10 + 20), item 1 5: 35.
    for (id, d, m) in [
        (items[0], 2, social(100, 8, 2)),
        (items[0], 3, social(300, 25, 5)),
        (items[1], 3, social(50, 5, 0)),
        (items[0], 9, social(1000, 90, 10)),
    ] {
        s.record_snapshot(NewSnapshot { content_item_id: id, platform: Platform::LINKEDIN, day: day(d), metrics: m }).await.unwrap();
    }
    // Leads: two first seen inside, one before (at -2 days), which is seen again inside.
    let start = day(2).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = day(9).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    s.record_lead_event(event("a", "a@example.com", LeadKind::LeadSignup, Some(items[0]), start + Span::hours(15))).await.unwrap();
    s.record_lead_event(event("b", "b@example.com", LeadKind::DemoRequest, Some(items[1]), start + Span::days(2))).await.unwrap();
    s.record_lead_event(event("c1", "c@example.com", LeadKind::WebsiteVisit, None, start - Span::days(2))).await.unwrap();
    s.record_lead_event(event("c2", "c@example.com", LeadKind::LeadSignup, None, start + Span::days(1))).await.unwrap();
    // Publish the third item after the window.
    c.set(end + Span::hours(1));
    publish(items[2], "urn:li:share:3").await;

    let got = s.summary_counts(start, end).await.unwrap();
    assert_eq!(got.posts_published, 2);
    assert_eq!(got.total_reach, 350);
    assert_eq!(got.total_engagements, 35);
    assert_eq!(got.new_leads, 2, "c was first seen before the window");
    let top = got.top_performer.clone().unwrap();
    assert_eq!((top.content_id, top.title.as_deref(), top.likes), (items[1], Some("Free is not a strategy"), 55));
    assert_eq!(top.url.as_deref(), Some("https://www.linkedin.com/feed/update/urn:li:share:2/"));
    // Items 0 and 1 last changed inside the window (published); item 2 after it.
    assert_eq!(got.approved_by_type, vec![(ContentType::LinkedinPost, 2)]);
    assert_eq!(got.review_seconds, 90);
    let published = s.list_published(start, end, 10, 0).await.unwrap();
    assert_eq!(published.iter().map(|p| p.content_item_id).collect::<Vec<_>>(), vec![items[0], items[1]]);
    assert_eq!(published[0].platform_post_id.as_deref(), Some("urn:li:share:1"));
    let empty = s.summary_counts(end + Span::days(30), end + Span::days(31)).await.unwrap();
    assert_eq!(empty, Default::default());
}

/// Many takers at once: exactly as many calls are granted as the budget holds, every counter of
/// a take moves together (a refused take gives back what it had taken), and a new UTC day
/// starts afresh.
pub async fn call_budgets_are_taken_atomically_and_all_or_nothing_by_concurrent_takers(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    use std::collections::HashMap;

    use crate::measure::{BudgetDecision, BudgetKey, CallBudget, CallBudgetStore, DailyLimit, StoreCallBudget};

    let store: Arc<dyn CallBudgetStore> = s.clone();
    let limits = HashMap::from([(Platform::LINKEDIN, DailyLimit { per_platform: Some(100), per_account: Some(25) })]);
    let budget = Arc::new(StoreCallBudget::new(store, c.clone(), limits));
    let member = BudgetKey::account(Platform::LINKEDIN, "urn:li:person:1");
    let platform = BudgetKey::platform(Platform::LINKEDIN);
    let take_all = |takes: Vec<(BudgetKey, u32)>| {
        let budget = budget.clone();
        async move {
            let tasks: Vec<_> = takes
                .into_iter()
                .map(|(k, n)| {
                    let b = budget.clone();
                    tokio::spawn(async move { b.take(&k, n).await })
                })
                .collect();
            let mut granted = 0;
            for t in tasks {
                if t.await.unwrap().unwrap() == BudgetDecision::Granted {
                    granted += 1;
                }
            }
            granted
        }
    };
    // 40 takers of one call on an account allowed 25.
    assert_eq!(take_all(vec![(member.clone(), 1); 40]).await, 25);
    assert_eq!((budget.used(&member).await.unwrap(), budget.used(&platform).await.unwrap()), (25, 25));
    // The account is spent: the platform counter is not charged for the refused take.
    assert!(matches!(budget.take(&member, 1).await.unwrap(), BudgetDecision::Exhausted { .. }));
    assert_eq!(budget.used(&platform).await.unwrap(), 25);
    // 20 accounts take 5 calls each at once: the platform's 75 left hold 15 of them.
    let others: Vec<(BudgetKey, u32)> =
        (0..20).map(|i| (BudgetKey::account(Platform::LINKEDIN, format!("urn:li:person:{}", 100 + i)), 5)).collect();
    assert_eq!(take_all(others).await, 15);
    assert_eq!(budget.used(&platform).await.unwrap(), 100);
    // A platform without limits is not counted; tomorrow starts afresh.
    assert_eq!(budget.take(&BudgetKey::platform(Platform::WEBFLOW), 1_000).await.unwrap(), BudgetDecision::Granted);
    c.advance(Span::days(1));
    assert_eq!(budget.take(&member, 25).await.unwrap(), BudgetDecision::Granted);
    assert_eq!(budget.used(&platform).await.unwrap(), 25);
}

/// Writers of the same days at once (new snapshots and rewrites of the same rows): the reach and
/// engagements per day (and the summary's, which a backend may keep in a per-day rollup) stay the
/// exact sums of the snapshots' deltas.
pub async fn the_reach_per_day_stays_the_exact_sum_of_the_snapshots_under_concurrent_writes(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let mut items = Vec::new();
    for _ in 0..6 {
        items.push(approved_item(&s).await.id);
    }
    let tasks: Vec<_> = (0..48u32)
        .map(|k| {
            let (s, item) = (s.clone(), items[k as usize % items.len()]);
            tokio::spawn(async move {
                let d = 2 + (k / 6) % 3;
                let m = social(i64::from(100 * (k + 1)), i64::from(k % 7), 1);
                s.record_snapshot(NewSnapshot { content_item_id: item, platform: Platform::LINKEDIN, day: day(d), metrics: m }).await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let mut expected: std::collections::BTreeMap<NaiveDate, (i64, i64)> = std::collections::BTreeMap::new();
    for item in &items {
        for snap in s.list_snapshots(*item).await.unwrap() {
            let e = expected.entry(snap.day).or_default();
            e.0 += snap.reach_delta;
            e.1 += snap.engagements_delta;
        }
    }
    let daily = s.daily_reach(day(1), day(10)).await.unwrap();
    let got: Vec<(NaiveDate, i64, i64)> = daily.iter().map(|d| (d.day, d.reach, d.engagements)).collect();
    let want: Vec<(NaiveDate, i64, i64)> = expected.iter().map(|(d, (r, e))| (*d, *r, *e)).collect();
    assert_eq!(got, want);
    let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let counts = s.summary_counts(midnight(day(1)), midnight(day(10))).await.unwrap();
    assert_eq!((counts.total_reach, counts.total_engagements), want.iter().fold((0, 0), |a, w| (a.0 + w.1, a.1 + w.2)));
}
