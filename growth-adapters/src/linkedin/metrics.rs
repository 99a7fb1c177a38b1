//! [`LinkedInMetrics`]: post analytics, implementing `growth_core::measure::MetricsSource`.
//!
//! - **Member posts** (the author is `urn:li:person:…`, or no author is known):
//!   `GET /rest/memberCreatorPostAnalytics?q=entity&entity=(share:urn%3Ali%3Ashare%3A…)` (or
//!   `(ugc:urn%3Ali%3AugcPost%3A…)`: the union alias is `ugc`, not `ugcPost`) with one
//!   `queryType` per call — `IMPRESSION`, `MEMBERS_REACHED`, `REACTION`, `COMMENT`, `RESHARE` —
//!   and `aggregation=TOTAL`: five calls per post. `metricType` is read as a plain string or as
//!   the older nested object; `targetEntity` under `share`, `ugc` or `ugcPost`. An empty
//!   `elements` list leaves that counter `None` (unavailable: LinkedIn documents no "empty means
//!   zero" here). Scope `r_member_postAnalytics`.
//! - **Page posts** (the author is `urn:li:organization:…`):
//!   `GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=<enc>&shares=List(<enc>,…)`
//!   (`ugcPosts=List(…)` for ugcPosts), lifetime totals, up to [`LinkedInMetrics::page_batch`]
//!   posts per call. LinkedIn omits posts without activity, so a post missing from the answer
//!   has zero of everything. Scope `rw_organization_admin`.
//! - **Author** of a post: `platform_data.author` of the request, else
//!   [`LinkedInConfig::author`](super::LinkedInConfig::author).
//! - **Budget**: LinkedIn meters calls per day (per application and per member, reset at
//!   midnight UTC, numbers unpublished). Before calling, the source takes the calls from its
//!   [`CallBudget`] under `BudgetKey::account(linkedin, <author URN or "member">)`: all five of a
//!   member post at once (a post is never half-read, which would spend calls for nothing), one
//!   per page-statistics call. A spent budget is `Error::RateLimited` until the budget refills,
//!   and nothing is sent. Retries of 5xx/timeouts by the HTTP client are not charged again.
//! - **Errors**: 401/403 are "connect analytics" (never retried); 429 waits for `Retry-After`,
//!   else until midnight UTC; 404 is `NotFound`; 5xx and timeouts `Transient` after the retries.
//! - **Headers**: `Authorization: Bearer`, `LinkedIn-Version` (the configured version),
//!   `X-Restli-Protocol-Version: 2.0.0`.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use growth_core::domain::Platform;
use growth_core::measure::{
    BatchItem, BudgetKey, CallBudget, Metric, MetricsCapabilities, MetricsRequest, MetricsSource, PostMetrics, connect_analytics,
    is_source_wide, take_calls,
};
use growth_core::{Error, Result};
use reqwest::header::HeaderValue;

use super::client::{Client, restli_encode};
use super::config::LinkedInConfig;
use super::error::PLATFORM;
use super::models::ShareStats;
use super::token::Tokens;

/// The member metrics and the counter each fills, in the order they are asked for.
const MEMBER_QUERIES: [(&str, Metric); 5] = [
    ("IMPRESSION", Metric::Impressions),
    ("MEMBERS_REACHED", Metric::MembersReached),
    ("REACTION", Metric::Reactions),
    ("COMMENT", Metric::Comments),
    ("RESHARE", Metric::Reshares),
];

/// Page posts per `organizationalEntityShareStatistics` call by default.
const DEFAULT_PAGE_BATCH: usize = 20;

/// Reads LinkedIn post analytics (see the module docs).
///
/// Clones share the tokens; built from a publisher with [`super::LinkedInPublisher::metrics`],
/// it also shares the publisher's tokens, so a refresh by either is seen by both.
#[derive(Clone, Debug)]
pub struct LinkedInMetrics {
    client: Client,
    tokens: Arc<Tokens>,
    author: Option<String>,
    budget: Arc<dyn CallBudget>,
    page_batch: usize,
}

/// A post URN split into what the two endpoints need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PostKind {
    Share,
    UgcPost,
}

impl PostKind {
    fn of(urn: &str) -> Option<Self> {
        let id = |prefix: &str| urn.strip_prefix(prefix).filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()));
        if id("urn:li:share:").is_some() {
            Some(Self::Share)
        } else if id("urn:li:ugcPost:").is_some() {
            Some(Self::UgcPost)
        } else {
            None
        }
    }

    /// The Rest.li union alias of `memberCreatorPostAnalytics`'s `entity`.
    fn union_alias(self) -> &'static str {
        match self {
            Self::Share => "share",
            Self::UgcPost => "ugc",
        }
    }

    /// The list parameter of `organizationalEntityShareStatistics`.
    fn list_param(self) -> &'static str {
        match self {
            Self::Share => "shares",
            Self::UgcPost => "ugcPosts",
        }
    }
}

