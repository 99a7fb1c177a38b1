//! The best time to publish, learned from how past posts did.
//!
//! # Method
//!
//! (Robinson, "Understanding empirical Bayes estimation", 2015; the benchmarks only as a prior.)
//!
//! - A **slot** is a weekday × 2-hour block in the audience's zone ([`Slot`]; Tuesday 08:00–10:00).
//! - Each post is measured at a **fixed age** (72 h by default): its impressions `n` and
//!   engagements `e` from the first daily snapshot taken at or after that age
//!   ([`PostOutcome::at_fixed_age`]). Younger posts are left out, so every post is compared at the
//!   same age.
//! - Per platform, a Beta(α₀, β₀) **prior** is fitted to the account's per-post rates `e/n` by the
//!   method of moments: mean `m`, variance `v`, `α₀ + β₀ = m(1−m)/v − 1`. When the account has
//!   fewer than [`BestTimeConfig::min_account_posts`] posts (or the rates do not vary), the prior is
//!   the configured benchmark rate with [`BestTimeConfig::prior_strength`] pseudo-impressions.
//!   Either way the prior mean of a slot is **nudged** (±[`BestTimeConfig::benchmark_nudge`]) toward
//!   the published benchmark windows, given as the platform's weight curve (the scheduling
//!   policy's defaults encode them).
//! - A slot's estimate is the posterior mean `(α + Σe) / (α + β + Σn)` with a **credible interval**
//!   (the central [`BestTimeConfig::credible_mass`] of Beta(α + Σe, β + Σn − Σe)); a slot with fewer
//!   than [`BestTimeConfig::min_posts_per_slot`] posts reports the prior instead.
//! - The next slot is picked by **Thompson sampling** ([`BestTimeModel::thompson`]): one draw per
//!   candidate slot from its distribution (the prior for a slot with too few posts), the highest
//!   draw wins. A slot that clearly does better wins most draws; a slot never tried still wins
//!   now and then, so it gets tried. Draws use a seeded generator: the same seed gives the same pick.
//! - [`BestTimeModel::recommend`] turns the pick into `best_publish_time` (the slot's next start
//!   after a given instant, DST-safe) and `predicted_engagement` (rate, interval, posts).
//!
//! Timing effects are small and confounded with what was posted when; say so where the numbers
//! are shown.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::Platform;
use crate::schedule::{WeightCurve, resolve_local};
use crate::{Error, Result};

/// Hours per slot.
pub const SLOT_HOURS: u32 = 2;
/// Slots per day.
pub const SLOTS_PER_DAY: u8 = (24 / SLOT_HOURS) as u8;

/// A weekday × 2-hour block of local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slot {
    /// Days from Monday (0–6).
    pub day: u8,
    /// Block of the day (0–11: 0 is 00:00–02:00).
    pub block: u8,
}

impl Slot {
    /// The slot of `weekday` that contains local hour `hour`.
    pub fn new(weekday: Weekday, hour: u32) -> Self {
        Self { day: weekday.num_days_from_monday() as u8, block: (hour.min(23) / SLOT_HOURS) as u8 }
    }

    /// The slot `at` falls in, in `tz`.
    pub fn of(tz: Tz, at: DateTime<Utc>) -> Self {
        let local = at.with_timezone(&tz);
        Self::new(local.weekday(), local.hour())
    }

    /// Its weekday.
    pub fn weekday(&self) -> Weekday {
        Weekday::try_from(self.day % 7).unwrap_or(Weekday::Mon)
    }

    /// Its first local hour.
    pub fn start_hour(&self) -> u32 {
        u32::from(self.block) * SLOT_HOURS
    }

    /// Every slot, Monday 00:00 first.
    pub fn all() -> impl Iterator<Item = Slot> {
        (0..7u8).flat_map(|day| (0..SLOTS_PER_DAY).map(move |block| Slot { day, block }))
    }

