#![doc = include_str!("../README.md")]

mod blob;
#[cfg(feature = "postgres")]
mod postgres;
mod repo;
mod rows;
mod sqlite;
pub mod vectors;

use std::sync::Arc;

use growth_core::store::Store;
use growth_core::{Clock, Error, Result};

pub use blob::ObjectBlobStore;
#[cfg(feature = "postgres")]
pub use postgres::{PgStore, describe_pg_url};
pub use sqlite::{DATA_VERSION_POLL, SqliteStore};
pub use vectors::{HashedRecord, SqlVectorStore, VectorIndex};

/// A connected database of either backend, chosen by URL scheme.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Database {
    /// SQLite.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(PgStore),
}

impl Database {
    /// Connects by URL: `postgres://…`/`postgresql://…` (feature `postgres`), else SQLite
    /// (`sqlite://path`, a plain path, `:memory:`).
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(Self::Postgres(PgStore::connect(url, clock).await?));
            #[cfg(not(feature = "postgres"))]
            return Err(Error::Config("this build has no PostgreSQL support (enable the `postgres` feature)".into()));
        }
        if url.contains("://") && !url.starts_with("sqlite:") {
            return Err(Error::Config(format!("unsupported database URL scheme in `{}`", url.split("://").next().unwrap_or(url))));
        }
        Ok(Self::Sqlite(SqliteStore::connect(url, clock).await?))
    }

    /// Applies pending migrations (idempotent).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.migrate().await,
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => s.migrate().await,
        }
    }

    /// The store, as the rest of the system holds it.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(s) => Arc::new(s.clone()),
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => Arc::new(s.clone()),
        }
    }

    /// Starts keeping `changes` from the database (a task that ends when the database is closed):
    /// on PostgreSQL from its review notifications, on SQLite by watching for commits of other
    /// connections (see [`SqliteStore::watch_review_changes`]); `None` for an in-memory SQLite
    /// database, whose review fingerprint is then read on every request.
    pub fn watch_review_changes(&self, changes: Arc<growth_core::review::ReviewChanges>) -> Option<tokio::task::JoinHandle<()>> {
        match self {
            Self::Sqlite(s) if s.is_in_memory() => {
                drop(changes);
                None
            }
            Self::Sqlite(s) => {
                let s = s.clone();
                Some(tokio::spawn(async move { s.watch_review_changes(changes, sqlite::DATA_VERSION_POLL).await }))
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => {
                let s = s.clone();
                Some(tokio::spawn(async move { s.watch_review_changes(changes).await }))
            }
        }
    }

    /// Users (kept apart from [`Database::store`]: the engine's stages never touch them).
    pub fn users(&self) -> Arc<dyn growth_core::store::UserStore> {
        match self {
            Self::Sqlite(s) => Arc::new(s.clone()),
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => Arc::new(s.clone()),
        }
    }

    /// Passwords and refresh tokens.
    pub fn auth(&self) -> Arc<dyn growth_core::store::AuthStore> {
        match self {
            Self::Sqlite(s) => Arc::new(s.clone()),
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => Arc::new(s.clone()),
        }
    }

    /// The embedded vector store of this database, for `dims`-dimensional vectors of the
    /// embedding model `model` (see [`SqlVectorStore::open`]).
    pub async fn vectors(&self, dims: usize, model: &str) -> Result<SqlVectorStore> {
        SqlVectorStore::open(self, dims, model).await
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(s) => s.pool().close().await,
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => s.pool().close().await,
        }
    }
}
