//! The Grain calls.

use growth_core::Error;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::{Value, json};

use super::config::GrainConfig;
use super::error::parse_error;
use super::models::{ListRequest, RecordingEnvelope, RecordingList, TranscriptEntry, TranscriptEnvelope};
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, join_url, not_found_as, path_segment};

pub(super) const PLATFORM: &str = "grain";

#[derive(Clone, Debug)]
pub(super) struct Client {
    http: HttpClient,
    base_url: String,
    auth: HeaderValue,
    version: HeaderValue,
}

impl Client {
    pub(super) fn new(config: &GrainConfig) -> Result<Self, Error> {
        let version = HeaderValue::from_str(&config.api_version).map_err(|_| Error::Config("grain: invalid api_version".into()))?;
        Ok(Self {
            http: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            base_url: config.base_url.clone(),
            auth: auth_header(AuthScheme::Bearer, &config.token)?,
            version,
        })
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, &join_url(&self.base_url, path))
            .header(AUTHORIZATION, self.auth.clone())
            .header("Public-Api-Version", self.version.clone())
    }

    fn include() -> Value {
        json!({"participants": true, "ai_summary": true, "highlights": true, "ai_action_items": true})
    }

    /// The API host, for recognising links to it.
    pub(super) fn host(&self) -> Option<String> {
        reqwest::Url::parse(&self.base_url).ok().and_then(|u| u.host_str().map(str::to_owned))
    }

    /// `POST /recordings/{id}` (a read, despite the verb; the id percent-encoded into one segment).
    pub(super) async fn recording(&self, id: &str) -> Result<Value, Error> {
        let path = format!("/recordings/{}", path_segment("reference", id)?);
        let req = self.request(Method::POST, &path).json(&json!({"include": Self::include()}));
        let resp = self.http.send(req, Idempotency::Idempotent).await.map_err(|e| not_found_as(e, "grain recording", id))?;
        Ok(resp.json::<RecordingEnvelope>(PLATFORM)?.into_value())
    }

    /// `GET /recordings/{id}/transcript`.
    pub(super) async fn transcript(&self, id: &str) -> Result<Vec<TranscriptEntry>, Error> {
        let req = self.request(Method::GET, &format!("/recordings/{}/transcript", path_segment("reference", id)?));
        let resp = self.http.send(req, Idempotency::Idempotent).await.map_err(|e| not_found_as(e, "grain transcript", id))?;
        Ok(resp.json::<TranscriptEnvelope>(PLATFORM)?.into_entries())
    }

    /// `POST /recordings` (a read, despite the verb).
    pub(super) async fn list(&self, cursor: Option<&str>, filter: Value) -> Result<RecordingList, Error> {
        let body = ListRequest { cursor, filter, include: json!({"participants": true}) };
        let req = self.request(Method::POST, "/recordings").json(&body);
        self.http.send(req, Idempotency::Idempotent).await?.json(PLATFORM)
    }
}
