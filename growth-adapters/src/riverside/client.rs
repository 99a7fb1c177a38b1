//! The Riverside calls.

use bytes::Bytes;
use growth_core::Error;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::Value;

use super::config::RiversideConfig;
use super::error::parse_error;
use super::models::{Envelope, ListEnvelope};
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, join_url, not_found_as, path_segment};

pub(super) const PLATFORM: &str = "riverside";

#[derive(Clone, Debug)]
pub(super) struct Client {
    http: HttpClient,
    base_url: String,
    auth: HeaderValue,
}

impl Client {
    pub(super) fn new(config: &RiversideConfig) -> Result<Self, Error> {
        Ok(Self {
            http: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            auth: auth_header(AuthScheme::Bearer, &config.api_key)?,
        })
    }

    /// An absolute URL for a path, or the URL itself when already absolute.
    pub(super) fn url(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            path_or_url.to_owned()
        } else {
            join_url(&self.base_url, path_or_url)
        }
    }

    async fn get(&self, url: &str) -> Result<Bytes, Error> {
        let mut req = self.http.request(Method::GET, url);
        // The key goes only to Riverside's own host, never to a storage/CDN link.
        if url.starts_with(&format!("{}/", self.base_url)) {
            req = req.header(AUTHORIZATION, self.auth.clone());
        }
        Ok(self.http.send(req, Idempotency::Idempotent).await?.body)
    }

    /// The API host, for recognising links to it.
    pub(super) fn host(&self) -> Option<String> {
        reqwest::Url::parse(&self.base_url).ok().and_then(|u| u.host_str().map(str::to_owned))
    }

    /// `GET /api/v3/recordings/{id}` (the id percent-encoded into one segment).
    pub(super) async fn recording(&self, id: &str) -> Result<Value, Error> {
        let url = self.url(&format!("/api/v3/recordings/{}", path_segment("reference", id)?));
        let body = self.get(&url).await.map_err(|e| not_found_as(e, "riverside recording", id))?;
        let envelope: Envelope = json(&body)?;
        Ok(envelope.into_value())
    }

    /// `GET /api/v3/recordings?page=N`.
    pub(super) async fn recordings(&self, page: Option<u32>) -> Result<ListEnvelope, Error> {
        let mut url = self.url("/api/v3/recordings");
        if let Some(p) = page {
            url.push_str(&format!("?page={p}"));
        }
        json(&self.get(&url).await?)
    }

    /// Downloads a transcript file.
    pub(super) async fn download(&self, url: &str) -> Result<Bytes, Error> {
        self.get(url).await
    }
}

fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Permanent(format!("unexpected response from {PLATFORM}: {e}")))
}
