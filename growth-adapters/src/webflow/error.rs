//! Webflow's error answers: `{"code": "validation_error", "message": "…", "externalReference":
//! null, "details": […]}`.

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::http::{classify_status, error_message, retry_after};

pub(super) const PLATFORM: &str = "webflow";

/// The error table of reads and repeatable writes: 400/422 are our input (`InvalidInput`, with
/// Webflow's message and details); everything else keeps the shared meanings (401
/// `Unauthenticated`, 403 `PermissionDenied`, 404 `NotFound`, 409 `Conflict`, 429 `RateLimited`
/// with `Retry-After`, 408/5xx `Transient`).
pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = message(body);
    match status.as_u16() {
        400 | 422 => Error::invalid(format!("{PLATFORM}: HTTP {status}: {message}")),
        _ => classify_status(PLATFORM, status, &message, retry_after(headers)),
    }
}

/// The error table of an item create, which is not idempotent:
/// - a taken slug (409, or 400 whose message or details name the slug as not unique / in use) is
///   `Conflict` — the publisher resolves it;
/// - a 5xx may come after the item was stored (Webflow documents no 5xx as side-effect free), so
///   it is `OutcomeUnknown`: reconcile before resending;
/// - the rest as [`parse_error`] (429 means nothing was done: `RateLimited`).
pub(super) fn parse_create_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = message(body);
    match status.as_u16() {
        409 => Error::conflict(format!("{PLATFORM}: slug already in use: {message}")),
        400 | 422 if is_slug_taken(body) => Error::conflict(format!("{PLATFORM}: slug already in use: {message}")),
        500..=599 => Error::OutcomeUnknown(format!(
            "{PLATFORM}: HTTP {status} on an item create, which may have stored the item; reconcile before resending: {message}"
        )),
        _ => parse_error(status, headers, body),
    }
}

/// Webflow's message plus the details' descriptions, which name the offending field.
fn message(body: &[u8]) -> String {
    let mut message = error_message(body);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some(details) = v.get("details").and_then(|d| d.as_array())
    {
        for d in details {
            let text = match d {
                serde_json::Value::String(s) => s.clone(),
                other => {
                    let param = other.get("param").and_then(|p| p.as_str()).unwrap_or_default();
                    let description = other.get("description").and_then(|p| p.as_str()).unwrap_or_default();
                    format!("{param} {description}").trim().to_owned()
                }
            };
            if !text.is_empty() {
                message.push_str("; ");
                message.push_str(&text);
            }
        }
    }
    message
}

/// The table of Analyze reads: a refused token (401) or a token without `sites:read`, or a
/// workspace without the paid Analyze add-on (402, 403) is a "connect analytics" error, never
/// retried; a 429 keeps its `Retry-After` (Analyze allows one request in flight per token); the
/// rest as [`parse_error`].
pub(super) fn parse_analyze_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = message(body);
    match status.as_u16() {
        401 => growth_core::measure::connect_analytics(PLATFORM, format!("Webflow refused the API token ({message})"), true),
        402 | 403 => growth_core::measure::connect_analytics(
            PLATFORM,
            format!("Webflow refused the Analyze report ({message}); the token needs sites:read and the workspace the Analyze add-on"),
            false,
        ),
        _ => parse_error(status, headers, body),
    }
}

/// Whether a 400 says the slug is already used by another item.
fn is_slug_taken(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    text.contains("slug") && ["already", "unique", "in use", "duplicate", "taken"].iter().any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn parse(f: fn(StatusCode, &HeaderMap, &[u8]) -> Error, status: u16, headers: &[(&'static str, &str)], body: &str) -> Error {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        f(StatusCode::from_u16(status).unwrap(), &h, body.as_bytes())
    }

    #[test]
    fn a_taken_slug_is_a_conflict_on_create() {
        let body = r#"{"code":"validation_error","message":"Validation Error","externalReference":null,"details":[{"param":"slug","description":"Unique value is already in database: 'the-plg-paradox'"}]}"#;
        assert!(matches!(parse(parse_create_error, 400, &[], body), Error::Conflict { .. }));
        assert!(matches!(parse(parse_create_error, 409, &[], r#"{"code":"conflict","message":"Conflict"}"#), Error::Conflict { .. }));
        let other =
            r#"{"code":"validation_error","message":"Validation Error","details":[{"param":"name","description":"Field is required"}]}"#;
        assert!(
            matches!(parse(parse_create_error, 400, &[], other), Error::InvalidInput { message, .. } if message.contains("name Field is required"))
        );
    }

    #[test]
    fn a_5xx_on_create_is_an_unknown_outcome_but_on_a_read_transient() {
        let body = r#"{"code":"internal_error","message":"An Internal Error occurred","externalReference":null,"details":[]}"#;
        assert!(matches!(parse(parse_create_error, 500, &[], body), Error::OutcomeUnknown(_)));
        assert!(matches!(parse(parse_create_error, 503, &[], body), Error::OutcomeUnknown(_)));
        assert!(
            matches!(parse(parse_error, 500, &[], body), Error::Transient { message, .. } if message.contains("An Internal Error occurred"))
        );
    }

    #[test]
    fn a_missing_add_on_or_scope_asks_to_connect_analytics() {
        let e = parse(parse_analyze_error, 403, &[], r#"{"code":"missing_scopes","message":"OAuthForbidden: missing scope sites:read"}"#);
        assert!(
            matches!(&e, Error::PermissionDenied(m) if m.starts_with("connect analytics: webflow") && m.contains("Analyze add-on")),
            "{e:?}"
        );
        assert!(matches!(parse(parse_analyze_error, 402, &[], "{}"), Error::PermissionDenied(_)));
        assert!(matches!(parse(parse_analyze_error, 401, &[], "{}"), Error::Unauthenticated(m) if m.starts_with("connect analytics")));
        assert!(matches!(parse(parse_analyze_error, 429, &[("retry-after", "3")], "{}"), Error::RateLimited { retry_after: Some(_) }));
    }

    #[test]
    fn statuses_keep_their_meaning() {
        let too_many = r#"{"code":"too_many_requests","message":"Too many requests","externalReference":null,"details":[]}"#;
        for f in [parse_error as fn(_, &_, &_) -> _, parse_create_error] {
            assert!(matches!(
                parse(f, 401, &[], r#"{"code":"not_authorized","message":"Request not authorized"}"#),
                Error::Unauthenticated(_)
            ));
            assert!(matches!(parse(f, 403, &[], r#"{"code":"missing_scopes","message":"m"}"#), Error::PermissionDenied(_)));
            assert!(matches!(parse(f, 404, &[], r#"{"code":"resource_not_found","message":"m"}"#), Error::NotFound { .. }));
            assert!(
                matches!(parse(f, 429, &[("retry-after", "60")], too_many), Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(60))
            );
        }
    }
}
