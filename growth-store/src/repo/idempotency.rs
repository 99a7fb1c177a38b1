//! [`IdempotencyStore`](growth_core::store::IdempotencyStore): idempotency keys of API requests
//! and the once-per-instant firing of cron entries across instances.

/// Implements `IdempotencyStore` for `$store` on `$db`.
macro_rules! impl_idempotency_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use growth_core::store::*;
            use growth_core::{Error, Result};
            use sqlx::types::Json;

            use $crate::repo::{db_err, micros};

            #[async_trait]
            impl IdempotencyStore for $store {
                async fn begin_idempotency(&self, scope: &str, key: &str) -> Result<IdempotencyState> {
                    let r = sqlx::query::<$db>(
                        "INSERT INTO idempotency_keys (scope, key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(scope)
                    .bind(key)
                    .bind(self.now())
                    .execute(&self.pool)
                    .await
                    .map_err(db_err)?;
                    if r.rows_affected() == 1 {
                        return Ok(IdempotencyState::Started);
                    }
                    let saved: Option<Option<Json<serde_json::Value>>> = sqlx::query_scalar::<$db, Option<Json<serde_json::Value>>>(
                        "SELECT response FROM idempotency_keys WHERE scope = $1 AND key = $2",
                    )
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
                    let r =
                        sqlx::query::<$db>("UPDATE idempotency_keys SET response = $3, completed_at = $4 WHERE scope = $1 AND key = $2")
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
                    let r = sqlx::query::<$db>(
                        "INSERT INTO cron_firings (name, fire_at, instance, fired_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    )
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
        };
    };
}

pub(crate) use impl_idempotency_store;
