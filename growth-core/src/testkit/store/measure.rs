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
    check!(new_leads_per_day_stay_exact_when_a_lead_is_first_seen_earlier_and_on_duplicates);
    check!(new_leads_per_day_stay_exact_under_concurrent_lead_writes);
    check!(concurrent_additions_to_a_snapshot_all_count);
    check!(analytics_lead_counters_keep_the_recomputation_that_saw_the_most_events);
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

fn midnight(d: u32) -> chrono::DateTime<chrono::Utc> {
    day(d).and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The new leads of each day 1–9 of March as the summary counts them.
async fn new_leads_by_day(s: &Arc<dyn FullStore>) -> Vec<u64> {
    let mut out = Vec::new();
    for d in 1..10 {
        out.push(s.summary_counts(midnight(d), midnight(d + 1)).await.unwrap().new_leads);
    }
    out
}

/// The new leads of each day 1–9 of March counted from the leads themselves.
async fn first_seen_by_day(s: &Arc<dyn FullStore>) -> Vec<u64> {
    let leads = s.list_leads(midnight(1) - Span::days(30), midnight(10) + Span::days(30), 1000, 0).await.unwrap();
    (1..10).map(|d| leads.iter().filter(|l| l.first_seen_at >= midnight(d) && l.first_seen_at < midnight(d + 1)).count() as u64).collect()
}

/// The summary's new leads (which a backend may keep in a per-day rollup) follow each lead's
/// first day: a redelivered event changes nothing, an earlier touch arriving late moves the lead
/// to its earlier day (and only once when it is the same day), a refused write counts nothing,
/// and windows that cut days count the partial days exactly.
pub async fn new_leads_per_day_stay_exact_when_a_lead_is_first_seen_earlier_and_on_duplicates(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let h = |d: u32, hour: i64| midnight(d) + Span::hours(hour) + Span::minutes(30);
    s.record_lead_event(event("a1", "a@example.com", LeadKind::WebsiteVisit, Some(item.id), h(5, 12))).await.unwrap();
    assert_eq!(new_leads_by_day(&s).await, vec![0, 0, 0, 0, 1, 0, 0, 0, 0]);
    // The same delivery again: counted once.
    assert!(!s.record_lead_event(event("a1", "a@example.com", LeadKind::WebsiteVisit, Some(item.id), h(5, 12))).await.unwrap().created);
    assert_eq!(new_leads_by_day(&s).await, vec![0, 0, 0, 0, 1, 0, 0, 0, 0]);
    // An earlier touch of the same lead, delivered late: the lead was new on the 3rd, not the 5th.
    let moved = s.record_lead_event(event("a2", "A@example.com", LeadKind::LeadSignup, None, h(3, 10))).await.unwrap().value.0;
    assert_eq!((moved.first_seen_at, moved.last_seen_at), (h(3, 10), h(5, 12)));
    assert_eq!(new_leads_by_day(&s).await, vec![0, 0, 1, 0, 0, 0, 0, 0, 0]);
    // Earlier again, the same day: still one on the 3rd. Later: nothing moves.
    s.record_lead_event(event("a3", "a@example.com", LeadKind::WebsiteVisit, None, h(3, 8))).await.unwrap();
    s.record_lead_event(event("a4", "a@example.com", LeadKind::Purchase, None, h(8, 1))).await.unwrap();
    assert_eq!(new_leads_by_day(&s).await, vec![0, 0, 1, 0, 0, 0, 0, 0, 0]);
    // The moved-earlier delivery redelivered: nothing moves back or twice.
    s.record_lead_event(event("a2", "a@example.com", LeadKind::LeadSignup, None, h(3, 10))).await.unwrap();
    // Two more leads; a refused write (unknown item) counts no lead.
    s.record_lead_event(event("b1", "b@example.com", LeadKind::LeadSignup, None, h(3, 23))).await.unwrap();
    s.record_lead_event(event("c1", "c@example.com", LeadKind::LeadSignup, None, midnight(4))).await.unwrap();
    let refused = s.record_lead_event(event("d1", "d@example.com", LeadKind::LeadSignup, Some(ContentId::new()), h(4, 2))).await;
    assert!(matches!(refused, Err(Error::NotFound { .. })), "{refused:?}");
    // A refused earlier touch of a known lead moves nothing either.
    let refused = s.record_lead_event(event("c0", "c@example.com", LeadKind::LeadSignup, Some(ContentId::new()), h(1, 2))).await;
    assert!(matches!(refused, Err(Error::NotFound { .. })), "{refused:?}");
    assert_eq!(new_leads_by_day(&s).await, vec![0, 0, 2, 1, 0, 0, 0, 0, 0]);
    assert_eq!(new_leads_by_day(&s).await, first_seen_by_day(&s).await);
    let count = |from, until| {
        let s = s.clone();
        async move { s.summary_counts(from, until).await.unwrap().new_leads }
    };
    assert_eq!(count(midnight(1), midnight(10)).await, 3);
    // Windows that cut days: a at 3rd 08:30, b at 3rd 23:30, c at 4th 00:00.
    assert_eq!(count(h(3, 8), midnight(4)).await, 2, "a's first touch is at 08:30, inside");
    assert_eq!(count(h(3, 9), h(4, 6)).await, 2, "b and c");
    assert_eq!(count(h(3, 9), midnight(4)).await, 1, "b only: c is at the window's end");
    assert_eq!(count(h(2, 0), h(3, 9)).await, 1, "a, from a partial 2nd through a partial 3rd");
    assert_eq!(count(h(3, 22), h(3, 23) + Span::minutes(1)).await, 1, "within one day");
    assert_eq!(count(h(4, 0), h(9, 0)).await, 0);
}

/// Many writers at once over a few leads, with earlier touches arriving after later ones and the
/// same deliveries repeated: every day's new leads stay the exact count of the leads whose first
/// touch falls on it, and each lead is counted once.
pub async fn new_leads_per_day_stay_exact_under_concurrent_lead_writes(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let tasks: Vec<_> = (0..60u32)
        .map(|k| {
            let s = s.clone();
            tokio::spawn(async move {
                // 6 leads, each touched on several of the 2nd–8th in no order, so first_seen_at
                // often moves earlier; every third delivery repeats the one before it.
                let key_of = if k % 3 == 2 { k - 1 } else { k };
                let lead = (key_of / 3) % 6;
                let d = 8 - (key_of * 5) % 7;
                let at = midnight(d) + Span::minutes(i64::from(7 * lead + key_of));
                let e = event(&format!("k{key_of}"), &format!("lead{lead}@example.com"), LeadKind::WebsiteVisit, None, at);
                s.record_lead_event(e).await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let want = first_seen_by_day(&s).await;
    assert_eq!(want.iter().sum::<u64>(), 6, "six leads");
    assert_eq!(new_leads_by_day(&s).await, want);
    assert_eq!(s.summary_counts(midnight(1), midnight(10)).await.unwrap().new_leads, 6);
}

/// Many adders to one item's counters at once (as concurrent newsletter webhook deliveries are):
/// none is lost — the latest snapshot holds every addition, and the analytics row's engagement
/// is that snapshot's.
pub async fn concurrent_additions_to_a_snapshot_all_count(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let other = approved_item(&s).await;
    let (p, d) = (Platform::CUSTOMER_IO, day(3));
    let opens = |n: i64| PostMetrics { sent: Some(n), human_opens: Some(n), ..PostMetrics::default() };
    s.add_to_snapshot(item.id, p, day(2), opens(5)).await.unwrap();
    let tasks: Vec<_> = (0..40u32)
        .map(|k| {
            let s = s.clone();
            let id = if k % 4 == 3 { other.id } else { item.id };
            tokio::spawn(async move { s.add_to_snapshot(id, p, d, opens(1)).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let latest = |id: ContentId| {
        let s = s.clone();
        async move { s.list_snapshots(id).await.unwrap().into_iter().rfind(|x| x.platform == p).unwrap() }
    };
    let snap = latest(item.id).await;
    assert_eq!((snap.day, snap.metrics.sent, snap.metrics.human_opens), (d, Some(35), Some(35)), "5 earlier + 30 added at once");
    assert_eq!(snap.reach_delta, 30, "the day earned what was added on it");
    assert_eq!(latest(other.id).await.metrics.human_opens, Some(10));
    let row = s.get_analytics(item.id, p).await.unwrap();
    assert_eq!(row.engagement, snap.metrics.to_engagement());
    assert_eq!(row.engagement.impressions, 35);
    let daily = s.daily_reach(day(3), day(4)).await.unwrap();
    assert_eq!(daily.iter().map(|x| x.reach).sum::<i64>(), 40, "the day's rollup holds every addition");
    let missing = s.add_to_snapshot(ContentId::new(), p, d, opens(1)).await;
    assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
}

/// Lead counters and engagement are set apart (neither write erases the other), and of
/// recomputations landing in any order the one computed from the most events stays.
pub async fn analytics_lead_counters_keep_the_recomputation_that_saw_the_most_events(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let p = Platform::LINKEDIN;
    let leads = |n: i64| LeadCounters { website_visits: n, lead_signups: n, demo_requests: 0, attributed_revenue_cents: 100 * n };
    let row = s.set_analytics_leads(item.id, p, leads(2), 2).await.unwrap();
    assert_eq!((row.lead_signups, row.engagement), (2, EngagementMetrics::default()), "created with zero engagement");
    let row = s.set_analytics_engagement(item.id, p, EngagementMetrics { likes: 9, impressions: 300, ..Default::default() }).await.unwrap();
    assert_eq!((row.lead_signups, row.attributed_revenue_cents, row.engagement.likes), (2, 200, 9), "engagement alone");
    let row = s.set_analytics_leads(item.id, p, leads(1), 1).await.unwrap();
    assert_eq!(row.lead_signups, 2, "computed from fewer events: older, ignored");
    let row = s.set_analytics_leads(item.id, p, leads(3), 3).await.unwrap();
    assert_eq!((row.lead_signups, row.engagement.likes), (3, 9), "newer: written, engagement kept");
    // 40 recomputations from 4..=43 events land at once, in no order.
    let tasks: Vec<_> = (0..40u64)
        .map(|k| {
            let s = s.clone();
            let basis = 4 + (k * 17) % 40;
            tokio::spawn(async move { s.set_analytics_leads(item.id, p, leads(basis as i64), basis).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let row = s.get_analytics(item.id, p).await.unwrap();
    assert_eq!((row.lead_signups, row.website_visits, row.attributed_revenue_cents), (43, 43, 4300));
    assert_eq!(row.engagement.impressions, 300);
    let missing = s.set_analytics_leads(ContentId::new(), p, leads(1), 1).await;
    assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
    let missing = s.set_analytics_engagement(ContentId::new(), p, EngagementMetrics::default()).await;
    assert!(matches!(missing, Err(Error::NotFound { .. })), "{missing:?}");
}

/// Runs the measure service's concurrency checks against fresh stores from `make`, which gives
/// one store twice: as the whole store (to set up) and as the service's.
pub async fn run_measure_service<F, Fut>(make: F)
where
    F: Fn(Arc<ManualClock>) -> Fut,
    Fut: std::future::Future<Output = (Arc<dyn FullStore>, Arc<dyn crate::measure::MeasureServiceStore>)>,
{
    let clock = Arc::new(ManualClock::new(super::super::epoch()));
    let (s, svc_store) = make(clock.clone()).await;
    super::super::named(
        "concurrent_newsletter_events_and_leads_keep_the_analytics_row_exact",
        concurrent_newsletter_events_and_leads_keep_the_analytics_row_exact(s, svc_store, clock),
    )
    .await;
}

/// Concurrent webhook deliveries of newsletter events (some redelivered) and concurrent leads
/// through tagged links, on the service: every event counts once in the issue's numbers and every
/// lead in the post's row — no read-add-write loses one — and neither kind of writer erases the
/// other's counters.
pub async fn concurrent_newsletter_events_and_leads_keep_the_analytics_row_exact(
    s: Arc<dyn FullStore>,
    svc_store: Arc<dyn crate::measure::MeasureServiceStore>,
    c: Arc<ManualClock>,
) {
    use crate::measure::email::{EmailEvent, EmailEventKind, IssueKey};
    use crate::measure::{LeadInput, MeasureConfig, MeasureService};

    // A newsletter issue sent through trigger 4242, and a LinkedIn post.
    let issue =
        s.insert_content(NewContentItem::draft(ContentType::Newsletter, Some("Issue 7".into()), "This week: PLG pricing.")).await.unwrap();
    s.transition_content(issue.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    let sch = s.create_schedule(sched(issue.id, Platform::CUSTOMER_IO, c.now())).await.unwrap();
    s.transition_content(issue.id, ContentTransition::to(ContentStatus::Scheduled)).await.unwrap();
    assert_eq!(s.claim_due_schedules("w", std::time::Duration::from_secs(60), 10).await.unwrap().len(), 1);
    let log = NewPublishingLog {
        content_item_id: issue.id,
        schedule_id: Some(sch.id),
        platform: Platform::CUSTOMER_IO,
        status: PublishStatus::Success,
        request_payload: json!({}),
        response_data: json!({}),
        error_message: None,
        published_url: None,
    };
    s.record_publication(sch.id, "w", Some("4242".into()), None, c.now(), log).await.unwrap();
    let post = approved_item(&s).await;
    let svc = Arc::new(MeasureService::new(svc_store, c.clone(), MeasureConfig::default()));

    let opened = |k: u32| EmailEvent {
        event_id: format!("ev-{k}"),
        kind: EmailEventKind::Opened { prefetched: false, proxied: false, synthetic: false },
        issue: IssueKey::Trigger { broadcast_id: Some(7), trigger_id: 4242 },
        delivery_id: Some(format!("delivery-{k}")),
        occurred_at: c.now(),
    };
    // 30 deliveries of one event each, and 10 more that repeat one of those (Customer.io retries).
    let mut tasks = Vec::new();
    for k in 0..40u32 {
        let (svc, e) = (svc.clone(), opened(k % 30));
        tasks.push(tokio::spawn(async move { svc.record_email_events(&[e]).await.map(|_| ()) }));
    }
    // Meanwhile 30 people sign up through the post's tagged link, and the post's metrics are synced.
    let link = format!("https://productled.com/demo?utm_source=linkedin&utm_medium=social&utm_content={}", post.id);
    for k in 0..30u32 {
        let (svc, url) = (svc.clone(), link.clone());
        tasks.push(tokio::spawn(async move {
            let input = LeadInput {
                email: format!("person{k}@example.com"),
                url: Some(url),
                utm: None,
                kind: LeadKind::LeadSignup,
                revenue_usd: None,
                occurred_at: None,
                event_id: Some(format!("signup-{k}")),
            };
            svc.record_lead(input).await.map(|_| ())
        }));
    }
    for k in 0..4i64 {
        let svc = svc.clone();
        let day = c.now().date_naive();
        tasks.push(tokio::spawn(
            async move { svc.write_metrics(post.id, Platform::LINKEDIN, &social(1000 + k, 50, 5), day).await.map(|_| ()) },
        ));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let snap = s.list_snapshots(issue.id).await.unwrap().into_iter().rfind(|x| x.platform == Platform::CUSTOMER_IO).unwrap();
    assert_eq!(snap.metrics.human_opens, Some(30), "every event once, none lost");
    let issue_row = s.get_analytics(issue.id, Platform::CUSTOMER_IO).await.unwrap();
    assert_eq!(issue_row.engagement.impressions, 30);
    let row = s.get_analytics(post.id, Platform::LINKEDIN).await.unwrap();
    assert_eq!(row.lead_signups, 30, "every lead counted, none lost to a stale recomputation");
    assert_eq!((row.engagement.likes, row.engagement.comments), (50, 5), "the syncs' engagement, not erased by the lead writers");
    assert_eq!(svc.content(post.id, None).await.unwrap().lead_signups, 30);
}
