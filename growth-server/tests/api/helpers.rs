//! `spawn_app`: the real application on a random port with a fresh database — a SQLite file, or,
//! for the tests a file lists in [`postgres_too!`], also a fresh PostgreSQL schema when
//! `GROWTH_TEST_DATABASE_URL` is set (each such test runs twice: `file::name` on SQLite and
//! `file::on_postgres::name` on PostgreSQL). Without the variable the PostgreSQL runs are skipped,
//! or fail when `GROWTH_REQUIRE_POSTGRES=1` (CI), like the store suites.

use std::cell::Cell;
use std::sync::Arc;

use growth_core::Clock;
use growth_server::config::Settings;
use growth_server::startup::Application;
use growth_server::state::AppState;
use tokio_util::sync::CancellationToken;

/// The database a test's app runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

thread_local! {
    /// Set by [`on_postgres`] around a test; `#[tokio::test]` runs its body on this thread.
    static BACKEND: Cell<Backend> = const { Cell::new(Backend::Sqlite) };
}

/// The PostgreSQL test URL, or `None` (skip) — panics when PostgreSQL is required but not set.
fn pg_url() -> Option<String> {
    match std::env::var("GROWTH_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("GROWTH_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "GROWTH_REQUIRE_POSTGRES=1 but GROWTH_TEST_DATABASE_URL is not set"
            );
            None
        }
    }
}

/// Runs the `#[tokio::test]` function `test` with its apps on PostgreSQL (skipped, with a note,
/// when PostgreSQL is not configured).
pub(crate) fn on_postgres(name: &str, test: fn()) {
    if pg_url().is_none() {
        eprintln!("skipping {name} on PostgreSQL: GROWTH_TEST_DATABASE_URL is not set");
        return;
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            BACKEND.with(|b| b.set(Backend::Sqlite));
        }
    }
    BACKEND.with(|b| b.set(Backend::Postgres));
    let _reset = Reset;
    test();
}

/// Also runs each named `#[tokio::test]` of this file on PostgreSQL, as `on_postgres::<name>`.
macro_rules! postgres_too {
    ($($test:ident),+ $(,)?) => {
        mod on_postgres {
            $(
                #[test]
                fn $test() {
                    crate::helpers::on_postgres(concat!(module_path!(), "::", stringify!($test)), super::$test);
                }
            )+
        }
    };
}
pub(crate) use postgres_too;

/// A PostgreSQL schema of one test app, dropped with it.
pub(crate) struct PgSchema {
    url: String,
    name: String,
}

impl PgSchema {
    /// A fresh schema; the app's URL works in it, and names its connections after it.
    async fn create(base: &str) -> (Self, String) {
        let name = format!("api_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(base).await.expect("connect to GROWTH_TEST_DATABASE_URL");
        // The name is `api_` and hex digits.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&pool).await.unwrap();
        pool.close().await;
        let mut url = url::Url::parse(base).expect("GROWTH_TEST_DATABASE_URL is a URL");
        url.query_pairs_mut().append_pair("options[search_path]", &name).append_pair("application_name", &name);
        (Self { url: base.to_owned(), name }, url.to_string())
    }
}

/// A fresh schema and a URL to it carrying `password` (trust authentication ignores it), for a
/// server process under test, when PostgreSQL is configured (`None` otherwise, or a failure when
/// it is required).
pub(crate) async fn pg_schema_with_password(password: &str) -> Option<(PgSchema, String)> {
    let base = pg_url()?;
    let (schema, url) = PgSchema::create(&base).await;
    let mut url = url::Url::parse(&url).unwrap();
    if url.username().is_empty() {
        url.set_username("postgres").unwrap();
    }
    url.set_password(Some(password)).unwrap();
    Some((schema, url.to_string()))
}

impl Drop for PgSchema {
    /// Ends the app's connections (they may hold locks) and drops the schema, on a thread of its
    /// own: this may run inside the test's runtime, whose thread it blocks meanwhile.
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let pool = sqlx::PgPool::connect(&url).await?;
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&name)
                .execute(&pool)
                .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE"))).execute(&pool).await?;
                pool.close().await;
                Ok::<_, sqlx::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test schema {}: {dropped:?}", self.name);
        }
    }
}

pub(crate) struct TestApp {
    pub(crate) address: String,
    pub(crate) client: reqwest::Client,
    pub(crate) state: AppState,
    pub(crate) shutdown: CancellationToken,
    pub(crate) server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Which database this app runs on.
    pub(crate) backend: Backend,
    // Dropped after the fields above; the schema (if any) goes last.
    _dir: tempfile::TempDir,
    _schema: Option<PgSchema>,
}

impl TestApp {
    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.unwrap()
    }
}

pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with settings adjusted by `tweak` (the worker polls every 20 ms).
pub(crate) async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with_clock(tweak, Arc::new(growth_core::SystemClock)).await
}

/// [`spawn_app_with`] on `clock` (a `ManualClock` makes sessions and schedules age on demand).
pub(crate) async fn spawn_app_with_clock(tweak: impl FnOnce(&mut Settings), clock: Arc<dyn Clock>) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let backend = BACKEND.with(Cell::get);
    let (schema, database_url) = match backend {
        Backend::Sqlite => (None, format!("sqlite://{}", dir.path().join("test.db").display())),
        Backend::Postgres => {
            let base = pg_url().expect("on_postgres checked the URL");
            let (schema, url) = PgSchema::create(&base).await;
            (Some(schema), url)
        }
    };
    let mut settings =
        Settings { database_url, bind: "127.0.0.1:0".parse().unwrap(), data_dir: dir.path().join("data"), ..Settings::default() };
    settings.worker.poll_interval_ms = 20;
    // Tests poll and loop; the rate-limit tests turn the limits back on.
    settings.http.rate_limit_per_user = 0;
    settings.http.rate_limit_per_ip = 0;
    // The learning jobs would fire at start (cron catches up a day) and fill the job list; the
    // learning tests run them by hand.
    settings.learning.mine_cron = String::new();
    settings.learning.icp_cron = String::new();
    settings.learning.best_time_cron = String::new();
    tweak(&mut settings);
    let app = Application::build_with_clock(settings, clock).await.unwrap();
    assert_eq!(app.state().database.backend(), if backend == Backend::Postgres { "postgres" } else { "sqlite" });
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    TestApp { address, client: reqwest::Client::new(), state, shutdown, server, backend, _dir: dir, _schema: schema }
}

impl TestApp {
    /// A new user with `role`, made in the store.
    pub(crate) async fn user(&self, role: growth_core::domain::Role) -> growth_core::domain::User {
        let email = format!("{}-{}@example.com", role, uuid::Uuid::now_v7());
        let new = growth_core::domain::NewUser {
            email: email.clone(),
            full_name: None,
            role,
            auth_provider: growth_core::domain::AuthProvider::Email,
        };
        self.state.users.create_user(new).await.unwrap()
    }

    /// An access token for a new user with `role` (made in the store, signed with the app's keys).
    pub(crate) async fn token(&self, role: growth_core::domain::Role) -> String {
        let user = self.user(role).await;
        self.token_for(&user)
    }

    /// An access token for `user`, issued now.
    pub(crate) fn token_for(&self, user: &growth_core::domain::User) -> String {
        self.state.keys.issue(user.id, &user.email, user.role, self.state.engine.clock().now()).unwrap()
    }

    /// A request to `path` with `token` as the bearer.
    pub(crate) fn req(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address)).bearer_auth(token)
    }
}
