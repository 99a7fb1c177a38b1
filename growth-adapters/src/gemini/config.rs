//! Google Meet settings.

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::HttpConfig;

/// Settings of [`GeminiIngestor`](super::GeminiIngestor). `Debug` hides the token.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeminiConfig {
    /// OAuth 2.0 access token with `https://www.googleapis.com/auth/meetings.space.readonly`.
    pub access_token: SecretString,
    /// Meet API base URL.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Page size for transcript entries (Meet's maximum is 100).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Timeouts, retries, rate limit.
    #[serde(default)]
    pub http: HttpConfig,
}

impl GeminiConfig {
    /// A configuration with defaults for everything but the token.
    pub fn new(access_token: SecretString) -> Self {
        Self { access_token, base_url: default_base_url(), page_size: default_page_size(), http: HttpConfig::default() }
    }
}

fn default_base_url() -> String {
    "https://meet.googleapis.com".to_owned()
}

fn default_page_size() -> u32 {
    100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", GeminiConfig::new(SecretString::from("sk-live-123")));
        assert!(!shown.contains("sk-live-123"), "{shown}");
    }
}
