//! [`MeasureService`]: the measure stage's use-cases — a metrics sync pass, CSV import, recording
//! leads, and the reads of the analytics API (summary, per-content numbers, history, leads).
//!
//! **Sync.** Every post published in the last [`MeasureConfig::sync_window_days`] days is read
//! from its platform's [`MetricsSource`], less often as it ages ([`MeasureConfig::due_after`]:
//! hourly on its first day, every 6 hours in its first week, daily after), in batches the source
//! can serve, each batch's calls taken from the shared daily [`CallBudget`] first. Each read
//! writes the PRD `analytics` row of (item, platform) and the day's [`MetricsSnapshot`]. A source
//! that needs (re)connecting is skipped for the rest of the pass and reported
//! ([`SyncReport::disconnected`]), and alerted once until it answers again; a spent budget or a
//! 429 stops that platform for the pass.
//!
//! **Leads.** A lead event is attributed by its `utm_content` (the content item id the UTM
//! tagging put on every link, read from the landing URL or given apart); a landing URL without
//! one is matched to a published item by the page it lands on — the item's own published URL,
//! else a link in its text, narrowed by `utm_source` and `utm_campaign` when present. Every event is kept; a
//! second delivery of the same event (same `event_id`, or the same fields) records nothing.
//! Conversions are credited to the touches before them by the [`AttributionModel`] asked for
//! (last touch by default); revenue follows the model in whole cents.
//!
//! **Summary.** PRD §3.5: posts published, reach and engagements earned in the period (snapshot
//! deltas per day), new leads, the top performer by likes, and time saved — an **estimate**:
//! pieces that passed review × the configured manual minutes per type (10 by default), minus the
//! review time measured from edit activity.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::attribution::{AttributionModel, Touch, attribute};
use super::budget::{BudgetKey, CallBudget, Unbudgeted, take_calls};
use super::import::{ImportOptions, MetricsImport, parse_metrics_csv_with};
use super::metrics::PostMetrics;
use super::records::{DailyReach, Lead, LeadEvent, LeadKind, MetricsSnapshot, NewLeadEvent, NewSnapshot, TopPerformer};
use super::source::{MetricsRequest, MetricsSource, needs_connection};
use super::utm::{UtmParams, links, page_key};
use crate::clock::Clock;
use crate::domain::{ContentFilter, ContentId, ContentItem, ContentStatus, ContentType, LeadCounters, Platform, Schedule, ScheduleStatus};
use crate::store::{
    AnalyticsStore, ContentStore, IdempotencyState, IdempotencyStore, MeasureStore, ScheduleFilter, ScheduleStore, SourceStore,
};
use crate::{Error, Result};

/// What the measure stage reads and writes.
/// (Sources for the `utm_campaign` slug a URL is matched by; the job queue for lead enrichment.)
pub trait MeasureServiceStore:
    ContentStore
    + ScheduleStore
    + AnalyticsStore
    + MeasureStore
    + IdempotencyStore
    + SourceStore
    + crate::jobs::JobQueue
    + super::CallBudgetStore
{
}
impl<
    T: ContentStore
        + ScheduleStore
        + AnalyticsStore
        + MeasureStore
        + IdempotencyStore
        + SourceStore
        + crate::jobs::JobQueue
        + super::CallBudgetStore
        + ?Sized,
> MeasureServiceStore for T
{
}

/// Told when something about measurement needs a person.
#[async_trait::async_trait]
pub trait MeasureAlert: Send + Sync + std::fmt::Debug {
    /// `event` happened.
    async fn measure_alert(&self, event: &AnalyticsAlert);
}

/// What the measure stage alerts about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnalyticsAlert {
    /// A metrics source needs (re)connecting (sent once until it answers again).
    SourceDisconnected {
        /// The platform.
        platform: Platform,
        /// What it said.
        reason: String,
    },
    /// More pieces were rejected than the threshold allows in the window.
    RejectRateHigh {
        /// Rejected ÷ reviewed.
        rate: f64,
        /// Reviewed pieces in the window.
        reviewed: u64,
        /// The threshold.
        threshold: f64,
    },
    /// Publications failed in the window.
    PublishFailures {
        /// How many.
        failed: u64,
    },
}

/// Settings of the measure stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeasureConfig {
    /// Posts published this many days back are synced (default 30).
    pub sync_window_days: u32,
    /// Manual minutes a piece of each type would take without the engine (default 10 each).
    pub manual_minutes: BTreeMap<ContentType, u32>,
    /// Manual minutes for types not in `manual_minutes` (PRD: 10).
    pub default_manual_minutes: u32,
    /// The attribution model when a request names none.
    pub default_model: AttributionModel,
    /// Alert when more than this share of the pieces reviewed in `alert_window_hours` was
    /// rejected (default 0.5), once at least `alert_min_reviewed` were reviewed (default 5).
    pub reject_rate_threshold: f64,
    /// Reviewed pieces needed before the reject rate means anything.
    pub alert_min_reviewed: u64,
    /// The window alerts look back over, hours (default 24).
    pub alert_window_hours: u32,
}

