//! The review console in a real browser: headless Chromium driven through chromedriver
//! (`fantoccini`), against the app on its embedded defaults (SQLite, the offline generator, the
//! outbox publisher). It signs in, uploads a transcript, generates, edits a post, approves it,
//! finds it on the calendar, publishes it through the outbox and sees it published; a screenshot
//! of each page goes to `target/console-screenshots/`.
//!
//! Without chromedriver (Debian's `chromium-driver`) the test is skipped with a note, unless
//! `GROWTH_REQUIRE_BROWSER=1` (CI), where it fails. `CHROMEDRIVER` and `CHROMIUM` override the
//! binaries' paths (default `/usr/bin/chromedriver`, `/usr/bin/chromium`).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step should abort the test loudly")]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use growth_core::domain::{AuthProvider, ContentStatus, NewUser, Role};
use growth_server::config::Settings;
use growth_server::startup::Application;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const PASSWORD: &str = "correct horse battery";
const TRANSCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../growth-core/tests/fixtures/transcripts/changelog/founders-talk-60.md");

/// chromedriver as a child process, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn binary(var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(default));
    path.is_file().then_some(path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn shots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name} is not a PNG");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

/// Waits (polling, reloading the page between looks when `reload`) until `css` matches.
async fn wait_for(c: &Client, css: &str, reload: bool) -> fantoccini::elements::Element {
    for _ in 0..300 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if reload {
            c.refresh().await.unwrap();
        }
    }
    panic!("`{css}` never appeared on {}: {}", c.current_url().await.unwrap(), c.source().await.unwrap_or_default());
}

