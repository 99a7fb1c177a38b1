//! LinkedIn's error answers: `{"message": "…", "serviceErrorCode": 65600, "status": 401}` for
//! the API, `{"error": "invalid_request", "error_description": "…"}` for the token endpoint.

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::http::{body_text, classify_status, error_message, retry_after};

pub(super) const PLATFORM: &str = "linkedin";

/// The error table of reads and of everything that is not the post itself.
///
/// 400/422 `InvalidInput` (422 naming a duplicate is a `Conflict`: LinkedIn already has that
/// text), 401 `Unauthenticated` "reconnect", 403 `PermissionDenied` (missing scope or page role),
/// 426 `Config` naming the `api_version` setting (LinkedIn retired the version), 429
/// `RateLimited`, 5xx `Transient`.
pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = error_message(body);
    match status.as_u16() {
        400 | 422 if message.to_ascii_uppercase().contains("DUPLICATE") => {
            Error::conflict(format!("{PLATFORM}: LinkedIn already has a post with this text ({message}); reconcile instead of resending"))
        }
        400 | 422 => {
            Error::invalid(if message.is_empty() { format!("{PLATFORM}: HTTP {status}") } else { format!("{PLATFORM}: {message}") })
        }
        401 => Error::Unauthenticated(format!("LinkedIn needs reconnecting: the access token was refused ({message})")),
        426 => Error::Config(format!(
            "{PLATFORM}: LinkedIn no longer serves the LinkedIn-Version we sent ({message}); set `api_version` in the LinkedIn \
             settings to a current YYYYMM version"
        )),
        _ => classify_status(PLATFORM, status, &message, retry_after(headers)),
    }
}

/// The table of analytics reads (`memberCreatorPostAnalytics`, `organizationalEntityShareStatistics`):
///
/// - 401 and 403 are "connect analytics" errors (`Unauthenticated`/`PermissionDenied`), never
///   retried: the token was refused, or the app lacks `r_member_postAnalytics` (member posts) or
///   `rw_organization_admin` (page posts).
/// - 429 without `Retry-After` waits until the next midnight UTC: LinkedIn's quotas are daily,
///   reset then, and their remaining count is not published, so asking again sooner only spends
///   calls on refusals.
/// - The rest as [`parse_error`] (400 `InvalidInput`, 404 `NotFound`, 426 `Config`, 5xx `Transient`).
pub(super) fn parse_metrics_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = error_message(body);
    match status.as_u16() {
        401 => growth_core::measure::connect_analytics(
            PLATFORM,
            format!("LinkedIn refused the access token ({message}); reconnect the LinkedIn account"),
            true,
        ),
        403 => growth_core::measure::connect_analytics(
            PLATFORM,
            format!(
                "LinkedIn refused post analytics ({message}); member posts need the r_member_postAnalytics scope, page posts \
                 rw_organization_admin and an admin role on the page"
            ),
            false,
        ),
        429 => Error::RateLimited {
            retry_after: retry_after(headers).or_else(|| {
                let now = chrono::Utc::now();
                (growth_core::measure::next_utc_midnight(now) - now).to_std().ok()
            }),
        },
        _ => parse_error(status, headers, body),
    }
}

/// The table for `POST /rest/posts`: like [`parse_error`], except that a 5xx is
/// `OutcomeUnknown`. LinkedIn does not document its 5xx answers as side-effect free and the post
/// has no idempotency key, so after a 5xx the post may exist; it is looked up (`reconcile`)
/// before any resend.
pub(super) fn parse_publish_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    if status.is_server_error() {
        return Error::OutcomeUnknown(format!(
            "{PLATFORM}: HTTP {status} answering the post ({}); LinkedIn may have published it: reconcile before resending",
            error_message(body)
        ));
    }
    parse_error(status, headers, body)
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// The token endpoint's table: a refused refresh (400 `invalid_grant`/`invalid_request`, 401)
/// means the member must reconnect; 429 and 5xx are transient and never disconnect anyone.
pub(super) fn parse_token_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = serde_json::from_slice::<OAuthError>(body)
        .map(|e| e.error_description.map_or(e.error.clone(), |d| format!("{}: {d}", e.error)))
        .unwrap_or_else(|_| body_text(body));
    match status.as_u16() {
        400 | 401 => Error::Unauthenticated(format!("LinkedIn needs reconnecting: the token refresh was refused ({message})")),
        _ => classify_status(PLATFORM, status, &message, retry_after(headers)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(f: fn(StatusCode, &HeaderMap, &[u8]) -> Error, status: u16, body: &str) -> Error {
        f(StatusCode::from_u16(status).unwrap(), &HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn statuses_get_linkedins_meanings() {
        let e = parse(parse_error, 401, r#"{"message": "Empty oauth2_access_token", "serviceErrorCode": 401, "status": 401}"#);
        assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("reconnecting") && m.contains("Empty oauth2_access_token")), "{e:?}");
        let e =
            parse(parse_error, 426, r#"{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 20250101 is not active"}"#);
        assert!(matches!(&e, Error::Config(m) if m.contains("api_version") && m.contains("20250101")), "{e:?}");
        assert!(matches!(parse(parse_error, 422, r#"{"message": "Content is a duplicate of urn:li:share:1"}"#), Error::Conflict { .. }));
        assert!(matches!(parse(parse_error, 422, r#"{"message": "bad field"}"#), Error::InvalidInput { .. }));
        assert!(matches!(parse(parse_error, 403, "{}"), Error::PermissionDenied(_)));
        assert!(matches!(parse(parse_error, 429, "{}"), Error::RateLimited { .. }));
        assert!(matches!(parse(parse_error, 503, "{}"), Error::Transient { .. }));
        assert!(matches!(parse(parse_publish_error, 503, "{}"), Error::OutcomeUnknown(_)));
        assert!(matches!(parse(parse_publish_error, 400, "{}"), Error::InvalidInput { .. }));
    }

    #[test]
    fn analytics_answers_ask_to_connect_or_wait_for_the_next_day() {
        let e =
            parse(parse_metrics_error, 403, r#"{"message":"Not enough permissions to access: memberCreatorPostAnalytics","status":403}"#);
        assert!(
            matches!(&e, Error::PermissionDenied(m) if m.starts_with("connect analytics: linkedin: ") && m.contains("r_member_postAnalytics")),
            "{e:?}"
        );
        assert!(matches!(parse(parse_metrics_error, 401, "{}"), Error::Unauthenticated(m) if m.starts_with("connect analytics")));
        let Error::RateLimited { retry_after: Some(wait) } = parse(parse_metrics_error, 429, "{}") else { panic!("a 429 is a rate limit") };
        assert!(wait <= std::time::Duration::from_secs(24 * 3600) && wait > std::time::Duration::ZERO);
        assert!(matches!(parse(parse_metrics_error, 503, "{}"), Error::Transient { .. }));
        assert!(matches!(parse(parse_metrics_error, 400, r#"{"message":"bad"}"#), Error::InvalidInput { .. }));
    }

    #[test]
    fn a_refused_refresh_disconnects_and_a_failing_endpoint_does_not() {
        let e = parse(
            parse_token_error,
            400,
            r#"{"error":"invalid_request","error_description":"The provided authorization grant is invalid"}"#,
        );
        assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("grant is invalid")), "{e:?}");
        assert!(matches!(parse(parse_token_error, 503, ""), Error::Transient { .. }));
        assert!(matches!(parse(parse_token_error, 429, ""), Error::RateLimited { .. }));
    }
}
