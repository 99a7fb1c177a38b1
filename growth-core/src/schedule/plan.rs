//! The planner: best free slots per platform, deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::history::EngagementHistory;
use super::local::{local_of, resolve_local};
use super::policy::{PlatformPolicy, SchedulePolicy};
use crate::domain::{ContentId, ContentType, NewSchedule, Platform};
use crate::{Error, Result};

/// How a bulk approval picks publication times (`schedule_config.distribution` of PRD §3.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// [`plan`] picks the times.
    #[default]
    Smart,
    /// The caller gives one time per item; [`validate_manual`] checks them.
    Manual,
}

/// One item to place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanItem<Id = ContentId> {
    /// The caller's id, handed back with the chosen time.
    pub id: Id,
    /// Where it will be published.
    pub platform: Platform,
}

impl<Id> PlanItem<Id> {
    /// An item for `platform`.
    pub fn new(id: Id, platform: Platform) -> Self {
        Self { id, platform }
    }

    /// An item for the default platform of `content_type` (LinkedIn posts, pre-interview and
    /// post-publish posts → LinkedIn, newsletters → Customer.io, blog posts → Webflow).
    pub fn for_content(id: Id, content_type: ContentType) -> Self {
        Self { id, platform: content_type.default_platform() }
    }
}

/// The earliest `start_date` may lie this far after today.
const MAX_START_DAYS_AHEAD: u64 = 3660;

/// Posts already placed on one platform: their instants (for gaps) and per-local-day counts (for caps).
#[derive(Debug, Default)]
struct Book {
    instants: BTreeSet<DateTime<Utc>>,
    per_day: BTreeMap<NaiveDate, u32>,
}

impl Book {
    fn fits(&self, at: DateTime<Utc>, day: NaiveDate, rules: &PlatformPolicy) -> bool {
        if self.per_day.get(&day).copied().unwrap_or(0) >= rules.daily_cap || self.instants.contains(&at) {
            return false;
        }
        let before_ok = self.instants.range(..at).next_back().is_none_or(|b| at - *b >= rules.min_gap);
        let after_ok = self.instants.range(at..).next().is_none_or(|a| *a - at >= rules.min_gap);
        before_ok && after_ok
    }

    fn add(&mut self, at: DateTime<Utc>, day: NaiveDate) {
        self.instants.insert(at);
        *self.per_day.entry(day).or_default() += 1;
    }
}

/// A platform's curve with the history folded in.
struct Curve {
    weights: [[f64; 24]; 7],
    max: f64,
}

impl Curve {
    fn new(platform: Platform, rules: &PlatformPolicy, history: Option<&EngagementHistory>) -> Self {
        let mut weights = [[0.0; 24]; 7];
        let mut max = 0.0_f64;
        for (d, row) in weights.iter_mut().enumerate() {
            let day = weekday_from_monday(d);
            for (h, w) in row.iter_mut().enumerate() {
                let hour = h as u32;
                let factor = history.map_or(1.0, |hist| hist.factor(platform, day, hour));
                *w = rules.curve.weight(day, hour) * factor;
                max = max.max(*w);
            }
        }
        Self { weights, max }
    }
}

fn weekday_from_monday(d: usize) -> chrono::Weekday {
    use chrono::Weekday::*;
    [Mon, Tue, Wed, Thu, Fri, Sat, Sun][d % 7]
}

