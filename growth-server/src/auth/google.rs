//! Google sign-in: verifying a Google ID token (an RS256 JWT) against Google's published keys.
//!
//! The keys (a JWKS) are fetched from `auth.google.jwks_url` and kept for as long as the answer's
//! `Cache-Control: max-age` allows. A token naming a key id we do not hold makes us fetch the set
//! again (Google rotates keys), but at most once per [`UNKNOWN_KID_REFETCH_INTERVAL`], so a stream
//! of forged key ids cannot turn this server into a hammer on Google.
//!
//! What a token must satisfy: algorithm RS256 (pinned: `none` and HMAC are refused before any key
//! is looked at), a signature by one of the published keys, issuer `accounts.google.com` or
//! `https://accounts.google.com`, an audience among the configured client ids, not expired (with
//! [`LEEWAY_SECS`] of clock skew), and `email_verified` true. Tokens are never logged.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use growth_core::Error;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::GoogleSettings;

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: u64 = 30;

/// Least time between two fetches caused by an unknown key id.
pub const UNKNOWN_KID_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// How long keys are kept when Google's answer has no usable `max-age`.
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

/// Longest we keep keys, whatever `max-age` says.
const MAX_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// The issuers Google uses.
const ISSUERS: [&str; 2] = ["accounts.google.com", "https://accounts.google.com"];

/// Who a verified Google ID token says the caller is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoogleIdentity {
    /// Google's stable account id (`sub`).
    pub subject: String,
    /// The verified email, lower-cased.
    pub email: String,
    /// The Google Workspace domain (`hd`), lower-cased, when the account belongs to one.
    pub hosted_domain: Option<String>,
    /// The display name, when the token carries one.
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GoogleClaims {
    sub: String,
    email: Option<String>,
    /// A boolean, though older tokens carried the string `"true"`.
    email_verified: Option<serde_json::Value>,
    hd: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JwkSet {
    keys: Vec<RawJwk>,
}

#[derive(Debug, Deserialize)]
struct RawJwk {
    kid: Option<String>,
    kty: String,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    /// When the keys go stale (none: never fetched).
    fresh_until: Option<Instant>,
    /// The last fetch caused by an unknown key id.
    last_kid_refetch: Option<Instant>,
}

/// Verifies Google ID tokens; holds the cached keys. One per server, shared.
pub struct GoogleVerifier {
    http: reqwest::Client,
    jwks_url: String,
    validation: Validation,
    cache: tokio::sync::Mutex<KeyCache>,
}

impl std::fmt::Debug for GoogleVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleVerifier").field("jwks_url", &self.jwks_url).finish_non_exhaustive()
    }
}

fn invalid(why: &str) -> Error {
    Error::Unauthenticated(format!("the Google ID token is not valid: {why}"))
}

