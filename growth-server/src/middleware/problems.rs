//! Problem+json for the errors nobody in our code wrote: axum's 405 (empty body), tower-http's 413
//! (`text/plain`, no limit) and 408 (empty), extractor rejections in plain text, and panics.
//!
//! The layer sits outside the timeout and the body limits. An error answer that is not JSON is
//! rebuilt as a problem: 413 names the limit the request went over (the upload limit for a
//! multipart `POST /sources`, else the body limit), 408 the timeout, 405 the allowed methods
//! (the `Allow` header is kept); another 4xx keeps its text as the detail; a 5xx never shows its
//! text. JSON answers (our problems, `/ready`'s 503) pass untouched.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// What the rebuilt problems name.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `http.body_limit_bytes`.
    pub body: usize,
    /// `http.upload_limit_bytes` (multipart `POST /sources`).
    pub upload: usize,
    /// `http.request_timeout_secs`.
    pub timeout_secs: u64,
}

impl Limits {
    /// The body limit that applies to `req`.
    pub fn for_request(&self, method: &Method, path: &str, content_type: Option<&HeaderValue>) -> usize {
        if method == Method::POST && (path == "/sources" || path == "/ui/sources") && is_multipart(content_type) {
            self.upload
        } else {
            self.body
        }
    }
}

/// Whether a `Content-Type` is `multipart/form-data`.
pub fn is_multipart(content_type: Option<&HeaderValue>) -> bool {
    content_type.and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn is_json(resp: &Response) -> bool {
    resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        let v = v.to_ascii_lowercase();
        v.starts_with("application/json") || v.starts_with("application/problem+json")
    })
}

/// Longest plain-text detail kept from a framework rejection.
/// An HTML page: the console renders its errors itself.
fn is_html(resp: &Response) -> bool {
    resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.to_ascii_lowercase().starts_with("text/html"))
}

const MAX_DETAIL: usize = 300;

/// Middleware: rebuilds bare error answers as problems.
pub async fn problems(State(limits): State<Limits>, req: Request, next: Next) -> Response {
    let limit = limits.for_request(req.method(), req.uri().path(), req.headers().get(header::CONTENT_TYPE));
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    // A 413 problem from a handler names its own limit (`ingest.*`); any other 413 comes from a
    // body limit, and is rebuilt naming the limit that applied.
    let names_its_limit = resp.extensions().get::<crate::error::ProblemSlug>().is_some_and(|s| s.0 == crate::error::INPUT_TOO_LARGE);
    if status == StatusCode::PAYLOAD_TOO_LARGE && !names_its_limit {
        return ApiError::payload_too_large(limit).into_response();
    }
    // Problems already, or the console's own error pages (HTML for a person).
    if is_json(&resp) || is_html(&resp) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let problem = match status {
        StatusCode::REQUEST_TIMEOUT => ApiError::request_timeout(limits.timeout_secs),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(parts.headers.get(header::ALLOW).and_then(|v| v.to_str().ok())),
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), "an error answer without a problem body; answering an opaque one");
            if s == StatusCode::SERVICE_UNAVAILABLE { ApiError::unavailable(5) } else { ApiError::internal() }
        }
        s => {
            let text =
                axum::body::to_bytes(body, 16 * 1024).await.map(|b| String::from_utf8_lossy(&b).trim().to_owned()).unwrap_or_default();
            let detail = if text.is_empty() {
                s.canonical_reason().unwrap_or("the request was refused").to_owned()
            } else {
                text.chars().take(MAX_DETAIL).collect()
            };
            let title = s.canonical_reason().unwrap_or("Bad request");
            let slug = if s == StatusCode::NOT_FOUND { "not-found" } else { "bad-request" };
            ApiError::new(s, slug, title, detail)
        }
    };
    let mut rebuilt = problem.into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            rebuilt.headers_mut().insert(name, v.clone());
        }
    }
    rebuilt
}

/// The answer to a panic in a handler: the opaque 500 problem; the panic's message goes to the log.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let message = err.downcast_ref::<&str>().map(|s| (*s).to_owned()).or_else(|| err.downcast_ref::<String>().cloned());
    tracing::error!(panic = message.as_deref().unwrap_or("(not a string)"), "a request handler panicked");
    ApiError::internal().into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upload_limit_applies_to_multipart_source_uploads_only() {
        let l = Limits { body: 10, upload: 1000, timeout_secs: 30 };
        let multipart = HeaderValue::from_static("multipart/form-data; boundary=x");
        let json = HeaderValue::from_static("application/json");
        assert_eq!(l.for_request(&Method::POST, "/sources", Some(&multipart)), 1000);
        assert_eq!(l.for_request(&Method::POST, "/sources", Some(&json)), 10);
        assert_eq!(l.for_request(&Method::POST, "/sources", None), 10);
        assert_eq!(l.for_request(&Method::POST, "/content/x", Some(&multipart)), 10);
    }

    #[tokio::test]
    async fn a_panic_answers_the_opaque_problem_without_its_message() {
        let r = panic_response(Box::new(String::from("index out of range reading /srv/growth/blobs/a.pdf")));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/problem+json");
        let body = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("urn:growth:problem:internal") && !text.contains("/srv") && !text.contains("index"), "{text}");
    }
}
