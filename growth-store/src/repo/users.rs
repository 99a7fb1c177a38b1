//! [`UserStore`](growth_core::store::UserStore): accounts and their roles.

/// Implements `UserStore` for `$store` on `$db`.
macro_rules! impl_user_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use growth_core::domain::*;
            use growth_core::store::*;
            use growth_core::{Error, Result};

            use $crate::repo::{db_err, fetch_all, fetch_one_or_not_found, fetch_optional, is_unique_violation};
            use $crate::rows::UserRow;

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
                    let q = sqlx::query_as::<$db, UserRow>("SELECT * FROM users WHERE id = $1").bind(id.0);
                    fetch_one_or_not_found(&self.pool, q, UserId::ENTITY, id).await
                }

                async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
                    let q = sqlx::query_as::<$db, UserRow>("SELECT * FROM users WHERE email = $1").bind(email.trim().to_lowercase());
                    fetch_optional(&self.pool, q).await
                }

                async fn list_users(&self) -> Result<Vec<User>> {
                    fetch_all(&self.pool, sqlx::query_as::<$db, UserRow>("SELECT * FROM users ORDER BY created_at, id")).await
                }

                async fn set_user_role(&self, id: UserId, role: Role) -> Result<User> {
                    let q = sqlx::query_as::<$db, UserRow>("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 RETURNING *")
                        .bind(id.0)
                        .bind(role.as_str())
                        .bind(self.now());
                    fetch_one_or_not_found(&self.pool, q, UserId::ENTITY, id).await
                }

                async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<User> {
                    let sql = if disabled {
                        "UPDATE users SET disabled_at = COALESCE(disabled_at, $2), sessions_revoked_at = $2, updated_at = $2 WHERE id = $1 RETURNING *"
                    } else {
                        "UPDATE users SET disabled_at = NULL, updated_at = $2 WHERE id = $1 RETURNING *"
                    };
                    let q = sqlx::query_as::<$db, UserRow>(sql).bind(id.0).bind(self.now());
                    fetch_one_or_not_found(&self.pool, q, UserId::ENTITY, id).await
                }

                async fn revoke_user_sessions(&self, id: UserId) -> Result<User> {
                    let q = sqlx::query_as::<$db, UserRow>("UPDATE users SET sessions_revoked_at = $2, updated_at = $2 WHERE id = $1 RETURNING *")
                        .bind(id.0)
                        .bind(self.now());
                    fetch_one_or_not_found(&self.pool, q, UserId::ENTITY, id).await
                }
            }
        };
    };
}

pub(crate) use impl_user_store;
