//! [`OpenAiConfig`].

use std::fmt;

use secrecy::SecretString;
use serde::Deserialize;

/// How to reach OpenAI and which embedding model to use.
///
/// Deserializes from configuration; everything but `api_key` has a default. `Debug` never shows the key.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct OpenAiConfig {
    /// The API key, sent as `Authorization: Bearer …`.
    pub api_key: SecretString,
    /// API base URL, without a trailing `/embeddings` (default `https://api.openai.com/v1`).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Embedding model (default `text-embedding-3-small`).
    #[serde(default = "default_model")]
    pub model: String,
    /// Requested vector length (`text-embedding-3*` only); `None` uses the model's native size.
    #[serde(default)]
    pub dimensions: Option<usize>,
    /// Optional `OpenAI-Organization` header.
    #[serde(default)]
    pub organization: Option<String>,
    /// Optional `OpenAI-Project` header.
    #[serde(default)]
    pub project: Option<String>,
    /// Timeout of one HTTP request, in milliseconds (default 60 000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Attempts per request in all, the first included (default 3: one try and two retries, as the SDK).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// First backoff when the server suggests no wait, in milliseconds (default 500).
    #[serde(default = "default_initial_backoff_ms")]
    pub initial_backoff_ms: u64,
    /// Ceiling of the exponential backoff, in milliseconds (default 8 000).
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
}

fn default_base_url() -> String {
    "https://api.openai.com/v1".into()
}
fn default_model() -> String {
    "text-embedding-3-small".into()
}
fn default_timeout_ms() -> u64 {
    60_000
}
fn default_max_attempts() -> u32 {
    3
}
fn default_initial_backoff_ms() -> u64 {
    500
}
fn default_max_backoff_ms() -> u64 {
    8_000
}

impl OpenAiConfig {
    /// A configuration with `api_key` and every default.
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            api_key: SecretString::from(api_key.into()),
            base_url: default_base_url(),
            model: default_model(),
            dimensions: None,
            organization: None,
            project: None,
            timeout_ms: default_timeout_ms(),
            max_attempts: default_max_attempts(),
            initial_backoff_ms: default_initial_backoff_ms(),
            max_backoff_ms: default_max_backoff_ms(),
        }
    }
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("api_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("dimensions", &self.dimensions)
            .field("organization", &self.organization)
            .field("project", &self.project)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff_ms", &self.initial_backoff_ms)
            .field("max_backoff_ms", &self.max_backoff_ms)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let text = format!("{:?}", OpenAiConfig::new("sk-very-secret"));
        assert!(!text.contains("sk-very-secret"), "{text}");
        assert!(text.contains("redacted"));
    }

    #[test]
    fn deserializes_with_defaults() {
        let c: OpenAiConfig = serde_json::from_str(r#"{"api_key": "sk-x", "dimensions": 256}"#).unwrap();
        assert_eq!(c.model, "text-embedding-3-small");
        assert_eq!(c.base_url, "https://api.openai.com/v1");
        assert_eq!(c.dimensions, Some(256));
        assert_eq!(c.max_attempts, 3);
    }
}
