//! GPTZero settings.

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::HttpConfig;

/// Settings of [`GptZeroDetector`](super::GptZeroDetector). `Debug` hides the key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GptZeroConfig {
    /// The API key, sent as `x-api-key: <key>`.
    pub api_key: SecretString,
    /// API base URL, `https://api.gptzero.me` by default.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// GPTZero model version (`version`, e.g. `"2024-11-04-base"`); GPTZero's current one when unset.
    #[serde(default)]
    pub model_version: Option<String>,
    /// Ask for the multilingual model (`multilingual`).
    #[serde(default)]
    pub multilingual: bool,
    /// Longest text sent, in chars: GPTZero truncates documents at 50,000, and a score of a
    /// prefix would be misleading, so a longer text is `InvalidInput`.
    #[serde(default = "default_max_chars")]
    pub max_chars: usize,
    /// Timeouts, retries, rate limit.
    #[serde(default)]
    pub http: HttpConfig,
}

impl GptZeroConfig {
    /// A configuration with defaults for everything but the key.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            api_key,
            base_url: default_base_url(),
            model_version: None,
            multilingual: false,
            max_chars: default_max_chars(),
            http: HttpConfig::default(),
        }
    }
}

fn default_base_url() -> String {
    "https://api.gptzero.me".to_owned()
}

fn default_max_chars() -> usize {
    50_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", GptZeroConfig::new(SecretString::from("gz-live-123")));
        assert!(!shown.contains("gz-live-123"), "{shown}");
    }

    #[test]
    fn a_config_file_needs_only_the_key() {
        let c: GptZeroConfig = serde_json::from_value(serde_json::json!({"api_key": "k", "http": {"timeout_ms": 2000}})).unwrap();
        assert_eq!(c.base_url, "https://api.gptzero.me");
        assert_eq!(c.max_chars, 50_000);
        assert_eq!(c.http.timeout, std::time::Duration::from_secs(2));
    }
}
