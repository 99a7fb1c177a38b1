//! [`PublishAttemptStore`](crate::store::PublishAttemptStore): approvals in one transaction,
//! claims by id, sends recorded before they leave, outcomes compared-and-set on the attempt
//! number, reconciliation claims.

use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Span;

use super::FullStore;
use super::{at, post, sched};
use crate::Error;
use crate::clock::{Clock, ManualClock};
use crate::domain::*;
use crate::store::{ApprovalWrite, ScheduleFilter};

async fn in_review(s: &Arc<dyn FullStore>) -> ContentItem {
    let c = s.insert_content(post("Most teams think PLG means a free plan.")).await.unwrap();
    assert_eq!(c.status, ContentStatus::InReview, "drafts are stored in review");
    c
}

fn approval(item: ContentId, time: chrono::DateTime<chrono::Utc>) -> ApprovalWrite {
    ApprovalWrite { content_item_id: item, platform: Platform::LINKEDIN, scheduled_time: time, timezone: "America/New_York".into() }
}

/// Approve + schedule is one write; a bulk approval with one bad entry writes nothing.
pub async fn approvals_are_one_transaction_and_one_bad_entry_writes_nothing(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let a = in_review(&s).await;
    let b = in_review(&s).await;
    let rejected = in_review(&s).await;
    s.transition_content(
        rejected.id,
        ContentTransition { rejection_reason: Some("off-voice".into()), ..ContentTransition::to(ContentStatus::Rejected) },
    )
    .await
    .unwrap();
    let everything_before = s.list_content(&ContentFilter { limit: 100, ..ContentFilter::default() }).await.unwrap();

    for bad in [approval(rejected.id, at(&c, 10)), approval(ContentId::new(), at(&c, 10)), approval(a.id, at(&c, 20))] {
        let batch = [approval(a.id, at(&c, 10)), approval(b.id, at(&c, 10)), bad];
        let e = s.approve_and_schedule(&batch).await.unwrap_err();
        assert!(matches!(e, Error::Conflict { .. } | Error::NotFound { .. }), "{e:?}");
        assert_eq!(
            s.list_content(&ContentFilter { limit: 100, ..ContentFilter::default() }).await.unwrap(),
            everything_before,
            "nothing written"
        );
        assert!(s.list_schedules(&ScheduleFilter::default()).await.unwrap().is_empty(), "no schedule written");
    }
    let mut bad_tz = approval(b.id, at(&c, 10));
    bad_tz.timezone = "Mars/Olympus".into();
    assert!(matches!(s.approve_and_schedule(&[approval(a.id, at(&c, 10)), bad_tz]).await, Err(Error::InvalidInput { .. })));
    assert!(s.list_schedules(&ScheduleFilter::default()).await.unwrap().is_empty());

    let done = s.approve_and_schedule(&[approval(a.id, at(&c, 10)), approval(b.id, at(&c, 30))]).await.unwrap();
    assert_eq!(done.len(), 2);
    for ((item, schedule), minutes) in done.iter().zip([10, 30]) {
        assert_eq!((item.status, item.scheduled_publish_time), (ContentStatus::Scheduled, Some(at(&c, minutes))));
        assert_eq!((schedule.status, schedule.attempt, schedule.last_attempt_at), (ScheduleStatus::Pending, 0, None));
        assert_eq!(s.get_content(item.id).await.unwrap().status, ContentStatus::Scheduled);
    }
    let again = s.approve_and_schedule(&[approval(a.id, at(&c, 40))]).await;
    assert!(matches!(again, Err(Error::Conflict { .. })), "a scheduled item is not approved twice: {again:?}");
}

