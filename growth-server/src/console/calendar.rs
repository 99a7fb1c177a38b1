//! Calendar: a week of scheduled and published posts per platform, the `unknown` ones that need a
//! person, cancel, publish now, back to review.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use growth_core::domain::{ContentId, ContentItem, Platform, Role, Schedule, ScheduleId, ScheduleStatus};
use growth_core::publish::PublishItem;
use growth_core::store::ScheduleFilter;
use maud::{Markup, html};
use serde::Deserialize;

use super::html::{label, when};
use super::{Nav, Session, csrf_field, error_page, notice, page, see_other};
use crate::extract::parse_id;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WeekQuery {
    /// Any day of the week to show (`YYYY-MM-DD`; this week when absent).
    #[serde(default)]
    week: Option<NaiveDate>,
    #[serde(default)]
    notice: Option<String>,
}

fn status_class(s: ScheduleStatus) -> &'static str {
    match s {
        ScheduleStatus::Published => "pass",
        ScheduleStatus::Failed | ScheduleStatus::Unknown => "fail",
        _ => "",
    }
}

/// The actions one schedule allows.
fn schedule_actions(s: &Session, sch: &Schedule) -> Markup {
    html! {
        div.actions {
            @if matches!(sch.status, ScheduleStatus::Pending | ScheduleStatus::Unknown) {
                form method="post" action=(format!("/ui/schedules/{}/cancel", sch.id)) { (csrf_field(s)) button type="submit" { "Cancel" } }
            }
            @if sch.status == ScheduleStatus::Pending {
                form method="post" action=(format!("/ui/content/{}/publish", sch.content_item_id)) { (csrf_field(s)) button type="submit" { "Publish now" } }
                form method="post" action=(format!("/ui/content/{}/unapprove", sch.content_item_id)) { (csrf_field(s)) button type="submit" { "Back to review" } }
            }
        }
    }
}

fn entry(s: &Session, sch: &Schedule, item: Option<&ContentItem>, tz: &str) -> Markup {
    let title = item.map_or_else(|| "(deleted)".to_owned(), |i| label(i.title.as_deref(), &i.content));
    html! {
        li.entry data-schedule=(sch.id) {
            span.time { (when(sch.scheduled_time, tz)) } " "
            a href=(format!("/ui/content/{}", sch.content_item_id)) { (title) } " "
            span class=(format!("tag status {}", status_class(sch.status))) data-status=(sch.status) { (sch.status) }
            @if let Some(url) = &sch.published_url { " " code.url { (url) } }
            @if let Some(e) = &sch.error_message { " " span.error { (e) } }
            (schedule_actions(s, sch))
        }
    }
}

/// `GET /ui/calendar?week=YYYY-MM-DD`.
pub(crate) async fn week(State(state): State<AppState>, s: Session, Query(q): Query<WeekQuery>) -> Response {
    let tz = state.engine.review().timezone().to_owned();
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let now = state.engine.clock().now();
    let day = q.week.unwrap_or_else(|| now.with_timezone(&zone).date_naive());
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    let start = |d: NaiveDate| {
        zone.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(now)
    };
    let (from, until) = (start(monday), start(monday + Duration::days(7)));
    let store = state.engine.store();
    let week = match store.list_schedules(&ScheduleFilter { from: Some(from), until: Some(until), limit: 1000, ..Default::default() }).await
    {
        Ok(v) => v,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let unknown =
        match store.list_schedules(&ScheduleFilter { statuses: vec![ScheduleStatus::Unknown], limit: 100, ..Default::default() }).await {
            Ok(v) => v,
            Err(e) => return error_page(Some(&s), e.into()),
        };
    let mut items: BTreeMap<ContentId, ContentItem> = BTreeMap::new();
    for sch in week.iter().chain(&unknown) {
        if !items.contains_key(&sch.content_item_id)
            && let Ok(i) = store.get_content(sch.content_item_id).await
        {
            items.insert(i.id, i);
        }
    }
    let mut by_platform: BTreeMap<Platform, Vec<&Schedule>> = BTreeMap::new();
    for sch in week.iter().filter(|s| s.status != ScheduleStatus::Cancelled) {
        by_platform.entry(sch.platform).or_default().push(sch);
    }
    let body = html! {
        (notice(q.notice.as_deref()))
        nav.pager aria-label="Weeks" {
            a href=(format!("/ui/calendar?week={}", monday - Duration::days(7))) { "← Previous week" }
            span { "Week of " (monday.format("%-d %b %Y")) " (" (tz) ")" }
            a href=(format!("/ui/calendar?week={}", monday + Duration::days(7))) { "Next week →" }
        }
        @if !unknown.is_empty() {
            section.attention {
                h2 { "Needs a person: outcome unknown" }
                p.hint { "The platform may or may not have taken these. Check the platform, then cancel, or have an admin resolve it (" code { "POST /publish/{id}/resolve" } ")." }
                ul.entries { @for sch in &unknown { (entry(&s, sch, items.get(&sch.content_item_id), &tz)) } }
            }
        }
        @if by_platform.is_empty() { p { "Nothing scheduled or published this week." } }
        @for (platform, list) in &by_platform {
            section.platform {
                h2 { (platform) }
                @for d in 0..7 {
                    @let dayd = monday + Duration::days(d);
                    @let those: Vec<&&Schedule> = list.iter().filter(|sch| sch.scheduled_time.with_timezone(&zone).date_naive() == dayd).collect();
                    @if !those.is_empty() {
                        h3 { (dayd.format("%A %-d %b")) }
                        ul.entries { @for sch in those { (entry(&s, sch, items.get(&sch.content_item_id), &tz)) } }
                    }
                }
            }
        }
    };
    page(&s, "Calendar", Nav::Calendar, body)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /ui/schedules/{id}/cancel`.
pub(crate) async fn cancel(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let id: ScheduleId = match parse_id(&id, "schedule") {
        Ok(id) => id,
        Err(e) => return error_page(Some(&s), e),
    };
    match state.engine.publishing().cancel(id, Some(s.user.id)).await {
        Ok(_) => see_other("/ui/calendar?notice=cancelled"),
        Err(e) => error_page(Some(&s), e.into()),
    }
}

/// `POST /ui/content/{id}/publish`: out now through its publisher (the outbox when the platform
/// has no account configured), moving its pending schedule if it has one.
pub(crate) async fn publish_now(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let id: ContentId = match parse_id(&id, "content item") {
        Ok(id) => id,
        Err(e) => return error_page(Some(&s), e),
    };
    let req = PublishItem { platform: None, at: None, timezone: None, by: Some(s.user.id) };
    match state.engine.publishing().publish(id, req).await {
        Ok(p) => {
            let code = if p.status == "published" { "published" } else { "publishing" };
            let zone: chrono_tz::Tz = state.engine.review().timezone().parse().unwrap_or(chrono_tz::UTC);
            let week = p.schedule.scheduled_time.with_timezone(&zone).date_naive();
            see_other(&format!("/ui/calendar?week={week}&notice={code}"))
        }
        Err(e) => error_page(Some(&s), e.into()),
    }
}
