//! The review console: server-rendered pages at `/` for the people who review, schedule and
//! publish, on the same engine calls as the JSON API (no business logic of its own).
//!
//! - **Sign-in** (`/login`): the email and password check of `POST /auth/login`
//!   ([`crate::routes::auth::check_password`]: the same back-off, the same roles). A sign-in is an
//!   opaque random token in an `HttpOnly; SameSite=Strict` cookie, stored only as a hash (in the
//!   refresh-token table, under a hash domain of its own, so it can never be used as a refresh or
//!   invite token, nor one of them as a session). It ends at `auth.session_max_secs`, on sign-out,
//!   when the account is disabled or its sessions are revoked.
//! - **CSRF**: every form that changes something carries a per-session token (derived from the
//!   session token, compared in constant time); with `SameSite=Strict` a cross-site form post
//!   carries no session at all. The sign-in form is a double submit (a random token in the form
//!   and in a `SameSite=Strict` cookie), so another site cannot sign a visitor in to its account.
//!   Cookies get `Secure` when a proxy in front says the request came over HTTPS
//!   (`X-Forwarded-Proto: https`).
//! - **Pages** under `/ui/`: review (bundles by source, gate verdicts, findings marked at their
//!   byte spans, edit with the version as `If-Match`, approve, reject, bulk approve with the
//!   proposed schedule shown first, version history), calendar (week or month, reschedule with a
//!   `datetime-local` form per post, cancel, publish now, back to review), sources (upload,
//!   delete behind a confirm page), knowledge (items, ICP profiles, objections, each paged),
//!   analytics (summary, leads by post, a post's metrics with its snapshot history as SVG).
//!   Every asset is embedded in the binary; pages work without JavaScript, which only adds the
//!   j/k/a/r/e keys, dragging a post to another calendar day (it posts the post's reschedule
//!   form), drag-and-drop upload with a progress bar (XHR, hence `connect-src 'self'`), and edit
//!   autosave (the edit form posted in the background 2 s after typing stops, over the shown
//!   version; a JSON answer).

mod analytics;
mod calendar;
mod html;
mod review;
mod session;
mod sources;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};

pub(crate) use session::{Refused, Session};

use crate::error::ApiError;
use crate::state::AppState;

const CSS: &str = include_str!("../../assets/console.css");
const JS: &str = include_str!("../../assets/console.js");

/// The console's pages and forms (not the upload, see [`upload_router`]).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/review") }))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/ui", get(|| async { Redirect::to("/ui/review") }))
        .route("/ui/assets/console.css", get(|| async { asset(CSS, "text/css; charset=utf-8") }))
        .route("/ui/assets/console.js", get(|| async { asset(JS, "text/javascript; charset=utf-8") }))
        .route("/ui/review", get(review::pending))
        .route("/ui/review/bulk", get(review::bulk_preview).post(review::bulk_confirm))
        .route("/ui/content/{id}", get(review::item))
        .route("/ui/content/{id}/versions", get(review::versions))
        .route("/ui/content/{id}/edit", post(review::edit))
        .route("/ui/content/{id}/approve", post(review::approve))
        .route("/ui/content/{id}/reject", post(review::reject))
        .route("/ui/content/{id}/unapprove", post(review::unapprove))
        .route("/ui/content/{id}/publish", post(calendar::publish_now))
        .route("/ui/calendar", get(calendar::week))
        .route("/ui/schedules/{id}/cancel", post(calendar::cancel))
        .route("/ui/schedules/{id}/reschedule", post(calendar::reschedule))
        .route("/ui/sources", get(sources::list))
        .route("/ui/sources/{id}/generate", post(sources::generate))
        .route("/ui/sources/{id}/delete", get(sources::confirm_delete).post(sources::delete))
        .route("/ui/jobs/{id}", get(sources::job))
        .route("/ui/knowledge", get(sources::knowledge))
        .route("/ui/analytics", get(analytics::show))
        .route("/ui/analytics/content/{id}", get(analytics::post_metrics))
        .route("/ui/rules/{id}/approve", post(analytics::approve_rule))
        .route("/ui/rules/{id}/rollback", post(analytics::rollback_rule))
        .route("/ui/{*rest}", get(not_found_page).post(not_found_page))
}

