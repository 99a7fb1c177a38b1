//! Learned rules, preferences, and the edits mining reads.

use std::sync::Arc;

use chrono::Duration as Span;

use super::{FullStore, post};
use crate::Error;
use crate::clock::{Clock, ManualClock};
use crate::domain::*;
use crate::learn::{PreferenceRecord, Rule, RuleBook, RuleKind, RuleStatus};
use crate::store::RuleWrite;

fn new(rule: &Rule) -> RuleWrite {
    RuleWrite { rule: rule.clone(), expected: None }
}

fn change(rule: &Rule, from: RuleStatus) -> RuleWrite {
    RuleWrite { rule: rule.clone(), expected: Some(from) }
}

pub async fn rule_versions_round_trip_and_status_changes_are_compare_and_set(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let edit = EditId::new();
    let v1 = Rule::proposed(Some(ContentType::LinkedinPost), RuleKind::MaxWords { max: 180 }, 4, 0.9, vec![edit], c.now());
    let phrase = Rule::proposed(None, RuleKind::BannedPhrase { phrase: "really".into() }, 3, 1.0, vec![], c.now());
    s.write_rules(vec![new(&v1), new(&phrase)]).await.unwrap();
    let mut listed = s.list_rules().await.unwrap();
    listed.sort_by_key(|r| r.id);
    let mut expected = vec![v1.clone(), phrase.clone()];
    expected.sort_by_key(|r| r.id);
    assert_eq!(listed, expected, "every field round-trips, the kind and the provenance included");

    // Approve v1, then write v2 active and v1 retired in one call (an edit).
    c.advance(Span::minutes(1));
    let mut book = RuleBook::new(listed);
    let approved = book.approve(v1.id, None, c.now()).unwrap().rule;
    s.write_rules(vec![change(&approved, RuleStatus::Proposed)]).await.unwrap();
    let edited = book.edit(v1.id, RuleKind::MaxWords { max: 150 }, None, c.now()).unwrap();
    let mut writes = vec![new(&edited.rule)];
    writes.extend(edited.also_changed.iter().map(|r| change(r, RuleStatus::Active)));
    s.write_rules(writes).await.unwrap();
    let versions: Vec<(u32, RuleStatus)> =
        s.list_rules().await.unwrap().into_iter().filter(|r| r.id == v1.id).map(|r| (r.version, r.status)).collect();
    assert_eq!(versions, vec![(1, RuleStatus::Retired), (2, RuleStatus::Active)]);

    // A stale status is a conflict and writes nothing (not even the writes before it).
    let stale = Rule { status: RuleStatus::Retired, retired_at: Some(c.now()), ..phrase.clone() };
    let again = Rule { status: RuleStatus::Active, ..approved.clone() };
    let err = s.write_rules(vec![change(&stale, RuleStatus::Proposed), change(&again, RuleStatus::Proposed)]).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    let p = s.list_rules().await.unwrap().into_iter().find(|r| r.id == phrase.id).unwrap();
    assert_eq!(p.status, RuleStatus::Proposed, "the first write of a refused batch is rolled back");
    // A version written twice is a conflict.
    assert!(matches!(s.write_rules(vec![new(&edited.rule)]).await, Err(Error::Conflict { .. })));
    // Two active versions of one lineage are refused.
    let v3 = Rule { version: 3, ..edited.rule.clone() };
    assert!(matches!(s.write_rules(vec![new(&v3)]).await, Err(Error::Conflict { .. })));
    assert_eq!(s.list_rules().await.unwrap().len(), 3);
}

