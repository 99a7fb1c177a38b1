//! [`AnalyticsStore`] in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryStore;
use crate::domain::*;
use crate::store::*;
use crate::{Error, Result};

#[async_trait]
impl AnalyticsStore for InMemoryStore {
    async fn upsert_analytics(&self, content_item_id: ContentId, platform: Platform, u: AnalyticsUpdate) -> Result<Analytics> {
        let now = self.now();
        let mut s = self.lock();
        if !s.content.iter().any(|c| c.id == content_item_id) {
            return Err(Error::not_found(ContentId::ENTITY, content_item_id));
        }
        let row = Analytics {
            id: AnalyticsId::new(),
            content_item_id,
            platform,
            engagement: u.engagement,
            website_visits: u.website_visits,
            lead_signups: u.lead_signups,
            demo_requests: u.demo_requests,
            attributed_revenue_cents: u.attributed_revenue_cents,
            last_updated: now,
        };
        if let Some(x) = s.analytics.iter_mut().find(|a| a.content_item_id == content_item_id && a.platform == platform) {
            *x = Analytics { id: x.id, ..row };
            return Ok(x.clone());
        }
        s.analytics.push(row.clone());
        Ok(row)
    }

    async fn get_analytics(&self, content_item_id: ContentId, platform: Platform) -> Result<Analytics> {
        self.lock()
            .analytics
            .iter()
            .find(|a| a.content_item_id == content_item_id && a.platform == platform)
            .cloned()
            .ok_or_else(|| Error::not_found("analytics row", format!("{content_item_id}/{platform}")))
    }

    async fn list_analytics(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Analytics>> {
        Ok(self.lock().analytics.iter().filter(|a| a.last_updated >= from && a.last_updated < until).cloned().collect())
    }
}
