//! Daily platform call budgets shared by every worker.
//!
//! Some platforms meter reads per day and do not say how much is left (LinkedIn: an application
//! and a per-member counter, reset at midnight UTC, numbers unpublished). An adapter asks its
//! [`CallBudget`] before spending calls; a spent budget is `Error::RateLimited` until the next
//! window, and nothing is sent. Production keeps the counters in the database so N workers on N
//! machines share one budget; [`DailyCallBudget`] keeps them in memory for one process.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::domain::Platform;
use crate::{Error, Result};

/// Whose calls are counted: a platform, and the account on it (a member or organization URN, a
/// workspace) when the platform meters per account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BudgetKey {
    /// The platform.
    pub platform: Platform,
    /// The account, when calls are also metered per account.
    pub account: Option<String>,
}

impl BudgetKey {
    /// The whole platform (application-wide counter only).
    pub fn platform(platform: Platform) -> Self {
        Self { platform, account: None }
    }

    /// One account on `platform` (counted against the account's and the platform's budgets).
    pub fn account(platform: Platform, account: impl Into<String>) -> Self {
        Self { platform, account: Some(account.into()) }
    }
}

impl std::fmt::Display for BudgetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.account {
            Some(a) => write!(f, "{}:{a}", self.platform),
            None => write!(f, "{}", self.platform),
        }
    }
}

/// The answer to a request for calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BudgetDecision {
    /// The calls were taken from the budget: send them.
    Granted,
    /// Not enough left; nothing was taken. The budget refills at `until`.
    Exhausted {
        /// When the next window starts.
        until: DateTime<Utc>,
    },
}

/// A budget of platform calls per window, shared by everyone who holds it.
///
/// Contract: `take(key, n)` is atomic: either all `n` calls are taken from every counter the key
/// falls under (the account's and the platform's) or none is. Implementations shared across
/// processes (the store's) must hold under concurrent callers on different machines.
#[async_trait]
pub trait CallBudget: Send + Sync + Debug + 'static {
    /// Takes `calls` calls for `key` from the current window.
    async fn take(&self, key: &BudgetKey, calls: u32) -> Result<BudgetDecision>;
}

fn _assert_dyn(_: &dyn CallBudget) {}

/// Asks `budget` for `calls` calls and turns a refusal into `Error::RateLimited` with the wait
/// until the budget refills (from `now`), naming the key. What adapters call before sending.
pub async fn take_calls(budget: &dyn CallBudget, key: &BudgetKey, calls: u32, now: DateTime<Utc>) -> Result<()> {
    match budget.take(key, calls).await? {
        BudgetDecision::Granted => Ok(()),
        BudgetDecision::Exhausted { until } => {
            let wait = (until - now).to_std().unwrap_or_default();
            tracing::info!(%key, calls, until = %until, "daily call budget spent; not calling the platform");
            Err(Error::RateLimited { retry_after: Some(wait) })
        }
    }
}

/// No budget: every request is granted (platforms without a daily quota, tests).
#[derive(Clone, Copy, Debug, Default)]
pub struct Unbudgeted;

#[async_trait]
impl CallBudget for Unbudgeted {
    async fn take(&self, _: &BudgetKey, _: u32) -> Result<BudgetDecision> {
        Ok(BudgetDecision::Granted)
    }
}

/// The calls allowed per UTC day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyLimit {
    /// For the whole platform (all accounts together); `None` for no platform-wide cap.
    pub per_platform: Option<u32>,
    /// For each account on it; `None` for no per-account cap.
    pub per_account: Option<u32>,
}

/// A [`CallBudget`] in memory, per UTC day (LinkedIn's quotas reset at midnight UTC): right for
/// one process. Platforms without a [`DailyLimit`] are not limited.
#[derive(Clone, Debug)]
pub struct DailyCallBudget {
    clock: Arc<dyn Clock>,
    limits: HashMap<Platform, DailyLimit>,
    used: Arc<Mutex<Used>>,
}

#[derive(Debug, Default)]
struct Used {
    day: Option<chrono::NaiveDate>,
    counts: HashMap<BudgetKey, u64>,
}

impl DailyCallBudget {
    /// A budget with `limits` per platform, reading the day from `clock`.
    pub fn new(clock: Arc<dyn Clock>, limits: HashMap<Platform, DailyLimit>) -> Self {
        Self { clock, limits, used: Arc::default() }
    }

    /// The calls taken today for exactly `key` (an account key counts only that account).
    pub fn used(&self, key: &BudgetKey) -> u64 {
        let today = self.clock.now().date_naive();
        let used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if used.day != Some(today) {
            return 0;
        }
        used.counts.get(key).copied().unwrap_or(0)
    }
}

/// The start of the UTC day after `now`.
pub fn next_utc_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    (now.date_naive() + Duration::days(1)).and_time(NaiveTime::MIN).and_utc()
}