/// `start_attempt` records the send (attempt + 1, its time) only under a live claim.
pub async fn a_send_is_recorded_before_it_leaves_and_only_under_a_live_claim(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = super::approved_item(&s).await;
    let x = s.create_schedule(sched(item.id, Platform::LINKEDIN, c.now())).await.unwrap();
    assert!(matches!(s.start_attempt(x.id, "w1").await, Err(Error::Conflict { .. })), "not claimed: nothing may be sent");
    s.claim_due_schedules("w1", Duration::from_secs(60), 10).await.unwrap();
    assert!(matches!(s.start_attempt(x.id, "w2").await, Err(Error::Conflict { .. })), "only the holder sends");
    c.advance(Span::seconds(5));
    let started = s.start_attempt(x.id, "w1").await.unwrap();
    assert_eq!((started.attempt, started.last_attempt_at, started.status), (1, Some(c.now()), ScheduleStatus::Claimed));
    assert_eq!(s.get_schedule(x.id).await.unwrap().last_attempt_at, Some(c.now()), "persisted");
    c.advance(Span::seconds(61));
    assert!(matches!(s.start_attempt(x.id, "w1").await, Err(Error::Conflict { .. })), "a lapsed claim sends nothing");
}

/// `finish_attempt` compares and sets on the attempt number: a stale snapshot undoes nothing.
pub async fn a_stale_outcome_never_undoes_a_newer_attempt(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = super::approved_item(&s).await;
    let x = s.create_schedule(sched(item.id, Platform::LINKEDIN, c.now())).await.unwrap();
    s.claim_due_schedules("w1", Duration::from_secs(60), 10).await.unwrap();
    let first = s.start_attempt(x.id, "w1").await.unwrap();
    let unknown = s.finish_attempt(x.id, "w1", first.attempt, ScheduleOutcome::Unknown { error: "timeout".into() }).await.unwrap();
    assert_eq!((unknown.status, unknown.attempt), (ScheduleStatus::Unknown, 1));
    // A reconciler proves attempt 1 absent; the schedule is sent again (attempt 2) and times out too.
    let stale = unknown.clone();
    s.finish_attempt(x.id, "r1", 1, ScheduleOutcome::Deferred { reason: "absent".into(), next_attempt_at: c.now() }).await.unwrap();
    s.claim_due_schedules("w2", Duration::from_secs(60), 10).await.unwrap();
    let second = s.start_attempt(x.id, "w2").await.unwrap();
    assert_eq!(second.attempt, 2);
    s.finish_attempt(x.id, "w2", 2, ScheduleOutcome::Unknown { error: "timeout again".into() }).await.unwrap();
    // A reconciler still holding the attempt-1 snapshot must not reopen attempt 2.
    let undo = s
        .finish_attempt(x.id, "r-old", stale.attempt, ScheduleOutcome::Deferred { reason: "absent".into(), next_attempt_at: c.now() })
        .await;
    assert!(matches!(undo, Err(Error::Conflict { .. })), "{undo:?}");
    let now = s.get_schedule(x.id).await.unwrap();
    assert_eq!((now.status, now.attempt, now.error_message.as_deref()), (ScheduleStatus::Unknown, 2, Some("timeout again")));
}

