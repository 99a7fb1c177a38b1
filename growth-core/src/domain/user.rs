//! Users of the review app.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AuthProvider, Role, UserId};

/// A person who reviews, approves or administers content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Unique, stored lower-cased.
    pub email: String,
    /// Display name.
    pub full_name: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// How the user signs in.
    pub auth_provider: AuthProvider,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Since when the user is disabled (sign-in and every request refused); `None` when active.
    #[serde(default)]
    pub disabled_at: Option<DateTime<Utc>>,
    /// A revocation epoch: every access token issued at or before it is refused, even once the
    /// user is enabled again.
    #[serde(default)]
    pub sessions_revoked_at: Option<DateTime<Utc>>,
}

impl User {
    /// Whether the user may sign in and make requests.
    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }

    /// Whether an access token issued at `issued_at` still stands: the user is active and the
    /// token is younger than the last revocation of their sessions.
    pub fn accepts_token_issued_at(&self, issued_at: DateTime<Utc>) -> bool {
        self.is_active() && self.sessions_revoked_at.is_none_or(|r| issued_at > r)
    }
}

/// Input for creating a user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    /// Email (normalised to lower case by the store).
    pub email: String,
    /// Display name.
    pub full_name: Option<String>,
    /// Role.
    pub role: Role,
    /// Sign-in method.
    pub auth_provider: AuthProvider,
}

/// Normalises an email for storage and lookup; refuses what is obviously not an address.
pub fn normalize_email(email: &str) -> Result<String, crate::Error> {
    let e = email.trim().to_lowercase();
    let valid = match e.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'),
        None => false,
    };
    if !valid || e.len() > 255 || e.chars().any(char::is_whitespace) {
        return Err(crate::Error::invalid_field("email", format!("`{email}` is not an email address")));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(normalize_email("  Wes@ProductLed.com ").unwrap(), "wes@productled.com");
    }

    #[test]
    fn a_non_address_is_refused_naming_the_field() {
        for bad in ["", "wes", "wes@", "@x.com", "wes@localhost", "we s@x.com"] {
            let err = normalize_email(bad).unwrap_err();
            assert!(matches!(err, crate::Error::InvalidInput { field: Some(ref f), .. } if f == "email"), "{bad}");
        }
    }
}
