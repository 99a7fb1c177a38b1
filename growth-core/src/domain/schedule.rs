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
    /// Sends started so far (a claim that was deferred by a rate limit starts none): the number a
    /// worker or reconciler compares-and-sets on, so a stale one never undoes a newer attempt.
    #[serde(default)]
    pub attempt: i32,
    /// When the last send started, persisted before the request leaves (reconciliation reads the
    /// platform back to this instant; "absent" is decided only once the platform's settle window
    /// after it has passed). `None`: nothing was ever sent.
    #[serde(default)]
    pub last_attempt_at: Option<DateTime<Utc>>,
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
    /// Put back without counting an attempt: a rate limit deferred the send (nothing was sent),
    /// or reconciliation proved the previous send absent. `pending` not before `next_attempt_at`.
    Deferred {
        /// Why, for a person.
        reason: String,
        /// Not before.
        next_attempt_at: DateTime<Utc>,
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

impl Schedule {
    /// This schedule after `outcome` at `now` (the state machine checked; the claim released).
    /// Stores apply it and then write with a compare-and-set on the state they read.
    ///
    /// # Errors
    /// `Conflict` when the move is illegal from the current state.
    pub fn apply_outcome(&self, outcome: ScheduleOutcome, now: DateTime<Utc>) -> crate::Result<Schedule> {
        let mut next = self.clone();
        match outcome {
            ScheduleOutcome::Published { platform_post_id, url } => {
                next.status = self.status.transition(ScheduleStatus::Published)?;
                next.platform_post_id = platform_post_id;
                next.published_url = url;
                next.published_at = Some(now);
                next.error_message = None;
            }
            ScheduleOutcome::Deferred { reason, next_attempt_at } => {
                next.status = self.status.transition(ScheduleStatus::Pending)?;
                next.next_attempt_at = Some(next_attempt_at);
                next.error_message = Some(reason);
            }
            ScheduleOutcome::Retry { error, next_attempt_at } => {
                next.status = self.status.transition(ScheduleStatus::Pending)?;
                next.retry_count += 1;
                next.next_attempt_at = Some(next_attempt_at);
                next.error_message = Some(error);
            }
            ScheduleOutcome::Unknown { error } => {
                next.status = self.status.transition(ScheduleStatus::Unknown)?;
                next.error_message = Some(error);
            }
            ScheduleOutcome::Failed { error } => {
                next.status = self.status.transition(ScheduleStatus::Failed)?;
                next.error_message = Some(error);
            }
        }
        next.claimed_by = None;
        next.lease_expires_at = None;
        next.updated_at = now;
        Ok(next)
    }
}
