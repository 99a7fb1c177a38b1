//! Local and other models through one generator: [`OpenAiCompatGenerator`], a
//! [`ContentGenerator`](growth_core::generate::ContentGenerator) on the OpenAI Chat Completions API
//! that Ollama, vLLM, llama.cpp's server, LM Studio, OpenAI itself and many gateways speak.
//!
//! - **Output.** JSON where the server supports it ([`JsonMode::JsonObject`] by default,
//!   [`JsonMode::JsonSchema`] with the drafts schema, or [`JsonMode::None`]), parsed strictly, with
//!   the same one repair round-trip as Claude's generator when the answer is malformed.
//! - **Streaming** (on by default): `data: {chunk}` events, `data: [DONE]` at the end, the usage
//!   chunk asked for with `stream_options.include_usage`; tokens are reported per draft as they
//!   arrive. A stalled stream is `Error::Transient` and retried, never a hang.
//! - **Retries** by the shared policy ([`growth_core::retry`]) with OpenAI's SDK rules.
//! - **Usage.** `prompt_tokens_details.cached_tokens` (OpenAI's automatic prompt caching) counts as
//!   cache reads.
//!
//! # Ollama quick start
//!
//! 1. Install Ollama and pull a model that writes well and follows JSON instructions, e.g.
//!    `ollama pull qwen2.5:14b` (or `llama3.2` on a small machine). `ollama serve` listens on
//!    `http://localhost:11434`; its OpenAI-compatible API is under `/v1`.
//! 2. **Give the model room for a transcript.** Ollama's default context window is a few thousand
//!    tokens and it *silently truncates* longer prompts; a one-hour transcript is ~15k tokens. The
//!    OpenAI API cannot set the context size, so make a model with a larger one (Ollama's
//!    documentation, "Setting the context size"):
//!    ```text
//!    # Modelfile
//!    FROM qwen2.5:14b
//!    PARAMETER num_ctx 32768
//!    ```
//!    `ollama create growth-writer -f Modelfile`
//! 3. Point the server at it (`growth.toml`, or the matching `GROWTH_GENERATION__…` variables):
//!    ```toml
//!    [generation]
//!    provider = "openai_compatible"
//!
//!    [generation.openai_compatible]
//!    base_url = "http://localhost:11434/v1"
//!    model = "growth-writer"
//!    json_mode = "json_schema"     # Ollama constrains decoding to the drafts schema; or "json_object"
//!    # api_key: not needed for a local Ollama
//!    # stall_timeout_ms = 120000   # a cold model may take a while to load before its first token
//!    ```
//! 4. `growth generate episode.md` writes a bundle with it; `GET /generate/status/{job_id}` shows
//!    each piece's tokens as they stream.
//!
//! The same table reaches OpenAI (`base_url = "https://api.openai.com/v1"`, `api_key`, a model
//! id, `json_mode = "json_schema"`, and `max_tokens_field = "max_completion_tokens"` for reasoning
//! models), vLLM (`http://host:8000/v1`) or llama.cpp's server (`http://host:8080/v1`).
//!
//! In code:
//! ```no_run
//! use growth_core::generate::ContentGenerator;
//! use growth_llm::openai_compat::{OpenAiCompatConfig, OpenAiCompatGenerator};
//!
//! # fn run() -> growth_core::Result<()> {
//! let ollama = OpenAiCompatGenerator::new(OpenAiCompatConfig::new("http://localhost:11434/v1", "growth-writer"))?;
//! assert_eq!(ollama.model(), "growth-writer");
//! # Ok(())
//! # }
//! ```

mod config;
mod generator;
mod models;
mod stream;

pub use config::{JsonMode, MaxTokensField, OpenAiCompatConfig};
pub use generator::OpenAiCompatGenerator;
