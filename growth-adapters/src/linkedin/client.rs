//! The LinkedIn calls: create a post, list an author's posts, read post analytics.

use growth_core::Error;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

use super::config::LinkedInConfig;
use super::error::{PLATFORM, parse_error, parse_metrics_error, parse_publish_error, parse_token_error};
use super::models::{AnalyticsPage, CreatePost, PostsPage, ShareStatsPage};
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
    /// Analytics reads: a refused token or scope is "connect analytics".
    metrics: HttpClient,
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
            metrics: HttpClient::new(PLATFORM, &config.http, parse_metrics_error)?,
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
    pub(super) async fn posts_by_author(
        &self,
        auth: HeaderValue,
        author: &str,
        start: u32,
        count: u32,
    ) -> Result<(Value, PostsPage), Error> {
        let count = count.clamp(1, 100).to_string();
        let start = start.to_string();
        let req = self.request(&self.api, Method::GET, "/rest/posts", auth).header("X-RestLi-Method", "FINDER").query(&[
            ("author", author),
            ("q", "author"),
            ("count", &count),
            ("start", &start),
            ("sortBy", "LAST_MODIFIED"),
        ]);
        let log = request_log(&req, None);
        let page = self.api.send(req, Idempotency::Idempotent).await?.json(PLATFORM)?;
        Ok((log, page))
    }

    /// `GET /rest/memberCreatorPostAnalytics?q=entity&entity={entity}&queryType={query_type}&aggregation=TOTAL`,
    /// `entity` already in Rest.li 2.0 form (`(share:urn%3Ali%3Ashare%3A1)`). The query is written
    /// by hand: a form encoder would escape the parentheses and the `%` LinkedIn needs as they are.
    pub(super) async fn member_analytics(&self, auth: HeaderValue, entity: &str, query_type: &str) -> Result<AnalyticsPage, Error> {
        let path = format!("/rest/memberCreatorPostAnalytics?q=entity&entity={entity}&queryType={query_type}&aggregation=TOTAL");
        let req = self.request(&self.metrics, Method::GET, &path, auth);
        self.metrics.send(req, Idempotency::Idempotent).await?.json(PLATFORM)
    }

    /// `GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={org}&{list_param}=List({urns})`,
    /// every URN Rest.li-encoded; `list_param` is `shares` or `ugcPosts`. Lifetime totals.
    pub(super) async fn share_statistics(
        &self,
        auth: HeaderValue,
        organization: &str,
        list_param: &str,
        urns: &[&str],
    ) -> Result<ShareStatsPage, Error> {
        let list = urns.iter().map(|u| restli_encode(u)).collect::<Vec<_>>().join(",");
        let path = format!(
            "/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={}&{list_param}=List({list})",
            restli_encode(organization)
        );
        let req = self.request(&self.metrics, Method::GET, &path, auth);
        self.metrics.send(req, Idempotency::Idempotent).await?.json(PLATFORM)
    }
}

/// `value` percent-encoded for a Rest.li 2.0 query: everything but `A-Z a-z 0-9 - . _ ~`, so the
/// URN's `:` (and any `,` `(` `)` `'`, Rest.li's own syntax) cannot be read as structure.
pub(super) fn restli_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns_are_encoded_so_restli_syntax_stays_structure() {
        assert_eq!(restli_encode("urn:li:share:7012345678901234567"), "urn%3Ali%3Ashare%3A7012345678901234567");
        assert_eq!(restli_encode("urn:li:ugcPost:1"), "urn%3Ali%3AugcPost%3A1");
        assert_eq!(restli_encode("a,(b)'c d"), "a%2C%28b%29%27c%20d");
    }
}