impl Default for MeasureConfig {
    fn default() -> Self {
        Self {
            sync_window_days: 30,
            manual_minutes: BTreeMap::new(),
            default_manual_minutes: 10,
            default_model: AttributionModel::LastTouch,
            reject_rate_threshold: 0.5,
            alert_min_reviewed: 5,
            alert_window_hours: 24,
        }
    }
}

impl MeasureConfig {
    /// How long after its last read a post of `age` is read again: 1 hour on its first day,
    /// 6 hours in its first week, 24 hours after.
    pub fn due_after(age: Duration) -> Duration {
        if age < Duration::days(1) {
            Duration::hours(1)
        } else if age < Duration::days(7) {
            Duration::hours(6)
        } else {
            Duration::hours(24)
        }
    }

    fn minutes(&self, t: ContentType) -> u32 {
        self.manual_minutes.get(&t).copied().unwrap_or(self.default_manual_minutes)
    }
}

/// What one sync pass did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncReport {
    /// Published posts in the window.
    pub considered: u64,
    /// Posts read and written.
    pub synced: u64,
    /// Posts read recently enough (back-off as posts age).
    pub not_due: u64,
    /// Posts whose platform has no metrics source, or no post id.
    pub no_source: u64,
    /// Posts the platform answered an error for (missing post …).
    pub failed: u64,
    /// Posts not read because their platform's budget was spent or it rate-limited us.
    pub rate_limited: u64,
    /// Platform calls taken from the budget.
    pub calls: u64,
    /// Platforms whose source needs (re)connecting.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub disconnected: Vec<Platform>,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// The export the file was recognised as.
    pub format: String,
    /// Rows written to a content item.
    pub imported: u64,
    /// Rows that matched no published item (line and why).
    pub unmatched: Vec<String>,
    /// Lines that held no post.
    pub skipped: u64,
}

/// What a batch of newsletter delivery events did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailReceipt {
    /// Events counted.
    pub recorded: u64,
    /// Events counted before (Customer.io retries deliveries).
    pub duplicates: u64,
    /// Events for an issue no published newsletter matches.
    pub unmatched: u64,
}

/// A lead event as an API or webhook delivers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadInput {
    /// The person's email.
    pub email: String,
    /// The landing URL (its `utm_*` parameters attribute the lead).
    #[serde(default)]
    pub url: Option<String>,
    /// UTM parameters given apart from a URL.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub utm: Option<UtmParams>,
    /// What happened.
    pub kind: super::LeadKind,
    /// Revenue in US dollars (purchases).
    #[serde(default)]
    pub revenue_usd: Option<f64>,
    /// When it happened (default: now).
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    /// The sender's id for this event: a second delivery with the same id counts once. Without
    /// one, the same email, kind, URL, UTM, revenue and time count once.
    #[serde(default)]
    pub event_id: Option<String>,
}

/// A recorded lead event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadReceipt {
    /// The lead.
    pub lead: Lead,
    /// The event.
    pub event: LeadEvent,
    /// `false` when this was a second delivery of an event already recorded.
    pub created: bool,
}

/// The PRD §3.5 counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SummaryMetrics {
    /// Posts published in the period.
    pub posts_published: u64,
    /// Reach earned in the period.
    pub total_reach: i64,
    /// Engagements earned in the period.
    pub total_engagements: i64,
    /// Leads first seen in the period.
    pub new_leads: u64,
}

/// `GET /analytics/summary` (PRD §3.5, plus reach per day and what the estimate is made of).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyticsSummary {
    /// `"<start> to <end>"`.
    pub period: String,
    /// The counters.
    pub metrics: SummaryMetrics,
    /// The item with the most likes among those published in the period.
    pub top_performer: Option<TopPerformer>,
    /// Hours saved — an estimate (see `time_saved_basis`).
    pub time_saved_hours: f64,
    /// How the estimate is made.
    pub time_saved_basis: TimeSavedBasis,
    /// Reach and engagements earned per day (days with data).
    pub reach_by_day: Vec<DailyReach>,
}

/// What the time-saved estimate is made of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeSavedBasis {
    /// Always `true`: there is no measured baseline.
    pub estimate: bool,
    /// Pieces that passed review in the period.
    pub approved_pieces: u64,
    /// Their manual minutes at the configured rates.
    pub manual_minutes: u64,
    /// Review time measured from edit activity, minutes.
    pub review_minutes: f64,
}

/// `GET /analytics/content/{id}` (PRD §3.5, leads attributed under `model`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContentAnalytics {
    /// The item.
    pub content_id: ContentId,
    /// Its platform.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub platform: Platform,
    /// Impressions (over its platforms).
    pub impressions: i64,
    /// Clicks.
    pub clicks: i64,
    /// Likes.
    pub likes: i64,
    /// Comments.
    pub comments: i64,
    /// Shares.
    pub shares: i64,
    /// Website visits that came through it.
    pub website_visits: u64,
    /// Sign-ups credited to it under `model`.
    pub lead_signups: u64,
    /// Demo requests credited to it under `model`.
    pub demo_requests: u64,
    /// Purchases credited to it under `model`.
    pub purchases: u64,
    /// Revenue credited to it under `model`, US dollars (exact cents).
    pub attributed_revenue_usd: f64,
    /// The model.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub model: AttributionModel,
    /// The latest sync (none yet: `None`).
    pub last_updated: Option<DateTime<Utc>>,
}

