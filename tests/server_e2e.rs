//! The whole server on each real database: SQLite always, PostgreSQL when
//! `GROWTH_TEST_DATABASE_URL` is set (in a database of its own, dropped afterwards).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use growth_server::config::Settings;
use growth_server::startup::Application;
use tokio_util::sync::CancellationToken;

async fn serve_and_check(database_url: String, expected_backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let settings =
        Settings { database_url, bind: "127.0.0.1:0".parse().unwrap(), data_dir: dir.path().join("data"), ..Settings::default() };
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let stop = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(stop.clone()));
    let ready: serde_json::Value = reqwest::get(format!("{base}/ready")).await.unwrap().json().await.unwrap();
    assert_eq!(ready, serde_json::json!({"status": "ready", "database": expected_backend}));
    stop.cancel();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_server_runs_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    serve_and_check(format!("sqlite://{}", dir.path().join("e2e.db").display()), "sqlite").await;
}

#[tokio::test]
async fn the_server_runs_on_postgres() {
    let Ok(url) = std::env::var("GROWTH_TEST_DATABASE_URL") else {
        assert_ne!(
            std::env::var("GROWTH_REQUIRE_POSTGRES").as_deref(),
            Ok("1"),
            "GROWTH_REQUIRE_POSTGRES=1 but GROWTH_TEST_DATABASE_URL is not set"
        );
        eprintln!("skipping: GROWTH_TEST_DATABASE_URL is not set");
        return;
    };
    let name = format!("growth_e2e_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
    let mut db_url = url::Url::parse(&url).unwrap();
    db_url.set_path(&name);
    serve_and_check(db_url.to_string(), "postgres").await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).execute(&admin).await.unwrap();
}
