//! Smart distribution for the API: the pure planner of `growth_core::schedule` fed with what the
//! database knows — slots already taken by active schedules, and engagement history by
//! hour-of-week from analytics of the last 180 days (the planner's default curve when there is none).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use growth_core::Error;
use growth_core::domain::{ContentItem, Platform, ScheduleStatus};
use growth_core::schedule::{EngagementHistory, Observation, PlanItem, SchedulePolicy};
use growth_core::store::ScheduleFilter;

use crate::error::ApiError;
use crate::state::AppState;

fn zone(tz: &str) -> Result<Tz, ApiError> {
    tz.parse::<Tz>().map_err(|_| Error::invalid_field("timezone", format!("`{tz}` is not an IANA time zone")).into())
}

/// Slots of active schedules from a week ago on.
async fn taken(state: &AppState, now: DateTime<Utc>) -> Result<Vec<(Platform, DateTime<Utc>)>, ApiError> {
    let filter = ScheduleFilter {
        content_item_id: None,
        statuses: vec![ScheduleStatus::Pending, ScheduleStatus::Claimed, ScheduleStatus::Unknown, ScheduleStatus::Published],
        from: Some(now - Duration::days(7)),
        until: None,
        limit: 1_000,
    };
    Ok(state.store.list_schedules(&filter).await?.into_iter().map(|s| (s.platform, s.published_at.unwrap_or(s.scheduled_time))).collect())
}

/// Engagement by hour-of-week from recent analytics, or `None` without any.
async fn history(state: &AppState, tz: Tz, now: DateTime<Utc>) -> Result<Option<EngagementHistory>, ApiError> {
    let rows = state.store.list_analytics(now - Duration::days(180), now + Duration::days(1)).await?;
    let mut observations = Vec::new();
    for row in rows.iter().take(2_000) {
        let published_at = match state.store.get_content(row.content_item_id).await {
            Ok(item) => item.published_at,
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        if let Some(at) = published_at {
            observations.push(Observation::from_metrics(row.platform, at, &row.engagement));
        }
    }
    Ok((!observations.is_empty()).then(|| EngagementHistory::from_observations(tz, observations)))
}

/// Times for `items` (in order) from `start_date` (today when unset) in `tz`.
pub(crate) async fn plan(
    state: &AppState,
    items: &[ContentItem],
    start_date: Option<NaiveDate>,
    tz: &str,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, ApiError> {
    let zone = zone(tz)?;
    let policy = SchedulePolicy::in_zone(zone);
    let plan_items: Vec<PlanItem<usize>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| PlanItem::new(i, item.target_platform.unwrap_or_else(|| item.content_type.default_platform())))
        .collect();
    let start = start_date.unwrap_or_else(|| now.with_timezone(&zone).date_naive());
    let taken = taken(state, now).await?;
    let history = history(state, zone, now).await?;
    let planned = growth_core::schedule::plan(&plan_items, start, &taken, &policy, history.as_ref(), now)?;
    let mut times = vec![now; items.len()];
    for (i, at) in planned {
        times[i] = at;
    }
    Ok(times)
}

/// The next good free slot for one item on `platform`.
pub(crate) async fn next_slot(state: &AppState, platform: Platform, tz: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    let zone = zone(tz)?;
    let policy = SchedulePolicy::in_zone(zone);
    let taken = taken(state, now).await?;
    let history = history(state, zone, now).await?;
    let start = now.with_timezone(&zone).date_naive();
    let planned = growth_core::schedule::plan(&[PlanItem::new(0usize, platform)], start, &taken, &policy, history.as_ref(), now)?;
    planned.into_iter().next().map(|(_, at)| at).ok_or_else(|| Error::internal_msg("the planner returned no slot").into())
}
