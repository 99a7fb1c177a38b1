//! Conformance suite for [`Publisher`]s that can reconcile.

use std::sync::Arc;

use crate::domain::{ContentId, ContentType, ScheduleId};
use crate::publish::{PublishRequest, Publisher};

/// A request for a fresh schedule.
pub fn request(content_type: ContentType) -> PublishRequest {
    PublishRequest {
        schedule_id: ScheduleId::new(),
        content_item_id: ContentId::new(),
        content_type,
        title: Some("The PLG Paradox".into()),
        content: "Most teams add a free plan and call it product-led.\n\nThat's not it. What would you change first?".into(),
        platform_data: serde_json::Value::Null,
        attempted_at: None,
    }
}

/// Runs every check against publishers from `make`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn Publisher>>,
{
    super::named("a_published_post_is_found_by_reconcile", a_published_post_is_found_by_reconcile(make().await)).await;
    super::named("a_post_never_sent_is_provably_absent", a_post_never_sent_is_provably_absent(make().await)).await;
}

pub async fn a_published_post_is_found_by_reconcile(p: Arc<dyn Publisher>) {
    let req = request(ContentType::LinkedinPost);
    let published = p.publish(&req).await.unwrap();
    assert!(!published.platform_post_id.is_empty());
    if p.capabilities().reconcile {
        let found = p.reconcile(&req).await.unwrap().expect("reconcile must find a post that was published");
        assert_eq!(found.platform_post_id, published.platform_post_id);
    }
}

pub async fn a_post_never_sent_is_provably_absent(p: Arc<dyn Publisher>) {
    if p.capabilities().reconcile {
        assert!(p.reconcile(&request(ContentType::LinkedinPost)).await.unwrap().is_none());
    }
}
