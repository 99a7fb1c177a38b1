//! n8n lead enrichment: [`N8nEnricher`] implements `growth_core::measure::LeadEnricher` by
//! POSTing the lead to an n8n **Webhook** node (production URL `<base>/webhook/<path>`) with
//! **Header Auth** (a header name and a secret value set in the node's credential).
//!
//! The workflow is expected to respond "When Last Node Finishes" with "First Entry JSON" (or
//! "All Entries"): the answer's JSON is stored on the lead as it is; an empty answer is stored as
//! `{}`. The body sent is `{lead_id, email, kind, content_item_id, url, utm}`.
//!
//! It runs inside an `enrich_lead` job, never on the request path, so it does not retry inside
//! the call: a slow answer (past [`N8nConfig::timeout`]), a 408, 429 or 5xx is
//! `Error::Transient` and the job queue tries again later with back-off; any other 4xx (a wrong
//! header secret is 401/403, an inactive workflow 404) is `Error::Permanent` and the job fails
//! for good with n8n's reason.

use std::time::Duration;

use async_trait::async_trait;
use growth_core::measure::{EnrichmentRequest, LeadEnricher};
use growth_core::{Error, Result};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::http::{HttpClient, HttpConfig, Idempotency, RetryConfig, error_message, millis, retry_after};

const PLATFORM: &str = "n8n";

/// Settings of [`N8nEnricher`]. `Debug` hides the secret.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct N8nConfig {
    /// The Webhook node's production URL (`https://n8n.example.com/webhook/enrich-lead`).
    pub webhook_url: String,
    /// The Header Auth credential's header name (e.g. `X-N8N-Auth`).
    pub header_name: String,
    /// The Header Auth credential's value.
    pub header_value: SecretString,
    /// The longest the workflow may take to answer, in ms as `timeout_ms` (default 10 s);
    /// past it the enrichment is tried again later.
    #[serde(default = "default_timeout", rename = "timeout_ms", with = "millis")]
    pub timeout: Duration,
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

impl N8nConfig {
    /// Settings for `webhook_url` with header auth `header_name: header_value`, 10 s timeout.
    pub fn new(webhook_url: impl Into<String>, header_name: impl Into<String>, header_value: SecretString) -> Self {
        Self { webhook_url: webhook_url.into(), header_name: header_name.into(), header_value, timeout: default_timeout() }
    }
}

/// Posts leads to an n8n workflow and answers what it returns (see the module docs).
#[derive(Clone, Debug)]
pub struct N8nEnricher {
    client: HttpClient,
    url: String,
    header: (HeaderName, HeaderValue),
}

impl N8nEnricher {
    /// An enricher for `config`.
    ///
    /// # Errors
    /// `Error::Config` when the URL is not `http(s)`, or the header name or value cannot be sent.
    pub fn new(config: &N8nConfig) -> Result<Self> {
        let url = reqwest::Url::parse(config.webhook_url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| Error::Config(format!("n8n.webhook_url: {:?} is not an http(s) URL", config.webhook_url)))?;
        let name = HeaderName::from_bytes(config.header_name.trim().as_bytes())
            .map_err(|_| Error::Config(format!("n8n.header_name: {:?} is not a header name", config.header_name)))?;
        let mut value = HeaderValue::from_str(config.header_value.expose_secret())
            .map_err(|_| Error::Config("n8n.header_value: not a valid header value".into()))?;
        value.set_sensitive(true);
        let http = HttpConfig {
            timeout: config.timeout,
            connect_timeout: config.timeout.min(Duration::from_secs(5)),
            // One attempt per job run: the job queue does the retrying, with back-off.
            retry: RetryConfig { max_attempts: 1, ..RetryConfig::default() },
            rate_limit: None,
        };
        Ok(Self { client: HttpClient::new(PLATFORM, &http, classify)?, url: url.into(), header: (name, value) })
    }
}

/// 408, 429 and 5xx: try again later; any other 4xx: refused for good, with n8n's reason.
fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = error_message(body);
    let text = format!("n8n answered HTTP {status} to the lead enrichment: {}", message.trim());
    match status.as_u16() {
        408 | 429 | 500..=599 => Error::Transient { message: text, retry_after: retry_after(headers) },
        401 | 403 => Error::Permanent(format!("{text} (check the webhook's Header Auth: analytics.n8n.header_name / header_value)")),
        404 => Error::Permanent(format!("{text} (is the workflow active, and is this its production URL?)")),
        _ => Error::Permanent(text),
    }
}

#[async_trait]
impl LeadEnricher for N8nEnricher {
    async fn enrich(&self, lead: &EnrichmentRequest) -> Result<serde_json::Value> {
        let req = self.client.request(Method::POST, &self.url).header(self.header.0.clone(), self.header.1.clone()).json(lead);
        let resp = self.client.send(req, Idempotency::Idempotent).await.map_err(|e| match e {
            // A timeout of one attempt: not an unknown outcome here, enriching twice is harmless.
            Error::OutcomeUnknown(m) => Error::transient(m),
            other => other,
        })?;
        if resp.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::json!({}));
        }
        serde_json::from_slice(&resp.body)
            .map_err(|e| Error::Permanent(format!("n8n answered something that is not JSON ({e}); respond with First Entry JSON")))
    }
}
