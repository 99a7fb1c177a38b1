//! Review: bundles in review, one piece with its verdicts, edit (the version as `If-Match`),
//! approve, reject, bulk approve (the proposed schedule first), back to review, version history.

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use growth_core::Error;
use growth_core::domain::{ContentId, ContentItem, ContentStatus, Role};
use growth_core::review::{ApproveRequest, BulkApprove, Distribution, EditRequest};
use growth_core::store::ScheduleFilter;
use maud::{Markup, html};
use serde::Deserialize;

use super::html::{highlighted, label, severity_class, when, word_diff};
use super::{Nav, Refused, Session, csrf_field, error_page, notice, page, page_with, see_other};
use crate::error::ApiError;
use crate::extract::parse_id;
use crate::state::AppState;

/// Bundles per page.
const BUNDLES_PER_PAGE: u32 = 10;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    offset: u32,
    #[serde(default)]
    notice: Option<String>,
}

fn content_id(s: &Session, raw: &str) -> Result<ContentId, Refused> {
    parse_id(raw, "content item").map_err(|e| Box::new(error_page(Some(s), e)))
}

/// The gate verdicts of an item, as small badges.
fn verdict_badges(item: &ContentItem) -> Markup {
    html! {
        ul.verdicts aria-label="Gate verdicts" {
            @for v in &item.quality.verdicts {
                li class=(if v.passed { "pass" } else { "fail" }) {
                    (v.gate) " " (if v.passed { "passed" } else { "failed" })
                    @if let Some(score) = v.score { " (" (format!("{score:.2}")) ")" }
                }
            }
            @if item.quality.flagged { li.fail { "flagged: review with care" } }
        }
    }
}

/// The item's text with every finding marked.
fn marked_text(item: &ContentItem) -> Markup {
    let findings: Vec<&growth_core::domain::Finding> = item.quality.verdicts.iter().flat_map(|v| v.findings.iter()).collect();
    html! { div.post { (highlighted(&item.content, &findings)) } }
}

/// Approve and reject forms for an item in review.
fn decision_forms(s: &Session, item: &ContentItem) -> Markup {
    let id = item.id.to_string();
    html! {
        div.actions {
            form method="post" action=(format!("/ui/content/{id}/approve")) data-approve {
                (csrf_field(s))
                button type="submit" { "Approve" }
            }
            form.reject method="post" action=(format!("/ui/content/{id}/reject")) data-reject {
                (csrf_field(s))
                label for=(format!("reason-{id}")) { "Reason" }
                input id=(format!("reason-{id}")) name="reason" type="text" required placeholder="why not";
                button type="submit" { "Reject" }
            }
        }
    }
}

fn is_reviewable(status: ContentStatus) -> bool {
    matches!(status, ContentStatus::InReview | ContentStatus::Generated)
}

