//! Sign-in and sessions: short-lived JWT access tokens (HS256, algorithm pinned, issuer checked)
//! and rotating refresh tokens.
//!
//! A refresh token is 256 random bits, given to the client once and stored only as its SHA-256.
//! Each use exchanges it for a new one in the same *family* (one sign-in). Presenting a token that
//! was already used means it was copied: the whole family is revoked and the user must sign in
//! again. Logout revokes the family.
//!
//! Every request with a token looks its user up: a disabled user, or a token issued before the
//! user's sessions were revoked, is refused at once, and the role is the stored one (a role change
//! applies to tokens already issued). A sign-in lives at most `auth.session_max_secs`, however
//! often it is refreshed.
//!
//! Passwords are argon2id hashes, checked on a blocking thread, a bounded number at once
//! ([`Passwords`]). An unknown email costs the same work as a wrong password, so the answer time
//! does not reveal which accounts exist; failed sign-ins back off per email ([`LoginThrottle`]),
//! known or not.
//!
//! Google sign-in verifies a Google ID token against Google's published keys ([`google`]).
//! Invite tokens (an admin's `POST /users/invite`) are random like refresh tokens and stored in the
//! same table, but hashed under another domain ([`invite_token_hash`]), so one can never be used as
//! the other.

mod extract;
pub mod google;
mod password;
mod throttle;
mod tokens;
mod users;
pub mod webhook;

pub use extract::AuthUser;
pub use google::{GoogleIdentity, GoogleVerifier};
pub use password::{MIN_PASSWORD_LEN, PASSWORD_WAIT, Passwords, hash_password, verify_password};
pub use throttle::LoginThrottle;
pub use tokens::{AccessClaims, Keys, invite_token_hash, new_refresh_token, refresh_token_hash};
pub use users::CachedUsers;
