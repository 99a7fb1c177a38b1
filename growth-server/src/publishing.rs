//! Publishing in the server: which publisher serves each platform (the configured adapter, else
//! the outbox — the status says `via: "outbox"`), the Notion tracker, the alert webhook, the
//! database-shared send budgets, and the loop every worker runs: publish what is due, then
//! reconcile what is unknown, every `publishing.interval_secs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use growth_core::domain::{ContentItem, Platform, Schedule};
use growth_core::publish::Publisher;
use growth_core::publish::outbox::OutboxPublisher;
use growth_core::publish::{Alert, DbGate, PublishRunner, SendBudget};
use growth_core::store::Store;
use growth_core::{Clock, Error, Result};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;

/// Posts `{"text": …}` to a webhook (Slack-compatible) when a publish fails for good.
#[derive(Debug)]
pub struct WebhookAlert {
    url: String,
    client: reqwest::Client,
}

#[async_trait]
impl Alert for WebhookAlert {
    async fn alert(&self, schedule: &Schedule, item: Option<&ContentItem>, reason: &str) {
        let title = item.and_then(|i| i.title.clone()).unwrap_or_else(|| schedule.content_item_id.to_string());
        let text = format!("Publishing to {} failed for \"{title}\" (schedule {}): {reason}", schedule.platform, schedule.id);
        let sent = self.client.post(&self.url).json(&serde_json::json!({ "text": text })).timeout(Duration::from_secs(10)).send().await;
        if let Err(e) = sent.and_then(reqwest::Response::error_for_status) {
            tracing::warn!(error = %e, schedule = %schedule.id, "the alert webhook did not take the alert");
        }
    }
}

/// Everything needed to build a [`PublishRunner`] for a worker.
#[derive(Clone, Debug)]
pub struct Publishing {
    publishers: Vec<Arc<dyn Publisher>>,
    tracker: Option<Arc<dyn Publisher>>,
    alert: Option<Arc<dyn Alert>>,
    budgets: HashMap<Platform, SendBudget>,
    /// Which publisher serves each platform (`"linkedin"`, `"outbox"` …).
    pub via: HashMap<Platform, &'static str>,
}

impl Publishing {
    /// The publishers from configuration.
    pub fn from_settings(settings: &Settings, clock: Arc<dyn Clock>) -> Result<Self> {
        let p = &settings.publishing;
        let outbox_dir = p.outbox_dir.clone().unwrap_or_else(|| settings.data_dir.join("outbox"));
        let mut publishers: Vec<Arc<dyn Publisher>> = Vec::new();
        let mut via = HashMap::new();
        let outbox = |platform: Platform| -> Arc<dyn Publisher> {
            Arc::new(OutboxPublisher::new(outbox_dir.clone(), platform).with_clock(clock.clone()))
        };
        match &p.linkedin {
            Some(c) => {
                publishers.push(Arc::new(growth_adapters::linkedin::LinkedInPublisher::new(c.clone())?));
                via.insert(Platform::LINKEDIN, "linkedin");
            }
            None => {
                publishers.push(outbox(Platform::LINKEDIN));
                via.insert(Platform::LINKEDIN, "outbox");
            }
        }
        match &p.customerio {
            Some(c) => {
                publishers.push(Arc::new(growth_adapters::customerio::CustomerIoPublisher::new(c.clone())?));
                via.insert(Platform::CUSTOMER_IO, "customerio");
            }
            None => {
                publishers.push(outbox(Platform::CUSTOMER_IO));
                via.insert(Platform::CUSTOMER_IO, "outbox");
            }
        }
        match &p.webflow {
            Some(c) => {
                publishers.push(Arc::new(growth_adapters::webflow::WebflowPublisher::new(c.clone())?));
                via.insert(Platform::WEBFLOW, "webflow");
            }
            None => {
                publishers.push(outbox(Platform::WEBFLOW));
                via.insert(Platform::WEBFLOW, "outbox");
            }
        }
        let tracker: Option<Arc<dyn Publisher>> = match &p.notion {
            Some(c) => Some(Arc::new(growth_adapters::notion::NotionPublisher::new(c.clone())?)),
            None => None,
        };
        let alert: Option<Arc<dyn Alert>> = p
            .alert_webhook_url
            .as_ref()
            .map(|url| Arc::new(WebhookAlert { url: url.clone(), client: reqwest::Client::new() }) as Arc<dyn Alert>);
        // Budgets guard platforms; the outbox has none.
        let mut budgets = DbGate::default_budgets();
        budgets.retain(|platform, _| via.get(platform).is_some_and(|v| *v != "outbox"));
        for (name, b) in &p.budgets {
            let platform: Platform = name.parse()?;
            budgets.insert(platform, *b);
        }
        Ok(Self { publishers, tracker, alert, budgets, via })
    }

    /// A runner for `worker`.
    pub fn runner(&self, settings: &Settings, store: Arc<dyn Store>, clock: Arc<dyn Clock>, worker: &str) -> PublishRunner {
        let p = &settings.publishing;
        let gate = DbGate::new(store.clone(), clock.clone(), self.budgets.clone(), worker);
        let mut r = PublishRunner::new(store, clock, worker, self.publishers.clone()).gate(Arc::new(gate)).limits(
            p.max_attempts,
            Duration::from_secs(p.lease_secs),
            Duration::from_secs(p.backoff_secs),
            p.concurrency,
        );
        if let Some(t) = &self.tracker {
            r = r.tracker(t.clone());
        }
        if let Some(a) = &self.alert {
            r = r.alert(a.clone());
        }
        r
    }
}

/// Publishes what is due and reconciles what is unknown until `shutdown`.
pub async fn run_loop(runner: PublishRunner, batch: u32, interval: Duration, shutdown: CancellationToken) {
    loop {
        loop {
            let round = runner.run_due(batch).await;
            if let Ok(r) = &round {
                count_publishes(r);
            }
            match round {
                Ok(r) if r.claimed as u32 >= batch => continue,
                Ok(r) => {
                    if r.claimed > 0 {
                        tracing::info!(
                            claimed = r.claimed,
                            published = r.published,
                            retrying = r.retrying,
                            unknown = r.unknown,
                            failed = r.failed,
                            "publishing round"
                        );
                    }
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claiming due schedules");
                    break;
                }
            }
        }
        let reconciled = runner.reconcile_unknown(100).await;
        if let Ok(r) = &reconciled {
            count_publishes(r);
        }
        match reconciled {
            Ok(r) if r.reconciled > 0 => tracing::info!(reconciled = r.reconciled, still_unknown = r.unknown, "reconciliation round"),
            Ok(_) => {}
            Err(e @ Error::Transient { .. }) => tracing::debug!(error = %e, "reconciliation"),
            Err(e) => tracing::warn!(error = %e, "reconciliation"),
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

/// Adds a round's outcomes to the `growth_publishes_total` counter. The report does not say
/// which platform each schedule went to, so the outcome is the only label.
fn count_publishes(r: &growth_core::publish::RunReport) {
    let outcomes =
        [("published", r.published), ("retrying", r.retrying), ("unknown", r.unknown), ("failed", r.failed), ("reconciled", r.reconciled)];
    for (outcome, n) in outcomes {
        if n > 0 {
            metrics::counter!(crate::middleware::metrics::PUBLISHES, "outcome" => outcome).increment(n as u64);
        }
    }
}
