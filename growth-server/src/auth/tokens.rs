//! Access tokens (JWT) and refresh tokens.

use chrono::{DateTime, Utc};
use growth_core::Error;
use growth_core::domain::{Role, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::AuthSettings;

/// What an access token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user.
    pub sub: UserId,
    /// Their email.
    pub email: String,
    /// Their role when the token was issued.
    pub role: Role,
    /// Issuer.
    pub iss: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Issued at, in milliseconds: what a revocation is compared with (a token issued in the
    /// same second as a revocation, but after it, still works). Absent: `iat` at the second.
    #[serde(default)]
    pub iat_ms: Option<i64>,
    /// Expires at (seconds).
    pub exp: i64,
}

/// The signing keys and token lifetimes.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Access token lifetime.
    pub access_ttl: chrono::Duration,
    /// Refresh token lifetime.
    pub refresh_ttl: chrono::Duration,
    /// Absolute lifetime of a sign-in (a refresh-token family), whatever its rotations.
    pub session_max: chrono::Duration,
    issuer: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("issuer", &self.issuer).field("access_ttl", &self.access_ttl).finish_non_exhaustive()
    }
}

impl AccessClaims {
    /// When the token was issued, as precisely as it says.
    pub fn issued_at(&self) -> DateTime<Utc> {
        let ms = self.iat_ms.unwrap_or_else(|| self.iat.saturating_mul(1000));
        DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

impl Keys {
    /// Keys from the settings; a random key when none is configured (`growth serve` warns then).
    pub fn from_settings(s: &AuthSettings) -> Self {
        let secret: Vec<u8> = match &s.jwt_secret {
            Some(k) => k.expose_secret().as_bytes().to_vec(),
            None => random_bytes(),
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&s.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            access_ttl: chrono::Duration::seconds(i64::try_from(s.access_ttl_secs).unwrap_or(900)),
            refresh_ttl: chrono::Duration::seconds(i64::try_from(s.refresh_ttl_secs).unwrap_or(2_592_000)),
            session_max: chrono::Duration::seconds(i64::try_from(s.session_max_secs).unwrap_or(7_776_000)),
            issuer: s.issuer.clone(),
        }
    }

    /// Signs an access token for a user.
    pub fn issue(&self, user: UserId, email: &str, role: Role, now: DateTime<Utc>) -> Result<String, Error> {
        let claims = AccessClaims {
            sub: user,
            email: email.to_owned(),
            role,
            iss: self.issuer.clone(),
            iat: now.timestamp(),
            iat_ms: Some(now.timestamp_millis()),
            exp: (now + self.access_ttl).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::internal("signing an access token failed", e))
    }

    /// Verifies an access token (signature, algorithm, issuer, expiry).
    pub fn verify(&self, token: &str) -> Result<AccessClaims, Error> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation).map(|d| d.claims).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => Error::Unauthenticated("the access token has expired; refresh it".into()),
            _ => Error::Unauthenticated("the access token is not valid".into()),
        })
    }
}

fn random_bytes() -> Vec<u8> {
    // Two v4 UUIDs: 244 bits from the operating system's generator.
    let mut out = uuid::Uuid::new_v4().as_bytes().to_vec();
    out.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    out
}

/// A new refresh token (hex of 244 random bits) for the client.
pub fn new_refresh_token() -> String {
    hex::encode(random_bytes())
}

/// What is stored for a refresh token: its SHA-256, hex.
pub fn refresh_token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What is stored for an invite token: SHA-256 of a domain prefix and the token, hex. The prefix
/// keeps invite and refresh tokens apart although they share a table: neither hash matches the other.
pub fn invite_token_hash(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"growth-invite\0");
    h.update(token.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> Keys {
        Keys::from_settings(&AuthSettings { jwt_secret: Some(secret.into()), ..AuthSettings::default() })
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let id = UserId::new();
        let t = k.issue(id, "wes@x.co", Role::Approver, Utc::now()).unwrap();
        let c = k.verify(&t).unwrap();
        assert_eq!((c.sub, c.email.as_str(), c.role), (id, "wes@x.co", Role::Approver));
    }

    #[test]
    fn tokens_signed_with_another_key_expired_or_unsigned_are_refused() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let other = keys("ffffffffffffffffffffffffffffffff");
        let t = other.issue(UserId::new(), "a@b.co", Role::Admin, Utc::now()).unwrap();
        assert!(k.verify(&t).is_err());
        let old = k.issue(UserId::new(), "a@b.co", Role::Admin, Utc::now() - chrono::Duration::hours(2)).unwrap();
        assert!(k.verify(&old).unwrap_err().to_string().contains("expired"));
        // alg "none" with the same claims must never pass.
        let parts: Vec<&str> = t.split('.').collect();
        let none = format!("{}.{}.", base64_url(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
        assert!(k.verify(&none).is_err());
    }

    fn base64_url(b: &[u8]) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in b.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &x)| acc | (u32::from(x) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_only_as_hashes() {
        let a = new_refresh_token();
        assert_ne!(a, new_refresh_token());
        assert_eq!(a.len(), 64);
        assert_ne!(refresh_token_hash(&a), a);
        assert_eq!(refresh_token_hash(&a), refresh_token_hash(&a));
        assert_ne!(invite_token_hash(&a), refresh_token_hash(&a), "an invite token is never a refresh token");
    }
}
