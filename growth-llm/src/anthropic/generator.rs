//! [`ClaudeGenerator`].

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use growth_core::generate::{ContentGenerator, Generation, GenerationRequest, PromptBlock, Usage};
use growth_core::{Error, Result};
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::ExposeSecret;

use super::config::ClaudeConfig;
use super::drafts::{DRAFTS_JSON_FORMAT, REPAIR_INSTRUCTION, parse_drafts, truncate_for_error};
use super::error::parse_error;
use super::models::{CacheControl, Message, MessagesRequest, MessagesResponse, SystemBlock};
use super::ratelimit::{RateLimitGate, Thresholds};
use super::warm::{CacheWarmer, prefix_key};
use crate::retry::{self, ANTHROPIC_MAX_RETRY_AFTER, Failure, LongServerDelay, RetryPolicy};

/// Most cache breakpoints Anthropic accepts in one request.
pub const MAX_CACHE_BREAKPOINTS: usize = 4;

/// How much of a malformed answer an error message carries.
const RAW_ANSWER_IN_ERROR: usize = 2_000;

/// Drafts from Claude through the Messages API (`POST {base_url}/v1/messages`).
///
/// One [`ContentGenerator::generate`] is one call (two when the answer needs repair): the system
/// blocks go as an array of text blocks with a prompt-cache breakpoint after the stable prefix
/// (see [`cache_breakpoints`]), the instruction as the user message followed by
/// [`DRAFTS_JSON_FORMAT`]. The answer is read with [`parse_drafts`](super::parse_drafts); when it
/// is malformed the conversation goes back once with the bad answer and [`REPAIR_INSTRUCTION`](super::REPAIR_INSTRUCTION),
/// and a second malformed answer is `Error::Permanent` carrying the raw text. At most `count`
/// drafts are returned; `usage` sums every call made.
///
/// Concurrent calls over the same cacheable prefix are coalesced (unless
/// [`ClaudeConfig::coalesce_cache_writes`] is off): the first writes the prompt cache, the others
/// wait for its answer and then run together, reading the prefix at a tenth of the price.
///
/// Each HTTP call is retried by the rules of Anthropic's SDK; a 429 for the monthly spend limit is
/// never retried (`Error::Config`). Answers' `anthropic-ratelimit-*` headers are watched: when a
/// limit is nearly used up, calls from this generator (shared by all its concurrent calls) wait for
/// its reset instead of running into a 429.
#[derive(Debug)]
pub struct ClaudeGenerator {
    config: ClaudeConfig,
    client: reqwest::Client,
    url: String,
    policy: RetryPolicy,
    gate: RateLimitGate,
    warmer: CacheWarmer,
}

/// One successful HTTP exchange.
struct Answer {
    text: String,
    stop_reason: Option<String>,
    model: Option<String>,
    usage: Usage,
}

