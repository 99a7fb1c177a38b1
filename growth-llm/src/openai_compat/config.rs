//! [`OpenAiCompatConfig`].

use std::fmt;

use secrecy::SecretString;
use serde::Deserialize;

/// How to reach an OpenAI-compatible Chat Completions server (OpenAI, Ollama, vLLM, llama.cpp's
/// server, LM Studio, a gateway …) and which model to write with.
///
/// Deserializes from configuration — the server embeds it as `[generation.openai_compatible]`.
/// `base_url` and `model` are required; everything else has a default. `Debug` never shows the key.
///
/// ```
/// # use growth_llm::openai_compat::{JsonMode, OpenAiCompatConfig};
/// let c: OpenAiCompatConfig = serde_json::from_str(r#"{"base_url": "http://localhost:11434/v1", "model": "llama3.2"}"#).unwrap();
/// assert_eq!((c.json_mode, c.stream), (JsonMode::JsonObject, true));
/// assert!(c.api_key.is_none());
/// ```
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct OpenAiCompatConfig {
    /// The API base, up to and including `/v1` (`http://localhost:11434/v1` for Ollama,
    /// `https://api.openai.com/v1`); requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    /// Model id as the server names it (`llama3.2`, `qwen2.5:14b`, `gpt-4o-mini` …).
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set (a local Ollama needs none).
    #[serde(default)]
    pub api_key: Option<SecretString>,
    /// How the server is asked for JSON (default `json_object`).
    #[serde(default)]
    pub json_mode: JsonMode,
    /// Stream the answer (server-sent events), reporting tokens as they arrive (default `true`).
    #[serde(default = "default_true")]
    pub stream: bool,
    /// With `stream`, ask for the usage chunk (`stream_options.include_usage`, default `true`);
    /// turn off for servers that reject the field.
    #[serde(default = "default_true")]
    pub stream_usage: bool,
    /// Output token budget of one call (default 4 096); a request's own `max_tokens` can only lower it.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// The request field the budget goes in (default `max_tokens`, which Ollama, vLLM and llama.cpp
    /// read; OpenAI's reasoning models want `max_completion_tokens`).
    #[serde(default)]
    pub max_tokens_field: MaxTokensField,
    /// Sampling temperature, when set.
    #[serde(default)]
    pub temperature: Option<f32>,
    /// The longest one attempt may take, in milliseconds (default 600 000; a local model on a
    /// small machine is slow to load and to write).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// A stream with no event for this long, in milliseconds, is given up as `Error::Transient` and
    /// retried (default 120 000: a local server may take a while to load a model before its first
    /// token). Also bounds the wait for the first byte of a non-streamed answer.
    #[serde(default = "default_stall_timeout_ms")]
    pub stall_timeout_ms: u64,
    /// Retries after the first attempt (default 2, as OpenAI's SDK).
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// First backoff when the server suggests no wait, in milliseconds (default 500).
    #[serde(default = "default_initial_backoff_ms")]
    pub initial_backoff_ms: u64,
    /// Ceiling of the exponential backoff, in milliseconds (default 8 000).
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
}

/// How the server is asked for a JSON answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonMode {
    /// Ask for nothing: the instruction alone asks for JSON (for servers without
    /// `response_format`); a malformed answer still gets its one repair round-trip.
    None,
    /// `response_format: {"type": "json_object"}` — any JSON object (OpenAI, Ollama, vLLM,
    /// llama.cpp).
    #[default]
    JsonObject,
    /// `response_format: {"type": "json_schema", …}` with the drafts schema (strict on OpenAI;
    /// Ollama and vLLM constrain decoding to it).
    JsonSchema,
}

/// Which request field carries the output budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxTokensField {
    /// `max_tokens`.
    #[default]
    MaxTokens,
    /// `max_completion_tokens`.
    MaxCompletionTokens,
}

fn default_true() -> bool {
    true
}
fn default_max_tokens() -> u32 {
    4096
}
fn default_timeout_ms() -> u64 {
    600_000
}
fn default_stall_timeout_ms() -> u64 {
    120_000
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

impl OpenAiCompatConfig {
    /// A configuration for `model` at `base_url`, no key, every other default.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            json_mode: JsonMode::default(),
            stream: true,
            stream_usage: true,
            max_tokens: default_max_tokens(),
            max_tokens_field: MaxTokensField::default(),
            temperature: None,
            timeout_ms: default_timeout_ms(),
            stall_timeout_ms: default_stall_timeout_ms(),
            max_retries: default_max_retries(),
            initial_backoff_ms: default_initial_backoff_ms(),
            max_backoff_ms: default_max_backoff_ms(),
        }
    }

    /// The same with `key` as the API key.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }
}

impl fmt::Debug for OpenAiCompatConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiCompatConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("json_mode", &self.json_mode)
            .field("stream", &self.stream)
            .field("stream_usage", &self.stream_usage)
            .field("max_tokens", &self.max_tokens)
            .field("max_tokens_field", &self.max_tokens_field)
            .field("temperature", &self.temperature)
            .field("timeout_ms", &self.timeout_ms)
            .field("stall_timeout_ms", &self.stall_timeout_ms)
            .field("max_retries", &self.max_retries)
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
        let text = format!("{:?}", OpenAiCompatConfig::new("http://x/v1", "m").with_api_key("sk-very-secret"));
        assert!(!text.contains("sk-very-secret") && text.contains("redacted"), "{text}");
    }

    #[test]
    fn the_server_table_deserializes_with_defaults_and_requires_url_and_model() {
        let c: OpenAiCompatConfig = serde_json::from_str(
            r#"{"base_url": "https://api.openai.com/v1", "model": "gpt-4o-mini", "api_key": "sk-x",
                "json_mode": "json_schema", "max_tokens_field": "max_completion_tokens", "stream": false}"#,
        )
        .unwrap();
        assert_eq!((c.json_mode, c.max_tokens_field, c.stream), (JsonMode::JsonSchema, MaxTokensField::MaxCompletionTokens, false));
        assert_eq!((c.max_tokens, c.max_retries, c.stall_timeout_ms), (4096, 2, 120_000));
        assert!(serde_json::from_str::<OpenAiCompatConfig>(r#"{"model": "m"}"#).is_err());
        assert!(serde_json::from_str::<OpenAiCompatConfig>(r#"{"base_url": "http://x/v1"}"#).is_err());
        assert!(serde_json::from_str::<OpenAiCompatConfig>(r#"{"base_url": "u", "model": "m", "json_mode": "yaml"}"#).is_err());
    }
}
