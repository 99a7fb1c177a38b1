//! What every handler can reach: the engine (every use-case), and what only HTTP needs — users and
//! credentials, token keys, Google sign-in, settings, the rendered-page cache.

use std::sync::Arc;

use growth::Engine;
use growth_core::store::{AuthStore, UserStore};
use growth_store::Database;

use crate::config::Settings;

/// Shared application state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Every use-case of the content engine.
    pub engine: Engine,
    /// Users (sign-in, invites, roles).
    pub users: Arc<dyn UserStore>,
    /// Passwords and refresh tokens.
    pub auth: Arc<dyn AuthStore>,
    /// The connected database (for closing and backend-specific needs).
    pub database: Database,
    /// Configuration.
    pub settings: Arc<Settings>,
    /// Access-token keys.
    pub keys: Arc<crate::auth::Keys>,
    /// Google ID-token verification; `None` when `[auth.google]` is not configured.
    pub google: Option<Arc<crate::auth::GoogleVerifier>>,
    /// Password hashing, a bounded number at once (`auth.password_hash_concurrency`).
    pub passwords: crate::auth::Passwords,
    /// Per-email back-off of failed sign-ins.
    pub login_throttle: Arc<crate::auth::LoginThrottle>,
    /// Rendered `GET /content/pending` pages by ETag (the ETag keys on the review fingerprint,
    /// so an entry is never served for a state it does not show).
    pub pending_cache: Arc<std::sync::Mutex<std::collections::HashMap<String, axum::body::Bytes>>>,
}
