//! Notion tracking pages: [`NotionPublisher`] keeps one page per content item in a tracking
//! database (title, status, publish date, URL, content item id) and implements
//! `growth_core::publish::Publisher`.
//!
//! - **Version and parent**: every request carries `Notion-Version` ([`DEFAULT_NOTION_VERSION`],
//!   `2025-09-03`, configurable). From that version on, databases hold data sources and pages are
//!   created with `"parent": {"data_source_id": …}` and found with
//!   `POST /v1/data_sources/{id}/query`; for older versions, `"parent": {"database_id": …}` and
//!   `POST /v1/databases/{id}/query`. The configured version decides which id is required.
//! - **Create or update**: [`NotionPublisher::upsert_tracking`] (what the scheduler calls after a
//!   post goes out elsewhere) updates the page in `platform_data.notion_page_id` when given
//!   (`PATCH /v1/pages/{id}`), else the page found by the content id property, else creates one
//!   (`POST /v1/pages`). `publish` is `upsert_tracking` with [`NotionConfig::published_status`],
//!   `platform_data.url` and now. Property names are configured ([`NotionProperties`]; defaults
//!   `Name`, `Status` (a select, or a status property), `Published`, `URL`, `Content ID`).
//! - **Reliability**: a page create is not idempotent: a timeout after sending, or a 5xx other than
//!   529 `service_overload` (Notion's own SDK retries a POST only on 429 and 529), is
//!   `Error::OutcomeUnknown`; `reconcile` queries by content id → `Some`/`None`. Queries and
//!   updates are repeatable and retried by the shared [`HttpClient`](crate::http::HttpClient),
//!   honouring `Retry-After` on 429; a 429 on a create comes back as `Error::RateLimited`.
//! - **Rate limit**: 3 requests a second per process by default (Notion's documented average);
//!   `Retry-After` is always obeyed on top of it.
//! - **Log**: [`Publication::log`](growth_core::publish::Publication::log) holds each request
//!   (method, URL, headers with the token `[REDACTED]`, body) and Notion's answer.
//!
//! ```no_run
//! use growth_adapters::notion::{NotionConfig, NotionPublisher};
//! use growth_core::domain::{ContentId, ContentType, ScheduleId};
//! use growth_core::publish::PublishRequest;
//! use secrecy::SecretString;
//!
//! # async fn run() -> growth_core::Result<()> {
//! let token = SecretString::from("ntn_…"); // from your secret store, never from code
//! let notion = NotionPublisher::new(NotionConfig::new(token, "c174b72c-d782-432f-8dc0-b647e1c96df6"))?;
//!
//! let req = PublishRequest {
//!     schedule_id: ScheduleId::new(),
//!     content_item_id: ContentId::new(),
//!     content_type: ContentType::LinkedinPost,
//!     title: Some("The PLG Paradox".into()),
//!     content: "Most teams add a free plan and call it product-led.".into(),
//!     platform_data: serde_json::Value::Null,
//!     attempted_at: None,
//! };
//! // After the post went out on LinkedIn:
//! let page = notion
//!     .upsert_tracking(&req, "Published", Some("https://www.linkedin.com/feed/update/urn:li:share:7012"), Some(chrono::Utc::now()))
//!     .await?;
//! println!("tracked in {:?}", page.url);
//! # Ok(())
//! # }
//! ```

mod client;
mod config;
mod error;
mod models;
mod properties;
mod publisher;

pub use config::{DEFAULT_NOTION_VERSION, NotionConfig, NotionProperties, StatusKind};
pub use publisher::NotionPublisher;
