//! Console sign-in: the session cookie, the CSRF token, the sign-in and sign-out forms.

use axum::Form;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use growth_core::Error;
use growth_core::domain::{Role, User};
use maud::html;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Nav, error_page, harden, page_with, see_other};
use crate::auth::{AuthUser, new_refresh_token};
use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "growth_session";

/// A refusal page (boxed: a response is large).
pub(crate) type Refused = Box<Response>;

/// A signed-in console user.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    /// Who (as stored now: the role is the current one).
    pub user: User,
    /// The token every form of this session carries.
    pub csrf: String,
    /// The sign-in (its row family in the token table).
    family: uuid::Uuid,
}

impl Session {
    /// The caller as the API's handlers see one.
    pub(crate) fn auth_user(&self) -> AuthUser {
        AuthUser { id: self.user.id, email: self.user.email.clone(), role: self.user.role }
    }

    /// `Ok` when the role includes `required`, else a 403 page.
    pub(crate) fn require(&self, required: Role) -> Result<(), Refused> {
        self.auth_user().require(required).map_err(|e| Box::new(error_page(Some(self), e)))
    }

    /// `Ok` when `given` is this session's CSRF token, else a 403 page.
    pub(crate) fn check_csrf(&self, given: &str) -> Result<(), Refused> {
        if bool::from(given.as_bytes().ct_eq(self.csrf.as_bytes())) {
            Ok(())
        } else {
            tracing::info!(actor = %self.user.id, "console form refused: missing or stale CSRF token");
            Err(Box::new(error_page(
                Some(self),
                Error::PermissionDenied("this form's security token is missing or out of date; reload the page and try again".into())
                    .into(),
            )))
        }
    }
}

/// What is stored for a session token: SHA-256 under a domain prefix of its own (refresh and
/// invite tokens share the table under other prefixes, so no token works as another kind).
fn session_hash(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"growth-console-session\0");
    h.update(token.as_bytes());
    hex::encode(h.finalize())
}

/// The CSRF token of a session: derived from its (secret, `HttpOnly`) token.
fn csrf_of(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"growth-console-csrf\0");
    h.update(token.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Why there is no session: none, or a failure looking it up.
enum NoSession {
    Missing,
    Failed(ApiError),
}

async fn find(parts: &Parts, state: &AppState) -> Result<(Session, String), NoSession> {
    let token = cookie(&parts.headers, COOKIE).ok_or(NoSession::Missing)?;
    let row =
        state.auth.find_refresh_token(&session_hash(token)).await.map_err(|e| NoSession::Failed(e.into()))?.ok_or(NoSession::Missing)?;
    let now = state.engine.clock().now();
    if row.revoked_at.is_some() || row.used_at.is_some() || row.expires_at <= now {
        return Err(NoSession::Missing);
    }
    let user = match state.users.get_user(row.user_id).await {
        Ok(u) => u,
        Err(Error::NotFound { .. }) => return Err(NoSession::Missing),
        Err(e) => return Err(NoSession::Failed(e.into())),
    };
    if !user.is_active() || !user.accepts_token_issued_at(row.created_at) {
        return Err(NoSession::Missing);
    }
    let csrf = csrf_of(token);
    Ok((Session { user, csrf, family: row.family_id }, token.to_owned()))
}

/// Where a request without a session goes: the sign-in page, back to this page after it (a `GET`),
/// or to the page the form was on.
fn to_login(parts: &Parts) -> Response {
    let next =
        if parts.method == Method::GET { parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/ui/review") } else { "/ui/review" };
    let target = format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
    see_other(&target)
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match find(parts, state).await {
            Ok((s, _)) => Ok(s),
            Err(NoSession::Missing) => Err(to_login(parts)),
            Err(NoSession::Failed(e)) => Err(error_page(None, e)),
        }
    }
}

impl OptionalFromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        match find(parts, state).await {
            Ok((s, _)) => Ok(Some(s)),
            Err(NoSession::Missing) => Ok(None),
            Err(NoSession::Failed(e)) => Err(error_page(None, e)),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    signed_out: Option<String>,
}

/// Only a path of this console: never another site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if (n.starts_with("/ui/") || n == "/ui") && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/ui/review",
    }
}

