//! Customer.io settings.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::{HttpConfig, millis};

/// Where the workspace's data lives: it picks the App API host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// `https://api.customer.io`.
    #[default]
    Us,
    /// `https://api-eu.customer.io`.
    Eu,
}

impl Region {
    /// The App API base URL (paths start with `/v1`).
    pub fn app_api_base(self) -> &'static str {
        match self {
            Self::Us => "https://api.customer.io",
            Self::Eu => "https://api-eu.customer.io",
        }
    }
}

/// Settings of [`CustomerIoPublisher`](super::CustomerIoPublisher). `Debug` hides the key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerIoConfig {
    /// The App API key, sent as `Authorization: Bearer <key>`.
    pub app_api_key: SecretString,
    /// The workspace's region.
    #[serde(default)]
    pub region: Region,
    /// Overrides the region's App API base URL (a proxy, tests).
    #[serde(default)]
    pub base_url: Option<String>,
    /// The API-triggered broadcast to trigger; a request's `platform_data.broadcast_id` wins.
    #[serde(default)]
    pub broadcast_id: Option<u64>,
    /// The segment to send to; a request's `platform_data` audience (`segment_id`, `ids`,
    /// `emails`) wins. Without either, the broadcast's own audience.
    #[serde(default)]
    pub segment_id: Option<u64>,
    /// Least time between two broadcast triggers from this process, in ms as
    /// `min_trigger_interval_ms`. Customer.io allows one trigger every 10 s.
    #[serde(default = "default_interval", rename = "min_trigger_interval_ms", with = "millis")]
    pub min_trigger_interval: Duration,
    /// The longest a publish waits for the limiter before answering `RateLimited`, in ms as
    /// `max_limiter_wait_ms`.
    #[serde(default = "default_interval", rename = "max_limiter_wait_ms", with = "millis")]
    pub max_limiter_wait: Duration,
    /// Timeouts, retries, rate limit.
    #[serde(default)]
    pub http: HttpConfig,
}

impl CustomerIoConfig {
    /// A configuration for the US region with defaults for everything but the key.
    pub fn new(app_api_key: SecretString) -> Self {
        Self {
            app_api_key,
            region: Region::Us,
            base_url: None,
            broadcast_id: None,
            segment_id: None,
            min_trigger_interval: default_interval(),
            max_limiter_wait: default_interval(),
            http: HttpConfig::default(),
        }
    }

    /// The App API base URL in use.
    pub fn app_api_base(&self) -> &str {
        self.base_url.as_deref().unwrap_or(self.region.app_api_base())
    }
}

fn default_interval() -> Duration {
    Duration::from_secs(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_key() {
        let shown = format!("{:?}", CustomerIoConfig::new(SecretString::from("cio-app-key")));
        assert!(!shown.contains("cio-app-key"), "{shown}");
    }

    #[test]
    fn the_region_picks_the_host_and_defaults_follow_the_limits() {
        let c: CustomerIoConfig = serde_json::from_value(serde_json::json!({"app_api_key": "k", "region": "eu"})).unwrap();
        assert_eq!(c.app_api_base(), "https://api-eu.customer.io");
        assert_eq!(c.min_trigger_interval, Duration::from_secs(10));
        assert_eq!(CustomerIoConfig::new(SecretString::from("k")).app_api_base(), "https://api.customer.io");
        assert!(serde_json::from_value::<CustomerIoConfig>(serde_json::json!({"app_api_key": "k", "segment": 1})).is_err());
    }
}
