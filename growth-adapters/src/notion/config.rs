//! Notion settings.

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::{HttpConfig, RateLimitConfig};

/// The `Notion-Version` sent unless configured otherwise: the first version whose databases hold
/// data sources (pages are created under a `data_source_id`).
pub const DEFAULT_NOTION_VERSION: &str = "2025-09-03";

/// Settings of [`NotionPublisher`](super::NotionPublisher). `Debug` hides the token.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotionConfig {
    /// The integration token, sent as `Authorization: Bearer`.
    pub api_token: SecretString,
    /// `Notion-Version` header. From `2025-09-03` on, pages go under a data source
    /// ([`data_source_id`](Self::data_source_id)); before it, under a database
    /// ([`database_id`](Self::database_id)).
    #[serde(default = "default_notion_version")]
    pub notion_version: String,
    /// The tracking database's data source (`GET /v1/databases/{id}` → `data_sources[].id`), for
    /// `Notion-Version` 2025-09-03 and later.
    #[serde(default)]
    pub data_source_id: Option<String>,
    /// The tracking database, for `Notion-Version` before 2025-09-03.
    #[serde(default)]
    pub database_id: Option<String>,
    /// The database's property names.
    #[serde(default)]
    pub properties: NotionProperties,
    /// The status `publish` writes.
    #[serde(default = "default_published_status")]
    pub published_status: String,
    /// API base URL.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Timeouts, retries, rate limit (3 requests a second unless set, Notion's documented average).
    #[serde(default = "default_http")]
    pub http: HttpConfig,
}

impl NotionConfig {
    /// A configuration for `Notion-Version` [`DEFAULT_NOTION_VERSION`] with pages under
    /// `data_source_id`, defaults for everything else.
    pub fn new(api_token: SecretString, data_source_id: impl Into<String>) -> Self {
        Self {
            api_token,
            notion_version: default_notion_version(),
            data_source_id: Some(data_source_id.into()),
            database_id: None,
            properties: NotionProperties::default(),
            published_status: default_published_status(),
            base_url: default_base_url(),
            http: default_http(),
        }
    }
}

/// Whether the status property is a `select` or a Notion `status` property.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusKind {
    /// A `select` property.
    #[default]
    Select,
    /// A `status` property.
    Status,
}

/// The names of the tracking database's properties. A property whose name is empty is not written.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotionProperties {
    /// The title property (the post's title).
    pub title: String,
    /// The status property.
    pub status: String,
    /// Its kind.
    pub status_kind: StatusKind,
    /// A date property: when the post went out.
    pub published_at: String,
    /// A URL property: where the post is.
    pub url: String,
    /// A rich-text property holding our content item id: how a page is found again.
    pub content_id: String,
}

impl Default for NotionProperties {
    fn default() -> Self {
        Self {
            title: "Name".into(),
            status: "Status".into(),
            status_kind: StatusKind::Select,
            published_at: "Published".into(),
            url: "URL".into(),
            content_id: "Content ID".into(),
        }
    }
}

fn default_notion_version() -> String {
    DEFAULT_NOTION_VERSION.to_owned()
}

fn default_published_status() -> String {
    "Published".to_owned()
}

fn default_base_url() -> String {
    "https://api.notion.com".to_owned()
}

fn default_http() -> HttpConfig {
    HttpConfig { rate_limit: Some(RateLimitConfig { requests: 3, per: std::time::Duration::from_secs(1) }), ..HttpConfig::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_token() {
        let shown = format!("{:?}", NotionConfig::new(SecretString::from("ntn_live_123"), "ds"));
        assert!(!shown.contains("ntn_live_123"), "{shown}");
    }

    #[test]
    fn config_fills_defaults_and_reads_property_names() {
        let c: NotionConfig = serde_json::from_value(serde_json::json!({
            "api_token": "t", "notion_version": "2022-06-28", "database_id": "db",
            "properties": {"title": "Post", "status_kind": "status"}
        }))
        .unwrap();
        assert_eq!(c.properties.title, "Post");
        assert_eq!(c.properties.status, "Status");
        assert_eq!(c.properties.status_kind, StatusKind::Status);
        assert_eq!(c.http.rate_limit.as_ref().map(|r| r.requests), Some(3));
        assert!(serde_json::from_value::<NotionConfig>(serde_json::json!({"api_token": "t", "bogus": 1})).is_err());
    }
}