    /// The slots in which `curve` opens at least one hour.
    pub fn open_in(curve: &WeightCurve) -> Vec<Slot> {
        Slot::all().filter(|s| curve_weight(curve, *s) > 0.0).collect()
    }

    /// The first start of this slot strictly after `after`, in `tz` (a start in a DST gap moves to
    /// the first instant after it).
    pub fn next_start_after(&self, tz: Tz, after: DateTime<Utc>) -> DateTime<Utc> {
        let local_date = after.with_timezone(&tz).date_naive();
        let time = NaiveTime::from_hms_opt(self.start_hour(), 0, 0).unwrap_or(NaiveTime::MIN);
        (0..=8)
            .map(|d| local_date + Duration::days(d))
            .filter(|d| d.weekday() == self.weekday())
            .map(|d| resolve_local(tz, d.and_time(time)))
            .find(|t| *t > after)
            .unwrap_or(after + Duration::days(7))
    }
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:02}:00–{:02}:00", self.weekday(), self.start_hour(), self.start_hour() + SLOT_HOURS)
    }
}

/// The highest weight `curve` gives an hour of `slot`.
fn curve_weight(curve: &WeightCurve, slot: Slot) -> f64 {
    (slot.start_hour()..slot.start_hour() + SLOT_HOURS).map(|h| curve.weight(slot.weekday(), h)).fold(0.0, f64::max)
}

/// One daily snapshot of a post's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When the counters were read.
    pub taken_at: DateTime<Utc>,
    /// Impressions so far.
    pub impressions: u64,
    /// Engagements so far (reactions, comments, shares, clicks — the caller's definition).
    pub engagements: u64,
}

/// How one post did at the fixed age.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostOutcome {
    /// Where it was published.
    pub platform: Platform,
    /// When.
    pub published_at: DateTime<Utc>,
    /// Impressions at the fixed age.
    pub impressions: u64,
    /// Engagements at the fixed age.
    pub engagements: u64,
}

impl PostOutcome {
    /// The outcome at `age`: the earliest snapshot taken at least `age` after publication, or
    /// `None` when the post is younger than that in every snapshot.
    pub fn at_fixed_age(platform: Platform, published_at: DateTime<Utc>, snapshots: &[Snapshot], age: Duration) -> Option<Self> {
        snapshots.iter().filter(|s| s.taken_at - published_at >= age).min_by_key(|s| s.taken_at).map(|s| Self {
            platform,
            published_at,
            impressions: s.impressions,
            engagements: s.engagements.min(s.impressions),
        })
    }
}

/// Settings of the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BestTimeConfig {
    /// The audience's zone (IANA name).
    pub timezone: Tz,
    /// The age posts are compared at, in hours (default 72).
    pub fixed_age_hours: i64,
    /// Fewer posts than this in a slot: the slot reports its prior (default 3).
    pub min_posts_per_slot: u32,
    /// Fewer posts than this on a platform: the prior is the benchmark, not the account (default 10).
    pub min_account_posts: u32,
    /// Engagement per impression assumed when the account has too few posts (default 0.02; an
    /// assumption to configure, not a published figure).
    pub prior_rate: f64,
    /// Weight of that assumption in pseudo-impressions (default 500).
    pub prior_strength: f64,
    /// How far the benchmark windows move a slot's prior mean, 0–1 (default 0.1: ±10 %).
    pub benchmark_nudge: f64,
    /// Probability mass of the credible interval (default 0.9).
    pub credible_mass: f64,
}

impl Default for BestTimeConfig {
    fn default() -> Self {
        Self {
            timezone: crate::schedule::DEFAULT_TIMEZONE,
            fixed_age_hours: 72,
            min_posts_per_slot: 3,
            min_account_posts: 10,
            prior_rate: 0.02,
            prior_strength: 500.0,
            benchmark_nudge: 0.1,
            credible_mass: 0.9,
        }
    }
}

