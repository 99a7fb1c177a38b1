//! Where and how often each platform may post: windows, caps, gaps, zone.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use chrono::{Duration, NaiveDate, Weekday};
use chrono_tz::Tz;

use crate::domain::Platform;
use crate::{Error, Result};

/// How good each local (weekday, hour) is for posting: 7 × 24 non-negative weights, Monday first.
///
/// A weight of `0` closes the hour: the planner never posts there, whatever the history says.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightCurve {
    weights: [[f64; 24]; 7],
}

impl Default for WeightCurve {
    /// The all-closed curve.
    fn default() -> Self {
        Self { weights: [[0.0; 24]; 7] }
    }
}

impl WeightCurve {
    /// A curve with every hour closed; open hours with [`WeightCurve::with`].
    pub fn closed() -> Self {
        Self::default()
    }

    /// Sets `weight` for every hour in `hours` (local, `0..24`) of every day in `days`.
    /// Hours past 23 are ignored.
    pub fn with(mut self, days: &[Weekday], hours: Range<u32>, weight: f64) -> Self {
        for day in days {
            for hour in hours.clone().filter(|h| *h < 24) {
                self.weights[day.num_days_from_monday() as usize][hour as usize] = weight;
            }
        }
        self
    }

    /// Multiplies every weight of the days in `days` by `factor`.
    pub fn scaled(mut self, days: &[Weekday], factor: f64) -> Self {
        for day in days {
            for w in &mut self.weights[day.num_days_from_monday() as usize] {
                *w *= factor;
            }
        }
        self
    }

    /// The weight of `hour` (local, `0..24`) on `day`; `0` for hours past 23.
    pub fn weight(&self, day: Weekday, hour: u32) -> f64 {
        self.weights[day.num_days_from_monday() as usize].get(hour as usize).copied().unwrap_or(0.0)
    }

    /// The largest weight of the curve.
    pub fn max_weight(&self) -> f64 {
        self.weights.iter().flatten().copied().fold(0.0, f64::max)
    }

    fn validate(&self, platform: Platform) -> Result<()> {
        if self.weights.iter().flatten().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(Error::invalid_field("policy", format!("the {platform} weight curve must be finite and non-negative")));
        }
        Ok(())
    }
}

const WEEKDAYS: [Weekday; 5] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
const WEEKEND: [Weekday; 2] = [Weekday::Sat, Weekday::Sun];

/// The rules of one platform.
#[derive(Clone, Debug, PartialEq)]
pub struct PlatformPolicy {
    /// At most this many posts per local calendar day (already taken ones included). `0` disables
    /// the platform.
    pub daily_cap: u32,
    /// At least this long between two posts on the platform (already taken ones included).
    pub min_gap: Duration,
    /// How good each local hour is.
    pub curve: WeightCurve,
}

impl PlatformPolicy {
    /// LinkedIn: Tuesday–Thursday 08:00–10:00 best (09:00 the peak), the rest of the working day
    /// good, Monday and Friday at 60 %; at most 2 a day, 4 hours apart.
    pub fn linkedin() -> Self {
        let shape = |c: WeightCurve, days: &[Weekday]| {
            c.with(days, 7..8, 0.5)
                .with(days, 8..9, 0.9)
                .with(days, 9..10, 1.0)
                .with(days, 10..12, 0.7)
                .with(days, 12..13, 0.5)
                .with(days, 13..17, 0.4)
                .with(days, 17..18, 0.25)
        };
        let curve = shape(WeightCurve::closed(), &WEEKDAYS).scaled(&[Weekday::Mon, Weekday::Fri], 0.6);
        let curve = shape(curve, &WEEKEND).scaled(&WEEKEND, 0.1);
        Self { daily_cap: 2, min_gap: Duration::hours(4), curve }
    }

    /// Newsletter (Customer.io): Tuesday and Thursday 09:00–11:00 best, other weekday mornings
    /// weaker; 1 a day, 20 hours apart.
    pub fn newsletter() -> Self {
        let best = [Weekday::Tue, Weekday::Thu];
        let curve = WeightCurve::closed()
            .with(&WEEKDAYS, 8..12, 0.3)
            .with(&[Weekday::Wed], 9..11, 0.5)
            .with(&best, 8..9, 0.5)
            .with(&best, 9..10, 1.0)
            .with(&best, 10..11, 0.9)
            .with(&best, 11..12, 0.5)
            .with(&WEEKEND, 9..11, 0.05);
        Self { daily_cap: 1, min_gap: Duration::hours(20), curve }
    }

    /// Blog (Webflow): weekdays 10:00–14:00 best (10:00 the peak); 1 a day.
    pub fn blog() -> Self {
        let curve = WeightCurve::closed()
            .with(&WEEKDAYS, 9..10, 0.5)
            .with(&WEEKDAYS, 10..11, 1.0)
            .with(&WEEKDAYS, 11..14, 0.9)
            .with(&WEEKDAYS, 14..16, 0.5)
            .with(&WEEKEND, 10..14, 0.1);
        Self { daily_cap: 1, min_gap: Duration::hours(4), curve }
    }

    fn validate(&self, platform: Platform) -> Result<()> {
        if self.min_gap < Duration::zero() {
            return Err(Error::invalid_field("policy", format!("the {platform} minimum gap must not be negative")));
        }
        self.curve.validate(platform)
    }
}

/// The longest search horizon a policy may ask for (ten years).
const MAX_HORIZON_DAYS: u32 = 3660;

