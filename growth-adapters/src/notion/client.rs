//! The Notion calls: page create, page update, query of the tracking database.

use growth_core::Error;
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::{Map, Value, json};

use super::config::{DEFAULT_NOTION_VERSION, NotionConfig};
use super::error::{PLATFORM, parse_create_error, parse_error};
use super::models::{Page, QueryResults};
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, exchange_log, join_url, not_found_as};

const NOTION_VERSION: &str = "Notion-Version";

/// Where pages go: a data source (Notion-Version 2025-09-03 and later) or a database (before).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Parent {
    DataSource(String),
    Database(String),
}

impl Parent {
    /// The parent for `config`: the version decides which id is needed.
    fn from_config(config: &NotionConfig) -> Result<Self, Error> {
        let version = config.notion_version.trim();
        let is_date =
            version.len() == 10 && version.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        if !is_date {
            return Err(Error::Config(format!("notion: `{version}` is not a Notion-Version (YYYY-MM-DD)")));
        }
        let id = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        // ISO dates order as text.
        if version >= DEFAULT_NOTION_VERSION {
            let id = id(&config.data_source_id).ok_or_else(|| {
                Error::Config(format!(
                    "notion: Notion-Version {version} creates pages under a data source: set data_source_id \
                     (GET /v1/databases/{{database_id}} → data_sources[].id)"
                ))
            })?;
            Ok(Self::DataSource(checked_id(&id)?))
        } else {
            let id = id(&config.database_id).ok_or_else(|| {
                Error::Config(format!("notion: Notion-Version {version} creates pages under a database: set database_id"))
            })?;
            Ok(Self::Database(checked_id(&id)?))
        }
    }

    /// `{"data_source_id": …}` or `{"database_id": …}`.
    fn json(&self) -> Value {
        match self {
            Self::DataSource(id) => json!({"data_source_id": id}),
            Self::Database(id) => json!({"database_id": id}),
        }
    }

    /// The query path of this parent.
    fn query_path(&self) -> String {
        match self {
            Self::DataSource(id) => format!("/v1/data_sources/{id}/query"),
            Self::Database(id) => format!("/v1/databases/{id}/query"),
        }
    }
}

/// A Notion id (32 hex digits, hyphens allowed), so it can go into a URL path.
pub(super) fn checked_id(id: &str) -> Result<String, Error> {
    let id = id.trim();
    let hex = id.bytes().filter(u8::is_ascii_hexdigit).count();
    if hex == 32 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        Ok(id.to_owned())
    } else {
        Err(Error::invalid(format!("notion: `{id}` is not a Notion id")))
    }
}

#[derive(Clone)]
pub(super) struct Client {
    http: HttpClient,
    /// The same client (and rate-limit bucket) with the create error table.
    create_http: HttpClient,
    token: HeaderValue,
    version: HeaderValue,
    base_url: String,
    parent: Parent,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("parent", &self.parent).field("version", &self.version).finish_non_exhaustive()
    }
}

impl Client {
    pub(super) fn new(config: &NotionConfig) -> Result<Self, Error> {
        let parent = Parent::from_config(config).map_err(|e| match e {
            Error::InvalidInput { message, .. } => Error::Config(message),
            other => other,
        })?;
        let version = HeaderValue::from_str(config.notion_version.trim())
            .map_err(|_| Error::Config(format!("notion: `{}` is not a valid Notion-Version", config.notion_version)))?;
        let http = HttpClient::new(PLATFORM, &config.http, parse_error)?;
        Ok(Self {
            create_http: http.with_classifier(parse_create_error),
            http,
            token: auth_header(AuthScheme::Bearer, &config.api_token)?,
            version,
            base_url: config.base_url.clone(),
            parent,
        })
    }

    fn request(&self, http: &HttpClient, method: Method, path: &str) -> reqwest::RequestBuilder {
        http.request(method, &join_url(&self.base_url, path))
            .header(reqwest::header::AUTHORIZATION, self.token.clone())
            .header(NOTION_VERSION, self.version.clone())
    }

