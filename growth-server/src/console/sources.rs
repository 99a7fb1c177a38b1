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
    let knowledge = match state.engine.knowledge().items(None).await {
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
        section {
            h2 { "Knowledge" }
            @if knowledge.is_empty() { p { "No knowledge items yet (" code { "POST /knowledge" } ")." } }
            ul {
                @for k in &knowledge {
                    li { span.tag { (k.item_type) } " " strong { (k.title) } " — " (k.content.chars().take(160).collect::<String>()) }
                }
            }
        }
    };
    page(&s, "Sources and knowledge", Nav::Sources, body)
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
