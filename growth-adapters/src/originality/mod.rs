//! Originality.ai AI detection: [`OriginalityDetector`] implements
//! `growth_core::quality::AiDetector`.
//!
//! One call, the v1 AI scan: `POST {base_url}{scan_path}` (default
//! `https://api.originality.ai/api/v1` + `/scan/ai`) with
//! `{"content": <text>, "aiModelVersion": "1", "storeScan": "false"}` and the key in
//! `X-OAI-API-KEY`. The path is **unverified** (one client calls `/scan/ai-scan`), hence
//! [`OriginalityConfig::scan_path`]; a 404 there is `Error::Config`.
//!
//! The answer's field names differ between sources, so all known shapes are read, first found
//! wins: v1 `score.original` / `score.ai`, v1 `ai_score.clear` / `ai_score.fake`, and the v3
//! shape `results.ai.confidence.Original` / `.AI`. The human score is the "original" probability,
//! else `1 −` the AI one, clamped to `0..=1`; unknown fields are ignored. Scored blocks
//! (`blocks[]` or `results.ai.blocks[]`, each `{text, result: {fake, real}}`) come back as
//! [`Highlight`](crate::detection::Highlight)s from [`OriginalityDetector::scan`]; the whole
//! answer is kept in `AiDetection::raw`.
//!
//! **Retries.** A scan is a POST that stores nothing (`storeScan` is off by default) and only
//! costs credits, so it is sent as
//! [`Idempotency::Idempotent`](crate::http::Idempotency::Idempotent): 408, 429 (after
//! `Retry-After`), 5xx and timeouts are retried per the configured `RetryConfig`, at most
//! `max_attempts` scans billed; set `RetryConfig::none()` to never pay twice.
//!
//! **Errors.** Besides the shared table (400/422 → `InvalidInput`, 401, 403, 402 or "insufficient
//! credits" → `Permanent`, 429 → `RateLimited`, 5xx/timeouts → `Transient`), a 422 "Enterprise
//! Subscription Required" (non-enterprise keys, apis.md §12) is `PermissionDenied`: the text is
//! fine, the plan is not. An empty text is `InvalidInput` before any request is sent.
//!
//! ```no_run
//! use growth_adapters::originality::{OriginalityConfig, OriginalityDetector};
//! use growth_core::quality::AiDetector;
//!
//! # async fn run() -> growth_core::Result<()> {
//! let detector = OriginalityDetector::new(OriginalityConfig::new("oai-api-key".to_owned().into()))?;
//! let detection = detector.detect("We shipped the new pricing page on Tuesday.").await?;
//! println!("human score {:.2}", detection.human_score);
//!
//! // The same scan with the blocks Originality.ai scored:
//! let report = detector.scan("We shipped it. It went fine.").await?;
//! for h in &report.highlights {
//!     println!("{:.2} {}", h.ai_probability, h.text);
//! }
//! # Ok(())
//! # }
//! ```

mod client;
mod config;
mod detector;
mod error;
mod models;

pub use config::OriginalityConfig;
pub use detector::OriginalityDetector;
