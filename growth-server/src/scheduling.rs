//! Smart distribution for the API: the pure planner of `growth_core::schedule` fed with what the
//! database knows — slots already taken by active schedules, and engagement history by
//! hour-of-week from analytics of the last 180 days (the planner's default curve when there is none).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use growth_core::Error;
use growth_core::domain::{ContentId, ContentItem, Platform, ScheduleStatus};
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

/// Engagement by hour-of-week from recent analytics, or `None` without any. When each post went
/// out comes from its published schedule (a few paged queries, not one lookup per analytics row).
async fn history(state: &AppState, tz: Tz, now: DateTime<Utc>) -> Result<Option<EngagementHistory>, ApiError> {
    let rows = state.store.list_analytics(now - Duration::days(180), now + Duration::days(1)).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut published: HashMap<(ContentId, Platform), DateTime<Utc>> = HashMap::new();
    let mut from = now - Duration::days(366);
    loop {
        let filter =
            ScheduleFilter { statuses: vec![ScheduleStatus::Published], from: Some(from), limit: 1_000, ..ScheduleFilter::default() };
        let page = state.store.list_schedules(&filter).await?;
        for s in &page {
            if let Some(at) = s.published_at {
                published.entry((s.content_item_id, s.platform)).or_insert(at);
            }
        }
        match page.last() {
            Some(last) if page.len() == 1_000 && last.scheduled_time > from => from = last.scheduled_time,
            _ => break,
        }
    }
    let observations: Vec<Observation> = rows
        .iter()
        .filter_map(|row| {
            published.get(&(row.content_item_id, row.platform)).map(|at| Observation::from_metrics(row.platform, *at, &row.engagement))
        })
        .collect();
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
    let plan_items: Vec<PlanItem<usize>> = items.iter().enumerate().map(|(i, item)| PlanItem::new(i, item.platform())).collect();
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
