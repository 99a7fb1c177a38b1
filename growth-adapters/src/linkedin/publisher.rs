//! [`LinkedInPublisher`]: the `Publisher` implementation.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use growth_core::domain::Platform;
use growth_core::measure::CallBudget;
use growth_core::publish::{Publication, PublishRequest, Publisher, PublisherCapabilities};
use growth_core::{Error, Result};
use serde_json::json;

use super::client::Client;
use super::config::{LinkedInConfig, Visibility};
use super::error::PLATFORM;
use super::metrics::LinkedInMetrics;
use super::models::{CreatePost, Distribution, Post};
use super::text::{escape_commentary, plain_text};
use super::token::{LinkedInToken, TokenListener, Tokens};
use crate::http::response_log;

/// LinkedIn's limit on a post's text, in characters.
const MAX_COMMENTARY_CHARS: usize = 3000;
/// Allowance for clocks (ours, LinkedIn's) when comparing a post's time with our attempt's.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);
/// The most pages of the author's posts `reconcile` reads back to the attempt (100 posts a page
/// at most): past them the answer is `OutcomeUnknown`, for a person.
const MAX_RECONCILE_PAGES: u32 = 20;

/// Publishes text posts to LinkedIn as a member or an organization (Posts API).
///
/// Clones share the tokens, so a refresh by one is seen by all.
#[derive(Clone, Debug)]
pub struct LinkedInPublisher {
    client: Client,
    tokens: Arc<Tokens>,
    author: Option<String>,
    visibility: Visibility,
    hashtags: bool,
    reconcile_count: u32,
}

impl LinkedInPublisher {
    /// A publisher with `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when `api_version` is not a `YYYYMM` version, `author` is not a member
    /// or organization URN, or the HTTP client cannot be built.
    pub fn new(config: LinkedInConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            client: Client::new(&config)?,
            tokens: Arc::new(Tokens::new(&config)),
            author: config.author,
            visibility: config.visibility,
            hashtags: config.hashtags,
            reconcile_count: config.reconcile_count,
        })
    }

    /// A metrics source for this account's posts that shares this publisher's tokens (a refresh
    /// by either is seen by both) and HTTP settings, taking its calls from `budget`.
    pub fn metrics(&self, budget: Arc<dyn CallBudget>) -> LinkedInMetrics {
        LinkedInMetrics::from_parts(self.client.clone(), self.tokens.clone(), self.author.clone(), budget)
    }

    /// The tokens in use now (after any refresh), to persist.
    pub fn token(&self) -> LinkedInToken {
        self.tokens.current()
    }

    /// Calls `listener` with the new tokens after every refresh (store them; the library keeps
    /// them in memory only).
    pub fn on_token_refresh(&self, listener: TokenListener) {
        self.tokens.set_listener(listener);
    }

    fn author<'a>(&'a self, req: &'a PublishRequest) -> Result<&'a str> {
        if let Some(value) = req.platform_data.get("author") {
            let author = value.as_str().ok_or_else(|| Error::invalid_field("platform_data.author", "must be a URN string"))?;
            check_author(author).map_err(|m| Error::invalid_field("platform_data.author", m))?;
            return Ok(author);
        }
        self.author.as_deref().ok_or_else(|| {
            Error::Config("linkedin: no author to post as: set `author` in the LinkedIn settings or `platform_data.author`".into())
        })
    }

    fn commentary(&self, req: &PublishRequest) -> Result<String> {
        let text = req.content.trim();
        if text.is_empty() {
            return Err(Error::invalid_field("content", "nothing to publish"));
        }
        let chars = text.chars().count();
        if chars > MAX_COMMENTARY_CHARS {
            return Err(Error::invalid_field(
                "content",
                format!("a LinkedIn post holds at most {MAX_COMMENTARY_CHARS} characters, this one has {chars}"),
            ));
        }
        Ok(escape_commentary(text, self.hashtags))
    }
}

/// `Ok` when `author` is a member or organization URN, else what is wrong with it.
pub(super) fn check_author(author: &str) -> std::result::Result<(), String> {
    let id = author.strip_prefix("urn:li:person:").or_else(|| author.strip_prefix("urn:li:organization:"));
    match id {
        Some(id) if !id.is_empty() && !id.contains(char::is_whitespace) => Ok(()),
        _ => Err(format!("must be `urn:li:person:<id>` or `urn:li:organization:<id>`, not {author:?}")),
    }
}

/// Where a post can be seen.
fn post_url(urn: &str) -> String {
    format!("https://www.linkedin.com/feed/update/{urn}/")
}

fn millis_to_time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.and_then(DateTime::from_timestamp_millis)
}

