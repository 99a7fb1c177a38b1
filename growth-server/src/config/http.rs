//! `[http]`: limits, CORS and rate limits of the HTTP server.

use serde::Deserialize;

/// HTTP server limits.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Largest request body accepted (413 beyond).
    pub body_limit_bytes: usize,
    /// Longest a request may take (408 beyond).
    pub request_timeout_secs: u64,
    /// Largest multipart upload `POST /sources` accepts (audio can be large; 413 beyond). A JSON
    /// `POST /sources` (pasted text) gets `body_limit_bytes`.
    pub upload_limit_bytes: usize,
    /// Browser origins allowed by CORS (`https://app.example.com`); empty sends no CORS headers.
    /// `"*"` allows any origin, and is never combined with credentials.
    pub cors_origins: Vec<String>,
    /// Requests per minute one peer IP may make to the unauthenticated routes (`/auth/*`,
    /// `/webhooks/*`); `0` turns the limit off.
    pub rate_limit_per_ip: u32,
    /// How many of those may come at once (`0`: the whole minute's allowance).
    pub rate_limit_per_ip_burst: u32,
    /// Requests per minute one user (the bearer token's subject, else the peer IP) may make to
    /// every other route except `/health`, `/ready`, `/metrics` and the API docs; `0` turns it off.
    pub rate_limit_per_user: u32,
    /// How many of those may come at once (`0`: the whole minute's allowance).
    pub rate_limit_per_user_burst: u32,
    /// Proxies (CIDRs such as `10.0.0.0/8`, or single addresses) whose `X-Forwarded-For` is
    /// believed: the client is the right-most address not in this list. Empty: the TCP peer is
    /// the client and `X-Forwarded-For` is ignored.
    pub trusted_proxies: Vec<String>,
    /// After SIGTERM or Ctrl-C, how long requests and jobs in flight may take before the process
    /// stops them and exits.
    pub shutdown_grace_secs: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 2 * 1024 * 1024,
            request_timeout_secs: 30,
            upload_limit_bytes: 256 * 1024 * 1024,
            cors_origins: Vec::new(),
            rate_limit_per_ip: 120,
            rate_limit_per_ip_burst: 30,
            rate_limit_per_user: 600,
            rate_limit_per_user_burst: 100,
            trusted_proxies: Vec::new(),
            shutdown_grace_secs: 10,
        }
    }
}
