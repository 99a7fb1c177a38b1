//! argon2id password hashing.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use growth_core::Error;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

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
    async fn short_passwords_are_refused_naming_the_field() {
        let e = hash_password("short".into()).await.unwrap_err();
        assert!(matches!(e, Error::InvalidInput { field: Some(ref f), .. } if f == "password"));
    }
}
