//! The repositories, written once and instantiated for each backend by [`impl_repositories!`].
//!
//! The SQL is the portable subset both engines share: `$n` placeholders (sqlx's SQLite driver maps
//! `$n` to the n-th argument), `RETURNING`, `ON CONFLICT`, partial indexes. The one difference
//! that matters, row locking for queue claims, is a macro argument: PostgreSQL claims with
//! `FOR UPDATE SKIP LOCKED`; SQLite has a single writer, so its claim statement is atomic as is.
//!
//! Every state change reads the current state, asks the domain state machine for the next one,
//! and writes with a compare-and-set (`WHERE status = <the state it read>`), so a concurrent
//! change is a `Conflict`, never a lost update.
//!
//! One module per aggregate, each with one macro that implements its store trait for a backend's
//! store type: [`users`], [`auth`], [`sources`], [`content`], [`schedules`] (with the publishing
//! log), [`analytics`], [`knowledge`] (knowledge base, ICP profiles, objections), [`idempotency`]
//! (with cron firings), [`jobs`] and [`health`]. The bodies stay macros rather than functions
//! generic over `sqlx::Database`: every bound value (UUIDs, instants, JSON, integers) would need
//! its own `Encode + Type` bound per statement, which buries the SQL under trait bounds. What is
//! backend-neutral without them — run a query, convert its rows, answer `NotFound` — is the plain
//! generic functions below, so no macro repeats it.

mod analytics;
mod attempts;
mod auth;
mod bundles;
mod content;
mod health;
mod idempotency;
mod jobs;
mod knowledge;
mod learning;
pub(crate) mod measure;
mod schedules;
mod sources;
mod users;

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use growth_core::{Error, Result};
use sqlx::query::QueryAs;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, QueryBuilder, Type};

pub(crate) use analytics::impl_analytics_store;
pub(crate) use attempts::impl_attempt_store;
pub(crate) use auth::impl_auth_store;
pub(crate) use bundles::impl_bundle_piece_store;
pub(crate) use content::impl_content_store;
pub(crate) use health::impl_store_health;
pub(crate) use idempotency::impl_idempotency_store;
pub(crate) use jobs::impl_job_queue;
pub(crate) use knowledge::impl_knowledge_store;
pub(crate) use learning::impl_learning_store;
pub(crate) use measure::impl_measure_store;
pub(crate) use schedules::impl_schedule_store;
pub(crate) use sources::impl_source_store;
pub(crate) use users::impl_user_store;

/// Maps a database error onto the library's error meanings.
pub(crate) fn db_err(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            Error::Transient { message: format!("database unavailable: {e}"), retry_after: None }
        }
        _ => Error::internal("database error", e),
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub(crate) fn is_fk_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_foreign_key_violation())
}

/// The store's notion of now: the clock truncated to microseconds, the finest instant both
/// backends store exactly.
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

pub(crate) fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    micros(now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::days(365)))
}

/// Throttles the housekeeping sweeps (lapsed job leases, lapsed schedule claims) to once per
/// second per store instance, by the store's clock: claims stay one statement on the hot path.
#[derive(Debug, Default)]
pub(crate) struct Sweeps {
    jobs: std::sync::atomic::AtomicI64,
    schedules: std::sync::atomic::AtomicI64,
}

/// Which sweep.
#[derive(Clone, Copy)]
pub(crate) enum Sweep {
    Jobs,
    Schedules,
}

