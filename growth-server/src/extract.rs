//! `ApiJson<T>` and `ApiQuery<T>`: a JSON body and a query string whose rejections are problem+json
//! naming the field that is wrong, in our words rather than serde's.
//!
//! axum reads both through `serde_path_to_error`, so a rejection's text carries the path of the
//! offending value (`items[2].scheduled_for: premature end of input at line 1 column 40`).
//! [`describe`] turns that into a field (`items[2].scheduled_for`) and a sentence (`not a
//! timestamp: send RFC 3339, like 2026-12-07T09:00:00Z`).

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::Json`, but a missing content type is 415, malformed JSON 400, a body of the wrong
/// shape 422 naming the field, and a body over the limit 413 — all as problem+json.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(e) => Err(json_rejection(&e)),
        }
    }
}

/// The problem for a JSON body axum could not read.
pub fn json_rejection(e: &JsonRejection) -> ApiError {
    match e {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send `Content-Type: application/json`",
        ),
        JsonRejection::JsonSyntaxError(e) => {
            let text = e.body_text();
            let (_, message) = split_path(strip_prefix(&text));
            ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", format!("the body is not valid JSON: {message}"))
        }
        JsonRejection::JsonDataError(e) => invalid(&e.body_text()),
        // A body over the limit: the problems layer names the limit that applied.
        e if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Payload too large", "the request body is too large")
        }
        e => ApiError::new(e.status(), "bad-request", "Bad request", e.body_text()),
    }
}

/// Like `axum::extract::Query`, but a bad query string is a 422 problem naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(invalid(&e.body_text())),
            Err(e) => Err(invalid(&e.body_text())),
        }
    }
}

/// Parses a path id; a malformed one is a 404 naming it (no such thing can exist).
pub fn parse_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| growth_core::Error::not_found(what, raw).into())
}

/// A JSON body that may be absent (an empty body is `T::default()`); a present one must be JSON
/// of the right shape (400 malformed, 422 wrong shape naming the field, as [`ApiJson`]).
pub fn optional_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    axum::Json::<T>::from_bytes(body).map(|axum::Json(v)| v).map_err(|e| json_rejection(&e))
}

fn invalid(text: &str) -> ApiError {
    let (field, detail) = describe(text);
    let problem = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "Invalid input", detail);
    match field {
        Some(f) => problem.with_field(f),
        None => problem,
    }
}

/// The text after axum's "Failed to deserialize …: " prefix.
fn strip_prefix(text: &str) -> &str {
    match text.split_once(": ") {
        Some((head, rest)) if head.starts_with("Failed to ") => rest,
        _ => text,
    }
}

/// `path: message` → (`Some(path)`, message); a message without a path → (`None`, message). A
/// path has no spaces (`scheduled_for`, `items[2].at`); serde's messages all have one before
/// any colon.
fn split_path(rest: &str) -> (Option<&str>, &str) {
    match rest.split_once(": ") {
        Some((path, message)) if !path.is_empty() && !path.contains(char::is_whitespace) => (Some(path).filter(|p| *p != "."), message),
        _ => (None, rest),
    }
}

/// The messages chrono's parsers give for a value that is not a date or time.
const CHRONO: [&str; 7] = [
    "premature end of input",
    "input contains invalid characters",
    "input is out of range",
    "trailing input",
    "input is not enough for unique date and time",
    "no possible date and time matching input",
    "bad or unsupported format string",
];

/// The first `` `quoted` `` name in `s`.
fn quoted(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(&s[start..start + len])
}

/// A serde rejection's text as (field, sentence).
pub fn describe(text: &str) -> (Option<String>, String) {
    let (path, message) = split_path(strip_prefix(text));
    // serde_json adds where in the text the problem is; the field says it better.
    let message = message.split(" at line ").next().unwrap_or(message).trim();
    // A missing field's path is its parent; an unknown field's path already ends with it.
    let join = |name: &str| match path {
        Some(p) if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
        Some(p) => format!("{p}.{name}"),
        None => name.to_owned(),
    };
    if let Some(rest) = message.strip_prefix("missing field ")
        && let Some(name) = quoted(rest)
    {
        return (Some(join(name)), format!("`{name}` is required"));
    }
    if let Some(rest) = message.strip_prefix("unknown field ")
        && let Some(name) = quoted(rest)
    {
        let expected = rest.split_once(", expected ").map(|(_, e)| format!("; expected {e}")).unwrap_or_default();
        return (Some(join(name)), format!("`{name}` is not a field here{expected}"));
    }
    let Some(field) = path.map(str::to_owned) else {
        return (None, format!("the body does not have the expected shape: {message}"));
    };
    let detail = if CHRONO.iter().any(|c| message.starts_with(c)) {
        "not a valid date or timestamp: send RFC 3339 (2026-12-07T09:00:00Z) or a date (2026-12-07)".to_owned()
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        match rest.split_once(", expected ") {
            Some((got, want)) => format!("expected {want}, got {got}"),
            None => format!("wrong type: {rest}"),
        }
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        match rest.split_once(", expected ") {
            Some((got, want)) => format!("{got} is not allowed; expected {want}"),
            None => format!("{rest} is not allowed"),
        }
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        match rest.split_once(", expected ") {
            Some((got, want)) => format!("expected {want}, got {got}"),
            None => format!("invalid value: {rest}"),
        }
    } else {
        message.to_owned()
    };
    (Some(field), detail)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "only the errors are looked at")]
    struct Body {
        scheduled_for: Option<DateTime<Utc>>,
        #[serde(default)]
        items: Vec<Item>,
        #[serde(default)]
        limit: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only the errors are looked at")]
    struct Item {
        at: DateTime<Utc>,
        role: growth_core::domain::Role,
    }

    fn problem(body: &str) -> ApiError {
        optional_json::<Body>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn a_bad_timestamp_names_its_field_and_the_format() {
        let p = problem(r#"{"scheduled_for": "tomorrow at nine"}"#);
        assert_eq!((p.status(), p.field()), (StatusCode::UNPROCESSABLE_ENTITY, Some("scheduled_for")));
        assert!(p.detail().contains("RFC 3339") && !p.detail().contains("line 1"), "{}", p.detail());
        let p = problem(r#"{"items": [{"at": "2026-12-07T09:00:00Z", "role": "admin"}, {"at": "2026-13-40", "role": "admin"}]}"#);
        assert_eq!(p.field(), Some("items[1].at"));
    }

    #[test]
    fn wrong_types_missing_and_unknown_fields_are_named() {
        let p = problem(r#"{"limit": "ten"}"#);
        assert_eq!(p.field(), Some("limit"));
        assert!(p.detail().contains("expected u32") && p.detail().contains("got string"), "{}", p.detail());
        let p = problem(r#"{"items": [{"role": "admin"}]}"#);
        assert_eq!((p.field(), p.detail()), (Some("items[0].at"), "`at` is required"));
        let p = problem(r#"{"limt": 3}"#);
        assert_eq!(p.field(), Some("limt"));
        assert!(p.detail().starts_with("`limt` is not a field here; expected"), "{}", p.detail());
        let p = problem(r#"{"items": [{"at": "2026-12-07T09:00:00Z", "role": "root"}]}"#);
        assert_eq!(p.field(), Some("items[0].role"));
    }

    #[test]
    fn syntax_errors_are_400_with_the_position_and_an_empty_body_is_the_default() {
        let p = problem(r#"{"limit": "#);
        assert_eq!((p.status(), p.field()), (StatusCode::BAD_REQUEST, None));
        assert!(p.detail().starts_with("the body is not valid JSON") && p.detail().contains("line 1"), "{}", p.detail());
        assert_eq!(optional_json::<Body>(b"  \n").unwrap().limit, 0);
    }

    #[test]
    fn query_strings_name_the_parameter() {
        let (field, detail) = describe("Failed to deserialize query string: limit: invalid digit found in string");
        assert_eq!((field.as_deref(), detail.as_str()), (Some("limit"), "invalid digit found in string"));
    }
}

/// The page size of a list: `default` when the query has no `limit`, else `limit` itself, which
/// must be 1 to `max` (anything else is a 422 naming `limit`; it is never clamped silently).
/// Every list answers `limit`, `offset` and `total` (what matches, ignoring the page).
pub fn page_limit(limit: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(growth_core::Error::invalid_field("limit", format!("{n} is not a page size: send 1 to {max}")).into()),
    }
}

/// One page of `items`: `offset` skipped, at most `limit` kept (for lists paged in memory).
pub fn page_of<T>(items: Vec<T>, limit: u32, offset: u32) -> Vec<T> {
    items.into_iter().skip(offset as usize).take(limit as usize).collect()
}

/// The query of a list that takes nothing but paging: `?limit=&offset=`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size (see [`page_limit`]).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Items to skip.
    #[serde(default)]
    pub offset: u32,
}