pub async fn preferences_keep_their_context_embedding_and_can_be_edited(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = s.insert_content(post("Most teams think PLG means a free plan.")).await.unwrap();
    let record = |t: ContentType, text: &str, item: Option<ContentId>| PreferenceRecord {
        id: uuid::Uuid::now_v7(),
        content_type: t,
        content_item_id: item,
        context_embedding: vec![0.25, -0.5, 1.0],
        preference: text.into(),
        created_at: c.now(),
    };
    let a = s.insert_preference(record(ContentType::LinkedinPost, "short sentences, no emoji", Some(item.id))).await.unwrap();
    c.advance(Span::seconds(1));
    let b = s.insert_preference(record(ContentType::Newsletter, "a question at the end", None)).await.unwrap();
    assert_eq!(s.list_preferences(None).await.unwrap(), vec![a.clone(), b.clone()]);
    assert_eq!(s.list_preferences(Some(ContentType::Newsletter)).await.unwrap(), vec![b.clone()]);
    let edited = s.update_preference(a.id, "  short sentences  ".into()).await.unwrap();
    assert_eq!((edited.preference.as_str(), edited.context_embedding.clone()), ("short sentences", a.context_embedding.clone()));
    assert!(matches!(s.update_preference(a.id, " ".into()).await, Err(Error::InvalidInput { .. })));
    assert!(matches!(s.update_preference(uuid::Uuid::now_v7(), "x".into()).await, Err(Error::NotFound { .. })));
    assert!(matches!(s.insert_preference(record(ContentType::BlogPost, "", None)).await, Err(Error::InvalidInput { .. })));
    assert!(matches!(s.insert_preference(a).await, Err(Error::Conflict { .. })));
}

pub async fn a_deleted_preference_is_gone_and_deleting_it_again_is_not_found(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let record = |text: &str| PreferenceRecord {
        id: uuid::Uuid::now_v7(),
        content_type: ContentType::LinkedinPost,
        content_item_id: None,
        context_embedding: vec![1.0, 0.0],
        preference: text.into(),
        created_at: c.now(),
    };
    let a = s.insert_preference(record("no emoji")).await.unwrap();
    let b = s.insert_preference(record("short sentences")).await.unwrap();
    s.delete_preference(a.id).await.unwrap();
    assert_eq!(s.list_preferences(None).await.unwrap(), vec![b]);
    assert!(matches!(s.delete_preference(a.id).await, Err(Error::NotFound { .. })));
    assert!(matches!(s.delete_preference(uuid::Uuid::now_v7()).await, Err(Error::NotFound { .. })));
}

pub async fn edits_since_a_time_come_from_every_item_oldest_first(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let span = |o: &str| EditSpan {
        edit_type: EditType::Deletion,
        original_text: o.into(),
        edited_text: String::new(),
        section: EditSection::Body,
        pattern_tag: None,
    };
    let a = s.insert_content(post("We really grew fast.")).await.unwrap();
    let b = s.insert_content(post("It was really kind of good.")).await.unwrap();
    let update = |v: i32, text: &str, spans: Vec<EditSpan>| ContentUpdate {
        expected_version: v,
        title: None,
        content: Some(text.into()),
        edited_by: None,
        edits: spans,
    };
    s.update_content(a.id, update(1, "We grew fast.", vec![span("really")])).await.unwrap();
    c.advance(Span::minutes(10));
    let since = c.now();
    s.update_content(b.id, update(1, "It was good.", vec![span("really"), span("kind of")])).await.unwrap();
    c.advance(Span::minutes(1));
    s.update_content(a.id, update(2, "We grew.", vec![span("fast")])).await.unwrap();
    let edits = s.list_edits_since(since, 100).await.unwrap();
    let got: Vec<(ContentId, i32, &str)> = edits.iter().map(|e| (e.content_item_id, e.version, e.original_text.as_str())).collect();
    assert_eq!(got.len(), 3);
    assert_eq!((got[0].0, got[0].1), (b.id, 2));
    assert_eq!(got[2], (a.id, 3, "fast"));
    assert_eq!(s.list_edits_since(since, 2).await.unwrap().len(), 2);
    assert_eq!(s.list_edits_since(since - Span::hours(1), 100).await.unwrap().len(), 4);
}

pub async fn the_best_time_is_set_on_an_item_without_a_new_version(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = s.insert_content(post("Most teams think PLG means a free plan.")).await.unwrap();
    let at = c.now() + Span::hours(20);
    let predicted = serde_json::json!({"engagement_rate": 0.031, "posts": 4});
    let set = s.set_best_time(item.id, Some(at), Some(predicted.clone())).await.unwrap();
    assert_eq!((set.best_publish_time, set.predicted_engagement.clone(), set.version), (Some(at), Some(predicted), 1));
    assert_eq!(s.get_content(item.id).await.unwrap(), set);
    let cleared = s.set_best_time(item.id, None, None).await.unwrap();
    assert_eq!((cleared.best_publish_time, cleared.predicted_engagement), (None, None));
    assert!(matches!(s.set_best_time(ContentId::new(), Some(at), None).await, Err(Error::NotFound { .. })));
}
