//! [`ClaudeGenerator`].

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use growth_core::generate::{ContentGenerator, Generation, GenerationObserver, GenerationRequest, NoObserver, PromptBlock};
use growth_core::retry::{self, Failure, LongServerDelay, RetryPolicy};
use growth_core::{Error, Result};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use secrecy::ExposeSecret;

use super::config::{CacheRelease, ClaudeConfig};
use super::error::parse_error;
use super::models::{CacheControl, Message, MessagesRequest, MessagesResponse, SystemBlock};
use super::ratelimit::{RateLimitGate, Thresholds};
use super::stream::{Accumulator, Step};
use super::warm::{CacheWarmer, WarmGuard, prefix_key};
use crate::chat::{self, Answer, Conversation, Turn};
use crate::drafts::truncate_for_error;
use crate::http;
use crate::progress::DraftTracker;
use crate::sse::{SseError, SseStream};

/// Most cache breakpoints Anthropic accepts in one request.
pub const MAX_CACHE_BREAKPOINTS: usize = 4;

/// What the calls and errors are called in logs and messages.
const WHAT: &str = "Claude messages request";

/// Drafts from Claude through the streaming Messages API (`POST {base_url}/v1/messages` with
/// `"stream": true`).
///
/// One [`ContentGenerator::generate`] is one call (two when the answer needs repair): the system
/// blocks go as an array of text blocks with a prompt-cache breakpoint after the stable prefix
/// (see [`cache_breakpoints`]), the instruction as the user message followed by
/// [`DRAFTS_JSON_FORMAT`](super::DRAFTS_JSON_FORMAT). The answer streams in as server-sent events;
/// its text is read with [`parse_drafts`](super::parse_drafts) once complete; when it is malformed
/// the conversation goes back once with the bad answer and [`REPAIR_INSTRUCTION`](super::REPAIR_INSTRUCTION),
/// and a second malformed answer is `Error::Permanent` carrying the raw text. At most `count`
/// drafts are returned; `usage` sums every call made.
///
/// [`ContentGenerator::generate_with_progress`] reports the output tokens streamed so far, per
/// draft begun, on every text delta.
///
/// Concurrent calls over the same cacheable prefix are coalesced (unless
/// [`ClaudeConfig::coalesce_cache_writes`] is off): the first writes the prompt cache, the others
/// wait until its answer begins (`message_start`, see [`ClaudeConfig::cache_release`]) and then
/// run together, reading the prefix at a tenth of the price while the first is still streaming.
///
/// Each call is retried by the rules of Anthropic's SDK — and so is a stream that fails after its
/// 200: an `error` event (`overloaded_error` mid-stream), a connection cut before `message_stop`,
/// or no event for [`ClaudeConfig::stall_timeout_ms`]. A 429 for the monthly spend limit is never
/// retried (`Error::Config`). Answers' `anthropic-ratelimit-*` headers are watched: when a limit is
/// nearly used up, calls from this generator (shared by all its concurrent calls) wait for its
/// reset instead of running into a 429.
#[derive(Debug)]
pub struct ClaudeGenerator {
    config: ClaudeConfig,
    client: reqwest::Client,
    url: String,
    policy: RetryPolicy,
    gate: RateLimitGate,
    warmer: CacheWarmer,
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
        if config.stall_timeout_ms == 0 || config.timeout_ms == 0 {
            return Err(Error::Config("Claude `timeout_ms` and `stall_timeout_ms` must be positive".into()));
        }
        // A stream is bounded per read (the stall timeout), never as a whole request.
        let client = reqwest::Client::builder()
            .read_timeout(Duration::from_millis(config.stall_timeout_ms))
            .connect_timeout(Duration::from_millis(config.timeout_ms.min(5_000)))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let url = format!("{}/v1/messages", config.base_url.trim_end_matches('/'));
        let policy = http::policy(
            config.max_retries.saturating_add(1),
            config.initial_backoff_ms,
            config.max_backoff_ms,
            http::ANTHROPIC_MAX_RETRY_AFTER,
            LongServerDelay::Backoff,
        );
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

    fn stall(&self) -> Duration {
        Duration::from_millis(self.config.stall_timeout_ms)
    }

