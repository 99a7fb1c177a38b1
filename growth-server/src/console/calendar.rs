//! Calendar: a week or a month of scheduled and published posts per platform, the `unknown` ones
//! that need a person, reschedule (a `datetime-local` form per post; the script drags a post to
//! another day and posts the same form), cancel, publish now, back to review.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
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
    /// `month` for the month around that day (the week otherwise).
    #[serde(default)]
    view: Option<String>,
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
/// `place` keeps the field's id unique when a post is listed twice (an `unknown` one in its day too).
fn schedule_actions(s: &Session, sch: &Schedule, zone: chrono_tz::Tz, place: &str) -> Markup {
    let local = sch.scheduled_time.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string();
    let field = format!("at-{place}-{}", sch.id);
    html! {
        div.actions {
            @if matches!(sch.status, ScheduleStatus::Pending | ScheduleStatus::Failed | ScheduleStatus::Unknown) {
                form.reschedule method="post" action=(format!("/ui/schedules/{}/reschedule", sch.id)) data-reschedule {
                    (csrf_field(s))
                    label for=(field) { "New time" }
                    input id=(field) name="at" type="datetime-local" value=(local) required;
                    button type="submit" { "Reschedule" }
                }
            }
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

fn entry(s: &Session, sch: &Schedule, item: Option<&ContentItem>, tz: &str, zone: chrono_tz::Tz, place: &str) -> Markup {
    let title = item.map_or_else(|| "(deleted)".to_owned(), |i| label(i.title.as_deref(), &i.content));
    let movable = matches!(sch.status, ScheduleStatus::Pending | ScheduleStatus::Failed | ScheduleStatus::Unknown);
    html! {
        li.entry data-schedule=(sch.id) draggable=[movable.then_some("true")] {
            span.tag { (sch.platform) } " "
            span.time { (when(sch.scheduled_time, tz)) } " "
            a href=(format!("/ui/content/{}", sch.content_item_id)) { (title) } " "
            span class=(format!("tag status {}", status_class(sch.status))) data-status=(sch.status) { (sch.status) }
            @if let Some(url) = &sch.published_url { " " code.url { (url) } }
            @if let Some(e) = &sch.error_message { " " span.error { (e) } }
            (schedule_actions(s, sch, zone, place))
        }
    }
}

/// The first instant of day `d` in `zone` (`fallback` when the zone skips it whole).
fn day_start(zone: chrono_tz::Tz, d: NaiveDate, fallback: DateTime<Utc>) -> DateTime<Utc> {
    zone.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(fallback)
}

/// The calendar link of the week (or month) around `day`.
fn calendar_href(day: NaiveDate, month: bool) -> String {
    if month { format!("/ui/calendar?view=month&week={day}") } else { format!("/ui/calendar?week={day}") }
}

/// `GET /ui/calendar?week=YYYY-MM-DD[&view=month]`: every day of the week (or of the month, in
/// weeks from Monday), each with its posts on every platform; a post can be dragged to another
/// day.
pub(crate) async fn week(State(state): State<AppState>, s: Session, Query(q): Query<WeekQuery>) -> Response {
    let tz = state.engine.review().timezone().to_owned();
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let now = state.engine.clock().now();
    let month = q.view.as_deref() == Some("month");
    let day = q.week.unwrap_or_else(|| now.with_timezone(&zone).date_naive());
    let monday_of = |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    // The days shown: the week, or the month's days (whole weeks around them, the others dimmed).
    let (first, last, prev, next) = if month {
        let first = day.with_day(1).unwrap_or(day);
        let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
        let prev = first.checked_sub_months(Months::new(1)).unwrap_or(first);
        (first, next, prev, next)
    } else {
        let monday = monday_of(day);
        (monday, monday + Duration::days(7), monday - Duration::days(7), monday + Duration::days(7))
    };
    let grid_start = monday_of(first);
    let grid_end = {
        let l = last - Duration::days(1);
        monday_of(l) + Duration::days(7)
    };
    let (from, until) = (day_start(zone, grid_start, now), day_start(zone, grid_end, now));
    let store = state.engine.store();
    let shown =
        match store.list_schedules(&ScheduleFilter { from: Some(from), until: Some(until), limit: 1000, ..Default::default() }).await {
            Ok(v) => v,
            Err(e) => return error_page(Some(&s), e.into()),
        };
    let unknown =
        match store.list_schedules(&ScheduleFilter { statuses: vec![ScheduleStatus::Unknown], limit: 100, ..Default::default() }).await {
            Ok(v) => v,
            Err(e) => return error_page(Some(&s), e.into()),
        };
    let mut items: BTreeMap<ContentId, ContentItem> = BTreeMap::new();
    for sch in shown.iter().chain(&unknown) {
        if !items.contains_key(&sch.content_item_id)
            && let Ok(i) = store.get_content(sch.content_item_id).await
        {
            items.insert(i.id, i);
        }
    }
    let mut by_day: BTreeMap<NaiveDate, Vec<&Schedule>> = BTreeMap::new();
    for sch in shown.iter().filter(|s| s.status != ScheduleStatus::Cancelled) {
        by_day.entry(sch.scheduled_time.with_timezone(&zone).date_naive()).or_default().push(sch);
    }
    for list in by_day.values_mut() {
        list.sort_by_key(|s| (s.platform, s.scheduled_time));
    }
    let platforms: std::collections::BTreeSet<Platform> = by_day.values().flatten().map(|s| s.platform).collect();
    let days: Vec<NaiveDate> = grid_start.iter_days().take_while(|d| *d < grid_end).collect();
    let (unit, title) =
        if month { ("month", format!("{}", first.format("%B %Y"))) } else { ("week", format!("Week of {}", first.format("%-d %b %Y"))) };
    let body = html! {
        (notice(q.notice.as_deref()))
        nav.pager aria-label="Calendar pages" {
            a href=(calendar_href(prev, month)) { "← Previous " (unit) }
            span { (title) " (" (tz) ")" }
            a href=(calendar_href(next, month)) { "Next " (unit) " →" }
            @if month { a href=(calendar_href(first, false)) { "Week view" } } @else { a href=(calendar_href(first, true)) { "Month view" } }
        }
        @if !unknown.is_empty() {
            section.attention {
                h2 { "Needs a person: outcome unknown" }
                p.hint { "The platform may or may not have taken these. Check the platform, then cancel, reschedule (it will be sent again), or have an admin resolve it (" code { "POST /publish/{id}/resolve" } ")." }
                ul.entries { @for sch in &unknown { (entry(&s, sch, items.get(&sch.content_item_id), &tz, zone, "attention")) } }
            }
        }
        @if by_day.is_empty() { p { "Nothing scheduled or published this " (unit) "." } }
        @else {
            p.hint { "Platforms: " @for p in &platforms { span.tag { (p) } " " } " · Move a post with its time field, or drag it to another day." }
        }
        ol.days.month[month] aria-label=(title) {
            @for d in &days {
                @let those = by_day.get(d);
                @let outside = *d < first || *d >= last;
                li.day.outside[outside] data-day=(d) {
                    h3 { (d.format("%a %-d %b")) }
                    @if let Some(list) = those {
                        ul.entries { @for sch in list { (entry(&s, sch, items.get(&sch.content_item_id), &tz, zone, "day")) } }
                    }
                }
            }
        }
    };
    page(&s, "Calendar", Nav::Calendar, body)
}

#[derive(Debug, Deserialize)]
pub(crate) struct RescheduleForm {
    #[serde(default)]
    csrf: String,
    /// `YYYY-MM-DDTHH:MM[:SS]` in the configured zone (what a `datetime-local` input sends).
    #[serde(default)]
    at: String,
}

/// `POST /ui/schedules/{id}/reschedule`: the engine call of `POST /publish/{id}/reschedule`, the
/// time read in the configured zone.
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Form(f): Form<RescheduleForm>,
) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let id: ScheduleId = match parse_id(&id, "schedule") {
        Ok(id) => id,
        Err(e) => return error_page(Some(&s), e),
    };
    let zone: chrono_tz::Tz = state.engine.review().timezone().parse().unwrap_or(chrono_tz::UTC);
    let local = NaiveDateTime::parse_from_str(f.at.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(f.at.trim(), "%Y-%m-%dT%H:%M:%S"));
    let Some(at) = local.ok().and_then(|l| zone.from_local_datetime(&l).earliest()) else {
        return error_page(
            Some(&s),
            crate::error::ApiError::from(growth_core::Error::invalid_field("at", "a date and time (YYYY-MM-DDTHH:MM)")),
        );
    };
    match state.engine.publishing().reschedule(id, at.with_timezone(&Utc), Some(s.user.id)).await {
        Ok(sch) => {
            let day = sch.scheduled_time.with_timezone(&zone).date_naive();
            see_other(&format!("/ui/calendar?week={day}&notice=rescheduled"))
        }
        Err(e) => error_page(Some(&s), e.into()),
    }
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
