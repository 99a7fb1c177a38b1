//! Analytics: the summary numbers, reach per day as an inline SVG drawn on the server, the top
//! post and the latest published ones, learned rules to approve or roll back (admins).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Duration;
use growth_core::domain::{ContentFilter, ContentStatus, Role};
use growth_core::learn::{RuleFilter, RuleId, RuleStatus};
use growth_core::measure::DailyReach;
use maud::{Markup, html};
use serde::Deserialize;

use super::html::{label, when};
use super::{Nav, Refused, Session, csrf_field, error_page, notice, page, see_other};
use crate::extract::parse_id;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AnalyticsQuery {
    /// Days back from today (default 30, at most 366).
    #[serde(default)]
    days: Option<i64>,
    #[serde(default)]
    notice: Option<String>,
}

/// One entry per day from `start` to `end` (days without metrics are 0).
fn every_day(start: chrono::NaiveDate, end: chrono::NaiveDate, measured: &[DailyReach]) -> Vec<DailyReach> {
    start
        .iter_days()
        .take_while(|d| *d <= end)
        .map(|day| measured.iter().find(|m| m.day == day).cloned().unwrap_or(DailyReach { day, reach: 0, engagements: 0 }))
        .collect()
}

/// Reach per day as bars; each bar has a `<title>` (hover, screen readers) and the chart a
/// text alternative.
fn reach_chart(days: &[DailyReach]) -> Markup {
    let (w, h, pad) = (600.0_f64, 160.0_f64, 20.0_f64);
    let top = days.iter().map(|d| d.reach).max().unwrap_or(0);
    let max = top.max(1) as f64;
    let n = days.len().max(1) as f64;
    let bar = (w - 2.0 * pad) / n;
    let total: i64 = days.iter().map(|d| d.reach).sum();
    let label = format!("Reach per day, {} days, {} in all", days.len(), total);
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {w} {h}")) role="img" aria-label=(label) xmlns="http://www.w3.org/2000/svg" {
                line x1=(pad) y1=(h - pad) x2=(w - pad) y2=(h - pad) stroke="#555" {}
                @for (i, d) in days.iter().enumerate() {
                    @let bh = (d.reach as f64 / max) * (h - 2.0 * pad);
                    rect x=(format!("{:.1}", pad + i as f64 * bar + 1.0)) y=(format!("{:.1}", h - pad - bh))
                        width=(format!("{:.1}", (bar - 2.0).max(1.0))) height=(format!("{:.1}", bh)) fill="#1d5fa8" {
                        title { (d.day) ": " (d.reach) " reach, " (d.engagements) " engagements" }
                    }
                }
                text x=(pad) y="14" font-size="12" fill="#222" { "max " (top) }
            }
            figcaption { (label) }
        }
    }
}

/// The analytics page of the last `q.days` days.
async fn render(state: &AppState, s: &Session, q: AnalyticsQuery) -> Response {
    let days = q.days.unwrap_or(30).clamp(1, 366);
    let end = state.engine.clock().now().date_naive();
    let start = end - Duration::days(days - 1);
    let summary = match state.engine.measure().summary(start, end).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(s), e.into()),
    };
    let filter = ContentFilter { statuses: vec![ContentStatus::Published], limit: 10, ..Default::default() };
    let published = match state.engine.store().list_content(&filter).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(s), e.into()),
    };
    let admin = s.user.role.allows(Role::Admin);
    let rules = if admin {
        match state.engine.learning().rules(&RuleFilter::default()).await {
            Ok(v) => v,
            Err(e) => return error_page(Some(s), e.into()),
        }
    } else {
        Vec::new()
    };
    let tz = state.engine.review().timezone().to_owned();
    let m = &summary.metrics;
    let body = html! {
        (notice(q.notice.as_deref()))
        p { (summary.period) }
        dl.numbers {
            div { dt { "Posts published" } dd { (m.posts_published) } }
            div { dt { "Reach" } dd { (m.total_reach) } }
            div { dt { "Engagements" } dd { (m.total_engagements) } }
            div { dt { "New leads" } dd { (m.new_leads) } }
            div { dt { "Time saved" } dd { (format!("{:.1}", summary.time_saved_hours)) " h" } }
        }
        (reach_chart(&every_day(start, end, &summary.reach_by_day)))
        h2 { "Top post" }
        @match &summary.top_performer {
            Some(t) => p { a href=(format!("/ui/content/{}", t.content_id)) { (t.title.as_deref().unwrap_or("(untitled)")) } " — " (t.likes) " likes" },
            None => p { "No metrics yet." },
        }
        h2 { "Latest published" }
        @if published.is_empty() { p { "Nothing published yet." } }
        ul {
            @for i in &published {
                li { a href=(format!("/ui/content/{}", i.id)) { (label(i.title.as_deref(), &i.content)) } " "
                    span.tag { (i.platform()) } @if let Some(t) = i.published_at { " " (when(t, &tz)) } }
            }
        }
        h2 { "Learned rules" }
        @if !admin { p.hint { "Admins approve and roll back learned rules." } }
        @if admin && rules.is_empty() { p { "No rules learned yet." } }
        @if !rules.is_empty() {
            table.rules {
                thead { tr { th scope="col" { "Rule" } th scope="col" { "Status" } th scope="col" { "Support" } th scope="col" { "" } } }
                tbody {
                    @for r in &rules {
                        tr {
                            td { (r.prompt_line()) " " span.hint { "v" (r.version) } }
                            td { span.tag { (r.status) } }
                            td { (r.support) " edits, " (format!("{:.0}%", r.confidence * 100.0)) }
                            td.actions {
                                @if r.status == RuleStatus::Proposed {
                                    form method="post" action=(format!("/ui/rules/{}/approve", r.id)) {
                                        (csrf_field(s)) input type="hidden" name="version" value=(r.version);
                                        button type="submit" { "Approve" }
                                    }
                                }
                                @if r.status == RuleStatus::Active {
                                    form method="post" action=(format!("/ui/rules/{}/rollback", r.id)) {
                                        (csrf_field(s)) button type="submit" { "Roll back" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(s, "Analytics", Nav::Analytics, body)
}

/// `GET /ui/analytics`.
pub(crate) async fn show(State(state): State<AppState>, s: Session, Query(q): Query<AnalyticsQuery>) -> Response {
    render(&state, &s, q).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: Option<u32>,
}

fn rule_id(s: &Session, raw: &str) -> Result<RuleId, Refused> {
    parse_id(raw, "rule").map_err(|e| Box::new(error_page(Some(s), e)))
}

/// `POST /ui/rules/{id}/approve` (admin).
pub(crate) async fn approve_rule(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<RuleForm>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Admin)) {
        return *r;
    }
    let id = match rule_id(&s, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match state.engine.learning().approve(id, f.version).await {
        Ok(_) => see_other("/ui/analytics?notice=rule"),
        Err(e) => error_page(Some(&s), e.into()),
    }
}

/// `POST /ui/rules/{id}/rollback` (admin).
pub(crate) async fn rollback_rule(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<RuleForm>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Admin)) {
        return *r;
    }
    let id = match rule_id(&s, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match state.engine.learning().rollback(id).await {
        Ok(_) => see_other("/ui/analytics?notice=rule"),
        Err(e) => error_page(Some(&s), e.into()),
    }
}