    /// One attempt, bounded by `timeout_ms` as a whole.
    async fn attempt(
        &self,
        body: &MessagesRequest<'_>,
        observer: &dyn GenerationObserver,
        on_start: &(dyn Fn() + Sync),
    ) -> Result<Answer, Failure> {
        let limit = Duration::from_millis(self.config.timeout_ms);
        match tokio::time::timeout(limit, self.send(body, observer, on_start)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::retry(Error::transient(format!("{WHAT} timed out after {} ms", limit.as_millis())), None)),
        }
    }

    async fn send(
        &self,
        body: &MessagesRequest<'_>,
        observer: &dyn GenerationObserver,
        on_start: &(dyn Fn() + Sync),
    ) -> Result<Answer, Failure> {
        self.gate.ready().await;
        let mut key = HeaderValue::from_str(self.config.api_key.expose_secret())
            .map_err(|_| Failure::fatal(Error::Config("the Claude API key is not a valid header value".into())))?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", key);
        let request = self
            .client
            .post(&self.url)
            .headers(headers)
            .header("anthropic-version", &self.config.anthropic_version)
            .header("accept", "text/event-stream")
            .json(body);
        let stall = self.stall();
        let response = match tokio::time::timeout(stall, request.send()).await {
            Err(_) => return Err(stalled(stall)),
            Ok(r) => r.map_err(|e| read_failure(&e, stall))?,
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.gate.observe(&headers);
        if !(200..300).contains(&status) {
            let bytes = response.bytes().await.map_err(|e| read_failure(&e, stall))?;
            return Err(parse_error(status, &headers, &bytes, &self.config.model, SystemTime::now()));
        }
        let mut tracker = DraftTracker::default();
        tracker.report(observer);
        let streamed = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/event-stream"));
        if !streamed {
            // A gateway that answered the whole message at once.
            let bytes = response.bytes().await.map_err(|e| read_failure(&e, stall))?;
            let answer = whole_message(&bytes)?;
            on_start();
            tracker.push(&answer.text);
            tracker.set_output_tokens(answer.usage.output_tokens);
            tracker.report(observer);
            return Ok(answer);
        }
        let mut events = SseStream::new(response, stall);
        let mut acc = Accumulator::default();
        loop {
            let event = match events.next().await {
                Ok(Some(event)) => event,
                Ok(None) => {
                    let when = if acc.started() { "before `message_stop`" } else { "before `message_start`" };
                    return Err(Failure::retry(Error::transient(format!("the Claude stream ended {when}")), None));
                }
                Err(SseError::Stalled(d)) => return Err(stalled(d)),
                Err(SseError::Body(e)) => return Err(http::transport_failure("Claude messages stream", &e)),
            };
            match acc.apply(&event, &self.config.model)? {
                Step::Started => on_start(),
                Step::Text(text) => {
                    tracker.push(&text);
                    tracker.report(observer);
                }
                Step::OutputTokens(n) => {
                    tracker.set_output_tokens(n);
                    tracker.report(observer);
                }
                Step::Stopped => return Ok(acc.finish()),
                Step::Nothing => {}
            }
        }
    }
}

impl ClaudeGenerator {
    /// One plain conversation — no system prompt, no drafts format, no cache coalescing — with the
    /// same client, retries and rate-limit pacing as drafts (learning's prompts: preferences, ICP).
    pub(crate) async fn converse(&self, turns: &[Turn<'_>], max_tokens: u32) -> Result<Answer> {
        let conversation = ClaudeConversation {
            claude: self,
            system: &[],
            max_tokens: max_tokens.clamp(1, self.config.max_tokens),
            observer: &NoObserver,
            warm_key: None,
        };
        conversation.answer(turns, false).await
    }
}

/// A transport error; the client's read timeout is the stall timeout.
fn read_failure(e: &reqwest::Error, stall: Duration) -> Failure {
    if e.is_timeout() { stalled(stall) } else { http::transport_failure(WHAT, e) }
}

fn stalled(d: Duration) -> Failure {
    Failure::retry(Error::transient(format!("the Claude stream stalled: no event for {} ms", d.as_millis())), None)
}

/// An answer that came as one JSON message instead of a stream.
fn whole_message(bytes: &[u8]) -> Result<Answer, Failure> {
    let message: MessagesResponse = serde_json::from_slice(bytes).map_err(|e| {
        Failure::fatal(Error::Permanent(format!(
            "unexpected Claude messages response ({e}): {}",
            truncate_for_error(&String::from_utf8_lossy(bytes), 500)
        )))
    })?;
    let stop = message.stop_reason.as_deref();
    Ok(Answer {
        text: message.text(),
        truncated: stop == Some("max_tokens"),
        refused: stop == Some("refusal"),
        stop_reason: message.stop_reason.clone(),
        model: message.model.clone(),
        usage: message.usage.into(),
    })
}

/// One `generate` call's conversation with Claude.
struct ClaudeConversation<'a> {
    claude: &'a ClaudeGenerator,
    system: &'a [SystemBlock<'a>],
    max_tokens: u32,
    observer: &'a dyn GenerationObserver,
    /// The cached prefix's key, when calls over it are coalesced.
    warm_key: Option<u64>,
}