#[async_trait]
impl Publisher for LinkedInPublisher {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }

    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }

    async fn publish(&self, req: &PublishRequest) -> Result<Publication> {
        let author = self.author(req)?;
        let commentary = self.commentary(req)?;
        let body = CreatePost {
            author,
            commentary: &commentary,
            visibility: self.visibility,
            distribution: Distribution::main_feed(),
            lifecycle_state: "PUBLISHED",
            is_reshare_disabled_by_author: false,
        };
        let auth = self.tokens.bearer(&self.client.token).await?;
        let (request, result) = self.client.create_post(auth, &body).await;
        let response = result?;
        let urn = response.headers.get("x-restli-id").and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
        let Some(urn) = urn else {
            return Err(Error::OutcomeUnknown(format!(
                "{PLATFORM}: LinkedIn accepted the post (HTTP {}) but sent no x-restli-id; reconcile to find it",
                response.status
            )));
        };
        tracing::info!(schedule_id = %req.schedule_id, urn, "linkedin post published");
        Ok(Publication {
            platform_post_id: urn.to_owned(),
            url: Some(post_url(urn)),
            published_at: Utc::now(),
            via: PLATFORM.to_owned(),
            log: json!({"request": request, "response": response_log(&response)}),
        })
    }

    /// Looks for the post among the author's posts by its text, most recently modified first,
    /// `reconcile_count` a page, paging back until a page reaches before the attempt's persisted
    /// time (`req.attempted_at`, minus clock skew) or the author's history ends. Not found there is
    /// a proven `None`; when the attempt time is unknown and the history is longer than what was
    /// read, or after `MAX_RECONCILE_PAGES` (20) pages, the answer is `OutcomeUnknown`, for a person.
    /// (The caller waits out LinkedIn's list lag — its settle window — before acting on `None`.)
    ///
    /// Reading a member's posts needs the restricted `r_member_social` scope (organizations:
    /// `r_organization_social`); without it LinkedIn answers 403, which is `PermissionDenied`.
    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        let author = self.author(req)?;
        let wanted = plain_text(&self.commentary(req)?);
        let since = req.attempted_at.map(|at| (at - CLOCK_SKEW).timestamp_millis());
        let count = self.reconcile_count.clamp(1, 100);
        let mut start = 0u32;
        let mut read = 0usize;
        for _ in 0..MAX_RECONCILE_PAGES {
            let auth = self.tokens.bearer(&self.client.token).await?;
            let (request, page) = self.client.posts_by_author(auth, author, start, count).await?;
            let ours = |p: &&Post| {
                plain_text(&p.commentary) == wanted
                    && p.lifecycle_state.as_deref() != Some("PUBLISH_FAILED")
                    && since.is_none_or(|s| p.created_at.or(p.published_at).is_none_or(|c| c >= s))
            };
            if let Some(post) = page.elements.iter().find(ours) {
                tracing::info!(schedule_id = %req.schedule_id, urn = %post.id, pages = start / count + 1, "linkedin post found by reconcile");
                return Ok(Some(Publication {
                    platform_post_id: post.id.clone(),
                    url: Some(post_url(&post.id)),
                    published_at: millis_to_time(post.published_at.or(post.created_at)).unwrap_or_else(Utc::now),
                    via: PLATFORM.to_owned(),
                    log: json!({"reconciled": true, "request": request, "response": {"post": post}}),
                }));
            }
            read += page.elements.len();
            let whole_history = page.elements.len() < count as usize;
            let oldest = page.elements.iter().filter_map(|p| p.last_modified_at.or(p.created_at)).min();
            let reaches_back = matches!((since, oldest), (Some(s), Some(o)) if o < s);
            if whole_history || reaches_back {
                return Ok(None);
            }
            if since.is_none() {
                break;
            }
            start += count;
        }
        Err(Error::OutcomeUnknown(format!(
            "{PLATFORM}: the author's {read} most recent posts do not include this one, but older posts were not read{}; check the \
             author's feed before resending",
            if since.is_none() { " and the time of the attempt is unknown" } else { "" }
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_member_and_organization_urns_are_authors() {
        assert!(check_author("urn:li:person:8675309").is_ok());
        assert!(check_author("urn:li:organization:5515715").is_ok());
        for bad in ["urn:li:person:", "urn:li:share:1", "8675309", "urn:li:person:a b"] {
            assert!(check_author(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_url_is_the_feed_update_of_the_urn() {
        assert_eq!(post_url("urn:li:share:7012345678901234567"), "https://www.linkedin.com/feed/update/urn:li:share:7012345678901234567/");
    }
}
