//! [`StoreCallBudget`]: the daily platform call budget kept in the database, so every worker on
//! every machine takes from one budget. The counters are taken with one atomic statement each
//! ([`CallBudgetStore::take_budget`]: `INSERT … ON CONFLICT DO UPDATE SET used = used + n WHERE
//! used + n <= limit`), all of a request's counters in one transaction — never read, added and
//! written back, so concurrent takers can neither lose an update nor overspend.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;

use super::budget::{BudgetDecision, BudgetKey, CallBudget, DailyLimit, next_utc_midnight};
use crate::Result;
use crate::clock::Clock;
use crate::domain::Platform;

/// Daily call counters in the store.
///
/// Contract: `take_budget(day, counters, calls)` adds `calls` to every counter of `counters` for
/// `day` only if each stays at or below its limit, atomically (all or none, under concurrent
/// callers on other connections and machines), and answers whether it did.
#[async_trait]
pub trait CallBudgetStore: Send + Sync + Debug + 'static {
    /// Takes `calls` from each `(counter, limit)` of `counters` for `day`, all or none.
    async fn take_budget(&self, day: NaiveDate, counters: &[(String, u32)], calls: u32) -> Result<bool>;
    /// The calls taken from `counter` on `day`.
    async fn budget_used(&self, day: NaiveDate, counter: &str) -> Result<u64>;
}

/// A [`CallBudget`] over a [`CallBudgetStore`] per UTC day (LinkedIn's quotas reset at midnight
/// UTC), with the same limits and keys as [`super::DailyCallBudget`]: a platform's counter is
/// named after the platform, an account's `<platform>:<account>`. Platforms without a
/// [`DailyLimit`] are not counted.
#[derive(Clone, Debug)]
pub struct StoreCallBudget {
    store: Arc<dyn CallBudgetStore>,
    clock: Arc<dyn Clock>,
    limits: HashMap<Platform, DailyLimit>,
}

impl StoreCallBudget {
    /// A budget with `limits` per platform, counted in `store`, reading the day from `clock`.
    pub fn new(store: Arc<dyn CallBudgetStore>, clock: Arc<dyn Clock>, limits: HashMap<Platform, DailyLimit>) -> Self {
        Self { store, clock, limits }
    }

    /// The calls taken today for exactly `key`.
    pub async fn used(&self, key: &BudgetKey) -> Result<u64> {
        self.store.budget_used(self.clock.now().date_naive(), &key.to_string()).await
    }
}

#[async_trait]
impl CallBudget for StoreCallBudget {
    async fn take(&self, key: &BudgetKey, calls: u32) -> Result<BudgetDecision> {
        let Some(limit) = self.limits.get(&key.platform).copied() else { return Ok(BudgetDecision::Granted) };
        let now = self.clock.now();
        let mut counters = Vec::with_capacity(2);
        if let Some(max) = limit.per_platform {
            counters.push((BudgetKey::platform(key.platform).to_string(), max));
        }
        if let (Some(_), Some(max)) = (&key.account, limit.per_account) {
            counters.push((key.to_string(), max));
        }
        if counters.is_empty() || calls == 0 {
            return Ok(BudgetDecision::Granted);
        }
        // One order for every caller: two takers never wait on each other's rows crosswise.
        counters.sort();
        if self.store.take_budget(now.date_naive(), &counters, calls).await? {
            Ok(BudgetDecision::Granted)
        } else {
            Ok(BudgetDecision::Exhausted { until: next_utc_midnight(now) })
        }
    }
}
