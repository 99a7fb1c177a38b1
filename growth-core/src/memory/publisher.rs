//! [`RecordingPublisher`]: a publisher that keeps what it was asked to publish.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;

use crate::Result;
use crate::domain::{Platform, ScheduleId};
use crate::publish::{Publication, PublishRequest, Publisher, PublisherCapabilities};

/// Publishes into a list, for tests and dry runs. Reconciles by schedule id, so it demonstrates
/// the full contract: a post it holds is found, one it does not is provably absent.
#[derive(Clone, Debug)]
pub struct RecordingPublisher {
    platform: Platform,
    published: Arc<Mutex<Vec<(PublishRequest, Publication)>>>,
}

impl RecordingPublisher {
    /// A publisher that pretends to be `platform`.
    pub fn new(platform: Platform) -> Self {
        Self { platform, published: Arc::default() }
    }

    /// Everything published so far, in order.
    pub fn published(&self) -> Vec<(PublishRequest, Publication)> {
        self.published.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// How many times a schedule was sent (the exactly-once check).
    pub fn sends_for(&self, schedule_id: ScheduleId) -> usize {
        self.published
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|(r, _)| r.schedule_id == schedule_id)
            .count()
    }
}

#[async_trait]
impl Publisher for RecordingPublisher {
    fn name(&self) -> String {
        "recording".into()
    }

    fn platform(&self) -> Platform {
        self.platform
    }

    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }

    async fn publish(&self, req: &PublishRequest) -> Result<Publication> {
        if req.content.trim().is_empty() {
            return Err(crate::Error::invalid_field("content", "nothing to publish"));
        }
        let mut list = self.published.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = list.len() + 1;
        let p = Publication {
            platform_post_id: format!("recorded-{n}"),
            url: Some(format!("memory://{}/{}", self.platform, req.schedule_id)),
            published_at: Utc::now(),
            via: "recording".into(),
            log: serde_json::json!({ "schedule_id": req.schedule_id, "content_item_id": req.content_item_id }),
        };
        list.push((req.clone(), p.clone()));
        Ok(p)
    }

    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        let list = self.published.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(list.iter().find(|(r, _)| r.schedule_id == req.schedule_id).map(|(_, p)| p.clone()))
    }
}