#[async_trait]
impl CallBudget for DailyCallBudget {
    async fn take(&self, key: &BudgetKey, calls: u32) -> Result<BudgetDecision> {
        let Some(limit) = self.limits.get(&key.platform).copied() else { return Ok(BudgetDecision::Granted) };
        let now = self.clock.now();
        let today = now.date_naive();
        let mut used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if used.day != Some(today) {
            used.day = Some(today);
            used.counts.clear();
        }
        let platform_key = BudgetKey::platform(key.platform);
        let calls = u64::from(calls);
        let platform_used = used.counts.get(&platform_key).copied().unwrap_or(0);
        let account_used = key.account.as_ref().map(|_| used.counts.get(key).copied().unwrap_or(0));
        let platform_ok = limit.per_platform.is_none_or(|max| platform_used + calls <= u64::from(max));
        let account_ok = match (account_used, limit.per_account) {
            (Some(u), Some(max)) => u + calls <= u64::from(max),
            _ => true,
        };
        if !(platform_ok && account_ok) {
            return Ok(BudgetDecision::Exhausted { until: next_utc_midnight(now) });
        }
        *used.counts.entry(platform_key).or_insert(0) += calls;
        if key.account.is_some() {
            *used.counts.entry(key.clone()).or_insert(0) += calls;
        }
        Ok(BudgetDecision::Granted)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::clock::ManualClock;

    fn budget(clock: Arc<ManualClock>, per_platform: Option<u32>, per_account: Option<u32>) -> DailyCallBudget {
        DailyCallBudget::new(clock, HashMap::from([(Platform::LINKEDIN, DailyLimit { per_platform, per_account })]))
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, h, m, 0).unwrap()
    }

    #[tokio::test]
    async fn calls_are_granted_until_the_account_budget_is_spent() {
        let clock = Arc::new(ManualClock::new(at(9, 0)));
        let b = budget(clock.clone(), None, Some(10));
        let member = BudgetKey::account(Platform::LINKEDIN, "urn:li:person:1");
        assert_eq!(b.take(&member, 5).await.unwrap(), BudgetDecision::Granted);
        assert_eq!(b.take(&member, 5).await.unwrap(), BudgetDecision::Granted);
        let refused = b.take(&member, 5).await.unwrap();
        assert_eq!(refused, BudgetDecision::Exhausted { until: Utc.with_ymd_and_hms(2026, 3, 11, 0, 0, 0).unwrap() });
        assert_eq!(b.used(&member), 10, "a refusal takes nothing");
        // Another member has its own budget.
        let other = BudgetKey::account(Platform::LINKEDIN, "urn:li:person:2");
        assert_eq!(b.take(&other, 5).await.unwrap(), BudgetDecision::Granted);
    }

    #[tokio::test]
    async fn the_platform_cap_holds_across_accounts_and_refusals_take_nothing() {
        let clock = Arc::new(ManualClock::new(at(9, 0)));
        let b = budget(clock.clone(), Some(12), Some(10));
        let a = BudgetKey::account(Platform::LINKEDIN, "a");
        let c = BudgetKey::account(Platform::LINKEDIN, "c");
        assert_eq!(b.take(&a, 10).await.unwrap(), BudgetDecision::Granted);
        assert!(matches!(b.take(&c, 5).await.unwrap(), BudgetDecision::Exhausted { .. }));
        assert_eq!(b.used(&c), 0);
        assert_eq!(b.take(&c, 2).await.unwrap(), BudgetDecision::Granted);
        assert_eq!(b.used(&BudgetKey::platform(Platform::LINKEDIN)), 12);
    }

    #[tokio::test]
    async fn the_budget_refills_at_midnight_utc() {
        let clock = Arc::new(ManualClock::new(at(23, 50)));
        let b = budget(clock.clone(), Some(5), None);
        let key = BudgetKey::platform(Platform::LINKEDIN);
        assert_eq!(b.take(&key, 5).await.unwrap(), BudgetDecision::Granted);
        assert!(matches!(b.take(&key, 1).await.unwrap(), BudgetDecision::Exhausted { .. }));
        clock.advance(Duration::minutes(10));
        assert_eq!(b.take(&key, 1).await.unwrap(), BudgetDecision::Granted);
    }

    #[tokio::test]
    async fn a_platform_without_limits_is_not_counted() {
        let clock = Arc::new(ManualClock::new(at(9, 0)));
        let b = budget(clock, Some(1), None);
        let key = BudgetKey::platform(Platform::WEBFLOW);
        for _ in 0..100 {
            assert_eq!(b.take(&key, 3).await.unwrap(), BudgetDecision::Granted);
        }
    }

    #[tokio::test]
    async fn a_spent_budget_is_a_rate_limit_with_the_wait_until_it_refills() {
        let clock = Arc::new(ManualClock::new(at(22, 0)));
        let b = budget(clock.clone(), Some(0), None);
        let err = take_calls(&b, &BudgetKey::platform(Platform::LINKEDIN), 1, clock.now()).await.unwrap_err();
        assert!(matches!(err, Error::RateLimited { retry_after: Some(d) } if d == std::time::Duration::from_secs(2 * 3600)), "{err:?}");
        assert!(take_calls(&Unbudgeted, &BudgetKey::platform(Platform::LINKEDIN), 1_000, clock.now()).await.is_ok());
    }
}
