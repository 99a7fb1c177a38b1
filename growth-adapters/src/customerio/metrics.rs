//! [`CustomerIoMetrics`]: newsletter numbers from the App API, the fallback when reporting
//! webhooks are not set up.
//!
//! `GET {app_api}/v1/broadcasts/{id}/metrics?period=…&steps=…&type=email` answers one series per
//! metric (`sent`, `delivered`, `human_opened`, `human_clicked`, `bounced`, `unsubscribed`,
//! `converted` …), oldest period first; the totals are the sums (or `metric.totals` when an older
//! API answers it). The window is the smallest `period` whose allowed `steps` (45 days, 12
//! weeks, 121 months) covers the issue's age ([`window_for`]).
//!
//! **Per issue, or not at all.** The publisher re-triggers one API-triggered broadcast for every
//! issue, and broadcast metrics sum all of its triggers: they are one issue's numbers only when
//! the broadcast is used for that issue alone. So [`MetricsSource::fetch`] answers
//! `Error::Unsupported` unless [`CustomerIoMetrics::broadcast_is_per_issue`] says so; per-issue
//! numbers come from the reporting webhooks ([`super::webhook`]). [`CustomerIoMetrics::broadcast_metrics`]
//! reads a whole broadcast either way.
//!
//! A refused App API key (401) or one without the reporting scope (403) is a "connect
//! analytics" error. Opens and clicks are `human_opened`/`human_clicked` only: prefetch opens
//! inflate `opened` (Apple Mail Privacy Protection) and never reach the numbers.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use growth_core::domain::Platform;
use growth_core::measure::{Metric, MetricsCapabilities, MetricsRequest, MetricsSource, PostMetrics};
use growth_core::{Error, Result};

use super::client::Client;
use super::config::CustomerIoConfig;
use super::error::PLATFORM;

/// Reads Customer.io broadcast metrics.
#[derive(Clone, Debug)]
pub struct CustomerIoMetrics {
    client: Client,
    broadcast_id: Option<u64>,
    per_issue: bool,
}

impl CustomerIoMetrics {
    /// A reader with `config` (its key, region and `broadcast_id`; the trigger settings are not
    /// used).
    ///
    /// # Errors
    /// [`Error::Config`] when the key cannot be a header value or the HTTP client cannot be built.
    pub fn new(config: CustomerIoConfig) -> Result<Self> {
        Ok(Self { client: Client::new(&config)?, broadcast_id: config.broadcast_id, per_issue: false })
    }

    /// Whether each broadcast carries a single issue, so its metrics are that issue's (off by
    /// default: the publisher re-triggers one broadcast for every issue).
    pub fn broadcast_is_per_issue(mut self, yes: bool) -> Self {
        self.per_issue = yes;
        self
    }

    /// The totals of broadcast `broadcast_id` since `since` (its first send; `None` for as far
    /// back as the API reaches), all of its triggers together.
    ///
    /// # Errors
    /// "connect analytics" `Unauthenticated`/`PermissionDenied` for a refused key, `NotFound`
    /// for an unknown broadcast, `RateLimited` (10 requests a second), `Transient` for 5xx and
    /// timeouts (after the client's retries), `Permanent` for an answer of another shape.
    pub async fn broadcast_metrics(&self, broadcast_id: u64, since: Option<DateTime<Utc>>) -> Result<PostMetrics> {
        let (period, steps) = window_for(since, Utc::now());
        let answer = self.client.broadcast_metrics(broadcast_id, period, steps).await?;
        let m = &answer.metric;
        Ok(PostMetrics {
            sent: m.total("sent"),
            delivered: m.total("delivered"),
            human_opens: m.total("human_opened"),
            human_clicks: m.total("human_clicked"),
            unsubscribes: m.total("unsubscribed"),
            bounces: m.total("bounced"),
            converted: m.total("converted"),
            ..PostMetrics::default()
        })
    }

    fn broadcast_of(&self, req: &MetricsRequest) -> Result<u64> {
        match req.platform_data.get("broadcast_id") {
            Some(v) => v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| Error::invalid_field("platform_data.broadcast_id", "must be a broadcast id (a number)")),
            None => self.broadcast_id.ok_or_else(|| {
                Error::Config(format!(
                    "{PLATFORM}: no broadcast to read metrics of: set `broadcast_id` in the Customer.io settings or \
                     `platform_data.broadcast_id`"
                ))
            }),
        }
    }
}

/// The `period` and `steps` that cover everything since `since` (days start at 00:00 EST, so
/// one step more than the age in whole periods): days up to 45, weeks up to 12, months up to
/// 121 (the API's limits); without `since`, the longest window.
pub fn window_for(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> (&'static str, u32) {
    let Some(since) = since else { return ("months", 121) };
    let age_days = (now - since).num_days().max(0) as u32;
    let steps = |period_days: u32| age_days.div_ceil(period_days) + 2;
    if steps(1) <= 45 {
        ("days", steps(1))
    } else if steps(7) <= 12 {
        ("weeks", steps(7))
    } else {
        ("months", steps(30).min(121))
    }
}

#[async_trait]
impl MetricsSource for CustomerIoMetrics {
    fn platform(&self) -> Platform {
        Platform::CUSTOMER_IO
    }

    fn capabilities(&self) -> MetricsCapabilities {
        MetricsCapabilities {
            metrics: if self.per_issue { Metric::NEWSLETTER.to_vec() } else { Vec::new() },
            max_batch: 1,
            calls_per_post: 1,
            lifetime_totals: true,
        }
    }

    /// The issue's broadcast totals (`platform_data.broadcast_id`, else the configured one),
    /// when broadcasts carry one issue each; `Error::Unsupported` otherwise (see the module docs).
    async fn fetch(&self, req: &MetricsRequest) -> Result<PostMetrics> {
        let broadcast = self.broadcast_of(req)?;
        if !self.per_issue {
            return Err(Error::Unsupported(format!(
                "{PLATFORM}: broadcast {broadcast} is re-triggered for every issue, so its metrics sum all issues; per-issue \
                 numbers come from the reporting webhooks"
            )));
        }
        self.broadcast_metrics(broadcast, req.published_at).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn the_window_is_the_smallest_period_that_covers_the_issue() {
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        assert_eq!(window_for(Some(now - Duration::hours(3)), now), ("days", 2));
        assert_eq!(window_for(Some(now - Duration::days(10)), now), ("days", 12));
        assert_eq!(window_for(Some(now - Duration::days(43)), now), ("days", 45));
        assert_eq!(window_for(Some(now - Duration::days(44)), now), ("weeks", 9));
        assert_eq!(window_for(Some(now - Duration::days(70)), now), ("weeks", 12));
        assert_eq!(window_for(Some(now - Duration::days(400)), now), ("months", 16));
        assert_eq!(window_for(Some(now - Duration::days(10_000)), now), ("months", 121));
        assert_eq!(window_for(None, now), ("months", 121));
        assert_eq!(window_for(Some(now + Duration::days(1)), now), ("days", 2), "a clock ahead never asks for fewer than 2 steps");
    }
}