async fn path_of(c: &Client) -> String {
    let u = c.current_url().await.unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_loop_in_a_browser() {
    let required = std::env::var("GROWTH_REQUIRE_BROWSER").as_deref() == Ok("1");
    let (Some(chromedriver), Some(chromium)) = (binary("CHROMEDRIVER", "/usr/bin/chromedriver"), binary("CHROMIUM", "/usr/bin/chromium"))
    else {
        assert!(!required, "GROWTH_REQUIRE_BROWSER=1 but chromedriver or chromium is missing (apt-get install chromium chromium-driver)");
        eprintln!(
            "skipping the browser test: no chromedriver/chromium (apt-get install chromium chromium-driver, or set CHROMEDRIVER and CHROMIUM)"
        );
        return;
    };

    // The app on its embedded defaults.
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        database_url: format!("sqlite://{}", dir.path().join("console.db").display()),
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        ..Settings::default()
    };
    settings.worker.poll_interval_ms = 20;
    settings.http.rate_limit_per_user = 0;
    settings.http.rate_limit_per_ip = 0;
    settings.learning.mine_cron = String::new();
    settings.learning.icp_cron = String::new();
    settings.learning.best_time_cron = String::new();
    let app = Application::build_with_clock(settings, Arc::new(growth_core::SystemClock)).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let user = state
        .users
        .create_user(NewUser {
            email: "reviewer@example.com".into(),
            full_name: None,
            role: Role::Admin,
            auth_provider: AuthProvider::Email,
        })
        .await
        .unwrap();
    let hash = growth_server::auth::hash_password(PASSWORD.into()).await.unwrap();
    state.auth.set_password_hash(user.id, &hash).await.unwrap();

    // chromedriver and a headless Chromium.
    let port = free_port();
    let _driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "chromedriver did not start on port {port}");
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"],
        }
    });
    let serde_json::Value::Object(caps) = caps else { unreachable!() };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromedriver session");

    // Sign in: a console page sends us to the sign-in page and back.
    c.goto(&format!("{base}/ui/sources")).await.unwrap();
    assert!(path_of(&c).await.starts_with("/login?next="), "{}", path_of(&c).await);
    shot(&c, "01-sign-in").await;
    c.find(Locator::Id("email")).await.unwrap().send_keys("reviewer@example.com").await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Css("form.login button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(&c, "form.upload", false).await;
    assert_eq!(path_of(&c).await, "/ui/sources");

    // Upload a transcript with the plain form.
    c.find(Locator::Id("file")).await.unwrap().send_keys(&std::fs::canonicalize(TRANSCRIPT).unwrap().display().to_string()).await.unwrap();
    c.find(Locator::Id("title")).await.unwrap().send_keys("Founders talk 60").await.unwrap();
    c.find(Locator::Css("form.upload button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(&c, "p.notice", false).await;
    shot(&c, "02-sources").await;

    // Generate, and wait for the job (its page reloads itself).
    c.find(Locator::Css("table.sources form[action$='/generate'] button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "[data-job-status]", false).await;
    let status = wait_for(&c, "[data-job-status]:not([data-job-status=processing])", true).await;
    assert_eq!(status.attr("data-job-status").await.unwrap().as_deref(), Some("completed"), "{}", c.source().await.unwrap());
    shot(&c, "03-generated").await;

    // Review: bundles with verdicts; j selects the first piece, e opens it.
    c.goto(&format!("{base}/ui/review")).await.unwrap();
    wait_for(&c, "article.item", false).await;
    shot(&c, "04-review").await;
    c.find(Locator::Css("body")).await.unwrap().send_keys("j").await.unwrap();
    wait_for(&c, "article.item.current", false).await;
    c.find(Locator::Css("article.item.current")).await.unwrap().send_keys("e").await.unwrap();
    wait_for(&c, "form#edit", false).await;
    let item_path = c.current_url().await.unwrap().path().to_owned();
    assert!(item_path.starts_with("/ui/content/"), "{item_path}");
    let id: growth_core::domain::ContentId = item_path.trim_start_matches("/ui/content/").parse().unwrap();
    shot(&c, "05-piece").await;

    // Edit: autosaved as version 2 once typing stops, then saved by hand as version 3 (over the
    // version the autosave moved the form to).
    let text = c.find(Locator::Id("edit-content")).await.unwrap();
    text.clear().await.unwrap();
    text.send_keys("We priced our first plan at $49 a month and nobody blinked.\n\nWhat would you charge?").await.unwrap();
    wait_for(&c, "form#edit[data-saved-version='2']", false).await;
    let item = state.engine.review().item(id).await.unwrap();
    assert_eq!(item.version, 2);
    assert!(item.content.contains("nobody blinked"), "{}", item.content);
    text.send_keys(" Tell me.").await.unwrap();
    c.find(Locator::Css("form#edit button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(&c, "p.notice", false).await;
    let item = state.engine.review().item(id).await.unwrap();
    assert_eq!(item.version, 3);
    assert!(item.content.ends_with("Tell me."), "{}", item.content);
    shot(&c, "06-edited").await;

    // Approve from the review list with the keys: j selects the piece, a approves it (scheduled at
    // the next good slot).
    c.goto(&format!("{base}/ui/review")).await.unwrap();
    wait_for(&c, "article.item", false).await;
    c.find(Locator::Css("body")).await.unwrap().send_keys("j").await.unwrap();
    let current = wait_for(&c, "article.item.current", false).await;
    assert_eq!(current.attr("id").await.unwrap().as_deref(), Some(format!("item-{id}").as_str()), "j selects the edited piece");
    current.send_keys("a").await.unwrap();
    wait_for(&c, "p.notice", false).await;
    let item = state.engine.review().item(id).await.unwrap();
    assert_eq!(item.status, ContentStatus::Scheduled);

    // The calendar of its week shows it pending.
    let week = item.scheduled_publish_time.unwrap().date_naive();
    c.goto(&format!("{base}/ui/calendar?week={week}")).await.unwrap();
    let entry = format!("li.entry:has(a[href='/ui/content/{id}'])");
    wait_for(&c, &format!("{entry} [data-status=pending]"), false).await;
    shot(&c, "07-calendar").await;
    c.goto(&format!("{base}/ui/calendar?view=month&week={week}")).await.unwrap();
    wait_for(&c, &format!("{entry} form[data-reschedule] input[type=datetime-local]"), false).await;
    shot(&c, "07b-calendar-month").await;
    c.goto(&format!("{base}/ui/calendar?week={week}")).await.unwrap();
    wait_for(&c, &format!("{entry} [data-status=pending]"), false).await;

    // Publish now, through the outbox; the calendar shows it published.
    c.find(Locator::Css(&format!("{entry} form[action$='/publish'] button"))).await.unwrap().click().await.unwrap();
    wait_for(&c, &format!("{entry} [data-status=published]"), true).await;
    let item = state.engine.review().item(id).await.unwrap();
    assert_eq!(item.status, ContentStatus::Published);
    assert!(item.published_url.as_deref().unwrap_or_default().starts_with("file://"), "{:?}", item.published_url);
    shot(&c, "08-published").await;

    // Analytics, and the review list at 375 px wide.
    c.goto(&format!("{base}/ui/analytics")).await.unwrap();
    wait_for(&c, "figure.chart svg", false).await;
    shot(&c, "09-analytics").await;
    c.goto(&format!("{base}/ui/analytics/content/{id}")).await.unwrap();
    wait_for(&c, "dl.numbers", false).await;
    shot(&c, "09b-post-metrics").await;
    c.goto(&format!("{base}/ui/knowledge")).await.unwrap();
    wait_for(&c, "section[aria-labelledby=h-icp]", false).await;
    shot(&c, "09c-knowledge").await;
    c.set_window_size(375, 900).await.unwrap();
    c.goto(&format!("{base}/ui/review")).await.unwrap();
    wait_for(&c, "main h1", false).await;
    shot(&c, "10-review-375px").await;

    // Sign out.
    c.find(Locator::Css("form.signout button")).await.unwrap().click().await.unwrap();
    wait_for(&c, "form.login", false).await;
    assert_eq!(path_of(&c).await, "/login?signed_out=1");

    c.close().await.unwrap();
    shutdown.cancel();
    server.await.unwrap().unwrap();
}
