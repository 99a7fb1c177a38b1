//! HTTP errors as RFC 9457 problem details (`application/problem+json`) with a stable `type`.
//!
//! A `growth_core::Error` maps to a status by meaning. A 5xx never carries internal text or server
//! paths: internal errors answer an opaque 500 and a dependency being down an opaque 503 (with
//! `Retry-After`), and the cause is logged. The errors axum and tower answer by themselves (413,
//! 408, 405, a panic) become problems too ([`crate::middleware::problems`]).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use growth_core::Error;
use serde::Serialize;

/// The body of an error answer (`application/problem+json`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A stable URI naming the kind of problem (`urn:growth:problem:not-found`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this case, for a person.
    pub detail: String,
    /// The offending field, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    field: Option<String>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// A problem with explicit parts.
    pub fn new(status: StatusCode, slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, slug, title, detail: detail.into(), field: None, retry_after: None }
    }

    /// 404 for a route or resource that does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 429 with a `Retry-After` of `secs` (at least 1).
    pub fn too_many_requests(detail: impl Into<String>, secs: u64) -> Self {
        Self { retry_after: Some(secs.max(1)), ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests", detail) }
    }

    /// 413 naming the limit the body went over.
    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload too large",
            format!("the request body is larger than the limit of {limit_bytes} bytes"),
        )
    }

    /// 408 naming how long a request may take.
    pub fn request_timeout(secs: u64) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request-timeout",
            "Request timeout",
            format!("the request took longer than {secs} s and was stopped; long work runs as a job (202 and a job id)"),
        )
    }

    /// 405 naming the methods the route takes (`allow`, from the `Allow` header).
    pub fn method_not_allowed(allow: Option<&str>) -> Self {
        let detail = match allow.filter(|a| !a.is_empty()) {
            Some(a) => format!("this route does not take that method; it takes {a}"),
            None => "this route does not take that method".to_owned(),
        };
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed", detail)
    }

    /// The opaque 500: nothing about the cause (log it before).
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "something went wrong on our side; it has been logged")
    }

    /// The opaque 503 with a `Retry-After` of `secs`: a dependency (the database, a platform) is
    /// unavailable (log which before).
    pub fn unavailable(secs: u64) -> Self {
        Self {
            retry_after: Some(secs.max(1)),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Temporarily unavailable",
                "a service this request needs is unavailable for a moment; retry shortly",
            )
        }
    }

    /// The same problem about `field`.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// What went wrong, for a person.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The field the problem is about, if any.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let detail = e.to_string();
        match e {
            Error::NotFound { .. } => Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail),
            Error::InvalidInput { field, message } => {
                Self { field, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "Invalid input", message) }
            }
            Error::Conflict { message } => Self::new(StatusCode::CONFLICT, "conflict", "Conflict", message),
            Error::Unauthenticated(m) => Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Unauthenticated", m),
            Error::PermissionDenied(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", m),
            Error::RateLimited { retry_after } => Self {
                retry_after: Some(retry_after.map(|d| d.as_secs().max(1)).unwrap_or(1)),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests", detail)
            },
            Error::Transient { .. } => {
                // The cause may name hosts, paths or URLs: it goes to the log only.
                tracing::warn!(error = %detail, "request failed: a dependency is unavailable");
                Self::unavailable(e.retry_after().map_or(5, |d| d.as_secs()))
            }
            Error::TooLarge { .. } => Self::new(StatusCode::PAYLOAD_TOO_LARGE, INPUT_TOO_LARGE, "Payload too large", detail),
            Error::Unsupported(m) => Self::new(StatusCode::NOT_IMPLEMENTED, "unsupported", "Not supported", m),
            other => {
                tracing::error!(error = %other, source = ?std::error::Error::source(&other), "request failed");
                Self::internal()
            }
        }
    }
}

/// The slug of a 413 for an input over the limit of its kind (`ingest.*`), which names that limit
/// itself (the body-limit middleware leaves it as it is).
pub const INPUT_TOO_LARGE: &str = "input-too-large";

/// The slug of the problem an answer carries (a response extension, for middleware).
#[derive(Clone, Copy, Debug)]
pub struct ProblemSlug(pub &'static str);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: format!("urn:growth:problem:{}", self.slug),
            title: self.title,
            status: self.status.as_u16(),
            detail: self.detail,
            field: self.field,
        };
        let mut resp = (self.status, Json(body)).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        resp.extensions_mut().insert(ProblemSlug(self.slug));
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_statuses_by_meaning() {
        let cases = [
            (Error::not_found("job", "x"), 404),
            (Error::invalid_field("email", "bad"), 422),
            (Error::conflict("stale"), 409),
            (Error::Unauthenticated("no token".into()), 401),
            (Error::PermissionDenied("approver needed".into()), 403),
            (Error::RateLimited { retry_after: None }, 429),
            (Error::transient("db down"), 503),
            (Error::internal_msg("boom"), 500),
        ];
        for (e, status) in cases {
            assert_eq!(ApiError::from(e).status().as_u16(), status);
        }
    }

    #[test]
    fn an_internal_error_does_not_leak_its_detail() {
        let a = ApiError::from(Error::internal_msg("password=hunter2 at db.internal"));
        assert!(!a.detail.contains("hunter2"));
    }

    #[test]
    fn a_transient_error_answers_503_without_its_text_and_with_retry_after() {
        let a = ApiError::from(Error::transient("cannot connect to db.internal:5432 reading /var/lib/growth/blobs/x"));
        assert_eq!(a.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!a.detail.contains("db.internal") && !a.detail.contains("/var/lib"), "{}", a.detail);
        let r = a.into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "5");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/problem+json");
    }

    #[test]
    fn framework_errors_name_what_was_exceeded_or_allowed() {
        assert!(ApiError::payload_too_large(2_097_152).detail.contains("2097152 bytes"));
        assert!(ApiError::request_timeout(30).detail.contains("30 s"));
        assert!(ApiError::method_not_allowed(Some("GET,HEAD")).detail.contains("GET,HEAD"));
    }
}
