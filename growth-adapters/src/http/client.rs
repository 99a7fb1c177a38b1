//! The retrying client.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use growth_core::Error;
use growth_core::retry::{self, Failure};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use super::limit::TokenBucket;
use super::path::loggable_url;
use super::redact::redacted;
use super::retry_after;
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
        if request.try_clone().is_none() {
            // A streaming body cannot be cloned: such a request gets exactly one attempt.
            return self.attempt(request, idempotency).await.map_err(|f| f.error);
        }
        let what = format!("{} request", self.platform);
        retry::run(&self.retry.policy(), &what, |_| {
            let this = request.try_clone();
            async move {
                match this {
                    Some(r) => self.attempt(r, idempotency).await,
                    None => Err(Failure::fatal(Error::internal_msg("a cloneable request could not be cloned"))),
                }
            }
        })
        .await
    }

    async fn attempt(&self, request: RequestBuilder, idempotency: Idempotency) -> Result<HttpResponse, Failure> {
        if let Some(bucket) = &self.bucket {
            bucket.acquire().await;
        }
        let request = request.build().map_err(|e| Failure::fatal(Error::Config(format!("{}: invalid request: {e}", self.platform))))?;
        tracing::debug!(platform = self.platform, method = %request.method(), url = %loggable_url(request.url()), headers = ?redacted(request.headers()), "sending");
        let idempotent = idempotency == Idempotency::Idempotent;
        let response = self.inner.execute(request).await.map_err(|e| self.transport_failure(e, idempotent))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) if status.is_success() => return Err(self.transport_failure(e, idempotent)),
            Err(_) => Bytes::new(),
        };
        if status.is_success() {
            return Ok(HttpResponse { status, headers, body });
        }
        let error = (self.classify)(status, &headers, &body);
        tracing::debug!(platform = self.platform, %status, error = %error, "answer classified");
        // The status says whether a retry could help; the classified error can veto it (a 429 that
        // means "out of credits" is permanent, and retrying it only burns attempts).
        let retryable = (status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error())
            && error.is_retryable();
        // The classifier may read platform-specific headers (Riverside's `x-ratelimit-reset`).
        let server_delay = error.retry_after().or_else(|| retry_after(&headers));
        Err(Failure { error, retryable: idempotent && retryable, server_delay })
    }

    fn transport_failure(&self, e: reqwest::Error, idempotent: bool) -> Failure {
        let platform = self.platform;
        // The URL may carry a pre-signed query (a CDN link): errors never show it.
        let e = e.without_url();
        if e.is_connect() {
            // Nothing reached the platform: safe to retry whatever the request.
            return Failure::retry(Error::transient(format!("{platform}: cannot connect: {}", source_chain(&e))), None);
        }
        let what = if e.is_timeout() { "timed out" } else { "failed" };
        if idempotent {
            Failure::retry(Error::transient(format!("{platform}: request {what}: {}", source_chain(&e))), None)
        } else {
            Failure::fatal(Error::OutcomeUnknown(format!("{platform}: request {what} after it may have been sent; check before resending")))
        }
    }
}

/// The error and its causes on one line (the caller has removed the URL).
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
