//! Keeping secrets out of logs.

use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use growth_core::Error;

/// Header names whose values are never logged.
const SENSITIVE: &[&str] = &["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"];

/// Whether a header's value must not be logged: the known credential headers, anything flagged
/// sensitive, and any name mentioning a key, token, secret or signature.
pub fn is_sensitive(name: &str, value: &HeaderValue) -> bool {
    let name = name.to_ascii_lowercase();
    value.is_sensitive()
        || SENSITIVE.contains(&name.as_str())
        || ["key", "token", "secret", "signature", "auth"].iter().any(|w| name.contains(w))
}

/// The headers as `(name, value)` pairs for logging, with credentials replaced by `[REDACTED]`.
pub fn redacted(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if is_sensitive(name.as_str(), value) {
                "[REDACTED]".to_owned()
            } else {
                value.to_str().unwrap_or("[non-ascii]").to_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// How a credential goes into the `Authorization` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// `Authorization: <secret>` (AssemblyAI's raw key).
    Raw,
}

/// The header value for `secret`, flagged sensitive so no layer logs it. The one place a secret
/// is exposed.
///
/// # Errors
/// [`Error::Config`] when the secret cannot be a header value (control characters, newlines).
pub fn auth_header(scheme: AuthScheme, secret: &SecretString) -> Result<HeaderValue, Error> {
    let value = match scheme {
        AuthScheme::Bearer => HeaderValue::from_str(&format!("Bearer {}", secret.expose_secret())),
        AuthScheme::Raw => HeaderValue::from_str(secret.expose_secret()),
    };
    let mut value = value.map_err(|_| Error::Config("the credential contains characters not allowed in an HTTP header".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted_and_other_headers_are_shown() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer abc".parse().unwrap());
        h.insert("x-goog-api-key", "k".parse().unwrap());
        h.insert("content-type", "application/json".parse().unwrap());
        h.insert("public-api-version", "2025-10-31".parse().unwrap());
        let shown = redacted(&h);
        let get = |n: &str| shown.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("authorization"), Some("[REDACTED]"));
        assert_eq!(get("x-goog-api-key"), Some("[REDACTED]"));
        assert_eq!(get("content-type"), Some("application/json"));
        assert_eq!(get("public-api-version"), Some("2025-10-31"));
        assert!(!format!("{shown:?}").contains("abc"));
    }

    #[test]
    fn the_auth_header_carries_the_scheme_and_is_flagged_sensitive() {
        let secret = SecretString::from("s3cr3t");
        let bearer = auth_header(AuthScheme::Bearer, &secret).unwrap();
        assert_eq!(bearer.to_str().unwrap(), "Bearer s3cr3t");
        assert!(bearer.is_sensitive());
        assert_eq!(auth_header(AuthScheme::Raw, &secret).unwrap().to_str().unwrap(), "s3cr3t");
        assert!(matches!(auth_header(AuthScheme::Raw, &SecretString::from("a\nb")), Err(Error::Config(_))));
    }
}