impl GoogleVerifier {
    /// A verifier for the configured client ids and key URL.
    pub fn new(settings: &GoogleSettings) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| Error::internal("building the HTTP client for Google's keys failed", e))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = vec![Algorithm::RS256];
        let audiences: Vec<&str> = settings.client_ids.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
        if audiences.is_empty() {
            return Err(Error::Config("[auth.google] needs at least one client id".into()));
        }
        validation.set_audience(&audiences);
        validation.set_issuer(&ISSUERS);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        Ok(Self { http, jwks_url: settings.jwks_url.clone(), validation, cache: tokio::sync::Mutex::new(KeyCache::default()) })
    }

    /// Checks `token` and says whose it is. A bad token is `Unauthenticated` (401) with the reason;
    /// Google's keys being unreachable is `Transient` (503).
    pub async fn verify(&self, token: &str) -> Result<GoogleIdentity, Error> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("it is not a JWT signed with RS256"))?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid("it must be signed with RS256"));
        }
        let kid = header.kid.ok_or_else(|| invalid("it names no signing key (kid)"))?;
        let key = self.key(&kid).await?;
        let data = jsonwebtoken::decode::<GoogleClaims>(token, &key, &self.validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => invalid("it has expired"),
            ErrorKind::ImmatureSignature => invalid("it is not valid yet"),
            ErrorKind::InvalidAudience => invalid("it was issued for another client"),
            ErrorKind::InvalidIssuer => invalid("it was not issued by Google"),
            ErrorKind::InvalidSignature => invalid("its signature does not match Google's key"),
            ErrorKind::InvalidAlgorithm => invalid("it must be signed with RS256"),
            ErrorKind::MissingRequiredClaim(c) => invalid(&format!("it has no `{c}` claim")),
            _ => invalid("it could not be decoded"),
        })?;
        let c = data.claims;
        let verified = match &c.email_verified {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        let email = c.email.map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()).ok_or_else(|| invalid("it carries no email"))?;
        if !verified {
            return Err(Error::Unauthenticated("Google has not verified this account's email address".into()));
        }
        Ok(GoogleIdentity {
            subject: c.sub,
            email,
            hosted_domain: c.hd.map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty()),
            name: c.name.filter(|n| !n.trim().is_empty()),
        })
    }

    /// The key `kid`, from the cache while it is fresh; fetches when stale, and once per
    /// [`UNKNOWN_KID_REFETCH_INTERVAL`] when the key id is unknown.
    async fn key(&self, kid: &str) -> Result<DecodingKey, Error> {
        // One lock for the whole lookup: concurrent sign-ins wait for one fetch instead of each making one.
        let mut cache = self.cache.lock().await;
        let now = Instant::now();
        let fresh = cache.fresh_until.is_some_and(|t| now < t);
        if !fresh {
            match self.fetch().await {
                Ok((keys, max_age)) => {
                    cache.keys = keys;
                    cache.fresh_until = Some(now + max_age);
                }
                // Stale keys beat no keys while Google is unreachable.
                Err(e) if cache.keys.contains_key(kid) => {
                    tracing::warn!(error = %e, "refreshing Google's keys failed; using the cached ones")
                }
                Err(e) => return Err(e),
            }
        } else if !cache.keys.contains_key(kid)
            && cache.last_kid_refetch.is_none_or(|t| now.duration_since(t) >= UNKNOWN_KID_REFETCH_INTERVAL)
        {
            cache.last_kid_refetch = Some(now);
            let (keys, max_age) = self.fetch().await?;
            cache.keys = keys;
            cache.fresh_until = Some(now + max_age);
        }
        cache.keys.get(kid).cloned().ok_or_else(|| invalid("it names a signing key Google does not publish"))
    }

    async fn fetch(&self) -> Result<(HashMap<String, DecodingKey>, Duration), Error> {
        let unreachable = |why: String| Error::transient(format!("Google's signing keys could not be fetched: {why}"));
        let resp = self.http.get(&self.jwks_url).send().await.map_err(|e| unreachable(e.without_url().to_string()))?;
        if !resp.status().is_success() {
            return Err(unreachable(format!("HTTP {}", resp.status())));
        }
        let max_age = resp.headers().get(reqwest::header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).and_then(max_age);
        let set: JwkSet = resp.json().await.map_err(|e| unreachable(format!("the answer is not a JWKS ({})", e.without_url())))?;
        let mut keys = HashMap::new();
        for k in set.keys {
            let (Some(kid), Some(n), Some(e)) = (k.kid, k.n, k.e) else { continue };
            // Only RSA keys meant for RS256: an `oct` key here must never become an HMAC secret.
            if k.kty != "RSA" || k.alg.as_deref().is_some_and(|a| a != "RS256") {
                continue;
            }
            match DecodingKey::from_rsa_components(&n, &e) {
                Ok(key) => {
                    keys.insert(kid, key);
                }
                Err(_) => tracing::warn!(%kid, "skipping a malformed key in Google's JWKS"),
            }
        }
        tracing::debug!(keys = keys.len(), "fetched Google's signing keys");
        Ok((keys, max_age.unwrap_or(DEFAULT_MAX_AGE).min(MAX_MAX_AGE)))
    }
}

/// `max-age` of a `Cache-Control` value (`no-store`/`no-cache` mean zero).
fn max_age(cache_control: &str) -> Option<Duration> {
    let mut age = None;
    for d in cache_control.split(',').map(str::trim) {
        let lower = d.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(v) = lower.strip_prefix("max-age=") {
            age = v.trim_matches('"').parse::<u64>().ok().map(Duration::from_secs);
        }
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(max_age("public, max-age=19845, must-revalidate, no-transform"), Some(Duration::from_secs(19845)));
        assert_eq!(max_age("Max-Age=\"60\""), Some(Duration::from_secs(60)));
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }

    #[test]
    fn a_verifier_needs_a_client_id() {
        let s = GoogleSettings { client_ids: vec![" ".into()], ..GoogleSettings::default() };
        assert!(GoogleVerifier::new(&s).is_err());
    }

    #[tokio::test]
    async fn tokens_that_are_not_rs256_are_refused_before_any_key_is_fetched() {
        // The URL is unroutable: reaching it would fail the test with a 503 instead of a 401.
        let s = GoogleSettings { client_ids: vec!["c".into()], jwks_url: "http://127.0.0.1:9/certs".into(), ..GoogleSettings::default() };
        let v = GoogleVerifier::new(&s).unwrap();
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &serde_json::json!({"sub": "1"}),
            &jsonwebtoken::EncodingKey::from_secret(b"k"),
        )
        .unwrap();
        assert!(matches!(v.verify(&hs).await, Err(Error::Unauthenticated(_))));
        assert!(matches!(v.verify("eyJhbGciOiJub25lIn0.e30.").await, Err(Error::Unauthenticated(_))));
        assert!(matches!(v.verify("garbage").await, Err(Error::Unauthenticated(_))));
    }
}
