//! Authenticating webhook deliveries: a signature made with a shared token, or the token itself.
//!
//! A signature is `X-Growth-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is HMAC-SHA256 under
//! the token over `<t>.<raw body>` — the scheme Stripe uses, so a relay (an automation that
//! forwards the platform's events) can sign with a few lines of code, and the token itself never
//! travels. `t` must be within the tolerance of now either way (a captured delivery cannot be
//! replayed later); several `v1=` are accepted (a relay signing with the new and the old token).
//! Every comparison is constant-time, and every configured token is tried (rotation).

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a signature was refused (safe to show: it names no secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// Not `t=<unix>,v1=<hex>`.
    Malformed,
    /// `t` is further from now than the tolerance.
    Stale,
    /// No `v1` matches the body under any token.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "the signature header must be `t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">`",
            Self::Stale => "the signature's timestamp is outside the accepted window (check the sender's clock)",
            Self::Mismatch => "the signature does not match the body",
        })
    }
}

/// Checks `header` against `body` under any of `tokens`, at `now` (Unix seconds).
pub fn verify_signature(header: &str, body: &[u8], tokens: &[&SecretString], now: i64, tolerance_secs: u64) -> Result<(), SignatureError> {
    let mut t: Option<i64> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.trim().parse().map_err(|_| SignatureError::Malformed)?),
            Some(("v1", v)) => signatures.push(hex::decode(v.trim()).map_err(|_| SignatureError::Malformed)?),
            // Other schemes (`v0=` …) are ignored, as Stripe's receivers do.
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(t) > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let mut matched = false;
    for token in tokens {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(token.expose_secret().as_bytes()) else { continue };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        for sig in &signatures {
            // `verify_slice` compares in constant time; every pair is tried.
            matched |= mac.clone().verify_slice(sig).is_ok();
        }
    }
    if matched { Ok(()) } else { Err(SignatureError::Mismatch) }
}

/// Whether `presented` is one of `tokens` (constant-time per token; every token is compared).
pub fn token_matches(presented: &str, tokens: &[&SecretString]) -> bool {
    let mut matched = subtle::Choice::from(0);
    for token in tokens {
        let expected = token.expose_secret().as_bytes();
        if !expected.is_empty() {
            matched |= presented.as_bytes().ct_eq(expected);
        }
    }
    matched.into()
}

/// `X-Growth-Signature` for `body` at `t` under `token`: what a relay sends (and what tests use).
pub fn sign(token: &str, t: i64, body: &[u8]) -> String {
    // An HMAC key may be any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(token.as_bytes()) else { return String::new() };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(v: &[&str]) -> Vec<SecretString> {
        v.iter().map(|s| SecretString::from(*s)).collect()
    }

    #[test]
    fn a_fresh_signature_under_any_configured_token_is_accepted() {
        let owned = secrets(&["new-token", "old-token"]);
        let tokens: Vec<&SecretString> = owned.iter().collect();
        let body = br#"{"event":"recording_ready"}"#;
        for token in ["new-token", "old-token"] {
            assert_eq!(verify_signature(&sign(token, 1_000, body), body, &tokens, 1_100, 300), Ok(()), "{token}");
        }
        // A relay signing with both during its own rotation.
        let both = format!("{},v1={}", sign("unknown", 1_000, body), sign("old-token", 1_000, body).split("v1=").nth(1).unwrap());
        assert_eq!(verify_signature(&both, body, &tokens, 1_000, 300), Ok(()));
    }

    #[test]
    fn another_body_key_or_time_window_is_refused() {
        let owned = secrets(&["tok"]);
        let tokens: Vec<&SecretString> = owned.iter().collect();
        let sig = sign("tok", 1_000, b"{}");
        assert_eq!(verify_signature(&sig, b"{ }", &tokens, 1_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature(&sign("other", 1_000, b"{}"), b"{}", &tokens, 1_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature(&sig, b"{}", &tokens, 1_301, 300), Err(SignatureError::Stale), "replayed later");
        assert_eq!(verify_signature(&sig, b"{}", &tokens, 699, 300), Err(SignatureError::Stale), "from the future");
        for bad in ["", "v1=00", "t=1000", "t=soon,v1=00", "t=1000,v1=zz", "garbage"] {
            assert_eq!(verify_signature(bad, b"{}", &tokens, 1_000, 300), Err(SignatureError::Malformed), "{bad}");
        }
    }

    #[test]
    fn tokens_match_exactly_and_an_empty_one_never_does() {
        let owned = secrets(&["", "abc"]);
        let tokens: Vec<&SecretString> = owned.iter().collect();
        assert!(token_matches("abc", &tokens));
        assert!(!token_matches("", &tokens));
        assert!(!token_matches("ab", &tokens) && !token_matches("abcd", &tokens));
    }
}
