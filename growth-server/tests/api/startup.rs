//! Start-up refuses settings that cannot be served safely.

use growth_server::config::Settings;
use growth_server::startup::{Application, StartupError};

fn settings(dir: &tempfile::TempDir, bind: &str) -> Settings {
    Settings {
        database_url: format!("sqlite://{}", dir.path().join("t.db").display()),
        bind: bind.parse().unwrap(),
        data_dir: dir.path().join("data"),
        ..Settings::default()
    }
}

#[tokio::test]
async fn a_listener_reachable_from_other_machines_needs_a_jwt_secret() {
    let dir = tempfile::tempdir().unwrap();
    let e = Application::build(settings(&dir, "0.0.0.0:0")).await.unwrap_err();
    assert!(matches!(e, StartupError::Config(_)), "{e:?}");
    assert!(e.to_string().contains("auth.jwt_secret"), "{e}");
    let mut with_key = settings(&dir, "0.0.0.0:0");
    with_key.auth.jwt_secret = Some("0123456789abcdef0123456789abcdef".into());
    assert!(Application::build(with_key).await.is_ok());
    assert!(Application::build(settings(&dir, "127.0.0.1:0")).await.is_ok(), "loopback needs no key");
}
