//! What published content earned.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AnalyticsId, ContentId, Platform};

/// Counters a platform reports for one post.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EngagementMetrics {
    /// Times shown.
    pub impressions: i64,
    /// Clicks.
    pub clicks: i64,
    /// Likes / reactions.
    pub likes: i64,
    /// Comments.
    pub comments: i64,
    /// Shares / reposts.
    pub shares: i64,
}

/// Engagement, conversions and attributed revenue of one item on one platform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Analytics {
    /// Id.
    pub id: AnalyticsId,
    /// The item.
    pub content_item_id: ContentId,
    /// Platform (unique together with the item).
    pub platform: Platform,
    /// Engagement counters.
    pub engagement: EngagementMetrics,
    /// Visits to the website attributed to the item.
    pub website_visits: i64,
    /// Lead sign-ups attributed to the item.
    pub lead_signups: i64,
    /// Demo requests attributed to the item.
    pub demo_requests: i64,
    /// Revenue attributed to the item, in cents (integer money: no float rounding).
    pub attributed_revenue_cents: i64,
    /// Last sync.
    pub last_updated: DateTime<Utc>,
}

/// The lead counters of an analytics row, as attribution computes them from lead events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCounters {
    /// Website visits.
    pub website_visits: i64,
    /// Lead sign-ups.
    pub lead_signups: i64,
    /// Demo requests.
    pub demo_requests: i64,
    /// Attributed revenue, cents.
    pub attributed_revenue_cents: i64,
}

/// Input for writing analytics (insert or replace for the item and platform).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyticsUpdate {
    /// Engagement counters.
    pub engagement: EngagementMetrics,
    /// Website visits.
    pub website_visits: i64,
    /// Lead sign-ups.
    pub lead_signups: i64,
    /// Demo requests.
    pub demo_requests: i64,
    /// Attributed revenue, cents.
    pub attributed_revenue_cents: i64,
}
