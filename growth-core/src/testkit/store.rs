//! Conformance suite for [`Store`] (every repository; the job queue has its own suite).

use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Span;
use serde_json::json;

use crate::Error;
use crate::clock::{Clock, ManualClock};
use crate::domain::*;
use crate::store::{IdempotencyState, ScheduleFilter, Store};

/// Runs every check against fresh stores from `make`; the store must read time from the clock.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn(Arc<ManualClock>) -> Fut,
    Fut: std::future::Future<Output = Arc<dyn Store>>,
{
    macro_rules! check {
        ($name:ident) => {{
            let clock = Arc::new(ManualClock::new(super::epoch()));
            let s = make(clock.clone()).await;
            super::named(stringify!($name), $name(s, clock)).await;
        }};
    }
    check!(users_are_unique_by_email_case_insensitively);
    check!(passwords_and_refresh_tokens_are_kept_and_spent_once);
    check!(unknown_ids_are_not_found_everywhere);
    check!(a_duplicate_source_returns_the_existing_one);
    check!(sources_move_through_their_machine_and_keep_failure_reasons);
    check!(an_illegal_source_transition_writes_nothing);
    check!(content_starts_at_version_one_with_its_history);
    check!(an_edit_makes_a_new_version_with_its_spans);
    check!(a_stale_edit_is_a_conflict_and_writes_nothing);
    check!(a_published_item_cannot_be_edited);
    check!(content_moves_through_its_machine);
    check!(content_listing_filters_counts_and_pages);
    check!(pending_items_come_in_bundles_by_source_with_totals);
    check!(quality_round_trips_with_verdicts);
    check!(an_item_has_one_active_schedule_per_platform);
    check!(due_schedules_are_claimed_once_and_finished_by_their_holder);
    check!(a_publication_is_recorded_on_schedule_item_and_log_at_once);
    check!(a_retry_waits_for_its_next_attempt);
    check!(a_lapsed_claim_becomes_unknown_never_pending);
    check!(schedules_can_be_moved_cancelled_and_listed);
    check!(publishing_logs_are_kept_in_order);
    check!(analytics_are_one_row_per_item_and_platform);
    check!(knowledge_items_are_crud_and_edits_clear_the_embedding);
    check!(icp_profiles_are_crud_with_their_lists);
    check!(objections_count_mentions_case_insensitively);
    check!(idempotency_keys_and_cron_firings_are_exclusive);
    check!(the_store_answers_ping);
}

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser { email: email.into(), full_name: Some("Wes Bush".into()), role, auth_provider: AuthProvider::Google }
}

fn podcast(source_id: &str) -> NewSource {
    NewSource {
        source_type: Some(SourceType::Podcast),
        source_id: Some(source_id.into()),
        title: Some("Podcast #47 - Sarah Nguyen".into()),
        metadata: json!({"guest": "Sarah Nguyen"}),
        transcript: Some("Sarah: hello".into()),
        transcript_source: Some(TranscriptSource::Riverside),
        ..NewSource::default()
    }
}

fn post(text: &str) -> NewContentItem {
    NewContentItem::draft(ContentType::LinkedinPost, Some("The 5 Stages of PLG Maturity".into()), text)
}

fn at(clock: &ManualClock, minutes: i64) -> chrono::DateTime<chrono::Utc> {
    clock.now() + Span::minutes(minutes)
}

