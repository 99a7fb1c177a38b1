//! GPTZero AI detection: [`GptZeroDetector`] implements `growth_core::quality::AiDetector`.
//!
//! One call, `POST {base_url}/v2/predict/text` with `{"document": <text>, "multilingual": …,
//! "version": …}` and the key in `x-api-key`. GPTZero answers with one entry in `documents`:
//! class probabilities (`human`, `ai`, `mixed`), `completely_generated_prob` and per-sentence
//! `generated_prob`s. The human score is, in order of preference,
//! `class_probabilities.human`, else `1 − ai − mixed` from the class probabilities, else
//! `1 − completely_generated_prob`, else `1 − average_generated_prob` — "mixed" counts as not
//! human, since part of the text reads as machine-written. Every probability is clamped to
//! `0..=1`; camelCase spellings are accepted and unknown fields ignored. The sentences come back
//! as [`Highlight`](crate::detection::Highlight)s from [`GptZeroDetector::scan`], and the whole
//! answer is kept in `AiDetection::raw`.
//!
//! **Retries.** A scan is a POST, but it creates nothing: repeating it only bills the words again.
//! It is therefore sent as [`Idempotency::Idempotent`](crate::http::Idempotency::Idempotent), so
//! 408, 429 (after `Retry-After`), 5xx and timeouts are retried per [`HttpConfig::retry`]
//! (`max_attempts` bounds the extra billing); set `RetryConfig::none()` to never pay twice.
//!
//! **Limits.** GPTZero truncates documents at 50,000 characters; a longer text is refused with
//! `InvalidInput` rather than scored on a prefix ([`GptZeroConfig::max_chars`]). An empty text is
//! `InvalidInput` before any request is sent.
//!
//! ```no_run
//! use growth_adapters::gptzero::{GptZeroConfig, GptZeroDetector};
//! use growth_core::quality::AiDetector;
//!
//! # async fn run() -> growth_core::Result<()> {
//! let detector = GptZeroDetector::new(GptZeroConfig::new("gptzero-api-key".to_owned().into()))?;
//! let detection = detector.detect("We shipped the new pricing page on Tuesday.").await?;
//! println!("human score {:.2}", detection.human_score);
//!
//! // The same scan with the sentences GPTZero flagged:
//! let report = detector.scan("We shipped it. It went fine.").await?;
//! for h in report.highlights.iter().filter(|h| h.flagged) {
//!     println!("{:.2} {}", h.ai_probability, h.text);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! [`HttpConfig::retry`]: crate::http::HttpConfig::retry

mod client;
mod config;
mod detector;
mod error;
mod models;

pub use config::GptZeroConfig;
pub use detector::GptZeroDetector;
