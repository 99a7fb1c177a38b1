//! [`SourceStore`](growth_core::store::SourceStore): ingested sources, deduplicated by platform id
//! or file hash.

/// Implements `SourceStore` for `$store` on `$db`.
macro_rules! impl_source_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use growth_core::domain::*;
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::types::Json;

            use $crate::repo::{concurrently, db_err, fetch_all, fetch_one_or_not_found, fetch_optional};
            use $crate::rows::SourceRow;

            impl $store {
                /// The source already stored under the same platform id or file hash, if any.
                async fn existing_source(&self, st: SourceType, source_id: &Option<String>, file_hash: &Option<String>) -> Result<Option<ContentSource>> {
                    let q = sqlx::query_as::<$db, SourceRow>(
                        "SELECT * FROM content_sources WHERE (source_type = $1 AND source_id = $2) OR file_hash = $3 ORDER BY created_at, id LIMIT 1",
                    )
                    .bind(st.as_str())
                    .bind(source_id)
                    .bind(file_hash);
                    fetch_optional(&self.pool, q).await
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
                    let q = sqlx::query_as::<$db, SourceRow>("SELECT * FROM content_sources WHERE id = $1").bind(id.0);
                    fetch_one_or_not_found(&self.pool, q, SourceId::ENTITY, id).await
                }

                async fn list_sources(&self, limit: u32, offset: u32) -> Result<Vec<ContentSource>> {
                    let q = sqlx::query_as::<$db, SourceRow>("SELECT * FROM content_sources ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2")
                        .bind(i64::from(page_limit(limit, 50, 500)))
                        .bind(i64::from(offset));
                    fetch_all(&self.pool, q).await
                }

                async fn set_source_status(&self, id: SourceId, to: SourceStatus, reason: Option<String>) -> Result<ContentSource> {
                    let cur = self.get_source(id).await?;
                    cur.status.transition(to)?;
                    let failure_reason = match to {
                        SourceStatus::Failed => reason,
                        SourceStatus::Processing | SourceStatus::Completed => None,
                        SourceStatus::Ingested => cur.failure_reason.clone(),
                    };
                    let processed_at = if matches!(to, SourceStatus::Completed | SourceStatus::Failed) { Some(self.now()) } else { cur.processed_at };
                    let q = sqlx::query_as::<$db, SourceRow>(
                        "UPDATE content_sources SET status = $2, failure_reason = $3, processed_at = $4, status_changed_at = $6
                         WHERE id = $1 AND status = $5 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(to.as_str())
                    .bind(failure_reason)
                    .bind(processed_at)
                    .bind(cur.status.as_str())
                    .bind(self.now());
                    fetch_optional(&self.pool, q).await?.ok_or_else(|| concurrently("source", id))
                }

                async fn set_source_transcript(&self, id: SourceId, transcript: String, from: TranscriptSource) -> Result<ContentSource> {
                    let q = sqlx::query_as::<$db, SourceRow>("UPDATE content_sources SET transcript = $2, transcript_source = $3 WHERE id = $1 RETURNING *")
                        .bind(id.0)
                        .bind(transcript)
                        .bind(from.as_str());
                    fetch_one_or_not_found(&self.pool, q, SourceId::ENTITY, id).await
                }

                async fn set_source_metadata(&self, id: SourceId, metadata: serde_json::Value) -> Result<ContentSource> {
                    let q = sqlx::query_as::<$db, SourceRow>("UPDATE content_sources SET metadata = $2 WHERE id = $1 RETURNING *")
                        .bind(id.0)
                        .bind(Json(metadata));
                    fetch_one_or_not_found(&self.pool, q, SourceId::ENTITY, id).await
                }

                async fn stale_sources(&self, status: SourceStatus, before: chrono::DateTime<chrono::Utc>, limit: u32) -> Result<Vec<ContentSource>> {
                    let q = sqlx::query_as::<$db, SourceRow>(
                        "SELECT * FROM content_sources WHERE status = $1 AND COALESCE(status_changed_at, created_at) < $2
                         ORDER BY COALESCE(status_changed_at, created_at), id LIMIT $3",
                    )
                    .bind(status.as_str())
                    .bind(before)
                    .bind(i64::from(page_limit(limit, 100, 1000)));
                    fetch_all(&self.pool, q).await
                }

                async fn count_sources(&self) -> Result<u64> {
                    let n: i64 = sqlx::query_scalar::<$db, i64>("SELECT COUNT(*) FROM content_sources").fetch_one(&self.pool).await.map_err(db_err)?;
                    Ok(u64::try_from(n).unwrap_or(0))
                }

                async fn delete_source(&self, id: SourceId) -> Result<(ContentSource, u64)> {
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    // Detach first (a write: SQLite takes its write lock at once); an item moved
                    // past review meanwhile is not detached and is found by the check below.
                    let detached = sqlx::query::<$db>(
                        "UPDATE content_items SET source_id = NULL, updated_at = $2 WHERE source_id = $1 AND status IN ('generated', 'in_review', 'rejected')",
                    )
                    .bind(id.0)
                    .bind(self.now())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                    let blocker: Option<(uuid::Uuid, String)> =
                        sqlx::query_as::<$db, (uuid::Uuid, String)>("SELECT id, status FROM content_items WHERE source_id = $1 ORDER BY created_at, id LIMIT 1")
                            .bind(id.0)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    if let Some((item, status)) = blocker {
                        tx.rollback().await.map_err(db_err)?;
                        self.get_source(id).await?;
                        return Err(Error::conflict(format!(
                            "source {id} has content past review (item {item} is `{status}`): cancel it or send it back to review first"
                        )));
                    }
                    let row = sqlx::query_as::<$db, SourceRow>("DELETE FROM content_sources WHERE id = $1 RETURNING *")
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    let Some(row) = row else {
                        tx.rollback().await.map_err(db_err)?;
                        return Err(Error::not_found(SourceId::ENTITY, id));
                    };
                    tx.commit().await.map_err(db_err)?;
                    Ok((row.try_into()?, detached))
                }
            }
        };
    };
}

pub(crate) use impl_source_store;
