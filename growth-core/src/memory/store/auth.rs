//! [`AuthStore`] in memory: password hashes and refresh tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryStore;
use crate::domain::*;
use crate::store::*;
use crate::{Error, Result};

#[async_trait]
impl AuthStore for InMemoryStore {
    async fn set_password_hash(&self, user_id: UserId, hash: &str) -> Result<()> {
        let mut s = self.lock();
        if !s.users.iter().any(|u| u.id == user_id) {
            return Err(Error::not_found(UserId::ENTITY, user_id));
        }
        s.passwords.insert(user_id, hash.to_owned());
        Ok(())
    }

    async fn password_hash(&self, user_id: UserId) -> Result<Option<String>> {
        Ok(self.lock().passwords.get(&user_id).cloned())
    }

    async fn insert_refresh_token(
        &self,
        user_id: UserId,
        family_id: uuid::Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<RefreshToken> {
        let now = self.now();
        let mut s = self.lock();
        if !s.users.iter().any(|u| u.id == user_id) {
            return Err(Error::not_found(UserId::ENTITY, user_id));
        }
        if s.refresh.iter().any(|t| t.token_hash == token_hash) {
            return Err(Error::conflict("refresh token already exists"));
        }
        let t = RefreshToken {
            id: uuid::Uuid::now_v7(),
            user_id,
            family_id,
            token_hash: token_hash.to_owned(),
            expires_at,
            used_at: None,
            revoked_at: None,
            created_at: now,
        };
        s.refresh.push(t.clone());
        Ok(t)
    }

    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshToken>> {
        Ok(self.lock().refresh.iter().find(|t| t.token_hash == token_hash).cloned())
    }

    async fn use_refresh_token(&self, id: uuid::Uuid) -> Result<bool> {
        let now = self.now();
        let mut s = self.lock();
        match s.refresh.iter_mut().find(|t| t.id == id) {
            Some(t) if t.used_at.is_none() && t.revoked_at.is_none() => {
                t.used_at = Some(now);
                Ok(true)
            }
            Some(_) => Ok(false),
            None => Err(Error::not_found("refresh token", id)),
        }
    }

    async fn revoke_refresh_family(&self, family_id: uuid::Uuid) -> Result<()> {
        let now = self.now();
        for t in self.lock().refresh.iter_mut().filter(|t| t.family_id == family_id && t.revoked_at.is_none()) {
            t.revoked_at = Some(now);
        }
        Ok(())
    }

    async fn revoke_user_tokens(&self, user_id: UserId) -> Result<u64> {
        let now = self.now();
        let mut n = 0;
        for t in self.lock().refresh.iter_mut().filter(|t| t.user_id == user_id && t.revoked_at.is_none()) {
            t.revoked_at = Some(now);
            n += 1;
        }
        Ok(n)
    }

    async fn refresh_family_started_at(&self, family_id: uuid::Uuid) -> Result<Option<DateTime<Utc>>> {
        Ok(self.lock().refresh.iter().filter(|t| t.family_id == family_id).map(|t| t.created_at).min())
    }
}
