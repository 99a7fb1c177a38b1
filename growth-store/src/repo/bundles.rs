//! [`BundlePieceStore`](growth_core::store::BundlePieceStore): generated pieces saved once per
//! (bundle, piece). The key is the `bundle_id`, `bundle_piece` column pair of `content_items`
//! under a partial unique index (migration `20261213000012_bundle_piece_key`); a save is
//! `INSERT … ON CONFLICT DO NOTHING` and, when another run saved the key first, a read of that
//! row — insert-or-get, one round trip more only on the conflict.

/// Implements `BundlePieceStore` for `$store` on `$db`.
macro_rules! impl_bundle_piece_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use growth_core::domain::*;
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::types::Json;

            use $crate::repo::{db_err, is_fk_violation};
            use $crate::rows::ContentRow;

            #[async_trait]
            impl BundlePieceStore for $store {
                async fn insert_bundle_piece(&self, bundle: &str, piece: &str, item: NewContentItem) -> Result<(ContentItem, bool)> {
                    let now = self.now();
                    let id = ContentId::new();
                    let platform = item.target_platform.unwrap_or(item.content_type.default_platform());
                    let mut tx = self.pool.begin().await.map_err(db_err)?;
                    let row = sqlx::query_as::<$db, ContentRow>(
                        "INSERT INTO content_items (id, source_id, content_type, title, content, version, status, ai_detection_score,
                            ai_detection_passed, icp_score, icp_passed, quality_verdicts, quality_flagged, predicted_engagement,
                            target_platform, platform_specific_data, created_at, updated_at, bundle_id, bundle_piece)
                         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18)
                         ON CONFLICT DO NOTHING RETURNING *",
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
                    .bind(bundle)
                    .bind(piece)
                    .fetch_optional(&mut *tx)
                    .await;
                    let row = match row {
                        Ok(Some(r)) => r,
                        // Another run saved this piece first (its transaction committed: PostgreSQL
                        // waits for a concurrent insert of the key before it does nothing).
                        Ok(None) => {
                            drop(tx);
                            return match self.get_bundle_piece(bundle, piece).await? {
                                Some(existing) => Ok((existing, false)),
                                None => Err(Error::conflict(format!(
                                    "piece {piece} of bundle {bundle} could not be saved and no saved copy was found; try again"
                                ))),
                            };
                        }
                        Err(e) if is_fk_violation(&e) => {
                            return Err(Error::not_found(SourceId::ENTITY, item.source_id.map(|s| s.to_string()).unwrap_or_default()));
                        }
                        Err(e) => return Err(db_err(e)),
                    };
                    sqlx::query::<$db>(
                        "INSERT INTO content_versions (content_item_id, version, title, content, edited_by, created_at) VALUES ($1, 1, $2, $3, NULL, $4)",
                    )
                    .bind(id.0)
                    .bind(&item.title)
                    .bind(&item.content)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    tx.commit().await.map_err(db_err)?;
                    Ok((row.try_into()?, true))
                }

                async fn get_bundle_piece(&self, bundle: &str, piece: &str) -> Result<Option<ContentItem>> {
                    let row = sqlx::query_as::<$db, ContentRow>("SELECT * FROM content_items WHERE bundle_id = $1 AND bundle_piece = $2")
                        .bind(bundle)
                        .bind(piece)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_err)?;
                    row.map(TryInto::try_into).transpose()
                }
            }
        };
    };
}

pub(crate) use impl_bundle_piece_store;
