//! [`LearningStore`](growth_core::store::LearningStore): learned rule versions (written with a
//! compare-and-set on their status, in one transaction), CIPHER-style preferences, and the edits
//! mining reads across items.

/// Implements `LearningStore` for `$store` on `$db`.
macro_rules! impl_learning_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use growth_core::domain::*;
            use growth_core::learn::{PreferenceRecord, Rule, RuleStatus};
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::types::Json;

            use $crate::repo::{db_err, fetch_all, fetch_one_or_not_found, is_unique_violation, micros};
            use $crate::rows::{ContentRow, EditRow, PreferenceRow, RuleRow};

            #[async_trait]
            impl LearningStore for $store {
                async fn list_rules(&self) -> Result<Vec<Rule>> {
                    fetch_all(&self.pool, sqlx::query_as::<$db, RuleRow>("SELECT * FROM learned_rules ORDER BY id, version")).await
                }

                async fn write_rules(&self, mut writes: Vec<RuleWrite>) -> Result<()> {
                    // Retirements first: the partial unique index allows one active version per lineage.
                    writes.sort_by_key(|w| w.rule.status != RuleStatus::Retired);
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    for w in &writes {
                        let r = &w.rule;
                        let version = i32::try_from(r.version).map_err(|_| Error::invalid_field("version", "too large"))?;
                        let support = i32::try_from(r.support).unwrap_or(i32::MAX);
                        let result = match w.expected {
                            None => sqlx::query::<$db>(
                                "INSERT INTO learned_rules (id, version, content_type, kind, status, category, support, confidence, provenance,
                                    created_at, activated_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                            )
                            .bind(r.id.0)
                            .bind(version)
                            .bind(r.content_type.map(|t| t.as_str()))
                            .bind(Json(&r.kind))
                            .bind(r.status.as_str())
                            .bind(r.category.as_str())
                            .bind(support)
                            .bind(r.confidence)
                            .bind(Json(&r.provenance))
                            .bind(micros(r.created_at))
                            .bind(r.activated_at.map(micros))
                            .bind(r.retired_at.map(micros))
                            .execute(&mut *tx)
                            .await,
                            Some(expected) => sqlx::query::<$db>(
                                "UPDATE learned_rules SET status = $3, support = $4, confidence = $5, provenance = $6, activated_at = $7, retired_at = $8
                                 WHERE id = $1 AND version = $2 AND status = $9",
                            )
                            .bind(r.id.0)
                            .bind(version)
                            .bind(r.status.as_str())
                            .bind(support)
                            .bind(r.confidence)
                            .bind(Json(&r.provenance))
                            .bind(r.activated_at.map(micros))
                            .bind(r.retired_at.map(micros))
                            .bind(expected.as_str())
                            .execute(&mut *tx)
                            .await,
                        };
                        match result {
                            Ok(done) if done.rows_affected() == 1 => {}
                            Ok(_) => {
                                return Err(Error::conflict(format!(
                                    "rule {} v{} is no longer {}: it was changed concurrently; reload and try again",
                                    r.id,
                                    r.version,
                                    w.expected.map_or("new", |s| s.as_str())
                                )));
                            }
                            Err(e) if is_unique_violation(&e) => {
                                return Err(Error::conflict(format!(
                                    "rule {} v{} was written concurrently (a version exists already, or another is active); reload and try again",
                                    r.id, r.version
                                )));
                            }
                            Err(e) => return Err(db_err(e)),
                        }
                    }
                    tx.commit().await.map_err(db_err)
                }

                async fn list_edits_since(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<ContentEdit>> {
                    let q = sqlx::query_as::<$db, EditRow>("SELECT * FROM content_edits WHERE created_at >= $1 ORDER BY created_at, id LIMIT $2")
                        .bind(micros(since))
                        .bind(i64::from(limit));
                    fetch_all(&self.pool, q).await
                }

                async fn insert_preference(&self, p: PreferenceRecord) -> Result<PreferenceRecord> {
                    if p.preference.trim().is_empty() {
                        return Err(Error::invalid_field("preference", "must not be empty"));
                    }
                    let q = sqlx::query_as::<$db, PreferenceRow>(
                        "INSERT INTO learned_preferences (id, content_type, content_item_id, context_embedding, preference, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
                    )
                    .bind(p.id)
                    .bind(p.content_type.as_str())
                    .bind(p.content_item_id.map(|c| c.0))
                    .bind(Json(&p.context_embedding))
                    .bind(p.preference.trim())
                    .bind(micros(p.created_at));
                    match q.fetch_one(&self.pool).await {
                        Ok(row) => row.try_into(),
                        Err(e) if is_unique_violation(&e) => Err(Error::conflict(format!("preference {} exists already", p.id))),
                        Err(e) if $crate::repo::is_fk_violation(&e) => {
                            Err(Error::not_found(ContentId::ENTITY, p.content_item_id.map(|c| c.to_string()).unwrap_or_default()))
                        }
                        Err(e) => Err(db_err(e)),
                    }
                }

                async fn list_preferences(&self, content_type: Option<ContentType>) -> Result<Vec<PreferenceRecord>> {
                    let mut q = sqlx::QueryBuilder::<$db>::new("SELECT * FROM learned_preferences");
                    if let Some(t) = content_type {
                        q.push(" WHERE content_type = ").push_bind(t.as_str());
                    }
                    q.push(" ORDER BY created_at, id");
                    fetch_all(&self.pool, q.build_query_as::<PreferenceRow>()).await
                }

                async fn update_preference(&self, id: uuid::Uuid, preference: String) -> Result<PreferenceRecord> {
                    if preference.trim().is_empty() {
                        return Err(Error::invalid_field("preference", "must not be empty"));
                    }
                    let q = sqlx::query_as::<$db, PreferenceRow>("UPDATE learned_preferences SET preference = $2 WHERE id = $1 RETURNING *")
                        .bind(id)
                        .bind(preference.trim());
                    fetch_one_or_not_found(&self.pool, q, "preference", id).await
                }

                async fn delete_preference(&self, id: uuid::Uuid) -> Result<()> {
                    let done = sqlx::query::<$db>("DELETE FROM learned_preferences WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    if done.rows_affected() == 0 {
                        return Err(Error::not_found("preference", id));
                    }
                    Ok(())
                }

                async fn set_best_time(
                    &self,
                    id: ContentId,
                    best_publish_time: Option<DateTime<Utc>>,
                    predicted_engagement: Option<serde_json::Value>,
                ) -> Result<ContentItem> {
                    let q = sqlx::query_as::<$db, ContentRow>(
                        "UPDATE content_items SET best_publish_time = $2, predicted_engagement = $3 WHERE id = $1 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(best_publish_time.map(micros))
                    .bind(predicted_engagement.as_ref().map(Json));
                    fetch_one_or_not_found(&self.pool, q, ContentId::ENTITY, id).await
                }
            }

        };
    };
}

pub(crate) use impl_learning_store;
