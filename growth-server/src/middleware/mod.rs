//! Cross-cutting HTTP layers (assembled in [`crate::startup::app`]): CORS from configuration,
//! per-IP and per-user rate limits (the client found behind trusted proxies), request metrics,
//! problem+json for the errors axum and tower answer by themselves, and the redaction of secrets
//! from logged paths.

pub mod client_ip;
pub mod cors;
pub mod metrics;
pub mod problems;
pub mod rate_limit;

/// The request path as it may be logged: whatever follows `/webhooks/<platform>/` is a shared
/// secret (`/webhooks/grain/<token>`), so it becomes `***`.
pub fn redact_path(path: &str) -> std::borrow::Cow<'_, str> {
    let Some(rest) = path.strip_prefix("/webhooks/") else { return path.into() };
    match rest.split_once('/') {
        Some((platform, tail)) if !tail.is_empty() => format!("/webhooks/{platform}/***").into(),
        _ => path.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn a_webhook_token_in_the_path_is_redacted_and_other_paths_are_kept() {
        assert_eq!(redact_path("/webhooks/grain/s3cret"), "/webhooks/grain/***");
        assert_eq!(redact_path("/webhooks/riverside/a/b"), "/webhooks/riverside/***");
        assert_eq!(redact_path("/webhooks/grain"), "/webhooks/grain");
        assert_eq!(redact_path("/content/123"), "/content/123");
    }
}
