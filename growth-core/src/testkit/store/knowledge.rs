//! The knowledge base, ICP profiles and objections.

use std::sync::Arc;

use chrono::Duration as Span;
use serde_json::json;

use super::FullStore;
use super::approved_item;
use crate::Error;
use crate::clock::{Clock, ManualClock};
use crate::domain::*;

pub async fn knowledge_items_are_crud_and_edits_clear_the_embedding(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
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

pub async fn icp_profiles_are_crud_with_their_lists(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
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

pub async fn objections_count_mentions_case_insensitively(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
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
