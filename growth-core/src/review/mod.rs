//! Review decisions that touch more than one row: approving an item creates its schedule and moves
//! it `in_review → approved → scheduled`; rejecting keeps the reason.
//!
//! Approval checks everything it can before writing (the item's state, the time, the zone), creates
//! the schedule first (the store refuses a second active schedule per item and platform), then moves
//! the item; if the move fails, the schedule is cancelled again, so an item is never left approved
//! without its schedule or scheduled twice.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{ContentId, ContentItem, ContentStatus, ContentTransition, NewSchedule, Platform, Schedule};
use crate::store::{Store, validate_timezone};
use crate::{Error, Result};

/// How far in the past a requested time may be (clock skew between the editor and the server).
pub const PAST_TOLERANCE_SECS: i64 = 60;

/// Checks that `item` can be approved and `at` is usable; writes nothing.
pub fn check_approvable(item: &ContentItem, at: DateTime<Utc>, timezone: &str, now: DateTime<Utc>) -> Result<()> {
    if item.status != ContentStatus::InReview && item.status != ContentStatus::Approved {
        return Err(Error::conflict(format!("content {} is {}; only an item in review can be approved", item.id, item.status)));
    }
    if at < now - Duration::seconds(PAST_TOLERANCE_SECS) {
        return Err(Error::invalid_field("schedule_time", format!("{at} is in the past")));
    }
    validate_timezone(timezone)
}

/// Approves item `id` and schedules it on `platform` (default: its target platform, else the
/// type's) at `at`.
pub async fn approve(
    store: &dyn Store,
    id: ContentId,
    platform: Option<Platform>,
    at: DateTime<Utc>,
    timezone: &str,
    now: DateTime<Utc>,
) -> Result<(ContentItem, Schedule)> {
    let item = store.get_content(id).await?;
    check_approvable(&item, at, timezone, now)?;
    let platform = platform.unwrap_or_else(|| item.platform());
    let schedule =
        store.create_schedule(NewSchedule { content_item_id: id, platform, scheduled_time: at, timezone: timezone.to_owned() }).await?;
    let moved = async {
        if item.status == ContentStatus::InReview {
            store.transition_content(id, ContentTransition::to(ContentStatus::Approved)).await?;
        }
        let change = ContentTransition { scheduled_publish_time: Some(at), ..ContentTransition::to(ContentStatus::Scheduled) };
        store.transition_content(id, change).await
    }
    .await;
    match moved {
        Ok(item) => Ok((item, schedule)),
        Err(e) => {
            if let Err(undo) = store.cancel_schedule(schedule.id).await {
                tracing::warn!(error = %undo, schedule = %schedule.id, "cancelling the schedule of an approval that failed");
            }
            Err(e)
        }
    }
}

/// Rejects item `id`, keeping `reason`.
pub async fn reject(store: &dyn Store, id: ContentId, reason: &str) -> Result<ContentItem> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid_field("reason", "say why, so the writer can learn from it"));
    }
    let change = ContentTransition { rejection_reason: Some(reason.to_owned()), ..ContentTransition::to(ContentStatus::Rejected) };
    store.transition_content(id, change).await
}

pub mod edits;