#[async_trait]
impl Conversation for ClaudeConversation<'_> {
    async fn answer(&self, turns: &[Turn<'_>], first: bool) -> Result<Answer> {
        let claude = self.claude;
        let body = MessagesRequest {
            model: &claude.config.model,
            max_tokens: self.max_tokens,
            system: self.system,
            messages: turns.iter().map(|t| Message { role: t.role.as_str(), content: t.text }).collect(),
            stream: true,
        };
        // Concurrent first calls over one prefix: the first writes the cache, the others wait
        // until it is readable. (The repair call follows an answer: its prefix is written.)
        let key = self.warm_key.filter(|_| first);
        let writer: Mutex<Option<WarmGuard<'_>>> = Mutex::new(match key {
            Some(key) => claude.warmer.enter(key).await,
            None => None,
        });
        let release = || {
            if let Some(guard) = writer.lock().unwrap_or_else(PoisonError::into_inner).take() {
                guard.warmed();
            }
        };
        let on_start = || match key {
            Some(_) if claude.config.cache_release == CacheRelease::FirstEvent => release(),
            _ => {}
        };
        let answer = retry::run(&claude.policy, WHAT, |_| claude.attempt(&body, self.observer, &on_start)).await?;
        // Released at the first event, or now; a failed writer's guard is dropped instead, so the
        // next waiter writes.
        release();
        if let Some(key) = key {
            claude.warmer.touch(key);
        }
        Ok(answer)
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

#[async_trait]
impl ContentGenerator for ClaudeGenerator {
    fn model(&self) -> &str {
        &self.config.model
    }

    async fn generate(&self, req: GenerationRequest) -> Result<Generation> {
        self.generate_with_progress(req, &NoObserver).await
    }

    async fn generate_with_progress(&self, req: GenerationRequest, observer: &dyn GenerationObserver) -> Result<Generation> {
        chat::validate(&req)?;
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
        let warm_key = breakpoints
            .last()
            .filter(|_| self.config.coalesce_cache_writes)
            .map(|&last| prefix_key(&self.config.model, kept[..=last].iter().map(|b| b.text.as_str())));
        let conversation = ClaudeConversation {
            claude: self,
            system: &system,
            max_tokens: req.max_tokens.map_or(self.config.max_tokens, |m| m.min(self.config.max_tokens)),
            observer,
            warm_key,
        };
        chat::drafts("Claude", &conversation, &chat::user_message(&req), req.count as usize, &self.config.model).await
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
    fn bad_requests_and_configs_are_refused_before_any_call() {
        let bad = ClaudeConfig { max_tokens: 0, ..ClaudeConfig::new("k", "claude-x") };
        assert!(matches!(ClaudeGenerator::new(bad), Err(Error::Config(_))));
        let no_stall = ClaudeConfig { stall_timeout_ms: 0, ..ClaudeConfig::new("k", "claude-x") };
        assert!(matches!(ClaudeGenerator::new(no_stall), Err(Error::Config(_))));
        assert!(matches!(ClaudeGenerator::with_model("k", " "), Err(Error::Config(_))));
        assert!(matches!(ClaudeGenerator::with_model("", "claude-x"), Err(Error::Config(_))));
    }
}
