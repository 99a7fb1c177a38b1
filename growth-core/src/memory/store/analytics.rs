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

    async fn set_analytics_engagement(
        &self,
        content_item_id: ContentId,
        platform: Platform,
        engagement: EngagementMetrics,
    ) -> Result<Analytics> {
        let now = self.now();
        let mut s = self.lock();
        let row = row_of(&mut s, content_item_id, platform, now)?;
        row.engagement = engagement;
        row.last_updated = now;
        Ok(row.clone())
    }

    async fn set_analytics_leads(&self, content_item_id: ContentId, platform: Platform, l: LeadCounters, basis: u64) -> Result<Analytics> {
        let now = self.now();
        let mut s = self.lock();
        let seen = s.measure.lead_basis.get(&(content_item_id, platform)).copied().unwrap_or(0);
        let row = row_of(&mut s, content_item_id, platform, now)?;
        if basis < seen {
            // Computed from fewer events than the last write: older, changes nothing.
            return Ok(row.clone());
        }
        row.website_visits = l.website_visits;
        row.lead_signups = l.lead_signups;
        row.demo_requests = l.demo_requests;
        row.attributed_revenue_cents = l.attributed_revenue_cents;
        row.last_updated = now;
        let out = row.clone();
        s.measure.lead_basis.insert((content_item_id, platform), basis);
        Ok(out)
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

/// The row for (item, platform), created with zero counters when missing.
fn row_of(s: &mut super::State, content_item_id: ContentId, platform: Platform, now: DateTime<Utc>) -> Result<&mut Analytics> {
    if !s.content.iter().any(|c| c.id == content_item_id) {
        return Err(Error::not_found(ContentId::ENTITY, content_item_id));
    }
    let at = match s.analytics.iter().position(|a| a.content_item_id == content_item_id && a.platform == platform) {
        Some(i) => i,
        None => {
            s.analytics.push(Analytics {
                id: AnalyticsId::new(),
                content_item_id,
                platform,
                engagement: EngagementMetrics::default(),
                website_visits: 0,
                lead_signups: 0,
                demo_requests: 0,
                attributed_revenue_cents: 0,
                last_updated: now,
            });
            s.analytics.len() - 1
        }
    };
    Ok(&mut s.analytics[at])
}
