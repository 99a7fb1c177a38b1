//! [`IdempotencyStore`] in memory: idempotency keys and cron firings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryStore;
use crate::store::*;
use crate::{Error, Result};

#[async_trait]
impl IdempotencyStore for InMemoryStore {
    async fn begin_idempotency(&self, scope: &str, key: &str) -> Result<IdempotencyState> {
        let mut s = self.lock();
        match s.idempotency.get(&(scope.to_owned(), key.to_owned())) {
            Some(Some(v)) => Ok(IdempotencyState::Completed(v.clone())),
            Some(None) => Ok(IdempotencyState::InProgress),
            None => {
                s.idempotency.insert((scope.to_owned(), key.to_owned()), None);
                Ok(IdempotencyState::Started)
            }
        }
    }

    async fn complete_idempotency(&self, scope: &str, key: &str, response: serde_json::Value) -> Result<()> {
        let mut s = self.lock();
        match s.idempotency.get_mut(&(scope.to_owned(), key.to_owned())) {
            Some(slot) => {
                *slot = Some(response);
                Ok(())
            }
            None => Err(Error::not_found("idempotency key", format!("{scope}/{key}"))),
        }
    }

    async fn try_fire_cron(&self, name: &str, fire_at: DateTime<Utc>, instance: &str) -> Result<bool> {
        let mut s = self.lock();
        let k = (name.to_owned(), fire_at);
        if s.cron.contains_key(&k) {
            return Ok(false);
        }
        s.cron.insert(k, instance.to_owned());
        Ok(true)
    }
}
