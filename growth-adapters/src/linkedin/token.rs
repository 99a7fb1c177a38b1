//! The member's OAuth tokens: refreshed before they expire, kept in memory, handed to whoever
//! persists them.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use growth_core::Error;
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::config::LinkedInConfig;
use super::models::TokenResponse;
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header};

/// The member's current tokens, as the publisher holds them. `Debug` hides the secrets.
#[derive(Clone, Debug)]
pub struct LinkedInToken {
    /// The access token.
    pub access_token: SecretString,
    /// When it expires, when known.
    pub expires_at: Option<DateTime<Utc>>,
    /// The refresh token, when there is one (never replaced by an empty one).
    pub refresh_token: Option<SecretString>,
    /// When the refresh token expires, when known.
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
}

/// Called with the new tokens after every successful refresh, so the caller can persist them
/// (the library holds them only in memory). It runs inside the publishing call: keep it short
/// (send the tokens to a channel, spawn a task).
pub type TokenListener = Arc<dyn Fn(&LinkedInToken) + Send + Sync>;

/// Token state shared by every clone of a publisher.
pub(super) struct Tokens {
    current: RwLock<LinkedInToken>,
    /// One refresh at a time: a second caller waits and then uses the first one's result.
    refreshing: tokio::sync::Mutex<()>,
    listener: RwLock<Option<TokenListener>>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    token_url: String,
    margin: Duration,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens").field("current", &self.current()).field("token_url", &self.token_url).finish_non_exhaustive()
    }
}

impl Tokens {
    pub(super) fn new(config: &LinkedInConfig) -> Self {
        Self {
            current: RwLock::new(LinkedInToken {
                access_token: config.access_token.clone(),
                expires_at: config.expires_at,
                refresh_token: config.refresh_token.clone().filter(|t| !t.expose_secret().is_empty()),
                refresh_token_expires_at: config.refresh_token_expires_at,
            }),
            refreshing: tokio::sync::Mutex::new(()),
            listener: RwLock::new(None),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            token_url: config.token_url.clone(),
            margin: config.refresh_margin,
        }
    }

    pub(super) fn current(&self) -> LinkedInToken {
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub(super) fn set_listener(&self, listener: TokenListener) {
        *self.listener.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(listener);
    }

    /// The `Authorization` header to use now, refreshing the access token first when it expires
    /// within the margin and a refresh token exists.
    ///
    /// # Errors
    /// `Unauthenticated` ("LinkedIn needs reconnecting") when the token has expired and cannot be
    /// refreshed, or LinkedIn refused the refresh; `Transient`/`RateLimited` when the token
    /// endpoint failed and the current token has expired (a still-valid token is used instead).
    pub(super) async fn bearer(&self, http: &HttpClient) -> Result<HeaderValue, Error> {
        let token = self.current();
        if !self.needs_refresh(&token, Utc::now()) {
            return auth_header(AuthScheme::Bearer, &token.access_token);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        let token = self.current();
        let now = Utc::now();
        if !self.needs_refresh(&token, now) {
            return auth_header(AuthScheme::Bearer, &token.access_token);
        }
        let expired = token.expires_at.is_some_and(|at| at <= now);
        let refresh = match (&token.refresh_token, &self.client_id, &self.client_secret) {
            (Some(r), Some(id), Some(secret)) if token.refresh_token_expires_at.is_none_or(|at| at > now) => Some((r, id, secret)),
            _ => None,
        };
        let Some((refresh_token, client_id, client_secret)) = refresh else {
            if expired {
                return Err(Error::Unauthenticated(format!(
                    "LinkedIn needs reconnecting: the access token expired {} and {}",
                    token.expires_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    self.why_no_refresh(&token, now)
                )));
            }
            return auth_header(AuthScheme::Bearer, &token.access_token);
        };
        match self.refresh(http, refresh_token, client_id, client_secret).await {
            Ok(new) => {
                let header = auth_header(AuthScheme::Bearer, &new.access_token)?;
                *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = new.clone();
                let listener = self.listener.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
                if let Some(listener) = listener {
                    listener(&new);
                }
                tracing::info!(expires_at = ?new.expires_at, "linkedin access token refreshed");
                Ok(header)
            }
            // A refused refresh is final; any other failure leaves a still-valid token usable.
            Err(e @ Error::Unauthenticated(_)) => Err(e),
            Err(e) if expired => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "linkedin token refresh failed; the current token is still valid and is used");
                auth_header(AuthScheme::Bearer, &token.access_token)
            }
        }
    }

    fn needs_refresh(&self, token: &LinkedInToken, now: DateTime<Utc>) -> bool {
        let margin = chrono::Duration::from_std(self.margin).unwrap_or(chrono::Duration::MAX);
        token.expires_at.is_some_and(|at| at.signed_duration_since(now) <= margin)
    }

    fn why_no_refresh(&self, token: &LinkedInToken, now: DateTime<Utc>) -> &'static str {
        if token.refresh_token.is_none() {
            "there is no refresh token"
        } else if token.refresh_token_expires_at.is_some_and(|at| at <= now) {
            "the refresh token has expired too"
        } else {
            "`client_id`/`client_secret` are not configured, so it cannot be refreshed"
        }
    }

    /// `POST {token_url}` with `grant_type=refresh_token`. Retried like a read: LinkedIn's
    /// refresh tokens are not rotated, so a repeated refresh only issues another access token.
    async fn refresh(
        &self,
        http: &HttpClient,
        refresh_token: &SecretString,
        client_id: &str,
        client_secret: &SecretString,
    ) -> Result<LinkedInToken, Error> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", client_id),
            ("client_secret", client_secret.expose_secret()),
        ];
        let req = http.request(Method::POST, &self.token_url).header(ACCEPT, "application/json").form(&form);
        let resp: TokenResponse = http.send(req, Idempotency::Idempotent).await?.json("linkedin")?;
        if resp.access_token.is_empty() {
            return Err(Error::transient("linkedin: the token endpoint answered without an access token"));
        }
        let now = Utc::now();
        let old = self.current();
        let new_refresh = resp.refresh_token.filter(|t| !t.is_empty()).map(SecretString::from);
        Ok(LinkedInToken {
            access_token: SecretString::from(resp.access_token),
            expires_at: Some(now + chrono::Duration::seconds(resp.expires_in.max(0))),
            refresh_token_expires_at: resp
                .refresh_token_expires_in
                .map(|s| now + chrono::Duration::seconds(s.max(0)))
                .or(old.refresh_token_expires_at),
            refresh_token: new_refresh.or(old.refresh_token),
        })
    }
}
