//! argon2id password hashing, bounded.
//!
//! One argon2id hash takes ~19 MiB and tens of milliseconds of a core. Unbounded, a burst of
//! sign-ins would fill tokio's blocking pool (shared with PDF extraction and file work) and the
//! memory with hashes. [`Passwords`] lets `auth.password_hash_concurrency` run at once; the rest
//! wait their turn, and one that waits longer than [`PASSWORD_WAIT`] is refused with a 503.

use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use growth_core::Error;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Longest a password check waits for a free slot before it is refused (503, retry later).
pub const PASSWORD_WAIT: Duration = Duration::from_secs(10);

/// Hashing and checking passwords with at most N at once (one per server, shared).
#[derive(Clone, Debug)]
pub struct Passwords {
    slots: Arc<tokio::sync::Semaphore>,
    wait: Duration,
}

impl Passwords {
    /// At most `concurrency` (at least 1) hashes at once.
    pub fn new(concurrency: usize) -> Self {
        Self { slots: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))), wait: PASSWORD_WAIT }
    }

    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, Error> {
        match tokio::time::timeout(self.wait, self.slots.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(Error::internal_msg("the password hashing slots are closed")),
            Err(_) => {
                tracing::warn!(wait_secs = self.wait.as_secs(), "password check refused: every hashing slot stayed busy");
                Err(Error::Transient { message: "every password hashing slot is busy".into(), retry_after: Some(Duration::from_secs(5)) })
            }
        }
    }

    /// [`hash_password`] in a slot.
    pub async fn hash(&self, password: String) -> Result<String, Error> {
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(Error::invalid_field("password", format!("must be at least {MIN_PASSWORD_LEN} characters")));
        }
        let _slot = self.slot().await?;
        hash_password(password).await
    }

    /// [`verify_password`] in a slot.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, Error> {
        let _slot = self.slot().await?;
        verify_password(password, hash).await
    }
}

/// Hashes a password (argon2id, random salt) into a PHC string, off the async threads.
pub async fn hash_password(password: String) -> Result<String, Error> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::invalid_field("password", format!("must be at least {MIN_PASSWORD_LEN} characters")));
    }
    tokio::task::spawn_blocking(move || Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()))
        .await
        .map_err(|e| Error::internal("password hashing task failed", e))?
        .map_err(|e| Error::internal_msg(format!("password hashing failed: {e}")))
}

/// A valid hash of a password nobody has, so an unknown account costs a full verification too.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Fv2d2yqWuS7wqL6cWdHGfRRSVR5zNCBmAMoq5MnlEn8";

/// Checks `password` against `hash` (or against a decoy when there is no hash), off the async threads.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, Error> {
    let real = hash.is_some();
    let hash = hash.unwrap_or_else(|| DECOY.to_owned());
    let ok = tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    })
    .await
    .map_err(|e| Error::internal("password verification task failed", e))?;
    Ok(real && ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), Some(h.clone())).await.unwrap());
        assert!(!verify_password("wrong horse battery".into(), Some(h)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify_password("anything at all".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_check_waits_while_every_slot_is_busy_and_runs_when_one_frees() {
        let p = Passwords::new(1);
        let held = p.slots.acquire().await.unwrap();
        let check = p.verify("anything at all".into(), None);
        tokio::pin!(check);
        // With the only slot held, the check cannot start (polled without waiting on time).
        assert!(futures::poll!(check.as_mut()).is_pending());
        assert_eq!(p.slots.available_permits(), 0);
        drop(held);
        assert!(!check.await.unwrap());
        assert_eq!(p.slots.available_permits(), 1, "the slot is given back");
    }

    #[tokio::test(start_paused = true)]
    async fn a_check_that_waits_too_long_is_refused_as_unavailable_with_a_wait() {
        let p = Passwords::new(1);
        let _held = p.slots.acquire().await.unwrap();
        // Paused time: the wait elapses without sleeping.
        let e = p.verify("anything at all".into(), None).await.unwrap_err();
        assert!(matches!(e, Error::Transient { retry_after: Some(_), .. }), "{e:?}");
    }

    #[tokio::test]
    async fn short_passwords_are_refused_naming_the_field() {
        let e = hash_password("short".into()).await.unwrap_err();
        assert!(matches!(e, Error::InvalidInput { field: Some(ref f), .. } if f == "password"));
    }
}
