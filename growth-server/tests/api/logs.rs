//! Secrets never reach the logs: the `growth` binary serves with JSON logs at debug level while
//! requests carry a password, an ID token, a bearer token and webhook tokens (path and query), and
//! an ingestion job calls a platform with its API token; none of them appears on stderr.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const PASSWORD: &str = "pw-SECRET-correct-horse-battery";
const ID_TOKEN: &str = "idtoken-SECRET-eyJhbGciOiJSUzI1NiJ9";
const BEARER: &str = "bearer-SECRET-eyJ0eXAiOiJKV1QifQ.x.y";
const HOOK_TOKEN: &str = "hook-SECRET-configured-token";
const WRONG_HOOK_TOKEN: &str = "hook-SECRET-wrong-token";
const QUERY_TOKEN: &str = "hook-SECRET-in-query";
const REFRESH: &str = "refresh-SECRET-token";
const GRAIN_API_TOKEN: &str = "grain-SECRET-api-token";

/// Kills the server if the test panics.
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[tokio::test]
async fn passwords_tokens_and_webhook_secrets_never_appear_in_the_json_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_growth"));
    for (k, _) in std::env::vars() {
        if k.starts_with("GROWTH_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    let mut child = Reap(
        cmd.current_dir(dir.path())
            .env("GROWTH_BIND", "127.0.0.1:0")
            .env("GROWTH_LOG_FORMAT", "json")
            .env("GROWTH_LOG_LEVEL", "debug")
            .env("GROWTH_WEBHOOKS__GRAIN_TOKEN", HOOK_TOKEN)
            // An ingestion job may fetch the recording from a port nothing listens on (never the
            // internet); the API token must not be logged either way.
            .env("GROWTH_INTEGRATIONS__GRAIN__TOKEN", GRAIN_API_TOKEN)
            .env("GROWTH_INTEGRATIONS__GRAIN__BASE_URL", "http://127.0.0.1:9/_/public-api/v2")
            .env("GROWTH_WORKER__POLL_INTERVAL_MS", "50")
            .arg("serve")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut log = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut addr = None;
    while addr.is_none() && Instant::now() < deadline {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(i) = line.find("listening on http://") {
            addr = line[i + "listening on http://".len()..].split(|c: char| c.is_whitespace() || c == '"').next().map(str::to_owned);
        }
        log.push_str(&line);
    }
    let base = format!("http://{}", addr.expect("the server logs the address it listens on"));
    let reader = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
        rest
    });

    let c = reqwest::Client::new();
    let login = json!({"email": "ann@example.com", "provider": "email", "password": PASSWORD});
    assert_eq!(c.post(format!("{base}/auth/login")).json(&login).send().await.unwrap().status(), 401);
    let google = json!({"email": "ann@example.com", "provider": "google", "id_token": ID_TOKEN});
    assert_eq!(c.post(format!("{base}/auth/login")).json(&google).send().await.unwrap().status(), 501, "no [auth.google] here");
    let invite = json!({"invite_token": REFRESH, "password": PASSWORD});
    assert_eq!(c.post(format!("{base}/auth/accept-invite")).json(&invite).send().await.unwrap().status(), 401);
    let refresh = json!({"refresh_token": REFRESH});
    assert_eq!(c.post(format!("{base}/auth/refresh")).json(&refresh).send().await.unwrap().status(), 401);
    assert_eq!(c.get(format!("{base}/me")).bearer_auth(BEARER).send().await.unwrap().status(), 401);
    assert_eq!(c.get(format!("{base}/content/pending")).bearer_auth(BEARER).send().await.unwrap().status(), 401);
    let event = json!({"event": "recording_ready", "recording_id": "rec-1", "title": "Kickoff"});
    let ok = c.post(format!("{base}/webhooks/grain/{HOOK_TOKEN}")).json(&event).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let wrong = c.post(format!("{base}/webhooks/grain/{WRONG_HOOK_TOKEN}")).json(&event).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let query = c.post(format!("{base}/webhooks/grain?token={QUERY_TOKEN}")).json(&event).send().await.unwrap();
    assert_eq!(query.status(), 401);
    let header = c.post(format!("{base}/webhooks/grain")).header("x-growth-webhook-token", HOOK_TOKEN).json(&event).send().await.unwrap();
    assert_eq!(header.status(), 200);

    let status = Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server stops on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    log.push_str(&reader.join().unwrap());

    assert!(log.contains("webhook received"), "the requests were logged at all:\n{log}");
    assert!(log.contains("/webhooks/grain/***"), "the webhook path is logged with its token redacted:\n{log}");
    for secret in [PASSWORD, ID_TOKEN, BEARER, HOOK_TOKEN, WRONG_HOOK_TOKEN, QUERY_TOKEN, REFRESH, GRAIN_API_TOKEN, "SECRET"] {
        assert!(!log.contains(secret), "`{secret}` leaked into the logs:\n{log}");
    }
}