/// A deferral (rate limit, proved absent) puts the schedule back without spending a retry.
pub async fn a_deferral_is_not_an_attempt(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = super::approved_item(&s).await;
    let x = s.create_schedule(sched(item.id, Platform::LINKEDIN, c.now())).await.unwrap();
    for _ in 0..5 {
        let claimed = s.claim_due_schedules("w", Duration::from_secs(60), 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        let next = c.now() + Span::seconds(10);
        let back =
            s.finish_attempt(x.id, "w", 0, ScheduleOutcome::Deferred { reason: "budget".into(), next_attempt_at: next }).await.unwrap();
        assert_eq!((back.status, back.retry_count, back.attempt, back.next_attempt_at), (ScheduleStatus::Pending, 0, 0, Some(next)));
        c.advance(Span::seconds(11));
    }
}

/// `claim_schedule` takes that one pending schedule, nothing else.
pub async fn a_schedule_is_claimed_by_id_alone(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let mine = s.create_schedule(sched(super::approved_item(&s).await.id, Platform::LINKEDIN, at(&c, 60))).await.unwrap();
    let theirs = s.create_schedule(sched(super::approved_item(&s).await.id, Platform::LINKEDIN, c.now())).await.unwrap();
    let got = s.claim_schedule(mine.id, "api", Duration::from_secs(60)).await.unwrap().expect("pending: claimed, whatever its time");
    assert_eq!((got.status, got.claimed_by.as_deref()), (ScheduleStatus::Claimed, Some("api")));
    assert_eq!(s.get_schedule(theirs.id).await.unwrap().status, ScheduleStatus::Pending, "nobody else's schedule is touched");
    assert_eq!(s.claim_schedule(mine.id, "api-2", Duration::from_secs(60)).await.unwrap(), None, "claimed once");
    assert!(matches!(s.claim_schedule(ScheduleId::new(), "api", Duration::from_secs(60)).await, Err(Error::NotFound { .. })));
}

/// Unknown schedules are claimed for reconciliation by one process per lease, stay `unknown`, and
/// a person may cancel or move them.
pub async fn unknown_schedules_are_reconciled_once_per_lease_and_a_person_can_act(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let mut ids = Vec::new();
    for _ in 0..2 {
        let x = s.create_schedule(sched(super::approved_item(&s).await.id, Platform::LINKEDIN, c.now())).await.unwrap();
        s.claim_due_schedules("w", Duration::from_secs(60), 10).await.unwrap();
        let st = s.start_attempt(x.id, "w").await.unwrap();
        s.finish_attempt(x.id, "w", st.attempt, ScheduleOutcome::Unknown { error: "timeout".into() }).await.unwrap();
        ids.push(x.id);
    }
    let first = s.claim_unknown("r1", Duration::from_secs(120), 10).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|x| x.status == ScheduleStatus::Unknown && x.claimed_by.as_deref() == Some("r1")));
    assert!(s.claim_unknown("r2", Duration::from_secs(120), 10).await.unwrap().is_empty(), "held for the lease");
    c.advance(Span::seconds(121));
    assert_eq!(s.claim_unknown("r2", Duration::from_secs(120), 1).await.unwrap().len(), 1, "after the lease, another may look");

    let cancelled = s.cancel_schedule(ids[0]).await.unwrap();
    assert_eq!(cancelled.status, ScheduleStatus::Cancelled);
    let moved = s.reschedule(ids[1], at(&c, 30)).await.unwrap();
    assert_eq!((moved.status, moved.scheduled_time, moved.claimed_by), (ScheduleStatus::Pending, at(&c, 30), None));
}

/// Back to review cancels the pending schedules with the item's move, in one write; an item whose
/// schedule is claimed (a publish may be in flight) is refused and nothing is written.
pub async fn back_to_review_cancels_pending_schedules_and_never_a_claimed_one(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let a = in_review(&s).await;
    let b = in_review(&s).await;
    let done = s.approve_and_schedule(&[approval(a.id, at(&c, 10)), approval(b.id, at(&c, 20))]).await.unwrap();
    let (item, cancelled) = s.return_to_review(a.id).await.unwrap();
    assert_eq!((item.status, item.scheduled_publish_time), (ContentStatus::InReview, None));
    assert_eq!(cancelled.iter().map(|x| (x.id, x.status)).collect::<Vec<_>>(), vec![(done[0].1.id, ScheduleStatus::Cancelled)]);
    assert_eq!(s.get_schedule(done[0].1.id).await.unwrap().status, ScheduleStatus::Cancelled);
    assert!(matches!(s.return_to_review(a.id).await, Err(Error::Conflict { .. })), "in review already");
    assert!(matches!(s.return_to_review(ContentId::new()).await, Err(Error::NotFound { .. })));
    // b's schedule is being published: refused, nothing written.
    c.advance(Span::minutes(30));
    let claimed = s.claim_schedule(done[1].1.id, "w1", Duration::from_secs(60)).await.unwrap().expect("claimed");
    let before = s.get_content(b.id).await.unwrap();
    assert!(matches!(s.return_to_review(b.id).await, Err(Error::Conflict { .. })));
    assert_eq!(s.get_content(b.id).await.unwrap(), before);
    assert_eq!(s.get_schedule(claimed.id).await.unwrap().status, ScheduleStatus::Claimed);
}