/// A lead with its touches and what its conversions credited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadView {
    /// The lead.
    #[serde(flatten)]
    pub lead: Lead,
    /// Every event, oldest first.
    pub events: Vec<LeadEvent>,
    /// The content credited for its conversions under `model`.
    pub attributed_to: Vec<LeadCredit>,
}

/// One item's credit for a lead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadCredit {
    /// The item.
    pub content_id: ContentId,
    /// Conversions credited to it.
    pub conversions: u64,
    /// Revenue credited, US dollars.
    pub revenue_usd: f64,
}

/// The measure stage (see the module docs).
#[derive(Clone, Debug)]
pub struct MeasureService {
    store: Arc<dyn MeasureServiceStore>,
    clock: Arc<dyn Clock>,
    sources: BTreeMap<Platform, Arc<dyn MetricsSource>>,
    budget: Arc<dyn CallBudget>,
    alert: Option<Arc<dyn MeasureAlert>>,
    config: MeasureConfig,
    disconnected: Arc<Mutex<BTreeSet<Platform>>>,
    enricher: Option<Arc<dyn super::LeadEnricher>>,
    segments: Option<Arc<dyn super::SegmentReader>>,
}

impl MeasureService {
    /// A service with no metrics source (import and leads still work), no budget and no alert.
    pub fn new(store: Arc<dyn MeasureServiceStore>, clock: Arc<dyn Clock>, config: MeasureConfig) -> Self {
        Self {
            store,
            clock,
            sources: BTreeMap::new(),
            budget: Arc::new(Unbudgeted),
            alert: None,
            config,
            disconnected: Arc::default(),
            enricher: None,
            segments: None,
        }
    }

    /// Reads `source`'s platform from it (replacing an earlier one).
    pub fn source(mut self, source: Arc<dyn MetricsSource>) -> Self {
        self.sources.insert(source.platform(), source);
        self
    }

