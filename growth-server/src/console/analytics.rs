//! Analytics: the summary numbers, reach per day as an inline SVG drawn on the server, the top
//! post and the latest published ones, leads by post (approvers: leads are personal data), learned
//! rules to approve or roll back (admins); a post's own page with its numbers and its snapshot
//! history as an SVG chart.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use growth_core::domain::{ContentFilter, ContentId, ContentStatus, Role};
use growth_core::learn::{RuleFilter, RuleId, RuleStatus};
use growth_core::measure::{DailyReach, LeadView, MetricsSnapshot};
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
    let leads = if s.user.role.allows(Role::Approver) {
        match leads_by_post(state, days).await {
            Ok(v) => Some(v),
            Err(e) => return error_page(Some(s), e.into()),
        }
    } else {
        None
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
            Some(t) => p { a href=(format!("/ui/analytics/content/{}", t.content_id)) { (t.title.as_deref().unwrap_or("(untitled)")) } " — " (t.likes) " likes" },
            None => p { "No metrics yet." },
        }
        h2 { "Latest published" }
        @if published.is_empty() { p { "Nothing published yet." } }
        ul {
            @for i in &published {
                li { a href=(format!("/ui/content/{}", i.id)) { (label(i.title.as_deref(), &i.content)) } " "
                    span.tag { (i.platform()) } @if let Some(t) = i.published_at { " " (when(t, &tz)) }
                    " · " a href=(format!("/ui/analytics/content/{}", i.id)) { "metrics" } }
            }
        }
        h2 { "Leads by post" }
        @match &leads {
            None => p.hint { "Approvers see leads (they are personal data)." },
            Some(l) if l.rows.is_empty() => p { "No leads credited to a post in these " (days) " days." },
            Some(l) => {
                table.leads {
                    thead { tr { th scope="col" { "Post" } th scope="col" { "Leads" } th scope="col" { "Conversions" } th scope="col" { "Revenue" } } }
                    tbody {
                        @for r in &l.rows {
                            tr data-leads-for=(r.id) {
                                td { a href=(format!("/ui/analytics/content/{}", r.id)) { (r.title) } }
                                td { (r.leads) } td { (r.conversions) } td { (format!("${:.2}", r.revenue)) }
                            }
                        }
                    }
                }
                @if l.total > l.read { p.hint { "Counted over the latest " (l.read) " of " (l.total) " leads." } }
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

/// One post's line in "leads by post".
struct LeadRow {
    id: ContentId,
    title: String,
    leads: usize,
    conversions: u64,
    revenue: f64,
}

struct LeadsByPost {
    rows: Vec<LeadRow>,
    /// Leads read, and seen in the window.
    read: u64,
    total: u64,
}

/// The most leads read for "leads by post".
const LEADS_READ: u32 = 1000;

/// Leads of the last `days` days (the engine call of `GET /analytics/leads`, the configured
/// attribution model), credited to posts: how many leads touched each, their conversions and
/// revenue; most leads first.
async fn leads_by_post(state: &AppState, days: i64) -> growth_core::Result<LeadsByPost> {
    let measure = state.engine.measure();
    let until = state.engine.clock().now() + Duration::seconds(1);
    let from = until - Duration::days(days);
    let (leads, total): (Vec<LeadView>, u64) =
        tokio::try_join!(measure.leads(from, until, None, LEADS_READ, 0), measure.count_leads(from, until))?;
    let mut by: BTreeMap<ContentId, (BTreeSet<String>, u64, f64)> = BTreeMap::new();
    for l in &leads {
        for c in &l.attributed_to {
            let e = by.entry(c.content_id).or_default();
            e.0.insert(l.lead.email.clone());
            e.1 += c.conversions;
            e.2 += c.revenue_usd;
        }
    }
    let mut rows = Vec::with_capacity(by.len());
    for (id, (who, conversions, revenue)) in by {
        let title = match state.engine.store().get_content(id).await {
            Ok(i) => label(i.title.as_deref(), &i.content),
            Err(_) => "(deleted)".to_owned(),
        };
        rows.push(LeadRow { id, title, leads: who.len(), conversions, revenue });
    }
    rows.sort_by(|a, b| b.leads.cmp(&a.leads).then(b.conversions.cmp(&a.conversions)));
    Ok(LeadsByPost { rows, read: leads.len() as u64, total })
}

/// A post's snapshot history (summed over its platforms per day) as two lines, reach and
/// engagements, each point with a `<title>`; the table under it is the text alternative.
fn history_chart(snaps: &[MetricsSnapshot]) -> Markup {
    let mut days: BTreeMap<chrono::NaiveDate, (i64, i64)> = BTreeMap::new();
    for sn in snaps {
        let e = days.entry(sn.day).or_default();
        e.0 += sn.reach;
        e.1 += sn.engagements;
    }
    let points: Vec<(chrono::NaiveDate, i64, i64)> = days.into_iter().map(|(d, (r, e))| (d, r, e)).collect();
    let (w, h, pad) = (600.0_f64, 180.0_f64, 24.0_f64);
    let top = points.iter().map(|p| p.1.max(p.2)).max().unwrap_or(0);
    let max = top.max(1) as f64;
    let step = if points.len() > 1 { (w - 2.0 * pad) / (points.len() - 1) as f64 } else { 0.0 };
    let xy = |i: usize, v: i64| (pad + i as f64 * step, h - pad - (v as f64 / max) * (h - 2.0 * pad));
    let line = |pick: fn(&(chrono::NaiveDate, i64, i64)) -> i64| {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (x, y) = xy(i, pick(p));
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let label = match (points.first(), points.last()) {
        (Some(a), Some(b)) => format!("Reach and engagements from {} to {}: {} reach, {} engagements at the end", a.0, b.0, b.1, b.2),
        _ => "No snapshots yet".to_owned(),
    };
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {w} {h}")) role="img" aria-label=(label) xmlns="http://www.w3.org/2000/svg" {
                line x1=(pad) y1=(h - pad) x2=(w - pad) y2=(h - pad) stroke="#555" {}
                polyline points=(line(|p| p.1)) fill="none" stroke="#1d5fa8" stroke-width="2" {}
                polyline points=(line(|p| p.2)) fill="none" stroke="#a86b00" stroke-width="2" stroke-dasharray="5 3" {}
                @for (i, p) in points.iter().enumerate() {
                    @let (x, y) = xy(i, p.1);
                    circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="3.5" fill="#1d5fa8" { title { (p.0) ": " (p.1) " reach" } }
                    @let (x, y) = xy(i, p.2);
                    circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="3.5" fill="#a86b00" { title { (p.0) ": " (p.2) " engagements" } }
                }
                text x=(pad) y="14" font-size="12" fill="#222" { "max " (top) " · blue: reach · dashed orange: engagements" }
            }
            figcaption { (label) }
        }
    }
}

