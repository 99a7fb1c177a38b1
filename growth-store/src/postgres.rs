//! The production backend: PostgreSQL, for many server and worker instances.
//!
//! Queue and schedule claims use `FOR UPDATE SKIP LOCKED`, so any number of workers on any number
//! of machines take disjoint work without blocking each other.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use growth_core::{Clock, Error, Result};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Every repository and the job queue on PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) sweeps: Arc<crate::repo::Sweeps>,
}

/// Where a PostgreSQL URL points, without its credentials (for error messages and logs).
pub fn describe_pg_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!("{}:{}/{}", u.host_str().unwrap_or("localhost"), u.port().unwrap_or(5432), u.path().trim_start_matches('/')),
        Err(_) => "an unparseable URL".into(),
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user:pass@host:port/db`). Fails fast (5 s) with a one-line
    /// error naming the host and database, never the password.
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::connect_in_schema(url, None, clock).await
    }

    /// Like [`PgStore::connect`], but every connection works in `schema` (created if missing):
    /// one database can hold several isolated stores (tests, tenants).
    pub async fn connect_in_schema(url: &str, schema: Option<&str>, clock: Arc<dyn Clock>) -> Result<Self> {
        let place = describe_pg_url(url);
        let mut opts = PgConnectOptions::from_str(url).map_err(|_| Error::Config(format!("invalid PostgreSQL URL for {place}")))?;
        if let Some(schema) = schema {
            if !schema.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') || schema.is_empty() {
                return Err(Error::Config(format!("invalid schema name `{schema}`")));
            }
            let setup = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts.clone())
                .await
                .map_err(|e| Error::Config(format!("cannot connect to PostgreSQL at {place}: {}", short(&e))))?;
            // The name was checked to be [A-Za-z0-9_]+ above.
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}")))
                .execute(&setup)
                .await
                .map_err(crate::repo::db_err)?;
            setup.close().await;
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .map_err(|e| Error::Config(format!("cannot connect to PostgreSQL at {place}: {}", short(&e))))?;
        Ok(Self { pool, clock, sweeps: Arc::default() })
    }

    /// Applies pending migrations; running it again is a no-op.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| Error::internal("PostgreSQL migration failed", e))
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Keeps `changes` from the database's review notifications (the `growth_review` channel, this
    /// store's schema) until the pool is closed: every notification bumps it; the feed is live while
    /// the listener is connected, and a reconnection counts as a change (see
    /// [`growth_core::review::ReviewChanges`]).
    pub async fn watch_review_changes(&self, changes: Arc<growth_core::review::ReviewChanges>) {
        let mut backoff = Duration::from_millis(100);
        while !self.pool.is_closed() {
            match self.listen(&changes).await {
                Ok(()) => backoff = Duration::from_millis(100),
                Err(e) => {
                    changes.set_live(false);
                    if self.pool.is_closed() {
                        break;
                    }
                    tracing::warn!(error = %short(&e), "review change feed lost; the review fingerprint is read from the database until it is back");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
        changes.set_live(false);
    }

    /// One listening session: returns `Ok` when the connection was lost (notifications may have
    /// been missed), `Err` when it could not listen.
    async fn listen(&self, changes: &growth_core::review::ReviewChanges) -> std::result::Result<(), sqlx::Error> {
        let schema: String = sqlx::query_scalar("SELECT current_schema()").fetch_one(&self.pool).await?;
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen("growth_review").await?;
        changes.set_live(true);
        loop {
            match listener.try_recv().await? {
                Some(n) if n.payload() == schema => changes.bump(),
                Some(_) => {}
                None => {
                    // The connection dropped; `try_recv` reconnects on the next call.
                    changes.set_live(false);
                    return Ok(());
                }
            }
        }
    }
}

/// The first line of a connection error (sqlx errors never contain the password, but some are long).
fn short(e: &sqlx::Error) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

crate::repo::impl_repositories!(PgStore, sqlx::Postgres, backend = "postgres", skip_locked = " FOR UPDATE SKIP LOCKED");
