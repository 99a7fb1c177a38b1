//! The three AssemblyAI calls.

use bytes::Bytes;
use growth_core::Error;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

use super::config::AssemblyAiConfig;
use super::error::parse_error;
use super::models::{CreateTranscript, TranscriptStatusBody, UploadResponse};
use crate::http::{AuthScheme, HttpClient, HttpResponse, Idempotency, auth_header, join_url, not_found_as};

const PLATFORM: &str = "assemblyai";

#[derive(Clone, Debug)]
pub(super) struct Client {
    http: HttpClient,
    base_url: String,
    auth: HeaderValue,
}

impl Client {
    pub(super) fn new(config: &AssemblyAiConfig) -> Result<Self, Error> {
        Ok(Self {
            http: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            base_url: config.base_url.clone(),
            auth: auth_header(AuthScheme::Raw, &config.api_key)?,
        })
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, &join_url(&self.base_url, path)).header(AUTHORIZATION, self.auth.clone())
    }

    /// `POST /v2/upload`. Retried like a read: a repeated upload only leaves an unused file behind.
    pub(super) async fn upload(&self, audio: Bytes) -> Result<String, Error> {
        let req = self.request(Method::POST, "/v2/upload").header(CONTENT_TYPE, "application/octet-stream").body(audio);
        let resp: UploadResponse = self.http.send(req, Idempotency::Idempotent).await?.json(PLATFORM)?;
        Ok(resp.upload_url)
    }

    /// `POST /v2/transcript`. Not idempotent: each call creates (and bills) a transcript.
    pub(super) async fn create(&self, body: &CreateTranscript<'_>) -> Result<TranscriptStatusBody, Error> {
        let req = self.request(Method::POST, "/v2/transcript").json(body);
        self.http.send(req, Idempotency::NonIdempotent).await?.json(PLATFORM)
    }

    /// `GET /v2/transcript/{id}`: the whole transcript object.
    pub(super) async fn get(&self, id: &str) -> Result<HttpResponse, Error> {
        let req = self.request(Method::GET, &format!("/v2/transcript/{id}"));
        self.http.send(req, Idempotency::Idempotent).await.map_err(|e| not_found_as(e, "assemblyai transcript", id))
    }
}