impl ClaudeGenerator {
    /// A generator for `config`; `Error::Config` when a setting is unusable or the HTTP client
    /// cannot be built.
    pub fn new(config: ClaudeConfig) -> Result<Self> {
        if config.model.trim().is_empty() {
            return Err(Error::Config("Claude `model` must be set (e.g. `claude-sonnet-4-5`)".into()));
        }
        if config.max_tokens == 0 {
            return Err(Error::Config("Claude `max_tokens` must be positive".into()));
        }
        if config.api_key.expose_secret().is_empty() {
            return Err(Error::Config("Claude `api_key` is empty".into()));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .connect_timeout(Duration::from_millis(config.timeout_ms.min(5_000)))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let url = format!("{}/v1/messages", config.base_url.trim_end_matches('/'));
        let policy = RetryPolicy {
            max_attempts: config.max_retries.saturating_add(1),
            initial_backoff: Duration::from_millis(config.initial_backoff_ms),
            max_backoff: Duration::from_millis(config.max_backoff_ms),
            max_server_delay: ANTHROPIC_MAX_RETRY_AFTER,
            long_server_delay: LongServerDelay::Backoff,
        };
        let gate = RateLimitGate::new(Thresholds {
            min_requests: config.min_remaining_requests,
            min_tokens: config.min_remaining_tokens,
            max_wait: Duration::from_millis(config.max_rate_limit_wait_ms),
        });
        Ok(Self { config, client, url, policy, gate, warmer: CacheWarmer::default() })
    }

    /// A generator with [`ClaudeConfig::new`]`(api_key, model)`.
    pub fn with_model(api_key: impl Into<String>, model: impl Into<String>) -> Result<Self> {
        Self::new(ClaudeConfig::new(api_key, model))
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClaudeConfig {
        &self.config
    }

    /// One Messages call, retried.
    async fn call(&self, body: &MessagesRequest<'_>) -> Result<Answer> {
        retry::run(&self.policy, "Claude messages request", |_| self.send(body)).await
    }

    async fn send(&self, body: &MessagesRequest<'_>) -> std::result::Result<Answer, Failure> {
        self.gate.ready().await;
        let mut key = HeaderValue::from_str(self.config.api_key.expose_secret()).map_err(|_| Failure {
            error: Error::Config("the Claude API key is not a valid header value".into()),
            retryable: false,
            server_delay: None,
        })?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", key);
        let request = self.client.post(&self.url).headers(headers).header("anthropic-version", &self.config.anthropic_version).json(body);
        let timeout_ms = self.config.timeout_ms;
        let transport = |e: reqwest::Error| Failure {
            retryable: e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() || e.is_decode(),
            error: Error::transient(if e.is_timeout() {
                format!("Claude messages request timed out after {timeout_ms} ms: {e}")
            } else {
                format!("Claude messages request failed (transport): {e}")
            }),
            server_delay: None,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.gate.observe(&headers);
        let bytes = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            return Err(parse_error(status, &headers, &bytes, &self.config.model, SystemTime::now()));
        }
        let message: MessagesResponse = serde_json::from_slice(&bytes).map_err(|e| Failure {
            error: Error::Permanent(format!(
                "unexpected Claude messages response ({e}): {}",
                truncate_for_error(&String::from_utf8_lossy(&bytes), 500)
            )),
            retryable: false,
            server_delay: None,
        })?;
        Ok(Answer {
            text: message.text(),
            stop_reason: message.stop_reason.clone(),
            model: message.model.clone(),
            usage: message.usage.into(),
        })
    }
}

/// The indices of the system blocks that get a cache breakpoint: the last block of every run of
/// consecutive cacheable blocks (a breakpoint after a block that varies between calls would never
/// be read back), at most [`MAX_CACHE_BREAKPOINTS`]. With more runs than that, the last one (the
/// longest cached prefix) and the earliest others (the most stable ones) are kept.
pub fn cache_breakpoints(blocks: &[PromptBlock]) -> Vec<usize> {
    let mut ends: Vec<usize> =
        (0..blocks.len()).filter(|&i| blocks[i].cacheable && blocks.get(i + 1).is_none_or(|next| !next.cacheable)).collect();
    if ends.len() > MAX_CACHE_BREAKPOINTS {
        let last = ends.pop();
        ends.truncate(MAX_CACHE_BREAKPOINTS - 1);
        ends.extend(last);
    }
    ends
}

/// The user message: the instruction, then the output format unless the instruction has it.
fn user_message(req: &GenerationRequest) -> String {
    let mut text = req.instruction.trim().to_owned();
    if !text.contains(DRAFTS_JSON_FORMAT) {
        text.push_str("\n\n");
        text.push_str(DRAFTS_JSON_FORMAT);
    }
    text.push_str(&format!("\nReturn at most {} draft{}.", req.count, if req.count == 1 { "" } else { "s" }));
    text
}

fn validate(req: &GenerationRequest) -> Result<()> {
    if req.count == 0 {
        return Err(Error::invalid_field("count", "must be at least 1"));
    }
    if req.instruction.trim().is_empty() {
        return Err(Error::invalid_field("instruction", "must not be empty"));
    }
    if req.max_tokens == Some(0) {
        return Err(Error::invalid_field("max_tokens", "must be positive when set"));
    }
    Ok(())
}

fn hint(stop_reason: Option<&str>) -> &'static str {
    match stop_reason {
        Some("max_tokens") => " (the answer hit max_tokens and was cut off: raise `max_tokens`)",
        _ => "",
    }
}

#[async_trait]
impl ContentGenerator for ClaudeGenerator {
    fn model(&self) -> &str {
        &self.config.model
    }

