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
    /// `:memory:`: one connection, no second one can see it.
    in_memory: bool,
}

/// How often [`SqliteStore::watch_review_changes`] asks whether another connection committed.
pub const DATA_VERSION_POLL: Duration = Duration::from_millis(5);

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
        Ok(Self { pool, clock, sweeps: Arc::default(), in_memory: memory })
    }

    /// Applies pending migrations; running it again is a no-op.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| Error::internal("SQLite migration failed", e))
    }

    /// Whether this is an in-memory database.
    pub fn is_in_memory(&self) -> bool {
        self.in_memory
    }

    /// The connection pool, for callers that need raw access (benchmarks, admin tools).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Keeps `changes` on SQLite, which has no notifications, until the pool is closed: a
    /// connection of its own, outside the pool, reads `PRAGMA data_version` every `every` (see
    /// [`DATA_VERSION_POLL`]) and bumps `changes` when it moved. SQLite moves that number on every
    /// commit made by *another* connection — a pool connection of this process or any connection
    /// of another process on the same file — and this connection never writes, so no commit is
    /// missed; commits that do not touch review bump it too (a needless re-read, never a stale
    /// answer). Like PostgreSQL's `NOTIFY`, a commit is seen within one poll; the review stage
    /// bumps `changes` itself right after its own writes. An in-memory database has no second
    /// connection: `changes` never goes live and the fingerprint is read on every request.
    pub async fn watch_review_changes(&self, changes: Arc<growth_core::review::ReviewChanges>, every: Duration) {
        if self.in_memory {
            return;
        }
        let mut backoff = Duration::from_millis(100);
        while !self.pool.is_closed() {
            match self.poll_data_version(&changes, every).await {
                Ok(()) => break,
                Err(e) => {
                    changes.set_live(false);
                    tracing::warn!(error = %e.to_string().lines().next().unwrap_or_default(), "review change watch lost; the review fingerprint is read from the database until it is back");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
        changes.set_live(false);
    }

    /// One watching session: `Ok` when the pool closed, `Err` when the connection failed.
    async fn poll_data_version(
        &self,
        changes: &growth_core::review::ReviewChanges,
        every: Duration,
    ) -> std::result::Result<(), sqlx::Error> {
        use sqlx::ConnectOptions;
        let mut conn = self.pool.connect_options().as_ref().clone().connect().await?;
        let mut seen: i64 = sqlx::query_scalar("PRAGMA data_version").fetch_one(&mut conn).await?;
        changes.set_live(true);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if self.pool.is_closed() {
                return Ok(());
            }
            let now: i64 = sqlx::query_scalar("PRAGMA data_version").fetch_one(&mut conn).await?;
            if now != seen {
                seen = now;
                changes.bump();
            }
        }
    }
}

crate::repo::impl_repositories!(SqliteStore, sqlx::Sqlite, backend = "sqlite", skip_locked = "");
