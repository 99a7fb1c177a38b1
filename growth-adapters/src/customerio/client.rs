//! The App API calls: trigger a broadcast, list its triggers, read its metrics.

use growth_core::Error;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::Value;

use super::config::CustomerIoConfig;
use super::error::{PLATFORM, parse_error, parse_metrics_error, parse_trigger_error};
use super::models::{BroadcastMetrics, TriggerList};
use crate::http::{AuthScheme, HttpClient, HttpResponse, Idempotency, auth_header, join_url, not_found_as, request_log};

#[derive(Clone, Debug)]
pub(super) struct Client {
    /// Reads: retried on 429/5xx/timeouts.
    api: HttpClient,
    /// Triggers: never resent once they may have reached Customer.io.
    trigger: HttpClient,
    /// Metrics reads: a refused key is "connect analytics".
    metrics: HttpClient,
    base_url: String,
    auth: HeaderValue,
}

impl Client {
    pub(super) fn new(config: &CustomerIoConfig) -> Result<Self, Error> {
        Ok(Self {
            api: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            trigger: HttpClient::new(PLATFORM, &config.http, parse_trigger_error)?,
            metrics: HttpClient::new(PLATFORM, &config.http, parse_metrics_error)?,
            base_url: config.app_api_base().to_owned(),
            auth: auth_header(AuthScheme::Bearer, &config.app_api_key)?,
        })
    }

    /// `POST /v1/campaigns/{broadcast}/triggers`: the redacted request for the log, and the
    /// answer. Not idempotent.
    pub(super) async fn trigger(&self, broadcast: u64, body: &Value) -> (Value, Result<HttpResponse, Error>) {
        let url = join_url(&self.base_url, &format!("/v1/campaigns/{broadcast}/triggers"));
        let req = self.trigger.request(Method::POST, &url).header(AUTHORIZATION, self.auth.clone()).json(body);
        let log = request_log(&req, Some(body));
        let result = self.trigger.send(req, Idempotency::NonIdempotent).await;
        (log, result.map_err(|e| not_found_as(e, "customer.io broadcast", &broadcast.to_string())))
    }

    /// `GET /v1/broadcasts/{broadcast}/triggers` (the `/campaigns/` vs `/broadcasts/` difference
    /// is Customer.io's).
    pub(super) async fn triggers(&self, broadcast: u64) -> Result<(Value, TriggerList), Error> {
        let url = join_url(&self.base_url, &format!("/v1/broadcasts/{broadcast}/triggers"));
        let req = self.api.request(Method::GET, &url).header(AUTHORIZATION, self.auth.clone());
        let log = request_log(&req, None);
        let resp = self
            .api
            .send(req, Idempotency::Idempotent)
            .await
            .map_err(|e| not_found_as(e, "customer.io broadcast", &broadcast.to_string()))?;
        Ok((log, resp.json(PLATFORM)?))
    }

    /// `GET /v1/broadcasts/{broadcast}/metrics?period=…&steps=…&type=email`.
    pub(super) async fn broadcast_metrics(&self, broadcast: u64, period: &str, steps: u32) -> Result<BroadcastMetrics, Error> {
        let url = join_url(&self.base_url, &format!("/v1/broadcasts/{broadcast}/metrics"));
        let steps = steps.to_string();
        let req = self.metrics.request(Method::GET, &url).header(AUTHORIZATION, self.auth.clone()).query(&[
            ("period", period),
            ("steps", steps.as_str()),
            ("type", "email"),
        ]);
        let resp = self
            .metrics
            .send(req, Idempotency::Idempotent)
            .await
            .map_err(|e| not_found_as(e, "customer.io broadcast", &broadcast.to_string()))?;
        resp.json(PLATFORM)
    }
}
