//! Webflow CMS blog posts: [`WebflowPublisher`] implements `growth_core::publish::Publisher`
//! against the Data API v2; [`WebflowMetrics`] implements `growth_core::measure::MetricsSource`
//! from the Analyze API (paid add-on; see its module docs).
//!
//! - **Create**: `POST /v2/collections/{collection_id}/items/live` ([`PublishMode::Live`], the
//!   default), `…/items` ([`PublishMode::Staged`]: live with the next site publish), or `…/items`
//!   then `POST …/items/publish {"itemIds": [id]}` ([`PublishMode::StagedThenPublish`]). The body
//!   is `{"isArchived": false, "isDraft": false, "fieldData": {name, slug, <body_field>, …}}`:
//!   the title is the name, the Markdown becomes HTML (pulldown-cmark) **sanitised** with ammonia
//!   (no scripts, styles, event handlers or `javascript:` links, whatever raw HTML the Markdown
//!   held), `platform_data.field_data` adds other collection fields and
//!   [`WebflowConfig::content_id_field`], when set, stores our content item id.
//! - **Slug**: `platform_data.slug` or the title, lower-case ASCII words joined by hyphens, at most
//!   100 characters. A taken slug (409, or 400 naming the slug) is resolved, not failed: the item
//!   holding it is looked up (`GET …/items?slug=`); if it is ours (same content id field, else
//!   same name) it is an earlier attempt and is returned, else `slug-2`, `slug-3` … are tried.
//! - **Not idempotent**: Webflow has no idempotency keys. A create is never resent after it may
//!   have been sent: a timeout or a 5xx is `Error::OutcomeUnknown`, resolved with `reconcile`
//!   (which walks the same slugs). Connect errors (nothing sent) are retried; a 429 comes back as
//!   `Error::RateLimited` with its `Retry-After` (typically 60 s) for the scheduler. Reads and the
//!   publish step are repeatable and retried by the shared [`HttpClient`](crate::http::HttpClient).
//! - **Rate limit**: 60 requests a minute per process by default (Starter/Basic plans; set
//!   `http.rate_limit` to 120 a minute on CMS/Business plans).
//! - **URL**: [`WebflowConfig::site_url`] + [`WebflowConfig::collection_path`] + slug.
//! - **Log**: [`Publication::log`](growth_core::publish::Publication::log) holds each request
//!   (method, URL, body; the token shown as `[REDACTED]`) and Webflow's answer.
//!
//! ```no_run
//! use growth_adapters::webflow::{PublishMode, WebflowConfig, WebflowPublisher};
//! use growth_core::domain::{ContentId, ContentType, ScheduleId};
//! use growth_core::publish::{PublishRequest, Publisher};
//! use secrecy::SecretString;
//!
//! # async fn run() -> growth_core::Result<()> {
//! let token = SecretString::from("…"); // from your secret store, never from code
//! let mut config = WebflowConfig::new(token, "580e63fc8c9a982ac9b8b745");
//! config.body_field = "post-body".into();
//! config.mode = PublishMode::StagedThenPublish;
//! config.site_url = Some("https://example.com".into());
//! let webflow = WebflowPublisher::new(config)?;
//!
//! let req = PublishRequest {
//!     schedule_id: ScheduleId::new(),
//!     content_item_id: ContentId::new(),
//!     content_type: ContentType::BlogPost,
//!     title: Some("The PLG Paradox".into()),
//!     content: "Most teams add a free plan and call it **product-led**.".into(),
//!     platform_data: serde_json::json!({"field_data": {"summary": "Free is not a strategy."}}),
//!     attempted_at: None,
//! };
//! match webflow.publish(&req).await {
//!     Ok(post) => println!("live at {:?}", post.url), // https://example.com/blog/the-plg-paradox
//!     Err(growth_core::Error::OutcomeUnknown(_)) => {
//!         // Never resend blindly: look first.
//!         let found = webflow.reconcile(&req).await?;
//!         println!("reconciled: {:?}", found.map(|p| p.platform_post_id));
//!     }
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```

mod analyze;
mod client;
mod config;
mod error;
mod metrics;
mod models;
mod publisher;
mod slug;

pub use config::{PublishMode, WebflowAnalyticsConfig, WebflowConfig};
pub use metrics::WebflowMetrics;
pub use publisher::WebflowPublisher;
