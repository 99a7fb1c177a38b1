//! AssemblyAI settings.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::{HttpConfig, millis};

/// Settings of [`AssemblyAiTranscriber`](super::AssemblyAiTranscriber). `Debug` hides the key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssemblyAiConfig {
    /// The API key, sent as `Authorization: <key>`.
    pub api_key: SecretString,
    /// API base URL; `https://api.eu.assemblyai.com` for the EU region.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Speech models in priority order (`speech_models`); AssemblyAI's default when empty.
    #[serde(default)]
    pub speech_models: Vec<String>,
    /// Timeouts, retries, rate limit.
    #[serde(default)]
    pub http: HttpConfig,
    /// How to wait for a transcript.
    #[serde(default)]
    pub poll: PollConfig,
}

impl AssemblyAiConfig {
    /// A configuration with defaults for everything but the key.
    pub fn new(api_key: SecretString) -> Self {
        Self { api_key, base_url: default_base_url(), speech_models: Vec::new(), http: HttpConfig::default(), poll: PollConfig::default() }
    }
}

fn default_base_url() -> String {
    "https://api.assemblyai.com".to_owned()
}

/// How to poll a transcript until it is done: the interval grows by half each time up to `max_interval`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollConfig {
    /// Wait before the first poll, in ms as `initial_interval_ms`.
    #[serde(rename = "initial_interval_ms", with = "millis")]
    pub initial_interval: Duration,
    /// Longest wait between polls, in ms as `max_interval_ms`.
    #[serde(rename = "max_interval_ms", with = "millis")]
    pub max_interval: Duration,
    /// Give up waiting after this long, in ms as `timeout_ms` (the transcript goes on; resume with `wait`).
    #[serde(rename = "timeout_ms", with = "millis")]
    pub timeout: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        Self { initial_interval: Duration::from_secs(3), max_interval: Duration::from_secs(30), timeout: Duration::from_secs(3 * 60 * 60) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", AssemblyAiConfig::new(SecretString::from("sk-live-123")));
        assert!(!shown.contains("sk-live-123"), "{shown}");
    }
}