impl LinkedInMetrics {
    /// A source with its own tokens, from `config` (token, `api_version`, `author`, HTTP
    /// settings), taking its calls from `budget`.
    ///
    /// # Errors
    /// [`Error::Config`] as [`super::LinkedInPublisher::new`].
    pub fn new(config: LinkedInConfig, budget: Arc<dyn CallBudget>) -> Result<Self> {
        config.validate()?;
        Ok(Self::from_parts(Client::new(&config)?, Arc::new(Tokens::new(&config)), config.author, budget))
    }

    pub(super) fn from_parts(client: Client, tokens: Arc<Tokens>, author: Option<String>, budget: Arc<dyn CallBudget>) -> Self {
        Self { client, tokens, author, budget, page_batch: DEFAULT_PAGE_BATCH }
    }

    /// Page posts asked for in one statistics call (1 to 100; 20 by default).
    pub fn page_batch(mut self, posts: usize) -> Self {
        self.page_batch = posts.clamp(1, 100);
        self
    }

    fn author_of<'a>(&'a self, req: &'a MetricsRequest) -> Option<&'a str> {
        req.data_str("author").or(self.author.as_deref())
    }

    fn organization_of<'a>(&'a self, req: &'a MetricsRequest) -> Option<&'a str> {
        self.author_of(req).filter(|a| a.starts_with("urn:li:organization:"))
    }

    async fn bearer(&self) -> Result<HeaderValue> {
        self.tokens.bearer(&self.client.token).await.map_err(|e| match e {
            Error::Unauthenticated(m) => connect_analytics(PLATFORM, m, true),
            other => other,
        })
    }

    async fn take(&self, account: &str, calls: u32) -> Result<()> {
        take_calls(self.budget.as_ref(), &BudgetKey::account(Platform::LINKEDIN, account), calls, Utc::now()).await
    }

    /// The five member metrics of one post.
    async fn member_post(&self, req: &MetricsRequest) -> Result<PostMetrics> {
        let urn = req.platform_post_id.trim();
        let kind = PostKind::of(urn).ok_or_else(|| not_a_post(urn))?;
        let auth = self.bearer().await?;
        self.take(self.author_of(req).unwrap_or("member"), MEMBER_QUERIES.len() as u32).await?;
        let entity = format!("({}:{})", kind.union_alias(), restli_encode(urn));
        let mut metrics = PostMetrics::default();
        for (query_type, metric) in MEMBER_QUERIES {
            let page = self.client.member_analytics(auth.clone(), &entity, query_type).await.map_err(|e| post_not_found(e, urn))?;
            let counts: Vec<i64> = page
                .elements
                .iter()
                .filter(|e| e.metric_name().is_none_or(|m| m.eq_ignore_ascii_case(query_type)))
                .filter(|e| e.target().is_none_or(|t| t == urn))
                .filter_map(|e| e.count)
                .collect();
            // No data point: LinkedIn has no number for it (not zero).
            metrics.set(metric, (!counts.is_empty()).then(|| counts.iter().sum()));
        }
        Ok(metrics)
    }

    /// The statistics of page posts of one organization and kind, `page_batch` per call.
    async fn page_posts(&self, organization: &str, kind: PostKind, urns: &[&str]) -> Result<BTreeMap<String, PostMetrics>> {
        let auth = self.bearer().await?;
        let mut out = BTreeMap::new();
        for chunk in urns.chunks(self.page_batch) {
            self.take(organization, 1).await?;
            let page = self.client.share_statistics(auth.clone(), organization, kind.list_param(), chunk).await?;
            // Posts without activity are omitted: zero of everything.
            for urn in chunk {
                out.insert((*urn).to_owned(), page_counters(&ShareStats::default(), true));
            }
            for element in page.elements {
                let Some(urn) = element.share.or(element.ugc_post) else { continue };
                if chunk.contains(&urn.as_str()) {
                    out.insert(urn, page_counters(&element.total_share_statistics, false));
                }
            }
        }
        Ok(out)
    }
}

/// `totalShareStatistics` as counters; a field LinkedIn left out is zero when the whole post was
/// omitted (no activity), else unavailable.
fn page_counters(s: &ShareStats, omitted: bool) -> PostMetrics {
    let v = |x: Option<i64>| if omitted { Some(x.unwrap_or(0)) } else { x };
    PostMetrics {
        impressions: v(s.impression_count),
        members_reached: v(s.unique_impressions_count),
        clicks: v(s.click_count),
        reactions: v(s.like_count),
        comments: v(s.comment_count),
        reshares: v(s.share_count),
        ..PostMetrics::default()
    }
}

fn not_a_post(urn: &str) -> Error {
    Error::invalid_field("platform_post_id", format!("{PLATFORM}: {urn:?} is not a post URN (urn:li:share:… or urn:li:ugcPost:…)"))
}

fn post_not_found(e: Error, urn: &str) -> Error {
    crate::http::not_found_as(e, "linkedin post", urn)
}

