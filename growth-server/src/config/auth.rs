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
    /// Absolute lifetime of a sign-in: its refresh tokens stop working this long after it,
    /// however often they were rotated (then the user signs in again).
    pub session_max_secs: u64,
    /// `iss` of the tokens this server issues and accepts.
    pub issuer: String,
    /// Lifetime of an invite token (`POST /users/invite`); it works once.
    pub invite_ttl_secs: u64,
    /// Emails that become admins on their first Google sign-in (compared case-insensitively); the
    /// ID token's `hd` (Google Workspace domain) must be one of `auth.google.allowed_domains`.
    pub admin_emails: Vec<String>,
    /// Failed sign-ins allowed per email before the back-off starts.
    pub login_free_attempts: u32,
    /// The first back-off after the free attempts; it doubles with every further failure.
    pub login_backoff_secs: u64,
    /// The longest back-off.
    pub login_backoff_max_secs: u64,
    /// Password hashes (argon2id, ~19 MiB and tens of ms of CPU each) computed at once; more
    /// sign-ins wait their turn (503 after 10 s of waiting).
    pub password_hash_concurrency: usize,
    /// Google sign-in; unset: `provider: google` answers 501.
    pub google: Option<GoogleSettings>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            session_max_secs: 90 * 24 * 3600,
            issuer: "growth".into(),
            invite_ttl_secs: 7 * 24 * 3600,
            admin_emails: Vec::new(),
            login_free_attempts: 5,
            login_backoff_secs: 1,
            login_backoff_max_secs: 15 * 60,
            password_hash_concurrency: 4,
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
    /// Google Workspace domains whose users may sign up without an invite (as viewers), and from
    /// which `auth.admin_emails` are bootstrapped: the ID token's `hd` claim must be one of them
    /// (compared case-insensitively). The email's own domain does not count: anyone can make a
    /// Google account for any address.
    pub allowed_domains: Vec<String>,
}

impl Default for GoogleSettings {
    fn default() -> Self {
        Self { client_ids: Vec::new(), jwks_url: GOOGLE_JWKS_URL.into(), allowed_domains: Vec::new() }
    }
}

/// Google's published ID-token signing keys.
pub const GOOGLE_JWKS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";
