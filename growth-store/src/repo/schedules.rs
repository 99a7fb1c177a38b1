//! [`ScheduleStore`](growth_core::store::ScheduleStore): schedules, their claims by publishing
//! workers, and the publishing log.

/// Implements `ScheduleStore` for `$store` on `$db`; `$skip_locked` ends the claim's sub-select.
macro_rules! impl_schedule_store {
    ($store:ty, $db:ty, skip_locked = $skip_locked:literal) => {
        const _: () = {
            use std::time::Duration;

            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use growth_core::domain::*;
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::QueryBuilder;
            use sqlx::types::Json;
            use uuid::Uuid;

            use $crate::repo::{push_list, Sweep, concurrently, db_err, fetch_all, fetch_one_or_not_found, is_fk_violation, is_unique_violation, lease_end, micros};
            use $crate::rows::{LogRow, ScheduleRow};

            /// Appends `l` to the publishing log through `executor`: the pool, or the transaction
            /// that records a publication.
            async fn insert_publish_log<'c, E>(executor: E, l: &NewPublishingLog, at: DateTime<Utc>) -> std::result::Result<LogRow, sqlx::Error>
            where
                E: sqlx::Executor<'c, Database = $db>,
            {
                sqlx::query_as::<$db, LogRow>(
                    "INSERT INTO publishing_logs (id, content_item_id, schedule_id, platform, status, request_payload, response_data, error_message, published_url, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
                )
                .bind(PublishLogId::new().0)
                .bind(l.content_item_id.0)
                .bind(l.schedule_id.map(|s| s.0))
                .bind(l.platform.as_str())
                .bind(l.status.as_str())
                .bind(Json(&l.request_payload))
                .bind(Json(&l.response_data))
                .bind(&l.error_message)
                .bind(&l.published_url)
                .bind(at)
                .fetch_one(executor)
                .await
            }

            /// `outcome` with its instants truncated to what both backends store exactly.
            fn micros_outcome(outcome: ScheduleOutcome) -> ScheduleOutcome {
                match outcome {
                    ScheduleOutcome::Retry { error, next_attempt_at } => ScheduleOutcome::Retry { error, next_attempt_at: micros(next_attempt_at) },
                    ScheduleOutcome::Deferred { reason, next_attempt_at } => ScheduleOutcome::Deferred { reason, next_attempt_at: micros(next_attempt_at) },
                    other => other,
                }
            }

            impl $store {
                /// `outcome` truncated to microseconds (for the attempt store).
                pub(crate) fn schedule_outcome_micros(outcome: ScheduleOutcome) -> ScheduleOutcome {
                    micros_outcome(outcome)
                }

                /// Writes `after` over `before` with a compare-and-set on the status and holder read.
                async fn write_schedule(&self, before: &Schedule, after: &Schedule) -> Result<Schedule> {
                    let row = sqlx::query_as::<$db, ScheduleRow>(
                        "UPDATE schedules SET scheduled_time = $2, status = $3, error_message = $4, retry_count = $5, next_attempt_at = $6,
                            claimed_by = $7, lease_expires_at = $8, platform_post_id = $9, published_url = $10, published_at = $11, updated_at = $12
                         WHERE id = $1 AND status = $13 AND COALESCE(claimed_by, '') = $14 AND attempt = $15 RETURNING *",
                    )
                    .bind(after.id.0)
                    .bind(after.scheduled_time)
                    .bind(after.status.as_str())
                    .bind(&after.error_message)
                    .bind(after.retry_count)
                    .bind(after.next_attempt_at)
                    .bind(&after.claimed_by)
                    .bind(after.lease_expires_at)
                    .bind(&after.platform_post_id)
                    .bind(&after.published_url)
                    .bind(after.published_at)
                    .bind(after.updated_at)
                    .bind(before.status.as_str())
                    .bind(before.claimed_by.clone().unwrap_or_default())
                    .bind(before.attempt)
                    .fetch_optional(&self.pool)
                    .await;
                    match row {
                        Ok(Some(r)) => r.try_into(),
                        Ok(None) => Err(concurrently("schedule", after.id)),
                        Err(e) if is_unique_violation(&e) => Err(Error::conflict(format!(
                            "content item {} already has an active schedule on {}",
                            after.content_item_id, after.platform
                        ))),
                        Err(e) => Err(db_err(e)),
                    }
                }
            }

            impl $store {
                /// Records one publication inside `tx` (schedule, item, log): `None`, with nothing
                /// written, when the schedule is neither claimed by `worker` nor `unknown`.
                #[allow(clippy::too_many_arguments, reason = "the publication's fields, borrowed")]
                pub(crate) async fn record_publication_in(
                    &self,
                    tx: &mut sqlx::Transaction<'static, $db>,
                    id: ScheduleId,
                    worker: &str,
                    platform_post_id: &Option<String>,
                    url: &Option<String>,
                    published_at: DateTime<Utc>,
                    l: &NewPublishingLog,
                    now: DateTime<Utc>,
                ) -> Result<Option<Schedule>> {
                    let row = sqlx::query_as::<$db, ScheduleRow>(
                        "UPDATE schedules SET status = 'published', platform_post_id = $3, published_url = $4, published_at = $5, error_message = NULL,
                            claimed_by = NULL, lease_expires_at = NULL, updated_at = $5
                         WHERE id = $1 AND ((status = 'claimed' AND claimed_by = $2) OR status = 'unknown') RETURNING *",
                    )
                    .bind(id.0)
                    .bind(worker)
                    .bind(platform_post_id)
                    .bind(url)
                    .bind(now)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db_err)?;
                    let Some(row) = row else { return Ok(None) };
                    let schedule: Schedule = row.try_into()?;
                    sqlx::query(
                        "UPDATE content_items SET status = 'published', published_url = COALESCE(published_url, $2), published_at = COALESCE(published_at, $3), updated_at = $4
                         WHERE id = $1 AND status IN ('scheduled', 'publishing')",
                    )
                    .bind(schedule.content_item_id.0)
                    .bind(url)
                    .bind(micros(published_at))
                    .bind(now)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                    insert_publish_log(&mut **tx, l, now).await.map_err(db_err)?;
                    Ok(Some(schedule))
                }
            }

            #[async_trait]
            impl ScheduleStore for $store {
                async fn create_schedule(&self, n: NewSchedule) -> Result<Schedule> {
                    validate_timezone(&n.timezone)?;
                    let now = self.now();
                    let r = sqlx::query_as::<$db, ScheduleRow>(
                        "INSERT INTO schedules (id, content_item_id, platform, scheduled_time, timezone, status, retry_count, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) RETURNING *",
                    )
                    .bind(ScheduleId::new().0)
                    .bind(n.content_item_id.0)
                    .bind(n.platform.as_str())
                    .bind(micros(n.scheduled_time))
                    .bind(&n.timezone)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await;
                    match r {
                        Ok(r) => r.try_into(),
                        Err(e) if is_fk_violation(&e) => Err(Error::not_found(ContentId::ENTITY, n.content_item_id)),
                        Err(e) if is_unique_violation(&e) => {
                            let active: Option<Uuid> = sqlx::query_scalar::<$db, Uuid>(
                                "SELECT id FROM schedules WHERE content_item_id = $1 AND platform = $2 AND status IN ('pending', 'claimed', 'unknown')",
                            )
                            .bind(n.content_item_id.0)
                            .bind(n.platform.as_str())
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db_err)?;
                            Err(Error::conflict(format!(
                                "content item {} already has an active schedule {} on {}",
                                n.content_item_id,
                                active.map(|u| u.to_string()).unwrap_or_default(),
                                n.platform
                            )))
                        }
                        Err(e) => Err(db_err(e)),
                    }
                }

                async fn get_schedule(&self, id: ScheduleId) -> Result<Schedule> {
                    let q = sqlx::query_as::<$db, ScheduleRow>("SELECT * FROM schedules WHERE id = $1").bind(id.0);
                    fetch_one_or_not_found(&self.pool, q, ScheduleId::ENTITY, id).await
                }

                async fn list_schedules(&self, f: &ScheduleFilter) -> Result<Vec<Schedule>> {
                    let mut q = QueryBuilder::<$db>::new("SELECT * FROM schedules WHERE 1 = 1");
                    if let Some(c) = f.content_item_id {
                        q.push(" AND content_item_id = ").push_bind(c.0);
                    }
                    if !f.statuses.is_empty() {
                        q.push(" AND status IN ");
                        push_list(&mut q, f.statuses.iter().map(|s| s.as_str()));
                    }
                    if let Some(t) = f.from {
                        q.push(" AND scheduled_time >= ").push_bind(micros(t));
                    }
                    if let Some(t) = f.until {
                        q.push(" AND scheduled_time < ").push_bind(micros(t));
                    }
                    q.push(" ORDER BY scheduled_time, id LIMIT ").push_bind(i64::from(page_limit(f.limit, 100, 1000)));
                    fetch_all(&self.pool, q.build_query_as::<ScheduleRow>()).await
                }

                async fn reschedule(&self, id: ScheduleId, at: DateTime<Utc>) -> Result<Schedule> {
                    let cur = self.get_schedule(id).await?;
                    let mut next = cur.clone();
                    match cur.status {
                        ScheduleStatus::Pending => {}
                        ScheduleStatus::Failed | ScheduleStatus::Unknown => next.status = cur.status.transition(ScheduleStatus::Pending)?,
                        other => return Err(Error::conflict(format!("schedule {id} is `{other}` and cannot be moved"))),
                    }
                    next.scheduled_time = micros(at);
                    next.claimed_by = None;
                    next.next_attempt_at = None;
                    next.error_message = None;
                    next.updated_at = self.now();
                    self.write_schedule(&cur, &next).await
                }

                async fn cancel_schedule(&self, id: ScheduleId) -> Result<Schedule> {
                    let cur = self.get_schedule(id).await?;
                    let mut next = cur.clone();
                    next.status = cur.status.transition(ScheduleStatus::Cancelled)?;
                    next.updated_at = self.now();
                    self.write_schedule(&cur, &next).await
                }

                async fn claim_due_schedules(&self, worker: &str, lease: Duration, limit: u32) -> Result<Vec<Schedule>> {
                    let now = self.now();
                    // A claim that lapsed may have sent the post: it needs reconciliation, never a resend.
                    // (The claim below only takes `pending` rows, so a late sweep can never cause a resend.)
                    if self.sweeps.due(Sweep::Schedules, now) {
                        sqlx::query::<$db>(
                            "UPDATE schedules SET status = 'unknown',
                                error_message = 'worker ' || COALESCE(claimed_by, '?') || ' lost its claim mid-publish; reconcile before sending again',
                                claimed_by = NULL, lease_expires_at = NULL, updated_at = $1
                             WHERE status = 'claimed' AND lease_expires_at < $1",
                        )
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    }
                    // The pick is a materialized CTE, evaluated once: a sub-select under `IN` may be
                    // rescanned by PostgreSQL's plan and, with `SKIP LOCKED`, claim far more than
                    // `limit` (a batch of 3 claimed 31), whose leases then lapse mid-batch.
                    let q = sqlx::query_as::<$db, ScheduleRow>(concat!(
                        "WITH picked AS MATERIALIZED (
                            SELECT id FROM schedules
                            WHERE status = 'pending' AND scheduled_time <= $1 AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
                            ORDER BY scheduled_time, id LIMIT $4",
                        $skip_locked,
                        ")
                         UPDATE schedules SET status = 'claimed', claimed_by = $2, lease_expires_at = $3, updated_at = $1
                         WHERE status = 'pending' AND id IN (SELECT id FROM picked) RETURNING *"
                    ))
                    .bind(now)
                    .bind(worker)
                    .bind(lease_end(now, lease))
                    .bind(i64::from(limit));
                    let mut claimed: Vec<Schedule> = fetch_all(&self.pool, q).await?;
                    claimed.sort_by(|a, b| a.scheduled_time.cmp(&b.scheduled_time).then(a.id.cmp(&b.id)));
                    Ok(claimed)
                }

                async fn finish_schedule(&self, id: ScheduleId, worker: &str, outcome: ScheduleOutcome) -> Result<Schedule> {
                    let cur = self.get_schedule(id).await?;
                    if cur.status == ScheduleStatus::Claimed && cur.claimed_by.as_deref() != Some(worker) {
                        return Err(Error::conflict(format!("schedule {id} is claimed by another worker")));
                    }
                    let next = cur.apply_outcome(micros_outcome(outcome), self.now())?;
                    self.write_schedule(&cur, &next).await
                }

                async fn record_publication(
                    &self,
                    id: ScheduleId,
                    worker: &str,
                    platform_post_id: Option<String>,
                    url: Option<String>,
                    published_at: DateTime<Utc>,
                    l: NewPublishingLog,
                ) -> Result<Schedule> {
                    let now = self.now();
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let recorded = self.record_publication_in(&mut tx, id, worker, &platform_post_id, &url, published_at, &l, now).await?;
                    let Some(schedule) = recorded else {
                        drop(tx);
                        let cur = self.get_schedule(id).await?;
                        return Err(Error::conflict(format!("schedule {id} is {} and not held by {worker}: the publication was not recorded", cur.status)));
                    };
                    tx.commit().await.map_err(db_err)?;
                    Ok(schedule)
                }

                async fn append_publish_log(&self, l: NewPublishingLog) -> Result<PublishingLog> {
                    match insert_publish_log(&self.pool, &l, self.now()).await {
                        Ok(r) => r.try_into(),
                        Err(e) if is_fk_violation(&e) => Err(Error::not_found(ContentId::ENTITY, l.content_item_id)),
                        Err(e) => Err(db_err(e)),
                    }
                }

                async fn list_publish_logs(&self, content_item_id: ContentId) -> Result<Vec<PublishingLog>> {
                    let q = sqlx::query_as::<$db, LogRow>("SELECT * FROM publishing_logs WHERE content_item_id = $1 ORDER BY created_at, id").bind(content_item_id.0);
                    fetch_all(&self.pool, q).await
                }
            }
        };
    };
}

pub(crate) use impl_schedule_store;
