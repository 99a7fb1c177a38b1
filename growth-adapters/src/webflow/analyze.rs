//! The Analyze API call (`top_pages`), one request in flight per token, and a tolerant reading
//! of its rows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use growth_core::Error;
use reqwest::Method;
use reqwest::header::HeaderValue;
use secrecy::ExposeSecret;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::config::WebflowAnalyticsConfig;
use super::error::{PLATFORM, parse_analyze_error};
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, join_url};

/// Webflow keeps Analyze data from this instant on.
pub(super) const EARLIEST: &str = "2025-04-09T00:00:00Z";
/// The longest window a report may span.
pub(super) const MAX_WINDOW_DAYS: i64 = 100;

/// One row of a `top_pages` report, whatever the exact field names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct PageRow {
    pub(super) collection_id: Option<String>,
    pub(super) item_slug: Option<String>,
    pub(super) page_path: Option<String>,
    pub(super) sessions: Option<i64>,
    pub(super) pageviews: Option<i64>,
}

/// The rows of a report: `data` (documented by a third-party provider), else `rows`, `pages` or
/// `items`; each row's counts under `sessionCount`/`sessions`, `pageviewCount`/`pageviews`/
/// `pageViews`, the CMS item under `collectionId` + `itemSlug` (or `slug`), the page path under
/// `pagePath`/`path`/`url`. The shape is unverified against an official example, hence the
/// aliases; a report without any of these arrays is an error, not "no pages".
pub(super) fn rows(report: &Value) -> Result<Vec<PageRow>, Error> {
    let list = ["data", "rows", "pages", "items"]
        .iter()
        .find_map(|k| report.get(*k).and_then(Value::as_array))
        .ok_or_else(|| Error::Permanent(format!("unexpected response from {PLATFORM}: a top_pages report without a `data` array")))?;
    let text = |row: &Value, keys: &[&str]| keys.iter().find_map(|k| row.get(*k).and_then(Value::as_str)).map(str::to_owned);
    let count = |row: &Value, keys: &[&str]| {
        keys.iter().find_map(|k| row.get(*k).and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))))
    };
    Ok(list
        .iter()
        .map(|row| PageRow {
            collection_id: text(row, &["collectionId", "collection_id"]),
            item_slug: text(row, &["itemSlug", "item_slug", "slug"]),
            page_path: text(row, &["pagePath", "path", "url"]),
            sessions: count(row, &["sessionCount", "sessions", "session_count"]),
            pageviews: count(row, &["pageviewCount", "pageviews", "pageViews", "pageview_count"]),
        })
        .collect())
}

/// The permit of each token's one Analyze request in flight, shared by every source in this
/// process holding that token (keyed by the token's SHA-256, so no secret is a map key). Other
/// processes are not seen: their overlap comes back as 429 with `Retry-After`, which the HTTP
/// client waits out.
fn in_flight(token: &str) -> Arc<Semaphore> {
    static SLOTS: OnceLock<Mutex<HashMap<[u8; 32], Arc<Semaphore>>>> = OnceLock::new();
    let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let mut slots = SLOTS.get_or_init(Mutex::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    slots.entry(key).or_insert_with(|| Arc::new(Semaphore::new(1))).clone()
}

/// `GET /v2/sites/{site_id}/analyze/reports/top_pages`.
#[derive(Clone)]
pub(super) struct AnalyzeClient {
    http: HttpClient,
    token: HeaderValue,
    url: String,
    slot: Arc<Semaphore>,
    max_wait: Duration,
    limit: u32,
    sort_by: String,
}

impl std::fmt::Debug for AnalyzeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalyzeClient").field("url", &self.url).finish_non_exhaustive()
    }
}

impl AnalyzeClient {
    pub(super) fn new(config: &WebflowAnalyticsConfig) -> Result<Self, Error> {
        let site = config.site_id.trim();
        if site.is_empty() || !site.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::Config(format!("webflow: `{}` is not a site id", config.site_id)));
        }
        if !matches!(config.sort_by.as_str(), "session" | "user" | "pageview") {
            return Err(Error::Config(format!("webflow: `sort_by` must be session, user or pageview, not {:?}", config.sort_by)));
        }
        Ok(Self {
            http: HttpClient::new(PLATFORM, &config.http, parse_analyze_error)?,
            token: auth_header(AuthScheme::Bearer, &config.api_token)?,
            url: join_url(&config.base_url, &format!("/v2/sites/{site}/analyze/reports/top_pages")),
            slot: in_flight(config.api_token.expose_secret()),
            max_wait: config.max_queue_wait,
            limit: config.limit.clamp(1, 250),
            sort_by: config.sort_by.clone(),
        })
    }

    /// The top pages between `start` and `end`, waiting for this token's turn first.
    pub(super) async fn top_pages(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Vec<PageRow>, Error> {
        let _turn = match tokio::time::timeout(self.max_wait, self.slot.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(Error::internal_msg("webflow: the Analyze request slot was closed")),
            Err(_) => return Err(Error::RateLimited { retry_after: Some(Duration::from_secs(1)) }),
        };
        let limit = self.limit.to_string();
        let req = self
            .http
            .request(Method::GET, &self.url)
            .header(reqwest::header::AUTHORIZATION, self.token.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .query(&[
                ("startTime", start.to_rfc3339_opts(SecondsFormat::Secs, true)),
                ("endTime", end.to_rfc3339_opts(SecondsFormat::Secs, true)),
                ("sortBy", self.sort_by.clone()),
                ("limit", limit),
            ]);
        let report: Value = self.http.send(req, Idempotency::Idempotent).await?.json(PLATFORM)?;
        rows(&report)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rows_are_read_under_either_spelling() {
        let documented = json!({"report": "top_pages", "data": [
            {"pageId": "p1", "title": "The PLG paradox", "sessionCount": 70, "userCount": 60, "pageviewCount": 90,
             "collectionId": "c1", "itemSlug": "the-plg-paradox", "timeseries": []}]});
        assert_eq!(
            rows(&documented).unwrap(),
            vec![PageRow {
                collection_id: Some("c1".into()),
                item_slug: Some("the-plg-paradox".into()),
                page_path: None,
                sessions: Some(70),
                pageviews: Some(90)
            }]
        );
        let other = json!({"rows": [{"pagePath": "/blog/x", "sessions": "5", "pageViews": 8}]});
        let r = &rows(&other).unwrap()[0];
        assert_eq!((r.page_path.as_deref(), r.sessions, r.pageviews), (Some("/blog/x"), Some(5), Some(8)));
        assert!(matches!(rows(&json!({"report": "top_pages"})), Err(Error::Permanent(_))));
        assert!(rows(&json!({"data": []})).unwrap().is_empty());
    }

    #[test]
    fn one_token_one_slot_whoever_asks() {
        assert!(Arc::ptr_eq(&in_flight("token-a"), &in_flight("token-a")));
        assert!(!Arc::ptr_eq(&in_flight("token-a"), &in_flight("token-b")));
    }
}
