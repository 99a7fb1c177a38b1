//! Secrets never reach the logs. The `growth` binary serves with JSON logs at debug level, its
//! configuration logged at start-up, with secrets in environment variables (the JWT key, webhook
//! tokens, API keys, the alert URL, blob credentials and — on PostgreSQL — the database password);
//! requests carry a password, an ID token, a bearer token and webhook tokens (header, path and
//! query); and an ingestion job calls a (wiremock) Riverside with its API key, whose answer links
//! the transcript through a pre-signed CDN URL that cannot be reached. The test waits until the
//! outbound calls and their failure are logged, stops the server, and finds no secret on stderr.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "pw-SECRET-correct-horse-battery";
const ID_TOKEN: &str = "idtoken-SECRET-eyJhbGciOiJSUzI1NiJ9";
const BEARER: &str = "bearer-SECRET-eyJ0eXAiOiJKV1QifQ.x.y";
const HOOK_TOKEN: &str = "hook-SECRET-configured-token";
const OLD_HOOK_TOKEN: &str = "hook-SECRET-old-token-in-rotation";
const WRONG_HOOK_TOKEN: &str = "hook-SECRET-wrong-token";
const QUERY_TOKEN: &str = "hook-SECRET-in-query";
const REFRESH: &str = "refresh-SECRET-token";
const GRAIN_API_TOKEN: &str = "grain-SECRET-api-token";
const RIVERSIDE_KEY: &str = "riverside-SECRET-api-key";
const RIVERSIDE_HOOK: &str = "riverside-hook-SECRET";
const CDN_SIGNATURE: &str = "cdn-SECRET-presigned-signature";
const JWT_SECRET: &str = "jwt-SECRET-0123456789abcdef0123456789";
const ALERT_URL: &str = "https://hooks.slack.example/services/T0/B0/alert-SECRET";
const AWS_SECRET: &str = "aws-SECRET-access-key";
const ASSEMBLYAI_KEY: &str = "aai-SECRET-key";
const DB_PASSWORD: &str = "db-SECRET-password";

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

/// stderr, line by line, as it comes.
struct Log {
    lines: mpsc::Receiver<String>,
    text: String,
}

