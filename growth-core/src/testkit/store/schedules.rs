//! Schedules, their claims by publishing workers, and the publishing log.

use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Span;
use serde_json::json;

use super::FullStore;
use super::{approved_item, at, sched};
use crate::Error;
use crate::clock::{Clock, ManualClock};
use crate::domain::*;
use crate::store::ScheduleFilter;

pub async fn an_item_has_one_active_schedule_per_platform(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let a = s.create_schedule(sched(item.id, Platform::LINKEDIN, at(&c, 10))).await.unwrap();
    assert_eq!((a.status, a.timezone.as_str()), (ScheduleStatus::Pending, "America/New_York"));
    assert!(matches!(s.create_schedule(sched(item.id, Platform::LINKEDIN, at(&c, 20))).await, Err(Error::Conflict { .. })));
    s.create_schedule(sched(item.id, Platform::NOTION, at(&c, 20))).await.unwrap();
    let mut bad_tz = sched(item.id, Platform::WEBFLOW, at(&c, 20));
    bad_tz.timezone = "Mars/Olympus".into();
    assert!(matches!(s.create_schedule(bad_tz).await, Err(Error::InvalidInput { .. })));
    s.cancel_schedule(a.id).await.unwrap();
    s.create_schedule(sched(item.id, Platform::LINKEDIN, at(&c, 30))).await.expect("a cancelled schedule no longer blocks a new one");
}

