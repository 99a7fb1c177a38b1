//! [`AnalyticsStore`](growth_core::store::AnalyticsStore): one row of counters per content item
//! and platform, replaced by each sync.

/// Implements `AnalyticsStore` for `$store` on `$db`.
macro_rules! impl_analytics_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use growth_core::domain::*;
            use growth_core::store::*;
            use growth_core::{Error, Result};

            use $crate::repo::{db_err, fetch_all, fetch_one_or_not_found, is_fk_violation, micros};
            use $crate::rows::AnalyticsRow;

            fn analytics_answer(r: std::result::Result<AnalyticsRow, sqlx::Error>, content_item_id: ContentId) -> Result<Analytics> {
                match r {
                    Ok(r) => r.try_into(),
                    Err(e) if is_fk_violation(&e) => Err(Error::not_found(ContentId::ENTITY, content_item_id)),
                    Err(sqlx::Error::Database(d)) if d.is_check_violation() => Err(Error::invalid("analytics counters cannot be negative")),
                    Err(e) => Err(db_err(e)),
                }
            }

            #[async_trait]
            impl AnalyticsStore for $store {
                async fn upsert_analytics(&self, content_item_id: ContentId, platform: Platform, u: AnalyticsUpdate) -> Result<Analytics> {
                    let r = sqlx::query_as::<$db, AnalyticsRow>(
                        "INSERT INTO analytics (id, content_item_id, platform, impressions, clicks, likes, comments, shares, website_visits,
                            lead_signups, demo_requests, attributed_revenue_cents, last_updated)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                         ON CONFLICT (content_item_id, platform) DO UPDATE SET impressions = excluded.impressions, clicks = excluded.clicks,
                            likes = excluded.likes, comments = excluded.comments, shares = excluded.shares, website_visits = excluded.website_visits,
                            lead_signups = excluded.lead_signups, demo_requests = excluded.demo_requests,
                            attributed_revenue_cents = excluded.attributed_revenue_cents, last_updated = excluded.last_updated
                         RETURNING *",
                    )
                    .bind(AnalyticsId::new().0)
                    .bind(content_item_id.0)
                    .bind(platform.as_str())
                    .bind(u.engagement.impressions)
                    .bind(u.engagement.clicks)
                    .bind(u.engagement.likes)
                    .bind(u.engagement.comments)
                    .bind(u.engagement.shares)
                    .bind(u.website_visits)
                    .bind(u.lead_signups)
                    .bind(u.demo_requests)
                    .bind(u.attributed_revenue_cents)
                    .bind(self.now())
                    .fetch_one(&self.pool)
                    .await;
                    analytics_answer(r, content_item_id)
                }

                async fn set_analytics_engagement(&self, content_item_id: ContentId, platform: Platform, e: EngagementMetrics) -> Result<Analytics> {
                    let r = sqlx::query_as::<$db, AnalyticsRow>(
                        "INSERT INTO analytics (id, content_item_id, platform, impressions, clicks, likes, comments, shares, last_updated)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                         ON CONFLICT (content_item_id, platform) DO UPDATE SET impressions = excluded.impressions, clicks = excluded.clicks,
                            likes = excluded.likes, comments = excluded.comments, shares = excluded.shares, last_updated = excluded.last_updated
                         RETURNING *",
                    )
                    .bind(AnalyticsId::new().0)
                    .bind(content_item_id.0)
                    .bind(platform.as_str())
                    .bind(e.impressions)
                    .bind(e.clicks)
                    .bind(e.likes)
                    .bind(e.comments)
                    .bind(e.shares)
                    .bind(self.now())
                    .fetch_one(&self.pool)
                    .await;
                    analytics_answer(r, content_item_id)
                }

                async fn set_analytics_leads(
                    &self,
                    content_item_id: ContentId,
                    platform: Platform,
                    l: LeadCounters,
                    basis: u64,
                ) -> Result<Analytics> {
                    // The guard makes it one atomic compare-and-set: a recomputation that read
                    // fewer events than the row's last one changes nothing.
                    let r = sqlx::query_as::<$db, AnalyticsRow>(
                        "INSERT INTO analytics (id, content_item_id, platform, website_visits, lead_signups, demo_requests,
                            attributed_revenue_cents, lead_basis, last_updated)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                         ON CONFLICT (content_item_id, platform) DO UPDATE SET website_visits = excluded.website_visits,
                            lead_signups = excluded.lead_signups, demo_requests = excluded.demo_requests,
                            attributed_revenue_cents = excluded.attributed_revenue_cents, lead_basis = excluded.lead_basis,
                            last_updated = excluded.last_updated
                         WHERE analytics.lead_basis <= excluded.lead_basis
                         RETURNING *",
                    )
                    .bind(AnalyticsId::new().0)
                    .bind(content_item_id.0)
                    .bind(platform.as_str())
                    .bind(l.website_visits)
                    .bind(l.lead_signups)
                    .bind(l.demo_requests)
                    .bind(l.attributed_revenue_cents)
                    .bind(i64::try_from(basis).unwrap_or(i64::MAX))
                    .bind(self.now())
                    .fetch_optional(&self.pool)
                    .await;
                    match r {
                        Ok(Some(row)) => row.try_into(),
                        // A newer recomputation is already there.
                        Ok(None) => self.get_analytics(content_item_id, platform).await,
                        Err(e) => analytics_answer(Err(e), content_item_id),
                    }
                }

                async fn get_analytics(&self, content_item_id: ContentId, platform: Platform) -> Result<Analytics> {
                    let q = sqlx::query_as::<$db, AnalyticsRow>("SELECT * FROM analytics WHERE content_item_id = $1 AND platform = $2")
                        .bind(content_item_id.0)
                        .bind(platform.as_str());
                    fetch_one_or_not_found(&self.pool, q, "analytics row", format!("{content_item_id}/{platform}")).await
                }

                async fn list_analytics(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Analytics>> {
                    let q = sqlx::query_as::<$db, AnalyticsRow>("SELECT * FROM analytics WHERE last_updated >= $1 AND last_updated < $2 ORDER BY last_updated, id")
                        .bind(micros(from))
                        .bind(micros(until));
                    fetch_all(&self.pool, q).await
                }
            }
        };
    };
}

pub(crate) use impl_analytics_store;
