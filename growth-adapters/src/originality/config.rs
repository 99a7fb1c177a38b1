//! Originality.ai settings.

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::HttpConfig;

/// Settings of [`OriginalityDetector`](super::OriginalityDetector). `Debug` hides the key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginalityConfig {
    /// The API key, sent as `X-OAI-API-KEY: <key>`.
    pub api_key: SecretString,
    /// API base URL, `https://api.originality.ai/api/v1` by default.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Path of the AI scan under `base_url`, `/scan/ai` by default (unverified; one client uses
    /// `/scan/ai-scan`).
    #[serde(default = "default_scan_path")]
    pub scan_path: String,
    /// Detection model (`aiModelVersion`), `"1"` by default ("2.0 Current"; `"3"` multilingual).
    #[serde(default = "default_model")]
    pub ai_model_version: String,
    /// Keep the scan in the Originality.ai dashboard (`storeScan`); off by default.
    #[serde(default)]
    pub store_scan: bool,
    /// Timeouts, retries, rate limit.
    #[serde(default)]
    pub http: HttpConfig,
}

impl OriginalityConfig {
    /// A configuration with defaults for everything but the key.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            api_key,
            base_url: default_base_url(),
            scan_path: default_scan_path(),
            ai_model_version: default_model(),
            store_scan: false,
            http: HttpConfig::default(),
        }
    }
}

fn default_base_url() -> String {
    "https://api.originality.ai/api/v1".to_owned()
}

fn default_scan_path() -> String {
    "/scan/ai".to_owned()
}

fn default_model() -> String {
    "1".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", OriginalityConfig::new(SecretString::from("oai-live-123")));
        assert!(!shown.contains("oai-live-123"), "{shown}");
    }

    #[test]
    fn a_config_file_needs_only_the_key() {
        let c: OriginalityConfig = serde_json::from_value(serde_json::json!({"api_key": "k"})).unwrap();
        assert_eq!(c.base_url, "https://api.originality.ai/api/v1");
        assert_eq!(c.scan_path, "/scan/ai");
        assert_eq!(c.ai_model_version, "1");
        assert!(!c.store_scan);
    }
}
