//! Reading what published content earned.

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::domain::{ContentId, EngagementMetrics, Platform};

/// Which post to read metrics for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricsRequest {
    /// The item.
    pub content_item_id: ContentId,
    /// The platform's id for the post.
    pub platform_post_id: String,
    /// Its URL.
    pub url: Option<String>,
}

/// Reads engagement counters from one platform.
///
/// Contract: read-only and retryable; a post the platform no longer has is `Error::NotFound`;
/// counters never go down between calls unless the platform corrected them.
#[async_trait]
pub trait MetricsSource: Send + Sync + Debug + 'static {
    /// The platform.
    fn platform(&self) -> Platform;
    /// Reads the counters.
    async fn fetch(&self, req: &MetricsRequest) -> Result<EngagementMetrics>;
}

fn _assert_dyn(_: &dyn MetricsSource) {}
