//! LinkedIn Posts API: [`LinkedInPublisher`] implements `growth_core::publish::Publisher`;
//! [`LinkedInMetrics`] implements `growth_core::measure::MetricsSource` (member post analytics
//! and page share statistics, budgeted per day: see its module docs).
//!
//! - **Request**: `POST {base}/rest/posts` with `Authorization: Bearer <member token>`,
//!   `LinkedIn-Version` ([`LinkedInConfig::api_version`], required: versions are retired after
//!   about a year and LinkedIn then answers `426`, which becomes an `Error::Config` naming the
//!   setting), `X-Restli-Protocol-Version: 2.0.0`. The body is a text post by the configured
//!   author (`urn:li:person:…` or `urn:li:organization:…`; `platform_data.author` wins), to the
//!   main feed, `PUBLISHED`.
//! - **Text**: the `commentary` is LinkedIn's "little text" format, where an unescaped reserved
//!   character (`\ | { } @ [ ] ( ) < > # * _ ~`) silently cuts the post off. Every one is escaped
//!   ([`escape_commentary`]); `#word` becomes a real hashtag (`{hashtag|\#|word}`) unless
//!   [`LinkedInConfig::hashtags`] is off. Text over 3,000 characters is refused before sending.
//! - **Answer**: `201` with the post URN in `x-restli-id` → `platform_post_id`, URL
//!   `https://www.linkedin.com/feed/update/{urn}/`. 400/422 `InvalidInput` (a duplicate is a
//!   `Conflict`), 401 `Unauthenticated` ("LinkedIn needs reconnecting"), 403
//!   `PermissionDenied`, 429 `RateLimited` (LinkedIn's daily quotas reset at midnight UTC).
//! - **Exactly once**: posting has no idempotency key, so the post is sent once: it is retried
//!   only on connect errors (nothing reached LinkedIn). A timeout after sending, a lost connection
//!   or a 5xx (LinkedIn does not document those as side-effect free) is `Error::OutcomeUnknown`:
//!   call `reconcile`, which looks for the text among the author's recent posts
//!   (`GET /rest/posts?author=…&q=author&sortBy=LAST_MODIFIED`) and returns the post, `None`
//!   when that page provably covers the attempt, or `OutcomeUnknown` again when it cannot tell.
//! - **Tokens**: with `expires_at`, a `refresh_token` and the app's `client_id`/`client_secret`,
//!   the access token is refreshed ([`LinkedInConfig::refresh_margin`]) before it expires, at
//!   the OAuth endpoint, one refresh at a time. The new tokens live in memory;
//!   [`LinkedInPublisher::on_token_refresh`] and [`LinkedInPublisher::token`] hand them to the
//!   caller to persist. An expired token that cannot be refreshed, or a refused refresh, is
//!   `Unauthenticated` ("LinkedIn needs reconnecting"); a failing token endpoint (5xx, timeout)
//!   is `Transient` and never disconnects: while the old token is still valid it is used.
//! - **Secrets** are `SecretString`s, sent only in flagged-sensitive headers or the token form,
//!   never logged; `Publication::log` holds the redacted request and LinkedIn's answer.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use growth_adapters::linkedin::{LinkedInConfig, LinkedInPublisher};
//! use growth_core::domain::{ContentId, ContentType, ScheduleId};
//! use growth_core::publish::{PublishRequest, Publisher};
//! use growth_core::Error;
//! use secrecy::SecretString;
//!
//! # async fn run() -> growth_core::Result<()> {
//! let token = SecretString::from("AQV…"); // from your secret store, never from code
//! let mut config = LinkedInConfig::new(token, "202601");
//! config.author = Some("urn:li:person:8675309".into());
//! let linkedin = LinkedInPublisher::new(config)?;
//! linkedin.on_token_refresh(Arc::new(|t| {
//!     // persist t.access_token / t.expires_at / t.refresh_token
//!     let _ = t;
//! }));
//!
//! let req = PublishRequest {
//!     schedule_id: ScheduleId::new(),
//!     content_item_id: ContentId::new(),
//!     content_type: ContentType::LinkedinPost,
//!     title: None,
//!     content: "Three things we learned shipping v2 (and one we undid) #buildinpublic".into(),
//!     platform_data: serde_json::json!({}),
//!     attempted_at: None,
//! };
//! match linkedin.publish(&req).await {
//!     Ok(post) => println!("live at {:?}", post.url),
//!     // Maybe posted: look before resending.
//!     Err(Error::OutcomeUnknown(_)) => println!("{:?}", linkedin.reconcile(&req).await?),
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```

mod client;
mod config;
mod error;
mod metrics;
mod models;
mod publisher;
mod text;
mod token;

pub use config::{LinkedInConfig, Visibility};
pub use metrics::LinkedInMetrics;
pub use publisher::LinkedInPublisher;
pub use text::{RESERVED, escape_commentary};
pub use token::{LinkedInToken, TokenListener};