/// The upload form's target (`multipart/form-data`, under the upload body limit).
pub(crate) fn upload_router() -> Router<AppState> {
    Router::new().route("/ui/sources", post(sources::upload))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"))],
        body,
    )
        .into_response()
}

/// The sections in the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Review,
    Calendar,
    Sources,
    Knowledge,
    Analytics,
    None,
}

/// Headers every console page carries: no caching of signed-in pages, nothing from elsewhere, no
/// framing.
fn harden(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    resp
}

/// A whole page for a signed-in user.
pub(crate) fn page(s: &Session, title: &str, nav: Nav, body: Markup) -> Response {
    page_with(Some(s), title, nav, StatusCode::OK, None, body)
}

/// A whole page: `status`, an optional `<meta refresh>` (seconds) for pages that wait on work.
pub(crate) fn page_with(s: Option<&Session>, title: &str, nav: Nav, status: StatusCode, refresh: Option<u32>, body: Markup) -> Response {
    let link = |n: Nav, href: &str, label: &str| {
        html! { a href=(href) aria-current=[(n == nav).then_some("page")] { (label) } }
    };
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(secs) = refresh { meta http-equiv="refresh" content=(secs); }
                title { (title) " · growth" }
                link rel="stylesheet" href="/ui/assets/console.css";
                script src="/ui/assets/console.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    span.brand { "growth" }
                    @if let Some(s) = s {
                        nav aria-label="Sections" {
                            (link(Nav::Review, "/ui/review", "Review"))
                            (link(Nav::Calendar, "/ui/calendar", "Calendar"))
                            (link(Nav::Sources, "/ui/sources", "Sources"))
                            (link(Nav::Knowledge, "/ui/knowledge", "Knowledge"))
                            (link(Nav::Analytics, "/ui/analytics", "Analytics"))
                        }
                        form.signout method="post" action="/logout" {
                            (csrf_field(s))
                            span.who { (s.user.email) " (" (s.user.role) ")" }
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    harden((status, axum::response::Html(markup.into_string())).into_response())
}

/// The hidden CSRF field of a form.
pub(crate) fn csrf_field(s: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(s.csrf); }
}

/// An error as a page (status and detail from the API's mapping of the error).
pub(crate) fn error_page(s: Option<&Session>, e: ApiError) -> Response {
    let status = e.status();
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::CONFLICT => "Conflict",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::UNPROCESSABLE_ENTITY => "Invalid input",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        s if s.is_server_error() => "Something went wrong",
        _ => "Could not do that",
    };
    let body = html! {
        p.error role="alert" { (e.detail()) }
        p { a href="/ui/review" { "Back to review" } }
    };
    page_with(s, title, Nav::None, status, None, body)
}

/// Any other `/ui/…` path: an HTML 404.
async fn not_found_page(s: Option<Session>) -> Response {
    error_page(s.as_ref(), ApiError::not_found("there is no such page"))
}

/// A 303 to `to` (after a form post).
pub(crate) fn see_other(to: &str) -> Response {
    harden(Redirect::to(to).into_response())
}

/// A short message shown after a form post redirected (`?notice=…`, one of a fixed set).
pub(crate) fn notice(code: Option<&str>) -> Markup {
    let text = match code.unwrap_or_default() {
        "approved" => "Approved and scheduled.",
        "rejected" => "Rejected.",
        "saved" => "Saved a new version.",
        "bulk" => "Approved and scheduled every selected piece.",
        "cancelled" => "The schedule was cancelled.",
        "rescheduled" => "Moved to its new time.",
        "unapproved" => "Back in review; its pending schedules were cancelled.",
        "published" => "Published.",
        "publishing" => "Sending now; its status updates below.",
        "uploaded" => "Uploaded.",
        "deleted" => "The source was deleted.",
        "rule" => "The rule was changed.",
        _ => return html! {},
    };
    html! { p.notice role="status" { (text) } }
}
