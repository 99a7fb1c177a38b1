//! The LinkedIn calls: create a post, list an author's posts.

use growth_core::Error;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

use super::config::LinkedInConfig;
use super::error::{PLATFORM, parse_error, parse_publish_error, parse_token_error};
use super::models::{CreatePost, PostsPage};
use crate::http::{HttpClient, HttpResponse, Idempotency, join_url, request_log};

/// The Rest.li protocol version every Posts API call declares.
const RESTLI_PROTOCOL: &str = "2.0.0";

#[derive(Clone, Debug)]
pub(super) struct Client {
    /// Reads: retried on 429/5xx/timeouts.
    api: HttpClient,
    /// The post itself: never resent once it may have reached LinkedIn; 5xx is `OutcomeUnknown`.
    publish: HttpClient,
    /// The OAuth token endpoint.
    pub(super) token: HttpClient,
    base_url: String,
    version: HeaderValue,
}

impl Client {
    pub(super) fn new(config: &LinkedInConfig) -> Result<Self, Error> {
        let version = HeaderValue::from_str(config.api_version.trim())
            .map_err(|_| Error::Config("linkedin: `api_version` is not a valid header value".into()))?;
        Ok(Self {
            api: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            publish: HttpClient::new(PLATFORM, &config.http, parse_publish_error)?,
            token: HttpClient::new(PLATFORM, &config.http, parse_token_error)?,
            base_url: config.base_url.clone(),
            version,
        })
    }

    fn request(&self, http: &HttpClient, method: Method, path: &str, auth: HeaderValue) -> RequestBuilder {
        http.request(method, &join_url(&self.base_url, path))
            .header(AUTHORIZATION, auth)
            .header("LinkedIn-Version", self.version.clone())
            .header("X-Restli-Protocol-Version", RESTLI_PROTOCOL)
    }

    /// `POST /rest/posts`: the redacted request for the log, and the answer. Not idempotent.
    pub(super) async fn create_post(&self, auth: HeaderValue, body: &CreatePost<'_>) -> (Value, Result<HttpResponse, Error>) {
        let json = serde_json::to_value(body).unwrap_or(Value::Null);
        let req = self.request(&self.publish, Method::POST, "/rest/posts", auth).json(body);
        let log = request_log(&req, Some(&json));
        (log, self.publish.send(req, Idempotency::NonIdempotent).await)
    }

    /// `GET /rest/posts?author={urn}&q=author&count={n}&sortBy=LAST_MODIFIED`: the author's most
    /// recently modified posts first.
    pub(super) async fn posts_by_author(&self, auth: HeaderValue, author: &str, count: u32) -> Result<(Value, PostsPage), Error> {
        let count = count.clamp(1, 100).to_string();
        let req = self.request(&self.api, Method::GET, "/rest/posts", auth).header("X-RestLi-Method", "FINDER").query(&[
            ("author", author),
            ("q", "author"),
            ("count", &count),
            ("sortBy", "LAST_MODIFIED"),
        ]);
        let log = request_log(&req, None);
        let page = self.api.send(req, Idempotency::Idempotent).await?.json(PLATFORM)?;
        Ok((log, page))
    }
}
