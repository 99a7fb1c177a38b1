//! The review console over plain HTTP (the browser test is `tests/console_browser.rs`): sign-in
//! required, the session cookie, CSRF, 404 pages, and review → edit (with a conflict) → approve →
//! calendar → publish through the outbox.

use growth_core::domain::{ContentStatus, ContentType, Finding, FindingSeverity, NewContentItem, QualityMetrics, Role, Verdict};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};

use crate::helpers::{TestApp, postgres_too, spawn_app};

const PASSWORD: &str = "correct horse battery";

/// A client that does not follow redirects (the tests look at them).
fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A user with `role` and [`PASSWORD`].
async fn person(app: &TestApp, role: Role) -> String {
    let u = app.user(role).await;
    let hash = growth_server::auth::hash_password(PASSWORD.into()).await.unwrap();
    app.state.auth.set_password_hash(u.id, &hash).await.unwrap();
    u.email
}

/// Opens the sign-in page and posts its form with `email`, `password` and `next`.
async fn post_login(app: &TestApp, email: &str, password: &str, next: &str) -> reqwest::Response {
    let page = client().get(format!("{}/login", app.address)).send().await.unwrap();
    let login_cookie = page.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert!(login_cookie.starts_with("growth_login="), "{login_cookie}");
    let csrf = csrf_in(&page.text().await.unwrap());
    client()
        .post(format!("{}/login", app.address))
        .header(COOKIE, login_cookie)
        .form(&[("email", email), ("password", password), ("next", next), ("csrf", &csrf)])
        .send()
        .await
        .unwrap()
}

/// Signs in through the form; answers the `Cookie` header value.
async fn sign_in(app: &TestApp, email: &str) -> String {
    let r = post_login(app, email, PASSWORD, "/ui/calendar").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/ui/calendar");
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(part), "{set}");
    }
    set.split(';').next().unwrap().to_owned()
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    client().get(format!("{}{path}", app.address)).header(COOKIE, cookie).send().await.unwrap()
}

async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client().post(format!("{}{path}", app.address)).header(COOKIE, cookie).form(form).send().await.unwrap()
}

/// The CSRF token in a page's forms.
fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// An item in review with one slop finding at its span.
async fn in_review(app: &TestApp) -> String {
    let text = "We delve into pricing.\n\nWe priced at $49.";
    let mut new = NewContentItem::draft(ContentType::LinkedinPost, Some("Pricing lessons".into()), text);
    new.status = ContentStatus::InReview;
    new.quality = QualityMetrics {
        verdicts: vec![Verdict {
            gate: "slop".into(),
            passed: false,
            score: None,
            findings: vec![Finding {
                check: "slop".into(),
                span: [3, 8],
                text: "delve".into(),
                message: "say what you do".into(),
                severity: FindingSeverity::Error,
            }],
        }],
        ..QualityMetrics::default()
    };
    app.state.engine.store().insert_content(new).await.unwrap().id.to_string()
}

