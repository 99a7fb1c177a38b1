//! Two `growth serve` processes on one database: each keeps the review fingerprint in memory,
//! invalidated by the database's notifications on PostgreSQL and by watching `PRAGMA data_version`
//! on SQLite, so an edit made through one server is seen by the other — its cached `ETag` stops
//! matching — without either asking the database on every request; and the server that wrote
//! never answers 304 for the page from before its own write. The PostgreSQL test runs when
//! `GROWTH_TEST_DATABASE_URL` is set (and must, with `GROWTH_REQUIRE_POSTGRES=1`).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use growth_core::domain::{AuthProvider, ContentType, NewContentItem, NewUser, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "correct-horse-battery-staple";
const SECRET: &str = "a-test-jwt-secret-of-at-least-32-bytes!!";

struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts `growth serve` on `db_url`; answers the process and its base URL.
fn serve(db_url: &str, dir: &std::path::Path) -> (Reap, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_growth"));
    for (k, _) in std::env::vars() {
        if k.starts_with("GROWTH_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    let mut child = Reap(
        cmd.current_dir(dir)
            .env("GROWTH_BIND", "127.0.0.1:0")
            .env("GROWTH_DATABASE_URL", db_url)
            .env("GROWTH_AUTH__JWT_SECRET", SECRET)
            .env("GROWTH_HTTP__RATE_LIMIT_PER_USER", "0")
            .env("GROWTH_HTTP__RATE_LIMIT_PER_IP", "0")
            .arg("serve")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut addr = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(i) = line.find("listening on http://") {
            addr = line[i + "listening on http://".len()..].split(|c: char| c.is_whitespace() || c == '"').next().map(str::to_owned);
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{}", addr.expect("the server logs the address it listens on")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_through_one_server_invalidates_the_other_servers_cached_review_page() {
    let Ok(base_url) = std::env::var("GROWTH_TEST_DATABASE_URL") else {
        assert!(std::env::var("GROWTH_REQUIRE_POSTGRES").as_deref() != Ok("1"), "GROWTH_REQUIRE_POSTGRES=1 but no database");
        eprintln!("skipping: GROWTH_TEST_DATABASE_URL is not set");
        return;
    };
    // A database of its own: both servers share it, nothing else does.
    let name = format!("growth_fresh_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&base_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
    let mut url = url::Url::parse(&base_url).unwrap();
    url.set_path(&name);
    two_servers_on_one_database(url.as_str()).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&admin).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_an_edit_through_one_server_invalidates_the_other_servers_cached_review_page() {
    let dir = tempfile::tempdir().unwrap();
    two_servers_on_one_database(&format!("sqlite://{}", dir.path().join("growth.db").display())).await;
}

/// Seeds three items in review, starts two servers on `db_url` and checks that each sees the
/// other's edit and never its own stale page.
async fn two_servers_on_one_database(db_url: &str) {
    let db_url = db_url.to_owned();
    let db = growth_store::Database::connect(&db_url, Arc::new(growth_core::SystemClock)).await.unwrap();
    db.migrate().await.unwrap();
    let user = db
        .users()
        .create_user(NewUser { email: "rev@example.com".into(), full_name: None, role: Role::Approver, auth_provider: AuthProvider::Email })
        .await
        .unwrap();
    db.auth().set_password_hash(user.id, &growth_server::auth::hash_password(PASSWORD.into()).await.unwrap()).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(db.store().insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, format!("Post {n}"))).await.unwrap().id);
    }

    let dir = tempfile::tempdir().unwrap();
    let (_a, a) = serve(&db_url, dir.path());
    let (_b, b) = serve(&db_url, dir.path());
    let c = reqwest::Client::new();
    let login: Value = c
        .post(format!("{a}/auth/login"))
        .json(&json!({"email": "rev@example.com", "provider": "email", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let pending = |base: &str, etag: Option<&str>| {
        let mut r = c.get(format!("{base}/content/pending")).bearer_auth(&token);
        if let Some(e) = etag {
            r = r.header("if-none-match", e);
        }
        r.send()
    };

    let first = pending(&b, None).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    for _ in 0..3 {
        assert_eq!(pending(&b, Some(&etag)).await.unwrap().status(), StatusCode::NOT_MODIFIED, "unchanged: 304 from memory");
        assert_eq!(pending(&a, Some(&etag)).await.unwrap().status(), StatusCode::NOT_MODIFIED, "both servers hold the fingerprint");
    }

    let edit = c
        .patch(format!("{a}/content/{}", ids[0]))
        .bearer_auth(&token)
        .json(&json!({"content": "Post 0, edited through the other server"}))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), StatusCode::OK);
    let edited_at = Instant::now();
    // The server that wrote never answers from before its own write, not even once.
    let a_fresh = pending(&a, Some(&etag)).await.unwrap();
    assert_eq!(a_fresh.status(), StatusCode::OK, "the writing server's next answer already has the edit");
    assert!(a_fresh.text().await.unwrap().contains("edited through the other server"));

    // B learns of A's commit from the database's notification: its old ETag stops matching.
    let mut fresh = None;
    while edited_at.elapsed() < Duration::from_secs(5) {
        let r = pending(&b, Some(&etag)).await.unwrap();
        if r.status() == StatusCode::OK {
            let new_etag = r.headers()["etag"].to_str().unwrap().to_owned();
            fresh = Some((new_etag, r.text().await.unwrap()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let (new_etag, body) = fresh.expect("the other server sees the edit");
    eprintln!("the other server served the edit {:?} after the editing request returned", edited_at.elapsed());
    assert_ne!(new_etag, etag);
    assert!(body.contains("edited through the other server"), "{body}");
    assert_eq!(pending(&b, Some(&new_etag)).await.unwrap().status(), StatusCode::NOT_MODIFIED);
    assert_eq!(pending(&a, Some(&new_etag)).await.unwrap().status(), StatusCode::NOT_MODIFIED, "both servers agree");

    drop((_a, _b));
    db.close().await;
}
