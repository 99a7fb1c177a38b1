//! Test databases: SQLite always; PostgreSQL when `GROWTH_TEST_DATABASE_URL` is set (each store in a
//! fresh schema), and a hard failure instead of a skip when `GROWTH_REQUIRE_POSTGRES=1`.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use growth_core::Clock;

/// The PostgreSQL test URL, or `None` (skip) — panics when PostgreSQL is required but not configured.
pub fn pg_url() -> Option<String> {
    match std::env::var("GROWTH_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("GROWTH_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("GROWTH_REQUIRE_POSTGRES=1 but GROWTH_TEST_DATABASE_URL is not set");
            }
            eprintln!("skipping PostgreSQL: GROWTH_TEST_DATABASE_URL is not set");
            None
        }
    }
}

/// A fresh, migrated SQLite store in memory.
pub async fn sqlite(clock: Arc<dyn Clock>) -> growth_store::SqliteStore {
    let s = growth_store::SqliteStore::connect(":memory:", clock).await.unwrap();
    s.migrate().await.unwrap();
    s
}

/// Schemas created by a test, dropped by [`Schemas::drop_all`].
#[derive(Clone, Default)]
pub struct Schemas(pub Arc<Mutex<Vec<String>>>);

impl Schemas {
    pub fn fresh_name(&self) -> String {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        self.0.lock().unwrap().push(name.clone());
        name
    }

    pub async fn drop_all(&self, url: &str) {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let names: Vec<String> = self.0.lock().unwrap().drain(..).collect();
        for s in names {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {s} CASCADE"))).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
}

/// A fresh, migrated PostgreSQL store in its own schema.
pub async fn postgres(url: &str, schemas: &Schemas, clock: Arc<dyn Clock>) -> growth_store::PgStore {
    let s = growth_store::PgStore::connect_in_schema(url, Some(&schemas.fresh_name()), clock).await.unwrap();
    s.migrate().await.unwrap();
    s
}