/// `GET /ui/review`: bundles in review by source, oldest first.
pub(crate) async fn pending(State(state): State<AppState>, s: Session, Query(q): Query<ListQuery>) -> Response {
    let page_ = match state.engine.review().pending(BUNDLES_PER_PAGE, q.offset).await {
        Ok(p) => p,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let tz = state.engine.review().timezone().to_owned();
    let body = html! {
        (notice(q.notice.as_deref()))
        p.summary {
            (page_.total_items) (if page_.total_items == 1 { " piece" } else { " pieces" }) " in review in "
            (page_.total_bundles) (if page_.total_bundles == 1 { " bundle." } else { " bundles." })
        }
        p.hint.keys { "Keys: " kbd { "j" } "/" kbd { "k" } " move, " kbd { "a" } " approve, " kbd { "r" } " reject, " kbd { "e" } " edit." }
        form id="bulk" method="get" action="/ui/review/bulk" {
            button type="submit" { "Bulk approve selected…" }
        }
        @for b in &page_.bundles {
            section.bundle {
                h2 { (b.source_title.as_deref().unwrap_or("Without a source"))
                    @if let Some(t) = b.source_type { " " span.tag { (t) } } }
                @for item in &b.items {
                    @let id = item.id.to_string();
                    article.item data-item tabindex="-1" id=(format!("item-{id}")) aria-labelledby=(format!("title-{id}")) {
                        header {
                            input type="checkbox" name="id" value=(id) form="bulk" id=(format!("pick-{id}")) aria-label="Select for bulk approval";
                            h3 id=(format!("title-{id}")) {
                                a href=(format!("/ui/content/{id}")) data-edit { (label(item.title.as_deref(), &item.content)) }
                            }
                            span.tag { (item.content_type) } " " span.tag { (item.platform()) } " " span.tag { "v" (item.version) }
                        }
                        (verdict_badges(item))
                        (marked_text(item))
                        @if let Some(t) = item.best_publish_time { p.hint { "Best time: " (when(t, &tz)) } }
                        (decision_forms(&s, item))
                    }
                }
            }
        }
        @if page_.bundles.is_empty() { p { "Nothing is waiting for review. Upload a transcript on " a href="/ui/sources" { "Sources" } " and generate." } }
        nav.pager aria-label="Pages" {
            @if q.offset > 0 { a href=(format!("/ui/review?offset={}", q.offset.saturating_sub(BUNDLES_PER_PAGE))) { "← Newer" } }
            @if u64::from(q.offset) + u64::from(BUNDLES_PER_PAGE) < page_.total_bundles {
                a href=(format!("/ui/review?offset={}", q.offset + BUNDLES_PER_PAGE)) { "Older →" }
            }
        }
    };
    page(&s, "Review", Nav::Review, body)
}

/// `GET /ui/content/{id}`: one piece, its verdicts and findings, the edit form, its schedules.
pub(crate) async fn item(State(state): State<AppState>, s: Session, Path(id): Path<String>, Query(q): Query<ListQuery>) -> Response {
    let id = match content_id(&s, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let item = match state.engine.review().item(id).await {
        Ok(i) => i,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let filter = ScheduleFilter { content_item_id: Some(id), ..ScheduleFilter::default() };
    let schedules = match state.engine.store().list_schedules(&filter).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let tz = state.engine.review().timezone().to_owned();
    let title = label(item.title.as_deref(), &item.content);
    let body = html! {
        (notice(q.notice.as_deref()))
        p { span.tag { (item.content_type) } " " span.tag { (item.platform()) } " " span.tag.status { (item.status) } " version " (item.version) }
        @if let Some(r) = &item.rejection_reason { p.error { "Rejected: " (r) } }
        @if let Some(url) = &item.published_url { p { "Published: " code { (url) } } }
        (verdict_badges(&item))
        h2 { "Text with findings" }
        (marked_text(&item))
        (findings_table(&item))
        @if is_reviewable(item.status) { (decision_forms(&s, &item)) }
        @if matches!(item.status, ContentStatus::Approved | ContentStatus::Scheduled) {
            div.actions {
                form method="post" action=(format!("/ui/content/{id}/publish")) { (csrf_field(&s)) button type="submit" { "Publish now" } }
                form method="post" action=(format!("/ui/content/{id}/unapprove")) { (csrf_field(&s)) button type="submit" { "Back to review" } }
            }
        }
        h2 { "Edit" }
        (edit_form(&s, &item, item.title.as_deref().unwrap_or_default(), &item.content))
        h2 { "Schedules" }
        @if schedules.is_empty() { p { "Not scheduled." } }
        ul {
            @for sch in &schedules {
                li { (sch.platform) ": " (when(sch.scheduled_time, &tz)) " — " span.tag.status { (sch.status) }
                    @if let Some(e) = &sch.error_message { " " span.error { (e) } } }
            }
        }
        p { a href=(format!("/ui/content/{id}/versions")) { "Version history" } " · " a href="/ui/review" { "Back to the list" } }
    };
    page(&s, &title, Nav::Review, body)
}

fn findings_table(item: &ContentItem) -> Markup {
    let rows: Vec<_> = item.quality.verdicts.iter().flat_map(|v| v.findings.iter().map(move |f| (v, f))).collect();
    html! {
        @if !rows.is_empty() {
            table.findings {
                caption { "Findings" }
                thead { tr { th scope="col" { "Gate" } th scope="col" { "Text" } th scope="col" { "Suggested fix" } } }
                tbody {
                    @for (v, f) in rows {
                        tr class=(severity_class(f.severity)) { td { (v.gate) " / " (f.check) } td { (f.text) } td { (f.message) } }
                    }
                }
            }
        }
    }
}

fn edit_form(s: &Session, item: &ContentItem, title: &str, content: &str) -> Markup {
    let id = item.id;
    html! {
        form.edit method="post" action=(format!("/ui/content/{id}/edit")) id="edit" data-autosave {
            (csrf_field(s))
            input type="hidden" name="version" value=(item.version);
            label for="edit-title" { "Title" }
            input id="edit-title" name="title" type="text" value=(title);
            label for="edit-content" { "Text" }
            textarea id="edit-content" name="content" rows="14" required { (content) }
            button type="submit" data-save { "Save (as version " (item.version + 1) ")" }
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct EditForm {
    #[serde(default)]
    csrf: String,
    version: i32,
    #[serde(default)]
    title: String,
    content: String,
    /// Set by the script's background save: the answer is JSON (`{"version": n}`, or a 409
    /// `{"conflict": …, "version": theirs}`) instead of a page.
    #[serde(default)]
    autosave: Option<String>,
}

/// The answer to a background save.
fn autosave_answer(status: StatusCode, body: serde_json::Value) -> Response {
    use axum::response::IntoResponse;
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    resp
}

/// `POST /ui/content/{id}/edit`: saves a new version if nobody saved one since `version` (the
/// API's `If-Match`); otherwise shows both versions side by side.
pub(crate) async fn edit(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<EditForm>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let id = match content_id(&s, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    // Browsers send CRLF line ends from a textarea.
    let content = f.content.replace("\r\n", "\n");
    let title = f.title.trim().to_owned();
    let current = match state.engine.review().item(id).await {
        Ok(i) => i,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let title = if title.is_empty() && current.title.is_none() { None } else { Some(title) };
    let req =
        EditRequest { content: Some(content.clone()), title: title.clone(), expected_version: Some(f.version), editor: Some(s.user.id) };
    let background = f.autosave.is_some();
    match state.engine.review().edit(id, req).await {
        Ok(saved) if background => autosave_answer(StatusCode::OK, serde_json::json!({ "version": saved.version })),
        Ok(_) => see_other(&format!("/ui/content/{id}?notice=saved")),
        Err(Error::Conflict { message }) => {
            let theirs = match state.engine.review().item(id).await {
                Ok(i) => i,
                Err(e) => return error_page(Some(&s), e.into()),
            };
            if background {
                return autosave_answer(StatusCode::CONFLICT, serde_json::json!({ "conflict": message, "version": theirs.version }));
            }
            conflict_page(&s, &theirs, f.version, title.as_deref().unwrap_or_default(), &content, &message)
        }
        Err(e) if background => {
            let e = ApiError::from(e);
            autosave_answer(e.status(), serde_json::json!({ "error": e.detail() }))
        }
        Err(e) => error_page(Some(&s), e.into()),
    }
}

/// Both versions after a conflicting edit: the saved one, and the editor's, ready to save over it.
fn conflict_page(s: &Session, theirs: &ContentItem, from: i32, title: &str, mine: &str, message: &str) -> Response {
    let body = html! {
        p.error role="alert" { "Someone saved version " (theirs.version) " after you started editing version " (from) ". " (message) }
        div.sidebyside {
            section {
                h2 { "Saved now (version " (theirs.version) ")" }
                div.post { (theirs.content) }
                h3 { "Your changes compared with it" }
                div.post.diff { (word_diff(&theirs.content, mine)) }
            }
            section {
                h2 { "Yours" }
                p.hint { "Saving this replaces version " (theirs.version) "." }
                (edit_form(s, theirs, title, mine))
            }
        }
    };
    page_with(Some(s), "Edit conflict", Nav::Review, StatusCode::CONFLICT, None, body)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /ui/content/{id}/approve`: approved and scheduled at the next good slot.
pub(crate) async fn approve(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let id = match content_id(&s, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let req = ApproveRequest { at: None, platform: None, timezone: None, by: Some(s.user.id) };
    match state.engine.review().approve(id, req).await {
        Ok(_) => see_other("/ui/review?notice=approved"),
        Err(e) => error_page(Some(&s), e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct RejectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /ui/content/{id}/reject`.
pub(crate) async fn reject(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<RejectForm>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let id = match content_id(&s, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match state.engine.review().reject(id, f.reason.trim(), Some(s.user.id)).await {
        Ok(_) => see_other("/ui/review?notice=rejected"),
        Err(e) => error_page(Some(&s), e.into()),
    }
}

/// `POST /ui/content/{id}/unapprove`: back to review, its pending schedules cancelled.
pub(crate) async fn unapprove(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let id = match content_id(&s, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match state.engine.review().return_to_review(id, Some(s.user.id)).await {
        Ok(_) => see_other(&format!("/ui/content/{id}?notice=unapproved")),
        Err(e) => error_page(Some(&s), e.into()),
    }
}

/// The selected ids of a query or form (`id=…&id=…`).
fn ids_of(pairs: &[(String, String)], s: &Session) -> Result<Vec<ContentId>, Refused> {
    pairs.iter().filter(|(k, _)| k == "id").map(|(_, v)| content_id(s, v)).collect()
}

fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// `GET /ui/review/bulk?id=…`: the schedule bulk approval would give the selected pieces, to
/// confirm. The times are the engine's smart plan; confirming approves at exactly these times.
pub(crate) async fn bulk_preview(State(state): State<AppState>, s: Session, RawQuery(q): RawQuery) -> Response {
    let ids = match ids_of(&pairs(q.unwrap_or_default().as_bytes()), &s) {
        Ok(ids) => ids,
        Err(r) => return *r,
    };
    if ids.is_empty() {
        return error_page(Some(&s), Error::invalid_field("id", "select at least one piece to approve").into());
    }
    let review = state.engine.review();
    let mut items = Vec::with_capacity(ids.len());
    for id in &ids {
        match review.item(*id).await {
            Ok(i) => items.push(i),
            Err(e) => return error_page(Some(&s), e.into()),
        }
    }
    let tz = review.timezone().to_owned();
    let now = state.engine.clock().now();
    let store = state.engine.store().clone();
    let times = match growth_core::review::slots::plan(store.as_ref(), &items, None, &tz, now).await {
        Ok(t) => t,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let body = html! {
        p { "Approving these " (items.len()) " pieces schedules them at these times (" (tz) "):" }
        form method="post" action="/ui/review/bulk" {
            (csrf_field(&s))
            table {
                thead { tr { th scope="col" { "Piece" } th scope="col" { "Platform" } th scope="col" { "Goes out" } } }
                tbody {
                    @for (item, at) in items.iter().zip(&times) {
                        tr {
                            td { a href=(format!("/ui/content/{}", item.id)) { (label(item.title.as_deref(), &item.content)) } " " span.tag { (item.content_type) } }
                            td { (item.platform()) }
                            td {
                                (when(*at, &tz))
                                input type="hidden" name="id" value=(item.id);
                                input type="hidden" name="at" value=(at.to_rfc3339());
                            }
                        }
                    }
                }
            }
            button type="submit" { "Confirm: approve and schedule" }
            " " a href="/ui/review" { "Cancel" }
        }
    };
    page(&s, "Bulk approve", Nav::Review, body)
}

/// `POST /ui/review/bulk`: approves every piece at the time the preview showed.
pub(crate) async fn bulk_confirm(State(state): State<AppState>, s: Session, body: Bytes) -> Response {
    let form = pairs(&body);
    let csrf = form.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    if let Err(r) = s.check_csrf(csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let ids = match ids_of(&form, &s) {
        Ok(ids) => ids,
        Err(r) => return *r,
    };
    let mut times = Vec::with_capacity(ids.len());
    for (_, v) in form.iter().filter(|(k, _)| k == "at") {
        match DateTime::parse_from_rfc3339(v) {
            Ok(t) => times.push(t.with_timezone(&Utc)),
            Err(_) => return error_page(Some(&s), ApiError::from(Error::invalid_field("at", format!("`{v}` is not a time")))),
        }
    }
    let req = BulkApprove { ids, distribution: Distribution::Manual { times }, timezone: None, by: Some(s.user.id) };
    match state.engine.review().bulk_approve(req).await {
        Ok(_) => see_other("/ui/calendar?notice=bulk"),
        Err(e) => error_page(Some(&s), e.into()),
    }
}

/// `GET /ui/content/{id}/versions`: every version, each with a word diff against the one before.
pub(crate) async fn versions(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    let id = match content_id(&s, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let versions = match state.engine.review().versions(id).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let tz = state.engine.review().timezone().to_owned();
    let body = html! {
        p { a href=(format!("/ui/content/{id}")) { "Back to the piece" } }
        @for (i, v) in versions.iter().enumerate().rev() {
            section.version {
                h2 { "Version " (v.version) }
                p.hint { (when(v.created_at, &tz)) @if let Some(t) = &v.title { " · " (t) } }
                @if i == 0 {
                    div.post { (v.content) }
                } @else {
                    div.post.diff { (word_diff(&versions[i - 1].content, &v.content)) }
                }
            }
        }
    };
    page(&s, "Version history", Nav::Review, body)
}
