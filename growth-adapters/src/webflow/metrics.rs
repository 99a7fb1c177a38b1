//! [`WebflowMetrics`]: blog post sessions and page views from the Analyze API, implementing
//! `growth_core::measure::MetricsSource`.
//!
//! - **Request**: `GET /v2/sites/{site_id}/analyze/reports/top_pages?startTime=…Z&endTime=…Z&sortBy=…&limit=…`
//!   with `Authorization: Bearer` (scope `sites:read`, and a workspace with the paid Analyze
//!   add-on). One report serves a whole batch of posts.
//! - **Window**: from the earliest `published_at` of the batch (or
//!   [`WebflowAnalyticsConfig::window_days`] back) to now, never more than 100 days and never
//!   before 2025-04-09 (Webflow's limits). Counts are over that window, not lifetime.
//! - **Matching**: a CMS post is the row with its `collectionId` (`platform_data.collection_id`,
//!   else [`WebflowAnalyticsConfig::collection_id`]) and `itemSlug` (`platform_data.item_slug` or
//!   `slug`, else the last segment of the post URL), else the row whose page path ends with
//!   `/<slug>`. A post that is not among the report's top pages has no numbers (`None`), and a
//!   post without a slug is answered without calling Webflow.
//! - **One request in flight per token**: Analyze refuses concurrent requests with 429. Reads
//!   through the same token in this process wait for each other (up to
//!   [`WebflowAnalyticsConfig::max_queue_wait`]); a 429 from another process is retried after its
//!   `Retry-After` by the HTTP client.
//! - **Errors**: 401, 402, 403 are "connect analytics" (the add-on or the scope is missing);
//!   429 is `RateLimited` with its `Retry-After`; 5xx and timeouts `Transient` after the retries.
//!
//! Without [`WebflowAnalyticsConfig`] there is no source and no Analyze call: a blog post's visits
//! then come only from attributed leads.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use growth_core::domain::Platform;
use growth_core::measure::{BatchItem, Metric, MetricsCapabilities, MetricsRequest, MetricsSource, PostMetrics};
use growth_core::{Error, Result};

use super::analyze::{AnalyzeClient, EARLIEST, MAX_WINDOW_DAYS, PageRow};
use super::config::WebflowAnalyticsConfig;

/// Reads blog post traffic from Webflow Analyze (see the module docs).
#[derive(Clone, Debug)]
pub struct WebflowMetrics {
    client: AnalyzeClient,
    collection_id: Option<String>,
    window_days: i64,
}

/// What a request is matched on.
struct Target {
    collection_id: Option<String>,
    slug: String,
}

impl WebflowMetrics {
    /// A source with `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the site id or `sort_by` is not valid, the token cannot be a header
    /// value, or the HTTP client cannot be built.
    pub fn new(config: WebflowAnalyticsConfig) -> Result<Self> {
        Ok(Self {
            client: AnalyzeClient::new(&config)?,
            collection_id: config.collection_id.clone().filter(|c| !c.trim().is_empty()),
            window_days: i64::from(config.window_days.clamp(1, MAX_WINDOW_DAYS as u32)),
        })
    }

    fn target(&self, req: &MetricsRequest) -> Option<Target> {
        let from_url = || {
            let url = req.url.as_deref()?;
            let path = url.split(['?', '#']).next()?.trim_end_matches('/');
            path.rsplit('/').next().filter(|s| !s.is_empty() && !s.contains(':')).map(str::to_owned)
        };
        let slug = req.data_str("item_slug").or_else(|| req.data_str("slug")).map(str::to_owned).or_else(from_url)?;
        Some(Target { collection_id: req.data_str("collection_id").map(str::to_owned).or_else(|| self.collection_id.clone()), slug })
    }

    /// The report window for posts published at `published` (the earliest of a batch).
    fn window(&self, published: Option<DateTime<Utc>>, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let earliest = DateTime::parse_from_rfc3339(EARLIEST).map(|t| t.with_timezone(&Utc)).unwrap_or(now);
        let oldest_allowed = now - Duration::days(MAX_WINDOW_DAYS);
        let start = published.unwrap_or(now - Duration::days(self.window_days)).max(oldest_allowed).max(earliest);
        let start = if start >= now { now - Duration::days(1) } else { start };
        (start, now)
    }
}

/// The counters of the row that is `target`'s page.
fn find(rows: &[PageRow], target: &Target) -> PostMetrics {
    let by_item = rows.iter().find(|r| {
        r.item_slug.as_deref() == Some(target.slug.as_str())
            && target.collection_id.as_deref().is_none_or(|c| r.collection_id.as_deref() == Some(c))
    });
    let by_path =
        || rows.iter().find(|r| r.page_path.as_deref().is_some_and(|p| p.trim_end_matches('/').ends_with(&format!("/{}", target.slug))));
    by_item.or_else(by_path).map_or_else(PostMetrics::default, |r| PostMetrics {
        sessions: r.sessions,
        pageviews: r.pageviews,
        ..PostMetrics::default()
    })
}

