//! Content items: versions, edits, the state machine, listings, the review queue, quality.

use std::sync::Arc;

use chrono::Duration as Span;
use serde_json::json;

use super::FullStore;
use super::{approved_item, at, new_user, podcast, post};
use crate::Error;
use crate::clock::{Clock, ManualClock};
use crate::domain::*;

pub async fn content_starts_at_version_one_with_its_history(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
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

pub async fn an_edit_makes_a_new_version_with_its_spans(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
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

pub async fn a_stale_edit_is_a_conflict_and_writes_nothing(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
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

pub async fn a_published_item_cannot_be_edited(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
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

pub async fn content_moves_through_its_machine(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
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

pub async fn content_listing_filters_counts_and_pages(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
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

/// Listings by platform and by time (published, else scheduled, else created), counted alike.
pub async fn content_listing_filters_by_platform_and_time(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let t0 = c.now();
    let first = s.insert_content(post("in review")).await.unwrap();
    c.advance(Span::seconds(1));
    let news = s.insert_content(NewContentItem::draft(ContentType::Newsletter, None, "news")).await.unwrap();
    c.advance(Span::seconds(1));
    let mut scheduled = Vec::new();
    for days in [2, 1] {
        let item = s.insert_content(post(&format!("in {days} days"))).await.unwrap();
        s.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
        let to =
            ContentTransition { scheduled_publish_time: Some(t0 + Span::days(days)), ..ContentTransition::to(ContentStatus::Scheduled) };
        scheduled.push(s.transition_content(item.id, to).await.unwrap());
        c.advance(Span::seconds(1));
    }
    let ids = |v: Vec<ContentItem>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let linkedin = ContentFilter { platform: Some(Platform::LINKEDIN), ..ContentFilter::default() };
    assert_eq!(ids(s.list_content(&linkedin).await.unwrap()), [first.id, scheduled[0].id, scheduled[1].id]);
    assert_eq!(s.count_content(&linkedin).await.unwrap(), 3);
    let by_news = ContentFilter { platform: Some(news.platform()), ..ContentFilter::default() };
    assert_eq!(ids(s.list_content(&by_news).await.unwrap()), [news.id]);
    let next_days = ContentFilter { from: Some(t0 + Span::hours(1)), to: Some(t0 + Span::days(3)), ..ContentFilter::default() };
    assert_eq!(ids(s.list_content(&next_days).await.unwrap()), [scheduled[0].id, scheduled[1].id], "by scheduled time");
    assert_eq!(s.count_content(&next_days).await.unwrap(), 2);
    let tomorrow =
        ContentFilter { from: Some(t0 + Span::days(1)), to: Some(t0 + Span::days(1) + Span::minutes(1)), ..ContentFilter::default() };
    assert_eq!(ids(s.list_content(&tomorrow).await.unwrap()), [scheduled[1].id], "`from` is inclusive");
    let first_second = ContentFilter { from: Some(t0), to: Some(t0 + Span::seconds(1)), ..ContentFilter::default() };
    assert_eq!(ids(s.list_content(&first_second).await.unwrap()), [first.id], "by creation time; `to` is exclusive");
    let scheduled_linkedin = ContentFilter {
        statuses: vec![ContentStatus::Scheduled],
        platform: Some(Platform::LINKEDIN),
        from: Some(t0),
        limit: 1,
        offset: 1,
        ..ContentFilter::default()
    };
    assert_eq!(ids(s.list_content(&scheduled_linkedin).await.unwrap()), [scheduled[1].id]);
    assert_eq!(s.count_content(&scheduled_linkedin).await.unwrap(), 2, "the count ignores paging");
}

/// Items in review grouped by source, oldest bundle first, paged, with totals.
pub async fn pending_items_come_in_bundles_by_source_with_totals(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
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

pub async fn quality_round_trips_with_verdicts(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
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