#[async_trait]
impl MetricsSource for LinkedInMetrics {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }

    fn capabilities(&self) -> MetricsCapabilities {
        MetricsCapabilities {
            metrics: vec![
                Metric::Impressions,
                Metric::MembersReached,
                Metric::Reactions,
                Metric::Comments,
                Metric::Reshares,
                Metric::Clicks,
            ],
            max_batch: self.page_batch,
            calls_per_post: MEMBER_QUERIES.len() as u32,
            lifetime_totals: true,
        }
    }

    /// Five calls per member post (one per `queryType`), one per page-statistics `List(…)` call
    /// (page posts grouped per organization and URN kind), nothing for a request that is not a
    /// post URN of a page.
    fn calls_for(&self, reqs: &[MetricsRequest]) -> u32 {
        let mut groups: std::collections::BTreeSet<(&str, &'static str)> = std::collections::BTreeSet::new();
        let mut member_posts = 0u32;
        for req in reqs {
            match (self.organization_of(req), PostKind::of(req.platform_post_id.trim())) {
                (Some(org), Some(kind)) => {
                    groups.insert((org, kind.list_param()));
                }
                (Some(_), None) => {}
                (None, _) => member_posts = member_posts.saturating_add(1),
            }
        }
        let page_calls = u32::try_from(groups.len()).unwrap_or(u32::MAX);
        member_posts.saturating_mul(MEMBER_QUERIES.len() as u32).saturating_add(page_calls)
    }

    /// One post: five member-analytics calls, or one page-statistics call (clicks only exist for
    /// page posts).
    async fn fetch(&self, req: &MetricsRequest) -> Result<PostMetrics> {
        match self.organization_of(req) {
            None => self.member_post(req).await,
            Some(org) => {
                let urn = req.platform_post_id.trim();
                let kind = PostKind::of(urn).ok_or_else(|| not_a_post(urn))?;
                let mut got = self.page_posts(org, kind, &[urn]).await?;
                got.remove(urn).ok_or_else(|| Error::not_found("linkedin post", urn))
            }
        }
    }

    /// Page posts grouped per organization and URN kind into `List(…)` calls; member posts one
    /// by one. Results in request order.
    async fn fetch_batch(&self, reqs: &[MetricsRequest]) -> Result<Vec<BatchItem>> {
        let mut results: Vec<Option<Result<PostMetrics>>> = reqs.iter().map(|_| None).collect();
        let mut groups: BTreeMap<(String, &'static str), Vec<usize>> = BTreeMap::new();
        for (i, req) in reqs.iter().enumerate() {
            let urn = req.platform_post_id.trim();
            match (self.organization_of(req), PostKind::of(urn)) {
                (Some(org), Some(kind)) => groups.entry((org.to_owned(), kind.list_param())).or_default().push(i),
                (Some(_), None) => results[i] = Some(Err(not_a_post(urn))),
                (None, _) => match self.member_post(req).await {
                    Err(e) if is_source_wide(&e) => return Err(e),
                    r => results[i] = Some(r),
                },
            }
        }
        for ((org, _), idx) in groups {
            let urns: Vec<&str> = idx.iter().map(|i| reqs[*i].platform_post_id.trim()).collect();
            let kind = urns.first().and_then(|u| PostKind::of(u)).unwrap_or(PostKind::Share);
            let mut got = self.page_posts(&org, kind, &urns).await?;
            for i in idx {
                let urn = reqs[i].platform_post_id.trim();
                results[i] = Some(got.remove(urn).ok_or_else(|| Error::not_found("linkedin post", urn)));
            }
        }
        Ok(reqs
            .iter()
            .zip(results)
            .map(|(req, r)| BatchItem {
                content_item_id: req.content_item_id,
                result: r.unwrap_or_else(|| Err(Error::internal_msg("linkedin: a batch request got no answer"))),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_share_and_ugc_post_urns_are_posts() {
        assert_eq!(PostKind::of("urn:li:share:7012345678901234567"), Some(PostKind::Share));
        assert_eq!(PostKind::of("urn:li:ugcPost:6443156446455693312"), Some(PostKind::UgcPost));
        for bad in ["urn:li:activity:1", "urn:li:share:", "urn:li:share:1,2", "7012345678901234567", "urn:li:ugcPost:1)"] {
            assert_eq!(PostKind::of(bad), None, "{bad}");
        }
        assert_eq!(PostKind::UgcPost.union_alias(), "ugc", "the union alias is ugc, not ugcPost");
    }

    #[test]
    fn an_omitted_page_post_is_zero_and_a_missing_field_of_a_listed_one_is_unavailable() {
        let zero = page_counters(&ShareStats::default(), true);
        assert_eq!((zero.impressions, zero.clicks, zero.reshares), (Some(0), Some(0), Some(0)));
        let partial = page_counters(&ShareStats { impression_count: Some(10), ..ShareStats::default() }, false);
        assert_eq!((partial.impressions, partial.clicks), (Some(10), None));
    }
}
