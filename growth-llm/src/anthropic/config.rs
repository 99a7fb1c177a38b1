//! [`ClaudeConfig`].

use std::fmt;

use secrecy::SecretString;
use serde::Deserialize;

/// How to reach the Anthropic Messages API and which model to write with.
///
/// Deserializes from configuration; `api_key` and `model` are required (model ids are retired
/// regularly, so there is deliberately no default model), everything else has a default that
/// follows Anthropic's official SDK. `Debug` never shows the key.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct ClaudeConfig {
    /// The API key, sent as `x-api-key`.
    pub api_key: SecretString,
    /// Model id, e.g. `claude-sonnet-4-5`.
    pub model: String,
    /// Output token budget of one call (default 4 096); a request's own `max_tokens` can only lower it.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// API base URL, without `/v1/messages` (default `https://api.anthropic.com`).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The `anthropic-version` header (default `2023-06-01`, the value the SDK sends).
    #[serde(default = "default_anthropic_version")]
    pub anthropic_version: String,
    /// The longest one attempt may take, from sending the request to the answer's last event, in
    /// milliseconds (default 600 000, the SDK's). Answers stream, so this is only a backstop: a
    /// silent connection is caught much earlier by `stall_timeout_ms`.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// A stream with no event (a `ping` counts) for this long, in milliseconds, is given up as
    /// `Error::Transient` and retried like any transient failure, instead of hanging (default
    /// 60 000). Also bounds the wait for the answer's first byte.
    #[serde(default = "default_stall_timeout_ms")]
    pub stall_timeout_ms: u64,
    /// Retries after the first attempt (default 2, the SDK's).
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// First backoff when the server suggests no wait, in milliseconds (default 500).
    #[serde(default = "default_initial_backoff_ms")]
    pub initial_backoff_ms: u64,
    /// Ceiling of the exponential backoff, in milliseconds (default 8 000).
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
    /// Pause before the next call when `anthropic-ratelimit-requests-remaining` falls below this
    /// (default 1: pause once no request is left), until that limit's reset time.
    #[serde(default = "default_min_remaining_requests")]
    pub min_remaining_requests: u64,
    /// Pause before the next call when any `anthropic-ratelimit-*tokens-remaining` falls below this
    /// (default 1 000; Anthropic rounds these counts to the thousand, so the default pauses at 0).
    #[serde(default = "default_min_remaining_tokens")]
    pub min_remaining_tokens: u64,
    /// The longest such pause, in milliseconds (default 60 000); guards against clock skew.
    #[serde(default = "default_max_rate_limit_wait_ms")]
    pub max_rate_limit_wait_ms: u64,
    /// Let the first of several concurrent calls over the same cacheable prefix write the prompt
    /// cache alone and hold the others until the entry is readable (see `cache_release`), so they
    /// read the prefix (0.1× the price) instead of each writing it (1.25×) — default `true`. Costs
    /// the writing call's time to first token once per prefix; turn off to always fire at once.
    #[serde(default = "default_true")]
    pub coalesce_cache_writes: bool,
    /// When the calls held by `coalesce_cache_writes` go (default `first_event`).
    #[serde(default)]
    pub cache_release: CacheRelease,
}

/// When calls held behind the one writing a prompt-cache entry are released.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheRelease {
    /// As soon as the writing call's answer begins (`message_start`): on Anthropic's API a cache
    /// entry is readable once the first response begins, so the held calls overlap the writer's
    /// whole streamed answer.
    #[default]
    FirstEvent,
    /// Only once the writing call has answered in full — for gateways whose cache becomes readable
    /// later (and the behaviour before answers streamed).
    Answer,
}

fn default_max_tokens() -> u32 {
    4096
}
fn default_base_url() -> String {
    "https://api.anthropic.com".into()
}
fn default_anthropic_version() -> String {
    "2023-06-01".into()
}
fn default_timeout_ms() -> u64 {
    600_000
}
fn default_stall_timeout_ms() -> u64 {
    60_000
}
fn default_max_retries() -> u32 {
    2
}
fn default_initial_backoff_ms() -> u64 {
    500
}
fn default_max_backoff_ms() -> u64 {
    8_000
}
fn default_min_remaining_requests() -> u64 {
    1
}
fn default_min_remaining_tokens() -> u64 {
    1_000
}
fn default_max_rate_limit_wait_ms() -> u64 {
    60_000
}
fn default_true() -> bool {
    true
}

impl ClaudeConfig {
    /// A configuration for `model` with `api_key` and every other default.
    pub fn new(api_key: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            api_key: SecretString::from(api_key.into()),
            model: model.into(),
            max_tokens: default_max_tokens(),
            base_url: default_base_url(),
            anthropic_version: default_anthropic_version(),
            timeout_ms: default_timeout_ms(),
            stall_timeout_ms: default_stall_timeout_ms(),
            max_retries: default_max_retries(),
            initial_backoff_ms: default_initial_backoff_ms(),
            max_backoff_ms: default_max_backoff_ms(),
            min_remaining_requests: default_min_remaining_requests(),
            min_remaining_tokens: default_min_remaining_tokens(),
            max_rate_limit_wait_ms: default_max_rate_limit_wait_ms(),
            coalesce_cache_writes: true,
            cache_release: CacheRelease::default(),
        }
    }
}

impl fmt::Debug for ClaudeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaudeConfig")
            .field("api_key", &"[redacted]")
            .field("model", &self.model)
            .field("max_tokens", &self.max_tokens)
            .field("base_url", &self.base_url)
            .field("anthropic_version", &self.anthropic_version)
            .field("timeout_ms", &self.timeout_ms)
            .field("stall_timeout_ms", &self.stall_timeout_ms)
            .field("max_retries", &self.max_retries)
            .field("initial_backoff_ms", &self.initial_backoff_ms)
            .field("max_backoff_ms", &self.max_backoff_ms)
            .field("min_remaining_requests", &self.min_remaining_requests)
            .field("min_remaining_tokens", &self.min_remaining_tokens)
            .field("max_rate_limit_wait_ms", &self.max_rate_limit_wait_ms)
            .field("coalesce_cache_writes", &self.coalesce_cache_writes)
            .field("cache_release", &self.cache_release)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let text = format!("{:?}", ClaudeConfig::new("sk-ant-very-secret", "claude-x"));
        assert!(!text.contains("sk-ant-very-secret"), "{text}");
        assert!(text.contains("redacted"));
    }

    #[test]
    fn deserializes_with_defaults_but_requires_a_model() {
        let c: ClaudeConfig = serde_json::from_str(r#"{"api_key": "k", "model": "claude-sonnet-4-5"}"#).unwrap();
        assert_eq!(c.base_url, "https://api.anthropic.com");
        assert_eq!((c.max_tokens, c.max_retries, c.timeout_ms), (4096, 2, 600_000));
        assert_eq!(c.anthropic_version, "2023-06-01");
        assert!(c.coalesce_cache_writes);
        assert_eq!((c.stall_timeout_ms, c.cache_release), (60_000, CacheRelease::FirstEvent));
        let answer: ClaudeConfig = serde_json::from_str(r#"{"api_key": "k", "model": "m", "cache_release": "answer"}"#).unwrap();
        assert_eq!(answer.cache_release, CacheRelease::Answer);
        assert!(serde_json::from_str::<ClaudeConfig>(r#"{"api_key": "k"}"#).is_err());
    }
}
