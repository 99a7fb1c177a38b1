//! Publishing alerts to a chat webhook (Slack-compatible `{"text": …}`).

use std::time::Duration;

use async_trait::async_trait;
use growth_core::domain::{ContentItem, Schedule};
use growth_core::publish::Alert;
use secrecy::{ExposeSecret, SecretString};

/// Posts `{"text": …}` to a webhook (Slack-compatible) when a publish fails for good or needs a
/// person. The URL is a secret (it carries the token): it never reaches the logs.
pub struct WebhookAlert {
    url: SecretString,
    client: reqwest::Client,
}

impl std::fmt::Debug for WebhookAlert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookAlert").field("url", &"[redacted]").finish()
    }
}

impl WebhookAlert {
    /// Alerts to `url`.
    pub fn new(url: SecretString) -> Self {
        Self { url, client: reqwest::Client::new() }
    }
}

#[async_trait]
impl Alert for WebhookAlert {
    async fn alert(&self, schedule: &Schedule, item: Option<&ContentItem>, reason: &str) {
        let title = item.and_then(|i| i.title.clone()).unwrap_or_else(|| schedule.content_item_id.to_string());
        let text = format!("Publishing to {} needs attention for \"{title}\" (schedule {}): {reason}", schedule.platform, schedule.id);
        let sent = self
            .client
            .post(self.url.expose_secret())
            .json(&serde_json::json!({ "text": text }))
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        match sent.and_then(reqwest::Response::error_for_status) {
            Ok(_) => {}
            // Without the URL: it carries the webhook's token.
            Err(e) => tracing::warn!(error = %e.without_url(), schedule = %schedule.id, "the alert webhook did not take the alert"),
        }
    }
}

#[async_trait]
impl growth_core::measure::MeasureAlert for WebhookAlert {
    async fn measure_alert(&self, event: &growth_core::measure::AnalyticsAlert) {
        use growth_core::measure::AnalyticsAlert;
        let text = match event {
            AnalyticsAlert::SourceDisconnected { platform, reason } => format!("Analytics for {platform} need connecting: {reason}"),
            AnalyticsAlert::RejectRateHigh { rate, reviewed, threshold } => {
                format!("Reviewers rejected {:.0}% of {reviewed} pieces (threshold {:.0}%)", rate * 100.0, threshold * 100.0)
            }
            AnalyticsAlert::PublishFailures { failed } => format!("{failed} publications failed"),
        };
        let sent = self
            .client
            .post(self.url.expose_secret())
            .json(&serde_json::json!({ "text": text }))
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        if let Err(e) = sent.and_then(reqwest::Response::error_for_status) {
            tracing::warn!(error = %e.without_url(), "the alert webhook did not take the analytics alert");
        }
    }
}
