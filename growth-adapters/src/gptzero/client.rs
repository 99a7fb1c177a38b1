//! The GPTZero call.

use growth_core::Error;
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use serde_json::Value;

use super::config::GptZeroConfig;
use super::error::parse_error;
use super::models::PredictText;
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, join_url};

pub(super) const PLATFORM: &str = "gptzero";

#[derive(Clone, Debug)]
pub(super) struct Client {
    http: HttpClient,
    base_url: String,
    key: HeaderValue,
}

impl Client {
    pub(super) fn new(config: &GptZeroConfig) -> Result<Self, Error> {
        Ok(Self {
            http: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            base_url: config.base_url.clone(),
            // The raw key, flagged sensitive: `x-api-key` is never logged.
            key: auth_header(AuthScheme::Raw, &config.api_key)?,
        })
    }

    /// `POST /v2/predict/text`, the whole answer as JSON.
    ///
    /// Sent as idempotent: a scan creates nothing, so repeating it after a 5xx, a 429 or a
    /// timeout changes no outcome (it only bills the words again, at most `max_attempts` times).
    pub(super) async fn predict(&self, body: &PredictText<'_>) -> Result<Value, Error> {
        let req = self
            .http
            .request(Method::POST, &join_url(&self.base_url, "/v2/predict/text"))
            .header("x-api-key", self.key.clone())
            .header(ACCEPT, "application/json")
            .json(body);
        self.http.send(req, Idempotency::Idempotent).await?.json(PLATFORM)
    }
}