/// `record_publication`: schedule, item and log together; only the claim holder may record.
pub async fn a_publication_is_recorded_on_schedule_item_and_log_at_once(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let sch = s.create_schedule(sched(item.id, Platform::LINKEDIN, at(&c, 1))).await.unwrap();
    s.transition_content(item.id, ContentTransition::to(ContentStatus::Scheduled)).await.unwrap();
    c.advance(Span::minutes(2));
    let claimed = s.claim_due_schedules("w1", std::time::Duration::from_secs(60), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let log = NewPublishingLog {
        content_item_id: item.id,
        schedule_id: Some(sch.id),
        platform: Platform::LINKEDIN,
        status: PublishStatus::Success,
        request_payload: json!({"chars": 10}),
        response_data: json!({"status": 201}),
        error_message: None,
        published_url: Some("https://www.linkedin.com/feed/update/urn:li:share:1/".into()),
    };
    let url = Some("https://www.linkedin.com/feed/update/urn:li:share:1/".to_owned());
    let other = s.record_publication(sch.id, "w2", Some("urn:li:share:1".into()), url.clone(), c.now(), log.clone()).await;
    assert!(matches!(other, Err(Error::Conflict { .. })), "only the holder records: {other:?}");
    let done = s.record_publication(sch.id, "w1", Some("urn:li:share:1".into()), url.clone(), c.now(), log.clone()).await.unwrap();
    assert_eq!((done.status, done.published_url.clone()), (ScheduleStatus::Published, url.clone()));
    let item = s.get_content(item.id).await.unwrap();
    assert_eq!((item.status, item.published_url), (ContentStatus::Published, url));
    assert_eq!(s.list_publish_logs(item.id).await.unwrap().len(), 1);
    assert!(matches!(s.record_publication(sch.id, "w1", None, None, c.now(), log).await, Err(Error::Conflict { .. })), "once");
}

pub async fn due_schedules_are_claimed_once_and_finished_by_their_holder(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let early = s.create_schedule(sched(approved_item(&s).await.id, Platform::LINKEDIN, at(&c, 1))).await.unwrap();
    let later = s.create_schedule(sched(approved_item(&s).await.id, Platform::LINKEDIN, at(&c, 90))).await.unwrap();
    assert!(s.claim_due_schedules("w1", Duration::from_secs(60), 10).await.unwrap().is_empty(), "nothing is due yet");
    c.advance(Span::minutes(2));
    let got = s.claim_due_schedules("w1", Duration::from_secs(60), 10).await.unwrap();
    assert_eq!(got.iter().map(|x| x.id).collect::<Vec<_>>(), [early.id]);
    assert_eq!((got[0].status, got[0].claimed_by.as_deref()), (ScheduleStatus::Claimed, Some("w1")));
    assert!(
        s.claim_due_schedules("w2", Duration::from_secs(60), 10).await.unwrap().is_empty(),
        "a claimed schedule is not handed out twice"
    );
    let wrong = s.finish_schedule(early.id, "w2", ScheduleOutcome::Published { platform_post_id: Some("p".into()), url: None }).await;
    assert!(matches!(wrong, Err(Error::Conflict { .. })), "{wrong:?}");
    let done = s
        .finish_schedule(
            early.id,
            "w1",
            ScheduleOutcome::Published {
                platform_post_id: Some("urn:li:share:7".into()),
                url: Some("https://www.linkedin.com/feed/update/urn:li:share:7".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(done.status, ScheduleStatus::Published);
    assert_eq!(done.platform_post_id.as_deref(), Some("urn:li:share:7"));
    assert_eq!(done.published_at, Some(c.now()));
    assert_eq!(done.claimed_by, None);
    assert!(
        matches!(s.finish_schedule(early.id, "w1", ScheduleOutcome::Failed { error: "x".into() }).await, Err(Error::Conflict { .. })),
        "published is final"
    );
    assert_eq!(s.get_schedule(later.id).await.unwrap().status, ScheduleStatus::Pending);
}

pub async fn a_retry_waits_for_its_next_attempt(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let x = s.create_schedule(sched(approved_item(&s).await.id, Platform::WEBFLOW, c.now())).await.unwrap();
    s.claim_due_schedules("w", Duration::from_secs(60), 10).await.unwrap();
    let r = s
        .finish_schedule(x.id, "w", ScheduleOutcome::Retry { error: "429 Too Many Requests".into(), next_attempt_at: at(&c, 5) })
        .await
        .unwrap();
    assert_eq!((r.status, r.retry_count), (ScheduleStatus::Pending, 1));
    assert_eq!(r.error_message.as_deref(), Some("429 Too Many Requests"));
    assert!(s.claim_due_schedules("w", Duration::from_secs(60), 10).await.unwrap().is_empty());
    c.advance(Span::minutes(5));
    assert_eq!(s.claim_due_schedules("w", Duration::from_secs(60), 10).await.unwrap().len(), 1);
    let f = s.finish_schedule(x.id, "w", ScheduleOutcome::Failed { error: "LinkedIn-Version 202401 is not active".into() }).await.unwrap();
    assert_eq!(f.status, ScheduleStatus::Failed);
    assert_eq!(f.error_message.as_deref(), Some("LinkedIn-Version 202401 is not active"));
}

pub async fn a_lapsed_claim_becomes_unknown_never_pending(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let x = s.create_schedule(sched(approved_item(&s).await.id, Platform::CUSTOMER_IO, c.now())).await.unwrap();
    s.claim_due_schedules("crashed", Duration::from_secs(30), 10).await.unwrap();
    c.advance(Span::seconds(31));
    assert!(
        s.claim_due_schedules("w2", Duration::from_secs(30), 10).await.unwrap().is_empty(),
        "a lapsed claim may have sent the post: never hand it out again"
    );
    let u = s.get_schedule(x.id).await.unwrap();
    assert_eq!(u.status, ScheduleStatus::Unknown);
    assert!(u.error_message.unwrap_or_default().contains("crashed"));
    let stale = s.finish_schedule(x.id, "crashed", ScheduleOutcome::Published { platform_post_id: None, url: None }).await;
    // Reconciliation may settle an unknown schedule from any worker; the crashed one coming back
    // with a real answer is equally valid evidence.
    assert_eq!(stale.unwrap().status, ScheduleStatus::Published);
    let y = s.create_schedule(sched(approved_item(&s).await.id, Platform::CUSTOMER_IO, c.now())).await.unwrap();
    s.claim_due_schedules("w", Duration::from_secs(30), 10).await.unwrap();
    let u = s.finish_schedule(y.id, "w", ScheduleOutcome::Unknown { error: "timeout after send".into() }).await.unwrap();
    assert_eq!(u.status, ScheduleStatus::Unknown);
    let back = s
        .finish_schedule(
            y.id,
            "reconciler",
            ScheduleOutcome::Retry { error: "not found on the platform; safe to send".into(), next_attempt_at: c.now() },
        )
        .await
        .unwrap();
    assert_eq!(back.status, ScheduleStatus::Pending);
}

pub async fn schedules_can_be_moved_cancelled_and_listed(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let x = s.create_schedule(sched(item.id, Platform::LINKEDIN, at(&c, 60))).await.unwrap();
    let moved = s.reschedule(x.id, at(&c, 120)).await.unwrap();
    assert_eq!(moved.scheduled_time, at(&c, 120));
    let listed = s.list_schedules(&ScheduleFilter { content_item_id: Some(item.id), ..ScheduleFilter::default() }).await.unwrap();
    assert_eq!(listed, vec![moved.clone()]);
    let window = ScheduleFilter { from: Some(at(&c, 0)), until: Some(at(&c, 100)), ..ScheduleFilter::default() };
    assert!(s.list_schedules(&window).await.unwrap().is_empty());
    let cancelled = s.cancel_schedule(x.id).await.unwrap();
    assert_eq!(cancelled.status, ScheduleStatus::Cancelled);
    assert!(matches!(s.cancel_schedule(x.id).await, Err(Error::Conflict { .. })));
    assert!(matches!(s.reschedule(x.id, at(&c, 5)).await, Err(Error::Conflict { .. })));
    let only_pending = ScheduleFilter { statuses: vec![ScheduleStatus::Pending], ..ScheduleFilter::default() };
    assert!(s.list_schedules(&only_pending).await.unwrap().is_empty());
}

pub async fn publishing_logs_are_kept_in_order(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let mk = |status, err: Option<&str>| NewPublishingLog {
        content_item_id: item.id,
        schedule_id: None,
        platform: Platform::LINKEDIN,
        status,
        request_payload: json!({"commentary": "x", "authorization": "[redacted]"}),
        response_data: json!({"status": 503}),
        error_message: err.map(str::to_owned),
        published_url: None,
    };
    s.append_publish_log(mk(PublishStatus::Retrying, Some("503"))).await.unwrap();
    c.advance(Span::seconds(30));
    s.append_publish_log(mk(PublishStatus::Success, None)).await.unwrap();
    let logs = s.list_publish_logs(item.id).await.unwrap();
    assert_eq!(logs.iter().map(|l| l.status).collect::<Vec<_>>(), [PublishStatus::Retrying, PublishStatus::Success]);
    assert_eq!(logs[0].request_payload["authorization"], "[redacted]");
}
