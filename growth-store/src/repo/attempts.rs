//! [`PublishAttemptStore`](growth_core::store::PublishAttemptStore): approvals in one
//! transaction, claims by id, sends recorded before they leave, outcomes compared-and-set on the
//! attempt number, and reconciliation claims.

/// Implements `PublishAttemptStore` for `$store` on `$db`; `$skip_locked` ends the claims' sub-select.
macro_rules! impl_attempt_store {
    ($store:ty, $db:ty, skip_locked = $skip_locked:literal) => {
        const _: () = {
            use std::time::Duration;

            use async_trait::async_trait;
            use growth_core::domain::*;
            use growth_core::store::*;
            use growth_core::{Error, Result};

            use $crate::repo::{db_err, fetch_all, fetch_optional, is_fk_violation, is_unique_violation, lease_end, micros};
            use $crate::rows::{ContentRow, ScheduleRow};

            #[async_trait]
            impl PublishAttemptStore for $store {
                async fn approve_and_schedule(&self, approvals: &[ApprovalWrite]) -> Result<Vec<(ContentItem, Schedule)>> {
                    for a in approvals {
                        validate_timezone(&a.timezone)?;
                    }
                    let now = self.now();
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let mut out = Vec::with_capacity(approvals.len());
                    for a in approvals {
                        let row = sqlx::query_as::<$db, ContentRow>(
                            "UPDATE content_items SET status = 'scheduled', scheduled_publish_time = $2, updated_at = $3
                             WHERE id = $1 AND status IN ('in_review', 'approved') RETURNING *",
                        )
                        .bind(a.content_item_id.0)
                        .bind(micros(a.scheduled_time))
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_err)?;
                        let Some(row) = row else {
                            // Dropping the transaction rolls back whatever was written.
                            let status: Option<String> = sqlx::query_scalar::<$db, String>("SELECT status FROM content_items WHERE id = $1")
                                .bind(a.content_item_id.0)
                                .fetch_optional(&mut *tx)
                                .await
                                .map_err(db_err)?;
                            return Err(match status {
                                None => Error::not_found(ContentId::ENTITY, a.content_item_id),
                                Some(st) => Error::conflict(format!("content {} is {st}; only an item in review can be approved", a.content_item_id)),
                            });
                        };
                        let item: ContentItem = row.try_into()?;
                        let r = sqlx::query_as::<$db, ScheduleRow>(
                            "INSERT INTO schedules (id, content_item_id, platform, scheduled_time, timezone, status, retry_count, attempt, created_at, updated_at)
                             VALUES ($1, $2, $3, $4, $5, 'pending', 0, 0, $6, $6) RETURNING *",
                        )
                        .bind(ScheduleId::new().0)
                        .bind(a.content_item_id.0)
                        .bind(a.platform.as_str())
                        .bind(micros(a.scheduled_time))
                        .bind(&a.timezone)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await;
                        let schedule: Schedule = match r {
                            Ok(r) => r.try_into()?,
                            Err(e) if is_unique_violation(&e) => {
                                return Err(Error::conflict(format!(
                                    "content item {} already has an active schedule on {}",
                                    a.content_item_id, a.platform
                                )));
                            }
                            Err(e) if is_fk_violation(&e) => return Err(Error::not_found(ContentId::ENTITY, a.content_item_id)),
                            Err(e) => return Err(db_err(e)),
                        };
                        out.push((item, schedule));
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(out)
                }

                async fn claim_schedule(&self, id: ScheduleId, worker: &str, lease: Duration) -> Result<Option<Schedule>> {
                    let now = self.now();
                    let q = sqlx::query_as::<$db, ScheduleRow>(
                        "UPDATE schedules SET status = 'claimed', claimed_by = $2, lease_expires_at = $3, updated_at = $4
                         WHERE id = $1 AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $4) RETURNING *",
                    )
                    .bind(id.0)
                    .bind(worker)
                    .bind(lease_end(now, lease))
                    .bind(now);
                    match fetch_optional::<_, _, _, Schedule, _>(&self.pool, q).await? {
                        Some(s) => Ok(Some(s)),
                        None => self.get_schedule(id).await.map(|_| None),
                    }
                }

                async fn start_attempt(&self, id: ScheduleId, worker: &str) -> Result<Schedule> {
                    let now = self.now();
                    let q = sqlx::query_as::<$db, ScheduleRow>(
                        "UPDATE schedules SET attempt = attempt + 1, last_attempt_at = $3, updated_at = $3
                         WHERE id = $1 AND status = 'claimed' AND claimed_by = $2 AND lease_expires_at > $3 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(worker)
                    .bind(now);
                    match fetch_optional::<_, _, _, Schedule, _>(&self.pool, q).await? {
                        Some(s) => Ok(s),
                        None => {
                            let cur = self.get_schedule(id).await?;
                            Err(Error::conflict(format!("schedule {id} is {} and not held by {worker}: nothing may be sent", cur.status)))
                        }
                    }
                }

                async fn finish_attempt(&self, id: ScheduleId, worker: &str, attempt: i32, outcome: ScheduleOutcome) -> Result<Schedule> {
                    let cur = self.get_schedule(id).await?;
                    if cur.attempt != attempt {
                        return Err(Error::conflict(format!("schedule {id} is at attempt {}, not {attempt}: a newer attempt is under way", cur.attempt)));
                    }
                    if cur.status == ScheduleStatus::Claimed && cur.claimed_by.as_deref() != Some(worker) {
                        return Err(Error::conflict(format!("schedule {id} is claimed by another worker")));
                    }
                    let next = cur.apply_outcome(<$store>::schedule_outcome_micros(outcome), self.now())?;
                    // The write compares status, holder and attempt with what was read.
                    self.write_schedule(&cur, &next).await
                }

                async fn claim_unknown(&self, worker: &str, lease: Duration, limit: u32) -> Result<Vec<Schedule>> {
                    let now = self.now();
                    // The pick is a materialized CTE, evaluated once: a sub-select under `IN` may be
                    // rescanned by PostgreSQL's plan and, with `SKIP LOCKED`, hand out more than `limit`.
                    let q = sqlx::query_as::<$db, ScheduleRow>(concat!(
                        "WITH picked AS MATERIALIZED (
                            SELECT id FROM schedules
                            WHERE status = 'unknown' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
                            ORDER BY updated_at, id LIMIT $4",
                        $skip_locked,
                        ")
                         UPDATE schedules SET claimed_by = $2, next_attempt_at = $3, updated_at = $1
                         WHERE status = 'unknown' AND id IN (SELECT id FROM picked) AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
                         RETURNING *"
                    ))
                    .bind(now)
                    .bind(worker)
                    .bind(lease_end(now, lease))
                    .bind(i64::from(limit));
                    let mut claimed: Vec<Schedule> = fetch_all(&self.pool, q).await?;
                    claimed.sort_by(|a, b| a.updated_at.cmp(&b.updated_at).then(a.id.cmp(&b.id)));
                    Ok(claimed)
                }

                async fn return_to_review(&self, id: ContentId) -> Result<(ContentItem, Vec<Schedule>)> {
                    let now = self.now();
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    // Lock the item first (PostgreSQL): a concurrent claim of its schedule then waits.
                    let row = sqlx::query_as::<$db, ContentRow>(
                        "UPDATE content_items SET status = 'in_review', scheduled_publish_time = NULL, updated_at = $2
                         WHERE id = $1 AND status IN ('approved', 'scheduled') RETURNING *",
                    )
                    .bind(id.0)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let Some(row) = row else {
                        let status: Option<String> = sqlx::query_scalar::<$db, String>("SELECT status FROM content_items WHERE id = $1")
                            .bind(id.0)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(db_err)?;
                        return Err(match status {
                            None => Error::not_found(ContentId::ENTITY, id),
                            Some(st) => Error::conflict(format!("content {id} is {st}; only an approved or scheduled item goes back to review")),
                        });
                    };
                    let busy: Option<(uuid::Uuid, String)> = sqlx::query_as::<$db, (uuid::Uuid, String)>(
                        "SELECT id, status FROM schedules WHERE content_item_id = $1 AND status IN ('claimed', 'unknown') LIMIT 1",
                    )
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    if let Some((sid, st)) = busy {
                        // Dropping the transaction rolls the item back.
                        return Err(Error::conflict(format!(
                            "schedule {sid} of content {id} is {st}: a publish may be in flight; wait for it or resolve it first"
                        )));
                    }
                    let cancelled: Vec<ScheduleRow> = sqlx::query_as::<$db, ScheduleRow>(
                        "UPDATE schedules SET status = 'cancelled', updated_at = $2 WHERE content_item_id = $1 AND status = 'pending' RETURNING *",
                    )
                    .bind(id.0)
                    .bind(now)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    tx.commit().await.map_err(db_err)?;
                    let cancelled = cancelled.into_iter().map(Schedule::try_from).collect::<Result<Vec<_>>>()?;
                    Ok((row.try_into()?, cancelled))
                }

                async fn start_attempts(&self, ids: &[ScheduleId], worker: &str) -> Result<Vec<Result<Schedule>>> {
                    let now = self.now();
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let mut out = Vec::with_capacity(ids.len());
                    for id in ids {
                        let row = sqlx::query_as::<$db, ScheduleRow>(
                            "UPDATE schedules SET attempt = attempt + 1, last_attempt_at = $3, updated_at = $3
                             WHERE id = $1 AND status = 'claimed' AND claimed_by = $2 AND lease_expires_at > $3 RETURNING *",
                        )
                        .bind(id.0)
                        .bind(worker)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_err)?;
                        out.push(match row {
                            Some(r) => r.try_into(),
                            None => Err(Error::conflict(format!("schedule {id} is not claimed by {worker} with a live lease: nothing may be sent"))),
                        });
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(out)
                }

                async fn record_publications(&self, worker: &str, batch: Vec<PublicationRecord>) -> Result<Vec<Result<Schedule>>> {
                    let now = self.now();
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let mut out = Vec::with_capacity(batch.len());
                    for r in &batch {
                        let recorded =
                            self.record_publication_in(&mut tx, r.schedule_id, worker, &r.platform_post_id, &r.url, r.published_at, &r.log, now).await?;
                        out.push(recorded.ok_or_else(|| {
                            Error::conflict(format!("schedule {} is not held by {worker}: the publication was not recorded", r.schedule_id))
                        }));
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(out)
                }
            }
        };
    };
}

pub(crate) use impl_attempt_store;