/// `GET /ui/analytics/content/{id}`: one post's numbers (the engine call of
/// `GET /analytics/content/{id}`) and its snapshot history (`…/history`).
pub(crate) async fn post_metrics(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    let id: ContentId = match parse_id(&id, "content item") {
        Ok(id) => id,
        Err(e) => return error_page(Some(&s), e),
    };
    let measure = state.engine.measure();
    let (item, numbers, snaps) =
        match tokio::try_join!(state.engine.store().get_content(id), measure.content(id, None), measure.history(id)) {
            Ok(v) => v,
            Err(e) => return error_page(Some(&s), e.into()),
        };
    let tz = state.engine.review().timezone().to_owned();
    let n = &numbers;
    let title = label(item.title.as_deref(), &item.content);
    let body = html! {
        p { a href=(format!("/ui/content/{id}")) { (title) } " " span.tag { (n.platform) } " " span.tag.status { (item.status) }
            @if let Some(t) = item.published_at { " published " (when(t, &tz)) } }
        dl.numbers {
            div { dt { "Impressions" } dd { (n.impressions) } }
            div { dt { "Clicks" } dd { (n.clicks) } }
            div { dt { "Likes" } dd { (n.likes) } }
            div { dt { "Comments" } dd { (n.comments) } }
            div { dt { "Shares" } dd { (n.shares) } }
            div { dt { "Site visits" } dd { (n.website_visits) } }
            div { dt { "Sign-ups" } dd { (n.lead_signups) } }
            div { dt { "Demos" } dd { (n.demo_requests) } }
            div { dt { "Purchases" } dd { (n.purchases) } }
            div { dt { "Revenue" } dd { (format!("${:.2}", n.attributed_revenue_usd)) } }
        }
        p.hint { "Conversions credited by the " (serde_json::to_value(n.model).ok().and_then(|v| v.as_str().map(|m| m.replace('_', " "))).unwrap_or_default()) " model." @if let Some(t) = n.last_updated { " Last synced " (when(t, &tz)) "." } }
        h2 { "History" }
        @if snaps.is_empty() { p { "No snapshots yet: the analytics sync takes one a day once the post is out." } }
        @else {
            (history_chart(&snaps))
            table.history {
                thead { tr { th scope="col" { "Day" } th scope="col" { "Platform" } th scope="col" { "Reach" } th scope="col" { "Engagements" } th scope="col" { "Change" } } }
                tbody {
                    @for sn in &snaps {
                        tr { td { (sn.day) } td { (sn.platform) } td { (sn.reach) } td { (sn.engagements) } td { "+" (sn.reach_delta) " / +" (sn.engagements_delta) } }
                    }
                }
            }
        }
        p { a href="/ui/analytics" { "Back to analytics" } }
    };
    page(&s, "Post metrics", Nav::Analytics, body)
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
