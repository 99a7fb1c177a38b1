//! [`AuthStore`](growth_core::store::AuthStore): password hashes and rotating refresh tokens.

/// Implements `AuthStore` for `$store` on `$db`.
macro_rules! impl_auth_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use growth_core::domain::*;
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use uuid::Uuid;

            use $crate::repo::{db_err, is_fk_violation, is_unique_violation, micros};
            use $crate::rows::RefreshRow;

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

                async fn revoke_user_tokens(&self, user_id: UserId) -> Result<u64> {
                    let r = sqlx::query::<$db>("UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                        .bind(user_id.0)
                        .bind(self.now())
                        .execute(&self.pool)
                        .await
                        .map_err(db_err)?;
                    Ok(r.rows_affected())
                }

                async fn refresh_family_started_at(&self, family_id: Uuid) -> Result<Option<DateTime<Utc>>> {
                    sqlx::query_scalar::<$db, Option<DateTime<Utc>>>("SELECT MIN(created_at) FROM refresh_tokens WHERE family_id = $1")
                        .bind(family_id)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(db_err)
                }
            }
        };
    };
}

pub(crate) use impl_auth_store;
