//! [`FixedMetrics`]: a metrics source that answers from numbers it was given (an imported CSV,
//! tests of a sync).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use super::metrics::{Metric, PostMetrics};
use super::source::{MetricsCapabilities, MetricsRequest, MetricsSource};
use crate::domain::Platform;
use crate::{Error, Result};

/// Answers each post's numbers from a table keyed by `platform_post_id`; a post it was not given
/// is `Error::NotFound`. Clones share the table.
#[derive(Clone, Debug)]
pub struct FixedMetrics {
    platform: Platform,
    table: Arc<RwLock<HashMap<String, PostMetrics>>>,
}

impl FixedMetrics {
    /// An empty table for `platform`.
    pub fn new(platform: Platform) -> Self {
        Self { platform, table: Arc::default() }
    }

    /// Sets the numbers of `platform_post_id` (replacing earlier ones).
    pub fn set(&self, platform_post_id: impl Into<String>, metrics: PostMetrics) {
        self.table.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(platform_post_id.into(), metrics);
    }
}

#[async_trait]
impl MetricsSource for FixedMetrics {
    fn platform(&self) -> Platform {
        self.platform
    }

    fn capabilities(&self) -> MetricsCapabilities {
        MetricsCapabilities { metrics: Metric::ALL.to_vec(), max_batch: usize::MAX, calls_per_post: 0, lifetime_totals: true }
    }

    async fn fetch(&self, req: &MetricsRequest) -> Result<PostMetrics> {
        let table = self.table.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        table.get(&req.platform_post_id).copied().ok_or_else(|| Error::not_found("post", &req.platform_post_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContentId;

    #[tokio::test]
    async fn it_answers_what_it_was_given_and_not_found_otherwise() {
        let m = FixedMetrics::new(Platform::LINKEDIN);
        m.set("urn:li:share:1", PostMetrics::default().with(Metric::Impressions, 42));
        let got = m.fetch(&MetricsRequest::new(ContentId::new(), "urn:li:share:1")).await.unwrap();
        assert_eq!(got.impressions, Some(42));
        let missing = m.fetch(&MetricsRequest::new(ContentId::new(), "urn:li:share:2")).await;
        assert!(matches!(missing, Err(Error::NotFound { .. })));
    }
}