impl BestTimeConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<()> {
        if self.fixed_age_hours < 1 {
            return Err(Error::invalid_field("fixed_age_hours", "must be at least 1"));
        }
        if !(self.prior_rate > 0.0 && self.prior_rate < 1.0) {
            return Err(Error::invalid_field("prior_rate", "must be within 0–1 (exclusive)"));
        }
        if !(self.prior_strength.is_finite() && self.prior_strength > 0.0) {
            return Err(Error::invalid_field("prior_strength", "must be a positive number"));
        }
        if !(0.0..1.0).contains(&self.benchmark_nudge) {
            return Err(Error::invalid_field("benchmark_nudge", "must be within 0–1"));
        }
        if !(self.credible_mass > 0.0 && self.credible_mass < 1.0) {
            return Err(Error::invalid_field("credible_mass", "must be within 0–1 (exclusive)"));
        }
        Ok(())
    }

    /// The fixed age as a duration.
    pub fn fixed_age(&self) -> Duration {
        Duration::hours(self.fixed_age_hours)
    }
}

/// A slot's engagement per impression.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotEstimate {
    /// The slot.
    pub slot: Slot,
    /// Posts measured in it.
    pub posts: u32,
    /// Their impressions.
    pub impressions: u64,
    /// Their engagements.
    pub engagements: u64,
    /// Estimated engagement per impression (posterior mean, or the prior's).
    pub rate: f64,
    /// Lower end of the credible interval.
    pub lower: f64,
    /// Upper end of the credible interval.
    pub upper: f64,
    /// Whether the slot had too few posts and reports its prior.
    pub from_prior: bool,
}

/// What `predicted_engagement` holds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictedEngagement {
    /// Expected engagement per impression.
    pub engagement_rate: f64,
    /// Lower end of the credible interval.
    pub lower: f64,
    /// Upper end of the credible interval.
    pub upper: f64,
    /// Mass of the interval (0.9 = 90 %).
    pub credible_mass: f64,
    /// Posts behind the estimate.
    pub posts: u32,
    /// Whether it is the prior (too few posts in the slot).
    pub from_prior: bool,
    /// Expected engagements at the account's median impressions, when there are posts.
    pub expected_engagements: Option<f64>,
}