/// The sign-in form's own token cookie (double submit: a cross-site page can neither read nor set
/// it, so it cannot sign a visitor in to an account of its choosing).
const LOGIN_COOKIE: &str = "growth_login";

/// `Secure` when the request came over HTTPS (as a proxy in front says); only ever restricts.
fn secure(headers: &HeaderMap) -> &'static str {
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

fn login_form(headers: &HeaderMap, next: &str, email: &str, error: Option<&str>, status: StatusCode, signed_out: bool) -> Response {
    let token = new_refresh_token();
    let body = html! {
        @if signed_out { p.notice role="status" { "You are signed out." } }
        @if let Some(e) = error { p.error role="alert" id="login-error" { (e) } }
        form.login method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            input type="hidden" name="csrf" value=(token);
            label for="email" { "Email" }
            input id="email" name="email" type="email" autocomplete="username" required autofocus value=(email)
                aria-describedby=[error.map(|_| "login-error")];
            label for="password" { "Password" }
            input id="password" name="password" type="password" autocomplete="current-password" required;
            button type="submit" { "Sign in" }
        }
        p.hint { "The same accounts and roles as the API (" code { "POST /auth/login" } "). Ask an admin for an invite." }
    };
    let mut resp = page_with(None, "Sign in", Nav::None, status, None, body);
    let cookie = format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}", secure(headers));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// `GET /login`.
pub(crate) async fn login_page(s: Option<Session>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    if s.is_some() {
        return see_other(next);
    }
    login_form(&headers, next, "", None, StatusCode::OK, q.signed_out.is_some())
}

/// No `Debug`: it holds a password.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    csrf: String,
}

/// `POST /login`: the API's password check, then a new session cookie.
pub(crate) async fn login(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let next = safe_next(f.next.as_deref()).to_owned();
    let form_ok = cookie(&headers, LOGIN_COOKIE).is_some_and(|c| !f.csrf.is_empty() && bool::from(c.as_bytes().ct_eq(f.csrf.as_bytes())));
    if !form_ok {
        let msg = "This sign-in form has expired or did not come from this site; sign in again.";
        return login_form(&headers, &next, &f.email, Some(msg), StatusCode::FORBIDDEN, false);
    }
    if f.email.trim().is_empty() || f.password.is_empty() {
        return login_form(&headers, &next, &f.email, Some("Enter your email and password."), StatusCode::UNPROCESSABLE_ENTITY, false);
    }
    let user = match crate::routes::auth::check_password(&state, f.email.trim(), f.password).await {
        Ok(u) => u,
        Err(e) => {
            let status = e.status();
            return login_form(&headers, &next, &f.email, Some(e.detail()), status, false);
        }
    };
    let token = new_refresh_token();
    let now = state.engine.clock().now();
    let expires = now + state.keys.session_max;
    if let Err(e) = state.auth.insert_refresh_token(user.id, uuid::Uuid::now_v7(), &session_hash(&token), expires).await {
        return error_page(None, e.into());
    }
    tracing::info!(actor = %user.id, provider = "console", "signed in");
    growth_core::telemetry::count_change("sign_in", 1);
    let max_age = state.keys.session_max.num_seconds().max(0);
    let session = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}", secure(&headers));
    let mut resp = see_other(&next);
    if let Ok(v) = HeaderValue::from_str(&session) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    // The sign-in form's token is spent.
    resp.headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_static("growth_login=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0"));
    resp
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the sign-in and clears the cookie.
pub(crate) async fn logout(State(state): State<AppState>, s: Session, Form(f): Form<CsrfForm>) -> Response {
    if let Err(r) = s.check_csrf(&f.csrf) {
        return *r;
    }
    if let Err(e) = state.auth.revoke_refresh_family(s.family).await {
        return error_page(Some(&s), e.into());
    }
    tracing::info!(actor = %s.user.id, provider = "console", "signed out");
    growth_core::telemetry::count_change("sign_out", 1);
    let mut resp = see_other("/login?signed_out=1");
    resp.headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_static("growth_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
    harden(resp)
}
