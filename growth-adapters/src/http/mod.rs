//! The shared outbound-HTTP client every adapter uses.
//!
//! - **Timeouts** for connecting and for a whole attempt ([`HttpConfig`]).
//! - **Retries** ([`RetryConfig`], run by the shared [`growth_core::retry`] policy): 408, 429, 5xx and timeouts are retried only for requests
//!   marked [`Idempotency::Idempotent`]; connect errors (nothing was sent) for every request. A
//!   non-idempotent request that may have been sent but got no answer is
//!   [`Error::OutcomeUnknown`](growth_core::Error::OutcomeUnknown), never resent.
//! - **`Retry-After`** (delta-seconds or HTTP-date; `0` means retry now) and `retry-after-ms` are honoured up to
//!   [`RetryConfig::max_retry_after`]; a longer wait goes back to the caller as
//!   `Error::RateLimited { retry_after }`. Without one, exponential backoff with jitter.
//! - **Rate limits**: a token bucket per client ([`RateLimitConfig`]) and [`MinInterval`] for
//!   "once per N per unique request" limits. Both are per process.
//! - **Errors**: each adapter passes its own [`Classifier`] (a private `parse_error` table built
//!   on [`classify_status`]) that reads its platform's error body.
//! - **Secrets**: [`auth_header`] is the one place a credential is exposed; the value is flagged
//!   sensitive, and [`redacted`] is what the debug log shows of request headers;
//!   [`exchange_log`] is what a publisher keeps of an exchange, credentials redacted. Logged URLs
//!   lose their query ([`loggable_url`]: pre-signed links carry signatures there), and transport
//!   errors are reported without their URL.
//! - **Ids in paths**: [`path_segment`] percent-encodes an id into exactly one segment;
//!   [`web_address`], [`host_is`] and [`segment_after`] read a recording id out of a pasted link.

mod classify;
mod client;
mod config;
mod limit;
mod log;
mod path;
#[cfg(any(feature = "linkedin", feature = "customerio"))]
mod publog;
mod redact;

pub use classify::{body_text, classify_status, error_message, not_found_as, retry_after};
pub use client::{Classifier, HttpClient, HttpResponse, Idempotency};
#[cfg(any(feature = "assemblyai", feature = "riverside", feature = "linkedin", feature = "customerio", feature = "n8n"))]
pub(crate) use config::millis;
pub use config::{HttpConfig, RateLimitConfig, RetryConfig};
pub use limit::MinInterval;
pub use log::exchange_log;
pub use path::{host_is, loggable_url, path_segment, percent_decode, segment_after, web_address};
#[cfg(any(feature = "linkedin", feature = "customerio"))]
pub(crate) use publog::{request_log, response_log};
pub use redact::{AuthScheme, auth_header, is_sensitive, redacted};

/// `base` and `path` joined with exactly one `/` between them.
pub fn join_url(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}
