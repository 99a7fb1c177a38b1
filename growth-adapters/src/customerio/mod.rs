//! Customer.io newsletters: [`CustomerIoPublisher`] implements `growth_core::publish::Publisher`
//! by triggering an API-triggered broadcast; [`webhook`] verifies and parses reporting webhooks
//! (per-issue newsletter numbers, keyed by trigger id); [`CustomerIoMetrics`] implements
//! `growth_core::measure::MetricsSource` from broadcast metrics, the fallback.
//!
//! - **Request**: `POST {app_api}/v1/campaigns/{broadcast_id}/triggers` (US
//!   `https://api.customer.io`, EU `https://api-eu.customer.io`, [`Region`]) with
//!   `Authorization: Bearer <App API key>`. The broadcast and its template live in Customer.io;
//!   the newsletter goes in the trigger `data`, which the template reads with Liquid:
//!   `{{trigger.subject}}`, `{{trigger.preview_text}}` and `{{trigger.body_html}}` (the Markdown
//!   content rendered to HTML and sanitised, [`newsletter_html`]), plus our markers
//!   `growth_schedule_id` and `growth_content_id` (see [`data_keys`]). Extra keys can be passed
//!   as `platform_data.data`. The subject is the request's title (or `platform_data.subject`);
//!   `data` is capped at 50,000 bytes and checked before sending.
//! - **Audience**: one of `platform_data.segment_id`, `platform_data.ids` (with
//!   `id_ignore_missing`) or `platform_data.emails` (with `email_ignore_missing`, no
//!   duplicates); else [`CustomerIoConfig::segment_id`]; else the broadcast's own audience.
//! - **Answer**: `{"id": 3}` → `platform_post_id` `"3"` (the trigger id). 400/422
//!   `InvalidInput`, 401 `Unauthenticated`, 404 `NotFound` (no such broadcast), 429
//!   `RateLimited` (`Retry-After`, else the 10 s trigger window).
//! - **Limits**: Customer.io takes one trigger every 10 s and queues at most 5. A per-process
//!   limiter spaces this publisher's triggers by [`CustomerIoConfig::min_trigger_interval`]
//!   (waiting up to [`CustomerIoConfig::max_limiter_wait`], else `RateLimited` with the wait).
//!   Several workers share the limit through the database: that is the scheduler's job, not
//!   this module's.
//! - **Exactly once**: a trigger has no idempotency key and sends the newsletter to everyone in
//!   the audience, so it is sent once: retried only on connect errors (nothing reached
//!   Customer.io). A timeout after sending, a lost connection or a 5xx (not documented as side-effect
//!   free; Customer.io's own SDK retries them, we do not) is `Error::OutcomeUnknown`: call
//!   `reconcile`, which reads the broadcast's triggers (see [`CustomerIoPublisher`]'s
//!   `reconcile` for what it can prove).
//! - **Secrets**: the key is a `SecretString`, sent only in a flagged-sensitive header, never
//!   logged; `Publication::log` holds the redacted request and Customer.io's answer.
//!
//! ```no_run
//! use growth_adapters::customerio::{CustomerIoConfig, CustomerIoPublisher, Region};
//! use growth_core::domain::{ContentId, ContentType, ScheduleId};
//! use growth_core::publish::{PublishRequest, Publisher};
//! use secrecy::SecretString;
//!
//! # async fn run() -> growth_core::Result<()> {
//! let mut config = CustomerIoConfig::new(SecretString::from("cio-app-key…"));
//! config.region = Region::Eu;
//! config.broadcast_id = Some(12);
//! let newsletter = CustomerIoPublisher::new(config)?;
//!
//! let req = PublishRequest {
//!     schedule_id: ScheduleId::new(),
//!     content_item_id: ContentId::new(),
//!     content_type: ContentType::Newsletter,
//!     title: Some("What 40 sales calls taught us".into()),
//!     content: "# Three patterns\n\nCustomers said **setup** took too long…".into(),
//!     platform_data: serde_json::json!({"segment_id": 7, "preview_text": "Setup, pricing, trust"}),
//!     attempted_at: None,
//! };
//! let sent = newsletter.publish(&req).await?;
//! println!("trigger {}", sent.platform_post_id);
//! # Ok(())
//! # }
//! ```

mod client;
mod config;
mod error;
mod html;
mod metrics;
mod models;
mod publisher;
mod segments;
pub mod webhook;

pub use config::{CustomerIoConfig, Region};
pub use html::newsletter_html;
pub use metrics::{CustomerIoMetrics, window_for};
pub use publisher::{CustomerIoPublisher, data_keys};
pub use segments::{CustomerIoSegments, DEFAULT_SEGMENT_ATTRIBUTE};