/// `start_attempts` and `record_publications` (group commits) answer each write on its own: the
/// holder's writes land, another worker's schedule in the same batch is `Conflict` and unchanged.
pub async fn group_commits_answer_each_write_on_its_own(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let mut ids = Vec::new();
    for _ in 0..3 {
        let item = super::approved_item(&s).await;
        s.transition_content(item.id, ContentTransition::to(ContentStatus::Scheduled)).await.unwrap();
        ids.push((item.id, s.create_schedule(sched(item.id, Platform::LINKEDIN, c.now())).await.unwrap().id));
        c.advance(Span::seconds(1));
    }
    let lease = Duration::from_secs(60);
    assert_eq!(s.claim_due_schedules("w1", lease, 2).await.unwrap().len(), 2);
    assert_eq!(s.claim_due_schedules("w2", lease, 2).await.unwrap().len(), 1);
    let schedule_ids: Vec<ScheduleId> = ids.iter().map(|(_, s)| *s).collect();

    let started = s.start_attempts(&schedule_ids, "w1").await.unwrap();
    assert_eq!(started.len(), 3, "one answer per write");
    for (r, (_, id)) in started.iter().zip(&ids).take(2) {
        let r = r.as_ref().unwrap();
        assert_eq!((r.id, r.attempt, r.last_attempt_at), (*id, 1, Some(c.now())));
    }
    assert!(matches!(started[2], Err(Error::Conflict { .. })), "w2's schedule: {:?}", started[2]);
    assert_eq!(s.get_schedule(schedule_ids[2]).await.unwrap().attempt, 0, "unchanged");

    let record = |(item, schedule): (ContentId, ScheduleId)| crate::store::PublicationRecord {
        schedule_id: schedule,
        platform_post_id: Some(format!("urn:li:share:{}", schedule.0.as_u128() % 1000)),
        url: Some(format!("https://www.linkedin.com/feed/update/{schedule}/")),
        published_at: c.now(),
        log: NewPublishingLog {
            content_item_id: item,
            schedule_id: Some(schedule),
            platform: Platform::LINKEDIN,
            status: PublishStatus::Success,
            request_payload: serde_json::json!({}),
            response_data: serde_json::json!({"status": 201}),
            error_message: None,
            published_url: None,
        },
    };
    let recorded = s.record_publications("w1", ids.iter().copied().map(record).collect()).await.unwrap();
    assert_eq!(recorded.len(), 3);
    for (r, (item, id)) in recorded.iter().zip(&ids).take(2) {
        assert_eq!((r.as_ref().unwrap().id, r.as_ref().unwrap().status), (*id, ScheduleStatus::Published));
        assert_eq!(s.get_content(*item).await.unwrap().status, ContentStatus::Published, "the item with its schedule");
        assert_eq!(s.list_publish_logs(*item).await.unwrap().len(), 1, "and its log");
    }
    assert!(matches!(recorded[2], Err(Error::Conflict { .. })), "not w1's: {:?}", recorded[2]);
    assert_eq!(s.get_schedule(schedule_ids[2]).await.unwrap().status, ScheduleStatus::Claimed, "left to its holder");
    assert!(s.list_publish_logs(ids[2].0).await.unwrap().is_empty());
    let again = s.record_publications("w1", vec![record(ids[0])]).await.unwrap();
    assert!(matches!(again[0], Err(Error::Conflict { .. })), "recorded once");
}
