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
