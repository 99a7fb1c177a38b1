//! [`InMemoryStore`]: every repository and the job queue, in memory, with the same contracts as
//! the SQL stores (it passes the same conformance suite). For tests, examples and embedding.
//!
//! One module per store trait, as in growth-store's `repo/`; the shared state and the helpers
//! they use are here.

mod analytics;
mod attempts;
mod auth;
mod bundles;
mod content;
mod idempotency;
mod jobs;
mod knowledge;
mod learning;
mod measure;
mod schedules;
mod sources;
mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::clock::{Clock, SystemClock};
use crate::domain::*;
use crate::store::*;
use crate::{Error, Result};

#[derive(Debug, Default)]
struct State {
    users: Vec<User>,
    sources: Vec<ContentSource>,
    content: Vec<ContentItem>,
    versions: Vec<ContentVersion>,
    edits: Vec<ContentEdit>,
    schedules: Vec<Schedule>,
    logs: Vec<PublishingLog>,
    analytics: Vec<Analytics>,
    knowledge: Vec<KnowledgeItem>,
    icp: Vec<IcpProfile>,
    objections: Vec<Objection>,
    jobs: Vec<Job>,
    idempotency: HashMap<(String, String), Option<serde_json::Value>>,
    cron: HashMap<(String, DateTime<Utc>), String>,
    passwords: HashMap<UserId, String>,
    refresh: Vec<RefreshToken>,
    rules: Vec<crate::learn::Rule>,
    preferences: Vec<crate::learn::PreferenceRecord>,
    measure: measure::MeasureState,
    /// (bundle, piece) → the item saved for it.
    bundle_pieces: HashMap<(String, String), ContentId>,
}

/// Every store trait in memory. Cheap to clone (shared state).
#[derive(Clone, Debug)]
pub struct InMemoryStore {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
}

impl Default for InMemoryStore {
    fn default() -> Self {
        Self::new(Arc::new(SystemClock))
    }
}

impl InMemoryStore {
    /// An empty store reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { state: Arc::default(), clock }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

fn find<'a, T, K: std::fmt::Display>(items: &'a mut [T], key: K, entity: &'static str, pred: impl Fn(&T) -> bool) -> Result<&'a mut T> {
    items.iter_mut().find(|t| pred(t)).ok_or_else(|| Error::not_found(entity, key))
}

fn chrono_dur(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[async_trait]
impl StoreHealth for InMemoryStore {
    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}
