//! Smart distribution fed with what the store knows: slots already taken by active schedules, and
//! engagement history by hour-of-week from analytics of the last 180 days (the planner's default
//! curve when there is none). The planner itself is the pure [`crate::schedule::plan`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::ReviewStore;
use crate::domain::{ContentId, ContentItem, ContentType, Platform, ScheduleStatus};
use crate::schedule::{EngagementHistory, Observation, PlanItem, SchedulePolicy};
use crate::store::ScheduleFilter;
use crate::{Error, Result};

/// Chooses a smart-distributed post's time from how past posts did (the learning stage's
/// best-time model: engagement per impression by weekday × 2-hour slot, Thompson sampling).
///
/// Contract: [`BestTimePicker::pick`] answers `None` while the platform has fewer measured posts
/// than the picker's configured minimum (the planner's rules then choose, as before); a pick is
/// after `after` and never in the same slot as a time of `avoid`.
#[async_trait::async_trait]
pub trait BestTimePicker: Send + Sync + std::fmt::Debug + 'static {
    /// The slot for a post on `platform` after `after`, or `None` below the minimum of posts.
    async fn pick(&self, platform: Platform, after: DateTime<Utc>, avoid: &[DateTime<Utc>])
    -> Result<Option<crate::learn::Recommendation>>;
    /// Records the pick on the approved item (`best_publish_time`, `predicted_engagement`) and
    /// answers the item as stored.
    async fn chosen(&self, item: ContentId, pick: &crate::learn::Recommendation) -> Result<crate::domain::ContentItem>;
}

/// Times of active schedules from a week ago on (what a pick must not collide with).
pub async fn taken_times(store: &dyn ReviewStore, platform: Platform, now: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
    Ok(taken(store, now).await?.into_iter().filter(|(p, _)| *p == platform).map(|(_, at)| at).collect())
}

/// An IANA zone by name.
pub fn zone(tz: &str) -> Result<Tz> {
    tz.parse::<Tz>().map_err(|_| Error::invalid_field("timezone", format!("`{tz}` is not an IANA time zone")))
}

/// Slots of active schedules from a week ago on.
async fn taken(store: &dyn ReviewStore, now: DateTime<Utc>) -> Result<Vec<(Platform, DateTime<Utc>)>> {
    let filter = ScheduleFilter {
        content_item_id: None,
        statuses: vec![ScheduleStatus::Pending, ScheduleStatus::Claimed, ScheduleStatus::Unknown, ScheduleStatus::Published],
        from: Some(now - Duration::days(7)),
        until: None,
        limit: 1_000,
    };
    Ok(store.list_schedules(&filter).await?.into_iter().map(|s| (s.platform, s.published_at.unwrap_or(s.scheduled_time))).collect())
}

/// Engagement by hour-of-week from recent analytics, or `None` without any. When each post went
/// out comes from its published schedule (a few paged queries, not one lookup per analytics row).
async fn history(store: &dyn ReviewStore, tz: Tz, now: DateTime<Utc>) -> Result<Option<EngagementHistory>> {
    let rows = store.list_analytics(now - Duration::days(180), now + Duration::days(1)).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut published: HashMap<(ContentId, Platform), DateTime<Utc>> = HashMap::new();
    let mut from = now - Duration::days(366);
    loop {
        let filter =
            ScheduleFilter { statuses: vec![ScheduleStatus::Published], from: Some(from), limit: 1_000, ..ScheduleFilter::default() };
        let page = store.list_schedules(&filter).await?;
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

/// Where a piece sits in an episode's story: the teaser before the episode, the long forms that
/// carry it, the "it is out" announcement, then the insight posts drawn from it.
pub fn story_rank(t: ContentType) -> u8 {
    match t {
        ContentType::PreInterview => 0,
        ContentType::BlogPost | ContentType::Newsletter => 1,
        ContentType::PostPublish => 2,
        ContentType::LinkedinPost => 3,
    }
}

/// The order in which `items` take their slots: the sources in the order they first appear, and
/// within a source the episode's story ([`story_rank`]), then the order given. The planner hands
/// each platform's slots out in this order, so a "next week on the show" post never goes out after
/// "the new episode is out", whatever order generation finished in.
pub fn story_order(items: &[ContentItem]) -> Vec<usize> {
    let mut first_seen: HashMap<Option<crate::domain::SourceId>, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        first_seen.entry(item.source_id).or_insert(i);
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (first_seen[&items[i].source_id], story_rank(items[i].content_type), i));
    order
}

/// Times for `items` (answered in their order) from `start_date` (today when unset) in `tz`; slots
/// are handed out in [`story_order`].
pub async fn plan(
    store: &dyn ReviewStore,
    items: &[ContentItem],
    start_date: Option<NaiveDate>,
    tz: &str,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>> {
    let zone = zone(tz)?;
    let policy = SchedulePolicy::in_zone(zone);
    let plan_items: Vec<PlanItem<usize>> = story_order(items).into_iter().map(|i| PlanItem::new(i, items[i].platform())).collect();
    let start = start_date.unwrap_or_else(|| now.with_timezone(&zone).date_naive());
    let taken = taken(store, now).await?;
    let history = history(store, zone, now).await?;
    let planned = crate::schedule::plan(&plan_items, start, &taken, &policy, history.as_ref(), now)?;
    let mut times = vec![now; items.len()];
    for (i, at) in planned {
        times[i] = at;
    }
    Ok(times)
}

/// The next good free slot for one item on `platform`.
pub async fn next_slot(store: &dyn ReviewStore, platform: Platform, tz: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let zone = zone(tz)?;
    let policy = SchedulePolicy::in_zone(zone);
    let taken = taken(store, now).await?;
    let history = history(store, zone, now).await?;
    let start = now.with_timezone(&zone).date_naive();
    let planned = crate::schedule::plan(&[PlanItem::new(0usize, platform)], start, &taken, &policy, history.as_ref(), now)?;
    planned.into_iter().next().map(|(_, at)| at).ok_or_else(|| Error::internal_msg("the planner returned no slot"))
}