async fn approved_item(s: &Arc<dyn Store>) -> ContentItem {
    let c = s.insert_content(post("Most teams think PLG means a free plan.")).await.unwrap();
    s.transition_content(c.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap()
}

fn sched(item: ContentId, platform: Platform, time: chrono::DateTime<chrono::Utc>) -> NewSchedule {
    NewSchedule { content_item_id: item, platform, scheduled_time: time, timezone: "America/New_York".into() }
}

pub async fn users_are_unique_by_email_case_insensitively(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    let u = s.create_user(new_user("Wes@ProductLed.com", Role::Approver)).await.unwrap();
    assert_eq!(u.email, "wes@productled.com");
    assert_eq!(u.created_at, super::epoch());
    assert_eq!(s.get_user(u.id).await.unwrap(), u);
    assert_eq!(s.find_user_by_email("WES@productled.com").await.unwrap(), Some(u.clone()));
    assert_eq!(s.find_user_by_email("nobody@x.com").await.unwrap(), None);
    assert!(matches!(s.create_user(new_user("wes@PRODUCTLED.com", Role::Viewer)).await, Err(Error::Conflict { .. })));
    assert!(matches!(s.create_user(new_user("not-an-email", Role::Viewer)).await, Err(Error::InvalidInput { .. })));
    let admin = s.set_user_role(u.id, Role::Admin).await.unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(s.list_users().await.unwrap().len(), 1);
}

pub async fn passwords_and_refresh_tokens_are_kept_and_spent_once(s: Arc<dyn Store>, c: Arc<ManualClock>) {
    let u = s.create_user(new_user("pw@x.co", Role::Viewer)).await.unwrap();
    assert_eq!(s.password_hash(u.id).await.unwrap(), None);
    s.set_password_hash(u.id, "$argon2id$v=19$first").await.unwrap();
    s.set_password_hash(u.id, "$argon2id$v=19$second").await.unwrap();
    assert_eq!(s.password_hash(u.id).await.unwrap().as_deref(), Some("$argon2id$v=19$second"));
    assert!(matches!(s.set_password_hash(UserId::new(), "h").await, Err(Error::NotFound { .. })));

    let family = uuid::Uuid::now_v7();
    let t = s.insert_refresh_token(u.id, family, "hash-1", at(&c, 60)).await.unwrap();
    assert_eq!((t.user_id, t.family_id, t.expires_at), (u.id, family, at(&c, 60)));
    assert!(matches!(s.insert_refresh_token(u.id, family, "hash-1", at(&c, 60)).await, Err(Error::Conflict { .. })));
    assert_eq!(s.find_refresh_token("hash-1").await.unwrap().map(|x| x.id), Some(t.id));
    assert_eq!(s.find_refresh_token("nope").await.unwrap(), None);
    assert!(s.use_refresh_token(t.id).await.unwrap(), "the first use wins");
    assert!(!s.use_refresh_token(t.id).await.unwrap(), "a second use is refused");
    let t2 = s.insert_refresh_token(u.id, family, "hash-2", at(&c, 60)).await.unwrap();
    s.revoke_refresh_family(family).await.unwrap();
    assert!(s.find_refresh_token("hash-2").await.unwrap().unwrap().revoked_at.is_some());
    assert!(!s.use_refresh_token(t2.id).await.unwrap(), "a revoked token cannot be used");
}

pub async fn unknown_ids_are_not_found_everywhere(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    fn nf<T: std::fmt::Debug>(r: crate::Result<T>) {
        assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    }
    nf(s.get_user(UserId::new()).await);
    nf(s.set_user_role(UserId::new(), Role::Admin).await);
    nf(s.get_source(SourceId::new()).await);
    nf(s.set_source_status(SourceId::new(), SourceStatus::Processing, None).await);
    nf(s.get_content(ContentId::new()).await);
    nf(s.update_content(
        ContentId::new(),
        ContentUpdate { expected_version: 1, title: None, content: Some("x".into()), edited_by: None, edits: vec![] },
    )
    .await);
    nf(s.transition_content(ContentId::new(), ContentTransition::to(ContentStatus::Approved)).await);
    nf(s.list_versions(ContentId::new()).await);
    let mut with_source = post("x");
    with_source.source_id = Some(SourceId::new());
    nf(s.insert_content(with_source).await);
    nf(s.get_schedule(ScheduleId::new()).await);
    nf(s.create_schedule(sched(ContentId::new(), Platform::LINKEDIN, super::epoch())).await);
    nf(s.cancel_schedule(ScheduleId::new()).await);
    nf(s.get_analytics(ContentId::new(), Platform::LINKEDIN).await);
    nf(s.get_knowledge(KnowledgeId::new()).await);
    nf(s.delete_knowledge(KnowledgeId::new()).await);
    nf(s.get_icp_profile(IcpProfileId::new()).await);
    nf(s.delete_icp_profile(IcpProfileId::new()).await);
    nf(s.link_objection_content(ObjectionId::new(), ContentId::new()).await);
}

pub async fn a_duplicate_source_returns_the_existing_one(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    let a = s.create_source(podcast("ep-47")).await.unwrap();
    assert!(a.created);
    assert_eq!(a.value.status, SourceStatus::Ingested);
    let b = s.create_source(podcast("ep-47")).await.unwrap();
    assert!(!b.created);
    assert_eq!(a.value, b.value);
    let mut call = podcast("ep-47");
    call.source_type = Some(SourceType::SalesCall);
    assert!(s.create_source(call).await.unwrap().created, "the same platform id under another type is another source");
    let file = NewSource { file_hash: Some("ab12".into()), ..NewSource::default() };
    let f1 = s.create_source(file.clone()).await.unwrap();
    let f2 = s.create_source(NewSource { title: Some("renamed".into()), ..file }).await.unwrap();
    assert!(f1.created && !f2.created);
    assert_eq!(f1.value.id, f2.value.id);
    assert_eq!(f1.value.source_type, SourceType::Manual);
    assert_eq!(s.list_sources(10, 0).await.unwrap().len(), 3);
    assert_eq!(s.list_sources(1, 0).await.unwrap().len(), 1);
}

pub async fn sources_move_through_their_machine_and_keep_failure_reasons(s: Arc<dyn Store>, c: Arc<ManualClock>) {
    let src = s.create_source(podcast("ep-1")).await.unwrap().value;
    let p = s.set_source_status(src.id, SourceStatus::Processing, None).await.unwrap();
    assert_eq!(p.status, SourceStatus::Processing);
    c.advance(Span::seconds(5));
    let f = s.set_source_status(src.id, SourceStatus::Failed, Some("AssemblyAI: audio file is empty".into())).await.unwrap();
    assert_eq!(f.failure_reason.as_deref(), Some("AssemblyAI: audio file is empty"));
    assert_eq!(f.processed_at, Some(c.now()));
    s.set_source_status(src.id, SourceStatus::Processing, None).await.unwrap();
    let t = s.set_source_transcript(src.id, "Adam: hi".into(), TranscriptSource::Assemblyai).await.unwrap();
    assert_eq!(t.transcript.as_deref(), Some("Adam: hi"));
    assert_eq!(t.transcript_source, Some(TranscriptSource::Assemblyai));
    let done = s.set_source_status(src.id, SourceStatus::Completed, None).await.unwrap();
    assert_eq!(done.status, SourceStatus::Completed);
    assert_eq!(done.failure_reason, None);
    assert_eq!(s.get_source(src.id).await.unwrap(), done);
}

pub async fn an_illegal_source_transition_writes_nothing(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    let src = s.create_source(podcast("ep-2")).await.unwrap().value;
    let err = s.set_source_status(src.id, SourceStatus::Completed, None).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }));
    assert!(err.to_string().contains("ingested") && err.to_string().contains("completed"), "{err}");
    assert_eq!(s.get_source(src.id).await.unwrap(), src);
}

