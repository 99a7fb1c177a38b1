//! The authenticated user of a request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use growth_core::Error;
use growth_core::domain::{Role, UserId};

use crate::error::ApiError;
use crate::middleware::rate_limit::VerifiedClaims;
use crate::state::AppState;

/// The caller, from a valid `Authorization: Bearer <access token>` of an active user; a missing
/// or bad token, a user that no longer exists or is disabled, and a token issued before the
/// user's sessions were revoked are all 401. The role is the stored one, not the token's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUser {
    /// Who.
    pub id: UserId,
    /// Their email.
    pub email: String,
    /// Their role.
    pub role: Role,
}

impl AuthUser {
    /// `Ok` when the caller's role includes `required`, else 403 naming the role needed.
    pub fn require(&self, required: Role) -> Result<(), ApiError> {
        if self.role.allows(required) {
            Ok(())
        } else {
            Err(Error::PermissionDenied(format!("this needs the {required} role; you are {}", self.role)).into())
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The rate limiter verified the token already; its claims travel in the extensions.
        let claims = match parts.extensions.get::<VerifiedClaims>() {
            Some(VerifiedClaims(c)) => c.clone(),
            None => {
                let header = parts
                    .headers
                    .get(axum::http::header::AUTHORIZATION)
                    .ok_or_else(|| Error::Unauthenticated("sign in first: no Authorization header".into()))?;
                let token = header
                    .to_str()
                    .ok()
                    .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| Error::Unauthenticated("the Authorization header must be `Bearer <access token>`".into()))?;
                state.keys.verify(token)?
            }
        };
        let user = match state.users.get_user(claims.sub).await {
            Ok(u) => u,
            Err(Error::NotFound { .. }) => {
                return Err(Error::Unauthenticated("the account this token was issued to no longer exists; sign in again".into()).into());
            }
            Err(e) => return Err(e.into()),
        };
        if !user.is_active() {
            return Err(Error::Unauthenticated("this account is disabled; ask an admin".into()).into());
        }
        if !user.accepts_token_issued_at(claims.issued_at()) {
            return Err(Error::Unauthenticated("this session was ended; sign in again".into()).into());
        }
        Ok(AuthUser { id: user.id, email: user.email, role: user.role })
    }
}
