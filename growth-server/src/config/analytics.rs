//! `[analytics]`: the metrics sync, attribution, the time-saved estimate, and the secrets of the
//! inbound lead and Customer.io reporting webhooks.

use std::collections::BTreeMap;

use growth_core::domain::ContentType;
use growth_core::measure::MeasureConfig;
use growth_core::measure::attribution::AttributionModel;
use serde::Deserialize;

/// The measure stage's settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyticsSettings {
    /// Posts published this many days back are synced.
    pub sync_window_days: u32,
    /// When the sync runs (five-field cron, UTC).
    pub sync_schedule: String,
    /// Manual minutes a piece would take without the engine, by content type (`linkedin_post` …).
    pub manual_minutes: BTreeMap<ContentType, u32>,
    /// Manual minutes of the other types (PRD: 10).
    pub default_manual_minutes: u32,
    /// `last_touch`, `first_touch` or `linear`, when a request names none.
    pub attribution_model: AttributionModel,
    /// Token an automation (a form handler, n8n) presents in `X-Growth-Webhook-Token` to
    /// `POST /leads` without a user session; unset: only approvers can post leads.
    pub leads_token: Option<secrecy::SecretString>,
    /// The Customer.io reporting webhook signing key; unset: `/webhooks/customerio` refuses everything.
    pub customerio_signing_key: Option<secrecy::SecretString>,
    /// How far a Customer.io delivery's timestamp may be from now, either way.
    pub customerio_tolerance_secs: u64,
    /// Read LinkedIn post metrics with the `[publishing.linkedin]` credentials (needs the
    /// `r_member_postAnalytics` or organization scopes).
    pub linkedin_metrics: bool,
    /// Alert (through `publishing.alert_webhook_url`) when more than this share of the pieces
    /// reviewed in a day was rejected.
    pub reject_rate_threshold: f64,
    /// LinkedIn calls per UTC day the sync may spend (counted in the database: shared by every
    /// worker of every instance).
    pub linkedin_daily_calls: Option<u32>,
    /// Enrich every new lead through an n8n Webhook node (URL, Header Auth name and secret value,
    /// `timeout_ms`), in a background job; unset: no enrichment.
    pub n8n: Option<super::adapters::N8nSettings>,
    /// The Customer.io person attribute RightMessage syncs the segment into; read for every new
    /// lead (in the enrichment job) when `[publishing.customerio]` is configured.
    pub segment_attribute: String,
}

impl Default for AnalyticsSettings {
    fn default() -> Self {
        Self {
            sync_window_days: 30,
            sync_schedule: "0 * * * *".into(),
            manual_minutes: BTreeMap::new(),
            default_manual_minutes: 10,
            attribution_model: AttributionModel::LastTouch,
            leads_token: None,
            customerio_signing_key: None,
            customerio_tolerance_secs: 300,
            linkedin_metrics: false,
            linkedin_daily_calls: None,
            reject_rate_threshold: 0.5,
            n8n: None,
            // The Customer.io adapter's default (`DEFAULT_SEGMENT_ATTRIBUTE`); written out so a
            // server built without that adapter still has its settings.
            segment_attribute: "rm_segment".to_owned(),
        }
    }
}

impl AnalyticsSettings {
    /// The library's settings.
    pub fn measure_config(&self) -> MeasureConfig {
        MeasureConfig {
            sync_window_days: self.sync_window_days,
            manual_minutes: self.manual_minutes.clone(),
            default_manual_minutes: self.default_manual_minutes,
            default_model: self.attribution_model,
            reject_rate_threshold: self.reject_rate_threshold,
            ..MeasureConfig::default()
        }
    }
}