pub async fn content_starts_at_version_one_with_its_history(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    let src = s.create_source(podcast("ep-3")).await.unwrap().value;
    let mut n = post("Hook line.\n\nBody.\n\nComment below.");
    n.source_id = Some(src.id);
    n.predicted_engagement = Some(json!({"likes": 150, "comments": 12}));
    n.platform_data = json!({"format": "insight"});
    let c = s.insert_content(n).await.unwrap();
    assert_eq!(c.version, 1);
    assert_eq!(c.status, ContentStatus::InReview);
    assert_eq!(c.target_platform, Some(Platform::LINKEDIN), "the platform defaults from the type");
    assert_eq!(c.source_id, Some(src.id));
    assert_eq!(s.get_content(c.id).await.unwrap(), c);
    let v = s.list_versions(c.id).await.unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].version, v[0].content.as_str()), (1, "Hook line.\n\nBody.\n\nComment below."));
}

pub async fn an_edit_makes_a_new_version_with_its_spans(s: Arc<dyn Store>, c: Arc<ManualClock>) {
    let editor = s.create_user(new_user("ed@x.com", Role::Approver)).await.unwrap();
    let item = s.insert_content(post("We leverage synergies.")).await.unwrap();
    c.advance(Span::seconds(3));
    let span = EditSpan {
        edit_type: EditType::Change,
        original_text: "leverage synergies".into(),
        edited_text: "work together".into(),
        section: EditSection::Hook,
        pattern_tag: Some("too_formal".into()),
    };
    let upd = ContentUpdate {
        expected_version: 1,
        title: Some("New title".into()),
        content: Some("We work together.".into()),
        edited_by: Some(editor.id),
        edits: vec![span.clone()],
    };
    let v2 = s.update_content(item.id, upd).await.unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.content, "We work together.");
    assert_eq!(v2.title.as_deref(), Some("New title"));
    assert_eq!(v2.updated_at, c.now());
    let versions = s.list_versions(item.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| (v.version, v.content.as_str())).collect::<Vec<_>>(),
        [(1, "We leverage synergies."), (2, "We work together.")]
    );
    assert_eq!(versions[1].edited_by, Some(editor.id));
    let edits = s.list_edits(item.id).await.unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!((edits[0].version, edits[0].section, edits[0].edit_type), (2, EditSection::Hook, EditType::Change));
    assert_eq!(edits[0].original_text, span.original_text);
    assert_eq!(edits[0].user_id, Some(editor.id));
    let v3 = s
        .update_content(
            item.id,
            ContentUpdate { expected_version: 2, title: None, content: Some("We ship.".into()), edited_by: None, edits: vec![] },
        )
        .await
        .unwrap();
    assert_eq!((v3.version, v3.title.as_deref()), (3, Some("New title")), "a body-only edit keeps the title");
}

