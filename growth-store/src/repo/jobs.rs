//! [`JobQueue`](growth_core::jobs::JobQueue): the database-backed job queue — leases, heartbeats,
//! retries with a dead state that stays visible.

/// Implements `JobQueue` for `$store` on `$db`; `$skip_locked` ends the claim's sub-select.
macro_rules! impl_job_queue {
    ($store:ty, $db:ty, skip_locked = $skip_locked:literal) => {
        const _: () = {
            use std::time::Duration;

            use async_trait::async_trait;
            use growth_core::domain::*;
            use growth_core::jobs::JobQueue;
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::QueryBuilder;
            use sqlx::types::Json;

            use $crate::repo::{push_list, Sweep, db_err, fetch_all, fetch_one_or_not_found, fetch_optional, lease_end, micros};
            use $crate::rows::JobRow;

            impl $store {
                /// `NotFound` when the job does not exist, else the conflict of not holding it.
                async fn not_held(&self, id: JobId, worker: &str) -> Error {
                    match self.get_job(id).await {
                        Ok(j) => Error::conflict(format!("job {id} is not held by worker {worker} (it is `{}`)", j.status)),
                        Err(e) => e,
                    }
                }
            }

            #[async_trait]
            impl JobQueue for $store {
                async fn enqueue(&self, n: NewJob) -> Result<Stored<Job>> {
                    if n.max_attempts < 1 {
                        return Err(Error::invalid_field("max_attempts", "must be at least 1"));
                    }
                    let now = self.now();
                    let q = sqlx::query_as::<$db, JobRow>(
                        "INSERT INTO jobs (id, kind, payload, status, progress, attempts, max_attempts, run_after, dedupe_key, created_at, updated_at)
                         VALUES ($1, $2, $3, 'queued', 0, 0, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING RETURNING *",
                    )
                    .bind(JobId::new().0)
                    .bind(n.kind.as_str())
                    .bind(Json(&n.payload))
                    .bind(n.max_attempts)
                    .bind(micros(n.run_after.unwrap_or(now)))
                    .bind(&n.dedupe_key)
                    .bind(now);
                    if let Some(value) = fetch_optional(&self.pool, q).await? {
                        return Ok(Stored { value, created: true });
                    }
                    let existing = sqlx::query_as::<$db, JobRow>("SELECT * FROM jobs WHERE dedupe_key = $1").bind(&n.dedupe_key);
                    let value = fetch_optional(&self.pool, existing)
                        .await?
                        .ok_or_else(|| Error::internal_msg("job insert conflicted but no job with its dedupe key exists"))?;
                    Ok(Stored { value, created: false })
                }

                async fn claim(&self, req: &ClaimRequest) -> Result<Option<Job>> {
                    let now = self.now();
                    // Jobs whose worker died on their last attempt become dead. Throttled; the claim
                    // below never takes an exhausted job, so a late sweep only delays the verdict.
                    if self.sweeps.due(Sweep::Jobs, now) {
                        sqlx::query::<$db>(
                            "UPDATE jobs SET status = 'dead', finished_at = $1, updated_at = $1, claimed_by = NULL, lease_expires_at = NULL,
                                last_error = 'lease of worker ' || COALESCE(claimed_by, '?') || ' expired after the last of ' || max_attempts || ' attempts'
                             WHERE status = 'running' AND lease_expires_at < $1 AND attempts >= max_attempts",
                        )
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    }
                    let mut q = QueryBuilder::<$db>::new("UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = ");
                    q.push_bind(&req.worker_id);
                    q.push(", lease_expires_at = ").push_bind(lease_end(now, req.lease));
                    q.push(", updated_at = ").push_bind(now);
                    q.push(" WHERE id = (SELECT id FROM jobs WHERE ((status = 'queued' AND run_after <= ");
                    q.push_bind(now);
                    q.push(") OR (status = 'running' AND attempts < max_attempts AND lease_expires_at < ");
                    q.push_bind(now);
                    q.push("))");
                    if !req.kinds.is_empty() {
                        q.push(" AND kind IN ");
                        push_list(&mut q, req.kinds.iter().map(|k| k.as_str()));
                    }
                    q.push(" ORDER BY run_after, id LIMIT 1");
                    q.push($skip_locked);
                    q.push(") RETURNING *");
                    fetch_optional(&self.pool, q.build_query_as::<JobRow>()).await
                }

                async fn heartbeat(&self, id: JobId, worker: &str, lease: Duration) -> Result<()> {
                    let now = self.now();
                    let r = sqlx::query::<$db>("UPDATE jobs SET lease_expires_at = $3, updated_at = $4 WHERE id = $1 AND status = 'running' AND claimed_by = $2")
                        .bind(id.0)
                        .bind(worker)
                        .bind(lease_end(now, lease))
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    if r.rows_affected() == 1 { Ok(()) } else { Err(self.not_held(id, worker).await) }
                }

                async fn set_progress(&self, id: JobId, worker: &str, progress: i32, result: Option<serde_json::Value>) -> Result<()> {
                    let r = sqlx::query::<$db>(
                        "UPDATE jobs SET progress = $3, result = COALESCE($4, result), updated_at = $5 WHERE id = $1 AND status = 'running' AND claimed_by = $2",
                    )
                    .bind(id.0)
                    .bind(worker)
                    .bind(progress.clamp(0, 100))
                    .bind(result.map(Json))
                    .bind(self.now())
                    .execute(&self.pool)
                    .await
                    .map_err(db_err)?;
                    if r.rows_affected() == 1 { Ok(()) } else { Err(self.not_held(id, worker).await) }
                }

                async fn complete(&self, id: JobId, worker: &str, outcome: JobOutcome) -> Result<Job> {
                    let now = self.now();
                    // One statement per outcome: the holder check and the write are the same compare-and-set.
                    let q = match &outcome {
                        JobOutcome::Succeeded(result) => sqlx::query_as::<$db, JobRow>(
                            "UPDATE jobs SET status = 'succeeded', progress = 100, result = COALESCE($3, result), finished_at = $4,
                                claimed_by = NULL, lease_expires_at = NULL, updated_at = $4
                             WHERE id = $1 AND status = 'running' AND claimed_by = $2 RETURNING *",
                        )
                        .bind(id.0)
                        .bind(worker)
                        .bind(result.as_ref().map(Json))
                        .bind(now),
                        JobOutcome::Retry { error, retry_at } => sqlx::query_as::<$db, JobRow>(
                            "UPDATE jobs SET status = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'dead' END,
                                run_after = CASE WHEN attempts < max_attempts THEN $3 ELSE run_after END,
                                finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE $4 END,
                                last_error = $5, claimed_by = NULL, lease_expires_at = NULL, updated_at = $4
                             WHERE id = $1 AND status = 'running' AND claimed_by = $2 RETURNING *",
                        )
                        .bind(id.0)
                        .bind(worker)
                        .bind(micros(*retry_at))
                        .bind(now)
                        .bind(error.as_str()),
                        JobOutcome::Failed { error } => sqlx::query_as::<$db, JobRow>(
                            "UPDATE jobs SET status = 'failed', finished_at = $3, last_error = $4, claimed_by = NULL, lease_expires_at = NULL, updated_at = $3
                             WHERE id = $1 AND status = 'running' AND claimed_by = $2 RETURNING *",
                        )
                        .bind(id.0)
                        .bind(worker)
                        .bind(now)
                        .bind(error.as_str()),
                    };
                    match fetch_optional(&self.pool, q).await? {
                        Some(job) => Ok(job),
                        None => Err(self.not_held(id, worker).await),
                    }
                }

                async fn get_job(&self, id: JobId) -> Result<Job> {
                    let q = sqlx::query_as::<$db, JobRow>("SELECT * FROM jobs WHERE id = $1").bind(id.0);
                    fetch_one_or_not_found(&self.pool, q, JobId::ENTITY, id).await
                }

                async fn list_jobs(&self, status: Option<JobStatus>, limit: u32) -> Result<Vec<Job>> {
                    let mut q = QueryBuilder::<$db>::new("SELECT * FROM jobs");
                    if let Some(s) = status {
                        q.push(" WHERE status = ").push_bind(s.as_str());
                    }
                    q.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(i64::from(page_limit(limit, 100, 1000)));
                    fetch_all(&self.pool, q.build_query_as::<JobRow>()).await
                }

                async fn requeue(&self, id: JobId) -> Result<Job> {
                    let now = self.now();
                    let q = sqlx::query_as::<$db, JobRow>(
                        "UPDATE jobs SET status = 'queued', attempts = 0, run_after = $2, finished_at = NULL, updated_at = $2
                         WHERE id = $1 AND status IN ('dead', 'failed') RETURNING *",
                    )
                    .bind(id.0)
                    .bind(now);
                    match fetch_optional(&self.pool, q).await? {
                        Some(job) => Ok(job),
                        None => {
                            let j = self.get_job(id).await?;
                            Err(Error::conflict(format!("job {id} is `{}`; only dead or failed jobs can be requeued", j.status)))
                        }
                    }
                }
            }
        };
    };
}

pub(crate) use impl_job_queue;
