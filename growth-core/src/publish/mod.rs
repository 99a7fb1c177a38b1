//! The publish stage: [`Publisher`]s send content to platforms (one per platform, registered by
//! name — a platform is an open [`Platform`] name), a [`Tracker`] is told about every post that
//! went out (Notion pages, a spreadsheet), [`PublishRunner`] executes due schedules exactly once,
//! and [`PublishService`] holds the publishing use-cases (publish now or at a time, status, cancel,
//! reschedule, reconcile) and the loop every worker runs.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::domain::{ContentId, ContentType, Platform, ScheduleId};

/// What a publisher can do beyond `publish`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherCapabilities {
    /// The platform deduplicates requests carrying the same idempotency key, so a resend after an
    /// unknown outcome is safe.
    pub idempotency_key: bool,
    /// `reconcile` can look a post up on the platform.
    pub reconcile: bool,
    /// The publisher also reads metrics (see [`crate::measure::MetricsSource`]).
    pub metrics: bool,
}

/// A piece to publish.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishRequest {
    /// The schedule being executed; stable across attempts, so it is the idempotency key.
    pub schedule_id: ScheduleId,
    /// The item.
    pub content_item_id: ContentId,
    /// What it is.
    pub content_type: ContentType,
    /// Title (subject line, CMS name).
    pub title: Option<String>,
    /// Body, Markdown.
    pub content: String,
    /// Platform-specific fields (segment, slug, author URN …).
    pub platform_data: serde_json::Value,
    /// When the schedule's latest send started, as persisted on the schedule before the request
    /// left (`None`: never sent). `reconcile` reads the platform back to this instant; publishers
    /// keep no attempt times of their own, so any process (or a restarted one) decides the same.
    #[serde(default)]
    pub attempted_at: Option<DateTime<Utc>>,
}

/// A post that is live.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    /// The platform's id for it.
    pub platform_post_id: String,
    /// Where it can be seen.
    pub url: Option<String>,
    /// When it went live, as the platform says (or when we learned it).
    pub published_at: DateTime<Utc>,
    /// Which publisher actually sent it (`"linkedin"`, `"outbox"` …).
    pub via: String,
    /// The redacted request and the response, for the publishing log.
    pub log: serde_json::Value,
}

/// Sends content to one platform.
///
/// Contract: `publish` is **not** idempotent unless `capabilities().idempotency_key`. It returns
/// `Ok` only when the platform accepted the post; `Error::Transient`/`RateLimited` only when the
/// platform cannot have acted (connect error, 429, 5xx the platform documents as side-effect
/// free); `Error::OutcomeUnknown` when the request may have been acted on (timeout after send,
/// connection lost mid-answer). Callers never resend after `OutcomeUnknown` without `reconcile`.
/// `reconcile` returns the publication if the platform has it, `None` if it provably does not.
#[async_trait]
pub trait Publisher: Send + Sync + Debug + 'static {
    /// The platform it publishes to.
    fn platform(&self) -> Platform;
    /// What actually sends (shown as `via` in a publication's status): the platform's name by
    /// default; the offline outbox says `outbox`.
    fn name(&self) -> String {
        self.platform().to_string()
    }
    /// What it can do.
    fn capabilities(&self) -> PublisherCapabilities;
    /// Publishes.
    async fn publish(&self, req: &PublishRequest) -> Result<Publication>;
    /// Looks the post of `req` up on the platform.
    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        let _ = req;
        Err(crate::Error::Unsupported(format!("{} cannot reconcile", self.platform())))
    }
}

/// A post that went out, for a [`Tracker`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrackEvent {
    /// What was published (the same request the publisher got).
    pub request: PublishRequest,
    /// Where it went.
    pub platform: Platform,
    /// What the platform answered.
    pub publication: Publication,
}

/// Keeps a record of what was published elsewhere (a Notion database, a spreadsheet …).
///
/// Contract: called after a publication is recorded; failures are logged, never retried into a
/// second publication, and never undo the publication.
#[async_trait]
pub trait Tracker: Send + Sync + Debug + 'static {
    /// A short stable name (`"notion"`).
    fn name(&self) -> &str;
    /// Records one publication (idempotent per schedule).
    async fn track(&self, event: &TrackEvent) -> Result<()>;
}

fn _assert_dyn(_: &dyn Publisher, _: &dyn Tracker) {}

mod group;
pub mod outbox;
mod runner;
mod service;
pub use runner::*;
pub use service::*;
