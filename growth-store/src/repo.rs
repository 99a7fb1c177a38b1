//! The repositories, written once and instantiated for each backend by [`impl_repositories!`].
//!
//! The SQL is the portable subset both engines share: `$n` placeholders (sqlx's SQLite driver maps
//! `$n` to the n-th argument), `RETURNING`, `ON CONFLICT`, partial indexes. The one difference
//! that matters, row locking for queue claims, is a macro argument: PostgreSQL claims with
//! `FOR UPDATE SKIP LOCKED`; SQLite has a single writer, so its claim statement is atomic as is.
//!
//! Every state change reads the current state, asks the domain state machine for the next one,
//! and writes with a compare-and-set (`WHERE status = <the state it read>`), so a concurrent
//! change is a `Conflict`, never a lost update.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use growth_core::Error;

/// Maps a database error onto the library's error meanings.
pub(crate) fn db_err(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            Error::Transient { message: format!("database unavailable: {e}"), retry_after: None }
        }
        _ => Error::internal("database error", e),
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub(crate) fn is_fk_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_foreign_key_violation())
}

/// The store's notion of now: the clock truncated to microseconds, the finest instant both
/// backends store exactly.
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

pub(crate) fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    micros(now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::days(365)))
}

/// Throttles the housekeeping sweeps (lapsed job leases, lapsed schedule claims) to once per
/// second per store instance, by the store's clock: claims stay one statement on the hot path.
#[derive(Debug, Default)]
pub(crate) struct Sweeps {
    jobs: std::sync::atomic::AtomicI64,
    schedules: std::sync::atomic::AtomicI64,
}

/// Which sweep.
#[derive(Clone, Copy)]
pub(crate) enum Sweep {
    Jobs,
    Schedules,
}

