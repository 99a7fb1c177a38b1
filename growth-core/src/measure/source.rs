//! The [`MetricsSource`] seam: one implementation per platform that reports numbers.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::metrics::{Metric, PostMetrics};
use crate::domain::{ContentId, Platform};
use crate::{Error, Result};

/// The words every "the account must be (re)connected" error starts with, so a person and a
/// program can both recognise it.
pub const CONNECT_ANALYTICS: &str = "connect analytics";

/// Which post to read metrics for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricsRequest {
    /// The item.
    pub content_item_id: ContentId,
    /// The platform's id for the post, as the publisher returned it (`urn:li:share:…`, the
    /// Customer.io trigger id, the Webflow item id).
    pub platform_post_id: String,
    /// Where it can be seen.
    #[serde(default)]
    pub url: Option<String>,
    /// When it went live (windows reports that need one, e.g. Webflow Analyze).
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// What the publisher knew beyond the id: `author` (LinkedIn), `broadcast_id` (Customer.io),
    /// `collection_id` and `item_slug` (Webflow). Each adapter documents the keys it reads.
    #[serde(default)]
    pub platform_data: serde_json::Value,
}

impl MetricsRequest {
    /// A request for `platform_post_id` of `content_item_id`, nothing else known.
    pub fn new(content_item_id: ContentId, platform_post_id: impl Into<String>) -> Self {
        Self {
            content_item_id,
            platform_post_id: platform_post_id.into(),
            url: None,
            published_at: None,
            platform_data: serde_json::Value::Null,
        }
    }

