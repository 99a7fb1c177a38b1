//! Measuring what published content earned, and which posts earned each lead.
//!
//! - [`MetricsSource`]: one implementation per platform that reports numbers (LinkedIn,
//!   Customer.io and Webflow adapters in `growth-adapters`; [`FixedMetrics`] answers from a
//!   table). Counters are [`PostMetrics`]: every one may be *unavailable* (`None`), which is not
//!   zero. A disconnected account or a missing scope is a "connect analytics" error
//!   ([`needs_connection`]), never retried.
//! - [`CallBudget`]: daily platform call budgets shared by every worker (LinkedIn's quotas);
//!   [`DailyCallBudget`] in memory, [`StoreCallBudget`] in the database in production (atomic
//!   counters, [`CallBudgetStore`]).
//! - [`email`]: newsletter delivery events (reporting webhooks) and their idempotent fold into
//!   per-issue counters; opens and clicks by people only.
//! - [`import`]: per-post metrics from LinkedIn's and Customer.io's CSV exports and our own
//!   template, for running with no account.
//! - [`utm`]: UTM tags on every link of published content, and reading them back.
//! - [`attribution`]: last-touch, first-touch and linear credit, revenue split in exact cents.
//! - [`MeasureService`]: the stage's use-cases over the store ([`crate::store::MeasureStore`] keeps
//!   daily [`MetricsSnapshot`]s and [`Lead`]s with every [`LeadEvent`]): a budgeted sync pass with
//!   back-off as posts age, CSV import, recording leads attributed by `utm_content`, the PRD §3.5
//!   summary (time saved labelled an estimate), per-content numbers, history, leads, Customer.io
//!   delivery events, and alerts ([`AnalyticsAlert`] through a [`MeasureAlert`]).
//! - [`SyncMetricsHandler`] / [`sync_metrics_cron`]: the hourly sync as a job and its cron entry.
//! - [`tag_for_publish`]: what the publish runner sends — every link UTM-tagged for the post.
//! - [`EnrichLeadHandler`]: a new lead's enrichment ([`LeadEnricher`], n8n) and segment
//!   ([`SegmentReader`], the ESP's person attributes) in a job, never on the request path.

pub mod attribution;
mod budget;
mod csv;
pub mod email;
mod fixed;
pub mod import;
mod metrics;
mod source;
pub mod utm;

pub use budget::{BudgetDecision, BudgetKey, CallBudget, DailyCallBudget, DailyLimit, Unbudgeted, next_utc_midnight, take_calls};
pub use fixed::FixedMetrics;
pub use metrics::{Metric, PostMetrics};
pub use source::{
    BatchItem, CONNECT_ANALYTICS, MetricsCapabilities, MetricsRequest, MetricsSource, connect_analytics, is_source_wide, needs_connection,
};
mod records;
pub use records::{
    DailyReach, DaySplit, Lead, LeadEvent, LeadEventId, LeadId, LeadKind, MetricsSnapshot, NewLeadEvent, NewSnapshot, SummaryCounts,
    TopPerformer,
};
mod service;
pub use service::{
    AnalyticsAlert, AnalyticsSummary, ContentAnalytics, EmailReceipt, ImportReport, LeadCredit, LeadInput, LeadReceipt, LeadView,
    MeasureAlert, MeasureConfig, MeasureService, MeasureServiceStore, SummaryMetrics, SyncReport, TimeSavedBasis,
};
mod job;
pub use job::{SYNC_METRICS, SyncMetricsHandler, sync_metrics_cron, sync_metrics_kind};
mod publish_tags;
pub use publish_tags::{campaign_for, campaign_of, source_slug, tag_for_publish, tag_for_publish_with};
mod enrich;
pub use enrich::{ENRICH_LEAD, EnrichLeadHandler, EnrichLeadJob, EnrichmentRequest, LeadEnricher, SegmentReader, enrich_lead_kind};
mod store_budget;
pub use store_budget::{CallBudgetStore, StoreCallBudget};
