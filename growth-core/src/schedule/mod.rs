//! Smart distribution: when each approved item goes out.
//!
//! [`plan`] spreads a bulk approval (PRD §3.2, `"distribution": "smart"`) over the days from a
//! `start_date`: every item gets the best free slot of its platform in the audience's zone, within
//! the platform's daily cap and minimum gap, away from posts already scheduled, never in the past,
//! on business days (and never on listed holidays). [`validate_manual`] checks caller-given times
//! for `"distribution": "manual"`.
//!
//! Everything here is **pure and deterministic**: `now` is a parameter, nothing reads the clock or
//! the process time zone, and the same input always gives the same plan.
//!
//! Times follow the workspace rule: slots are chosen as *local wall-clock hours* of an IANA zone
//! ([`SchedulePolicy::timezone`], America/New_York by default) and returned as UTC instants.
//! A slot at 09:00 local stays at 09:00 local on both sides of a DST change; a nonexistent local
//! time moves forward to the first instant after the gap, an ambiguous one takes the earlier
//! instant (see [`resolve_local`]).
//!
//! The defaults ([`PlatformPolicy`]): LinkedIn Tuesday–Thursday 08:00–10:00 best, at most 2 a
//! day, 4 hours apart; the newsletter (Customer.io) Tuesday/Thursday 09:00–11:00, 1 a day; the
//! blog (Webflow) weekdays 10:00–14:00, 1 a day. Notion tracks content, it is not a channel, so
//! it has no policy. An [`EngagementHistory`] built from analytics reweights these curves, blended
//! with them so that little data cannot dominate.
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use growth_core::domain::ContentType;
//! use growth_core::schedule::{PlanItem, SchedulePolicy, plan};
//!
//! let items = [
//!     PlanItem::for_content("post-1", ContentType::LinkedinPost),
//!     PlanItem::for_content("post-2", ContentType::LinkedinPost),
//!     PlanItem::for_content("newsletter", ContentType::Newsletter),
//! ];
//! let now = Utc.with_ymd_and_hms(2026, 2, 16, 15, 0, 0).unwrap(); // Monday 10:00 in New York
//! let start = NaiveDate::from_ymd_opt(2026, 2, 17).unwrap();
//! let planned = plan(&items, start, &[], &SchedulePolicy::default(), None, now)?;
//!
//! // Tuesday 09:00 and Wednesday 09:00 New York time (EST, UTC-5) for LinkedIn,
//! // Tuesday 09:00 for the newsletter.
//! assert_eq!(planned[0], ("post-1", Utc.with_ymd_and_hms(2026, 2, 17, 14, 0, 0).unwrap()));
//! assert_eq!(planned[1], ("post-2", Utc.with_ymd_and_hms(2026, 2, 18, 14, 0, 0).unwrap()));
//! assert_eq!(planned[2], ("newsletter", Utc.with_ymd_and_hms(2026, 2, 17, 14, 0, 0).unwrap()));
//! # Ok::<(), growth_core::Error>(())
//! ```

mod history;
mod local;
mod plan;
mod policy;
#[cfg(test)]
mod tests;

pub use history::{EngagementHistory, Observation};
pub use local::resolve_local;
pub use plan::{Distribution, PlanItem, plan, plan_schedules, validate_manual};
pub use policy::{DEFAULT_TIMEZONE, PlatformPolicy, SchedulePolicy, WeightCurve};
