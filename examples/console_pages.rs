//! How long the review console's pages take with 10,000 items in the database: the app on SQLite
//! (its embedded default) with 1,000 sources of 10 pieces each (~600 characters), 300 of them
//! approved and scheduled; each page is fetched 30 times over loopback by a signed-in admin and
//! the median and slowest times are printed (the time includes loopback HTTP, so it bounds the
//! server time from above).
//!
//! `cargo run --example console_pages` (BENCHMARKS.md has a debug build's numbers; add `--release`
//! for a release build's).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a measuring script: a failed step should stop it loudly")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use growth::core::domain::{AuthProvider, ContentType, NewContentItem, NewSource, NewUser, Role, SourceType};
use growth::core::review::ApproveRequest;
use growth_server::config::Settings;
use growth_server::startup::Application;
use tokio_util::sync::CancellationToken;

const TEXT: &str = "We doubled trial-to-paid by showing the price on the pricing page instead of hiding it behind a demo call. \
Buyers told us the same thing in every call: if they cannot see the number, they assume it is too high, and they leave. \
So we put three plans on one page, wrote what each plan is for in one sentence, and moved the demo button below the fold.\n\n\
What would you change first?";

fn value_of<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html.find(marker).expect(marker) + marker.len();
    &html[at..at + html[at..].find('"').unwrap()]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        database_url: format!("sqlite://{}", dir.path().join("console.db").display()),
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        ..Settings::default()
    };
    settings.http.rate_limit_per_user = 0;
    settings.http.rate_limit_per_ip = 0;
    settings.learning.mine_cron = String::new();
    settings.learning.icp_cron = String::new();
    settings.learning.best_time_cron = String::new();
    let app = Application::build_with_clock(settings, Arc::new(growth::core::SystemClock)).await.unwrap().without_worker();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));

    let store = state.engine.store().clone();
    let types =
        [ContentType::LinkedinPost, ContentType::LinkedinPost, ContentType::LinkedinPost, ContentType::Newsletter, ContentType::BlogPost];
    let started = Instant::now();
    let mut ids = Vec::with_capacity(10_000);
    for s in 0..1_000 {
        let source = NewSource {
            source_type: Some(SourceType::Podcast),
            source_id: Some(format!("episode-{s}")),
            title: Some(format!("Episode {s}")),
            transcript: Some("Host: welcome".into()),
            ..NewSource::default()
        };
        let source = store.create_source(source).await.unwrap().value;
        for i in 0..10 {
            let mut item =
                NewContentItem::draft(types[i % types.len()], Some(format!("Episode {s}, piece {i}")), format!("{s}.{i}: {TEXT}"));
            item.source_id = Some(source.id);
            ids.push(store.insert_content(item).await.unwrap().id);
        }
    }
    for id in ids.iter().rev().take(300) {
        state.engine.review().approve(*id, ApproveRequest { at: None, platform: None, timezone: None, by: None }).await.unwrap();
    }
    println!("seeded 10,000 items (300 scheduled) in {:.1} s", started.elapsed().as_secs_f64());

    let user = state
        .users
        .create_user(NewUser { email: "admin@example.com".into(), full_name: None, role: Role::Admin, auth_provider: AuthProvider::Email })
        .await
        .unwrap();
    let hash = growth_server::auth::hash_password("correct horse battery".into()).await.unwrap();
    state.auth.set_password_hash(user.id, &hash).await.unwrap();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap();
    let login_cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let csrf = value_of(&html, "name=\"csrf\" value=\"").to_owned();
    let r = client
        .post(format!("{base}/login"))
        .header("cookie", login_cookie)
        .form(&[("email", "admin@example.com"), ("password", "correct horse battery"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();

    let one = ids[0];
    let scheduled = store.get_content(ids[ids.len() - 1]).await.unwrap();
    let week = scheduled.scheduled_publish_time.unwrap().date_naive();
    let bulk: Vec<String> = ids[10..20].iter().map(|id| format!("id={id}")).collect();
    let pages = [
        "/ui/review".to_owned(),
        "/ui/review?offset=900".to_owned(),
        format!("/ui/review/bulk?{}", bulk.join("&")),
        format!("/ui/content/{one}"),
        format!("/ui/content/{one}/versions"),
        format!("/ui/calendar?week={week}"),
        format!("/ui/calendar?view=month&week={week}"),
        "/ui/sources".to_owned(),
        format!("/ui/sources/{}/delete", scheduled.source_id.unwrap()),
        "/ui/knowledge".to_owned(),
        "/ui/analytics".to_owned(),
        format!("/ui/analytics/content/{one}"),
    ];
    println!("{:<44} {:>9} {:>9} {:>9}", "page", "median", "slowest", "bytes");
    for path in &pages {
        let mut times = Vec::with_capacity(30);
        let mut bytes = 0;
        for round in 0..33 {
            let t = Instant::now();
            let r = client.get(format!("{base}{path}")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            bytes = r.bytes().await.unwrap().len();
            if round >= 3 {
                times.push(t.elapsed());
            }
        }
        times.sort();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
        let shown = if path.len() > 44 { format!("{}…", &path[..43]) } else { path.clone() };
        println!("{shown:<44} {:>9} {:>9} {bytes:>9}", ms(times[times.len() / 2]), ms(times[times.len() - 1]));
    }
    shutdown.cancel();
    server.await.unwrap().unwrap();
}