pub async fn a_stale_edit_is_a_conflict_and_writes_nothing(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    let item = s.insert_content(post("v1")).await.unwrap();
    s.update_content(
        item.id,
        ContentUpdate { expected_version: 1, title: None, content: Some("v2".into()), edited_by: None, edits: vec![] },
    )
    .await
    .unwrap();
    let stale = ContentUpdate {
        expected_version: 1,
        title: None,
        content: Some("stale".into()),
        edited_by: None,
        edits: vec![EditSpan {
            edit_type: EditType::Change,
            original_text: "v1".into(),
            edited_text: "stale".into(),
            section: EditSection::Body,
            pattern_tag: None,
        }],
    };
    let err = s.update_content(item.id, stale).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    let now = s.get_content(item.id).await.unwrap();
    assert_eq!((now.version, now.content.as_str()), (2, "v2"));
    assert_eq!(s.list_versions(item.id).await.unwrap().len(), 2);
    assert!(s.list_edits(item.id).await.unwrap().is_empty());
}

pub async fn a_published_item_cannot_be_edited(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let err = s
        .update_content(
            item.id,
            ContentUpdate { expected_version: 1, title: None, content: Some("late".into()), edited_by: None, edits: vec![] },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }));
    assert_eq!(s.get_content(item.id).await.unwrap().content, item.content);
}

pub async fn content_moves_through_its_machine(s: Arc<dyn Store>, c: Arc<ManualClock>) {
    let item = s.insert_content(post("x")).await.unwrap();
    let err = s.transition_content(item.id, ContentTransition::to(ContentStatus::Published)).await.unwrap_err();
    assert!(err.to_string().contains("in_review") && err.to_string().contains("published"), "{err}");
    assert_eq!(s.get_content(item.id).await.unwrap().status, ContentStatus::InReview);
    s.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    let when = at(&c, 60);
    let sch = s
        .transition_content(
            item.id,
            ContentTransition { scheduled_publish_time: Some(when), ..ContentTransition::to(ContentStatus::Scheduled) },
        )
        .await
        .unwrap();
    assert_eq!(sch.scheduled_publish_time, Some(when));
    s.transition_content(item.id, ContentTransition::to(ContentStatus::Publishing)).await.unwrap();
    let done = s
        .transition_content(
            item.id,
            ContentTransition {
                published_url: Some("https://www.linkedin.com/feed/update/urn:li:share:1".into()),
                published_at: Some(when),
                ..ContentTransition::to(ContentStatus::Published)
            },
        )
        .await
        .unwrap();
    assert_eq!(done.status, ContentStatus::Published);
    assert_eq!(done.published_url.as_deref(), Some("https://www.linkedin.com/feed/update/urn:li:share:1"));
    assert_eq!(done.published_at, Some(when));

    let other = s.insert_content(post("y")).await.unwrap();
    let r = s
        .transition_content(
            other.id,
            ContentTransition { rejection_reason: Some("Off-brand".into()), ..ContentTransition::to(ContentStatus::Rejected) },
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.rejection_reason.as_deref()), (ContentStatus::Rejected, Some("Off-brand")));
    assert!(matches!(s.transition_content(other.id, ContentTransition::to(ContentStatus::Approved)).await, Err(Error::Conflict { .. })));
}

