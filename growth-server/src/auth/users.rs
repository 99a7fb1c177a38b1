//! The user records behind every authenticated request, kept briefly in memory.
//!
//! Each request checks its user (still there, still active, sessions not revoked, current role),
//! which was one database query per request — on a review page answered 304 from memory, most of
//! the request's cost. [`CachedUsers`] keeps each record for a short time (one second in the
//! server). Every write through it (role, disable, enable) drops the record at once, so a change
//! made by this process applies to its next request; a change made by another process (another
//! server, `growth user …`) applies within the time a record is kept. A read that overlaps a
//! write is not kept, so a stale record can never outlive a write it raced.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use growth_core::Result;
use growth_core::domain::{NewUser, Role, User, UserId};
use growth_core::store::UserStore;

/// Most records kept; beyond it the cache starts over.
const MAX_ENTRIES: usize = 10_000;

/// A [`UserStore`] that keeps `get_user` answers for `ttl`: writes through it apply at once, another
/// process's within `ttl`, and a read that overlaps a write is not kept.
#[derive(Debug)]
pub struct CachedUsers {
    inner: Arc<dyn UserStore>,
    ttl: Duration,
    entries: Mutex<HashMap<UserId, (Instant, User)>>,
    /// Writes so far: a read keeps its answer only if none happened while it ran.
    writes: AtomicU64,
}

impl CachedUsers {
    /// `inner`'s records, each kept for `ttl`.
    pub fn new(inner: Arc<dyn UserStore>, ttl: Duration) -> Self {
        Self { inner, ttl, entries: Mutex::default(), writes: AtomicU64::new(0) }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, (Instant, User)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn forget(&self, id: UserId) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.entries().remove(&id);
    }
}

#[async_trait]
impl UserStore for CachedUsers {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        self.inner.create_user(user).await
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        if let Some((at, user)) = self.entries().get(&id)
            && at.elapsed() < self.ttl
        {
            return Ok(user.clone());
        }
        let before = self.writes.load(Ordering::SeqCst);
        let user = self.inner.get_user(id).await?;
        let mut entries = self.entries();
        if self.writes.load(Ordering::SeqCst) == before {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(id, (Instant::now(), user.clone()));
        }
        Ok(user)
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        self.inner.find_user_by_email(email).await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        self.inner.list_users().await
    }

    async fn set_user_role(&self, id: UserId, role: Role) -> Result<User> {
        // Forgotten before and after: a read between the two cannot keep the old record.
        self.forget(id);
        let user = self.inner.set_user_role(id, role).await;
        self.forget(id);
        user
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<User> {
        self.forget(id);
        let user = self.inner.set_user_disabled(id, disabled).await;
        self.forget(id);
        user
    }

    async fn revoke_user_sessions(&self, id: UserId) -> Result<User> {
        self.forget(id);
        let user = self.inner.revoke_user_sessions(id).await;
        self.forget(id);
        user
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use growth_core::SystemClock;
    use growth_core::domain::AuthProvider;
    use growth_core::memory::InMemoryStore;

    use super::*;

    /// Counts reads of the store underneath.
    #[derive(Debug)]
    struct Counting(Arc<InMemoryStore>, AtomicUsize);

    #[async_trait]
    impl UserStore for Counting {
        async fn create_user(&self, user: NewUser) -> Result<User> {
            self.0.create_user(user).await
        }
        async fn get_user(&self, id: UserId) -> Result<User> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.get_user(id).await
        }
        async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
            self.0.find_user_by_email(email).await
        }
        async fn list_users(&self) -> Result<Vec<User>> {
            self.0.list_users().await
        }
        async fn set_user_role(&self, id: UserId, role: Role) -> Result<User> {
            self.0.set_user_role(id, role).await
        }
        async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<User> {
            self.0.set_user_disabled(id, disabled).await
        }
        async fn revoke_user_sessions(&self, id: UserId) -> Result<User> {
            self.0.revoke_user_sessions(id).await
        }
    }

    #[tokio::test]
    async fn a_record_is_read_once_per_ttl_and_a_write_applies_to_the_next_read() {
        let store = Arc::new(Counting(Arc::new(InMemoryStore::new(Arc::new(SystemClock))), AtomicUsize::new(0)));
        let users = CachedUsers::new(store.clone(), Duration::from_secs(3600));
        let u = users
            .create_user(NewUser {
                email: "rev@example.com".into(),
                full_name: None,
                role: Role::Approver,
                auth_provider: AuthProvider::Email,
            })
            .await
            .unwrap();
        for _ in 0..5 {
            assert_eq!(users.get_user(u.id).await.unwrap().role, Role::Approver);
        }
        assert_eq!(store.1.load(Ordering::SeqCst), 1, "five requests, one read");

        users.set_user_role(u.id, Role::Viewer).await.unwrap();
        assert_eq!(users.get_user(u.id).await.unwrap().role, Role::Viewer, "the new role at once");
        users.set_user_disabled(u.id, true).await.unwrap();
        assert!(!users.get_user(u.id).await.unwrap().is_active(), "disabled at once");
        assert_eq!(store.1.load(Ordering::SeqCst), 3);

        let short = CachedUsers::new(store.clone(), Duration::ZERO);
        short.get_user(u.id).await.unwrap();
        short.get_user(u.id).await.unwrap();
        assert_eq!(store.1.load(Ordering::SeqCst), 5, "a record older than the ttl is read again");
    }
}