/// Picks a publication time for every item ("smart" distribution).
///
/// Every item gets the best free slot of its platform: a whole local hour in
/// `policy.timezone` on a posting day (business days only by default, never a holiday), on or
/// after `start_date` (local; a past `start_date` means today), strictly after
/// `now + policy.min_lead`, within the platform's daily cap and at least its minimum gap away from
/// every post in `taken` and every post planned before it. A slot's score is its curve weight
/// (reweighted by `history` when given) times `policy.day_discount` per day after the first
/// plannable day, so strong days win over weak ones but not over a much later week. Ties go to the
/// earliest slot. Finally each platform's chosen slots are handed to its items in item order, so
/// the first item of a platform goes out first.
///
/// Pure and deterministic: the same input always gives the same output; nothing reads the clock.
///
/// Returns `(id, instant)` in item order. Errors: an item for a platform without a policy
/// (Notion tracks, it is not a channel) or with a cap of 0, history kept in another zone, a bad
/// policy, `start_date` more than ten years ahead (`InvalidInput`); no free slot within
/// `policy.horizon_days` (`Conflict`).
pub fn plan<Id: Clone>(
    items: &[PlanItem<Id>],
    start_date: NaiveDate,
    taken: &[(Platform, DateTime<Utc>)],
    policy: &SchedulePolicy,
    history: Option<&EngagementHistory>,
    now: DateTime<Utc>,
) -> Result<Vec<(Id, DateTime<Utc>)>> {
    policy.validate()?;
    let tz = policy.timezone;
    if let Some(h) = history
        && h.timezone() != tz
    {
        return Err(Error::invalid_field(
            "history",
            format!("engagement history is kept in {} but the policy plans in {tz}", h.timezone()),
        ));
    }
    let today = local_of(tz, now).date();
    if today.checked_add_days(Days::new(MAX_START_DAYS_AHEAD)).is_some_and(|limit| start_date > limit) {
        return Err(Error::invalid_field("start_date", format!("{start_date} is more than ten years ahead")));
    }
    let first_day = start_date.max(today);
    let earliest = now.checked_add_signed(policy.min_lead).unwrap_or(now);

    let mut books: BTreeMap<Platform, Book> = BTreeMap::new();
    for (platform, at) in taken {
        books.entry(*platform).or_default().add(*at, local_of(tz, *at).date());
    }
    let mut curves: BTreeMap<Platform, Curve> = BTreeMap::new();
    let mut chosen: Vec<DateTime<Utc>> = Vec::with_capacity(items.len());

    for item in items {
        let rules = policy.for_platform(item.platform)?;
        if rules.daily_cap == 0 {
            return Err(Error::invalid_field("platform", format!("{} is disabled (daily cap 0)", item.platform)));
        }
        let curve = curves.entry(item.platform).or_insert_with(|| Curve::new(item.platform, rules, history));
        if curve.max <= 0.0 {
            return Err(Error::invalid_field("policy", format!("{} has no open hour in its weight curve", item.platform)));
        }
        let book = books.entry(item.platform).or_default();
        let at = best_slot(curve, book, rules, policy, first_day, earliest).ok_or_else(|| {
            Error::conflict(format!(
                "no free {} slot within {} days of {first_day} (daily cap {}, minimum gap {} min)",
                item.platform,
                policy.horizon_days,
                rules.daily_cap,
                rules.min_gap.num_minutes()
            ))
        })?;
        book.add(at, local_of(tz, at).date());
        chosen.push(at);
    }

    // Hand each platform's slots to its items in item order.
    let mut by_platform: BTreeMap<Platform, Vec<usize>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        by_platform.entry(item.platform).or_default().push(i);
    }
    let mut result: Vec<DateTime<Utc>> = chosen.clone();
    for indices in by_platform.values() {
        let mut times: Vec<DateTime<Utc>> = indices.iter().map(|i| chosen[*i]).collect();
        times.sort();
        for (i, t) in indices.iter().zip(times) {
            result[*i] = t;
        }
    }
    Ok(items.iter().zip(result).map(|(item, at)| (item.id.clone(), at)).collect())
}

/// [`plan`] for content items, as the schedules to create: each keeps the policy's zone name
/// (for display and audience windows) next to its UTC instant.
pub fn plan_schedules(
    items: &[PlanItem<ContentId>],
    start_date: NaiveDate,
    taken: &[(Platform, DateTime<Utc>)],
    policy: &SchedulePolicy,
    history: Option<&EngagementHistory>,
    now: DateTime<Utc>,
) -> Result<Vec<NewSchedule>> {
    let planned = plan(items, start_date, taken, policy, history, now)?;
    Ok(items
        .iter()
        .zip(planned)
        .map(|(item, (content_item_id, scheduled_time))| NewSchedule {
            content_item_id,
            platform: item.platform,
            scheduled_time,
            timezone: policy.timezone.name().to_owned(),
        })
        .collect())
}

/// The best free slot for one item, or `None` when the horizon has none.
fn best_slot(
    curve: &Curve,
    book: &Book,
    rules: &PlatformPolicy,
    policy: &SchedulePolicy,
    first_day: NaiveDate,
    earliest: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let tz = policy.timezone;
    let mut best: Option<(f64, DateTime<Utc>)> = None;
    let mut discount = 1.0_f64;
    for offset in 0..=u64::from(policy.horizon_days) {
        if offset > 0 {
            discount *= policy.day_discount;
        }
        if let Some((score, _)) = best
            && curve.max * discount <= score
        {
            break; // nothing later can beat it, and ties go to the earlier slot
        }
        let Some(day) = first_day.checked_add_days(Days::new(offset)) else { break };
        if !policy.is_posting_day(day) {
            continue;
        }
        let row = &curve.weights[day.weekday().num_days_from_monday() as usize];
        for (hour, weight) in row.iter().enumerate() {
            if *weight <= 0.0 {
                continue;
            }
            let Some(time) = NaiveTime::from_hms_opt(hour as u32, 0, 0) else { continue };
            let at = resolve_local(tz, day.and_time(time));
            if at <= earliest {
                continue;
            }
            let score = weight * discount;
            if best.is_some_and(|(s, _)| score <= s) {
                continue;
            }
            if book.fits(at, local_of(tz, at).date(), rules) {
                best = Some((score, at));
            }
        }
    }
    best.map(|(_, at)| at)
}

/// Checks caller-given times ("manual" distribution): one per item, each strictly after `now`.
///
/// Returns `(id, instant)` in item order; the first missing or past time is an `InvalidInput`
/// naming the item.
pub fn validate_manual<Id: Clone + Display>(items: &[(Id, Option<DateTime<Utc>>)], now: DateTime<Utc>) -> Result<Vec<(Id, DateTime<Utc>)>> {
    items
        .iter()
        .map(|(id, at)| match at {
            None => Err(Error::invalid_field("schedule_time", format!("item {id} has no time; manual distribution needs one per item"))),
            Some(t) if *t <= now => {
                Err(Error::invalid_field("schedule_time", format!("item {id}: {} is not in the future", t.to_rfc3339())))
            }
            Some(t) => Ok((id.clone(), *t)),
        })
        .collect()
}