pub async fn content_listing_filters_counts_and_pages(s: Arc<dyn Store>, c: Arc<ManualClock>) {
    let src = s.create_source(podcast("ep-4")).await.unwrap().value;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut n = post(&format!("post {i}"));
        n.source_id = Some(src.id);
        ids.push(s.insert_content(n).await.unwrap().id);
        c.advance(Span::seconds(1));
    }
    s.insert_content(NewContentItem::draft(ContentType::Newsletter, None, "news")).await.unwrap();
    s.transition_content(ids[0], ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    let pending = ContentFilter { statuses: vec![ContentStatus::InReview], ..ContentFilter::default() };
    assert_eq!(s.count_content(&pending).await.unwrap(), 5);
    let of_source =
        ContentFilter { statuses: vec![ContentStatus::InReview], source_id: Some(src.id), limit: 2, offset: 1, ..ContentFilter::default() };
    let page = s.list_content(&of_source).await.unwrap();
    assert_eq!(page.iter().map(|c| c.id).collect::<Vec<_>>(), [ids[2], ids[3]], "oldest first, offset and limit applied");
    assert_eq!(s.count_content(&of_source).await.unwrap(), 4, "the count ignores paging");
    let news = ContentFilter { content_type: Some(ContentType::Newsletter), ..ContentFilter::default() };
    assert_eq!(s.list_content(&news).await.unwrap().len(), 1);
}

/// Items in review grouped by source, oldest bundle first, paged, with totals.
pub async fn pending_items_come_in_bundles_by_source_with_totals(s: Arc<dyn Store>, c: Arc<ManualClock>) {
    let a = s.create_source(podcast("ep-a")).await.unwrap().value;
    let b = s.create_source(podcast("ep-b")).await.unwrap().value;
    let mut in_a = Vec::new();
    for (i, src) in [a.id, b.id, a.id, b.id, a.id].into_iter().enumerate() {
        let mut n = post(&format!("post {i}"));
        n.source_id = Some(src);
        let item = s.insert_content(n).await.unwrap();
        if src == a.id {
            in_a.push(item.id);
        }
        c.advance(Span::seconds(1));
    }
    s.insert_content(NewContentItem::draft(ContentType::Newsletter, None, "loose")).await.unwrap();
    s.transition_content(in_a[2], ContentTransition::to(ContentStatus::Rejected))
        .await
        .unwrap_or_else(|_| panic!("in_review → rejected is legal"));
    let page = s.list_pending_bundles(10, 0).await.unwrap();
    assert_eq!((page.total_items, page.total_bundles), (5, 3));
    assert_eq!(page.bundles.len(), 3);
    assert_eq!(page.bundles[0].source_id, Some(a.id), "the bundle with the oldest item first");
    assert_eq!(page.bundles[0].items.iter().map(|i| i.id).collect::<Vec<_>>(), in_a[..2], "in review only, oldest first");
    assert_eq!(page.bundles[1].source_id, Some(b.id));
    assert_eq!(page.bundles[1].items.len(), 2);
    assert_eq!(page.bundles[2].source_id, None);
    let second = s.list_pending_bundles(1, 1).await.unwrap();
    assert_eq!(second.bundles.len(), 1);
    assert_eq!(second.bundles[0].source_id, Some(b.id));
    assert_eq!(second.total_items, 5);
    let (n, latest) = s.pending_fingerprint().await.unwrap();
    assert_eq!(n, 5);
    assert!(latest.is_some());
    c.advance(Span::seconds(5));
    let edit = ContentUpdate { expected_version: 1, title: None, content: Some("changed".into()), edited_by: None, edits: Vec::new() };
    s.update_content(in_a[0], edit).await.unwrap();
    let (n2, latest2) = s.pending_fingerprint().await.unwrap();
    assert_eq!(n2, 5);
    assert!(latest2 > latest, "an edit moves the fingerprint");
}

