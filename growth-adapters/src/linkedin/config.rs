//! LinkedIn settings.

use std::time::Duration;

use chrono::{DateTime, Utc};
use growth_core::Error;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::http::{HttpConfig, millis};

/// Settings of [`LinkedInPublisher`](super::LinkedInPublisher). `Debug` hides every secret.
///
/// `api_version` has no default on purpose: LinkedIn retires each monthly version after about a
/// year and then answers `426`, so a version baked into the library would expire silently. Pin a
/// recent one (`"202601"` or later) in your settings and move it forward.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedInConfig {
    /// The member's OAuth access token (`w_member_social`, or `w_organization_social` to post as
    /// a page), sent as `Authorization: Bearer <token>`.
    pub access_token: SecretString,
    /// When the access token expires (LinkedIn issues 60-day tokens). Unknown when absent: the
    /// token is then used until LinkedIn refuses it.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// The refresh token (365 days, MDP partners only). With `client_id` and `client_secret` the
    /// access token is refreshed before it expires.
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// When the refresh token expires (refreshing does not extend it).
    #[serde(default)]
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// The app's client id, for refreshing.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The app's client secret, for refreshing.
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    /// `LinkedIn-Version` header, `YYYYMM` (e.g. `"202601"`). Required: see the type's docs.
    pub api_version: String,
    /// Who posts: `urn:li:person:{id}` or `urn:li:organization:{id}`. A request's
    /// `platform_data.author` wins over it.
    #[serde(default)]
    pub author: Option<String>,
    /// Who may see the posts.
    #[serde(default)]
    pub visibility: Visibility,
    /// Turn `#word` into LinkedIn hashtags (`{hashtag|\#|word}`); otherwise `#` is literal text.
    #[serde(default = "yes")]
    pub hashtags: bool,
    /// Refresh the access token this long before it expires, in ms as `refresh_margin_ms`.
    #[serde(default = "default_refresh_margin", rename = "refresh_margin_ms", with = "millis")]
    pub refresh_margin: Duration,
    /// Posts per page `reconcile` reads (at most 100); it pages back to the send's persisted time.
    #[serde(default = "default_reconcile_count")]
    pub reconcile_count: u32,
    /// API base URL.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// OAuth token endpoint.
    #[serde(default = "default_token_url")]
    pub token_url: String,
    /// Timeouts, retries, rate limit.
    #[serde(default)]
    pub http: HttpConfig,
}

impl LinkedInConfig {
    /// A configuration with an access token of unknown expiry, the `LinkedIn-Version` to send and
    /// defaults for the rest.
    pub fn new(access_token: SecretString, api_version: impl Into<String>) -> Self {
        Self {
            access_token,
            expires_at: None,
            refresh_token: None,
            refresh_token_expires_at: None,
            client_id: None,
            client_secret: None,
            api_version: api_version.into(),
            author: None,
            visibility: Visibility::default(),
            hashtags: true,
            refresh_margin: default_refresh_margin(),
            reconcile_count: default_reconcile_count(),
            base_url: default_base_url(),
            token_url: default_token_url(),
            http: HttpConfig::default(),
        }
    }

    /// Refuses settings LinkedIn would reject on every call.
    pub(super) fn validate(&self) -> Result<(), Error> {
        let v = self.api_version.trim();
        let (month, revision) = v.split_once('.').map_or((v, None), |(m, r)| (m, Some(r)));
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(month, 6) || revision.is_some_and(|r| !digits(r, 2)) {
            return Err(Error::Config(format!(
                "linkedin: `api_version` must be a LinkedIn-Version like \"202601\" (YYYYMM), not {:?}",
                self.api_version
            )));
        }
        if let Some(author) = &self.author {
            super::publisher::check_author(author).map_err(|m| Error::Config(format!("linkedin: `author` {m}")))?;
        }
        Ok(())
    }
}

/// `visibility` of a post.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Visibility {
    /// Anyone.
    #[default]
    Public,
    /// The author's connections (members only).
    Connections,
    /// Signed-in LinkedIn members.
    LoggedIn,
}

fn yes() -> bool {
    true
}

fn default_refresh_margin() -> Duration {
    Duration::from_secs(24 * 60 * 60)
}

fn default_reconcile_count() -> u32 {
    50
}

fn default_base_url() -> String {
    "https://api.linkedin.com".to_owned()
}

fn default_token_url() -> String {
    "https://www.linkedin.com/oauth/v2/accessToken".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secrets() {
        let mut c = LinkedInConfig::new(SecretString::from("AQV-access"), "202601");
        c.refresh_token = Some(SecretString::from("AQX-refresh"));
        c.client_secret = Some(SecretString::from("client-secret"));
        let shown = format!("{c:?}");
        for s in ["AQV-access", "AQX-refresh", "client-secret"] {
            assert!(!shown.contains(s), "{shown}");
        }
    }

    #[test]
    fn the_version_is_required_and_checked() {
        let missing = serde_json::from_value::<LinkedInConfig>(serde_json::json!({"access_token": "t"}));
        assert!(missing.unwrap_err().to_string().contains("api_version"));
        let c: LinkedInConfig = serde_json::from_value(serde_json::json!({"access_token": "t", "api_version": "202601"})).unwrap();
        assert!(c.validate().is_ok());
        assert_eq!(c.visibility, Visibility::Public);
        assert!(c.hashtags);
        for bad in ["2026-01", "20260101", "latest", ""] {
            let c = LinkedInConfig::new(SecretString::from("t"), bad);
            assert!(matches!(c.validate(), Err(Error::Config(m)) if m.contains("api_version")), "{bad}");
        }
        assert!(LinkedInConfig::new(SecretString::from("t"), "202601.01").validate().is_ok());
    }

    #[test]
    fn an_author_that_is_not_a_member_or_page_urn_is_refused() {
        let mut c = LinkedInConfig::new(SecretString::from("t"), "202601");
        c.author = Some("jane-doe".into());
        assert!(matches!(c.validate(), Err(Error::Config(m)) if m.contains("author")));
        c.author = Some("urn:li:organization:5515715".into());
        assert!(c.validate().is_ok());
    }
}
