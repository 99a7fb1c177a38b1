//! `[auth]`: sign-in and sessions, with `[auth.google]`.

use serde::Deserialize;

/// Sign-in and sessions.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HMAC key for access tokens (≥ 32 bytes). When unset, a random key is made at start-up and
    /// sessions do not survive a restart (fine on a laptop, wrong in production: a warning says so).
    pub jwt_secret: Option<secrecy::SecretString>,
    /// Lifetime of an access token.
    pub access_ttl_secs: u64,
    /// Lifetime of a refresh token (each use rotates it).
    pub refresh_ttl_secs: u64,
    /// `iss` of the tokens this server issues and accepts.
    pub issuer: String,
    /// Lifetime of an invite token (`POST /users/invite`); it works once.
    pub invite_ttl_secs: u64,
    /// Emails that become admins on their first Google sign-in (compared case-insensitively).
    pub admin_emails: Vec<String>,
    /// Google sign-in; unset: `provider: google` answers 501.
    pub google: Option<GoogleSettings>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            issuer: "growth".into(),
            invite_ttl_secs: 7 * 24 * 3600,
            admin_emails: Vec::new(),
            google: None,
        }
    }
}

/// Google sign-in (`[auth.google]`): ID tokens are RS256 JWTs checked against Google's published keys.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleSettings {
    /// OAuth client ids whose ID tokens are accepted (the token's `aud`). At least one.
    pub client_ids: Vec<String>,
    /// Where Google's signing keys (a JWKS) are published.
    pub jwks_url: String,
    /// Domains whose users may sign in without an invite (as viewers): the email's domain or the
    /// token's `hd` (Workspace domain), compared case-insensitively.
    pub allowed_domains: Vec<String>,
}

impl Default for GoogleSettings {
    fn default() -> Self {
        Self { client_ids: Vec::new(), jwks_url: GOOGLE_JWKS_URL.into(), allowed_domains: Vec::new() }
    }
}

/// Google's published ID-token signing keys.
pub const GOOGLE_JWKS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";