    /// Takes sync calls from `budget` (shared by every worker in production).
    pub fn budget(mut self, budget: Arc<dyn CallBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// Alerts through `alert`.
    pub fn alert(mut self, alert: Arc<dyn MeasureAlert>) -> Self {
        self.alert = Some(alert);
        self
    }

    /// Enriches every new lead with `enricher` (an n8n workflow), in an `enrich_lead` job.
    pub fn enricher(mut self, enricher: Arc<dyn super::LeadEnricher>) -> Self {
        self.enricher = Some(enricher);
        self
    }

    /// Reads every new lead's segment with `segments` (the ESP's person attributes), in an
    /// `enrich_lead` job.
    pub fn segments(mut self, segments: Arc<dyn super::SegmentReader>) -> Self {
        self.segments = Some(segments);
        self
    }

    /// Whether new leads are enriched (an enricher or a segment reader is set).
    pub fn enriches(&self) -> bool {
        self.enricher.is_some() || self.segments.is_some()
    }

    /// The settings.
    pub fn config(&self) -> &MeasureConfig {
        &self.config
    }

    /// The platforms a source reads.
    pub fn platforms(&self) -> Vec<Platform> {
        self.sources.keys().copied().collect()
    }

    /// One sync pass (see the module docs).
    pub async fn sync(&self) -> Result<SyncReport> {
        let now = self.clock.now();
        let since = now - Duration::days(i64::from(self.config.sync_window_days));
        let mut report = SyncReport::default();
        let mut due: BTreeMap<Platform, Vec<(MetricsRequest, Schedule)>> = BTreeMap::new();
        let mut offset = 0;
        loop {
            // `until` is exclusive: a post published this very instant is included.
            let page = self.store.list_published(since, now + Duration::seconds(1), 1000, offset).await?;
            let n = page.len();
            for s in page {
                report.considered += 1;
                let (Some(_), Some(post)) = (self.sources.get(&s.platform), s.platform_post_id.clone()) else {
                    report.no_source += 1;
                    continue;
                };
                let published = s.published_at.unwrap_or(s.updated_at);
                match self.store.get_analytics(s.content_item_id, s.platform).await {
                    Ok(row) if now - row.last_updated < MeasureConfig::due_after(now - published) => {
                        report.not_due += 1;
                        continue;
                    }
                    Ok(_) | Err(Error::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
                let mut req = MetricsRequest::new(s.content_item_id, post);
                req.url = s.published_url.clone();
                req.published_at = s.published_at;
                due.entry(s.platform).or_default().push((req, s));
            }
            if n < 1000 {
                break;
            }
            offset += 1000;
        }
        for (platform, posts) in due {
            let Some(source) = self.sources.get(&platform) else { continue };
            self.sync_platform(source.as_ref(), posts, now, &mut report).await?;
        }
        if let Err(e) = self.check_alerts().await {
            tracing::warn!(error = %e, "checking the analytics alerts");
        }
        Ok(report)
    }

    async fn sync_platform(
        &self,
        source: &dyn MetricsSource,
        posts: Vec<(MetricsRequest, Schedule)>,
        now: DateTime<Utc>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let platform = source.platform();
        let caps = source.capabilities();
        let key = BudgetKey::platform(platform);
        let total = posts.len() as u64;
        let mut done = 0u64;
        let reqs: Vec<MetricsRequest> = posts.into_iter().map(|(r, _)| r).collect();
        for chunk in reqs.chunks(caps.max_batch.max(1)) {
            // What the batch really sends: a LinkedIn member post costs one call per metric, a
            // batch of page posts one call per `List(…)`.
            let calls = source.calls_for(chunk);
            if let Err(e) = take_calls(self.budget.as_ref(), &key, calls, now).await {
                if matches!(e, Error::RateLimited { .. }) {
                    report.rate_limited += total - done;
                    return Ok(());
                }
                return Err(e);
            }
            report.calls += u64::from(calls);
            match source.fetch_batch(chunk).await {
                Ok(items) => {
                    self.connected(platform);
                    for item in items {
                        match item.result {
                            Ok(m) => {
                                self.write_metrics(item.content_item_id, platform, &m, now.date_naive()).await?;
                                report.synced += 1;
                            }
                            Err(e) => {
                                tracing::info!(item = %item.content_item_id, %platform, error = %e, "metrics of one post");
                                report.failed += 1;
                            }
                        }
                    }
                }
                Err(e) if needs_connection(&e) => {
                    report.disconnected.push(platform);
                    self.disconnected(platform, &e).await;
                    return Ok(());
                }
                Err(Error::RateLimited { .. }) => {
                    report.rate_limited += total - done;
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(%platform, error = %e, "metrics batch");
                    report.failed += chunk.len() as u64;
                }
            }
            done += chunk.len() as u64;
        }
        Ok(())
    }

    fn connected(&self, platform: Platform) {
        self.disconnected.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&platform);
    }

    async fn disconnected(&self, platform: Platform, e: &Error) {
        let first = self.disconnected.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(platform);
        tracing::warn!(%platform, error = %e, "metrics source needs connecting");
        if first && let Some(alert) = &self.alert {
            alert.measure_alert(&AnalyticsAlert::SourceDisconnected { platform, reason: e.to_string() }).await;
        }
    }

    /// Checks the reject rate and publish failures over the last `alert_window_hours` and sends
    /// each alert that applies, at most once per kind per UTC day (across every instance: the
    /// store's idempotency keys decide). Run after every sync pass; answers what it sent.
    pub async fn check_alerts(&self) -> Result<Vec<AnalyticsAlert>> {
        let Some(alert) = &self.alert else { return Ok(Vec::new()) };
        let now = self.clock.now();
        let since = now - Duration::hours(i64::from(self.config.alert_window_hours));
        let mut found = Vec::new();
        let rejected = self.count_items(&[ContentStatus::Rejected], since).await?;
        let passed = self
            .count_items(&[ContentStatus::Approved, ContentStatus::Scheduled, ContentStatus::Publishing, ContentStatus::Published], since)
            .await?;
        let reviewed = rejected + passed;
        if reviewed >= self.config.alert_min_reviewed.max(1) {
            let rate = rejected as f64 / reviewed as f64;
            if rate > self.config.reject_rate_threshold {
                found.push(AnalyticsAlert::RejectRateHigh { rate, reviewed, threshold: self.config.reject_rate_threshold });
            }
        }
        let filter = ScheduleFilter { statuses: vec![ScheduleStatus::Failed], limit: 1000, ..Default::default() };
        let failed = self.store.list_schedules(&filter).await?.iter().filter(|s| s.updated_at >= since).count() as u64;
        if failed > 0 {
            found.push(AnalyticsAlert::PublishFailures { failed });
        }
        let mut sent = Vec::new();
        for a in found {
            let kind = match &a {
                AnalyticsAlert::RejectRateHigh { .. } => "reject_rate",
                AnalyticsAlert::PublishFailures { .. } => "publish_failures",
                AnalyticsAlert::SourceDisconnected { .. } => "disconnected",
            };
            let key = format!("{kind}:{}", now.date_naive());
            if matches!(self.store.begin_idempotency("analytics_alert", &key).await?, IdempotencyState::Started) {
                self.store.complete_idempotency("analytics_alert", &key, serde_json::Value::Null).await?;
                alert.measure_alert(&a).await;
                sent.push(a);
            }
        }
        Ok(sent)
    }

    async fn count_items(&self, statuses: &[ContentStatus], since: DateTime<Utc>) -> Result<u64> {
        let mut filter = ContentFilter { statuses: statuses.to_vec(), limit: 500, ..Default::default() };
        let mut n = 0;
        loop {
            let page = self.store.list_content(&filter).await?;
            n += page.iter().filter(|c| c.updated_at >= since).count() as u64;
            if page.len() < 500 {
                return Ok(n);
            }
            filter.offset += 500;
        }
    }

    /// Whether `platform`'s source was found to need (re)connecting and has not answered since.
    pub fn is_disconnected(&self, platform: Platform) -> bool {
        self.disconnected.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&platform)
    }

    /// Writes counters read for (item, platform) on `day`: the PRD row (lead counters kept from
    /// the events) and the day's snapshot.
    pub async fn write_metrics(
        &self,
        item: ContentId,
        platform: Platform,
        metrics: &PostMetrics,
        day: NaiveDate,
    ) -> Result<MetricsSnapshot> {
        // A partial read never erases what an earlier read of the day had.
        let earlier = self.store.list_snapshots(item).await?.into_iter().rfind(|s| s.platform == platform).map(|s| s.metrics);
        let merged = earlier.map(|e| e.overlay(metrics)).unwrap_or(*metrics);
        let snap = self.store.record_snapshot(NewSnapshot { content_item_id: item, platform, day, metrics: merged }).await?;
        // The engagement alone: the lead counters are a concurrent lead writer's to set.
        self.store.set_analytics_engagement(item, platform, merged.to_engagement()).await?;
        self.refresh_item_leads(item, platform).await?;
        Ok(snap)
    }

    /// Imports a metrics CSV export (LinkedIn, Customer.io, or our template): each row matched to
    /// a published item (by content id, post id or URN, URL, then title) is written like a sync
    /// read, for today.
    pub async fn import_csv(&self, text: &str, default_platform: Option<Platform>) -> Result<ImportReport> {
        let parsed: MetricsImport = parse_metrics_csv_with(text, &ImportOptions { default_platform }).map_err(Error::from)?;
        let now = self.clock.now();
        let posts = self.published_since(now - Duration::days(365), now + Duration::seconds(1)).await?;
        let mut titles: HashMap<ContentId, Option<String>> = HashMap::new();
        for s in &posts {
            if let std::collections::hash_map::Entry::Vacant(v) = titles.entry(s.content_item_id) {
                v.insert(self.store.get_content(s.content_item_id).await?.title);
            }
        }
        let mut report =
            ImportReport { format: format!("{:?}", parsed.format), skipped: parsed.skipped.len() as u64, ..Default::default() };
        for row in parsed.rows {
            let matched = match row.post.content_id {
                Some(id) => match self.store.get_content(id).await {
                    Ok(item) => Some((id, row.platform.unwrap_or_else(|| item.platform()))),
                    Err(Error::NotFound { .. }) => None,
                    Err(e) => return Err(e),
                },
                None => posts
                    .iter()
                    .find(|s| post_matches(s, &row.post, titles.get(&s.content_item_id).and_then(|t| t.as_deref())))
                    .map(|s| (s.content_item_id, s.platform)),
            };
            match matched {
                Some((id, platform)) => {
                    self.write_metrics(id, platform, &row.metrics, now.date_naive()).await?;
                    report.imported += 1;
                }
                None => report.unmatched.push(format!("line {}: no published item matches this row", row.line)),
            }
        }
        Ok(report)
    }

    async fn published_since(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Schedule>> {
        let mut out = Vec::new();
        loop {
            let page = self.store.list_published(since, until, 1000, out.len() as u32).await?;
            let n = page.len();
            out.extend(page);
            if n < 1000 {
                return Ok(out);
            }
        }
    }

    /// Records a lead event, attributed by its UTM `utm_content` (see the module docs).
    pub async fn record_lead(&self, input: LeadInput) -> Result<LeadReceipt> {
        let utm = match (&input.utm, input.url.as_deref()) {
            (Some(u), _) => Some(u.clone()),
            (None, Some(url)) => {
                let url = url.trim();
                if url::Url::parse(url).is_err() {
                    return Err(Error::invalid_field("url", "must be an absolute URL"));
                }
                UtmParams::from_url(url)
            }
            (None, None) => None,
        };
        let revenue_cents = match input.revenue_usd {
            None => 0,
            Some(v) if v.is_finite() && v.abs() < 1e12 => (v * 100.0).round() as i64,
            Some(_) => return Err(Error::invalid_field("revenue_usd", "must be a finite amount")),
        };
        let occurred_at = input.occurred_at.unwrap_or_else(|| self.clock.now());
        let tagged = match utm.as_ref().and_then(UtmParams::content_id) {
            Some(id) => match self.store.get_content(id).await {
                Ok(_) => Some(id),
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let item = match (tagged, input.url.as_deref()) {
            (Some(id), _) => Some(id),
            (None, Some(url)) => self.match_by_url(url, utm.as_ref(), occurred_at).await?,
            (None, None) => None,
        };
        let key = match &input.event_id {
            Some(id) if !id.trim().is_empty() => format!("id:{}", id.trim()),
            _ => {
                let mut h = Sha256::new();
                let utm_json = serde_json::to_string(&utm).unwrap_or_default();
                for part in [
                    input.email.trim().to_lowercase(),
                    input.kind.to_string(),
                    input.url.clone().unwrap_or_default(),
                    utm_json,
                    revenue_cents.to_string(),
                    input.occurred_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                ] {
                    h.update(part.as_bytes());
                    h.update([0]);
                }
                format!("h:{}", hex::encode(h.finalize()))
            }
        };
        let event = NewLeadEvent {
            idempotency_key: key,
            email: input.email,
            kind: input.kind,
            url: input.url,
            platform: utm.as_ref().and_then(UtmParams::platform),
            utm,
            content_item_id: item,
            revenue_cents,
            occurred_at,
        };
        let stored = self.store.record_lead_event(event).await?;
        let (lead, event) = stored.value;
        if stored.created {
            self.refresh_lead_counters(&lead).await?;
            if self.enriches() {
                // Never waits for the enricher: a job does it (and retries it) later.
                let job = super::EnrichLeadJob { lead_id: lead.id, event_id: Some(event.id) }.new_job()?;
                if let Err(e) = self.store.enqueue(job).await {
                    tracing::error!(error = %e, lead = %lead.id, "enqueueing the lead's enrichment");
                }
            }
        }
        Ok(LeadReceipt { lead, event, created: stored.created })
    }

    /// The published item a landing URL without our `utm_content` came through: the item whose
    /// own published URL it is (a visit to the LinkedIn post itself), else an item whose text
    /// links to that page — narrowed by the URL's `utm_source` (the item's platform) and
    /// `utm_campaign` (its source's slug) when it carries them. Pages compare without their
    /// query ([`page_key`]). Of several candidates, the one published last before the event
    /// wins (the touch nearest the visit); none published before it: no item.
    ///
    /// Reads the published items page by page (one query per 500); only URLs without a valid
    /// `utm_content` take this path.
    async fn match_by_url(&self, url: &str, utm: Option<&UtmParams>, at: DateTime<Utc>) -> Result<Option<ContentId>> {
        let Some(key) = page_key(url) else { return Ok(None) };
        let platform = utm.and_then(UtmParams::platform);
        let campaign = utm.and_then(|u| u.campaign.as_deref());
        let mut own: Vec<(DateTime<Utc>, ContentId)> = Vec::new();
        let mut linked: Vec<ContentItem> = Vec::new();
        let mut filter = ContentFilter { statuses: vec![ContentStatus::Published], limit: 500, ..Default::default() };
        loop {
            let page = self.store.list_content(&filter).await?;
            let n = page.len();
            for item in page {
                let published = item.published_at.unwrap_or(item.updated_at);
                if published > at {
                    continue;
                }
                if item.published_url.as_deref().and_then(page_key).as_deref() == Some(key.as_str()) {
                    own.push((published, item.id));
                } else if links(&item.content).iter().any(|l| page_key(l).as_deref() == Some(key.as_str())) {
                    linked.push(item);
                }
            }
            if n < 500 {
                break;
            }
            filter.offset += 500;
        }
        if let Some((_, id)) = own.into_iter().max() {
            return Ok(Some(id));
        }
        let mut best: Option<(DateTime<Utc>, ContentId)> = None;
        for item in linked {
            if platform.is_some_and(|p| p != item.platform()) {
                continue;
            }
            if let Some(c) = campaign
                && super::campaign_of(self.store.as_ref(), &item).await != c
            {
                continue;
            }
            best = best.max(Some((item.published_at.unwrap_or(item.updated_at), item.id)));
        }
        Ok(best.map(|(_, id)| id))
    }

    /// Rewrites the lead counters of the PRD rows of every item `lead` touched.
    async fn refresh_lead_counters(&self, lead: &Lead) -> Result<()> {
        let events = self.store.list_lead_events(&[lead.id]).await?;
        let items: BTreeSet<ContentId> = events.iter().filter_map(|e| e.content_item_id).collect();
        for id in items {
            let item = self.store.get_content(id).await?;
            self.refresh_item_leads(id, item.platform()).await?;
        }
        Ok(())
    }

    /// Recomputes an item's lead counters from its events and sets them on its PRD row, and only
    /// them (never the engagement a concurrent sync may be writing). The store keeps the write
    /// computed from the most events, so of concurrent recomputations a stale one landing last
    /// loses nothing: the lead writer that recorded the last event recomputes after it.
    async fn refresh_item_leads(&self, item: ContentId, platform: Platform) -> Result<()> {
        let a = self.attribution(item, self.config.default_model).await?;
        let leads = LeadCounters {
            website_visits: a.website_visits as i64,
            lead_signups: a.lead_signups as i64,
            demo_requests: a.demo_requests as i64,
            attributed_revenue_cents: a.revenue_cents,
        };
        self.store.set_analytics_leads(item, platform, leads, a.events).await?;
        Ok(())
    }

    async fn attribution(&self, item: ContentId, model: AttributionModel) -> Result<ItemCredit> {
        let events = self.store.list_item_lead_events(item).await?;
        let mut out = ItemCredit {
            events: events.len() as u64,
            website_visits: events.iter().filter(|e| e.kind == LeadKind::WebsiteVisit && e.content_item_id == Some(item)).count() as u64,
            ..ItemCredit::default()
        };
        let mut by_lead: BTreeMap<super::LeadId, Vec<&LeadEvent>> = BTreeMap::new();
        for e in &events {
            by_lead.entry(e.lead_id).or_default().push(e);
        }
        for events in by_lead.values() {
            for c in credits(events, model) {
                if c.content_id == item {
                    out.lead_signups += c.signups;
                    out.demo_requests += c.demos;
                    out.purchases += c.purchases;
                    out.revenue_cents += c.revenue_cents;
                }
            }
        }
        Ok(out)
    }

    /// PRD §3.5 for `[start, end]` (whole UTC days).
    pub async fn summary(&self, start: NaiveDate, end: NaiveDate) -> Result<AnalyticsSummary> {
        if end < start {
            return Err(Error::invalid_field("end_date", "must not be before start_date"));
        }
        if (end - start).num_days() > 366 * 5 {
            return Err(Error::invalid_field("end_date", "the period may span at most five years"));
        }
        let from = start.and_time(chrono::NaiveTime::MIN).and_utc();
        let until_day = end.succ_opt().ok_or_else(|| Error::invalid_field("end_date", "out of range"))?;
        let until = until_day.and_time(chrono::NaiveTime::MIN).and_utc();
        let (counts, reach_by_day) = futures::try_join!(self.store.summary_counts(from, until), self.store.daily_reach(start, until_day))?;
        let approved: u64 = counts.approved_by_type.iter().map(|(_, n)| n).sum();
        let manual: u64 = counts.approved_by_type.iter().map(|(t, n)| n * u64::from(self.config.minutes(*t))).sum();
        let saved_seconds = (manual as i64 * 60 - counts.review_seconds).max(0);
        Ok(AnalyticsSummary {
            period: format!("{start} to {end}"),
            metrics: SummaryMetrics {
                posts_published: counts.posts_published,
                total_reach: counts.total_reach,
                total_engagements: counts.total_engagements,
                new_leads: counts.new_leads,
            },
            top_performer: counts.top_performer,
            time_saved_hours: (saved_seconds as f64 / 360.0).round() / 10.0,
            time_saved_basis: TimeSavedBasis {
                estimate: true,
                approved_pieces: approved,
                manual_minutes: manual,
                review_minutes: (counts.review_seconds as f64 / 6.0).round() / 10.0,
            },
            reach_by_day,
        })
    }

    /// PRD §3.5 numbers of one item, leads attributed under `model` (the configured default when `None`).
    pub async fn content(&self, id: ContentId, model: Option<AttributionModel>) -> Result<ContentAnalytics> {
        let item = self.store.get_content(id).await?;
        let model = model.unwrap_or(self.config.default_model);
        let mut out = ContentAnalytics {
            content_id: id,
            platform: item.platform(),
            impressions: 0,
            clicks: 0,
            likes: 0,
            comments: 0,
            shares: 0,
            website_visits: 0,
            lead_signups: 0,
            demo_requests: 0,
            purchases: 0,
            attributed_revenue_usd: 0.0,
            model,
            last_updated: None,
        };
        let mut platforms: BTreeSet<Platform> = self.store.list_snapshots(id).await?.into_iter().map(|s| s.platform).collect();
        platforms.insert(item.platform());
        for p in platforms {
            match self.store.get_analytics(id, p).await {
                Ok(row) => {
                    out.impressions += row.engagement.impressions;
                    out.clicks += row.engagement.clicks;
                    out.likes += row.engagement.likes;
                    out.comments += row.engagement.comments;
                    out.shares += row.engagement.shares;
                    out.last_updated = out.last_updated.max(Some(row.last_updated));
                }
                Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let a = self.attribution(id, model).await?;
        out.website_visits = a.website_visits;
        out.lead_signups = a.lead_signups;
        out.demo_requests = a.demo_requests;
        out.purchases = a.purchases;
        out.attributed_revenue_usd = a.revenue_cents as f64 / 100.0;
        Ok(out)
    }

    /// An item's daily snapshots, oldest first.
    pub async fn history(&self, id: ContentId) -> Result<Vec<MetricsSnapshot>> {
        self.store.get_content(id).await?;
        self.store.list_snapshots(id).await
    }

    /// How many leads [`leads`](Self::leads) pages through for `[from, until)`.
    pub async fn count_leads(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<u64> {
        self.store.count_leads(from, until).await
    }

    /// Leads seen in `[from, until)`, latest first, with their touches and credits under `model`.
    pub async fn leads(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        model: Option<AttributionModel>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<LeadView>> {
        let model = model.unwrap_or(self.config.default_model);
        let leads = self.store.list_leads(from, until, limit, offset).await?;
        let ids: Vec<super::LeadId> = leads.iter().map(|l| l.id).collect();
        let events = self.store.list_lead_events(&ids).await?;
        Ok(leads
            .into_iter()
            .map(|lead| {
                let mine: Vec<LeadEvent> = events.iter().filter(|e| e.lead_id == lead.id).cloned().collect();
                let refs: Vec<&LeadEvent> = mine.iter().collect();
                let mut merged: BTreeMap<ContentId, LeadCredit> = BTreeMap::new();
                for c in credits(&refs, model) {
                    let e = merged.entry(c.content_id).or_insert(LeadCredit { content_id: c.content_id, conversions: 0, revenue_usd: 0.0 });
                    e.conversions += c.signups + c.demos + c.purchases;
                    e.revenue_usd += c.revenue_cents as f64 / 100.0;
                }
                LeadView { lead, events: mine, attributed_to: merged.into_values().collect() }
            })
            .collect())
    }

    /// Counts newsletter delivery events (Customer.io reporting webhooks) into the issue's numbers:
    /// each event once (by its event id), matched to the newsletter post whose platform post id is
    /// the issue's (`trigger_id`, else the broadcast or campaign id), opens and clicks by people
    /// only.
    pub async fn record_email_events(&self, events: &[super::email::EmailEvent]) -> Result<EmailReceipt> {
        let now = self.clock.now();
        let posts =
            self.published_since(now - Duration::days(i64::from(self.config.sync_window_days.max(90))), now + Duration::seconds(1)).await?;
        let mut receipt = EmailReceipt::default();
        let mut by_post: BTreeMap<(ContentId, Platform), super::email::NewsletterTally> = BTreeMap::new();
        for e in events {
            let Some(post_id) = e.issue.platform_post_id() else {
                receipt.unmatched += 1;
                continue;
            };
            let Some(post) = posts.iter().find(|s| s.platform_post_id.as_deref() == Some(post_id.as_str())) else {
                receipt.unmatched += 1;
                continue;
            };
            match self.store.begin_idempotency("customerio_event", &e.event_id).await? {
                IdempotencyState::Started => {
                    self.store.complete_idempotency("customerio_event", &e.event_id, serde_json::Value::Null).await?;
                    by_post.entry((post.content_item_id, post.platform)).or_default().apply(e);
                    receipt.recorded += 1;
                }
                _ => receipt.duplicates += 1,
            }
        }
        for ((item, platform), tally) in by_post {
            // Added in the store, in one transaction per (item, platform): concurrent webhook
            // deliveries each add to the other's sum.
            self.store.add_to_snapshot(item, platform, now.date_naive(), tally.counters().to_post_metrics()).await?;
        }
        Ok(receipt)
    }

    /// Enriches lead `id` now (what an `enrich_lead` job runs): the enricher's answer for it,
    /// told about `event` (else its latest event), and its segment, stored on the lead. Without an
    /// enricher the lead's earlier enrichment is kept; without a segment reader, its segment.
    pub async fn run_enrichment(&self, id: super::LeadId, event: Option<super::LeadEventId>) -> Result<Lead> {
        let lead = self.store.get_lead(id).await?;
        let events = self.store.list_lead_events(&[id]).await?;
        let ev = event.and_then(|e| events.iter().find(|x| x.id == e)).or(events.last());
        let req = super::EnrichmentRequest {
            lead_id: id,
            email: lead.email.clone(),
            kind: ev.map_or(LeadKind::WebsiteVisit, |e| e.kind),
            content_item_id: ev.and_then(|e| e.content_item_id),
            url: ev.and_then(|e| e.url.clone()),
            utm: ev.and_then(|e| e.utm.clone()),
        };
        let data = match &self.enricher {
            Some(e) => e.enrich(&req).await?,
            None => lead.enrichment.clone().unwrap_or(serde_json::Value::Null),
        };
        let segment = match &self.segments {
            Some(s) => s.segment(&lead.email).await?,
            None => None,
        };
        self.enrich(id, data, segment).await
    }

    /// Stores an enrichment answer (and segment) on a lead.
    pub async fn enrich(&self, id: super::LeadId, enrichment: serde_json::Value, segment: Option<String>) -> Result<Lead> {
        self.store.set_lead_enrichment(id, enrichment, segment).await
    }
}

#[derive(Debug, Default)]
struct ItemCredit {
    /// How many events it was computed from.
    events: u64,
    website_visits: u64,
    lead_signups: u64,
    demo_requests: u64,
    purchases: u64,
    revenue_cents: i64,
}

struct ConversionCredit {
    content_id: ContentId,
    signups: u64,
    demos: u64,
    purchases: u64,
    revenue_cents: i64,
}

/// The credit of one lead's conversions: each conversion is credited over the lead's touches up
/// to it (the conversion itself is a touch when it names an item).
fn credits(events: &[&LeadEvent], model: AttributionModel) -> Vec<ConversionCredit> {
    let mut out = Vec::new();
    for conv in events.iter().filter(|e| e.kind != LeadKind::WebsiteVisit) {
        let touches: Vec<Touch> = events
            .iter()
            .filter(|e| e.occurred_at <= conv.occurred_at)
            .filter_map(|e| e.content_item_id.map(|id| Touch { content_item_id: id, platform: e.platform, at: e.occurred_at }))
            .collect();
        for c in attribute(model, &touches, conv.revenue_cents) {
            out.push(ConversionCredit {
                content_id: c.content_item_id,
                signups: u64::from(conv.kind == LeadKind::LeadSignup),
                demos: u64::from(conv.kind == LeadKind::DemoRequest),
                purchases: u64::from(conv.kind == LeadKind::Purchase),
                revenue_cents: c.revenue_cents,
            });
        }
    }
    out
}

fn post_matches(s: &Schedule, post: &super::import::PostRef, title: Option<&str>) -> bool {
    let trim = |u: &str| u.trim().trim_end_matches('/').to_owned();
    if let (Some(id), Some(ours)) = (post.platform_post_id.as_deref().or(post.urn.as_deref()), s.platform_post_id.as_deref())
        && id.trim() == ours
    {
        return true;
    }
    if let (Some(url), Some(ours)) = (post.url.as_deref(), s.published_url.as_deref())
        && trim(url) == trim(ours)
    {
        return true;
    }
    matches!((post.title.as_deref(), title), (Some(a), Some(b)) if a.trim().eq_ignore_ascii_case(b.trim()))
}
