//! The authenticated user of a request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use growth_core::Error;
use growth_core::domain::{Role, UserId};

use crate::error::ApiError;
use crate::state::AppState;

/// The caller, from a valid `Authorization: Bearer <access token>`; a missing or bad token is 401.
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
        let claims = state.keys.verify(token)?;
        Ok(AuthUser { id: claims.sub, email: claims.email, role: claims.role })
    }
}
