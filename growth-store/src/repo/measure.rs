//! [`MeasureStore`](growth_core::store::MeasureStore): daily metric snapshots, leads and their
//! events, and the counts of the analytics summary (each one aggregate over an index).

use chrono::{DateTime, NaiveDate, Utc};
use growth_core::Error;
use growth_core::domain::{ContentId, Platform};
use growth_core::measure::utm::UtmParams;
use growth_core::measure::{Lead, LeadEvent, MetricsSnapshot, PostMetrics};
use sqlx::types::Json;
use uuid::Uuid;

use crate::rows::parse_col;

#[derive(sqlx::FromRow)]
pub(crate) struct SnapshotRow {
    content_item_id: Uuid,
    platform: String,
    day: NaiveDate,
    metrics: Json<PostMetrics>,
    reach: i64,
    engagements: i64,
    reach_delta: i64,
    engagements_delta: i64,
    captured_at: DateTime<Utc>,
}

impl TryFrom<SnapshotRow> for MetricsSnapshot {
    type Error = Error;
    fn try_from(r: SnapshotRow) -> Result<Self, Error> {
        Ok(MetricsSnapshot {
            content_item_id: r.content_item_id.into(),
            platform: parse_col("platform", &r.platform)?,
            day: r.day,
            metrics: r.metrics.0,
            reach: r.reach,
            engagements: r.engagements,
            reach_delta: r.reach_delta,
            engagements_delta: r.engagements_delta,
            captured_at: r.captured_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LeadRow {
    id: Uuid,
    email: String,
    first_seen_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    enrichment: Option<Json<serde_json::Value>>,
    segment: Option<String>,
    enriched_at: Option<DateTime<Utc>>,
}

impl TryFrom<LeadRow> for Lead {
    type Error = Error;
    fn try_from(r: LeadRow) -> Result<Self, Error> {
        Ok(Lead {
            id: r.id.into(),
            email: r.email,
            first_seen_at: r.first_seen_at,
            last_seen_at: r.last_seen_at,
            enrichment: r.enrichment.map(|j| j.0),
            segment: r.segment,
            enriched_at: r.enriched_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LeadEventRow {
    id: Uuid,
    lead_id: Uuid,
    #[allow(dead_code, reason = "selected with *; never shown")]
    idempotency_key: String,
    kind: String,
    url: Option<String>,
    utm: Option<Json<UtmParams>>,
    content_item_id: Option<Uuid>,
    platform: Option<String>,
    revenue_cents: i64,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
}

impl TryFrom<LeadEventRow> for LeadEvent {
    type Error = Error;
    fn try_from(r: LeadEventRow) -> Result<Self, Error> {
        Ok(LeadEvent {
            id: r.id.into(),
            lead_id: r.lead_id.into(),
            kind: parse_col("kind", &r.kind)?,
            url: r.url,
            utm: r.utm.map(|j| j.0),
            content_item_id: r.content_item_id.map(ContentId::from),
            platform: r.platform.as_deref().map(|p| parse_col::<Platform>("platform", p)).transpose()?,
            revenue_cents: r.revenue_cents,
            occurred_at: r.occurred_at,
            recorded_at: r.recorded_at,
        })
    }
}

/// Implements `MeasureStore` for `$store` on `$db`.
macro_rules! impl_measure_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use growth_core::domain::*;
            use growth_core::measure::{
                DailyReach, Lead, LeadEvent, LeadEventId, LeadId, MetricsSnapshot, NewLeadEvent, NewSnapshot, PostMetrics, SummaryCounts,
                TopPerformer,
            };
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::QueryBuilder;
            use sqlx::types::Json;

            use $crate::repo::measure::{LeadEventRow, LeadRow, SnapshotRow};
            use $crate::repo::{db_err, fetch_all, fetch_one, fetch_one_or_not_found, fetch_optional, is_fk_violation, micros, push_list};

            #[async_trait]
            impl MeasureStore for $store {
                async fn record_snapshot(&self, n: NewSnapshot) -> Result<MetricsSnapshot> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let snap = write_snapshot(&mut tx, self.now(), n).await?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(snap)
                }

                async fn add_to_snapshot(&self, item: ContentId, platform: Platform, day: NaiveDate, added: PostMetrics) -> Result<MetricsSnapshot> {
                    let now = self.now();
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    // The item's analytics row first: writing it locks it (PostgreSQL's row lock,
                    // SQLite's single writer), so adders to one (item, platform) go in turn and
                    // each reads the sum the one before it wrote.
                    let locked = sqlx::query::<$db>(
                        "INSERT INTO analytics (id, content_item_id, platform, last_updated) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (content_item_id, platform) DO UPDATE SET last_updated = excluded.last_updated",
                    )
                    .bind(AnalyticsId::new().0)
                    .bind(item.0)
                    .bind(platform.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await;
                    match locked {
                        Ok(_) => {}
                        Err(e) if is_fk_violation(&e) => return Err(Error::not_found(ContentId::ENTITY, item)),
                        Err(e) => return Err(db_err(e)),
                    }
                    let before: Option<Json<PostMetrics>> = sqlx::query_scalar::<$db, Json<PostMetrics>>(
                        "SELECT metrics FROM metric_snapshots WHERE content_item_id = $1 AND platform = $2 ORDER BY day DESC LIMIT 1",
                    )
                    .bind(item.0)
                    .bind(platform.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let metrics = before.map(|b| b.0).unwrap_or_default().plus(&added);
                    let snap = write_snapshot(&mut tx, now, NewSnapshot { content_item_id: item, platform, day, metrics }).await?;
                    let e = metrics.to_engagement();
                    sqlx::query::<$db>(
                        "UPDATE analytics SET impressions = $3, clicks = $4, likes = $5, comments = $6, shares = $7
                         WHERE content_item_id = $1 AND platform = $2",
                    )
                    .bind(item.0)
                    .bind(platform.as_str())
                    .bind(e.impressions)
                    .bind(e.clicks)
                    .bind(e.likes)
                    .bind(e.comments)
                    .bind(e.shares)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(snap)
                }

                async fn list_snapshots(&self, content_item_id: ContentId) -> Result<Vec<MetricsSnapshot>> {
                    let q = sqlx::query_as::<$db, SnapshotRow>("SELECT * FROM metric_snapshots WHERE content_item_id = $1 ORDER BY day, platform")
                        .bind(content_item_id.0);
                    fetch_all(&self.pool, q).await
                }

                async fn daily_reach(&self, from: NaiveDate, until: NaiveDate) -> Result<Vec<DailyReach>> {
                    let rows: Vec<(NaiveDate, i64, i64)> = sqlx::query_as::<$db, (NaiveDate, i64, i64)>(
                        "SELECT day, reach, engagements FROM metric_daily_totals WHERE day >= $1 AND day < $2 AND snapshots > 0 ORDER BY day",
                    )
                    .bind(from)
                    .bind(until)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    Ok(rows.into_iter().map(|(day, reach, engagements)| DailyReach { day, reach, engagements }).collect())
                }

                async fn record_lead_event(&self, n: NewLeadEvent) -> Result<Stored<(Lead, LeadEvent)>> {
                    let email = normalize_email(&n.email)?;
                    if let Some(found) = self.find_lead_event(&n.idempotency_key).await? {
                        return Ok(Stored { value: found, created: false });
                    }
                    let now = self.now();
                    let at = micros(n.occurred_at);
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    // A new lead: inserted here, one more new lead on its day.
                    let inserted: Option<Lead> = fetch_optional(
                        &mut *tx,
                        sqlx::query_as::<$db, LeadRow>(
                            "INSERT INTO leads (id, email, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3)
                             ON CONFLICT (email) DO NOTHING RETURNING *",
                        )
                        .bind(LeadId::new().0)
                        .bind(&email)
                        .bind(at),
                    )
                    .await?;
                    let lead = match inserted {
                        Some(lead) => {
                            bump_new_leads(&mut tx, &[(at.date_naive(), 1)]).await?;
                            lead
                        }
                        None => {
                            // A known lead (or one a concurrent writer just inserted: the insert
                            // above waited for it). This update locks its row (PostgreSQL's row
                            // lock, SQLite's single writer) and answers the `first_seen_at` no
                            // other writer can move until this transaction ends.
                            let seen: Lead = fetch_one(
                                &mut *tx,
                                sqlx::query_as::<$db, LeadRow>(
                                    "UPDATE leads SET last_seen_at = CASE WHEN $2 > last_seen_at THEN $2 ELSE last_seen_at END
                                     WHERE email = $1 RETURNING *",
                                )
                                .bind(&email)
                                .bind(at),
                            )
                            .await?;
                            if at < seen.first_seen_at {
                                // An earlier touch arrived late: the lead was new on an earlier day.
                                let moved: Lead = fetch_one(
                                    &mut *tx,
                                    sqlx::query_as::<$db, LeadRow>("UPDATE leads SET first_seen_at = $2 WHERE id = $1 RETURNING *")
                                        .bind(seen.id.0)
                                        .bind(at),
                                )
                                .await?;
                                let (old_day, new_day) = (seen.first_seen_at.date_naive(), at.date_naive());
                                if old_day != new_day {
                                    // Earliest day first, like every writer: no two lock the days in
                                    // opposite orders.
                                    bump_new_leads(&mut tx, &[(new_day, 1), (old_day, -1)]).await?;
                                }
                                moved
                            } else {
                                seen
                            }
                        }
                    };
                    let r = sqlx::query_as::<$db, LeadEventRow>(
                        "INSERT INTO lead_events (id, lead_id, idempotency_key, kind, url, utm, content_item_id, platform, revenue_cents,
                            occurred_at, recorded_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                         ON CONFLICT (idempotency_key) DO NOTHING RETURNING *",
                    )
                    .bind(LeadEventId::new().0)
                    .bind(lead.id.0)
                    .bind(&n.idempotency_key)
                    .bind(n.kind.as_str())
                    .bind(&n.url)
                    .bind(n.utm.as_ref().map(Json))
                    .bind(n.content_item_id.map(|c| c.0))
                    .bind(n.platform.map(|p| p.as_str().to_owned()))
                    .bind(n.revenue_cents)
                    .bind(at)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await;
                    match r {
                        Ok(Some(row)) => {
                            tx.commit().await.map_err(db_err)?;
                            Ok(Stored { value: (lead, row.try_into()?), created: true })
                        }
                        Ok(None) => {
                            // Delivered twice at once: the other delivery won; this one writes nothing.
                            drop(tx);
                            let found = self.find_lead_event(&n.idempotency_key).await?;
                            found.map(|value| Stored { value, created: false }).ok_or_else(|| Error::conflict("lead event delivered concurrently"))
                        }
                        Err(e) if is_fk_violation(&e) => {
                            Err(Error::not_found(ContentId::ENTITY, n.content_item_id.map(|c| c.to_string()).unwrap_or_default()))
                        }
                        Err(e) => Err(db_err(e)),
                    }
                }

                async fn get_lead(&self, id: LeadId) -> Result<Lead> {
                    let q = sqlx::query_as::<$db, LeadRow>("SELECT * FROM leads WHERE id = $1").bind(id.0);
                    fetch_one_or_not_found(&self.pool, q, LeadId::ENTITY, id).await
                }

                async fn list_leads(&self, from: DateTime<Utc>, until: DateTime<Utc>, limit: u32, offset: u32) -> Result<Vec<Lead>> {
                    let q = sqlx::query_as::<$db, LeadRow>(
                        "SELECT * FROM leads WHERE last_seen_at >= $1 AND last_seen_at < $2 ORDER BY last_seen_at DESC, id DESC LIMIT $3 OFFSET $4",
                    )
                    .bind(micros(from))
                    .bind(micros(until))
                    .bind(i64::from(page_limit(limit, 100, 1000)))
                    .bind(i64::from(offset));
                    fetch_all(&self.pool, q).await
                }

                async fn count_leads(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<u64> {
                    let n: i64 = sqlx::query_scalar::<$db, i64>("SELECT COUNT(*) FROM leads WHERE last_seen_at >= $1 AND last_seen_at < $2")
                        .bind(micros(from))
                        .bind(micros(until))
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(u64::try_from(n).unwrap_or(0))
                }

                async fn list_lead_events(&self, lead_ids: &[LeadId]) -> Result<Vec<LeadEvent>> {
                    if lead_ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut q = QueryBuilder::<$db>::new("SELECT * FROM lead_events WHERE lead_id IN ");
                    push_list(&mut q, lead_ids.iter().map(|l| l.0));
                    q.push(" ORDER BY occurred_at, id");
                    fetch_all(&self.pool, q.build_query_as::<LeadEventRow>()).await
                }

                async fn list_item_lead_events(&self, content_item_id: ContentId) -> Result<Vec<LeadEvent>> {
                    let q = sqlx::query_as::<$db, LeadEventRow>(
                        "SELECT * FROM lead_events WHERE lead_id IN (SELECT lead_id FROM lead_events WHERE content_item_id = $1)
                         ORDER BY occurred_at, id",
                    )
                    .bind(content_item_id.0);
                    fetch_all(&self.pool, q).await
                }

                async fn set_lead_enrichment(&self, id: LeadId, enrichment: serde_json::Value, segment: Option<String>) -> Result<Lead> {
                    let q = sqlx::query_as::<$db, LeadRow>(
                        "UPDATE leads SET enrichment = $2, segment = COALESCE($3, segment), enriched_at = $4 WHERE id = $1 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(Json(&enrichment))
                    .bind(segment)
                    .bind(self.now());
                    fetch_one_or_not_found(&self.pool, q, LeadId::ENTITY, id).await
                }

                async fn summary_counts(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<SummaryCounts> {
                    let (from, until) = (micros(from), micros(until));
                    // Independent aggregates, each over its own index: run them at once.
                    let posts = async {
                        sqlx::query_scalar::<$db, i64>(
                            "SELECT COUNT(*) FROM schedules WHERE status = 'published' AND published_at >= $1 AND published_at < $2",
                        )
                        .bind(from)
                        .bind(until)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)
                    };
                    let sums = async {
                        sqlx::query_as::<$db, (i64, i64)>(
                            "SELECT CAST(COALESCE(SUM(reach), 0) AS BIGINT), CAST(COALESCE(SUM(engagements), 0) AS BIGINT)
                             FROM metric_daily_totals WHERE day >= $1 AND day < $2",
                        )
                        .bind(from.date_naive())
                        .bind(until.date_naive())
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)
                    };
                    let new_leads = async {
                        // Whole days from the per-day rollup (a year is 365 rows, not one index
                        // entry per lead); a partial day at either end from the leads' index.
                        let split = growth_core::measure::DaySplit::of(from, until);
                        let [(h0, h1), (t0, t1)] = split.edges();
                        sqlx::query_scalar::<$db, i64>(
                            "SELECT CAST((SELECT COALESCE(SUM(new_leads), 0) FROM lead_daily_counts WHERE day >= $1 AND day < $2) AS BIGINT)
                                + (SELECT COUNT(*) FROM leads WHERE first_seen_at >= $3 AND first_seen_at < $4)
                                + (SELECT COUNT(*) FROM leads WHERE first_seen_at >= $5 AND first_seen_at < $6)",
                        )
                        .bind(split.first_day)
                        .bind(split.end_day)
                        .bind(h0)
                        .bind(h1)
                        .bind(t0)
                        .bind(t1)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)
                    };
                    let top = async {
                        let top: Option<(uuid::Uuid, i64)> = sqlx::query_as::<$db, (uuid::Uuid, i64)>(
                            "SELECT content_item_id, CAST(SUM(likes) AS BIGINT) AS total FROM analytics
                             WHERE content_item_id IN (SELECT content_item_id FROM schedules
                                WHERE status = 'published' AND published_at >= $1 AND published_at < $2)
                             GROUP BY content_item_id ORDER BY total DESC, content_item_id LIMIT 1",
                        )
                        .bind(from)
                        .bind(until)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                        match top {
                            None => Ok::<_, Error>(None),
                            Some((id, likes)) => {
                                let (title, url): (Option<String>, Option<String>) = sqlx::query_as::<$db, (Option<String>, Option<String>)>(
                                    "SELECT title, published_url FROM content_items WHERE id = $1",
                                )
                                .bind(id)
                                .fetch_one(&self.pool)
                                .await
                                .map_err(db_err)?;
                                Ok(Some(TopPerformer { content_id: id.into(), title, likes, url }))
                            }
                        }
                    };
                    let by_type = async {
                        sqlx::query_as::<$db, (String, i64)>(
                            "SELECT content_type, COUNT(*) FROM content_items
                             WHERE status IN ('approved', 'scheduled', 'publishing', 'published') AND updated_at >= $1 AND updated_at < $2
                             GROUP BY content_type ORDER BY content_type",
                        )
                        .bind(from)
                        .bind(until)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)
                    };
                    let edits = async {
                        sqlx::query_as::<$db, (uuid::Uuid, DateTime<Utc>)>(
                            "SELECT e.content_item_id, e.created_at FROM content_edits e JOIN content_items c ON c.id = e.content_item_id
                             WHERE c.status IN ('approved', 'scheduled', 'publishing', 'published') AND c.updated_at >= $1 AND c.updated_at < $2",
                        )
                        .bind(from)
                        .bind(until)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)
                    };
                    let (posts, (reach, engagements), new_leads, top_performer, by_type, edits) =
                        futures::try_join!(posts, sums, new_leads, top, by_type, edits)?;
                    let mut approved_by_type = Vec::with_capacity(by_type.len());
                    for (t, n) in by_type {
                        approved_by_type.push((t.parse::<ContentType>()?, u64::try_from(n).unwrap_or(0)));
                    }
                    approved_by_type.sort();
                    let mut spans: std::collections::HashMap<uuid::Uuid, (DateTime<Utc>, DateTime<Utc>)> = std::collections::HashMap::new();
                    for (id, at) in edits {
                        let e = spans.entry(id).or_insert((at, at));
                        e.0 = e.0.min(at);
                        e.1 = e.1.max(at);
                    }
                    Ok(SummaryCounts {
                        posts_published: u64::try_from(posts).unwrap_or(0),
                        total_reach: reach,
                        total_engagements: engagements,
                        new_leads: u64::try_from(new_leads).unwrap_or(0),
                        top_performer,
                        approved_by_type,
                        review_seconds: spans.values().map(|(a, b)| (*b - *a).num_seconds()).sum(),
                    })
                }

                async fn list_published(&self, since: DateTime<Utc>, until: DateTime<Utc>, limit: u32, offset: u32) -> Result<Vec<Schedule>> {
                    let q = sqlx::query_as::<$db, $crate::rows::ScheduleRow>(
                        "SELECT * FROM schedules WHERE status = 'published' AND published_at >= $1 AND published_at < $2
                         ORDER BY published_at, id LIMIT $3 OFFSET $4",
                    )
                    .bind(micros(since))
                    .bind(micros(until))
                    .bind(i64::from(page_limit(limit, 500, 1000)))
                    .bind(i64::from(offset));
                    fetch_all(&self.pool, q).await
                }
            }

            #[async_trait]
            impl growth_core::measure::CallBudgetStore for $store {
                async fn take_budget(&self, day: NaiveDate, counters: &[(String, u32)], calls: u32) -> Result<bool> {
                    if counters.iter().any(|(_, limit)| calls > *limit) {
                        return Ok(false);
                    }
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    for (counter, limit) in counters {
                        // One atomic statement per counter: no read-add-write a concurrent taker
                        // could interleave with. No row back: the limit would be passed.
                        let used: Option<i64> = sqlx::query_scalar::<$db, i64>(
                            "INSERT INTO call_budget_usage (day, counter, used) VALUES ($1, $2, $3)
                             ON CONFLICT (day, counter) DO UPDATE SET used = call_budget_usage.used + excluded.used
                             WHERE call_budget_usage.used + excluded.used <= $4
                             RETURNING used",
                        )
                        .bind(day)
                        .bind(counter)
                        .bind(i64::from(calls))
                        .bind(i64::from(*limit))
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_err)?;
                        if used.is_none() {
                            // Rolled back: the counters taken before this one are given back.
                            return Ok(false);
                        }
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(true)
                }

                async fn budget_used(&self, day: NaiveDate, counter: &str) -> Result<u64> {
                    let used: Option<i64> =
                        sqlx::query_scalar::<$db, i64>("SELECT used FROM call_budget_usage WHERE day = $1 AND counter = $2")
                            .bind(day)
                            .bind(counter)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db_err)?;
                    Ok(used.map_or(0, |u| u64::try_from(u).unwrap_or(0)))
                }
            }

            /// Writes `n` and adds its change to the day's rollup row, inside `tx`.
            async fn write_snapshot(tx: &mut sqlx::Transaction<'static, $db>, now: DateTime<Utc>, n: NewSnapshot) -> Result<MetricsSnapshot> {
                // The day's rollup row first: writing it locks it (PostgreSQL's row lock,
                // SQLite's single writer), so writers of one day add their changes in turn
                // and the rollup stays the exact sum of the day's snapshots.
                sqlx::query::<$db>(
                    "INSERT INTO metric_daily_totals (day, snapshots, reach, engagements) VALUES ($1, 0, 0, 0)
                     ON CONFLICT (day) DO UPDATE SET snapshots = metric_daily_totals.snapshots",
                )
                .bind(n.day)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                let replaced: Option<(i64, i64)> = sqlx::query_as::<$db, (i64, i64)>(
                    "SELECT reach_delta, engagements_delta FROM metric_snapshots WHERE content_item_id = $1 AND platform = $2 AND day = $3",
                )
                .bind(n.content_item_id.0)
                .bind(n.platform.as_str())
                .bind(n.day)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_err)?;
                let previous: Option<(i64, i64)> = sqlx::query_as::<$db, (i64, i64)>(
                    "SELECT reach, engagements FROM metric_snapshots WHERE content_item_id = $1 AND platform = $2 AND day < $3
                     ORDER BY day DESC LIMIT 1",
                )
                .bind(n.content_item_id.0)
                .bind(n.platform.as_str())
                .bind(n.day)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_err)?;
                let (pr, pe) = previous.unwrap_or((0, 0));
                let (reach, engagements) = (n.reach(), n.engagements());
                let r = sqlx::query_as::<$db, SnapshotRow>(
                    "INSERT INTO metric_snapshots (content_item_id, platform, day, metrics, reach, engagements, reach_delta,
                        engagements_delta, captured_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (content_item_id, platform, day) DO UPDATE SET metrics = excluded.metrics, reach = excluded.reach,
                        engagements = excluded.engagements, reach_delta = excluded.reach_delta,
                        engagements_delta = excluded.engagements_delta, captured_at = excluded.captured_at
                     RETURNING *",
                )
                .bind(n.content_item_id.0)
                .bind(n.platform.as_str())
                .bind(n.day)
                .bind(Json(&n.metrics))
                .bind(reach)
                .bind(engagements)
                .bind(reach - pr)
                .bind(engagements - pe)
                .bind(now)
                .fetch_one(&mut **tx)
                .await;
                let row = match r {
                    Ok(r) => r,
                    Err(e) if is_fk_violation(&e) => return Err(Error::not_found(ContentId::ENTITY, n.content_item_id)),
                    Err(e) => return Err(db_err(e)),
                };
                let snap: MetricsSnapshot = row.try_into()?;
                let (old_r, old_e) = replaced.unwrap_or((0, 0));
                sqlx::query::<$db>(
                    "UPDATE metric_daily_totals SET snapshots = snapshots + $2, reach = reach + $3, engagements = engagements + $4
                     WHERE day = $1",
                )
                .bind(n.day)
                .bind(i64::from(replaced.is_none()))
                .bind(snap.reach_delta - old_r)
                .bind(snap.engagements_delta - old_e)
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
                Ok(snap)
            }

            /// Adds `(day, n)` to the per-day new-lead counts, in the given order (earliest day
            /// first), each one atomic statement.
            async fn bump_new_leads(tx: &mut sqlx::Transaction<'static, $db>, days: &[(NaiveDate, i64)]) -> Result<()> {
                for (day, n) in days {
                    // A decrement's day was counted, so its row exists (and a negative insert
                    // candidate would fail PostgreSQL's check before the conflict is seen).
                    let sql = if *n < 0 {
                        "UPDATE lead_daily_counts SET new_leads = new_leads + $2 WHERE day = $1"
                    } else {
                        "INSERT INTO lead_daily_counts (day, new_leads) VALUES ($1, $2)
                         ON CONFLICT (day) DO UPDATE SET new_leads = lead_daily_counts.new_leads + excluded.new_leads"
                    };
                    sqlx::query::<$db>(sql)
                    .bind(*day)
                    .bind(*n)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                }
                Ok(())
            }

            impl $store {
                async fn find_lead_event(&self, key: &str) -> Result<Option<(Lead, LeadEvent)>> {
                    let event: Option<LeadEvent> =
                        fetch_optional(&self.pool, sqlx::query_as::<$db, LeadEventRow>("SELECT * FROM lead_events WHERE idempotency_key = $1").bind(key))
                            .await?;
                    match event {
                        None => Ok(None),
                        Some(e) => Ok(Some((self.get_lead(e.lead_id).await?, e))),
                    }
                }
            }
        };
    };
}

pub(crate) use impl_measure_store;