    /// `POST /v1/pages` under the configured parent: not idempotent, never resent on a timeout.
    pub(super) async fn create_page(&self, properties: Map<String, Value>) -> Result<(Page, Value), Error> {
        let body = json!({"parent": self.parent.json(), "properties": properties});
        let req = self.request(&self.create_http, Method::POST, "/v1/pages").json(&body);
        let log = req.try_clone();
        let resp = self.create_http.send(req, Idempotency::NonIdempotent).await?;
        let page: Page = resp.json(PLATFORM)?;
        Ok((page, log.map(|r| exchange_log(&r, Some(&body), &resp)).unwrap_or_default()))
    }

    /// `PATCH /v1/pages/{id}` with properties: setting the same values twice is harmless, so it is retried.
    pub(super) async fn update_page(&self, page_id: &str, properties: Map<String, Value>) -> Result<(Page, Value), Error> {
        let page_id = checked_id(page_id)?;
        let body = json!({"properties": properties});
        let req = self.request(&self.http, Method::PATCH, &format!("/v1/pages/{page_id}")).json(&body);
        let log = req.try_clone();
        let resp = self.http.send(req, Idempotency::Idempotent).await.map_err(|e| not_found_as(e, "notion page", &page_id))?;
        let page: Page = resp.json(PLATFORM)?;
        Ok((page, log.map(|r| exchange_log(&r, Some(&body), &resp)).unwrap_or_default()))
    }

    /// The pages whose rich-text `property` equals `value` (at most 10), not trashed.
    pub(super) async fn find(&self, property: &str, value: &str) -> Result<(Vec<Page>, Value), Error> {
        let body = json!({"filter": {"property": property, "rich_text": {"equals": value}}, "page_size": 10});
        let req = self.request(&self.http, Method::POST, &self.parent.query_path()).json(&body);
        let log = req.try_clone();
        let resp = self.http.send(req, Idempotency::Idempotent).await?;
        let found: QueryResults = resp.json(PLATFORM)?;
        let pages = found.results.into_iter().filter(|p| !p.in_trash).collect();
        Ok((pages, log.map(|r| exchange_log(&r, Some(&body), &resp)).unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    const DS: &str = "c174b72c-d782-432f-8dc0-b647e1c96df6";

    #[test]
    fn the_version_decides_the_parent() {
        let mut c = NotionConfig::new(SecretString::from("t"), DS);
        assert_eq!(Parent::from_config(&c).unwrap(), Parent::DataSource(DS.into()));
        c.notion_version = "2022-06-28".into();
        assert!(matches!(Parent::from_config(&c), Err(Error::Config(m)) if m.contains("database_id")));
        c.database_id = Some("daf41515aa5f4d1497a89193425ec491".into());
        let p = Parent::from_config(&c).unwrap();
        assert_eq!(p.json(), json!({"database_id": "daf41515aa5f4d1497a89193425ec491"}));
        assert_eq!(p.query_path(), "/v1/databases/daf41515aa5f4d1497a89193425ec491/query");
        c.notion_version = "latest".into();
        assert!(matches!(Parent::from_config(&c), Err(Error::Config(_))));
    }

    #[test]
    fn only_notion_ids_go_into_paths() {
        assert!(checked_id("393abc1e-edcd-818a-81e9-e14c2f78901e").is_ok());
        assert!(checked_id("393abc1eedcd818a81e9e14c2f78901e").is_ok());
        assert!(checked_id("../../v1/users").is_err());
        assert!(checked_id("393abc1e").is_err());
        let mut c = NotionConfig::new(SecretString::from("t"), "ds/../../x");
        c.data_source_id = Some("ds/../../x".into());
        assert!(matches!(Client::new(&c), Err(Error::Config(_))));
    }
}