pub async fn quality_round_trips_with_verdicts(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    let item = s.insert_content(post("Let's delve into the landscape.")).await.unwrap();
    let q = QualityMetrics {
        ai_detection_score: Some(0.8125),
        ai_detection_passed: Some(true),
        icp_score: Some(87),
        icp_passed: Some(true),
        verdicts: vec![Verdict {
            gate: "slop".into(),
            passed: false,
            score: None,
            findings: vec![Finding {
                check: "slop".into(),
                span: [6, 11],
                text: "delve".into(),
                message: "say what you mean: \"look at\"".into(),
                severity: crate::domain::FindingSeverity::Warning,
            }],
        }],
        flagged: true,
    };
    let stored = s.set_quality(item.id, q.clone()).await.unwrap();
    assert_eq!(stored.quality, q);
    assert_eq!(s.get_content(item.id).await.unwrap().quality, q);
}

pub async fn an_item_has_one_active_schedule_per_platform(s: Arc<dyn Store>, c: Arc<ManualClock>) {
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
pub async fn a_publication_is_recorded_on_schedule_item_and_log_at_once(s: Arc<dyn Store>, c: Arc<ManualClock>) {
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

pub async fn due_schedules_are_claimed_once_and_finished_by_their_holder(s: Arc<dyn Store>, c: Arc<ManualClock>) {
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

pub async fn a_retry_waits_for_its_next_attempt(s: Arc<dyn Store>, c: Arc<ManualClock>) {
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

pub async fn a_lapsed_claim_becomes_unknown_never_pending(s: Arc<dyn Store>, c: Arc<ManualClock>) {
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

pub async fn schedules_can_be_moved_cancelled_and_listed(s: Arc<dyn Store>, c: Arc<ManualClock>) {
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

pub async fn publishing_logs_are_kept_in_order(s: Arc<dyn Store>, c: Arc<ManualClock>) {
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

pub async fn analytics_are_one_row_per_item_and_platform(s: Arc<dyn Store>, c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let mut u = AnalyticsUpdate {
        engagement: EngagementMetrics { impressions: 3200, clicks: 240, likes: 150, comments: 12, shares: 8 },
        lead_signups: 3,
        attributed_revenue_cents: 129_900,
        ..AnalyticsUpdate::default()
    };
    let a = s.upsert_analytics(item.id, Platform::LINKEDIN, u.clone()).await.unwrap();
    c.advance(Span::hours(1));
    u.engagement.likes = 170;
    let b = s.upsert_analytics(item.id, Platform::LINKEDIN, u).await.unwrap();
    assert_eq!(a.id, b.id, "the same row is updated");
    assert_eq!(b.engagement.likes, 170);
    assert_eq!(b.attributed_revenue_cents, 129_900);
    assert_eq!(b.last_updated, c.now());
    assert_eq!(s.get_analytics(item.id, Platform::LINKEDIN).await.unwrap(), b);
    assert_eq!(s.list_analytics(at(&c, -1), at(&c, 1)).await.unwrap().len(), 1);
    assert!(s.list_analytics(at(&c, 1), at(&c, 2)).await.unwrap().is_empty());
}

pub async fn knowledge_items_are_crud_and_edits_clear_the_embedding(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    let n = NewKnowledgeItem {
        item_type: KnowledgeItemType::Framework,
        title: "The 5 stages".into(),
        content: "Stage 1...".into(),
        metadata: json!({"performance_score": 0.9}),
    };
    let k = s.create_knowledge(n.clone()).await.unwrap();
    s.create_knowledge(NewKnowledgeItem { item_type: KnowledgeItemType::Playbook, ..n.clone() }).await.unwrap();
    let indexed = s.set_knowledge_embedding(k.id, Some("kb:1".into())).await.unwrap();
    assert_eq!(indexed.embedding_id.as_deref(), Some("kb:1"));
    assert_eq!(s.list_knowledge(Some(KnowledgeItemType::Framework)).await.unwrap(), vec![indexed]);
    assert_eq!(s.list_knowledge(None).await.unwrap().len(), 2);
    let edited = s.update_knowledge(k.id, NewKnowledgeItem { content: "Stage one...".into(), ..n }).await.unwrap();
    assert_eq!(edited.content, "Stage one...");
    assert_eq!(edited.embedding_id, None, "changed text must be re-indexed");
    s.delete_knowledge(k.id).await.unwrap();
    assert!(matches!(s.get_knowledge(k.id).await, Err(Error::NotFound { .. })));
}

pub async fn icp_profiles_are_crud_with_their_lists(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    let n = NewIcpProfile {
        source: IcpSource::GrainCall,
        source_id: Some("rec-9".into()),
        pain_points: vec!["trial users never activate".into(), "sales-led CAC is too high".into()],
        language_patterns: vec!["time to value".into()],
        objections: vec!["we're enterprise".into()],
        goals: vec!["self-serve revenue".into()],
        role: Some("VP Growth".into()),
        company_size: Some("50-200".into()),
        industry: Some("B2B SaaS".into()),
    };
    let p = s.create_icp_profile(n.clone()).await.unwrap();
    assert_eq!(p.pain_points, n.pain_points);
    assert_eq!(s.get_icp_profile(p.id).await.unwrap(), p);
    let e = s.set_icp_embedding(p.id, Some("icp:1".into())).await.unwrap();
    assert_eq!(e.embedding_id.as_deref(), Some("icp:1"));
    let u = s.update_icp_profile(p.id, NewIcpProfile { goals: vec![], ..n }).await.unwrap();
    assert!(u.goals.is_empty());
    assert_eq!(u.embedding_id, None);
    assert_eq!(u.created_at, p.created_at);
    assert_eq!(s.list_icp_profiles().await.unwrap().len(), 1);
    s.delete_icp_profile(p.id).await.unwrap();
    assert!(s.list_icp_profiles().await.unwrap().is_empty());
}

pub async fn objections_count_mentions_case_insensitively(s: Arc<dyn Store>, c: Arc<ManualClock>) {
    let n = |t: &str| NewObjection {
        objection_text: t.into(),
        category: Some("roi".into()),
        severity: Some(Severity::High),
        stage: Some(FunnelStage::Decision),
    };
    let a = s.record_objection(n("We don't have the resources")).await.unwrap();
    c.advance(Span::days(1));
    let b = s.record_objection(n("we don't have the resources  ")).await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(b.frequency, 2);
    assert_eq!(b.last_mentioned, c.now());
    assert_eq!(b.first_mentioned, a.first_mentioned);
    s.record_objection(n("Too expensive")).await.unwrap();
    let list = s.list_objections().await.unwrap();
    assert_eq!(list[0].id, a.id, "most frequent first");
    assert!(matches!(s.record_objection(n("   ")).await, Err(Error::InvalidInput { .. })));
    let item = approved_item(&s).await;
    let linked = s.link_objection_content(a.id, item.id).await.unwrap();
    assert!(linked.content_generated);
    assert_eq!(linked.content_item_ids, vec![item.id]);
    assert_eq!(s.link_objection_content(a.id, item.id).await.unwrap().content_item_ids.len(), 1, "linking twice is a no-op");
}

pub async fn idempotency_keys_and_cron_firings_are_exclusive(s: Arc<dyn Store>, c: Arc<ManualClock>) {
    assert_eq!(s.begin_idempotency("webhook:grain", "evt-1").await.unwrap(), IdempotencyState::Started);
    assert_eq!(s.begin_idempotency("webhook:grain", "evt-1").await.unwrap(), IdempotencyState::InProgress);
    assert_eq!(s.begin_idempotency("webhook:riverside", "evt-1").await.unwrap(), IdempotencyState::Started, "scopes are separate");
    s.complete_idempotency("webhook:grain", "evt-1", json!({"job_id": "j"})).await.unwrap();
    assert_eq!(s.begin_idempotency("webhook:grain", "evt-1").await.unwrap(), IdempotencyState::Completed(json!({"job_id": "j"})));
    let t = c.now();
    assert!(s.try_fire_cron("publish_due", t, "a").await.unwrap());
    assert!(!s.try_fire_cron("publish_due", t, "b").await.unwrap());
    assert!(s.try_fire_cron("publish_due", t + Span::minutes(1), "b").await.unwrap());
    assert!(s.try_fire_cron("sync_metrics", t, "b").await.unwrap());
}

pub async fn the_store_answers_ping(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    s.ping().await.unwrap();
    assert!(!s.backend().is_empty());
}
