//! Sources and knowledge: the upload form (plain multipart, no script needed; the script adds
//! drag and drop and a progress bar), the list with status and reasons, generate, delete (with a
//! confirm page), a generation job's progress, the knowledge items.

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use growth_core::domain::{JobId, Role, SourceId, SourceStatus};
use growth_core::jobs::SourceRef;
use maud::html;
use serde::Deserialize;

use super::html::when;
use super::{Nav, Session, csrf_field, error_page, notice, page, page_with, see_other};
use crate::extract::parse_id;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    notice: Option<String>,
}

/// `GET /ui/sources`.
pub(crate) async fn list(State(state): State<AppState>, s: Session, Query(q): Query<ListQuery>) -> Response {
    let sources = match state.engine.ingest().sources(50, 0).await {
        Ok(v) => v,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let tz = state.engine.review().timezone().to_owned();
    let body = html! {
        (notice(q.notice.as_deref()))
        section {
            h2 { "Upload" }
            form.upload method="post" action="/ui/sources" enctype="multipart/form-data" data-upload {
                (csrf_field(&s))
                label for="file" { "Transcript, text, PDF or audio file" }
                input id="file" name="file" type="file" required;
                label for="title" { "Title (optional)" }
                input id="title" name="title" type="text";
                button type="submit" { "Upload" }
            }
        }
        section {
            h2 { "Sources" }
            @if sources.is_empty() { p { "No sources yet." } }
            table.sources {
                thead { tr { th scope="col" { "Title" } th scope="col" { "Kind" } th scope="col" { "Status" } th scope="col" { "Added" } th scope="col" { "" } } }
                tbody {
                    @for src in &sources {
                        tr data-source=(src.id) {
                            td { (src.title.as_deref().unwrap_or("(untitled)")) }
                            td { (src.source_type) }
                            td { span.tag.status { (src.status) } @if let Some(r) = &src.failure_reason { " " span.error { (r) } } }
                            td { (when(src.created_at, &tz)) }
                            td {
                                div.actions {
                                    @if src.status == SourceStatus::Completed {
                                        form method="post" action=(format!("/ui/sources/{}/generate", src.id)) {
                                            (csrf_field(&s))
                                            button type="submit" { "Generate" }
                                        }
                                    }
                                    a.button href=(format!("/ui/sources/{}/delete", src.id)) { "Delete…" }
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/ui/knowledge" { "Knowledge items, ICP profiles and objections" } }
    };
    page(&s, "Sources", Nav::Sources, body)
}

/// `POST /ui/sources` (`multipart/form-data`): the API's upload reader and the engine's upload.
pub(crate) async fn upload(State(state): State<AppState>, s: Session, form: Multipart) -> Response {
    if let Err(r) = s.require(Role::Approver) {
        return *r;
    }
    let mut csrf = None;
    let source = crate::routes::sources::read_multipart_with(form, Some(&mut csrf)).await;
    if let Err(r) = s.check_csrf(csrf.as_deref().unwrap_or_default()) {
        return *r;
    }
    let source = match source {
        Ok(m) => m,
        Err(e) => return error_page(Some(&s), e),
    };
    match state.engine.upload(source).await {
        Ok(_) => see_other("/ui/sources?notice=uploaded"),
        Err(e) => error_page(Some(&s), e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /ui/sources/{id}/generate`: queues a bundle for the source, then shows its progress.
pub(crate) async fn generate(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let source_id: SourceId = match parse_id(&id, "source") {
        Ok(id) => id,
        Err(e) => return error_page(Some(&s), e),
    };
    match state.engine.generation().request(SourceRef::Existing { source_id }, None).await {
        Ok(accepted) => see_other(&format!("/ui/jobs/{}", accepted.job_id)),
        Err(e) => error_page(Some(&s), e.into()),
    }
}

/// `GET /ui/jobs/{id}`: a generation job's progress (the page reloads itself every 2 s until the
/// job ends).
pub(crate) async fn job(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    let id: JobId = match parse_id(&id, "generation job") {
        Ok(id) => id,
        Err(e) => return error_page(Some(&s), e),
    };
    let st = match state.engine.generation().status(id).await {
        Ok(st) => st,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let done = st.status != "processing";
    let body = html! {
        p { "Status: " span.tag.status data-job-status=(st.status) { (st.status) } " · " (st.progress) "%" }
        @if let Some(e) = &st.error { p.error role="alert" { (e) } }
        @if !st.generated_items.is_empty() {
            p { (st.generated_items.len()) " pieces written." }
        }
        @if done { p { a href="/ui/review" { "Review them" } } } @else { p.hint { "This page reloads until the job ends." } }
    };
    page_with(Some(&s), "Generating", Nav::Sources, axum::http::StatusCode::OK, (!done).then_some(2), body)
}

/// `GET /ui/sources/{id}/delete`: what deleting removes and keeps, and the button that does it.
pub(crate) async fn confirm_delete(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    let id: SourceId = match parse_id(&id, "source") {
        Ok(id) => id,
        Err(e) => return error_page(Some(&s), e),
    };
    let src = match state.engine.ingest().source(id).await {
        Ok(src) => src,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let tz = state.engine.review().timezone().to_owned();
    let body = html! {
        p { "Delete " strong { (src.title.as_deref().unwrap_or("(untitled)")) } " (" (src.source_type) ", added " (when(src.created_at, &tz)) ")?" }
        p { "Its transcript, its file and its search vectors are removed. Drafts, pieces in review and rejected pieces written from it stay, without a source. It cannot be deleted while a piece from it is approved, scheduled or published." }
        div.actions {
            form method="post" action=(format!("/ui/sources/{id}/delete")) {
                (csrf_field(&s))
                button.danger type="submit" { "Delete this source" }
            }
            a href="/ui/sources" { "Keep it" }
        }
    };
    page(&s, "Delete a source", Nav::Sources, body)
}

/// `POST /ui/sources/{id}/delete`: the engine call of `DELETE /sources/{id}` (a 409 page names
/// the piece that keeps it).
pub(crate) async fn delete(State(state): State<AppState>, s: Session, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf).and_then(|()| s.require(Role::Approver)) {
        return *r;
    }
    let id: SourceId = match parse_id(&id, "source") {
        Ok(id) => id,
        Err(e) => return error_page(Some(&s), e),
    };
    match state.engine.delete_source(id).await {
        Ok(gone) => {
            tracing::info!(actor = %s.user.id, source_id = %id, detached = gone.detached_items, chunks = gone.removed_chunks, "source deleted");
            growth_core::telemetry::count_change("delete_source", 1);
            see_other("/ui/sources?notice=deleted")
        }
        Err(e) => error_page(Some(&s), e.into()),
    }
}

/// How many of each list the knowledge page shows at a time.
const KNOWLEDGE_PAGE: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct KnowledgeQuery {
    /// Offsets into the knowledge items, the ICP profiles and the objections.
    #[serde(default)]
    k: usize,
    #[serde(default)]
    p: usize,
    #[serde(default)]
    o: usize,
}

/// "Earlier" and "more" links of one list on the knowledge page (the other lists keep their place).
fn pager(q: &KnowledgeQuery, which: char, total: usize, label: &str) -> maud::Markup {
    let at = match which {
        'k' => q.k,
        'p' => q.p,
        _ => q.o,
    };
    let href = |to: usize| {
        let (mut k, mut p, mut o) = (q.k, q.p, q.o);
        match which {
            'k' => k = to,
            'p' => p = to,
            _ => o = to,
        }
        format!("/ui/knowledge?k={k}&p={p}&o={o}")
    };
    let end = (at + KNOWLEDGE_PAGE).min(total);
    html! {
        nav.pager aria-label=(format!("{label} pages")) {
            @if at > 0 { a href=(href(at.saturating_sub(KNOWLEDGE_PAGE))) { "← Earlier" } } @else { span {} }
            span { (at.min(total) + usize::from(total > 0)) "–" (end) " of " (total) }
            @if end < total { a href=(href(end)) { "More →" } } @else { span {} }
        }
    }
}

/// `GET /ui/knowledge?k=&p=&o=`: the knowledge items, ICP profiles and objections (the engine
/// calls of `GET /knowledge`, `GET /icp-profiles`, `GET /objections`), each paged on its own.
pub(crate) async fn knowledge(State(state): State<AppState>, s: Session, Query(q): Query<KnowledgeQuery>) -> Response {
    let k = state.engine.knowledge();
    let (items, profiles, objections) = match tokio::try_join!(k.items(None), k.profiles(), k.objections()) {
        Ok(v) => v,
        Err(e) => return error_page(Some(&s), e.into()),
    };
    let list = |v: &[String]| v.join("; ");
    let body = html! {
        section aria-labelledby="h-items" {
            h2 id="h-items" { "Knowledge items" }
            @if items.is_empty() { p { "No knowledge items yet (" code { "POST /knowledge" } ")." } }
            @else {
                ul.knowledge {
                    @for i in items.iter().skip(q.k).take(KNOWLEDGE_PAGE) {
                        li { span.tag { (i.item_type) } " " strong { (i.title) } " — " (i.content.chars().take(160).collect::<String>()) }
                    }
                }
                (pager(&q, 'k', items.len(), "Knowledge items"))
            }
        }
        section aria-labelledby="h-icp" {
            h2 id="h-icp" { "ICP profiles" }
            @if profiles.is_empty() { p { "No ICP profiles yet (" code { "POST /icp-profiles" } ")." } }
            @else {
                table.profiles {
                    thead { tr { th scope="col" { "Who" } th scope="col" { "Pain points" } th scope="col" { "Goals" } th scope="col" { "Objections" } th scope="col" { "Their words" } } }
                    tbody {
                        @for p in profiles.iter().skip(q.p).take(KNOWLEDGE_PAGE) {
                            tr data-profile=(p.id) {
                                td {
                                    (p.role.as_deref().unwrap_or("(no role)"))
                                    @if let Some(c) = &p.company_size { br; span.hint { (c) } }
                                    @if let Some(i) = &p.industry { br; span.hint { (i) } }
                                    br; span.tag { (p.source) }
                                }
                                td { (list(&p.pain_points)) }
                                td { (list(&p.goals)) }
                                td { (list(&p.objections)) }
                                td { (list(&p.language_patterns)) }
                            }
                        }
                    }
                }
                (pager(&q, 'p', profiles.len(), "ICP profiles"))
            }
        }
        section aria-labelledby="h-objections" {
            h2 id="h-objections" { "Objections" }
            @if objections.is_empty() { p { "No objections heard yet." } }
            @else {
                table.objections {
                    thead { tr { th scope="col" { "Objection" } th scope="col" { "Category" } th scope="col" { "Severity" } th scope="col" { "Stage" } th scope="col" { "Heard" } th scope="col" { "Answered" } } }
                    tbody {
                        @for o in objections.iter().skip(q.o).take(KNOWLEDGE_PAGE) {
                            tr data-objection=(o.id) {
                                td { (o.objection_text) }
                                td { (o.category.as_deref().unwrap_or("")) }
                                td { @if let Some(sev) = o.severity { (sev) } }
                                td { @if let Some(st) = o.stage { (st) } }
                                td { (o.frequency) "×" }
                                td {
                                    @if o.content_item_ids.is_empty() { "no" }
                                    @for (n, c) in o.content_item_ids.iter().enumerate() {
                                        @if n > 0 { ", " }
                                        a href=(format!("/ui/content/{c}")) { "piece " (n + 1) }
                                    }
                                }
                            }
                        }
                    }
                }
                (pager(&q, 'o', objections.len(), "Objections"))
            }
        }
    };
    page(&s, "Knowledge", Nav::Knowledge, body)
}
