//! [`OpenAiCompatGenerator`].

use std::time::Duration;

use async_trait::async_trait;
use growth_core::generate::{ContentGenerator, Generation, GenerationObserver, GenerationRequest, NoObserver};
use growth_core::retry::{self, Failure, LongServerDelay, RetryPolicy};
use growth_core::{Error, Result};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::config::{JsonMode, MaxTokensField, OpenAiCompatConfig};
use super::models::{ChatMessage, ChatRequest, StreamOptions};
use super::stream::{Accumulator, Step, cut_short, whole};
use crate::chat::{self, Answer, Conversation, Turn};
use crate::http;
use crate::openai::parse_error;
use crate::progress::DraftTracker;
use crate::sse::{SseError, SseStream};

/// Drafts from any server that speaks OpenAI's Chat Completions API (`POST {base_url}/chat/completions`):
/// OpenAI itself, Ollama, vLLM, llama.cpp's server, LM Studio, gateways.
///
/// One [`ContentGenerator::generate`] is one call (two when the answer needs repair): the request's
/// system blocks joined as one `system` message (kept first and unchanged between the calls of a
/// bundle, so servers that cache prompt prefixes — OpenAI does on its own — can reuse it), then the
/// instruction with [`DRAFTS_JSON_FORMAT`](crate::drafts::DRAFTS_JSON_FORMAT). JSON output is asked
/// for as configured ([`JsonMode`]); the answer is parsed strictly, and a malformed one gets the same
/// one repair round-trip as Claude's.
///
/// With [`OpenAiCompatConfig::stream`] (the default) the answer is read as server-sent events and
/// [`ContentGenerator::generate_with_progress`] reports tokens per draft as they arrive; a stream
/// with no event for [`OpenAiCompatConfig::stall_timeout_ms`], an error chunk, or a cut before the
/// last chunk is `Error::Transient` and retried.
///
/// Retries follow OpenAI's SDK: `x-should-retry`, else 408, 409, 429, ≥ 500 and transport
/// failures; the wait is `retry-after-ms` / `retry-after` up to 120 s (a longer one is returned as
/// the error, for the job queue to reschedule), else exponential backoff with jitter. A 429
/// `insufficient_quota` is `Error::Config`, never retried.
#[derive(Debug)]
pub struct OpenAiCompatGenerator {
    config: OpenAiCompatConfig,
    client: reqwest::Client,
    url: String,
    service: String,
    policy: RetryPolicy,
}

/// The JSON schema of the drafts answer, strict-mode ready (every property required, no others).
fn drafts_schema() -> Value {
    let nullable_string = json!({"type": ["string", "null"]});
    json!({
        "type": "object",
        "properties": {
            "drafts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"title": nullable_string, "content": {"type": "string"}, "format": nullable_string},
                    "required": ["title", "content", "format"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["drafts"],
        "additionalProperties": false
    })
}

impl OpenAiCompatGenerator {
    /// A generator for `config`; `Error::Config` when a setting is unusable or the HTTP client
    /// cannot be built.
    pub fn new(config: OpenAiCompatConfig) -> Result<Self> {
        if config.model.trim().is_empty() {
            return Err(Error::Config("OpenAI-compatible `model` must be set (e.g. `llama3.2`)".into()));
        }
        let base = config.base_url.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!(
                "OpenAI-compatible `base_url` must be an http(s) URL up to `/v1` (e.g. http://localhost:11434/v1), not `{}`",
                config.base_url
            )));
        }
        if config.max_tokens == 0 || config.timeout_ms == 0 || config.stall_timeout_ms == 0 {
            return Err(Error::Config("OpenAI-compatible `max_tokens`, `timeout_ms` and `stall_timeout_ms` must be positive".into()));
        }
        if config.api_key.as_ref().is_some_and(|k| HeaderValue::from_str(&format!("Bearer {}", k.expose_secret())).is_err()) {
            return Err(Error::Config("the OpenAI-compatible API key is not a valid header value".into()));
        }
        let client = reqwest::Client::builder()
            .read_timeout(Duration::from_millis(config.stall_timeout_ms))
            .connect_timeout(Duration::from_millis(config.timeout_ms.min(5_000)))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let policy = http::policy(
            config.max_retries.saturating_add(1),
            config.initial_backoff_ms,
            config.max_backoff_ms,
            http::OPENAI_MAX_RETRY_AFTER,
            LongServerDelay::GiveUp,
        );
        Ok(Self { url: format!("{base}/chat/completions"), service: base, config, client, policy })
    }

    /// The configuration in use.
    pub fn config(&self) -> &OpenAiCompatConfig {
        &self.config
    }

    fn response_format(&self) -> Option<Value> {
        match self.config.json_mode {
            JsonMode::None => None,
            JsonMode::JsonObject => Some(json!({"type": "json_object"})),
            JsonMode::JsonSchema => {
                Some(json!({"type": "json_schema", "json_schema": {"name": "drafts", "strict": true, "schema": drafts_schema()}}))
            }
        }
    }

    async fn attempt(&self, body: &ChatRequest<'_>, observer: &dyn GenerationObserver) -> Result<Answer, Failure> {
        let limit = Duration::from_millis(self.config.timeout_ms);
        match tokio::time::timeout(limit, self.send(body, observer)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::retry(Error::transient(format!("{} timed out after {} ms", self.what(), limit.as_millis())), None)),
        }
    }

    fn what(&self) -> String {
        format!("chat completion at {}", self.service)
    }

    fn stalled(&self, d: Duration) -> Failure {
        Failure::retry(Error::transient(format!("the {} stalled: nothing for {} ms", self.what(), d.as_millis())), None)
    }

    fn read_failure(&self, e: &reqwest::Error) -> Failure {
        if e.is_timeout() {
            self.stalled(Duration::from_millis(self.config.stall_timeout_ms))
        } else {
            http::transport_failure(&self.what(), e)
        }
    }

    async fn send(&self, body: &ChatRequest<'_>, observer: &dyn GenerationObserver) -> Result<Answer, Failure> {
        let mut request = self.client.post(&self.url).json(body);
        if let Some(key) = &self.config.api_key {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose_secret()))
                .map_err(|_| Failure::fatal(Error::Config("the OpenAI-compatible API key is not a valid header value".into())))?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let stall = Duration::from_millis(self.config.stall_timeout_ms);
        let response = match tokio::time::timeout(stall, request.send()).await {
            Err(_) => return Err(self.stalled(stall)),
            Ok(r) => r.map_err(|e| self.read_failure(&e))?,
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if !(200..300).contains(&status) {
            let bytes = response.bytes().await.map_err(|e| self.read_failure(&e))?;
            return Err(parse_error(status, &headers, &bytes, &self.service, "chat completion", &self.config.model));
        }
        let mut tracker = DraftTracker::default();
        tracker.report(observer);
        let streamed = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/event-stream"));
        if !streamed {
            let bytes = response.bytes().await.map_err(|e| self.read_failure(&e))?;
            let answer = whole(&bytes, &self.service)?;
            tracker.push(&answer.text);
            if answer.usage.output_tokens > 0 {
                tracker.set_output_tokens(answer.usage.output_tokens);
            }
            tracker.report(observer);
            return Ok(answer);
        }
        let mut events = SseStream::new(response, stall);
        let mut acc = Accumulator::default();
        loop {
            let event = match events.next().await {
                Ok(Some(event)) => event,
                // Some servers close without `[DONE]`; an answer that said how it ended is whole.
                Ok(None) if acc.finished() => return Ok(acc.finish()),
                Ok(None) => return Err(cut_short(&self.service)),
                Err(SseError::Stalled(d)) => return Err(self.stalled(d)),
                Err(SseError::Body(e)) => return Err(self.read_failure(&e)),
            };
            match acc.apply(&event.data, &self.service, &self.config.model)? {
                Step::Text(text) => {
                    tracker.push(&text);
                    tracker.report(observer);
                }
                Step::OutputTokens(n) => {
                    tracker.set_output_tokens(n);
                    tracker.report(observer);
                }
                Step::Done => return Ok(acc.finish()),
                Step::Nothing => {}
            }
        }
    }
}

