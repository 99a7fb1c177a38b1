//! [`KnowledgeStore`](growth_core::store::KnowledgeStore): the knowledge base, ICP profiles and
//! sales objections, the material generation retrieves from.

/// Implements `KnowledgeStore` for `$store` on `$db` (uses `content_exists` from
/// [`impl_content_store!`](super::impl_content_store)).
macro_rules! impl_knowledge_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use growth_core::domain::*;
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::QueryBuilder;
            use sqlx::types::Json;

            use $crate::repo::{concurrently, db_err, fetch_all, fetch_one, fetch_one_or_not_found, fetch_optional};
            use $crate::rows::{IcpRow, KnowledgeRow, ObjectionRow};

            /// Binds the profile's columns, `source` to `industry`, in table order.
            fn bind_profile<'q>(
                q: sqlx::query::QueryAs<'q, $db, IcpRow, <$db as sqlx::Database>::Arguments>,
                n: &'q NewIcpProfile,
            ) -> sqlx::query::QueryAs<'q, $db, IcpRow, <$db as sqlx::Database>::Arguments> {
                q.bind(n.source.as_str())
                    .bind(&n.source_id)
                    .bind(Json(&n.pain_points))
                    .bind(Json(&n.language_patterns))
                    .bind(Json(&n.objections))
                    .bind(Json(&n.goals))
                    .bind(&n.role)
                    .bind(&n.company_size)
                    .bind(&n.industry)
            }

            #[async_trait]
            impl KnowledgeStore for $store {
                async fn create_knowledge(&self, n: NewKnowledgeItem) -> Result<KnowledgeItem> {
                    let q = sqlx::query_as::<$db, KnowledgeRow>(
                        "INSERT INTO knowledge_base (id, item_type, title, content, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
                    )
                    .bind(KnowledgeId::new().0)
                    .bind(n.item_type.as_str())
                    .bind(&n.title)
                    .bind(&n.content)
                    .bind(Json(&n.metadata))
                    .bind(self.now());
                    fetch_one(&self.pool, q).await
                }

                async fn get_knowledge(&self, id: KnowledgeId) -> Result<KnowledgeItem> {
                    let q = sqlx::query_as::<$db, KnowledgeRow>("SELECT * FROM knowledge_base WHERE id = $1").bind(id.0);
                    fetch_one_or_not_found(&self.pool, q, KnowledgeId::ENTITY, id).await
                }

                async fn list_knowledge(&self, t: Option<KnowledgeItemType>) -> Result<Vec<KnowledgeItem>> {
                    let mut q = QueryBuilder::<$db>::new("SELECT * FROM knowledge_base");
                    if let Some(t) = t {
                        q.push(" WHERE item_type = ").push_bind(t.as_str());
                    }
                    q.push(" ORDER BY created_at, id");
                    fetch_all(&self.pool, q.build_query_as::<KnowledgeRow>()).await
                }

                async fn update_knowledge(&self, id: KnowledgeId, n: NewKnowledgeItem) -> Result<KnowledgeItem> {
                    let q = sqlx::query_as::<$db, KnowledgeRow>(
                        "UPDATE knowledge_base SET item_type = $2, title = $3, content = $4, metadata = $5, embedding_id = NULL, updated_at = $6 WHERE id = $1 RETURNING *",
                    )
                    .bind(id.0)
                    .bind(n.item_type.as_str())
                    .bind(&n.title)
                    .bind(&n.content)
                    .bind(Json(&n.metadata))
                    .bind(self.now());
                    fetch_one_or_not_found(&self.pool, q, KnowledgeId::ENTITY, id).await
                }

                async fn set_knowledge_embedding(&self, id: KnowledgeId, embedding_id: Option<String>) -> Result<KnowledgeItem> {
                    let q = sqlx::query_as::<$db, KnowledgeRow>("UPDATE knowledge_base SET embedding_id = $2 WHERE id = $1 RETURNING *").bind(id.0).bind(embedding_id);
                    fetch_one_or_not_found(&self.pool, q, KnowledgeId::ENTITY, id).await
                }

                async fn delete_knowledge(&self, id: KnowledgeId) -> Result<()> {
                    let r = sqlx::query::<$db>("DELETE FROM knowledge_base WHERE id = $1").bind(id.0).execute(&self.pool).await.map_err(db_err)?;
                    if r.rows_affected() == 0 { Err(Error::not_found(KnowledgeId::ENTITY, id)) } else { Ok(()) }
                }

                async fn create_icp_profile(&self, n: NewIcpProfile) -> Result<IcpProfile> {
                    let q = sqlx::query_as::<$db, IcpRow>(
                        "INSERT INTO icp_profiles (id, source, source_id, pain_points, language_patterns, objections, goals, role, company_size, industry, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *",
                    )
                    .bind(IcpProfileId::new().0);
                    let q = bind_profile(q, &n).bind(self.now());
                    fetch_one(&self.pool, q).await
                }

                async fn get_icp_profile(&self, id: IcpProfileId) -> Result<IcpProfile> {
                    let q = sqlx::query_as::<$db, IcpRow>("SELECT * FROM icp_profiles WHERE id = $1").bind(id.0);
                    fetch_one_or_not_found(&self.pool, q, IcpProfileId::ENTITY, id).await
                }

                async fn list_icp_profiles(&self) -> Result<Vec<IcpProfile>> {
                    fetch_all(&self.pool, sqlx::query_as::<$db, IcpRow>("SELECT * FROM icp_profiles ORDER BY created_at, id")).await
                }

                async fn update_icp_profile(&self, id: IcpProfileId, n: NewIcpProfile) -> Result<IcpProfile> {
                    let q = sqlx::query_as::<$db, IcpRow>(
                        "UPDATE icp_profiles SET source = $2, source_id = $3, pain_points = $4, language_patterns = $5, objections = $6, goals = $7,
                            role = $8, company_size = $9, industry = $10, embedding_id = NULL WHERE id = $1 RETURNING *",
                    )
                    .bind(id.0);
                    fetch_one_or_not_found(&self.pool, bind_profile(q, &n), IcpProfileId::ENTITY, id).await
                }

                async fn set_icp_embedding(&self, id: IcpProfileId, embedding_id: Option<String>) -> Result<IcpProfile> {
                    let q = sqlx::query_as::<$db, IcpRow>("UPDATE icp_profiles SET embedding_id = $2 WHERE id = $1 RETURNING *").bind(id.0).bind(embedding_id);
                    fetch_one_or_not_found(&self.pool, q, IcpProfileId::ENTITY, id).await
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
                    let q = sqlx::query_as::<$db, ObjectionRow>(
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
                    .bind(now);
                    fetch_one(&self.pool, q).await
                }

                async fn list_objections(&self) -> Result<Vec<Objection>> {
                    fetch_all(&self.pool, sqlx::query_as::<$db, ObjectionRow>("SELECT * FROM objections ORDER BY frequency DESC, first_mentioned, id")).await
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
                        let q = sqlx::query_as::<$db, ObjectionRow>(
                            "UPDATE objections SET content_item_ids = $2, content_generated = $3 WHERE id = $1 AND content_item_ids = $4 RETURNING *",
                        )
                        .bind(id.0)
                        .bind(Json(&after))
                        .bind(true)
                        .bind(Json(&before));
                        if let Some(updated) = fetch_optional(&self.pool, q).await? {
                            return Ok(updated);
                        }
                    }
                    Err(concurrently("objection", id))
                }
            }
        };
    };
}

pub(crate) use impl_knowledge_store;
