//! `[publishing]` (the scheduler loop and the platforms) and `[schedule]` (smart distribution).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// Publishing: the scheduler loop and the platforms.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishingSettings {
    /// Seconds between two looks for due schedules.
    pub interval_secs: u64,
    /// Schedules claimed per round.
    pub batch: u32,
    /// Sends at once per worker.
    pub concurrency: usize,
    /// Attempts before a schedule fails for good.
    pub max_attempts: i32,
    /// Seconds a claim holds; a worker that dies leaves the schedule `unknown` after this. At
    /// least `publish_timeout_secs` + 10 (refused at start-up otherwise).
    pub lease_secs: u64,
    /// Seconds one send may take (token refresh, limiter waits, connect retries) before its
    /// outcome is `unknown`.
    pub publish_timeout_secs: u64,
    /// Per platform, seconds after a send its list may still not show the post; "absent" (send
    /// again) is decided only after it. Defaults: LinkedIn 60, Customer.io 120, others 0.
    pub settle_secs: BTreeMap<String, u64>,
    /// Milliseconds `POST /publish/{id}` without a time waits for the send before answering 202.
    pub now_wait_ms: u64,
    /// First retry backoff in seconds (doubling; a platform's `Retry-After` wins).
    pub backoff_secs: u64,
    /// Where the outbox publisher writes (default `data_dir/outbox`).
    pub outbox_dir: Option<PathBuf>,
    /// A URL that gets `{"text": …}` when a publish fails for good (a Slack incoming webhook). A
    /// secret: such URLs carry their token.
    pub alert_webhook_url: Option<secrecy::SecretString>,
    /// Send budgets shared by all workers, by platform (`{ max, window_secs }`); the documented
    /// limits by default.
    pub budgets: BTreeMap<String, growth_core::publish::SendBudget>,
    /// LinkedIn (Posts API); unset: LinkedIn posts go to the outbox.
    pub linkedin: Option<super::adapters::LinkedInSettings>,
    /// Customer.io (broadcast newsletters); unset: newsletters go to the outbox.
    pub customerio: Option<super::adapters::CustomerIoSettings>,
    /// Webflow (blog CMS); unset: blog posts go to the outbox.
    pub webflow: Option<super::adapters::WebflowSettings>,
    /// Notion tracking pages, updated after every post; unset: no tracking.
    pub notion: Option<super::adapters::NotionSettings>,
    /// Budgets for reconciliation lookups (list calls), shared by all workers, by platform; a
    /// platform without one spends its send budget on lookups.
    pub lookup_budgets: BTreeMap<String, growth_core::publish::SendBudget>,
}

impl Default for PublishingSettings {
    fn default() -> Self {
        Self {
            interval_secs: 60,
            batch: 100,
            concurrency: 8,
            max_attempts: 5,
            lease_secs: 120,
            publish_timeout_secs: 90,
            settle_secs: BTreeMap::new(),
            now_wait_ms: 2_000,
            backoff_secs: 30,
            outbox_dir: None,
            alert_webhook_url: None,
            budgets: BTreeMap::new(),
            linkedin: None,
            customerio: None,
            webflow: None,
            notion: None,
            lookup_budgets: BTreeMap::new(),
        }
    }
}

/// Scheduling.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSettings {
    /// IANA zone that smart distribution plans in (posting hours, business days).
    pub timezone: String,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self { timezone: "America/New_York".into() }
    }
}
