//! Schedules (publication attempts) and the log of every attempt.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ContentId, Platform, PublishLogId, PublishStatus, ScheduleId, ScheduleStatus};

/// One planned publication of a content item to one platform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Schedule {
    /// Id.
    pub id: ScheduleId,
    /// The item.
    pub content_item_id: ContentId,
    /// Where it goes.
    pub platform: Platform,
    /// When it goes out (an instant; `timezone` is kept for display and audience windows).
    pub scheduled_time: DateTime<Utc>,
    /// IANA zone name the time was chosen in.
    pub timezone: String,
    /// State.
    pub status: ScheduleStatus,
    /// Why it failed, for a person to read.
    pub error_message: Option<String>,
    /// Attempts that failed before the platform acted.
    pub retry_count: i32,
    /// Not before this instant (backoff after a retryable failure).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The worker that holds the claim.
    pub claimed_by: Option<String>,
    /// When the claim lapses if the worker dies.
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// The platform's id for the post, once known.
    pub platform_post_id: Option<String>,
    /// Where it is live.
    pub published_url: Option<String>,
    /// When it went live.
    pub published_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Input for creating a schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSchedule {
    /// The item.
    pub content_item_id: ContentId,
    /// Where.
    pub platform: Platform,
    /// When.
    pub scheduled_time: DateTime<Utc>,
    /// IANA zone name (validated by the store).
    pub timezone: String,
}

/// How a schedule's state changes, with what it records.
#[derive(Clone, Debug, PartialEq)]
pub enum ScheduleOutcome {
    /// Published: the post's id and URL.
    Published {
        /// Platform id.
        platform_post_id: Option<String>,
        /// URL.
        url: Option<String>,
    },
    /// Failed before the platform acted; try again not before `next_attempt_at`.
    Retry {
        /// Reason.
        error: String,
        /// Not before.
        next_attempt_at: DateTime<Utc>,
    },
    /// The request may have reached the platform; reconcile before anything else.
    Unknown {
        /// What happened.
        error: String,
    },
    /// Gave up.
    Failed {
        /// Reason, for a person.
        error: String,
    },
}

/// One publishing attempt, with the request and response as sent (secrets redacted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishingLog {
    /// Id.
    pub id: PublishLogId,
    /// The item.
    pub content_item_id: ContentId,
    /// The schedule the attempt belonged to.
    pub schedule_id: Option<ScheduleId>,
    /// Platform.
    pub platform: Platform,
    /// Outcome.
    pub status: PublishStatus,
    /// What was sent (redacted).
    pub request_payload: serde_json::Value,
    /// What came back.
    pub response_data: serde_json::Value,
    /// Error, if any.
    pub error_message: Option<String>,
    /// Where it is live, if it is.
    pub published_url: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Input for logging an attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPublishingLog {
    /// The item.
    pub content_item_id: ContentId,
    /// The schedule.
    pub schedule_id: Option<ScheduleId>,
    /// Platform.
    pub platform: Platform,
    /// Outcome.
    pub status: PublishStatus,
    /// Request (redacted).
    pub request_payload: serde_json::Value,
    /// Response.
    pub response_data: serde_json::Value,
    /// Error.
    pub error_message: Option<String>,
    /// URL.
    pub published_url: Option<String>,
}
