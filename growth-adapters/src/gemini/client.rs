//! The Meet calls.

use growth_core::Error;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::config::GeminiConfig;
use super::error::parse_error;
use super::models::ConferenceRecord;
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, join_url, not_found_as};

pub(super) const PLATFORM: &str = "google meet";

/// A guard against a server that keeps answering with a page token.
const MAX_PAGES: usize = 1000;

#[derive(Clone, Debug)]
pub(super) struct Client {
    http: HttpClient,
    base_url: String,
    auth: HeaderValue,
}

impl Client {
    pub(super) fn new(config: &GeminiConfig) -> Result<Self, Error> {
        Ok(Self {
            http: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            base_url: config.base_url.clone(),
            auth: auth_header(AuthScheme::Bearer, &config.access_token)?,
        })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Result<T, Error> {
        let req = self.http.request(Method::GET, &join_url(&self.base_url, path)).header(AUTHORIZATION, self.auth.clone()).query(query);
        self.http.send(req, Idempotency::Idempotent).await?.json(PLATFORM)
    }

    /// `GET /v2/conferenceRecords/{id}`.
    pub(super) async fn conference_record(&self, name: &str) -> Result<ConferenceRecord, Error> {
        self.get(&format!("/v2/{name}"), &[]).await.map_err(|e| not_found_as(e, "google meet conference record", name))
    }

    /// One page of `GET /v2/conferenceRecords?filter=…`.
    pub(super) async fn conference_records(&self, filter: &str) -> Result<Value, Error> {
        self.get("/v2/conferenceRecords", &[("filter", filter), ("pageSize", "100")]).await
    }

    /// Every item of a paged list: `GET /v2/{parent}/{collection}`, following `nextPageToken`.
    pub(super) async fn list_all<T: DeserializeOwned>(
        &self,
        parent: &str,
        collection: &str,
        key: &str,
        page_size: u32,
    ) -> Result<Vec<T>, Error> {
        let path = format!("/v2/{parent}/{collection}");
        let size = page_size.to_string();
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("pageSize", size.as_str())];
            if let Some(t) = &token {
                query.push(("pageToken", t.as_str()));
            }
            let mut page: Value = self.get(&path, &query).await?;
            if let Some(list) = page.get_mut(key).map(Value::take) {
                let mut batch: Vec<T> = serde_json::from_value(list)
                    .map_err(|e| Error::Permanent(format!("unexpected {collection} page from {PLATFORM}: {e}")))?;
                items.append(&mut batch);
            }
            token = page.get("nextPageToken").and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_owned);
            if token.is_none() {
                return Ok(items);
            }
        }
        Err(Error::Permanent(format!("{PLATFORM}: more than {MAX_PAGES} pages of {collection}; giving up")))
    }
}