#[async_trait]
impl MetricsSource for WebflowMetrics {
    fn platform(&self) -> Platform {
        Platform::WEBFLOW
    }

    fn capabilities(&self) -> MetricsCapabilities {
        MetricsCapabilities {
            metrics: vec![Metric::Sessions, Metric::Pageviews],
            max_batch: usize::MAX,
            calls_per_post: 1,
            lifetime_totals: false,
        }
    }

    /// One `top_pages` report serves the whole batch (none when no request names a page).
    fn calls_for(&self, reqs: &[MetricsRequest]) -> u32 {
        u32::from(reqs.iter().any(|r| self.target(r).is_some()))
    }

    async fn fetch(&self, req: &MetricsRequest) -> Result<PostMetrics> {
        let mut out = self.fetch_batch(std::slice::from_ref(req)).await?;
        out.pop().map(|b| b.result).unwrap_or_else(|| Err(Error::internal_msg("webflow: a request got no answer")))
    }

    /// One report for every post of the batch that has a slug.
    async fn fetch_batch(&self, reqs: &[MetricsRequest]) -> Result<Vec<BatchItem>> {
        let targets: Vec<Option<Target>> = reqs.iter().map(|r| self.target(r)).collect();
        let rows = if targets.iter().any(Option::is_some) {
            let published = reqs.iter().zip(&targets).filter(|(_, t)| t.is_some()).filter_map(|(r, _)| r.published_at).min();
            let (start, end) = self.window(published, Utc::now());
            self.client.top_pages(start, end).await?
        } else {
            Vec::new()
        };
        Ok(reqs
            .iter()
            .zip(targets)
            .map(|(req, target)| BatchItem {
                content_item_id: req.content_item_id,
                result: Ok(target.map_or_else(PostMetrics::default, |t| find(&rows, &t))),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use growth_core::domain::ContentId;
    use secrecy::SecretString;

    use super::*;

    fn source() -> WebflowMetrics {
        let mut c = WebflowAnalyticsConfig::new(SecretString::from("t"), "580e63e98c9a982ac9b8b741");
        c.collection_id = Some("c1".into());
        WebflowMetrics::new(c).unwrap()
    }

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn the_window_never_exceeds_100_days_nor_starts_before_analyze_data() {
        let s = source();
        let now = at(2026, 6, 30);
        assert_eq!(s.window(Some(at(2026, 6, 1)), now), (at(2026, 6, 1), now));
        assert_eq!(s.window(Some(at(2025, 1, 1)), now), (now - Duration::days(100), now));
        assert_eq!(s.window(None, now), (now - Duration::days(100), now));
        let early = at(2025, 5, 1);
        assert_eq!(s.window(Some(at(2025, 3, 1)), early), (at(2025, 4, 9), early));
        assert_eq!(s.window(Some(now + Duration::hours(1)), now), (now - Duration::days(1), now), "a future time still gives a window");
    }

    #[test]
    fn a_post_is_matched_by_collection_and_slug_then_by_path() {
        let s = source();
        let mut req = MetricsRequest::new(ContentId::new(), "item-1");
        req.url = Some("https://example.com/blog/the-plg-paradox/?utm_source=x".into());
        let t = s.target(&req).unwrap();
        assert_eq!((t.collection_id.as_deref(), t.slug.as_str()), (Some("c1"), "the-plg-paradox"));
        let rows = vec![
            PageRow {
                collection_id: Some("other".into()),
                item_slug: Some("the-plg-paradox".into()),
                sessions: Some(1),
                ..PageRow::default()
            },
            PageRow {
                collection_id: Some("c1".into()),
                item_slug: Some("the-plg-paradox".into()),
                sessions: Some(70),
                pageviews: Some(90),
                ..PageRow::default()
            },
        ];
        assert_eq!((find(&rows, &t).sessions, find(&rows, &t).pageviews), (Some(70), Some(90)));
        let by_path = vec![PageRow { page_path: Some("/blog/the-plg-paradox".into()), pageviews: Some(5), ..PageRow::default() }];
        assert_eq!(find(&by_path, &t).pageviews, Some(5));
        assert!(find(&[], &t).is_empty(), "not among the top pages: unavailable");
        req.url = None;
        assert!(s.target(&req).is_none());
        req.platform_data = serde_json::json!({"item_slug": "x", "collection_id": "c9"});
        assert_eq!(s.target(&req).unwrap().collection_id.as_deref(), Some("c9"));
    }
}
