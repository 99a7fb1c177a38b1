//! Wire types (`pub(crate)`: never part of the public API).

use serde::{Deserialize, Serialize};

use super::config::Visibility;

/// `POST /rest/posts` body: a text-only post.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatePost<'a> {
    pub(crate) author: &'a str,
    pub(crate) commentary: &'a str,
    pub(crate) visibility: Visibility,
    pub(crate) distribution: Distribution,
    pub(crate) lifecycle_state: &'static str,
    pub(crate) is_reshare_disabled_by_author: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Distribution {
    pub(crate) feed_distribution: &'static str,
    pub(crate) target_entities: &'static [&'static str],
    pub(crate) third_party_distribution_channels: &'static [&'static str],
}

impl Distribution {
    pub(crate) fn main_feed() -> Self {
        Self { feed_distribution: "MAIN_FEED", target_entities: &[], third_party_distribution_channels: &[] }
    }
}

/// `GET /rest/posts?q=author` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct PostsPage {
    #[serde(default)]
    pub(crate) elements: Vec<Post>,
}

/// The fields of a post we read (the Posts API record; unknown fields ignored).
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Post {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) commentary: String,
    #[serde(default)]
    pub(crate) created_at: Option<i64>,
    #[serde(default)]
    pub(crate) published_at: Option<i64>,
    #[serde(default)]
    pub(crate) last_modified_at: Option<i64>,
    #[serde(default)]
    pub(crate) lifecycle_state: Option<String>,
}

/// The token endpoint's answer.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    pub(crate) expires_in: i64,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
    #[serde(default)]
    pub(crate) refresh_token_expires_in: Option<i64>,
}

/// `GET /rest/memberCreatorPostAnalytics` answer: `{"paging": {…}, "elements": [{"count": 2,
/// "metricType": …, "targetEntity": {"share": "urn:li:share:1"}}]}`. An empty `elements` means
/// LinkedIn has no number (unavailable, not zero).
#[derive(Debug, Deserialize)]
pub(crate) struct AnalyticsPage {
    #[serde(default)]
    pub(crate) elements: Vec<AnalyticsElement>,
}

/// One data point.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AnalyticsElement {
    #[serde(default)]
    pub(crate) count: Option<i64>,
    /// `"IMPRESSION"` (from 202605, reportedly) or the older
    /// `{"com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1": "IMPRESSION"}`.
    #[serde(default)]
    pub(crate) metric_type: Option<serde_json::Value>,
    /// `{"share": urn}`, `{"ugc": urn}` or `{"ugcPost": urn}`.
    #[serde(default)]
    pub(crate) target_entity: Option<serde_json::Value>,
}

impl AnalyticsElement {
    /// The metric's name in either shape.
    pub(crate) fn metric_name(&self) -> Option<&str> {
        match self.metric_type.as_ref()? {
            serde_json::Value::String(s) => Some(s.as_str()),
            serde_json::Value::Object(o) => o.values().find_map(serde_json::Value::as_str),
            _ => None,
        }
    }

    /// The post it is about, whatever the union key.
    pub(crate) fn target(&self) -> Option<&str> {
        let t = self.target_entity.as_ref()?.as_object()?;
        ["share", "ugc", "ugcPost"].iter().find_map(|k| t.get(*k).and_then(serde_json::Value::as_str))
    }
}

/// `GET /rest/organizationalEntityShareStatistics` answer; posts without activity are omitted.
#[derive(Debug, Deserialize)]
pub(crate) struct ShareStatsPage {
    #[serde(default)]
    pub(crate) elements: Vec<ShareStatsElement>,
}

/// One post's lifetime statistics.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ShareStatsElement {
    #[serde(default)]
    pub(crate) share: Option<String>,
    #[serde(default)]
    pub(crate) ugc_post: Option<String>,
    #[serde(default)]
    pub(crate) total_share_statistics: ShareStats,
}

/// `totalShareStatistics`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ShareStats {
    #[serde(default)]
    pub(crate) impression_count: Option<i64>,
    #[serde(default)]
    pub(crate) unique_impressions_count: Option<i64>,
    #[serde(default)]
    pub(crate) click_count: Option<i64>,
    #[serde(default)]
    pub(crate) like_count: Option<i64>,
    #[serde(default)]
    pub(crate) comment_count: Option<i64>,
    #[serde(default)]
    pub(crate) share_count: Option<i64>,
}