/// The pick for the next post.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The slot Thompson sampling picked.
    pub slot: Slot,
    /// Its next start: `best_publish_time`.
    pub best_publish_time: DateTime<Utc>,
    /// `predicted_engagement`.
    pub predicted_engagement: PredictedEngagement,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Stats {
    posts: u32,
    impressions: u64,
    engagements: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct PlatformModel {
    mean: f64,
    strength: f64,
    from_account: bool,
    median_impressions: Option<f64>,
    slots: BTreeMap<Slot, Stats>,
    benchmark: Option<WeightCurve>,
}

/// The fitted model: a prior per platform and counts per slot (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq)]
pub struct BestTimeModel {
    config: BestTimeConfig,
    platforms: BTreeMap<Platform, PlatformModel>,
}

impl BestTimeModel {
    /// Fits the model to `outcomes` (posts with no impressions are skipped), with the benchmark
    /// windows of each platform as weight curves (the scheduling policy's, or none).
    pub fn fit(config: BestTimeConfig, outcomes: &[PostOutcome], benchmarks: &BTreeMap<Platform, WeightCurve>) -> Result<Self> {
        config.validate()?;
        let mut by_platform: BTreeMap<Platform, Vec<&PostOutcome>> = BTreeMap::new();
        for o in outcomes.iter().filter(|o| o.impressions > 0) {
            by_platform.entry(o.platform).or_default().push(o);
        }
        for p in benchmarks.keys() {
            by_platform.entry(*p).or_default();
        }
        let mut platforms = BTreeMap::new();
        for (platform, posts) in by_platform {
            let rates: Vec<f64> = posts.iter().map(|o| o.engagements.min(o.impressions) as f64 / o.impressions as f64).collect();
            let n = rates.len() as f64;
            let (mut mean, mut strength, mut from_account) = (config.prior_rate, config.prior_strength, false);
            if rates.len() as u32 >= config.min_account_posts {
                let m = rates.iter().sum::<f64>() / n;
                let v = rates.iter().map(|r| (r - m).powi(2)).sum::<f64>() / n;
                if m > 0.0 && m < 1.0 && v > 0.0 && v < m * (1.0 - m) {
                    mean = m;
                    strength = (m * (1.0 - m) / v - 1.0).clamp(1.0, 1e7);
                    from_account = true;
                } else if m > 0.0 && m < 1.0 {
                    mean = m;
                }
            }
            let mut slots: BTreeMap<Slot, Stats> = BTreeMap::new();
            for o in &posts {
                let s = slots.entry(Slot::of(config.timezone, o.published_at)).or_default();
                s.posts += 1;
                s.impressions += o.impressions;
                s.engagements += o.engagements.min(o.impressions);
            }
            let mut impressions: Vec<u64> = posts.iter().map(|o| o.impressions).collect();
            impressions.sort_unstable();
            let median_impressions = (!impressions.is_empty()).then(|| impressions[impressions.len() / 2] as f64);
            platforms.insert(
                platform,
                PlatformModel { mean, strength, from_account, median_impressions, slots, benchmark: benchmarks.get(&platform).cloned() },
            );
        }
        Ok(Self { config, platforms })
    }

    /// The configuration.
    pub fn config(&self) -> &BestTimeConfig {
        &self.config
    }

    /// The platform's prior (α₀, β₀), and whether it was fitted to the account (else the benchmark).
    pub fn prior(&self, platform: Platform) -> (f64, f64, bool) {
        match self.platforms.get(&platform) {
            Some(m) => (m.mean * m.strength, (1.0 - m.mean) * m.strength, m.from_account),
            None => {
                (self.config.prior_rate * self.config.prior_strength, (1.0 - self.config.prior_rate) * self.config.prior_strength, false)
            }
        }
    }

    /// The prior (α, β) of `slot`: the platform's, its mean nudged toward the benchmark windows.
    fn slot_prior(&self, platform: Platform, slot: Slot) -> (f64, f64) {
        let (a0, b0, _) = self.prior(platform);
        let strength = a0 + b0;
        let mut mean = a0 / strength;
        if let Some(curve) = self.platforms.get(&platform).and_then(|m| m.benchmark.as_ref()) {
            let max = curve.max_weight();
            if max > 0.0 {
                let relative = curve_weight(curve, slot) / max;
                mean *= 1.0 + self.config.benchmark_nudge * (2.0 * relative - 1.0);
            }
        }
        let mean = mean.clamp(1e-9, 1.0 - 1e-9);
        (mean * strength, (1.0 - mean) * strength)
    }

    /// The Beta distribution a slot is drawn from: its posterior, or its prior with too few posts.
    fn distribution(&self, platform: Platform, slot: Slot) -> (f64, f64, Stats, bool) {
        let (a, b) = self.slot_prior(platform, slot);
        let stats = self.platforms.get(&platform).and_then(|m| m.slots.get(&slot)).copied().unwrap_or_default();
        if stats.posts < self.config.min_posts_per_slot {
            (a, b, stats, true)
        } else {
            (a + stats.engagements as f64, b + (stats.impressions - stats.engagements) as f64, stats, false)
        }
    }

    /// The estimate of `slot` on `platform`.
    pub fn estimate(&self, platform: Platform, slot: Slot) -> SlotEstimate {
        let (a, b, stats, from_prior) = self.distribution(platform, slot);
        let tail = (1.0 - self.config.credible_mass) / 2.0;
        SlotEstimate {
            slot,
            posts: stats.posts,
            impressions: stats.impressions,
            engagements: stats.engagements,
            rate: a / (a + b),
            lower: beta_quantile(tail, a, b),
            upper: beta_quantile(1.0 - tail, a, b),
            from_prior,
        }
    }

    /// The candidate with the highest estimated rate (exploitation only; ties go to the earlier slot).
    pub fn best(&self, platform: Platform, candidates: &[Slot]) -> Option<SlotEstimate> {
        candidates.iter().map(|s| self.estimate(platform, *s)).fold(None, |best: Option<SlotEstimate>, e| match best {
            Some(b) if b.rate >= e.rate => Some(b),
            _ => Some(e),
        })
    }

    /// One Thompson-sampling pick among `candidates` (see the [module docs](self)).
    pub fn thompson(&self, platform: Platform, candidates: &[Slot], rng: &mut fastrand::Rng) -> Option<Slot> {
        let mut best: Option<(Slot, f64)> = None;
        for &slot in candidates {
            let (a, b, ..) = self.distribution(platform, slot);
            let draw = sample_beta(rng, a, b);
            if best.is_none_or(|(_, d)| draw > d) {
                best = Some((slot, draw));
            }
        }
        best.map(|(s, _)| s)
    }

    /// The next post's slot by Thompson sampling, its next start after `after`, and its predicted
    /// engagement. `None` without candidates.
    pub fn recommend(
        &self,
        platform: Platform,
        candidates: &[Slot],
        after: DateTime<Utc>,
        rng: &mut fastrand::Rng,
    ) -> Option<Recommendation> {
        let slot = self.thompson(platform, candidates, rng)?;
        let e = self.estimate(platform, slot);
        let median = self.platforms.get(&platform).and_then(|m| m.median_impressions);
        Some(Recommendation {
            slot,
            best_publish_time: slot.next_start_after(self.config.timezone, after),
            predicted_engagement: PredictedEngagement {
                engagement_rate: e.rate,
                lower: e.lower,
                upper: e.upper,
                credible_mass: self.config.credible_mass,
                posts: e.posts,
                from_prior: e.from_prior,
                expected_engagements: median.map(|m| m * e.rate),
            },
        })
    }

    /// `base` reweighted by the slots' estimates relative to the platform's prior mean (clamped to
    /// ×0.25–×4), for smart distribution once enough posts exist; closed hours stay closed and
    /// slots reporting their prior keep their weight.
    pub fn weight_curve(&self, platform: Platform, base: &WeightCurve) -> WeightCurve {
        let (a0, b0, _) = self.prior(platform);
        let mean = a0 / (a0 + b0);
        let mut curve = base.clone();
        for slot in Slot::all() {
            let e = self.estimate(platform, slot);
            if e.from_prior || mean <= 0.0 {
                continue;
            }
            let factor = (e.rate / mean).clamp(0.25, 4.0);
            for h in slot.start_hour()..slot.start_hour() + SLOT_HOURS {
                curve = curve.with(&[slot.weekday()], h..h + 1, base.weight(slot.weekday(), h) * factor);
            }
        }
        curve
    }
}

// ---- Distributions -------------------------------------------------------------------------

/// A standard normal draw (Box–Muller).
fn sample_normal(rng: &mut fastrand::Rng) -> f64 {
    let u1 = 1.0 - rng.f64(); // (0, 1]
    let u2 = rng.f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A Gamma(shape, 1) draw (Marsaglia and Tsang, 2000; shapes below 1 boosted by `U^(1/shape)`).
fn sample_gamma(rng: &mut fastrand::Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = 1.0 - rng.f64();
        return sample_gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = sample_normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.f64();
        if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// A Beta(a, b) draw, as X / (X + Y) of two Gamma draws.
pub fn sample_beta(rng: &mut fastrand::Rng, a: f64, b: f64) -> f64 {
    let x = sample_gamma(rng, a.max(1e-9));
    let y = sample_gamma(rng, b.max(1e-9));
    if x + y == 0.0 { 0.5 } else { x / (x + y) }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = G[1..].iter().enumerate().fold(G[0], |s, (i, g)| s + g / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=10_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-12 {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function I_x(a, b): the CDF of Beta(a, b) at `x`.
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) { front * beta_cf(a, b, x) / a } else { 1.0 - front * beta_cf(b, a, 1.0 - x) / b }
}

/// The inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] =
        [-5.447_609_879_822_406e1, 1.615_858_368_580_409e2, -1.556_989_798_598_866e2, 6.680_131_188_771_972e1, -1.328_068_155_288_572e1];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The `p` quantile of Beta(a, b): by bisection on [`beta_cdf`], or, when a + b > 10⁴ (where the
/// Beta is all but normal and the continued fraction slow), from the normal with its mean and
/// variance.
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    if a + b > 1e4 {
        let mean = a / (a + b);
        let sd = (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt();
        return (mean + sd * normal_quantile(p)).clamp(0.0, 1.0);
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if beta_cdf(mid, a, b) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::PlatformPolicy;
    use chrono::TimeZone;
    use chrono_tz::America::New_York;
    use proptest::prelude::*;

    const LI: Platform = Platform::LINKEDIN;

    /// A Tuesday 09:00 New York (14:00Z in winter), `week` weeks later, shifted by `hours`.
    fn at(week: i64, hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 6, 14, 0, 0).unwrap() + Duration::weeks(week) + Duration::hours(hours)
    }

    fn posts(hours: i64, n: i64, impressions: u64, engagements: u64) -> Vec<PostOutcome> {
        (0..n).map(|w| PostOutcome { platform: LI, published_at: at(w, hours), impressions, engagements }).collect()
    }

    fn fit(outcomes: &[PostOutcome]) -> BestTimeModel {
        BestTimeModel::fit(BestTimeConfig::default(), outcomes, &BTreeMap::new()).unwrap()
    }

    #[test]
    fn posts_are_measured_at_the_first_snapshot_at_or_after_the_fixed_age() {
        let p = at(0, 0);
        let snap = |h: i64, n: u64| Snapshot { taken_at: p + Duration::hours(h), impressions: n, engagements: n / 10 };
        let snaps = [snap(24, 100), snap(96, 400), snap(72, 300), snap(48, 200)];
        let o = PostOutcome::at_fixed_age(LI, p, &snaps, Duration::hours(72)).unwrap();
        assert_eq!((o.impressions, o.engagements), (300, 30));
        assert_eq!(PostOutcome::at_fixed_age(LI, p, &snaps[..1], Duration::hours(72)), None, "too young");
    }

    #[test]
    fn slots_are_weekday_by_two_hours_in_the_audience_zone() {
        assert_eq!(Slot::of(New_York, at(0, 0)), Slot::new(Weekday::Tue, 9));
        assert_eq!(Slot::new(Weekday::Tue, 9), Slot { day: 1, block: 4 });
        assert_eq!(Slot::new(Weekday::Tue, 9).to_string(), "Tue 08:00–10:00");
        assert_eq!(Slot::all().count(), 84);
        // Next start: Tuesday 08:00 New York after a Wednesday is the following Tuesday, and a
        // slot across the March DST change keeps its local hour.
        let wed = Utc.with_ymd_and_hms(2027, 3, 10, 12, 0, 0).unwrap();
        let next = Slot::new(Weekday::Tue, 8).next_start_after(New_York, wed);
        assert_eq!(next, Utc.with_ymd_and_hms(2027, 3, 16, 12, 0, 0).unwrap(), "08:00 EDT");
        let sun = Slot::new(Weekday::Sun, 2).next_start_after(New_York, Utc.with_ymd_and_hms(2027, 3, 13, 12, 0, 0).unwrap());
        assert_eq!(sun, Utc.with_ymd_and_hms(2027, 3, 14, 7, 0, 0).unwrap(), "02:00 does not exist that day: 03:00 EDT");
    }

    #[test]
    fn the_prior_is_fitted_to_the_account_by_the_method_of_moments() {
        // Rates 0.02 and 0.06 alternating: mean 0.04, variance 0.0004 → α₀+β₀ = 0.04·0.96/0.0004 − 1 = 95.
        let mut outcomes = Vec::new();
        for w in 0..12 {
            let e = if w % 2 == 0 { 20 } else { 60 };
            outcomes.push(PostOutcome { platform: LI, published_at: at(w, 3 * (w % 5)), impressions: 1000, engagements: e });
        }
        let (a, b, from_account) = fit(&outcomes).prior(LI);
        assert!(from_account);
        assert!((a / (a + b) - 0.04).abs() < 1e-9);
        assert!((a + b - 95.0).abs() < 1e-6, "{}", a + b);
    }

    #[test]
    fn with_thin_data_the_benchmark_is_the_prior_and_its_windows_nudge_it() {
        let curves = BTreeMap::from([(LI, PlatformPolicy::linkedin().curve)]);
        let model = BestTimeModel::fit(BestTimeConfig::default(), &posts(0, 4, 1000, 50), &curves).unwrap();
        let (a, b, from_account) = model.prior(LI);
        assert!(!from_account);
        assert!((a / (a + b) - 0.02).abs() < 1e-12);
        let peak = model.estimate(LI, Slot::new(Weekday::Wed, 9));
        let night = model.estimate(LI, Slot::new(Weekday::Sat, 2));
        assert!(peak.from_prior && night.from_prior);
        assert!((peak.rate - 0.022).abs() < 1e-9 && (night.rate - 0.018).abs() < 1e-9, "{} {}", peak.rate, night.rate);
    }

    #[test]
    fn a_slot_with_fewer_than_three_posts_reports_its_prior_and_estimates_shrink_toward_the_mean() {
        let mut outcomes = posts(0, 10, 1000, 20); // Tue 08–10: 2 %
        outcomes.extend(posts(4, 2, 1000, 200)); // Tue 12–14: 20 %, only 2 posts
        outcomes.extend(posts(24, 3, 1000, 80)); // Wed 08–10: 8 %, 3 posts
        let model = fit(&outcomes);
        let (a, b, _) = model.prior(LI);
        let two = model.estimate(LI, Slot::new(Weekday::Tue, 13));
        assert!(two.from_prior && (two.rate - a / (a + b)).abs() < 1e-12);
        let three = model.estimate(LI, Slot::new(Weekday::Wed, 9));
        assert!(!three.from_prior);
        assert!(three.rate < 0.08 && three.rate > a / (a + b), "shrunk toward the account mean: {}", three.rate);
        assert!(three.lower < three.rate && three.rate < three.upper);
        let ten = model.estimate(LI, Slot::new(Weekday::Tue, 9));
        assert!(ten.upper - ten.lower < three.upper - three.lower, "more posts, a narrower interval");
    }

    #[test]
    fn a_clearly_better_slot_wins_most_draws_and_an_untried_slot_is_still_tried() {
        let mut outcomes = posts(0, 12, 2000, 120); // Tue 08–10: 6 %
        outcomes.extend(posts(24, 12, 2000, 60)); // Wed 08–10: 3 %
        let model = fit(&outcomes);
        let (good, worse, untried) = (Slot::new(Weekday::Tue, 9), Slot::new(Weekday::Wed, 9), Slot::new(Weekday::Thu, 9));
        let mut rng = fastrand::Rng::with_seed(7);
        let mut wins: BTreeMap<Slot, u32> = BTreeMap::new();
        for _ in 0..2000 {
            *wins.entry(model.thompson(LI, &[good, worse, untried], &mut rng).unwrap()).or_default() += 1;
        }
        let (g, w, u) =
            (wins.get(&good).copied().unwrap_or(0), wins.get(&worse).copied().unwrap_or(0), wins.get(&untried).copied().unwrap_or(0));
        assert!(g > 2 * u && g > 1000, "good {g}, worse {w}, untried {u}");
        assert!(u >= 20, "the untried slot is explored: {u}");
        assert!(w < g / 10, "the worse slot rarely wins: {w}");
        assert_eq!(model.best(LI, &[worse, good, untried]).unwrap().slot, good);
    }

    #[test]
    fn the_recommendation_carries_the_next_start_and_the_prediction() {
        let model = fit(&posts(0, 12, 2000, 100));
        let mut rng = fastrand::Rng::with_seed(1);
        let after = at(20, 30);
        let r = model.recommend(LI, &[Slot::new(Weekday::Tue, 9)], after, &mut rng).unwrap();
        assert_eq!(r.best_publish_time, Slot::new(Weekday::Tue, 8).next_start_after(New_York, after));
        assert!(r.best_publish_time > after);
        assert!((r.predicted_engagement.engagement_rate - 0.05).abs() < 0.005);
        assert_eq!(
            r.predicted_engagement.expected_engagements.map(|e| e.round()),
            Some((2000.0 * r.predicted_engagement.engagement_rate).round())
        );
        let same = model.recommend(LI, &[Slot::new(Weekday::Tue, 9), Slot::new(Weekday::Fri, 9)], after, &mut fastrand::Rng::with_seed(3));
        let again = model.recommend(LI, &[Slot::new(Weekday::Tue, 9), Slot::new(Weekday::Fri, 9)], after, &mut fastrand::Rng::with_seed(3));
        assert_eq!(same, again, "seeded");
    }

    #[test]
    fn the_weight_curve_follows_the_estimates_and_keeps_closed_hours_closed() {
        let mut outcomes = posts(0, 12, 2000, 160);
        outcomes.extend(posts(24, 12, 2000, 40));
        let model = fit(&outcomes);
        let base = PlatformPolicy::linkedin().curve;
        let curve = model.weight_curve(LI, &base);
        assert!(curve.weight(Weekday::Tue, 9) > base.weight(Weekday::Tue, 9));
        assert!(curve.weight(Weekday::Wed, 9) < base.weight(Weekday::Wed, 9));
        assert_eq!(curve.weight(Weekday::Tue, 3), 0.0);
        assert_eq!(curve.weight(Weekday::Fri, 9), base.weight(Weekday::Fri, 9), "no data: unchanged");
    }

    #[test]
    fn beta_quantiles_match_known_values() {
        assert!((beta_quantile(0.9, 1.0, 1.0) - 0.9).abs() < 1e-9, "uniform");
        assert!((beta_quantile(0.5, 2.0, 3.0) - 0.385_727_5).abs() < 1e-6, "median of Beta(2, 3)");
        assert!((beta_cdf(0.5, 2.0, 2.0) - 0.5).abs() < 1e-12);
        // Large shapes: the normal approximation agrees with the mean ± z·sd.
        let (a, b) = (500.0f64, 99_500.0f64);
        let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
        assert!((beta_quantile(0.95, a, b) - (0.005 + 1.644_853_6 * sd)).abs() < 1e-6);
    }

    proptest! {
        #[test]
        fn estimates_are_rates_inside_their_interval(e in proptest::collection::vec((1u64..5000, 0u64..5000, 0i64..7, 0i64..24), 0..40)) {
            let outcomes: Vec<PostOutcome> = e.iter().enumerate().map(|(i, (n, k, d, h))| PostOutcome {
                platform: LI, published_at: at(i as i64, d * 24 + h), impressions: *n, engagements: (*k).min(*n),
            }).collect();
            let model = fit(&outcomes);
            for slot in Slot::all() {
                let est = model.estimate(LI, slot);
                prop_assert!(est.lower >= 0.0 && est.upper <= 1.0);
                prop_assert!(est.lower <= est.rate + 1e-9 && est.rate <= est.upper + 1e-9, "{est:?}");
            }
        }

        #[test]
        fn beta_draws_stay_in_the_unit_interval(a in 0.01f64..1e6, b in 0.01f64..1e6, seed in 0u64..1000) {
            let x = sample_beta(&mut fastrand::Rng::with_seed(seed), a, b);
            prop_assert!((0.0..=1.0).contains(&x));
        }
    }
}