impl Log {
    /// Reads until a line contains every one of `needles`, or `within` has passed (a guard
    /// against hanging, not a speed requirement); whether it was found.
    fn wait_for(&mut self, needles: &[&str], within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = needles.iter().all(|n| line.contains(n));
                    self.text.push_str(&line);
                    self.text.push('\n');
                    if found {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    /// Everything, once the process has exited.
    fn rest(mut self) -> String {
        while let Ok(line) = self.lines.recv() {
            self.text.push_str(&line);
            self.text.push('\n');
        }
        self.text
    }
}

async fn riverside() -> MockServer {
    let server = MockServer::start().await;
    // Nothing listens on the CDN's port: the download fails after the recording was fetched.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let srt_url = format!("http://127.0.0.1:{closed}/t/ep-9.srt?X-Amz-Credential=AKIA&X-Amz-Signature={CDN_SIGNATURE}");
    Mock::given(method("GET"))
        .and(path("/api/v3/recordings/ep-9"))
        .and(header("authorization", format!("Bearer {RIVERSIDE_KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "ep-9", "name": "Episode 9", "status": "ready", "tracks": [],
            "transcription": {"id": "tr-9", "status": "ready", "srt_url": srt_url}
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn passwords_tokens_keys_and_signed_urls_never_appear_in_the_json_logs() {
    let dir = tempfile::tempdir().unwrap();
    let platform = riverside().await;
    let postgres = crate::helpers::pg_schema_with_password(DB_PASSWORD).await;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_growth"));
    for (k, _) in std::env::vars() {
        if k.starts_with("GROWTH_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    if let Some((_, url)) = &postgres {
        cmd.env("GROWTH_DATABASE_URL", url);
    }
    let mut child = Reap(
        cmd.current_dir(dir.path())
            .env("GROWTH_BIND", "127.0.0.1:0")
            .env("GROWTH_LOG_FORMAT", "json")
            .env("GROWTH_LOG_LEVEL", "debug")
            .env("GROWTH_AUTH__JWT_SECRET", JWT_SECRET)
            .env("GROWTH_PUBLISHING__ALERT_WEBHOOK_URL", ALERT_URL)
            .env("GROWTH_BLOB_OPTIONS__AWS_SECRET_ACCESS_KEY", AWS_SECRET)
            .env("GROWTH_INTEGRATIONS__ASSEMBLYAI__API_KEY", ASSEMBLYAI_KEY)
            .env("GROWTH_WEBHOOKS__GRAIN_TOKEN", HOOK_TOKEN)
            .env("GROWTH_WEBHOOKS__GRAIN_TOKENS", OLD_HOOK_TOKEN)
            .env("GROWTH_WEBHOOKS__RIVERSIDE_TOKEN", RIVERSIDE_HOOK)
            // A Grain ingestion job may fetch its recording from a port nothing listens on (never
            // the internet); the API token must not be logged either way.
            .env("GROWTH_INTEGRATIONS__GRAIN__TOKEN", GRAIN_API_TOKEN)
            .env("GROWTH_INTEGRATIONS__GRAIN__BASE_URL", "http://127.0.0.1:9/_/public-api/v2")
            .env("GROWTH_INTEGRATIONS__RIVERSIDE__API_KEY", RIVERSIDE_KEY)
            .env("GROWTH_INTEGRATIONS__RIVERSIDE__BASE_URL", platform.uri())
            .env("GROWTH_WORKER__POLL_INTERVAL_MS", "50")
            .arg("serve")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = BufReader::new(child.0.stderr.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Log { lines: rx, text: String::new() };
    assert!(log.wait_for(&["listening on http://"], Duration::from_secs(60)), "the server starts:\n{}", log.text);
    let line = log.text.lines().find(|l| l.contains("listening on http://")).unwrap();
    let i = line.find("listening on http://").unwrap();
    let addr = line[i + "listening on http://".len()..].split(|c: char| c.is_whitespace() || c == '"').next().unwrap();
    let base = format!("http://{addr}");

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
    let header =
        c.post(format!("{base}/webhooks/grain")).header("x-growth-webhook-token", OLD_HOOK_TOKEN).json(&event).send().await.unwrap();
    assert_eq!(header.status(), 200, "the old token of a rotation");
    let episode = json!({"event": "episode_published", "episode_id": "ep-9", "title": "Episode 9"});
    let r =
        c.post(format!("{base}/webhooks/riverside")).header("x-growth-webhook-token", RIVERSIDE_HOOK).json(&episode).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The ingestion job calls Riverside with its key, then the pre-signed link fails and is retried.
    let fetched = log.wait_for(&["sending", "/api/v3/recordings/ep-9"], Duration::from_secs(60));
    assert!(fetched, "the outbound call to Riverside is logged:\n{}", log.text);
    let failed = log.wait_for(&["riverside", "cannot connect"], Duration::from_secs(60));
    assert!(failed, "the failed transcript download is logged:\n{}", log.text);

    let status = Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server stops on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = log.rest();

    assert!(log.contains("\"configuration\""), "the effective configuration is logged at start-up:\n{log}");
    assert!(log.contains("webhook received"), "the requests were logged at all:\n{log}");
    assert!(log.contains("/webhooks/grain/***"), "the webhook path is logged with its token redacted:\n{log}");
    assert!(log.contains("deprecated"), "a token in the URL is flagged:\n{log}");
    assert!(log.contains("t/ep-9.srt?…"), "the download is logged without its query:\n{log}");
    if postgres.is_some() {
        assert!(log.contains("\"backend\":\"postgres\""), "{log}");
    }
    for secret in [
        PASSWORD,
        ID_TOKEN,
        BEARER,
        HOOK_TOKEN,
        OLD_HOOK_TOKEN,
        WRONG_HOOK_TOKEN,
        QUERY_TOKEN,
        REFRESH,
        GRAIN_API_TOKEN,
        RIVERSIDE_KEY,
        RIVERSIDE_HOOK,
        CDN_SIGNATURE,
        JWT_SECRET,
        ALERT_URL,
        AWS_SECRET,
        ASSEMBLYAI_KEY,
        DB_PASSWORD,
        "SECRET",
    ] {
        assert!(!log.contains(secret), "`{secret}` leaked into the logs:\n{log}");
    }
}
