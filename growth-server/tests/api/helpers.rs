//! `spawn_app`: the real application on a random port with a fresh SQLite file (or, when
//! `GROWTH_TEST_DATABASE_URL` is set, nothing else changes: the API tests exercise the HTTP layer,
//! the store suites exercise both databases).

use growth_server::config::Settings;
use growth_server::startup::Application;
use growth_server::state::AppState;
use tokio_util::sync::CancellationToken;

pub(crate) struct TestApp {
    pub(crate) address: String,
    pub(crate) client: reqwest::Client,
    pub(crate) state: AppState,
    pub(crate) shutdown: CancellationToken,
    pub(crate) server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
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
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        database_url: format!("sqlite://{}", dir.path().join("test.db").display()),
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        ..Settings::default()
    };
    settings.worker.poll_interval_ms = 20;
    // Tests poll and loop; the rate-limit tests turn the limits back on.
    settings.http.rate_limit_per_user = 0;
    settings.http.rate_limit_per_ip = 0;
    tweak(&mut settings);
    let app = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    TestApp { address, client: reqwest::Client::new(), state, shutdown, server, _dir: dir }
}

impl TestApp {
    /// An access token for a new user with `role` (made in the store, signed with the app's keys).
    pub(crate) async fn token(&self, role: growth_core::domain::Role) -> String {
        let email = format!("{}-{}@example.com", role, uuid::Uuid::now_v7());
        let new = growth_core::domain::NewUser {
            email: email.clone(),
            full_name: None,
            role,
            auth_provider: growth_core::domain::AuthProvider::Email,
        };
        let user = self.state.users.create_user(new).await.unwrap();
        self.state.keys.issue(user.id, &email, role, self.state.engine.clock().now()).unwrap()
    }

    /// A request to `path` with `token` as the bearer.
    pub(crate) fn req(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address)).bearer_auth(token)
    }
}