#[tokio::test]
async fn console_pages_need_a_sign_in_and_send_you_back_after_it() {
    let app = spawn_app().await;
    let r = get(&app, "/", "").await;
    assert_eq!((r.status(), r.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/ui/review"));
    for path in ["/ui/review", "/ui/calendar", "/ui/sources", "/ui/analytics", "/ui/content/0190a000-0000-7000-8000-000000000000"] {
        let r = get(&app, path, "").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(to.starts_with("/login?next=%2Fui%2F"), "{path} → {to}");
    }
    // A made-up cookie is no session.
    let r = get(&app, "/ui/review", "growth_session=deadbeef").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A form post without a session changes nothing.
    let id = in_review(&app).await;
    let r = post(&app, &format!("/ui/content/{id}/approve"), "", &[("csrf", "x")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[LOCATION].to_str().unwrap().starts_with("/login"));
    let item = app.state.engine.review().item(id.parse().unwrap()).await.unwrap();
    assert_eq!(item.status, ContentStatus::InReview);
    // The sign-in page itself is open, and readable.
    let r = get(&app, "/login?next=/ui/calendar", "").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("<label for=\"email\">") && page.contains("value=\"/ui/calendar\""), "{page}");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_next_never_leaves_the_console() {
    let app = spawn_app().await;
    let email = person(&app, Role::Viewer).await;
    let r = post_login(&app, &email, "not the password", "/ui/review").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get_all(SET_COOKIE).iter().all(|c| !c.to_str().unwrap().starts_with("growth_session=")));
    assert!(r.text().await.unwrap().contains("wrong email or password"));
    for evil in ["https://evil.example/", "//evil.example/", "/\\evil.example"] {
        let r = post_login(&app, &email, PASSWORD, evil).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/ui/review", "{evil}");
    }
}

#[tokio::test]
async fn a_sign_in_posted_from_elsewhere_is_refused() {
    let app = spawn_app().await;
    let email = person(&app, Role::Viewer).await;
    // Right password, but no sign-in form of this site behind it (no cookie, or another token).
    for cookie in ["", "growth_login=0123456789abcdef"] {
        let r = client()
            .post(format!("{}/login", app.address))
            .header(COOKIE, cookie)
            .form(&[("email", email.as_str()), ("password", PASSWORD), ("csrf", "fedcba9876543210")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{cookie}");
        assert!(r.headers().get_all(SET_COOKIE).iter().all(|c| !c.to_str().unwrap().starts_with("growth_session=")));
    }
    // Behind an HTTPS proxy the cookies are `Secure`.
    let page = client().get(format!("{}/login", app.address)).header("x-forwarded-proto", "https").send().await.unwrap();
    assert!(page.headers()[SET_COOKIE].to_str().unwrap().contains("; Secure"));
}

#[tokio::test]
async fn reject_keeps_the_reason() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Approver).await).await;
    let id = in_review(&app).await;
    let csrf = csrf_in(&get(&app, "/ui/review", &cookie).await.text().await.unwrap());
    let r = post(&app, &format!("/ui/content/{id}/reject"), &cookie, &[("csrf", &csrf), ("reason", "off-brand")]).await;
    assert_eq!((r.status(), r.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/ui/review?notice=rejected"));
    let item = app.state.engine.review().item(id.parse().unwrap()).await.unwrap();
    assert_eq!((item.status, item.rejection_reason.as_deref()), (ContentStatus::Rejected, Some("off-brand")));
    let page = get(&app, &format!("/ui/content/{id}"), &cookie).await.text().await.unwrap();
    assert!(page.contains("Rejected: off-brand"), "{page}");
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Approver).await).await;
    let id = in_review(&app).await;
    for form in [vec![], vec![("csrf", "0123456789abcdef0123456789abcdef")]] {
        let r = post(&app, &format!("/ui/content/{id}/approve"), &cookie, &form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{form:?}");
        assert!(r.text().await.unwrap().contains("security token"));
    }
    // Another session's token does not do either.
    let other = sign_in(&app, &person(&app, Role::Approver).await).await;
    let theirs = csrf_in(&get(&app, "/ui/review", &other).await.text().await.unwrap());
    let r = post(&app, &format!("/ui/content/{id}/approve"), &cookie, &[("csrf", &theirs)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let item = app.state.engine.review().item(id.parse().unwrap()).await.unwrap();
    assert_eq!(item.status, ContentStatus::InReview);
    // Sign-out needs it too.
    assert_eq!(post(&app, "/logout", &cookie, &[]).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_console_pages_are_html_404s() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Viewer).await).await;
    for path in ["/ui/nothing-here", "/ui/content/0190a000-0000-7000-8000-000000000000", "/ui/jobs/0190a000-0000-7000-8000-000000000000"] {
        let r = get(&app, path, &cookie).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(r.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{path}");
    }
    // The API's 404 stays problem+json.
    let r = get(&app, "/no-such-route", &cookie).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/problem+json");
}

#[tokio::test]
async fn a_viewer_reads_but_cannot_approve() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Viewer).await).await;
    let id = in_review(&app).await;
    let page = get(&app, "/ui/review", &cookie).await.text().await.unwrap();
    let r = post(&app, &format!("/ui/content/{id}/approve"), &cookie, &[("csrf", &csrf_in(&page))]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("approver"));
}

#[tokio::test]
async fn sign_out_ends_the_session_and_the_cookie_is_no_refresh_token() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Viewer).await).await;
    let token = cookie.trim_start_matches("growth_session=").to_owned();
    let r = client().post(format!("{}/auth/refresh", app.address)).json(&serde_json::json!({"refresh_token": token})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let page = get(&app, "/ui/review", &cookie).await;
    assert_eq!(page.status(), 200);
    let csrf = csrf_in(&page.text().await.unwrap());
    let r = post(&app, "/logout", &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let r = get(&app, "/ui/review", &cookie).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the old cookie still worked");
}

#[tokio::test]
async fn review_edit_conflict_approve_calendar_and_publish() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Approver).await).await;
    let id = in_review(&app).await;
    // The review page marks the finding at its span, with the fix as its title.
    let page = get(&app, "/ui/review", &cookie).await.text().await.unwrap();
    assert!(page.contains("We <mark class=\"sev-error\" title=\"slop: say what you do\">delve</mark> into pricing."), "{page}");
    let csrf = csrf_in(&page);
    // An edit from version 1 saves version 2 …
    let edit = |text: &'static str| {
        [("csrf", csrf.clone()), ("version", "1".to_owned()), ("title", "Pricing lessons".into()), ("content", text.into())]
    };
    let r = client()
        .post(format!("{}/ui/content/{id}/edit", app.address))
        .header(COOKIE, &cookie)
        .form(&edit("We looked hard at pricing.\r\n\r\nWe priced at $49."))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let item = app.state.engine.review().item(id.parse().unwrap()).await.unwrap();
    assert_eq!((item.version, item.content.as_str()), (2, "We looked hard at pricing.\n\nWe priced at $49."));
    // … and a second edit from version 1 is a conflict showing both.
    let r = client()
        .post(format!("{}/ui/content/{id}/edit", app.address))
        .header(COOKIE, &cookie)
        .form(&edit("We priced at $59."))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.unwrap();
    assert!(page.contains("We looked hard at pricing.") && page.contains("We priced at $59."), "{page}");
    assert!(page.contains("name=\"version\" value=\"2\""), "the form saves over the version it showed");
    // The history shows the word diff.
    let page = get(&app, &format!("/ui/content/{id}/versions"), &cookie).await.text().await.unwrap();
    assert!(page.contains("<ins>looked </ins>") || page.contains("<ins>"), "{page}");
    // Approve: scheduled, on the calendar of its week.
    let r = post(&app, &format!("/ui/content/{id}/approve"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!((r.status(), r.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/ui/review?notice=approved"));
    let item = app.state.engine.review().item(id.parse().unwrap()).await.unwrap();
    assert_eq!(item.status, ContentStatus::Scheduled);
    let week = item.scheduled_publish_time.unwrap().date_naive();
    let page = get(&app, &format!("/ui/calendar?week={week}"), &cookie).await.text().await.unwrap();
    assert!(page.contains("Pricing lessons") && page.contains("data-status=\"pending\""), "{page}");
    // Publish now: through the outbox (no platform account configured).
    let r = post(&app, &format!("/ui/content/{id}/publish"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
    let mut status = String::new();
    for _ in 0..200 {
        let page = get(&app, &to, &cookie).await.text().await.unwrap();
        if page.contains("data-status=\"published\"") {
            status = "published".into();
            assert!(page.contains("file://"), "the outbox's file is shown: {page}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, "published");
}

#[tokio::test]
async fn bulk_approval_shows_the_schedule_first_and_keeps_to_it() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Approver).await).await;
    let (a, b) = (in_review(&app).await, in_review(&app).await);
    let r = get(&app, &format!("/ui/review/bulk?id={a}&id={b}"), &cookie).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    // Nothing is approved by looking.
    let item = app.state.engine.review().item(a.parse().unwrap()).await.unwrap();
    assert_eq!(item.status, ContentStatus::InReview);
    let times: Vec<String> = page
        .match_indices("name=\"at\" value=\"")
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect();
    assert_eq!(times.len(), 2, "{page}");
    let csrf = csrf_in(&page);
    let form = [("csrf", csrf.as_str()), ("id", &a), ("at", &times[0]), ("id", &b), ("at", &times[1])];
    let r = post(&app, "/ui/review/bulk", &cookie, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    for (id, at) in [(&a, &times[0]), (&b, &times[1])] {
        let item = app.state.engine.review().item(id.parse().unwrap()).await.unwrap();
        assert_eq!(item.status, ContentStatus::Scheduled);
        assert_eq!(item.scheduled_publish_time.unwrap(), chrono::DateTime::parse_from_rfc3339(at).unwrap());
    }
}

#[tokio::test]
async fn an_unknown_outcome_is_shown_as_needing_a_person_and_can_be_cancelled() {
    use growth_core::domain::{ContentId, ScheduleOutcome, ScheduleStatus};
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Approver).await).await;
    let id: ContentId = in_review(&app).await.parse().unwrap();
    // The way a timed-out send leaves it.
    let store = app.state.engine.store();
    let write = growth_core::store::ApprovalWrite {
        content_item_id: id,
        platform: growth_core::domain::Platform::LINKEDIN,
        scheduled_time: chrono::Utc::now() + chrono::Duration::days(1),
        timezone: "UTC".into(),
    };
    let (_, s) = store.approve_and_schedule(&[write]).await.unwrap().remove(0);
    store.claim_schedule(s.id, "w-test", std::time::Duration::from_secs(60)).await.unwrap().unwrap();
    let s = store.start_attempt(s.id, "w-test").await.unwrap();
    store.finish_attempt(s.id, "w-test", s.attempt, ScheduleOutcome::Unknown { error: "timeout after send".into() }).await.unwrap();
    // Any week's calendar lists it first, as needing a person.
    let page = get(&app, "/ui/calendar?week=2020-01-06", &cookie).await.text().await.unwrap();
    let attention = &page[page.find("Needs a person").expect("the unknown section")..];
    assert!(attention.contains(&format!("data-schedule=\"{}\"", s.id)) && attention.contains("data-status=\"unknown\""), "{page}");
    assert!(attention.contains("timeout after send"));
    let r = post(&app, &format!("/ui/schedules/{}/cancel", s.id), &cookie, &[("csrf", &csrf_in(&page))]).await;
    assert_eq!((r.status(), r.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/ui/calendar?notice=cancelled"));
    assert_eq!(store.get_schedule(s.id).await.unwrap().status, ScheduleStatus::Cancelled);
}

postgres_too!(
    review_edit_conflict_approve_calendar_and_publish,
    sign_out_ends_the_session_and_the_cookie_is_no_refresh_token,
    bulk_approval_shows_the_schedule_first_and_keeps_to_it,
    the_month_view_shows_a_post_and_its_form_moves_it_to_another_day,
    a_source_is_deleted_after_a_confirm_page_unless_a_post_from_it_is_approved,
    a_background_save_answers_the_new_version_and_a_stale_one_is_a_conflict,
    the_knowledge_page_lists_icp_profiles_and_objections_a_page_at_a_time,
    a_posts_metrics_page_charts_its_snapshots_and_leads_are_shown_by_post,
);

/// The value of the first `datetime-local` input called `name` in `page`.
fn input_value(page: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" type=\"datetime-local\" value=\"");
    let at = page.find(&key).unwrap_or_else(|| panic!("no {name} input: {page}"));
    let rest = &page[at + key.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn the_month_view_shows_a_post_and_its_form_moves_it_to_another_day() {
    use chrono::Datelike;
    use growth_core::domain::ScheduleStatus;
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Approver).await).await;
    let id = in_review(&app).await;
    let csrf = csrf_in(&get(&app, "/ui/review", &cookie).await.text().await.unwrap());
    let r = post(&app, &format!("/ui/content/{id}/approve"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let item = app.state.engine.review().item(id.parse().unwrap()).await.unwrap();
    let zone: chrono_tz::Tz = app.state.engine.review().timezone().parse().unwrap();
    let local = item.scheduled_publish_time.unwrap().with_timezone(&zone);
    let day = local.date_naive();
    // The month around it: every day a drop target, the post with its time in a datetime-local field.
    let page = get(&app, &format!("/ui/calendar?view=month&week={day}"), &cookie).await.text().await.unwrap();
    assert!(page.contains(&format!("data-day=\"{}\"", day.with_day(1).unwrap())), "{page}");
    assert!(page.contains(&format!("{}", day.format("%B %Y"))) && page.contains("Week view"), "{page}");
    assert!(page.contains("Pricing lessons") && page.contains("draggable=\"true\""), "{page}");
    let shown = input_value(&page, "at");
    assert_eq!(shown, local.format("%Y-%m-%dT%H:%M").to_string());
    // The week view links to the month.
    let week = get(&app, &format!("/ui/calendar?week={day}"), &cookie).await.text().await.unwrap();
    assert!(week.contains("Month view") && week.contains(&format!("data-day=\"{day}\"")), "{week}");
    // Two days later at 14:30, in the configured zone (what dragging to that day posts too).
    let to = day + chrono::Duration::days(2);
    let filter = growth_core::store::ScheduleFilter { content_item_id: Some(id.parse().unwrap()), ..Default::default() };
    let schedules = app.state.engine.store().list_schedules(&filter).await.unwrap();
    let sid = schedules.iter().find(|s| s.status == ScheduleStatus::Pending).expect("a pending schedule").id;
    let r = post(&app, &format!("/ui/schedules/{sid}/reschedule"), &cookie, &[("csrf", &csrf), ("at", &format!("{to}T14:30"))]).await;
    assert_eq!(
        (r.status(), r.headers()[LOCATION].to_str().unwrap()),
        (StatusCode::SEE_OTHER, format!("/ui/calendar?week={to}&notice=rescheduled").as_str())
    );
    let moved = app.state.engine.store().get_schedule(sid).await.unwrap();
    assert_eq!(moved.scheduled_time.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string(), format!("{to}T14:30"));
    // Not a time, or in the past: the engine's 422, nothing moved.
    for bad in ["tomorrow", "2001-01-01T09:00"] {
        let r = post(&app, &format!("/ui/schedules/{sid}/reschedule"), &cookie, &[("csrf", &csrf), ("at", bad)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(app.state.engine.store().get_schedule(sid).await.unwrap().scheduled_time, moved.scheduled_time);
    // A viewer cannot move it.
    let viewer = sign_in(&app, &person(&app, Role::Viewer).await).await;
    let vcsrf = csrf_in(&get(&app, "/ui/review", &viewer).await.text().await.unwrap());
    let r = post(&app, &format!("/ui/schedules/{sid}/reschedule"), &viewer, &[("csrf", &vcsrf), ("at", &format!("{to}T15:30"))]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// Uploads `text` through the console's plain form; answers the new source's id.
async fn upload_form(app: &TestApp, cookie: &str, csrf: &str, title: &str, text: &str) -> growth_core::domain::SourceId {
    use reqwest::multipart::{Form, Part};
    let form = Form::new()
        .text("csrf", csrf.to_owned())
        .text("title", title.to_owned())
        .part("file", Part::bytes(text.as_bytes().to_vec()).file_name("talk.txt"));
    let r = client().post(format!("{}/ui/sources", app.address)).header(COOKIE, cookie).multipart(form).send().await.unwrap();
    assert_eq!((r.status(), r.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/ui/sources?notice=uploaded"));
    let sources = app.state.engine.ingest().sources(100, 0).await.unwrap();
    sources.iter().find(|s| s.title.as_deref() == Some(title)).expect("the uploaded source").id
}

#[tokio::test]
async fn a_source_is_deleted_after_a_confirm_page_unless_a_post_from_it_is_approved() {
    use growth_core::domain::{ContentStatus, ContentTransition, ContentType, NewContentItem};
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Approver).await).await;
    let page = get(&app, "/ui/sources", &cookie).await.text().await.unwrap();
    // The plain form still uploads, and the page offers the script its drop zone.
    assert!(page.contains("data-upload") && page.contains("enctype=\"multipart/form-data\""), "{page}");
    let csrf = csrf_in(&page);
    let (kept, gone) =
        ("Wes: free trials are not product-led growth, value is. ".repeat(20), "Wes: onboarding is the product. ".repeat(30));
    let (a, b) = (upload_form(&app, &cookie, &csrf, "Kept talk", &kept).await, upload_form(&app, &cookie, &csrf, "Gone talk", &gone).await);
    let page = get(&app, "/ui/sources", &cookie).await.text().await.unwrap();
    assert!(page.contains(&format!("href=\"/ui/sources/{b}/delete\"")), "{page}");
    // Looking at the confirm page deletes nothing; its button does.
    let r = get(&app, &format!("/ui/sources/{b}/delete"), &cookie).await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("Gone talk") && confirm.contains("Delete this source"), "{confirm}");
    assert!(app.state.engine.ingest().source(b).await.is_ok());
    let r = post(&app, &format!("/ui/sources/{b}/delete"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!((r.status(), r.headers()[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/ui/sources?notice=deleted"));
    assert!(app.state.engine.ingest().source(b).await.is_err());
    // A source with an approved piece: the 409's reason, nothing removed.
    let mut n = NewContentItem::draft(ContentType::LinkedinPost, None, "approved post");
    n.source_id = Some(a);
    let store = app.state.engine.store();
    let approved = store.insert_content(n).await.unwrap();
    store.transition_content(approved.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    let r = post(&app, &format!("/ui/sources/{a}/delete"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.unwrap();
    assert!(page.contains("role=\"alert\"") && page.contains("approved"), "{page}");
    assert!(app.state.engine.ingest().source(a).await.is_ok());
    // A viewer cannot, and no CSRF token is no delete.
    assert_eq!(post(&app, &format!("/ui/sources/{a}/delete"), &cookie, &[]).await.status(), StatusCode::FORBIDDEN);
    let viewer = sign_in(&app, &person(&app, Role::Viewer).await).await;
    let vcsrf = csrf_in(&get(&app, "/ui/review", &viewer).await.text().await.unwrap());
    assert_eq!(post(&app, &format!("/ui/sources/{a}/delete"), &viewer, &[("csrf", &vcsrf)]).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_background_save_answers_the_new_version_and_a_stale_one_is_a_conflict() {
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Approver).await).await;
    let id = in_review(&app).await;
    let page = get(&app, &format!("/ui/content/{id}"), &cookie).await.text().await.unwrap();
    assert!(page.contains("data-autosave") && page.contains("data-save"), "the script finds the form: {page}");
    let csrf = csrf_in(&page);
    let save = |version: &'static str, text: &'static str| {
        let (app, cookie, csrf, id) = (&app, &cookie, &csrf, &id);
        async move {
            let form = [("csrf", csrf.as_str()), ("version", version), ("title", "Pricing lessons"), ("content", text), ("autosave", "1")];
            let r = post(app, &format!("/ui/content/{id}/edit"), cookie, &form).await;
            let status = r.status();
            assert!(r.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    // From the shown version 1: saved as 2, and the answer says so (the script moves its field on).
    let (status, body) = save("1", "We looked at pricing.").await;
    assert_eq!((status, body["version"].as_i64()), (StatusCode::OK, Some(2)), "{body}");
    let (status, body) = save("2", "We looked hard at pricing.").await;
    assert_eq!((status, body["version"].as_i64()), (StatusCode::OK, Some(3)), "{body}");
    let item = app.state.engine.review().item(id.parse().unwrap()).await.unwrap();
    assert_eq!((item.version, item.content.as_str()), (3, "We looked hard at pricing."));
    // From a version someone else saved over: 409 with theirs, nothing written.
    let (status, body) = save("2", "Mine, from an old page.").await;
    assert_eq!((status, body["version"].as_i64()), (StatusCode::CONFLICT, Some(3)), "{body}");
    assert!(body["conflict"].is_string(), "{body}");
    assert_eq!(app.state.engine.review().item(id.parse().unwrap()).await.unwrap().version, 3);
    // The plain save of the same form still shows both versions.
    let r =
        post(&app, &format!("/ui/content/{id}/edit"), &cookie, &[("csrf", &csrf), ("version", "2"), ("title", "x"), ("content", "Mine.")])
            .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("We looked hard at pricing."));
}

#[tokio::test]
async fn the_knowledge_page_lists_icp_profiles_and_objections_a_page_at_a_time() {
    use growth_core::domain::{IcpSource, NewIcpProfile, NewObjection, Severity};
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Viewer).await).await;
    let store = app.state.engine.store();
    let page = get(&app, "/ui/knowledge", &cookie).await.text().await.unwrap();
    assert!(page.contains("No ICP profiles yet") && page.contains("No objections heard yet"), "{page}");
    store
        .create_icp_profile(NewIcpProfile {
            source: IcpSource::Manual,
            source_id: None,
            pain_points: vec!["churn after the trial".into()],
            language_patterns: vec!["time to value".into()],
            objections: vec!["too expensive".into()],
            goals: vec!["activation".into()],
            role: Some("Head of Growth".into()),
            company_size: Some("11-50".into()),
            industry: Some("SaaS".into()),
        })
        .await
        .unwrap();
    for n in 0..25 {
        let o = NewObjection {
            objection_text: format!("objection number {n}"),
            category: Some("roi".into()),
            severity: Some(Severity::High),
            stage: None,
        };
        store.record_objection(o).await.unwrap();
    }
    let r = get(&app, "/ui/knowledge", &cookie).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Head of Growth") && page.contains("churn after the trial") && page.contains("time to value"), "{page}");
    assert_eq!(page.matches("data-profile=").count(), 1);
    assert_eq!(page.matches("data-objection=").count(), 20, "one page of objections");
    assert!(page.contains("1–20 of 25") && page.contains("href=\"/ui/knowledge?k=0&amp;p=0&amp;o=20\""), "{page}");
    let rest = get(&app, "/ui/knowledge?o=20", &cookie).await.text().await.unwrap();
    assert_eq!(rest.matches("data-objection=").count(), 5);
    assert!(rest.contains("21–25 of 25") && rest.contains("← Earlier") && rest.contains("Head of Growth"), "{rest}");
    // The sources page links to it, and the navigation has it.
    let sources = get(&app, "/ui/sources", &cookie).await.text().await.unwrap();
    assert!(sources.contains("href=\"/ui/knowledge\""), "{sources}");
}

#[tokio::test]
async fn a_posts_metrics_page_charts_its_snapshots_and_leads_are_shown_by_post() {
    use growth_core::domain::Platform;
    use growth_core::measure::utm::{UtmTags, tag_url};
    use growth_core::measure::{NewSnapshot, PostMetrics};
    let app = spawn_app().await;
    let cookie = sign_in(&app, &person(&app, Role::Approver).await).await;
    let id = in_review(&app).await;
    let csrf = csrf_in(&get(&app, "/ui/review", &cookie).await.text().await.unwrap());
    assert_eq!(post(&app, &format!("/ui/content/{id}/approve"), &cookie, &[("csrf", &csrf)]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(post(&app, &format!("/ui/content/{id}/publish"), &cookie, &[("csrf", &csrf)]).await.status(), StatusCode::SEE_OTHER);
    let cid: growth_core::domain::ContentId = id.parse().unwrap();
    let store = app.state.engine.store();
    let today = chrono::Utc::now().date_naive();
    for (back, impressions, reactions) in [(2, 100, 5), (1, 250, 12), (0, 400, 20)] {
        let metrics = PostMetrics { impressions: Some(impressions), reactions: Some(reactions), ..PostMetrics::default() };
        let snap = NewSnapshot { content_item_id: cid, platform: Platform::LINKEDIN, day: today - chrono::Duration::days(back), metrics };
        store.record_snapshot(snap).await.unwrap();
    }
    let r = get(&app, &format!("/ui/analytics/content/{id}"), &cookie).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("<polyline"), "{page}");
    assert_eq!(page.matches("<circle").count(), 6, "a point per day for reach and for engagements: {page}");
    assert!(page.contains(&format!("{today}: ")) && page.contains("Pricing lessons"), "{page}");
    assert_eq!(get(&app, "/ui/analytics/content/0190a000-0000-7000-8000-000000000000", &cookie).await.status(), StatusCode::NOT_FOUND);
    // A lead through the post's tagged link shows up under it on the analytics page.
    let tags = UtmTags::for_item(Platform::LINKEDIN, "ep-1", cid);
    let url = tag_url("https://example.com/demo", &tags).unwrap();
    let token = app.token(Role::Approver).await;
    let lead = serde_json::json!({"email": "ana@example.com", "url": url, "kind": "demo_request", "event_id": "form-1"});
    let r = app.req(reqwest::Method::POST, "/leads", &token).json(&lead).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let page = get(&app, "/ui/analytics", &cookie).await.text().await.unwrap();
    let row = &page[page.find(&format!("data-leads-for=\"{id}\"")).expect("a row for the post")..];
    assert!(row.contains(&format!("href=\"/ui/analytics/content/{id}\"")) && row.contains("<td>1</td>"), "{page}");
    // A viewer sees no leads.
    let viewer = sign_in(&app, &person(&app, Role::Viewer).await).await;
    let page = get(&app, "/ui/analytics", &viewer).await.text().await.unwrap();
    assert!(!page.contains("data-leads-for") && page.contains("Approvers see leads"), "{page}");
}
