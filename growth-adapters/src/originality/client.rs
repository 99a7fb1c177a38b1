//! The Originality.ai call.

use growth_core::Error;
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use serde_json::Value;

use super::config::OriginalityConfig;
use super::error::parse_error;
use super::models::ScanAi;
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, join_url};

pub(super) const PLATFORM: &str = "originality";

#[derive(Clone, Debug)]
pub(super) struct Client {
    http: HttpClient,
    url: String,
    key: HeaderValue,
}

impl Client {
    pub(super) fn new(config: &OriginalityConfig) -> Result<Self, Error> {
        Ok(Self {
            http: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            url: join_url(&config.base_url, &config.scan_path),
            // The raw key, flagged sensitive: `X-OAI-API-KEY` is never logged.
            key: auth_header(AuthScheme::Raw, &config.api_key)?,
        })
    }

    /// The AI scan, the whole answer as JSON.
    ///
    /// Sent as idempotent: with `storeScan` off a scan creates nothing, so repeating it after a
    /// 5xx, a 429 or a timeout changes no outcome (it only costs the credits again, at most
    /// `max_attempts` times).
    pub(super) async fn scan(&self, body: &ScanAi<'_>) -> Result<Value, Error> {
        let req = self
            .http
            .request(Method::POST, &self.url)
            .header("X-OAI-API-KEY", self.key.clone())
            .header(ACCEPT, "application/json")
            .json(body);
        self.http.send(req, Idempotency::Idempotent).await?.json(PLATFORM)
    }
}
