//! Inbound rate limits (governor's keyed GCRA limiters, in memory per process).
//!
//! * `/auth/*` and `/webhooks/*` — reachable without a token — are limited per client address
//!   (`http.rate_limit_per_ip`).
//! * Every other route is limited per user: the verified bearer token's subject, else the client
//!   address (`http.rate_limit_per_user`).
//! * `/health`, `/ready`, `/metrics`, `/openapi.json`, `/docs` and the console's assets are never limited;
//!   the console's `/login` and `/logout` are limited per client address like `/auth/*`.
//!
//! The client address is the TCP peer (`ConnectInfo`), or behind a proxy listed in
//! `http.trusted_proxies` the address that proxy saw ([`super::client_ip`]). A bearer token is
//! verified once, here: its claims travel on in the request's extensions ([`VerifiedClaims`]) and
//! the [`AuthUser`](crate::auth::AuthUser) extractor takes them from there. A refused request gets
//! a 429 problem with `Retry-After` (whole seconds, at least 1).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::client_ip::TrustedProxies;
use crate::auth::{AccessClaims, Keys};
use crate::config::HttpSettings;
use crate::error::ApiError;

type Limiter = DefaultKeyedRateLimiter<String>;

/// The claims of a bearer token this request carried, already verified (signature, issuer,
/// expiry) by the rate limiter; the user behind them is still to be checked.
#[derive(Clone, Debug)]
pub struct VerifiedClaims(pub AccessClaims);

/// The limiters of one application, shared by every request.
#[derive(Clone)]
pub struct RateLimits {
    per_ip: Option<Arc<Limiter>>,
    per_user: Option<Arc<Limiter>>,
    keys: Arc<Keys>,
    proxies: TrustedProxies,
    checks: Arc<AtomicU64>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").field("per_ip", &self.per_ip.is_some()).field("per_user", &self.per_user.is_some()).finish()
    }
}

fn limiter(per_minute: u32, burst: u32) -> Option<Arc<Limiter>> {
    let rate = NonZeroU32::new(per_minute)?;
    let burst = NonZeroU32::new(burst).unwrap_or(rate);
    Some(Arc::new(RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))))
}

impl RateLimits {
    /// The limits `http` configures; `keys` verify bearer tokens to find the user.
    pub fn new(http: &HttpSettings, keys: Arc<Keys>) -> Self {
        Self {
            per_ip: limiter(http.rate_limit_per_ip, http.rate_limit_per_ip_burst),
            per_user: limiter(http.rate_limit_per_user, http.rate_limit_per_user_burst),
            keys,
            proxies: TrustedProxies::new(&http.trusted_proxies),
            checks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Whether both limits are off.
    pub fn is_off(&self) -> bool {
        self.per_ip.is_none() && self.per_user.is_none()
    }
}

enum Scope {
    Exempt,
    Address,
    User,
}

fn scope(path: &str) -> Scope {
    match path {
        "/health" | "/ready" | "/metrics" | "/openapi.json" | "/docs" => Scope::Exempt,
        p if p.starts_with("/docs/") || p.starts_with("/ui/assets/") => Scope::Exempt,
        "/login" | "/logout" => Scope::Address,
        p if p.starts_with("/auth/") || p.starts_with("/webhooks/") => Scope::Address,
        _ => Scope::User,
    }
}

/// Middleware: answers 429 when the caller's limiter has no room.
pub async fn limit(State(limits): State<RateLimits>, mut req: Request, next: Next) -> Response {
    let ip = limits.proxies.client_of(&req).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let (limiter, key, what) = match scope(req.uri().path()) {
        Scope::Exempt => return next.run(req).await,
        Scope::Address => (limits.per_ip.as_ref(), format!("ip:{ip}"), "address"),
        Scope::User => {
            let claims = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
                .and_then(|t| limits.keys.verify(t.trim()).ok());
            match claims {
                Some(claims) => {
                    let key = format!("user:{}", claims.sub);
                    req.extensions_mut().insert(VerifiedClaims(claims));
                    (limits.per_user.as_ref(), key, "user")
                }
                None => (limits.per_user.as_ref(), format!("ip:{ip}"), "address"),
            }
        }
    };
    let Some(limiter) = limiter else { return next.run(req).await };
    // Forget idle keys now and then so the maps stay small.
    if limits.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
        for l in [&limits.per_ip, &limits.per_user].into_iter().flatten() {
            l.retain_recent();
        }
    }
    match limiter.check_key(&key) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            tracing::info!(scope = what, retry_after_secs = secs, "request refused: rate limit");
            ApiError::too_many_requests(format!("too many requests from this {what}; retry in {secs} s"), secs).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_and_docs_are_exempt_and_unauthenticated_routes_are_per_address() {
        assert!(matches!(scope("/health"), Scope::Exempt));
        assert!(matches!(scope("/docs/index.html"), Scope::Exempt));
        assert!(matches!(scope("/auth/login"), Scope::Address));
        // The console's sign-in form like the API's; its embedded assets are never limited.
        assert!(matches!(scope("/login"), Scope::Address));
        assert!(matches!(scope("/ui/assets/console.css"), Scope::Exempt));
        assert!(matches!(scope("/webhooks/grain/x"), Scope::Address));
        assert!(matches!(scope("/content/pending"), Scope::User));
    }

    #[test]
    fn zero_turns_a_limit_off() {
        assert!(limiter(0, 10).is_none());
        assert!(limiter(60, 0).is_some());
    }
}
