//! The retrying client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use growth_core::Error;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use super::limit::TokenBucket;
use super::redact::redacted;
use super::retry_after::retry_after;
use super::{HttpConfig, RetryConfig};

/// Whether a request may be sent twice without changing the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, and writes that are safe to repeat: retried on 408, 429, 5xx, timeouts and connect errors.
    Idempotent,
    /// Writes with a side effect (creating a transcript bills it): retried only on connect errors,
    /// where nothing was sent. A timeout once the request may have been sent is
    /// [`Error::OutcomeUnknown`].
    NonIdempotent,
}

/// Turns a non-2xx answer into the library's error: one table per platform.
pub type Classifier = fn(StatusCode, &HeaderMap, &[u8]) -> Error;

/// A whole response with a 2xx status.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, read in full.
    pub body: Bytes,
}

impl HttpResponse {
    /// The body as JSON of type `T`.
    ///
    /// # Errors
    /// [`Error::Permanent`] when the body is not the expected shape (the platform changed its API).
    pub fn json<T: DeserializeOwned>(&self, platform: &str) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Permanent(format!("unexpected response from {platform}: {e}")))
    }
}

/// A `reqwest` client with this platform's timeouts, retry policy, rate limit and error table.
#[derive(Clone)]
pub struct HttpClient {
    platform: &'static str,
    inner: reqwest::Client,
    retry: RetryConfig,
    bucket: Option<Arc<TokenBucket>>,
    classify: Classifier,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient").field("platform", &self.platform).field("retry", &self.retry).finish_non_exhaustive()
    }
}

/// What one attempt came to.
enum Attempt {
    Done(HttpResponse),
    /// Failed; retry after the wait when `Some`.
    Failed(Error, Option<Duration>),
}

impl HttpClient {
    /// A client for `platform` (used in messages and logs) with `classify` as its error table.
    ///
    /// # Errors
    /// [`Error::Config`] when the TLS backend cannot be initialised.
    pub fn new(platform: &'static str, config: &HttpConfig, classify: Classifier) -> Result<Self, Error> {
        let inner = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(concat!("growth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("{platform}: cannot build the HTTP client: {e}")))?;
        let bucket = config.rate_limit.as_ref().map(|r| Arc::new(TokenBucket::new(r)));
        Ok(Self { platform, inner, retry: config.retry.clone(), bucket, classify })
    }

    /// The same client (connections, retry policy, and the very same rate-limit bucket) with
    /// another error table: for calls whose answers mean something else, such as a create whose
    /// 5xx may have taken effect.
    pub fn with_classifier(&self, classify: Classifier) -> Self {
        Self { classify, ..self.clone() }
    }

    /// The platform name given at construction.
    pub fn platform(&self) -> &'static str {
        self.platform
    }

    /// Starts a request; send it with [`HttpClient::send`].
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.inner.request(method, url)
    }

    /// Sends `request`, retrying per the policy and `idempotency`, and reads the whole body.
    ///
    /// # Errors
    /// The platform's classification of the last non-2xx answer; [`Error::Transient`] for connect
    /// errors and timeouts of idempotent requests; [`Error::OutcomeUnknown`] when a non-idempotent
    /// request may have been sent but no answer came back.
    pub async fn send(&self, request: RequestBuilder, idempotency: Idempotency) -> Result<HttpResponse, Error> {
        let max_attempts = self.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let Some(this) = request.try_clone() else {
                // A streaming body cannot be cloned: such a request gets exactly one attempt.
                return match self.attempt(request, idempotency).await {
                    Attempt::Done(response) => Ok(response),
                    Attempt::Failed(error, _) => Err(error),
                };
            };
            match self.attempt(this, idempotency).await {
                Attempt::Done(response) => return Ok(response),
                Attempt::Failed(error, None) => return Err(error),
                Attempt::Failed(error, Some(_)) if attempt >= max_attempts => return Err(error),
                Attempt::Failed(error, Some(wait)) => {
                    let wait = if wait.is_zero() { self.backoff(attempt) } else { wait };
                    tracing::debug!(platform = self.platform, attempt, wait_ms = wait.as_millis() as u64, error = %error, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(&self, request: RequestBuilder, idempotency: Idempotency) -> Attempt {
        if let Some(bucket) = &self.bucket {
            bucket.acquire().await;
        }
        let request = match request.build() {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(Error::Config(format!("{}: invalid request: {e}", self.platform)), None),
        };
        tracing::debug!(platform = self.platform, method = %request.method(), url = %request.url(), headers = ?redacted(request.headers()), "sending");
        let idempotent = idempotency == Idempotency::Idempotent;
        let response = match self.inner.execute(request).await {
            Ok(r) => r,
            Err(e) => return self.transport_failure(&e, idempotent),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) if status.is_success() => return self.transport_failure(&e, idempotent),
            Err(_) => Bytes::new(),
        };
        if status.is_success() {
            return Attempt::Done(HttpResponse { status, headers, body });
        }
        let error = (self.classify)(status, &headers, &body);
        tracing::debug!(platform = self.platform, %status, error = %error, "answer classified");
        // The status says whether a retry could help; the classified error can veto it (a 429 that
        // means "out of credits" is permanent, and retrying it only burns attempts).
        let retryable = (status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error())
            && error.is_retryable();
        if !(idempotent && retryable) {
            return Attempt::Failed(error, None);
        }
        // The classifier may read platform-specific headers (Riverside's `x-ratelimit-reset`).
        match error.retry_after().or_else(|| retry_after(&headers)) {
            // The server asked for longer than we sit out: hand the wait to the caller.
            Some(w) if w > self.retry.max_retry_after => Attempt::Failed(error, None),
            Some(w) => Attempt::Failed(error, Some(w.max(Duration::from_millis(1)))),
            None => Attempt::Failed(error, Some(Duration::ZERO)),
        }
    }

    fn transport_failure(&self, e: &reqwest::Error, idempotent: bool) -> Attempt {
        let platform = self.platform;
        if e.is_connect() {
            // Nothing reached the platform: safe to retry whatever the request.
            return Attempt::Failed(Error::transient(format!("{platform}: cannot connect: {}", source_chain(e))), Some(Duration::ZERO));
        }
        let what = if e.is_timeout() { "timed out" } else { "failed" };
        if idempotent {
            Attempt::Failed(Error::transient(format!("{platform}: request {what}: {}", source_chain(e))), Some(Duration::ZERO))
        } else {
            Attempt::Failed(
                Error::OutcomeUnknown(format!("{platform}: request {what} after it may have been sent; check before resending")),
                None,
            )
        }
    }

    fn backoff(&self, retry: u32) -> Duration {
        let d = self.retry.backoff(retry);
        if self.retry.jitter { d.mul_f64(1.0 - 0.25 * random_unit()) } else { d }
    }
}

/// A float in `[0, 1)`, good enough for jitter (not for anything secret).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// The error and its causes on one line (URLs carry ids, never secrets: those go in headers).
fn source_chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_unit_stays_in_range() {
        for _ in 0..1000 {
            let r = random_unit();
            assert!((0.0..1.0).contains(&r), "{r}");
        }
    }
}
