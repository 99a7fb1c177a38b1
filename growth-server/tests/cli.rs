//! The `growth` binary as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn growth() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_growth"));
    for (k, _) in std::env::vars() {
        if k.starts_with("GROWTH_") || k == "RUST_LOG" {
            c.env_remove(k);
        }
    }
    c
}

/// Kills the child if the test panics, so no server outlives its test.
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn serve_with_no_configuration_creates_its_sqlite_file_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // Port 0 instead of 8080 so parallel test runs don't collide; everything else is the default.
    let mut child =
        Reap(growth().current_dir(dir.path()).env("GROWTH_BIND", "127.0.0.1:0").arg("serve").stderr(Stdio::piped()).spawn().unwrap());
    let stderr = child.0.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut addr = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(i) = line.find("listening on http://") {
            addr = line[i + "listening on http://".len()..].split_whitespace().next().map(str::to_owned);
            break;
        }
    }
    let addr = addr.expect("the server logs the address it listens on");
    assert!(dir.path().join("growth.db").exists(), "./growth.db is created");
    let body = reqwest::blocking::get(format!("http://{addr}/ready")).unwrap().text().unwrap();
    assert!(body.contains("\"ready\""), "{body}");
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let status = Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(code) = child.0.try_wait().unwrap() {
            assert!(code.success(), "graceful shutdown exits 0, got {code:?}");
            break;
        }
        assert!(Instant::now() < deadline, "the server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_unreachable_database_is_one_line_naming_the_host_and_never_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = growth()
        .current_dir(dir.path())
        .env("GROWTH_DATABASE_URL", "postgres://app:topsecretpw@127.0.0.1:1/growth")
        .env("GROWTH_LOG_LEVEL", "off")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let err = err.trim();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("127.0.0.1:1/growth"), "{err}");
    assert!(!err.contains("topsecretpw"), "{err}");
}

#[test]
fn migrate_twice_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = growth().current_dir(dir.path()).env("GROWTH_LOG_LEVEL", "off").arg("migrate").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied (sqlite"));
    }
}

/// Tried as a new user would: there was no way to see every setting but the source.
#[test]
fn init_writes_a_commented_growth_toml_that_the_server_reads_and_keeps_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = growth().current_dir(dir.path()).arg("init").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrote growth.toml"));
    let path = dir.path().join("growth.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[worker]") && text.contains("# jwt_secret") && text.contains("database_url = \"sqlite://growth.db\""), "{text}");
    // The server reads it (a typo would be refused: unknown keys are errors).
    let out = growth().current_dir(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // An existing file is kept, unless --force.
    std::fs::write(&path, "log_level = \"debug\"\n").unwrap();
    let out = growth().current_dir(dir.path()).arg("init").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "log_level = \"debug\"\n");
    let out = growth().current_dir(dir.path()).args(["init", "--force"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn a_bad_configuration_value_exits_non_zero_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = growth().current_dir(dir.path()).env("GROWTH_BIND", "nowhere").arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("configuration"));
}

fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../growth-core/tests/fixtures/transcripts").join(rel)
}

#[test]
fn ingest_prints_the_format_speakers_and_counts_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = growth()
        .current_dir(dir.path())
        .env("GROWTH_LOG_LEVEL", "off")
        .args(["ingest", "--json"])
        .arg(fixture("changelog/founders-talk-55.md"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "markdown");
    assert_eq!(v["speakers"], serde_json::json!(["Adam Stacoviak", "Bryan Helmig"]));
    assert_eq!(v["words"], 11_173);
    assert!(v["segments"].as_u64().unwrap() > 100);
    assert!(v["source_id"].as_str().unwrap().len() == 36);
    // The same file again is the same source.
    let again = growth()
        .current_dir(dir.path())
        .env("GROWTH_LOG_LEVEL", "off")
        .args(["ingest", "--json"])
        .arg(fixture("changelog/founders-talk-55.md"))
        .output()
        .unwrap();
    let w: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v["source_id"], w["source_id"]);
}

#[test]
fn ingest_of_garbage_exits_non_zero_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.vtt");
    std::fs::write(&bad, "WEBVTT\n\nthis is not --> a cue\n").unwrap();
    let out = growth().current_dir(dir.path()).env("GROWTH_LOG_LEVEL", "off").arg("ingest").arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("webvtt"), "the reason names the format tried: {err}");
}

#[test]
fn check_reports_slop_with_exact_spans_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("draft.md");
    let text = "In today's fast-paced world, it's important to delve into the landscape of PLG.\n\nLet me know your thoughts!";
    std::fs::write(&draft, text).unwrap();
    let out = growth().current_dir(dir.path()).args(["check", "--type", "linkedin_post", "--json"]).arg(&draft).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a failing draft exits 1: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["passed"], false);
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["text"].as_str().unwrap_or("").eq_ignore_ascii_case("delve")), "{findings:?}");
    for f in findings {
        let (s, e) = (f["span"][0].as_u64().unwrap() as usize, f["span"][1].as_u64().unwrap() as usize);
        if e > s {
            assert_eq!(&text[s..e], f["text"].as_str().unwrap(), "the span points at the text");
        }
    }
    let score = v["ai_detection_score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score));
    assert!(v["icp_score"].is_null());
}

