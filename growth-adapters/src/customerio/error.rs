//! Customer.io's error answers, in the App API's two shapes: `{"meta": {"error": "…"}}` and
//! `{"errors": [{"detail": "broadcast with id 1 does not exist", "status": "404"}]}`.

use std::time::Duration;

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::http::{classify_status, error_message, retry_after};

pub(super) const PLATFORM: &str = "customerio";

/// Customer.io's wait after a refused broadcast trigger when it names none: its trigger limit is
/// one request every 10 s.
const TRIGGER_WINDOW: Duration = Duration::from_secs(10);

/// The message of an error body in either App API shape, else the shared shapes.
fn message(body: &[u8]) -> String {
    let v: Option<Value> = serde_json::from_slice(body).ok();
    let meta = v.as_ref().and_then(|v| v.pointer("/meta/error")).and_then(Value::as_str).map(str::to_owned);
    let errors = v.as_ref().and_then(|v| v.get("errors")).and_then(Value::as_array).map(|errors| {
        errors
            .iter()
            .filter_map(|e| e.get("detail").or_else(|| e.get("message")).and_then(Value::as_str).or_else(|| e.as_str()))
            .collect::<Vec<_>>()
            .join("; ")
    });
    meta.or(errors.filter(|m| !m.is_empty())).unwrap_or_else(|| error_message(body))
}

/// The error table of reads: 400/422 `InvalidInput`, 401 `Unauthenticated` (the App API key was
/// refused), 403 `PermissionDenied`, 404 `NotFound`, 429 `RateLimited`, 5xx `Transient`.
pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = message(body);
    match status.as_u16() {
        400 | 422 => {
            Error::invalid(if message.is_empty() { format!("{PLATFORM}: HTTP {status}") } else { format!("{PLATFORM}: {message}") })
        }
        401 => Error::Unauthenticated(format!("{PLATFORM}: the App API key was refused ({message}); check the Customer.io settings")),
        _ => classify_status(PLATFORM, status, &message, retry_after(headers)),
    }
}

/// The table of metrics reads: like [`parse_error`], except that a refused key (401) or a key
/// without the reporting scope (403) is a "connect analytics" error the sync shows once instead
/// of retrying.
pub(super) fn parse_metrics_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    match status.as_u16() {
        401 => growth_core::measure::connect_analytics(
            PLATFORM,
            format!("the App API key was refused ({}); set a valid key in the Customer.io settings", message(body)),
            true,
        ),
        403 => growth_core::measure::connect_analytics(
            PLATFORM,
            format!("the App API key may not read metrics ({}); give it the reporting scope", message(body)),
            false,
        ),
        _ => parse_error(status, headers, body),
    }
}

/// The table for a broadcast trigger: a 429 waits `Retry-After` or the 10 s trigger window; a 5xx
/// is `OutcomeUnknown` — triggers have no idempotency key and Customer.io does not document its
/// 5xx answers as side-effect free, so the newsletter may be on its way and is reconciled, never
/// resent blindly.
pub(super) fn parse_trigger_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    if status.is_server_error() {
        return Error::OutcomeUnknown(format!(
            "{PLATFORM}: HTTP {status} answering the broadcast trigger ({}); the broadcast may have been triggered: reconcile \
             before resending",
            message(body)
        ));
    }
    match parse_error(status, headers, body) {
        Error::RateLimited { retry_after } => Error::RateLimited { retry_after: retry_after.or(Some(TRIGGER_WINDOW)) },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(f: fn(StatusCode, &HeaderMap, &[u8]) -> Error, status: u16, body: &str) -> Error {
        f(StatusCode::from_u16(status).unwrap(), &HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn both_body_shapes_give_their_message() {
        let e = parse(parse_error, 404, r#"{"errors": [{"detail": "broadcast with id 1 does not exist", "status": "404"}]}"#);
        assert!(matches!(&e, Error::NotFound { id, .. } if id.contains("broadcast with id 1 does not exist")), "{e:?}");
        let e = parse(parse_error, 422, r#"{"meta": {"error": "data is too large"}}"#);
        assert!(matches!(&e, Error::InvalidInput { message, .. } if message == "customerio: data is too large"), "{e:?}");
    }

    #[test]
    fn a_refused_metrics_read_asks_to_connect_analytics() {
        let e = parse(parse_metrics_error, 401, r#"{"meta": {"error": "Unauthorized request"}}"#);
        assert!(matches!(&e, Error::Unauthenticated(m) if m.starts_with("connect analytics: customerio: ")), "{e:?}");
        assert!(matches!(parse(parse_metrics_error, 403, ""), Error::PermissionDenied(m) if m.starts_with("connect analytics")));
        assert!(matches!(parse(parse_metrics_error, 503, ""), Error::Transient { .. }));
    }

    #[test]
    fn a_trigger_answer_keeps_the_platform_from_acting_twice() {
        assert!(matches!(parse(parse_trigger_error, 500, "{}"), Error::OutcomeUnknown(_)));
        assert!(matches!(parse(parse_trigger_error, 429, ""), Error::RateLimited { retry_after: Some(d) } if d == TRIGGER_WINDOW));
        assert!(matches!(parse(parse_trigger_error, 401, ""), Error::Unauthenticated(_)));
        assert!(matches!(parse(parse_error, 503, ""), Error::Transient { .. }));
    }
}
