//! [`ContentStore`](growth_core::store::ContentStore): content items with their versions and the
//! reviewer's edits, the review queue grouped by source.

/// Implements `ContentStore` for `$store` on `$db`, and `content_exists`, which the knowledge
/// store also uses.
macro_rules! impl_content_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use growth_core::domain::*;
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::QueryBuilder;
            use sqlx::types::Json;

            use $crate::repo::{push_list, concurrently, db_err, fetch_all, fetch_one_or_not_found, fetch_optional, is_fk_violation};
            use $crate::rows::{ContentRow, EditRow, VersionRow};

            impl $store {
                /// `NotFound` unless the content item exists.
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
                        q.push(" AND status IN ");
                        push_list(q, f.statuses.iter().map(|s| s.as_str()));
                    }
                    if let Some(s) = f.source_id {
                        q.push(" AND source_id = ").push_bind(s.0);
                    }
                    if let Some(t) = f.content_type {
                        q.push(" AND content_type = ").push_bind(t.as_str());
                    }
                    if let Some(p) = f.platform {
                        q.push(" AND target_platform = ").push_bind(p.as_str().to_owned());
                    }
                    // `ContentItem::listing_time`.
                    if let Some(from) = f.from {
                        q.push(" AND COALESCE(published_at, scheduled_publish_time, created_at) >= ").push_bind(from);
                    }
                    if let Some(to) = f.to {
                        q.push(" AND COALESCE(published_at, scheduled_publish_time, created_at) < ").push_bind(to);
                    }
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
                    let q = sqlx::query_as::<$db, ContentRow>("SELECT * FROM content_items WHERE id = $1").bind(id.0);
                    fetch_one_or_not_found(&self.pool, q, ContentId::ENTITY, id).await
                }

                async fn list_content(&self, f: &ContentFilter) -> Result<Vec<ContentItem>> {
                    let mut q = QueryBuilder::<$db>::new("SELECT * FROM content_items");
                    Self::push_content_filter(&mut q, f);
                    q.push(" ORDER BY created_at, id LIMIT ").push_bind(i64::from(page_limit(f.limit, 100, 500)));
                    q.push(" OFFSET ").push_bind(i64::from(f.offset));
                    fetch_all(&self.pool, q.build_query_as::<ContentRow>()).await
                }

                async fn pending_fingerprint(&self) -> Result<(u64, Option<DateTime<Utc>>)> {
                    let (n, latest): (i64, Option<DateTime<Utc>>) =
                        sqlx::query_as("SELECT COUNT(*), MAX(updated_at) FROM content_items WHERE status = 'in_review'")
                            .fetch_one(&self.pool)
                            .await
                            .map_err(db_err)?;
                    Ok((u64::try_from(n).unwrap_or(0), latest))
                }

                async fn list_pending_bundles(&self, limit: u32, offset: u32) -> Result<PendingPage> {
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
                            q.push("source_id IN ");
                            push_list(&mut q, ids.iter().copied());
                        }
                        if with_null {
                            q.push(" OR source_id IS NULL");
                        }
                        q.push(") ORDER BY created_at, id");
                        items = fetch_all(&self.pool, q.build_query_as::<ContentRow>()).await?;
                        if !ids.is_empty() {
                            let mut q = QueryBuilder::<$db>::new("SELECT id, source_type, title FROM content_sources WHERE id IN ");
                            push_list(&mut q, ids.iter().copied());
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
                    let q = sqlx::query_as::<$db, EditRow>("SELECT * FROM content_edits WHERE content_item_id = $1 ORDER BY created_at, id").bind(id.0);
                    fetch_all(&self.pool, q).await
                }

                async fn transition_content(&self, id: ContentId, ch: ContentTransition) -> Result<ContentItem> {
                    let cur = self.get_content(id).await?;
                    cur.status.transition(ch.to)?;
                    let rejection_reason = ch.rejection_reason.or(cur.rejection_reason);
                    let scheduled = if ch.scheduled_publish_time.is_some() || ch.to == ContentStatus::Approved { ch.scheduled_publish_time } else { cur.scheduled_publish_time };
                    let url = ch.published_url.or(cur.published_url);
                    let published_at = ch.published_at.or(cur.published_at);
                    let q = sqlx::query_as::<$db, ContentRow>(
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
                    .bind(cur.status.as_str());
                    fetch_optional(&self.pool, q).await?.ok_or_else(|| concurrently("content item", id))
                }

                async fn set_quality(&self, id: ContentId, q: QualityMetrics) -> Result<ContentItem> {
                    let query = sqlx::query_as::<$db, ContentRow>(
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
                    .bind(self.now());
                    fetch_one_or_not_found(&self.pool, query, ContentId::ENTITY, id).await
                }
            }
        };
    };
}

pub(crate) use impl_content_store;