impl Sweeps {
    /// Whether the sweep should run now (and records that it does).
    pub(crate) fn due(&self, which: Sweep, now: DateTime<Utc>) -> bool {
        use std::sync::atomic::Ordering;
        let slot = match which {
            Sweep::Jobs => &self.jobs,
            Sweep::Schedules => &self.schedules,
        };
        let now_us = now.timestamp_micros();
        let last = slot.load(Ordering::Relaxed);
        if last != 0 && (0..1_000_000).contains(&(now_us - last)) {
            return false;
        }
        slot.compare_exchange(last, now_us, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

pub(crate) fn concurrently(entity: &str, id: impl std::fmt::Display) -> Error {
    Error::conflict(format!("{entity} {id} was changed concurrently; reload and try again"))
}

/// Pushes `(v1, v2, …)`, each value bound, for an `IN` list.
pub(crate) fn push_list<'t, DB, T>(q: &mut QueryBuilder<DB>, values: impl IntoIterator<Item = T>)
where
    DB: Database,
    T: Encode<'t, DB> + Type<DB>,
{
    q.push("(");
    let mut sep = q.separated(", ");
    for v in values {
        sep.push_bind(v);
    }
    q.push(")");
}

/// Runs `query` on `executor` and converts the one row it returns (a `SELECT` by key or an
/// `UPDATE … RETURNING`) into its domain type; no row is `NotFound` for `entity` `id`.
pub(crate) async fn fetch_one_or_not_found<'q, 'c, DB, A, R, T, E>(
    executor: E,
    query: QueryAs<'q, DB, R, A>,
    entity: &'static str,
    id: impl ToString,
) -> Result<T>
where
    DB: Database,
    A: 'q + IntoArguments<DB>,
    R: Send + Unpin + for<'r> FromRow<'r, DB::Row>,
    E: Executor<'c, Database = DB>,
    T: TryFrom<R, Error = Error>,
{
    query.fetch_optional(executor).await.map_err(db_err)?.ok_or_else(|| Error::not_found(entity, id))?.try_into()
}

/// Runs `query` on `executor` and converts the row it returns, if any.
pub(crate) async fn fetch_optional<'q, 'c, DB, A, R, T, E>(executor: E, query: QueryAs<'q, DB, R, A>) -> Result<Option<T>>
where
    DB: Database,
    A: 'q + IntoArguments<DB>,
    R: Send + Unpin + for<'r> FromRow<'r, DB::Row>,
    E: Executor<'c, Database = DB>,
    T: TryFrom<R, Error = Error>,
{
    query.fetch_optional(executor).await.map_err(db_err)?.map(T::try_from).transpose()
}

/// Runs `query` on `executor` and converts every row it returns, in order.
pub(crate) async fn fetch_all<'q, 'c, DB, A, R, T, E>(executor: E, query: QueryAs<'q, DB, R, A>) -> Result<Vec<T>>
where
    DB: Database,
    A: 'q + IntoArguments<DB>,
    R: Send + Unpin + for<'r> FromRow<'r, DB::Row>,
    E: Executor<'c, Database = DB>,
    T: TryFrom<R, Error = Error>,
{
    query.fetch_all(executor).await.map_err(db_err)?.into_iter().map(T::try_from).collect()
}

/// Runs `query`, which always returns one row (an `INSERT … RETURNING`), and converts the row.
pub(crate) async fn fetch_one<'q, 'c, DB, A, R, T, E>(executor: E, query: QueryAs<'q, DB, R, A>) -> Result<T>
where
    DB: Database,
    A: 'q + IntoArguments<DB>,
    R: Send + Unpin + for<'r> FromRow<'r, DB::Row>,
    E: Executor<'c, Database = DB>,
    T: TryFrom<R, Error = Error>,
{
    query.fetch_one(executor).await.map_err(db_err)?.try_into()
}

/// Implements every store trait and the job queue for `$store`, which must have fields
/// `pool: sqlx::Pool<$db>`, `clock: Arc<dyn Clock>` and `sweeps: Arc<Sweeps>`. `$backend` is
/// what [`StoreHealth::backend`](growth_core::store::StoreHealth::backend) answers;
/// `$skip_locked` is appended to the sub-select of queue and schedule claims.
macro_rules! impl_repositories {
    ($store:ty, $db:ty, backend = $backend:literal, skip_locked = $skip_locked:literal) => {
        impl $store {
            /// The store's clock, truncated to what both backends store exactly.
            fn now(&self) -> chrono::DateTime<chrono::Utc> {
                $crate::repo::micros(self.clock.now())
            }
        }

        $crate::repo::impl_user_store!($store, $db);
        $crate::repo::impl_auth_store!($store, $db);
        $crate::repo::impl_source_store!($store, $db);
        $crate::repo::impl_content_store!($store, $db);
        $crate::repo::impl_schedule_store!($store, $db, skip_locked = $skip_locked);
        $crate::repo::impl_attempt_store!($store, $db, skip_locked = $skip_locked);
        $crate::repo::impl_analytics_store!($store, $db);
        $crate::repo::impl_knowledge_store!($store, $db);
        $crate::repo::impl_learning_store!($store, $db);
        $crate::repo::impl_measure_store!($store, $db);
        $crate::repo::impl_idempotency_store!($store, $db);
        $crate::repo::impl_job_queue!($store, $db, skip_locked = $skip_locked);
        $crate::repo::impl_store_health!($store, $db, backend = $backend);
        $crate::repo::impl_bundle_piece_store!($store, $db);
    };
}

pub(crate) use impl_repositories;
