//! Webflow settings.

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::{HttpConfig, RateLimitConfig};

/// How a new item goes live.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishMode {
    /// `POST /collections/{id}/items/live`: the item is live at once.
    #[default]
    Live,
    /// `POST /collections/{id}/items`: the item is staged and goes live with the next site publish.
    Staged,
    /// A staged create, then `POST /collections/{id}/items/publish` with its id.
    StagedThenPublish,
}

/// Settings of [`WebflowPublisher`](super::WebflowPublisher). `Debug` hides the token.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebflowConfig {
    /// Site token or OAuth token with `CMS:read` and `CMS:write`, sent as `Authorization: Bearer`.
    pub api_token: SecretString,
    /// The blog collection.
    pub collection_id: String,
    /// The collection field (its slug) that takes the post body as HTML.
    #[serde(default = "default_body_field")]
    pub body_field: String,
    /// A plain-text collection field (its slug) that stores our content item id. When set, an item
    /// is recognised as ours by it; otherwise by its name being our title.
    #[serde(default)]
    pub content_id_field: Option<String>,
    /// Live, staged, or staged then published.
    #[serde(default)]
    pub mode: PublishMode,
    /// The public site (`https://example.com`), for the post URL; no URL without it.
    #[serde(default)]
    pub site_url: Option<String>,
    /// The collection's path on the site (`blog` gives `https://example.com/blog/{slug}`).
    #[serde(default = "default_collection_path")]
    pub collection_path: String,
    /// How many slugs to try (`slug`, `slug-2` … `slug-N`) before giving up on a taken slug.
    #[serde(default = "default_max_slug_attempts")]
    pub max_slug_attempts: u32,
    /// API base URL.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Timeouts, retries, rate limit (60 requests a minute unless set: the Starter/Basic plan).
    #[serde(default = "default_http")]
    pub http: HttpConfig,
}

impl WebflowConfig {
    /// A configuration with defaults for everything but the token and the collection.
    pub fn new(api_token: SecretString, collection_id: impl Into<String>) -> Self {
        Self {
            api_token,
            collection_id: collection_id.into(),
            body_field: default_body_field(),
            content_id_field: None,
            mode: PublishMode::default(),
            site_url: None,
            collection_path: default_collection_path(),
            max_slug_attempts: default_max_slug_attempts(),
            base_url: default_base_url(),
            http: default_http(),
        }
    }
}

/// Settings of [`WebflowMetrics`](super::WebflowMetrics) (the Analyze API). Only set them when
/// the workspace has the paid Analyze add-on: without them no Analyze call is made and a blog
/// post's visits come only from attributed leads. `Debug` hides the token.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebflowAnalyticsConfig {
    /// A site token or OAuth token with `sites:read`, sent as `Authorization: Bearer`.
    pub api_token: SecretString,
    /// The site whose reports are read.
    pub site_id: String,
    /// The blog collection posts are matched in (a request's `platform_data.collection_id` wins).
    #[serde(default)]
    pub collection_id: Option<String>,
    /// How far back a report reaches, in days (Webflow allows at most 100).
    #[serde(default = "default_window_days")]
    pub window_days: u32,
    /// Rows per report (the top pages), at most 250.
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// What the report ranks by: `session`, `user` or `pageview`.
    #[serde(default = "default_sort_by")]
    pub sort_by: String,
    /// The longest a read waits for this token's one Analyze request in flight, in ms as
    /// `max_queue_wait_ms`, before answering `RateLimited`.
    #[serde(default = "default_queue_wait", rename = "max_queue_wait_ms", deserialize_with = "millis")]
    pub max_queue_wait: std::time::Duration,
    /// API base URL.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Timeouts, retries, rate limit (60 requests a minute unless set).
    #[serde(default = "default_http")]
    pub http: HttpConfig,
}

impl WebflowAnalyticsConfig {
    /// A configuration for `site_id` with defaults for everything but the token.
    pub fn new(api_token: SecretString, site_id: impl Into<String>) -> Self {
        Self {
            api_token,
            site_id: site_id.into(),
            collection_id: None,
            window_days: default_window_days(),
            limit: default_limit(),
            sort_by: default_sort_by(),
            max_queue_wait: default_queue_wait(),
            base_url: default_base_url(),
            http: default_http(),
        }
    }
}

/// A duration in configuration files: whole milliseconds.
fn millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<std::time::Duration, D::Error> {
    Ok(std::time::Duration::from_millis(u64::deserialize(d)?))
}

fn default_window_days() -> u32 {
    100
}

fn default_limit() -> u32 {
    250
}

fn default_sort_by() -> String {
    "session".to_owned()
}

fn default_queue_wait() -> std::time::Duration {
    std::time::Duration::from_secs(120)
}

fn default_body_field() -> String {
    "post-body".to_owned()
}

fn default_collection_path() -> String {
    "blog".to_owned()
}

fn default_max_slug_attempts() -> u32 {
    10
}

fn default_base_url() -> String {
    "https://api.webflow.com".to_owned()
}

/// Webflow allows 60 requests a minute per key on Starter and Basic plans (120 on CMS and
/// Business): the lower one is the safe default.
fn default_http() -> HttpConfig {
    HttpConfig { rate_limit: Some(RateLimitConfig { requests: 60, per: std::time::Duration::from_secs(60) }), ..HttpConfig::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_token() {
        let shown = format!("{:?}", WebflowConfig::new(SecretString::from("wf-live-123"), "c1"));
        assert!(!shown.contains("wf-live-123"), "{shown}");
    }

    #[test]
    fn analytics_settings_fill_defaults_and_hide_the_token() {
        let c: WebflowAnalyticsConfig =
            serde_json::from_value(serde_json::json!({"api_token": "wf-secret", "site_id": "580e63e98c9a982ac9b8b741"})).unwrap();
        assert_eq!((c.window_days, c.limit, c.sort_by.as_str()), (100, 250, "session"));
        assert!(!format!("{c:?}").contains("wf-secret"));
        assert!(serde_json::from_value::<WebflowAnalyticsConfig>(serde_json::json!({"api_token": "t", "site_id": "s", "x": 1})).is_err());
    }

    #[test]
    fn config_fills_defaults_and_reads_the_mode() {
        let c: WebflowConfig =
            serde_json::from_value(serde_json::json!({"api_token": "t", "collection_id": "c1", "mode": "staged_then_publish"})).unwrap();
        assert_eq!(c.mode, PublishMode::StagedThenPublish);
        assert_eq!(c.body_field, "post-body");
        assert_eq!(c.max_slug_attempts, 10);
        assert_eq!(c.http.rate_limit.as_ref().map(|r| r.requests), Some(60));
        assert!(serde_json::from_value::<WebflowConfig>(serde_json::json!({"api_token": "t", "collection_id": "c", "bogus": 1})).is_err());
    }
}