/// The default zone for audience windows.
pub const DEFAULT_TIMEZONE: Tz = chrono_tz::America::New_York;

/// How [`plan`](super::plan) distributes posts.
///
/// `Default` is: America/New_York, LinkedIn + newsletter (Customer.io) + blog (Webflow) with the
/// defaults of [`PlatformPolicy`], business days only, no holidays, each later day worth 85 % of
/// the one before, a one-year search horizon. Notion is not a channel (it tracks), so it has no
/// policy: planning an item for it is an error.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulePolicy {
    /// The audience's zone; every window, cap and day is local to it.
    pub timezone: Tz,
    /// The rules per platform; a platform without an entry cannot be planned.
    pub per_platform: BTreeMap<Platform, PlatformPolicy>,
    /// Skip Saturdays and Sundays.
    pub business_days_only: bool,
    /// Local dates never posted on (whatever `business_days_only` says).
    pub holidays: BTreeSet<NaiveDate>,
    /// Urgency, in `(0, 1]`: a slot one day later is worth this fraction of the same slot today.
    /// `1` waits for the very best slot however far; lower values prefer sooner over better.
    pub day_discount: f64,
    /// How many days after the first plannable day to look for a free slot before giving up
    /// (at most ten years).
    pub horizon_days: u32,
    /// No slot is planned sooner than this after `now`.
    pub min_lead: Duration,
}

impl Default for SchedulePolicy {
    fn default() -> Self {
        Self {
            timezone: DEFAULT_TIMEZONE,
            per_platform: BTreeMap::from([
                (Platform::LINKEDIN, PlatformPolicy::linkedin()),
                (Platform::CUSTOMER_IO, PlatformPolicy::newsletter()),
                (Platform::WEBFLOW, PlatformPolicy::blog()),
            ]),
            business_days_only: true,
            holidays: BTreeSet::new(),
            day_discount: 0.85,
            horizon_days: 366,
            min_lead: Duration::zero(),
        }
    }
}

impl SchedulePolicy {
    /// The default policy in another zone.
    pub fn in_zone(timezone: Tz) -> Self {
        Self { timezone, ..Self::default() }
    }

    /// The rules for `platform`, or an error naming it when it has none.
    pub fn for_platform(&self, platform: Platform) -> Result<&PlatformPolicy> {
        self.per_platform.get(&platform).ok_or_else(|| {
            Error::invalid_field("platform", format!("{platform} has no schedule policy (it is not a publishing channel here)"))
        })
    }

    /// Whether posts may go out on local date `day`.
    pub fn is_posting_day(&self, day: NaiveDate) -> bool {
        use chrono::Datelike;
        !(self.holidays.contains(&day) || self.business_days_only && matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if !(self.day_discount > 0.0 && self.day_discount <= 1.0) {
            return Err(Error::invalid_field("policy", "day_discount must be in (0, 1]"));
        }
        if self.horizon_days > MAX_HORIZON_DAYS {
            return Err(Error::invalid_field("policy", format!("horizon_days must be at most {MAX_HORIZON_DAYS}")));
        }
        if self.min_lead < Duration::zero() {
            return Err(Error::invalid_field("policy", "min_lead must not be negative"));
        }
        for (platform, p) in &self.per_platform {
            p.validate(*platform)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_linkedin_curve_peaks_tuesday_to_thursday_at_nine() {
        let c = PlatformPolicy::linkedin().curve;
        assert_eq!(c.weight(Weekday::Tue, 9), 1.0);
        assert_eq!(c.weight(Weekday::Thu, 9), 1.0);
        assert!(c.weight(Weekday::Mon, 9) < c.weight(Weekday::Wed, 9));
        assert!(c.weight(Weekday::Wed, 8) > c.weight(Weekday::Wed, 14));
        assert_eq!(c.weight(Weekday::Wed, 3), 0.0);
        assert_eq!(c.weight(Weekday::Wed, 24), 0.0);
        assert_eq!(c.max_weight(), 1.0);
    }

    #[test]
    fn notion_is_not_a_channel_and_has_no_policy() {
        let p = SchedulePolicy::default();
        assert!(p.for_platform(Platform::NOTION).is_err());
        assert_eq!(p.for_platform(Platform::CUSTOMER_IO).unwrap().daily_cap, 1);
        assert_eq!(p.for_platform(Platform::WEBFLOW).unwrap().daily_cap, 1);
        assert_eq!(p.for_platform(Platform::LINKEDIN).unwrap().daily_cap, 2);
    }

    #[test]
    fn weekends_and_holidays_are_not_posting_days() {
        let mut p = SchedulePolicy::default();
        let sat = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let thanksgiving = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert!(!p.is_posting_day(sat));
        assert!(p.is_posting_day(thanksgiving));
        p.holidays.insert(thanksgiving);
        assert!(!p.is_posting_day(thanksgiving));
        p.business_days_only = false;
        assert!(p.is_posting_day(sat));
    }

    #[test]
    fn a_bad_policy_is_refused() {
        let p = SchedulePolicy { day_discount: 0.0, ..SchedulePolicy::default() };
        assert!(p.validate().is_err());
        let mut p = SchedulePolicy::default();
        p.per_platform.insert(
            Platform::LINKEDIN,
            PlatformPolicy { curve: WeightCurve::closed().with(&WEEKDAYS, 9..10, f64::NAN), ..PlatformPolicy::linkedin() },
        );
        assert!(p.validate().is_err());
    }
}