impl Sweeps {
    /// Whether the sweep should run now (and records that it does).
    pub(crate) fn due(&self, which: Sweep, now: DateTime<Utc>) -> bool {
        use std::sync::atomic::Ordering;
        let slot = match which {
            Sweep::Jobs => &self.jobs,
            Sweep::Schedules => &self.schedules,
        };
        let now_us = now.timestamp_micros();
        let last = slot.load(Ordering::Relaxed);
        if last != 0 && (0..1_000_000).contains(&(now_us - last)) {
            return false;
        }
        slot.compare_exchange(last, now_us, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

pub(crate) fn concurrently(entity: &str, id: impl std::fmt::Display) -> Error {
    Error::conflict(format!("{entity} {id} was changed concurrently; reload and try again"))
}

/// Implements every store trait and the job queue for `$store`, which must have fields
/// `pool: sqlx::Pool<$db>`, `clock: Arc<dyn Clock>` and `sweeps: Arc<Sweeps>`.
macro_rules! impl_repositories {
    ($store:ty, $db:ty, skip_locked = $skip_locked:literal) => {
        const _: () = {
            use std::time::Duration;

            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use growth_core::domain::*;
            use growth_core::jobs::JobQueue;
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::QueryBuilder;
            use sqlx::types::Json;
            use uuid::Uuid;

            use $crate::repo::{Sweep, concurrently, db_err, is_fk_violation, is_unique_violation, lease_end, micros};
            use $crate::rows::*;

            impl $store {
                fn now(&self) -> DateTime<Utc> {
                    micros(self.clock.now())
                }

                async fn fetch_source(&self, id: SourceId) -> Result<ContentSource> {
                    sqlx::query_as::<$db, SourceRow>("SELECT * FROM content_sources WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(SourceId::ENTITY, id))?
                        .try_into()
                }

                async fn existing_source(&self, st: SourceType, source_id: &Option<String>, file_hash: &Option<String>) -> Result<Option<ContentSource>> {
                    sqlx::query_as::<$db, SourceRow>(
                        "SELECT * FROM content_sources WHERE (source_type = $1 AND source_id = $2) OR file_hash = $3 ORDER BY created_at, id LIMIT 1",
                    )
                    .bind(st.as_str())
                    .bind(source_id)
                    .bind(file_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?
                    .map(TryInto::try_into)
                    .transpose()
                }

                async fn fetch_schedule(&self, id: ScheduleId) -> Result<Schedule> {
                    sqlx::query_as::<$db, ScheduleRow>("SELECT * FROM schedules WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(ScheduleId::ENTITY, id))?
                        .try_into()
                }

                async fn write_schedule(&self, before: &Schedule, after: &Schedule) -> Result<Schedule> {
                    let row = sqlx::query_as::<$db, ScheduleRow>(
                        "UPDATE schedules SET scheduled_time = $2, status = $3, error_message = $4, retry_count = $5, next_attempt_at = $6,
                            claimed_by = $7, lease_expires_at = $8, platform_post_id = $9, published_url = $10, published_at = $11, updated_at = $12
                         WHERE id = $1 AND status = $13 AND COALESCE(claimed_by, '') = $14 RETURNING *",
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

                async fn fetch_job(&self, id: JobId) -> Result<Job> {
                    sqlx::query_as::<$db, JobRow>("SELECT * FROM jobs WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(JobId::ENTITY, id))?
                        .try_into()
                }

                /// `NotFound` when the job does not exist, else the conflict of not holding it.
                async fn not_held(&self, id: JobId, worker: &str) -> Error {
                    match self.fetch_job(id).await {
                        Ok(j) => Error::conflict(format!("job {id} is not held by worker {worker} (it is `{}`)", j.status)),
                        Err(e) => e,
                    }
                }

                async fn content_exists(&self, id: ContentId) -> Result<()> {
                    let n: i64 = sqlx::query_scalar::<$db, i64>("SELECT COUNT(*) FROM content_items WHERE id = $1")
                        .bind(id.0)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)?;
                    if n == 0 { Err(Error::not_found(ContentId::ENTITY, id)) } else { Ok(()) }
                }

                fn push_content_filter(q: &mut QueryBuilder<$db>, f: &ContentFilter) {
                    q.push(" WHERE 1 = 1");
                    if !f.statuses.is_empty() {
                        q.push(" AND status IN (");
                        let mut sep = q.separated(", ");
                        for s in &f.statuses {
                            sep.push_bind(s.as_str());
                        }
                        q.push(")");
                    }
                    if let Some(s) = f.source_id {
                        q.push(" AND source_id = ").push_bind(s.0);
                    }
                    if let Some(t) = f.content_type {
                        q.push(" AND content_type = ").push_bind(t.as_str());
                    }
                }
            }

            #[async_trait]
            impl UserStore for $store {
                async fn create_user(&self, user: NewUser) -> Result<User> {
                    let email = normalize_email(&user.email)?;
                    let now = self.now();
                    let r = sqlx::query_as::<$db, UserRow>(
                        "INSERT INTO users (id, email, full_name, role, auth_provider, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
                    )
                    .bind(UserId::new().0)
                    .bind(&email)
                    .bind(&user.full_name)
                    .bind(user.role.as_str())
                    .bind(user.auth_provider.as_str())
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await;
                    match r {
                        Ok(r) => r.try_into(),
                        Err(e) if is_unique_violation(&e) => Err(Error::conflict(format!("a user with email {email} already exists"))),
                        Err(e) => Err(db_err(e)),
                    }
                }

                async fn get_user(&self, id: UserId) -> Result<User> {
                    sqlx::query_as::<$db, UserRow>("SELECT * FROM users WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(UserId::ENTITY, id))?
                        .try_into()
                }

                async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
                    sqlx::query_as::<$db, UserRow>("SELECT * FROM users WHERE email = $1")
                        .bind(email.trim().to_lowercase())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .map(TryInto::try_into)
                        .transpose()
                }

                async fn list_users(&self) -> Result<Vec<User>> {
                    sqlx::query_as::<$db, UserRow>("SELECT * FROM users ORDER BY created_at, id")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
                }

                async fn set_user_role(&self, id: UserId, role: Role) -> Result<User> {
                    sqlx::query_as::<$db, UserRow>("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 RETURNING *")
                        .bind(id.0)
                        .bind(role.as_str())
                        .bind(self.now())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(UserId::ENTITY, id))?
                        .try_into()
                }
            }

            #[async_trait]
            impl AuthStore for $store {
                async fn set_password_hash(&self, user_id: UserId, hash: &str) -> Result<()> {
                    let r = sqlx::query::<$db>(
                        "INSERT INTO credentials (user_id, password_hash, updated_at) VALUES ($1, $2, $3)
                         ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
                    )
                    .bind(user_id.0)
                    .bind(hash)
                    .bind(self.now())
                    .execute(&self.pool)
                    .await;
                    match r {
                        Ok(_) => Ok(()),
                        Err(e) if is_fk_violation(&e) => Err(Error::not_found(UserId::ENTITY, user_id)),
                        Err(e) => Err(db_err(e)),
                    }
                }

                async fn password_hash(&self, user_id: UserId) -> Result<Option<String>> {
                    sqlx::query_scalar::<$db, String>("SELECT password_hash FROM credentials WHERE user_id = $1")
                        .bind(user_id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)
                }

                async fn insert_refresh_token(&self, user_id: UserId, family_id: Uuid, token_hash: &str, expires_at: DateTime<Utc>) -> Result<RefreshToken> {
                    let r = sqlx::query_as::<$db, RefreshRow>(
                        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
                    )
                    .bind(Uuid::now_v7())
                    .bind(user_id.0)
                    .bind(family_id)
                    .bind(token_hash)
                    .bind(micros(expires_at))
                    .bind(self.now())
                    .fetch_one(&self.pool)
                    .await;
                    match r {
                        Ok(r) => Ok(r.into()),
                        Err(e) if is_fk_violation(&e) => Err(Error::not_found(UserId::ENTITY, user_id)),
                        Err(e) if is_unique_violation(&e) => Err(Error::conflict("refresh token already exists")),
                        Err(e) => Err(db_err(e)),
                    }
                }

                async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshToken>> {
                    Ok(sqlx::query_as::<$db, RefreshRow>("SELECT * FROM refresh_tokens WHERE token_hash = $1")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .map(Into::into))
                }

                async fn use_refresh_token(&self, id: Uuid) -> Result<bool> {
                    let r = sqlx::query::<$db>("UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL")
                        .bind(id)
                        .bind(self.now())
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    if r.rows_affected() == 1 {
                        return Ok(true);
                    }
                    let exists: i64 = sqlx::query_scalar::<$db, i64>("SELECT COUNT(*) FROM refresh_tokens WHERE id = $1").bind(id).fetch_one(&self.pool).await.map_err(db_err)?;
                    if exists == 0 { Err(Error::not_found("refresh token", id)) } else { Ok(false) }
                }

                async fn revoke_refresh_family(&self, family_id: Uuid) -> Result<()> {
                    sqlx::query::<$db>("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
                        .bind(family_id)
                        .bind(self.now())
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(())
                }
            }

            #[async_trait]
            impl SourceStore for $store {
                async fn create_source(&self, src: NewSource) -> Result<Stored<ContentSource>> {
                    let st = src.source_type.unwrap_or(SourceType::Manual);
                    if let Some(existing) = self.existing_source(st, &src.source_id, &src.file_hash).await? {
                        return Ok(Stored { value: existing, created: false });
                    }
                    let row = sqlx::query_as::<$db, SourceRow>(
                        "INSERT INTO content_sources (id, source_type, source_id, title, description, metadata, file_url, file_hash, transcript,
                            transcript_source, status, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ingested', $11)
                         ON CONFLICT DO NOTHING RETURNING *",
                    )
                    .bind(SourceId::new().0)
                    .bind(st.as_str())
                    .bind(&src.source_id)
                    .bind(&src.title)
                    .bind(&src.description)
                    .bind(Json(&src.metadata))
                    .bind(&src.file_url)
                    .bind(&src.file_hash)
                    .bind(&src.transcript)
                    .bind(src.transcript_source.map(|t| t.as_str()))
                    .bind(self.now())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                    match row {
                        Some(r) => Ok(Stored { value: r.try_into()?, created: true }),
                        // Lost a race with an identical insert: hand back the winner.
                        None => self
                            .existing_source(st, &src.source_id, &src.file_hash)
                            .await?
                            .map(|value| Stored { value, created: false })
                            .ok_or_else(|| Error::internal_msg("source insert conflicted but no existing source was found")),
                    }
                }

                async fn get_source(&self, id: SourceId) -> Result<ContentSource> {
                    self.fetch_source(id).await
                }

                async fn list_sources(&self, limit: u32, offset: u32) -> Result<Vec<ContentSource>> {
                    sqlx::query_as::<$db, SourceRow>("SELECT * FROM content_sources ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2")
                        .bind(i64::from(page_limit(limit, 50, 500)))
                        .bind(i64::from(offset))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
                }

                async fn set_source_status(&self, id: SourceId, to: SourceStatus, reason: Option<String>) -> Result<ContentSource> {
                    let cur = self.fetch_source(id).await?;
                    cur.status.transition(to)?;
                    let failure_reason = match to {
                        SourceStatus::Failed => reason,
                        SourceStatus::Processing | SourceStatus::Completed => None,
                        SourceStatus::Ingested => cur.failure_reason.clone(),
                    };
                    let processed_at = if matches!(to, SourceStatus::Completed | SourceStatus::Failed) { Some(self.now()) } else { cur.processed_at };
                    sqlx::query_as::<$db, SourceRow>(
                        "UPDATE content_sources SET status = $2, failure_reason = $3, processed_at = $4 WHERE id = $1 AND status = $5 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(to.as_str())
                    .bind(failure_reason)
                    .bind(processed_at)
                    .bind(cur.status.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| concurrently("source", id))?
                    .try_into()
                }

                async fn set_source_transcript(&self, id: SourceId, transcript: String, from: TranscriptSource) -> Result<ContentSource> {
                    sqlx::query_as::<$db, SourceRow>("UPDATE content_sources SET transcript = $2, transcript_source = $3 WHERE id = $1 RETURNING *")
                        .bind(id.0)
                        .bind(transcript)
                        .bind(from.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(SourceId::ENTITY, id))?
                        .try_into()
                }
            }

            #[async_trait]
            impl ContentStore for $store {
                async fn insert_content(&self, item: NewContentItem) -> Result<ContentItem> {
                    let now = self.now();
                    let id = ContentId::new();
                    let platform = item.target_platform.unwrap_or(item.content_type.default_platform());
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let row = sqlx::query_as::<$db, ContentRow>(
                        "INSERT INTO content_items (id, source_id, content_type, title, content, version, status, ai_detection_score,
                            ai_detection_passed, icp_score, icp_passed, quality_verdicts, quality_flagged, predicted_engagement,
                            target_platform, platform_specific_data, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING *",
                    )
                    .bind(id.0)
                    .bind(item.source_id.map(|s| s.0))
                    .bind(item.content_type.as_str())
                    .bind(&item.title)
                    .bind(&item.content)
                    .bind(item.status.as_str())
                    .bind(item.quality.ai_detection_score)
                    .bind(item.quality.ai_detection_passed)
                    .bind(item.quality.icp_score)
                    .bind(item.quality.icp_passed)
                    .bind(Json(&item.quality.verdicts))
                    .bind(item.quality.flagged)
                    .bind(item.predicted_engagement.as_ref().map(Json))
                    .bind(platform.as_str())
                    .bind(Json(&item.platform_data))
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await;
                    let row = match row {
                        Ok(r) => r,
                        Err(e) if is_fk_violation(&e) => {
                            return Err(Error::not_found(SourceId::ENTITY, item.source_id.map(|s| s.to_string()).unwrap_or_default()));
                        }
                        Err(e) => return Err(db_err(e)),
                    };
                    sqlx::query::<$db>("INSERT INTO content_versions (content_item_id, version, title, content, edited_by, created_at) VALUES ($1, 1, $2, $3, NULL, $4)")
                        .bind(id.0)
                        .bind(&item.title)
                        .bind(&item.content)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    tx.commit().await.map_err(db_err)?;
                    row.try_into()
                }

                async fn get_content(&self, id: ContentId) -> Result<ContentItem> {
                    sqlx::query_as::<$db, ContentRow>("SELECT * FROM content_items WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(ContentId::ENTITY, id))?
                        .try_into()
                }

                async fn list_content(&self, f: &ContentFilter) -> Result<Vec<ContentItem>> {
                    let mut q = QueryBuilder::<$db>::new("SELECT * FROM content_items");
                    Self::push_content_filter(&mut q, f);
                    q.push(" ORDER BY created_at, id LIMIT ").push_bind(i64::from(page_limit(f.limit, 100, 500)));
                    q.push(" OFFSET ").push_bind(i64::from(f.offset));
                    q.build_query_as::<ContentRow>()
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
                }

                async fn pending_fingerprint(&self) -> Result<(u64, Option<DateTime<Utc>>)> {
                    let (n, latest): (i64, Option<DateTime<Utc>>) =
                        sqlx::query_as("SELECT COUNT(*), MAX(updated_at) FROM content_items WHERE status = 'in_review'")
                            .fetch_one(&self.pool)
                            .await
                            .map_err(db_err)?;
                    Ok((u64::try_from(n).unwrap_or(0), latest))
                }

                async fn list_pending_bundles(&self, limit: u32, offset: u32) -> Result<growth_core::domain::PendingPage> {
                    use growth_core::domain::{PendingBundle, PendingPage, SourceType};
                    let (total_items, total_bundles): (i64, i64) = sqlx::query_as(
                        "SELECT COUNT(*), COUNT(DISTINCT source_id) + COALESCE(MAX(CASE WHEN source_id IS NULL THEN 1 ELSE 0 END), 0)
                         FROM content_items WHERE status = 'in_review'",
                    )
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err)?;
                    let page: Vec<(Option<uuid::Uuid>,)> = sqlx::query_as(
                        "SELECT source_id FROM content_items WHERE status = 'in_review'
                         GROUP BY source_id ORDER BY MIN(created_at), source_id LIMIT $1 OFFSET $2",
                    )
                    .bind(i64::from(limit))
                    .bind(i64::from(offset))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_err)?;
                    let ids: Vec<uuid::Uuid> = page.iter().filter_map(|(s,)| *s).collect();
                    let with_null = page.iter().any(|(s,)| s.is_none());
                    let mut items: Vec<ContentItem> = Vec::new();
                    let mut sources: std::collections::HashMap<uuid::Uuid, (String, Option<String>)> = std::collections::HashMap::new();
                    if !page.is_empty() {
                        let mut q = QueryBuilder::<$db>::new("SELECT * FROM content_items WHERE status = 'in_review' AND (");
                        if ids.is_empty() {
                            q.push("1 = 0");
                        } else {
                            q.push("source_id IN (");
                            let mut sep = q.separated(", ");
                            for id in &ids {
                                sep.push_bind(*id);
                            }
                            q.push(")");
                        }
                        if with_null {
                            q.push(" OR source_id IS NULL");
                        }
                        q.push(") ORDER BY created_at, id");
                        items = q
                            .build_query_as::<ContentRow>()
                            .fetch_all(&self.pool)
                            .await
                            .map_err(db_err)?
                            .into_iter()
                            .map(TryInto::try_into)
                            .collect::<Result<_>>()?;
                        if !ids.is_empty() {
                            let mut q = QueryBuilder::<$db>::new("SELECT id, source_type, title FROM content_sources WHERE id IN (");
                            let mut sep = q.separated(", ");
                            for id in &ids {
                                sep.push_bind(*id);
                            }
                            q.push(")");
                            let rows: Vec<(uuid::Uuid, String, Option<String>)> = q.build_query_as().fetch_all(&self.pool).await.map_err(db_err)?;
                            sources = rows.into_iter().map(|(id, t, title)| (id, (t, title))).collect();
                        }
                    }
                    let bundles = page
                        .into_iter()
                        .map(|(sid,)| {
                            let source = sid.and_then(|id| sources.get(&id));
                            Ok(PendingBundle {
                                source_id: sid.map(SourceId),
                                source_type: source.map(|(t, _)| t.parse::<SourceType>()).transpose()?,
                                source_title: source.and_then(|(_, title)| title.clone()),
                                items: items.iter().filter(|i| i.source_id.map(|s| s.0) == sid).cloned().collect(),
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok(PendingPage { bundles, total_items: u64::try_from(total_items).unwrap_or(0), total_bundles: u64::try_from(total_bundles).unwrap_or(0) })
                }

                async fn count_content(&self, f: &ContentFilter) -> Result<u64> {
                    let mut q = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM content_items");
                    Self::push_content_filter(&mut q, f);
                    let n: i64 = q.build_query_scalar::<i64>().fetch_one(&self.pool).await.map_err(db_err)?;
                    Ok(u64::try_from(n).unwrap_or(0))
                }

                async fn update_content(&self, id: ContentId, u: ContentUpdate) -> Result<ContentItem> {
                    let now = self.now();
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    // The write comes first so SQLite takes its write lock at once (no read-then-upgrade).
                    let row = sqlx::query_as::<$db, ContentRow>(
                        "UPDATE content_items SET title = COALESCE($2, title), content = COALESCE($3, content), version = version + 1, updated_at = $4
                         WHERE id = $1 AND version = $5 AND status IN ('generated', 'in_review') RETURNING *",
                    )
                    .bind(id.0)
                    .bind(&u.title)
                    .bind(&u.content)
                    .bind(now)
                    .bind(u.expected_version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let Some(row) = row else {
                        drop(tx);
                        let cur = self.get_content(id).await?;
                        if !cur.status.is_editable() {
                            return Err(Error::conflict(format!("content item {id} is `{}` and can no longer be edited", cur.status)));
                        }
                        return Err(Error::conflict(format!(
                            "content item {id} is at version {}, not {}: reload and edit again",
                            cur.version, u.expected_version
                        )));
                    };
                    let item: ContentItem = row.try_into()?;
                    sqlx::query::<$db>("INSERT INTO content_versions (content_item_id, version, title, content, edited_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(id.0)
                        .bind(item.version)
                        .bind(&item.title)
                        .bind(&item.content)
                        .bind(u.edited_by.map(|x| x.0))
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| if is_fk_violation(&e) { Error::not_found(UserId::ENTITY, u.edited_by.map(|x| x.to_string()).unwrap_or_default()) } else { db_err(e) })?;
                    for e in &u.edits {
                        sqlx::query::<$db>(
                            "INSERT INTO content_edits (id, content_item_id, user_id, version, edit_type, original_text, edited_text, section, pattern_tag, created_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        )
                        .bind(EditId::new().0)
                        .bind(id.0)
                        .bind(u.edited_by.map(|x| x.0))
                        .bind(item.version)
                        .bind(e.edit_type.as_str())
                        .bind(&e.original_text)
                        .bind(&e.edited_text)
                        .bind(e.section.as_str())
                        .bind(&e.pattern_tag)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    }
                    tx.commit().await.map_err(db_err)?;
                    Ok(item)
                }

                async fn list_versions(&self, id: ContentId) -> Result<Vec<ContentVersion>> {
                    self.content_exists(id).await?;
                    Ok(sqlx::query_as::<$db, VersionRow>("SELECT * FROM content_versions WHERE content_item_id = $1 ORDER BY version")
                        .bind(id.0)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(Into::into)
                        .collect())
                }

                async fn list_edits(&self, id: ContentId) -> Result<Vec<ContentEdit>> {
                    self.content_exists(id).await?;
                    sqlx::query_as::<$db, EditRow>("SELECT * FROM content_edits WHERE content_item_id = $1 ORDER BY created_at, id")
                        .bind(id.0)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
                }

                async fn transition_content(&self, id: ContentId, ch: ContentTransition) -> Result<ContentItem> {
                    let cur = self.get_content(id).await?;
                    cur.status.transition(ch.to)?;
                    let rejection_reason = ch.rejection_reason.or(cur.rejection_reason);
                    let scheduled = if ch.scheduled_publish_time.is_some() || ch.to == ContentStatus::Approved { ch.scheduled_publish_time } else { cur.scheduled_publish_time };
                    let url = ch.published_url.or(cur.published_url);
                    let published_at = ch.published_at.or(cur.published_at);
                    sqlx::query_as::<$db, ContentRow>(
                        "UPDATE content_items SET status = $2, rejection_reason = $3, scheduled_publish_time = $4, published_url = $5, published_at = $6, updated_at = $7
                         WHERE id = $1 AND status = $8 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(ch.to.as_str())
                    .bind(rejection_reason)
                    .bind(scheduled)
                    .bind(url)
                    .bind(published_at)
                    .bind(self.now())
                    .bind(cur.status.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| concurrently("content item", id))?
                    .try_into()
                }

                async fn set_quality(&self, id: ContentId, q: QualityMetrics) -> Result<ContentItem> {
                    sqlx::query_as::<$db, ContentRow>(
                        "UPDATE content_items SET ai_detection_score = $2, ai_detection_passed = $3, icp_score = $4, icp_passed = $5,
                            quality_verdicts = $6, quality_flagged = $7, updated_at = $8 WHERE id = $1 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(q.ai_detection_score)
                    .bind(q.ai_detection_passed)
                    .bind(q.icp_score)
                    .bind(q.icp_passed)
                    .bind(Json(&q.verdicts))
                    .bind(q.flagged)
                    .bind(self.now())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| Error::not_found(ContentId::ENTITY, id))?
                    .try_into()
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
                    self.fetch_schedule(id).await
                }

                async fn list_schedules(&self, f: &ScheduleFilter) -> Result<Vec<Schedule>> {
                    let mut q = QueryBuilder::<$db>::new("SELECT * FROM schedules WHERE 1 = 1");
                    if let Some(c) = f.content_item_id {
                        q.push(" AND content_item_id = ").push_bind(c.0);
                    }
                    if !f.statuses.is_empty() {
                        q.push(" AND status IN (");
                        let mut sep = q.separated(", ");
                        for s in &f.statuses {
                            sep.push_bind(s.as_str());
                        }
                        q.push(")");
                    }
                    if let Some(t) = f.from {
                        q.push(" AND scheduled_time >= ").push_bind(micros(t));
                    }
                    if let Some(t) = f.until {
                        q.push(" AND scheduled_time < ").push_bind(micros(t));
                    }
                    q.push(" ORDER BY scheduled_time, id LIMIT ").push_bind(i64::from(page_limit(f.limit, 100, 1000)));
                    q.build_query_as::<ScheduleRow>()
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
                }

                async fn reschedule(&self, id: ScheduleId, at: DateTime<Utc>) -> Result<Schedule> {
                    let cur = self.fetch_schedule(id).await?;
                    let mut next = cur.clone();
                    match cur.status {
                        ScheduleStatus::Pending => {}
                        ScheduleStatus::Failed => next.status = cur.status.transition(ScheduleStatus::Pending)?,
                        other => return Err(Error::conflict(format!("schedule {id} is `{other}` and cannot be moved"))),
                    }
                    next.scheduled_time = micros(at);
                    next.next_attempt_at = None;
                    next.error_message = None;
                    next.updated_at = self.now();
                    self.write_schedule(&cur, &next).await
                }

                async fn cancel_schedule(&self, id: ScheduleId) -> Result<Schedule> {
                    let cur = self.fetch_schedule(id).await?;
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
                    let mut claimed: Vec<Schedule> = sqlx::query_as::<$db, ScheduleRow>(concat!(
                        "UPDATE schedules SET status = 'claimed', claimed_by = $2, lease_expires_at = $3, updated_at = $1
                         WHERE status = 'pending' AND id IN (
                            SELECT id FROM schedules
                            WHERE status = 'pending' AND scheduled_time <= $1 AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
                            ORDER BY scheduled_time, id LIMIT $4",
                        $skip_locked,
                        ") RETURNING *"
                    ))
                        .bind(now)
                        .bind(worker)
                        .bind(lease_end(now, lease))
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect::<Result<_>>()?;
                    claimed.sort_by(|a, b| a.scheduled_time.cmp(&b.scheduled_time).then(a.id.cmp(&b.id)));
                    Ok(claimed)
                }

                async fn finish_schedule(&self, id: ScheduleId, worker: &str, outcome: ScheduleOutcome) -> Result<Schedule> {
                    let cur = self.fetch_schedule(id).await?;
                    if cur.status == ScheduleStatus::Claimed && cur.claimed_by.as_deref() != Some(worker) {
                        return Err(Error::conflict(format!("schedule {id} is claimed by another worker")));
                    }
                    let now = self.now();
                    let mut next = cur.clone();
                    match outcome {
                        ScheduleOutcome::Published { platform_post_id, url } => {
                            next.status = cur.status.transition(ScheduleStatus::Published)?;
                            next.platform_post_id = platform_post_id;
                            next.published_url = url;
                            next.published_at = Some(now);
                            next.error_message = None;
                        }
                        ScheduleOutcome::Retry { error, next_attempt_at } => {
                            next.status = cur.status.transition(ScheduleStatus::Pending)?;
                            next.retry_count += 1;
                            next.next_attempt_at = Some(micros(next_attempt_at));
                            next.error_message = Some(error);
                        }
                        ScheduleOutcome::Unknown { error } => {
                            next.status = cur.status.transition(ScheduleStatus::Unknown)?;
                            next.error_message = Some(error);
                        }
                        ScheduleOutcome::Failed { error } => {
                            next.status = cur.status.transition(ScheduleStatus::Failed)?;
                            next.error_message = Some(error);
                        }
                    }
                    next.claimed_by = None;
                    next.lease_expires_at = None;
                    next.updated_at = now;
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
                    let row = sqlx::query_as::<$db, ScheduleRow>(
                        "UPDATE schedules SET status = 'published', platform_post_id = $3, published_url = $4, published_at = $5, error_message = NULL,
                            claimed_by = NULL, lease_expires_at = NULL, updated_at = $5
                         WHERE id = $1 AND ((status = 'claimed' AND claimed_by = $2) OR status = 'unknown') RETURNING *",
                    )
                    .bind(id.0)
                    .bind(worker)
                    .bind(&platform_post_id)
                    .bind(&url)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    let Some(row) = row else {
                        drop(tx);
                        let cur = self.fetch_schedule(id).await?;
                        return Err(Error::conflict(format!("schedule {id} is {} and not held by {worker}: the publication was not recorded", cur.status)));
                    };
                    let schedule: Schedule = row.try_into()?;
                    sqlx::query(
                        "UPDATE content_items SET status = 'published', published_url = COALESCE(published_url, $2), published_at = COALESCE(published_at, $3), updated_at = $4
                         WHERE id = $1 AND status IN ('scheduled', 'publishing')",
                    )
                    .bind(schedule.content_item_id.0)
                    .bind(&url)
                    .bind(micros(published_at))
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    sqlx::query(
                        "INSERT INTO publishing_logs (id, content_item_id, schedule_id, platform, status, request_payload, response_data, error_message, published_url, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    tx.commit().await.map_err(db_err)?;
                    Ok(schedule)
                }

                async fn append_publish_log(&self, l: NewPublishingLog) -> Result<PublishingLog> {
                    let r = sqlx::query_as::<$db, LogRow>(
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
                    .bind(self.now())
                    .fetch_one(&self.pool)
                    .await;
                    match r {
                        Ok(r) => r.try_into(),
                        Err(e) if is_fk_violation(&e) => Err(Error::not_found(ContentId::ENTITY, l.content_item_id)),
                        Err(e) => Err(db_err(e)),
                    }
                }

                async fn list_publish_logs(&self, content_item_id: ContentId) -> Result<Vec<PublishingLog>> {
                    sqlx::query_as::<$db, LogRow>("SELECT * FROM publishing_logs WHERE content_item_id = $1 ORDER BY created_at, id")
                        .bind(content_item_id.0)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
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
                    match r {
                        Ok(r) => r.try_into(),
                        Err(e) if is_fk_violation(&e) => Err(Error::not_found(ContentId::ENTITY, content_item_id)),
                        Err(sqlx::Error::Database(d)) if d.is_check_violation() => Err(Error::invalid("analytics counters cannot be negative")),
                        Err(e) => Err(db_err(e)),
                    }
                }

                async fn get_analytics(&self, content_item_id: ContentId, platform: Platform) -> Result<Analytics> {
                    sqlx::query_as::<$db, AnalyticsRow>("SELECT * FROM analytics WHERE content_item_id = $1 AND platform = $2")
                        .bind(content_item_id.0)
                        .bind(platform.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found("analytics row", format!("{content_item_id}/{platform}")))?
                        .try_into()
                }

                async fn list_analytics(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Analytics>> {
                    sqlx::query_as::<$db, AnalyticsRow>("SELECT * FROM analytics WHERE last_updated >= $1 AND last_updated < $2 ORDER BY last_updated, id")
                        .bind(micros(from))
                        .bind(micros(until))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
                }
            }

            #[async_trait]
            impl KnowledgeStore for $store {
                async fn create_knowledge(&self, n: NewKnowledgeItem) -> Result<KnowledgeItem> {
                    sqlx::query_as::<$db, KnowledgeRow>(
                        "INSERT INTO knowledge_base (id, item_type, title, content, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
                    )
                    .bind(KnowledgeId::new().0)
                    .bind(n.item_type.as_str())
                    .bind(&n.title)
                    .bind(&n.content)
                    .bind(Json(&n.metadata))
                    .bind(self.now())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err)?
                    .try_into()
                }

                async fn get_knowledge(&self, id: KnowledgeId) -> Result<KnowledgeItem> {
                    sqlx::query_as::<$db, KnowledgeRow>("SELECT * FROM knowledge_base WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(KnowledgeId::ENTITY, id))?
                        .try_into()
                }

                async fn list_knowledge(&self, t: Option<KnowledgeItemType>) -> Result<Vec<KnowledgeItem>> {
                    let mut q = QueryBuilder::<$db>::new("SELECT * FROM knowledge_base");
                    if let Some(t) = t {
                        q.push(" WHERE item_type = ").push_bind(t.as_str());
                    }
                    q.push(" ORDER BY created_at, id");
                    q.build_query_as::<KnowledgeRow>()
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
                }

                async fn update_knowledge(&self, id: KnowledgeId, n: NewKnowledgeItem) -> Result<KnowledgeItem> {
                    sqlx::query_as::<$db, KnowledgeRow>(
                        "UPDATE knowledge_base SET item_type = $2, title = $3, content = $4, metadata = $5, embedding_id = NULL, updated_at = $6 WHERE id = $1 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(n.item_type.as_str())
                    .bind(&n.title)
                    .bind(&n.content)
                    .bind(Json(&n.metadata))
                    .bind(self.now())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| Error::not_found(KnowledgeId::ENTITY, id))?
                    .try_into()
                }

                async fn set_knowledge_embedding(&self, id: KnowledgeId, embedding_id: Option<String>) -> Result<KnowledgeItem> {
                    sqlx::query_as::<$db, KnowledgeRow>("UPDATE knowledge_base SET embedding_id = $2 WHERE id = $1 RETURNING *")
                        .bind(id.0)
                        .bind(embedding_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(KnowledgeId::ENTITY, id))?
                        .try_into()
                }

                async fn delete_knowledge(&self, id: KnowledgeId) -> Result<()> {
                    let r = sqlx::query::<$db>("DELETE FROM knowledge_base WHERE id = $1").bind(id.0).execute(&self.pool).await.map_err(db_err)?;
                    if r.rows_affected() == 0 { Err(Error::not_found(KnowledgeId::ENTITY, id)) } else { Ok(()) }
                }

                async fn create_icp_profile(&self, n: NewIcpProfile) -> Result<IcpProfile> {
                    sqlx::query_as::<$db, IcpRow>(
                        "INSERT INTO icp_profiles (id, source, source_id, pain_points, language_patterns, objections, goals, role, company_size, industry, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *",
                    )
                    .bind(IcpProfileId::new().0)
                    .bind(n.source.as_str())
                    .bind(&n.source_id)
                    .bind(Json(&n.pain_points))
                    .bind(Json(&n.language_patterns))
                    .bind(Json(&n.objections))
                    .bind(Json(&n.goals))
                    .bind(&n.role)
                    .bind(&n.company_size)
                    .bind(&n.industry)
                    .bind(self.now())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err)?
                    .try_into()
                }

                async fn get_icp_profile(&self, id: IcpProfileId) -> Result<IcpProfile> {
                    sqlx::query_as::<$db, IcpRow>("SELECT * FROM icp_profiles WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(IcpProfileId::ENTITY, id))?
                        .try_into()
                }

                async fn list_icp_profiles(&self) -> Result<Vec<IcpProfile>> {
                    sqlx::query_as::<$db, IcpRow>("SELECT * FROM icp_profiles ORDER BY created_at, id")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
                }

                async fn update_icp_profile(&self, id: IcpProfileId, n: NewIcpProfile) -> Result<IcpProfile> {
                    sqlx::query_as::<$db, IcpRow>(
                        "UPDATE icp_profiles SET source = $2, source_id = $3, pain_points = $4, language_patterns = $5, objections = $6, goals = $7,
                            role = $8, company_size = $9, industry = $10, embedding_id = NULL WHERE id = $1 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(n.source.as_str())
                    .bind(&n.source_id)
                    .bind(Json(&n.pain_points))
                    .bind(Json(&n.language_patterns))
                    .bind(Json(&n.objections))
                    .bind(Json(&n.goals))
                    .bind(&n.role)
                    .bind(&n.company_size)
                    .bind(&n.industry)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| Error::not_found(IcpProfileId::ENTITY, id))?
                    .try_into()
                }

                async fn set_icp_embedding(&self, id: IcpProfileId, embedding_id: Option<String>) -> Result<IcpProfile> {
                    sqlx::query_as::<$db, IcpRow>("UPDATE icp_profiles SET embedding_id = $2 WHERE id = $1 RETURNING *")
                        .bind(id.0)
                        .bind(embedding_id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::not_found(IcpProfileId::ENTITY, id))?
                        .try_into()
                }

                async fn delete_icp_profile(&self, id: IcpProfileId) -> Result<()> {
                    let r = sqlx::query::<$db>("DELETE FROM icp_profiles WHERE id = $1").bind(id.0).execute(&self.pool).await.map_err(db_err)?;
                    if r.rows_affected() == 0 { Err(Error::not_found(IcpProfileId::ENTITY, id)) } else { Ok(()) }
                }

                async fn record_objection(&self, n: NewObjection) -> Result<Objection> {
                    let text = n.objection_text.trim().to_owned();
                    if text.is_empty() {
                        return Err(Error::invalid_field("objection_text", "must not be empty"));
                    }
                    let now = self.now();
                    sqlx::query_as::<$db, ObjectionRow>(
                        "INSERT INTO objections (id, objection_text, objection_key, category, frequency, severity, stage, content_generated,
                            content_item_ids, first_mentioned, last_mentioned)
                         VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $9)
                         ON CONFLICT (objection_key) DO UPDATE SET frequency = objections.frequency + 1, last_mentioned = excluded.last_mentioned,
                            category = COALESCE(excluded.category, objections.category), severity = COALESCE(excluded.severity, objections.severity),
                            stage = COALESCE(excluded.stage, objections.stage)
                         RETURNING *",
                    )
                    .bind(ObjectionId::new().0)
                    .bind(&text)
                    .bind(text.to_lowercase())
                    .bind(&n.category)
                    .bind(n.severity.map(|s| s.as_str()))
                    .bind(n.stage.map(|s| s.as_str()))
                    .bind(false)
                    .bind(Json(Vec::<ContentId>::new()))
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_err)?
                    .try_into()
                }

                async fn list_objections(&self) -> Result<Vec<Objection>> {
                    sqlx::query_as::<$db, ObjectionRow>("SELECT * FROM objections ORDER BY frequency DESC, first_mentioned, id")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_err)?
                        .into_iter()
                        .map(TryInto::try_into)
                        .collect()
                }

                async fn link_objection_content(&self, id: ObjectionId, content_item_id: ContentId) -> Result<Objection> {
                    self.content_exists(content_item_id).await?;
                    for _ in 0..5 {
                        let row = sqlx::query_as::<$db, ObjectionRow>("SELECT * FROM objections WHERE id = $1")
                            .bind(id.0)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db_err)?
                            .ok_or_else(|| Error::not_found(ObjectionId::ENTITY, id))?;
                        let before = row.content_item_ids.0.clone();
                        let mut after = before.clone();
                        if !after.contains(&content_item_id) {
                            after.push(content_item_id);
                        }
                        // Compare-and-set on the list as read, so two links never drop each other.
                        let updated = sqlx::query_as::<$db, ObjectionRow>(
                            "UPDATE objections SET content_item_ids = $2, content_generated = $3 WHERE id = $1 AND content_item_ids = $4 RETURNING *",
                        )
                        .bind(id.0)
                        .bind(Json(&after))
                        .bind(true)
                        .bind(Json(&before))
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                        if let Some(r) = updated {
                            return r.try_into();
                        }
                    }
                    Err(concurrently("objection", id))
                }
            }

            #[async_trait]
            impl IdempotencyStore for $store {
                async fn begin_idempotency(&self, scope: &str, key: &str) -> Result<IdempotencyState> {
                    let r = sqlx::query::<$db>("INSERT INTO idempotency_keys (scope, key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                        .bind(scope)
                        .bind(key)
                        .bind(self.now())
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    if r.rows_affected() == 1 {
                        return Ok(IdempotencyState::Started);
                    }
                    let saved: Option<Option<Json<serde_json::Value>>> =
                        sqlx::query_scalar::<$db, Option<Json<serde_json::Value>>>("SELECT response FROM idempotency_keys WHERE scope = $1 AND key = $2")
                            .bind(scope)
                            .bind(key)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db_err)?;
                    Ok(match saved.flatten() {
                        Some(v) => IdempotencyState::Completed(v.0),
                        None => IdempotencyState::InProgress,
                    })
                }

                async fn complete_idempotency(&self, scope: &str, key: &str, response: serde_json::Value) -> Result<()> {
                    let r = sqlx::query::<$db>("UPDATE idempotency_keys SET response = $3, completed_at = $4 WHERE scope = $1 AND key = $2")
                        .bind(scope)
                        .bind(key)
                        .bind(Json(&response))
                        .bind(self.now())
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    if r.rows_affected() == 0 { Err(Error::not_found("idempotency key", format!("{scope}/{key}"))) } else { Ok(()) }
                }

                async fn try_fire_cron(&self, name: &str, fire_at: DateTime<Utc>, instance: &str) -> Result<bool> {
                    let r = sqlx::query::<$db>("INSERT INTO cron_firings (name, fire_at, instance, fired_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                        .bind(name)
                        .bind(micros(fire_at))
                        .bind(instance)
                        .bind(self.now())
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(r.rows_affected() == 1)
                }
            }

            #[async_trait]
            impl JobQueue for $store {
                async fn enqueue(&self, n: NewJob) -> Result<Stored<Job>> {
                    if n.max_attempts < 1 {
                        return Err(Error::invalid_field("max_attempts", "must be at least 1"));
                    }
                    let now = self.now();
                    let row = sqlx::query_as::<$db, JobRow>(
                        "INSERT INTO jobs (id, kind, payload, status, progress, attempts, max_attempts, run_after, dedupe_key, created_at, updated_at)
                         VALUES ($1, $2, $3, 'queued', 0, 0, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING RETURNING *",
                    )
                    .bind(JobId::new().0)
                    .bind(n.kind.as_str())
                    .bind(Json(&n.payload))
                    .bind(n.max_attempts)
                    .bind(micros(n.run_after.unwrap_or(now)))
                    .bind(&n.dedupe_key)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                    if let Some(r) = row {
                        return Ok(Stored { value: r.try_into()?, created: true });
                    }
                    let existing = sqlx::query_as::<$db, JobRow>("SELECT * FROM jobs WHERE dedupe_key = $1")
                        .bind(&n.dedupe_key)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?
                        .ok_or_else(|| Error::internal_msg("job insert conflicted but no job with its dedupe key exists"))?;
                    Ok(Stored { value: existing.try_into()?, created: false })
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
                        q.push(" AND kind IN (");
                        let mut sep = q.separated(", ");
                        for k in &req.kinds {
                            sep.push_bind(k.as_str());
                        }
                        q.push(")");
                    }
                    q.push(" ORDER BY run_after, id LIMIT 1");
                    q.push($skip_locked);
                    q.push(") RETURNING *");
                    q.build_query_as::<JobRow>().fetch_optional(&self.pool).await.map_err(db_err)?.map(TryInto::try_into).transpose()
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
                    match q.fetch_optional(&self.pool).await.map_err(db_err)? {
                        Some(r) => r.try_into(),
                        None => Err(self.not_held(id, worker).await),
                    }
                }

                async fn get_job(&self, id: JobId) -> Result<Job> {
                    self.fetch_job(id).await
                }

                async fn list_jobs(&self, status: Option<JobStatus>, limit: u32) -> Result<Vec<Job>> {
                    let mut q = QueryBuilder::<$db>::new("SELECT * FROM jobs");
                    if let Some(s) = status {
                        q.push(" WHERE status = ").push_bind(s.as_str());
                    }
                    q.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(i64::from(page_limit(limit, 100, 1000)));
                    q.build_query_as::<JobRow>().fetch_all(&self.pool).await.map_err(db_err)?.into_iter().map(TryInto::try_into).collect()
                }

                async fn requeue(&self, id: JobId) -> Result<Job> {
                    let now = self.now();
                    let row = sqlx::query_as::<$db, JobRow>(
                        "UPDATE jobs SET status = 'queued', attempts = 0, run_after = $2, finished_at = NULL, updated_at = $2
                         WHERE id = $1 AND status IN ('dead', 'failed') RETURNING *",
                    )
                    .bind(id.0)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
                    match row {
                        Some(r) => r.try_into(),
                        None => {
                            let j = self.fetch_job(id).await?;
                            Err(Error::conflict(format!("job {id} is `{}`; only dead or failed jobs can be requeued", j.status)))
                        }
                    }
                }
            }
        };
    };
}

pub(crate) use impl_repositories;
