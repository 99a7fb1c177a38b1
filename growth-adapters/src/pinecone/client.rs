//! The Pinecone calls: the control plane's index description (for the host) and the data plane's
//! upsert, query, delete and stats.

use std::sync::Arc;

use growth_core::Error;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use tokio::sync::OnceCell;

use super::config::PineconeConfig;
use super::error::{PLATFORM, parse_error};
use super::models::{DeleteRequest, IndexDescription, IndexStats, QueryRequest, QueryResponse, UpsertResponse};
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, join_url, not_found_as};

const API_KEY: &str = "Api-Key";
const API_VERSION: &str = "X-Pinecone-Api-Version";

/// Every Pinecone call used here is safe to repeat: upsert overwrites by id, delete by id of a
/// gone record is a no-op, query and stats are reads.
const IDEMPOTENT: Idempotency = Idempotency::Idempotent;

#[derive(Clone)]
pub(super) struct Client {
    http: HttpClient,
    api_key: HeaderValue,
    api_version: HeaderValue,
    control_plane_url: String,
    index: String,
    /// The data-plane base URL (`https://{host}`), configured or looked up once and shared by clones.
    host: Arc<OnceCell<String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("index", &self.index).field("host", &self.host.get()).finish_non_exhaustive()
    }
}

impl Client {
    pub(super) fn new(config: &PineconeConfig) -> Result<Self, Error> {
        let api_version = HeaderValue::from_str(&config.api_version)
            .map_err(|_| Error::Config(format!("pinecone: `{}` is not a valid api_version", config.api_version)))?;
        let host = match config.host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            Some(h) => OnceCell::new_with(Some(base_url(h))),
            None if config.index.trim().is_empty() => {
                return Err(Error::Config("pinecone: set the index name (to look its host up) or the index host".into()));
            }
            None if !config.index.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') => {
                return Err(Error::Config(format!(
                    "pinecone: `{}` is not an index name (lower-case letters, digits and hyphens)",
                    config.index
                )));
            }
            None => OnceCell::new(),
        };
        Ok(Self {
            http: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            api_key: auth_header(AuthScheme::Raw, &config.api_key)?,
            api_version,
            control_plane_url: config.control_plane_url.clone(),
            index: config.index.clone(),
            host: Arc::new(host),
        })
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        self.http.request(method, url).header(API_KEY, self.api_key.clone()).header(API_VERSION, self.api_version.clone())
    }

    /// The data-plane base URL: the configured host, or the one the control plane gives for the
    /// index (`GET /indexes/{index}`), asked once. A failed lookup is not cached.
    pub(super) async fn host(&self) -> Result<&str, Error> {
        self.host
            .get_or_try_init(|| async {
                let url = join_url(&self.control_plane_url, &format!("/indexes/{}", self.index));
                let resp = self
                    .http
                    .send(self.request(Method::GET, &url), IDEMPOTENT)
                    .await
                    .map_err(|e| not_found_as(e, "pinecone index", &self.index))?;
                let described: IndexDescription = resp.json(PLATFORM)?;
                if described.host.trim().is_empty() {
                    return Err(Error::Config(format!("pinecone: index `{}` has no host yet (is it still initialising?)", self.index)));
                }
                tracing::debug!(index = %self.index, host = %described.host, "pinecone index host looked up");
                Ok(base_url(&described.host))
            })
            .await
            .map(String::as_str)
    }

    async fn data(&self, path: &str) -> Result<reqwest::RequestBuilder, Error> {
        let url = join_url(self.host().await?, path);
        Ok(self.request(Method::POST, &url))
    }

    /// `POST /vectors/upsert` with a prepared JSON body; the count Pinecone reports.
    pub(super) async fn upsert(&self, body: Vec<u8>) -> Result<Option<u64>, Error> {
        let req = self.data("/vectors/upsert").await?.header(CONTENT_TYPE, "application/json").body(body);
        let resp: UpsertResponse = self.http.send(req, IDEMPOTENT).await?.json(PLATFORM)?;
        Ok(resp.upserted_count)
    }

    /// `POST /query`.
    pub(super) async fn query(&self, body: &QueryRequest<'_>) -> Result<QueryResponse, Error> {
        let req = self.data("/query").await?.json(body);
        self.http.send(req, IDEMPOTENT).await?.json(PLATFORM)
    }

    /// `POST /vectors/delete` by ids (at most 1,000).
    pub(super) async fn delete(&self, body: &DeleteRequest<'_>) -> Result<(), Error> {
        let req = self.data("/vectors/delete").await?.json(body);
        self.http.send(req, IDEMPOTENT).await?;
        Ok(())
    }

    /// `POST /describe_index_stats` for the whole index.
    pub(super) async fn describe_index_stats(&self) -> Result<IndexStats, Error> {
        let req = self.data("/describe_index_stats").await?.json(&serde_json::json!({}));
        self.http.send(req, IDEMPOTENT).await?.json(PLATFORM)
    }

    pub(super) fn index(&self) -> &str {
        &self.index
    }
}

/// `https://{host}` for a bare host as the control plane gives it; a host with a scheme is kept.
fn base_url(host: &str) -> String {
    let host = host.trim().trim_end_matches('/');
    if host.contains("://") { host.to_owned() } else { format!("https://{host}") }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    #[test]
    fn a_bare_host_gets_https_and_a_url_is_kept() {
        assert_eq!(base_url("test-index-abc1234.svc.us-east1-gcp.pinecone.io"), "https://test-index-abc1234.svc.us-east1-gcp.pinecone.io");
        assert_eq!(base_url("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
    }

    #[test]
    fn without_index_or_host_the_config_is_refused() {
        let mut c = PineconeConfig::new(SecretString::from("k"), " ", 3);
        assert!(matches!(Client::new(&c), Err(Error::Config(_))));
        c.index = "../kb".into();
        assert!(matches!(Client::new(&c), Err(Error::Config(m)) if m.contains("../kb")));
        c.host = Some("h.pinecone.io".into());
        assert!(Client::new(&c).is_ok());
        c.api_version = "bad\nversion".into();
        assert!(matches!(Client::new(&c), Err(Error::Config(_))));
    }

    #[test]
    fn debug_output_shows_no_key() {
        let mut c = PineconeConfig::new(SecretString::from("pcsk-live-123"), "kb", 3);
        c.host = Some("h.pinecone.io".into());
        let shown = format!("{:?}", Client::new(&c).unwrap());
        assert!(!shown.contains("pcsk-live-123"), "{shown}");
    }
}