/// One `generate` call's conversation with the server.
struct CompatConversation<'a> {
    generator: &'a OpenAiCompatGenerator,
    system: &'a str,
    max_tokens: u32,
    observer: &'a dyn GenerationObserver,
}

#[async_trait]
impl Conversation for CompatConversation<'_> {
    async fn answer(&self, turns: &[Turn<'_>], _first: bool) -> Result<Answer> {
        let g = self.generator;
        let mut messages = Vec::with_capacity(turns.len() + 1);
        if !self.system.is_empty() {
            messages.push(ChatMessage { role: "system", content: self.system });
        }
        messages.extend(turns.iter().map(|t| ChatMessage { role: t.role.as_str(), content: t.text }));
        let budget = Some(self.max_tokens);
        let body = ChatRequest {
            model: &g.config.model,
            messages,
            max_tokens: budget.filter(|_| g.config.max_tokens_field == MaxTokensField::MaxTokens),
            max_completion_tokens: budget.filter(|_| g.config.max_tokens_field == MaxTokensField::MaxCompletionTokens),
            temperature: g.config.temperature,
            response_format: g.response_format(),
            stream: g.config.stream,
            stream_options: (g.config.stream && g.config.stream_usage).then_some(StreamOptions { include_usage: true }),
        };
        let what = g.what();
        retry::run(&g.policy, &what, |_| g.attempt(&body, self.observer)).await
    }
}

#[async_trait]
impl ContentGenerator for OpenAiCompatGenerator {
    fn model(&self) -> &str {
        &self.config.model
    }

    async fn generate(&self, req: GenerationRequest) -> Result<Generation> {
        self.generate_with_progress(req, &NoObserver).await
    }

    async fn generate_with_progress(&self, req: GenerationRequest, observer: &dyn GenerationObserver) -> Result<Generation> {
        chat::validate(&req)?;
        let system = req.system.iter().map(|b| b.text.trim()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n\n");
        let conversation = CompatConversation {
            generator: self,
            system: &system,
            max_tokens: req.max_tokens.map_or(self.config.max_tokens, |m| m.min(self.config.max_tokens)),
            observer,
        };
        chat::drafts(&self.service, &conversation, &chat::user_message(&req), req.count as usize, &self.config.model).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_settings_are_refused_up_front() {
        assert!(matches!(OpenAiCompatGenerator::new(OpenAiCompatConfig::new("localhost:11434", "m")), Err(Error::Config(_))));
        assert!(matches!(OpenAiCompatGenerator::new(OpenAiCompatConfig::new("http://localhost:11434/v1", " ")), Err(Error::Config(_))));
        let g = OpenAiCompatGenerator::new(OpenAiCompatConfig::new("http://localhost:11434/v1/", "llama3.2")).unwrap();
        assert_eq!(g.url, "http://localhost:11434/v1/chat/completions");
    }

    #[test]
    fn the_schema_is_strict_mode_ready() {
        let s = drafts_schema();
        assert_eq!(s["additionalProperties"], false);
        let item = &s["properties"]["drafts"]["items"];
        assert_eq!(item["required"], json!(["title", "content", "format"]));
        assert_eq!(item["additionalProperties"], false);
    }
}
