//! Every lookup and change of an unknown id is `NotFound`.

use std::sync::Arc;

use super::FullStore;
use super::{post, sched};
use crate::Error;
use crate::clock::ManualClock;
use crate::domain::*;

pub async fn unknown_ids_are_not_found_everywhere(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
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
    nf(s.create_schedule(sched(ContentId::new(), Platform::LINKEDIN, crate::testkit::epoch())).await);
    nf(s.cancel_schedule(ScheduleId::new()).await);
    nf(s.get_analytics(ContentId::new(), Platform::LINKEDIN).await);
    nf(s.get_knowledge(KnowledgeId::new()).await);
    nf(s.delete_knowledge(KnowledgeId::new()).await);
    nf(s.get_icp_profile(IcpProfileId::new()).await);
    nf(s.delete_icp_profile(IcpProfileId::new()).await);
    nf(s.link_objection_content(ObjectionId::new(), ContentId::new()).await);
}
