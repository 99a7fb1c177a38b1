//! Claude over HTTP: [`ClaudeGenerator`], a [`ContentGenerator`](growth_core::generate::ContentGenerator)
//! on Anthropic's streaming Messages API (`POST {base_url}/v1/messages`, `"stream": true`).
//!
//! - **Streaming.** The answer is read as server-sent events, incrementally: `message_start`
//!   (input usage with `cache_creation_input_tokens` / `cache_read_input_tokens`),
//!   `content_block_start` / `content_block_delta` (`text_delta`; `input_json_delta` for tool
//!   blocks) / `content_block_stop`, `message_delta` (stop reason, final usage), `message_stop`;
//!   `ping` and unknown events are ignored. Tokens streamed so far are reported per draft through
//!   [`ContentGenerator::generate_with_progress`](growth_core::generate::ContentGenerator::generate_with_progress).
//! - **Prompt caching.** The request's system blocks are sent as an array of text blocks; the last
//!   block of each run of `cacheable` blocks — normally one: the voice, principles, knowledge and
//!   transcript prefix — carries `"cache_control": {"type": "ephemeral"}` (at most
//!   [`MAX_CACHE_BREAKPOINTS`]), so the several calls of one bundle over the same transcript pay for
//!   that prefix once and read it back at a tenth of the price. A cache entry is only readable once
//!   the call writing it has started answering, so calls fired together would each write it (1.25×
//!   the price); the generator therefore lets the first call over a prefix go alone and holds the
//!   concurrent others until its `message_start` arrives ([`ClaudeConfig::coalesce_cache_writes`],
//!   [`ClaudeConfig::cache_release`]) — one time-to-first-token, not one whole answer.
//! - **Output.** The instruction is followed by [`DRAFTS_JSON_FORMAT`]; the answer is parsed by
//!   [`parse_drafts`] (strict JSON, a surrounding code fence tolerated). A malformed answer gets one
//!   repair round-trip; a second one is `Error::Permanent` carrying the raw answer.
//! - **Retries** follow Anthropic's SDK: `x-should-retry` first; else 408, 409, 429, ≥ 500 (529
//!   "overloaded" included) and connection failures or timeouts; the wait is `retry-after-ms`, then
//!   `retry-after` (seconds or HTTP date; `0` is "now") when at most 60 s, else exponential backoff
//!   with jitter ([`growth_core::retry`]). A stream that fails after its 200 is retried the same way:
//!   an `error` event (an `overloaded_error` counts as a 529), a cut before `message_stop`, or no
//!   event for [`ClaudeConfig::stall_timeout_ms`] (`Error::Transient`, never a hang). A 429 for the
//!   monthly spend limit (`enforced_spend_limit_reached`) is never retried: it is `Error::Config`.
//! - **Rate limits.** The `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{remaining,reset}`
//!   headers of every answer are read; once a limit is nearly used up, the generator's next calls
//!   wait for its reset rather than collect a 429.
//! - **Usage.** `Generation::usage` has input, output, cache-write and cache-read tokens, summed
//!   over the repair call when there was one. Unknown usage fields and content blocks (thinking,
//!   tool use, future types) are ignored.
//!
//! The API key is a [`secrecy::SecretString`]: never logged, hidden from `Debug`, and its header is
//! marked sensitive.
//!
//! ```no_run
//! use growth_core::domain::ContentType;
//! use growth_core::generate::{ContentGenerator, GenerationRequest, PromptBlock};
//! use growth_llm::anthropic::{ClaudeConfig, ClaudeGenerator};
//!
//! # async fn run() -> growth_core::Result<()> {
//! let mut config = ClaudeConfig::new("sk-ant-…", "claude-sonnet-4-5");
//! config.max_tokens = 2_048;
//! let claude = ClaudeGenerator::new(config)?;
//! let generation = claude
//!     .generate(GenerationRequest {
//!         content_type: ContentType::LinkedinPost,
//!         count: 3,
//!         system: vec![
//!             PromptBlock { text: "You write as the founder: plain, concrete, no hype.".into(), cacheable: true },
//!             PromptBlock { text: "Transcript:\n…".into(), cacheable: true },
//!         ],
//!         instruction: "Write 3 LinkedIn posts from the transcript, each with a strong first line.".into(),
//!         source_text: String::new(),
//!         source_title: Some("Founders Talk #55".into()),
//!         max_tokens: None,
//!     })
//!     .await?;
//! for draft in &generation.drafts {
//!     println!("{:?}\n{}\n", draft.title, draft.content);
//! }
//! println!("cache read {} tokens", generation.usage.cache_read_input_tokens);
//! # Ok(())
//! # }
//! ```

mod config;
mod error;
mod generator;
mod models;
mod ratelimit;
mod stream;
mod warm;

pub use crate::drafts::{DRAFTS_JSON_FORMAT, MalformedDrafts, REPAIR_INSTRUCTION, parse_drafts};
pub use config::{CacheRelease, ClaudeConfig};
pub use error::SPEND_LIMIT_CODE;
pub use generator::{ClaudeGenerator, MAX_CACHE_BREAKPOINTS, cache_breakpoints};
