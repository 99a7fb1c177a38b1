//! The embedded backend: one SQLite file (or `:memory:` for tests).
//!
//! SQLite has a single writer. Writes from several connections or processes are serialised by the
//! database lock (WAL mode, a busy timeout), so the job queue's claim — one `UPDATE … RETURNING`
//! statement — is atomic without row locks; it is correct with several pools but does not scale
//! out the way PostgreSQL does. Run one server process per SQLite file.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use growth_core::{Clock, Error, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Every repository and the job queue on SQLite.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) sweeps: Arc<crate::repo::Sweeps>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url`: `sqlite://path`, `sqlite::memory:`,
    /// a plain path, or `:memory:`. An in-memory database lives as long as the store.
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        let memory = matches!(url, ":memory:" | "sqlite::memory:" | "sqlite://:memory:");
        let opts = if memory {
            SqliteConnectOptions::from_str("sqlite::memory:")
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            Ok(SqliteConnectOptions::new().filename(path))
        }
        .map_err(|e| Error::Config(format!("invalid SQLite database URL `{url}`: {e}")))?
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(if memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(15));
        // An in-memory database exists per connection: keep exactly one, forever.
        let pool_opts = if memory {
            SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        };
        let pool = pool_opts
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(opts)
            .await
            .map_err(|e| Error::Config(format!("cannot open SQLite database `{url}`: {e}")))?;
        Ok(Self { pool, clock, sweeps: Arc::default() })
    }

    /// Applies pending migrations; running it again is a no-op.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| Error::internal("SQLite migration failed", e))
    }

    /// The connection pool, for callers that need raw access (benchmarks, admin tools).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

crate::repo::impl_repositories!(SqliteStore, sqlx::Sqlite, backend = "sqlite", skip_locked = "");
