//! `growth serve` stops on SIGTERM within its grace period even while a big upload is being read,
//! and leaves no source half-written (a transcript is parsed before anything is stored). Prints
//! the time from SIGTERM to exit (BENCHMARKS.md quotes it).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use growth_core::domain::{AuthProvider, NewUser, Role};
use serde_json::{Value, json};

const PASSWORD: &str = "correct-horse-battery-staple";

struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_within_its_grace_period_while_a_big_upload_is_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("growth.db").display());
    let db = growth_store::Database::connect(&db_url, Arc::new(growth_core::SystemClock)).await.unwrap();
    db.migrate().await.unwrap();
    let user = db
        .users()
        .create_user(NewUser { email: "rev@example.com".into(), full_name: None, role: Role::Approver, auth_provider: AuthProvider::Email })
        .await
        .unwrap();
    db.auth().set_password_hash(user.id, &growth_server::auth::hash_password(PASSWORD.into()).await.unwrap()).await.unwrap();

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_growth"));
    for (k, _) in std::env::vars() {
        if k.starts_with("GROWTH_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    let mut child = Reap(
        cmd.current_dir(dir.path())
            .env("GROWTH_BIND", "127.0.0.1:0")
            .env("GROWTH_DATABASE_URL", &db_url)
            .env("GROWTH_HTTP__RATE_LIMIT_PER_USER", "0")
            .env("GROWTH_HTTP__RATE_LIMIT_PER_IP", "0")
            .env("GROWTH_HTTP__REQUEST_TIMEOUT_SECS", "600")
            .env("GROWTH_HTTP__SHUTDOWN_GRACE_SECS", "2")
            .env("GROWTH_INGEST__MAX_TRANSCRIPT_BYTES", "200000000")
            .arg("serve")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stderr.take().unwrap()).lines();
    let mut addr = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(i) = line.find("listening on http://") {
            addr = line[i + "listening on http://".len()..].split(|c: char| c.is_whitespace() || c == '"').next().map(str::to_owned);
            break;
        }
    }
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let base = format!("http://{}", addr.expect("the server logs the address it listens on"));

    let c = reqwest::Client::new();
    let login: Value = c
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": "rev@example.com", "provider": "email", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();

    // 80 MB of text with no sentence ends: seconds of parsing and chunking even when optimised.
    let text = "Wes: free trials are not product led growth and the customer has to see value first ".repeat(1_000_000);
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(text.into_bytes()).file_name("huge.txt"));
    let upload = tokio::spawn(c.post(format!("{base}/sources")).bearer_auth(&token).multipart(form).send());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!upload.is_finished(), "the upload is still being read when the signal comes");

    let pid = child.0.id().to_string();
    let sent = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    // A hang guard, not a speed assertion: the process must end by itself.
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(sent.elapsed() < Duration::from_secs(120), "growth serve ignored SIGTERM for two minutes");
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = sent.elapsed();
    eprintln!("SIGTERM → exit with an 80 MB upload in flight: {} ms (grace period 2 s)", took.as_millis());
    assert!(status.success(), "a clean exit after SIGTERM: {status:?}");
    let log = log.join().unwrap();
    for l in log.iter().rev().take(6).rev() {
        eprintln!("  {l}");
    }
    assert!(log.iter().any(|l| l.contains("SIGTERM received")), "{log:?}");
    // The upload is stopped, never accepted: the client sees its connection end without an answer
    // or, when the handler noticed the shutdown first (the database closing under it, which a
    // busy machine makes likelier), a 5xx.
    match upload.await.unwrap() {
        Err(_) => {}
        Ok(r) => assert!(r.status().is_server_error(), "the upload was stopped, not accepted: {}", r.status()),
    }

    // Nothing half-written: no source at all, and none left `processing`.
    let sources = db.store().list_sources(10, 0).await.unwrap();
    assert!(sources.is_empty(), "{sources:?}");
}
