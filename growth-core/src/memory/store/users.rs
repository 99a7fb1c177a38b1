//! [`UserStore`] in memory.

use async_trait::async_trait;

use super::{InMemoryStore, find};
use crate::domain::*;
use crate::store::*;
use crate::{Error, Result};

#[async_trait]
impl UserStore for InMemoryStore {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        let email = normalize_email(&user.email)?;
        let now = self.now();
        let mut s = self.lock();
        if s.users.iter().any(|u| u.email == email) {
            return Err(Error::conflict(format!("a user with email {email} already exists")));
        }
        let u = User {
            id: UserId::new(),
            email,
            full_name: user.full_name,
            role: user.role,
            auth_provider: user.auth_provider,
            created_at: now,
            updated_at: now,
            disabled_at: None,
            sessions_revoked_at: None,
        };
        s.users.push(u.clone());
        Ok(u)
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        self.lock().users.iter().find(|u| u.id == id).cloned().ok_or_else(|| Error::not_found(UserId::ENTITY, id))
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let email = email.trim().to_lowercase();
        Ok(self.lock().users.iter().find(|u| u.email == email).cloned())
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        Ok(self.lock().users.clone())
    }

    async fn set_user_role(&self, id: UserId, role: Role) -> Result<User> {
        let now = self.now();
        let mut s = self.lock();
        let u = find(&mut s.users, id, UserId::ENTITY, |u| u.id == id)?;
        u.role = role;
        u.updated_at = now;
        Ok(u.clone())
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<User> {
        let now = self.now();
        let mut s = self.lock();
        let u = find(&mut s.users, id, UserId::ENTITY, |u| u.id == id)?;
        if disabled {
            u.disabled_at = u.disabled_at.or(Some(now));
            u.sessions_revoked_at = Some(now);
        } else {
            u.disabled_at = None;
        }
        u.updated_at = now;
        Ok(u.clone())
    }

    async fn revoke_user_sessions(&self, id: UserId) -> Result<User> {
        let now = self.now();
        let mut s = self.lock();
        let u = find(&mut s.users, id, UserId::ENTITY, |u| u.id == id)?;
        u.sessions_revoked_at = Some(now);
        u.updated_at = now;
        Ok(u.clone())
    }
}
