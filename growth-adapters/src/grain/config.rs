//! Grain settings.

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::HttpConfig;

/// Settings of [`GrainIngestor`](super::GrainIngestor). `Debug` hides the token.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrainConfig {
    /// Personal or workspace access token (or an OAuth access token), sent as `Bearer`.
    pub token: SecretString,
    /// API base URL.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// `Public-Api-Version` header value.
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// Timeouts, retries, rate limit.
    #[serde(default)]
    pub http: HttpConfig,
}

impl GrainConfig {
    /// A configuration with defaults for everything but the token.
    pub fn new(token: SecretString) -> Self {
        Self { token, base_url: default_base_url(), api_version: default_api_version(), http: HttpConfig::default() }
    }
}

fn default_base_url() -> String {
    "https://api.grain.com/_/public-api/v2".to_owned()
}

fn default_api_version() -> String {
    "2025-10-31".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", GrainConfig::new(SecretString::from("sk-live-123")));
        assert!(!shown.contains("sk-live-123"), "{shown}");
    }
}
