//! What past posts earned, by local (weekday, hour), to reweight the default curves.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use super::local::local_of;
use crate::domain::{EngagementMetrics, Platform};

/// One published post and how well it did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    /// Where it was published.
    pub platform: Platform,
    /// When it went live.
    pub published_at: DateTime<Utc>,
    /// How well it did, on any non-negative scale (only ratios between hours matter).
    pub score: f64,
}

impl Observation {
    /// An observation scored from platform counters: likes + 2 × comments + 3 × shares + clicks.
    pub fn from_metrics(platform: Platform, published_at: DateTime<Utc>, m: &EngagementMetrics) -> Self {
        let score = m.likes as f64 + 2.0 * m.comments as f64 + 3.0 * m.shares as f64 + m.clicks as f64;
        Self { platform, published_at, score }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Cell {
    sum: f64,
    count: u32,
}

/// Average engagement by local (weekday, hour) per platform, from analytics.
///
/// Used by [`plan`](super::plan) to reweight a platform's curve: an hour whose posts did better
/// than the platform's average gets more weight, one that did worse gets less. The adjustment is
/// shrunk towards "no change" by `prior_strength` (an hour with `n` posts moves
/// `n / (n + prior_strength)` of the way), so a handful of posts cannot dominate the defaults, and
/// an hour the policy closes (weight `0`) stays closed.
#[derive(Clone, Debug, PartialEq)]
pub struct EngagementHistory {
    timezone: Tz,
    cells: BTreeMap<(Platform, u32, u32), Cell>,
    /// Pseudo-count of the default curve; higher trusts history less. Default 5.
    pub prior_strength: f64,
}

impl EngagementHistory {
    /// Empty history whose hours are local to `timezone` (use the policy's zone).
    pub fn new(timezone: Tz) -> Self {
        Self { timezone, cells: BTreeMap::new(), prior_strength: 5.0 }
    }

    /// History from observations; those with a negative or non-finite score are skipped.
    pub fn from_observations(timezone: Tz, observations: impl IntoIterator<Item = Observation>) -> Self {
        let mut h = Self::new(timezone);
        for o in observations {
            h.record(o);
        }
        h
    }

    /// Adds one observation (skipped when its score is negative or not finite).
    pub fn record(&mut self, o: Observation) {
        if !o.score.is_finite() || o.score < 0.0 {
            return;
        }
        let local = local_of(self.timezone, o.published_at);
        let cell = self.cells.entry((o.platform, local.weekday().num_days_from_monday(), local.hour())).or_default();
        cell.sum += o.score;
        cell.count += 1;
    }

    /// The zone the hours are local to.
    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// How many posts were observed on `platform` at local `hour` of `day`, and their mean score.
    pub fn average(&self, platform: Platform, day: Weekday, hour: u32) -> Option<(u32, f64)> {
        self.cells.get(&(platform, day.num_days_from_monday(), hour)).filter(|c| c.count > 0).map(|c| (c.count, c.sum / f64::from(c.count)))
    }

    fn platform_mean(&self, platform: Platform) -> Option<f64> {
        let (sum, count) =
            self.cells.range((platform, 0, 0)..=(platform, 6, 23)).fold((0.0, 0u32), |(s, n), (_, c)| (s + c.sum, n + c.count));
        (count > 0 && sum > 0.0).then(|| sum / f64::from(count))
    }

    /// The factor the default weight of (`day`, `hour`) is multiplied by: `1` without data,
    /// otherwise a blend of `1` and the hour's mean relative to the platform's mean (clamped to
    /// `[0.25, 4]` before blending).
    pub fn factor(&self, platform: Platform, day: Weekday, hour: u32) -> f64 {
        let (Some(mean), Some((n, avg))) = (self.platform_mean(platform), self.average(platform, day, hour)) else {
            return 1.0;
        };
        let relative = (avg / mean).clamp(0.25, 4.0);
        let trust = f64::from(n) / (f64::from(n) + self.prior_strength.max(0.0));
        (1.0 - trust) + trust * relative
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::America::New_York;

    #[test]
    fn observations_land_in_their_local_hour() {
        // 2026-11-03 is a Tuesday; 14:30Z is 09:30 EST.
        let at = Utc.with_ymd_and_hms(2026, 11, 3, 14, 30, 0).unwrap();
        let h =
            EngagementHistory::from_observations(New_York, [Observation { platform: Platform::LINKEDIN, published_at: at, score: 8.0 }]);
        assert_eq!(h.average(Platform::LINKEDIN, Weekday::Tue, 9), Some((1, 8.0)));
        assert_eq!(h.average(Platform::LINKEDIN, Weekday::Tue, 14), None);
    }

    #[test]
    fn few_posts_move_the_factor_little_and_many_move_it_more() {
        let tue = |h: u32, week: i64| Utc.with_ymd_and_hms(2026, 11, 3, h + 5, 0, 0).unwrap() + chrono::Duration::weeks(week);
        let obs =
            |h: u32, n: i64, score: f64| (0..n).map(move |w| Observation { platform: Platform::LINKEDIN, published_at: tue(h, w), score });
        let few = EngagementHistory::from_observations(New_York, obs(9, 1, 1.0).chain(obs(10, 1, 9.0)));
        let many = EngagementHistory::from_observations(New_York, obs(9, 30, 1.0).chain(obs(10, 30, 9.0)));
        let (f_few, f_many) = (few.factor(Platform::LINKEDIN, Weekday::Tue, 10), many.factor(Platform::LINKEDIN, Weekday::Tue, 10));
        assert!(1.0 < f_few && f_few < f_many, "{f_few} {f_many}");
        assert!(many.factor(Platform::LINKEDIN, Weekday::Tue, 9) < 1.0);
        assert_eq!(many.factor(Platform::WEBFLOW, Weekday::Tue, 10), 1.0);
        assert_eq!(many.factor(Platform::LINKEDIN, Weekday::Wed, 10), 1.0);
    }

    #[test]
    fn metrics_are_scored_with_comments_and_shares_weighing_more() {
        let m = EngagementMetrics { likes: 10, comments: 2, shares: 1, clicks: 4, impressions: 1000 };
        let o = Observation::from_metrics(Platform::LINKEDIN, Utc::now(), &m);
        assert_eq!(o.score, 10.0 + 4.0 + 3.0 + 4.0);
    }
}