    async fn generate(&self, req: GenerationRequest) -> Result<Generation> {
        validate(&req)?;
        // Anthropic rejects empty text blocks; blank blocks are dropped before breakpoints are placed.
        let kept: Vec<PromptBlock> = req.system.iter().filter(|b| !b.text.trim().is_empty()).cloned().collect();
        let breakpoints = cache_breakpoints(&kept);
        let system: Vec<SystemBlock<'_>> = kept
            .iter()
            .enumerate()
            .map(|(i, b)| SystemBlock {
                kind: "text",
                text: &b.text,
                cache_control: breakpoints.contains(&i).then_some(CacheControl::EPHEMERAL),
            })
            .collect();
        let max_tokens = req.max_tokens.map_or(self.config.max_tokens, |m| m.min(self.config.max_tokens));
        let user = user_message(&req);
        let count = req.count as usize;
        let mut body = MessagesRequest {
            model: &self.config.model,
            max_tokens,
            system: &system,
            messages: vec![Message { role: "user", content: &user }],
        };

        // Concurrent calls over one prefix: the first writes the cache, the others wait and read it.
        let warm_key = breakpoints
            .last()
            .filter(|_| self.config.coalesce_cache_writes)
            .map(|&last| prefix_key(&self.config.model, kept[..=last].iter().map(|b| b.text.as_str())));
        let writer = match warm_key {
            Some(key) => self.warmer.enter(key).await,
            None => None,
        };
        let first = self.call(&body).await?;
        match (writer, warm_key) {
            (Some(writer), _) => writer.warmed(),
            (None, Some(key)) => self.warmer.touch(key),
            (None, None) => {}
        }
        let mut usage = first.usage;
        if first.stop_reason.as_deref() == Some("refusal") {
            return Err(Error::Permanent(format!(
                "Claude refused the request (stop_reason refusal): {}",
                truncate_for_error(&first.text, RAW_ANSWER_IN_ERROR)
            )));
        }
        let problem = match parse_drafts(&first.text) {
            Ok(mut drafts) => {
                drafts.truncate(count);
                return Ok(Generation { drafts, usage, model: first.model.unwrap_or_else(|| self.config.model.clone()) });
            }
            Err(e) => e,
        };
        tracing::warn!(%problem, stop_reason = ?first.stop_reason, "Claude's answer is not the drafts JSON; asking once for a repair");

        // The repair: the same conversation, the bad answer, and a request for valid JSON only. An
        // empty answer cannot be sent back (empty assistant turns are rejected), so the repair
        // instruction then rides on the original user message.
        let bad = first.text.trim_end();
        let combined;
        body.messages = if bad.trim().is_empty() {
            combined = format!("{user}\n\n{REPAIR_INSTRUCTION}");
            vec![Message { role: "user", content: &combined }]
        } else {
            vec![
                Message { role: "user", content: &user },
                Message { role: "assistant", content: bad },
                Message { role: "user", content: REPAIR_INSTRUCTION },
            ]
        };
        let second = self.call(&body).await?;
        usage += second.usage;
        match parse_drafts(&second.text) {
            Ok(mut drafts) => {
                drafts.truncate(count);
                Ok(Generation { drafts, usage, model: second.model.or(first.model).unwrap_or_else(|| self.config.model.clone()) })
            }
            Err(again) => {
                tracing::warn!(?usage, "Claude's repaired answer is still malformed; giving up");
                Err(Error::Permanent(format!(
                    "Claude's answer is not the drafts JSON even after one repair ({again}){}; raw answer: {} — first answer ({problem}): {}",
                    hint(second.stop_reason.as_deref()),
                    truncate_for_error(&second.text, RAW_ANSWER_IN_ERROR),
                    truncate_for_error(&first.text, RAW_ANSWER_IN_ERROR / 4),
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str, cacheable: bool) -> PromptBlock {
        PromptBlock { text: text.into(), cacheable }
    }

    #[test]
    fn the_breakpoint_goes_after_the_last_cacheable_block_of_the_stable_prefix() {
        let blocks = [block("voice", true), block("principles", true), block("transcript", true), block("today", false)];
        assert_eq!(cache_breakpoints(&blocks), vec![2]);
        assert_eq!(cache_breakpoints(&[block("a", true), block("b", true)]), vec![1]);
        assert!(cache_breakpoints(&[block("a", false)]).is_empty());
        assert!(cache_breakpoints(&[]).is_empty());
    }

    #[test]
    fn each_stable_run_ends_in_a_breakpoint_and_there_are_never_more_than_four() {
        let blocks = [block("voice", true), block("retrieved", false), block("transcript", true)];
        assert_eq!(cache_breakpoints(&blocks), vec![0, 2]);
        let many: Vec<PromptBlock> = (0..12).map(|i| block("x", i % 2 == 0)).collect();
        assert_eq!(cache_breakpoints(&many), vec![0, 2, 4, 10]);
    }

    #[test]
    fn the_format_is_appended_once_with_the_count() {
        let mut req = GenerationRequest {
            content_type: growth_core::domain::ContentType::LinkedinPost,
            count: 3,
            system: vec![],
            instruction: "Write posts.".into(),
            source_text: String::new(),
            source_title: None,
            max_tokens: None,
        };
        let m = user_message(&req);
        assert!(m.starts_with("Write posts.\n\n") && m.contains(DRAFTS_JSON_FORMAT) && m.ends_with("at most 3 drafts."), "{m}");
        req.instruction = format!("Write posts.\n{DRAFTS_JSON_FORMAT}");
        assert_eq!(user_message(&req).matches(DRAFTS_JSON_FORMAT).count(), 1);
    }

    #[test]
    fn bad_requests_and_configs_are_refused_before_any_call() {
        let bad = ClaudeConfig { max_tokens: 0, ..ClaudeConfig::new("k", "claude-x") };
        assert!(matches!(ClaudeGenerator::new(bad), Err(Error::Config(_))));
        assert!(matches!(ClaudeGenerator::with_model("k", " "), Err(Error::Config(_))));
        assert!(matches!(ClaudeGenerator::with_model("", "claude-x"), Err(Error::Config(_))));
    }
}