#[test]
fn check_of_an_unknown_type_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("d.md");
    std::fs::write(&draft, "hello").unwrap();
    let out = growth().current_dir(dir.path()).args(["check", "--type", "tweet"]).arg(&draft).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("linkedin_post"), "the error lists the valid types");
}

#[test]
fn json_logs_are_one_json_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = growth().current_dir(dir.path()).env("GROWTH_LOG_FORMAT", "json").args(["-v", "migrate"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "migrate logs at least one line");
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert!(v.get("level").is_some() && v.get("timestamp").is_some(), "{l}");
    }
}

#[test]
fn user_create_reads_the_password_from_stdin_and_refuses_a_duplicate() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let run = |email: &str, password: &str| {
        let mut child = growth()
            .current_dir(dir.path())
            .env("GROWTH_LOG_LEVEL", "off")
            .args(["user", "create", "--email", email, "--role", "admin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = run("Admin@Example.com", "a long enough passphrase");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(out.contains("admin@example.com") && out.contains("(admin)"), "{out}");
    assert!(!out.contains("passphrase"), "the password is never echoed");
    let dup = run("admin@example.com", "another long passphrase");
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let short = run("b@example.com", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
}

#[test]
fn check_scores_icp_fit_against_the_profiles_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("growth.db").display());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let settings = growth_server::config::Settings {
            database_url: db.clone(),
            data_dir: dir.path().join("data"),
            ..growth_server::config::Settings::default()
        };
        let state = growth_server::startup::connect(&settings, std::sync::Arc::new(growth_core::SystemClock), true).await.unwrap();
        let profile = growth_core::domain::NewIcpProfile {
            source: growth_core::domain::IcpSource::Manual,
            source_id: None,
            pain_points: vec!["outbound stopped working".into()],
            language_patterns: vec!["qualified demos".into(), "board meeting".into()],
            objections: vec![],
            goals: vec![],
            role: Some("VP Marketing".into()),
            company_size: None,
            industry: None,
        };
        state.engine.knowledge().create_profile(profile).await.unwrap();
        state.database.close().await;
    });
    let draft = dir.path().join("draft.md");
    std::fs::write(&draft, "Outbound stopped working for us. You've seen it in every board meeting: fewer qualified demos.\n\nReply and tell me what you tried.").unwrap();
    let out = growth()
        .current_dir(dir.path())
        .env("GROWTH_DATABASE_URL", &db)
        .env("GROWTH_DATA_DIR", dir.path().join("data"))
        .args(["check", "--type", "linkedin_post", "--json"])
        .arg(&draft)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let icp = v["icp_score"].as_i64().unwrap_or_else(|| panic!("an ICP score: {v}"));
    assert!((50..=100).contains(&icp), "{v}");
}

#[test]
fn generate_writes_a_whole_bundle_offline_and_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let transcript = concat!(env!("CARGO_MANIFEST_DIR"), "/../growth-core/tests/fixtures/transcripts/changelog/founders-talk-60.md");
    let out = growth().current_dir(dir.path()).args(["generate", "--json"]).arg(transcript).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 11);
    for i in items {
        for key in ["id", "content_type", "title", "content", "status", "ai_detection_score", "icp_score", "findings"] {
            assert!(i.get(key).is_some(), "{key} in {i}");
        }
        assert_eq!(i["status"], "in_review");
        assert!(!i["content"].as_str().unwrap().is_empty());
    }
    for key in ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "estimated_cost_usd"] {
        assert!(v["usage"].get(key).is_some(), "{key}");
    }
    let md = growth().current_dir(dir.path()).arg("generate").arg(transcript).output().unwrap();
    assert!(md.status.success());
    let text = String::from_utf8_lossy(&md.stdout);
    assert!(text.starts_with("# Bundle from source") && text.contains("## 11. blog_post") && text.contains("PASS length"), "{text}");
}

#[test]
fn serve_refuses_a_public_address_without_a_jwt_secret_and_names_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = growth().current_dir(dir.path()).env("GROWTH_BIND", "0.0.0.0:0").arg("serve").output().unwrap();
    assert!(!out.status.success(), "a server reachable from other machines needs a configured key");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("auth.jwt_secret") && stderr.contains("0.0.0.0"), "{stderr}");
    assert!(!dir.path().join("growth.db").exists(), "refused before touching the database");
}

#[test]
fn one_shot_commands_are_quiet_by_default_and_say_more_with_v() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = growth()
            .current_dir(dir.path())
            .args(extra)
            .args(["ingest", "--json"])
            .arg(fixture("changelog/founders-talk-55.md"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let quiet = run(&[]);
    assert!(quiet.trim().is_empty(), "no start-up INFO lines and no JWT warning: {quiet}");
    let verbose = run(&["-v"]);
    assert!(verbose.contains("INFO"), "-v shows the info lines: {verbose}");
    assert!(!verbose.contains("jwt_secret"), "the JWT warning is for `serve` only: {verbose}");
}