    /// A text field of `platform_data`, trimmed, when present and not empty.
    pub fn data_str(&self, key: &str) -> Option<&str> {
        self.platform_data.get(key).and_then(serde_json::Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// What a metrics source can report and what it costs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricsCapabilities {
    /// The counters it can fill (others are always `None`).
    pub metrics: Vec<Metric>,
    /// How many posts one [`MetricsSource::fetch_batch`] call can serve with shared platform
    /// requests; 1 when every post costs its own requests.
    pub max_batch: usize,
    /// Platform requests one [`MetricsSource::fetch`] costs (LinkedIn member posts: 5, one per
    /// metric); what a sync plans its daily budget with.
    pub calls_per_post: u32,
    /// The counters are lifetime totals (not a window that moves with each read).
    pub lifetime_totals: bool,
}

impl Default for MetricsCapabilities {
    fn default() -> Self {
        Self { metrics: Vec::new(), max_batch: 1, calls_per_post: 1, lifetime_totals: true }
    }
}

/// The answer for one post of a batch.
#[derive(Debug)]
pub struct BatchItem {
    /// The item the request was for.
    pub content_item_id: ContentId,
    /// Its counters, or why this one post has none (`NotFound`, `InvalidInput` …).
    pub result: Result<PostMetrics>,
}

/// Reads engagement counters from one platform.
///
/// Contract:
/// - Read-only; calling again is always safe.
/// - A counter the platform did not report is `None`, never a made-up zero ([`PostMetrics`]).
/// - A post the platform no longer has is `Error::NotFound`.
/// - A missing scope, a refused or expired token, or an account that was never connected is
///   `Error::Unauthenticated` or `Error::PermissionDenied` whose message starts with
///   [`CONNECT_ANALYTICS`] ([`needs_connection`] tells them apart). Neither is retryable: the sync
///   shows "connect analytics", alerts once and stops asking this source until it is reconnected.
/// - A spent daily call budget or a platform 429 is `Error::RateLimited` with the wait, when known.
/// - Counters never go down between calls unless the platform corrected them.
#[async_trait]
pub trait MetricsSource: Send + Sync + Debug + 'static {
    /// The platform.
    fn platform(&self) -> Platform;

    /// What it reports and what it costs.
    fn capabilities(&self) -> MetricsCapabilities;

    /// Reads the counters of one post.
    async fn fetch(&self, req: &MetricsRequest) -> Result<PostMetrics>;

    /// The platform requests one [`MetricsSource::fetch_batch`] of `reqs` sends: what a sync
    /// takes from the daily budget before asking. The default is
    /// [`MetricsCapabilities::calls_per_post`] for every post (the default `fetch_batch` reads
    /// them one by one); a source that shares requests across a batch says what it really sends
    /// (never less, or the budget undercounts).
    fn calls_for(&self, reqs: &[MetricsRequest]) -> u32 {
        let n = u32::try_from(reqs.len()).unwrap_or(u32::MAX);
        self.capabilities().calls_per_post.saturating_mul(n)
    }

    /// Reads the counters of several posts, sharing platform requests where the platform allows
    /// (LinkedIn `shares=List(…)`, one Webflow report for many pages).
    ///
    /// The answer has one [`BatchItem`] per request, in request order. An error that concerns the
    /// whole source ([`is_source_wide`]: connection, rate limit, configuration) is the outer
    /// `Err` and ends the batch; an error about one post is that item's `result`.
    ///
    /// The default calls [`MetricsSource::fetch`] for each request in turn.
    async fn fetch_batch(&self, reqs: &[MetricsRequest]) -> Result<Vec<BatchItem>> {
        let mut out = Vec::with_capacity(reqs.len());
        for req in reqs {
            match self.fetch(req).await {
                Err(e) if is_source_wide(&e) => return Err(e),
                result => out.push(BatchItem { content_item_id: req.content_item_id, result }),
            }
        }
        Ok(out)
    }
}

fn _assert_dyn(_: &dyn MetricsSource) {}

/// The error for an account that must be (re)connected before `platform` reports anything:
/// `Unauthenticated` when the credential itself was refused, else `PermissionDenied` (a scope or
/// role is missing). The message starts with [`CONNECT_ANALYTICS`].
pub fn connect_analytics(platform: &str, why: impl std::fmt::Display, credential_refused: bool) -> Error {
    let message = format!("{CONNECT_ANALYTICS}: {platform}: {why}");
    if credential_refused { Error::Unauthenticated(message) } else { Error::PermissionDenied(message) }
}

/// Whether `error` means the account must be (re)connected: the sync shows "connect analytics"
/// and alerts once instead of retrying.
pub fn needs_connection(error: &Error) -> bool {
    matches!(error, Error::Unauthenticated(_) | Error::PermissionDenied(_))
}

/// Whether `error` concerns the whole source rather than one post: a connection problem, a rate
/// limit or spent budget, or a configuration the source cannot work with. A batch stops at one.
pub fn is_source_wide(error: &Error) -> bool {
    needs_connection(error) || matches!(error, Error::RateLimited { .. } | Error::Config(_) | Error::Unsupported(_))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Debug, Default)]
    struct Scripted {
        answers: Mutex<Vec<Result<PostMetrics>>>,
        calls: Mutex<usize>,
    }

    #[async_trait]
    impl MetricsSource for Scripted {
        fn platform(&self) -> Platform {
            Platform::LINKEDIN
        }
        fn capabilities(&self) -> MetricsCapabilities {
            MetricsCapabilities::default()
        }
        async fn fetch(&self, _: &MetricsRequest) -> Result<PostMetrics> {
            *self.calls.lock().unwrap() += 1;
            self.answers.lock().unwrap().remove(0)
        }
    }

    fn reqs(n: usize) -> Vec<MetricsRequest> {
        (0..n).map(|i| MetricsRequest::new(ContentId::new(), format!("urn:li:share:{i}"))).collect()
    }

    #[tokio::test]
    async fn a_batch_keeps_request_order_and_per_post_errors() {
        let s = Scripted {
            answers: Mutex::new(vec![
                Ok(PostMetrics::default().with(Metric::Impressions, 1)),
                Err(Error::not_found("linkedin post", "urn:li:share:1")),
                Ok(PostMetrics::default()),
            ]),
            ..Default::default()
        };
        let r = reqs(3);
        let out = s.fetch_batch(&r).await.unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out.iter().map(|b| b.content_item_id).collect::<Vec<_>>(), r.iter().map(|r| r.content_item_id).collect::<Vec<_>>());
        assert_eq!(out[0].result.as_ref().unwrap().impressions, Some(1));
        assert!(matches!(out[1].result, Err(Error::NotFound { .. })));
    }

    #[tokio::test]
    async fn a_missing_scope_ends_the_batch_without_asking_for_the_rest() {
        let s = Scripted {
            answers: Mutex::new(vec![
                Ok(PostMetrics::default()),
                Err(connect_analytics("linkedin", "the app lacks r_member_postAnalytics", false)),
                Ok(PostMetrics::default()),
            ]),
            ..Default::default()
        };
        let err = s.fetch_batch(&reqs(3)).await.unwrap_err();
        assert!(needs_connection(&err), "{err}");
        assert!(!err.is_retryable());
        assert_eq!(*s.calls.lock().unwrap(), 2);
    }

    #[test]
    fn connect_analytics_errors_say_so_and_are_not_retried() {
        let refused = connect_analytics("linkedin", "token refused", true);
        assert!(matches!(&refused, Error::Unauthenticated(m) if m.starts_with("connect analytics: linkedin: ")));
        let scope = connect_analytics("webflow", "no Analyze add-on", false);
        assert!(matches!(&scope, Error::PermissionDenied(m) if m.starts_with(CONNECT_ANALYTICS)));
        assert!(needs_connection(&refused) && needs_connection(&scope));
        assert!(!refused.is_retryable() && !scope.is_retryable());
        assert!(is_source_wide(&Error::RateLimited { retry_after: None }));
        assert!(!is_source_wide(&Error::not_found("post", "x")));
        assert!(!needs_connection(&Error::transient("503")));
    }

    #[test]
    fn platform_data_text_is_trimmed_and_empty_is_absent() {
        let mut r = MetricsRequest::new(ContentId::new(), "1");
        r.platform_data = serde_json::json!({"author": " urn:li:organization:1 ", "slug": "", "n": 3});
        assert_eq!(r.data_str("author"), Some("urn:li:organization:1"));
        assert_eq!(r.data_str("slug"), None);
        assert_eq!(r.data_str("n"), None);
        assert_eq!(r.data_str("missing"), None);
    }
}
