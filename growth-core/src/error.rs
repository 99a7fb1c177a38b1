//! The one error type of the library.
//!
//! Variants carry meaning, not origin: an adapter maps its platform's answers onto them, so callers
//! decide what to do (retry, show the user, mark a publish `unknown`) without knowing which
//! platform spoke.

use std::time::Duration;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, by meaning.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The entity does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of thing was looked up (`"content item"`, `"job"` …).
        entity: &'static str,
        /// The id that was looked up.
        id: String,
    },
    /// The input is malformed or violates a rule; `field` names the offending field when known.
    #[error("invalid input{}: {message}", field.as_deref().map(|f| format!(" in `{f}`")).unwrap_or_default())]
    InvalidInput {
        /// The offending field, if the error concerns one.
        field: Option<String>,
        /// What is wrong, for a person to read.
        message: String,
    },
    /// The request conflicts with the current state (illegal transition, stale version, duplicate).
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicts, naming both states where a transition was refused.
        message: String,
    },
    /// No or invalid credentials.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// Valid credentials, insufficient rights.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// The other side asked us to slow down.
    #[error("rate limited{}", retry_after.map(|d| format!(", retry after {} ms", d.as_millis())).unwrap_or_default())]
    RateLimited {
        /// How long the other side asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// A failure that may go away on its own (connect error, 5xx before the platform acted).
    #[error("transient failure: {message}")]
    Transient {
        /// What failed.
        message: String,
        /// A server-suggested wait, when given.
        retry_after: Option<Duration>,
    },
    /// A failure that will not go away by retrying (4xx, validation on the platform side).
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// A request may have reached the other side but no answer came back. Never retry blindly:
    /// reconcile first.
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(String),
    /// The configuration is missing or wrong (bad key, retired API version, dimension mismatch).
    #[error("configuration error: {0}")]
    Config(String),
    /// The input is larger than a configured limit (an HTTP server answers 413).
    #[error("{what} is larger than the limit of {limit} bytes ({setting})")]
    TooLarge {
        /// What was too large (`"the transcript file"`).
        what: String,
        /// The limit, in bytes.
        limit: u64,
        /// The setting that raises the limit (`"ingest.max_transcript_bytes"`).
        setting: &'static str,
    },
    /// The implementation does not support this operation (see its capabilities).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A bug or an unexpected failure of our own infrastructure (database, file system).
    #[error("internal error: {message}")]
    Internal {
        /// What failed.
        message: String,
        /// The underlying cause, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

impl Error {
    /// A [`Error::NotFound`] for `entity` with `id`.
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound { entity, id: id.to_string() }
    }

    /// An [`Error::InvalidInput`] that concerns no particular field.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput { field: None, message: message.into() }
    }

    /// An [`Error::InvalidInput`] naming the offending field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput { field: Some(field.into()), message: message.into() }
    }

    /// An [`Error::Conflict`].
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into() }
    }

    /// The [`Error::Conflict`] for a refused state transition; the message names both states.
    pub fn illegal_transition(entity: &str, from: impl std::fmt::Display, to: impl std::fmt::Display) -> Self {
        Self::Conflict { message: format!("{entity} cannot move from `{from}` to `{to}`") }
    }

    /// An [`Error::Internal`] with a cause.
    pub fn internal(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal { message: message.into(), source: Some(Box::new(source)) }
    }

    /// An [`Error::Internal`] without a cause.
    pub fn internal_msg(message: impl Into<String>) -> Self {
        Self::Internal { message: message.into(), source: None }
    }

    /// An [`Error::Transient`] without a suggested wait.
    pub fn transient(message: impl Into<String>) -> Self {
        Self::Transient { message: message.into(), retry_after: None }
    }

    /// Whether retrying the same request later can succeed without changing anything.
    ///
    /// `OutcomeUnknown` is deliberately *not* retryable: the request may have taken effect.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient { .. })
    }

    /// The wait the other side asked for, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } | Self::Transient { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rate_limits_and_transient_failures_are_retryable() {
        assert!(Error::RateLimited { retry_after: None }.is_retryable());
        assert!(Error::transient("connect refused").is_retryable());
        assert!(!Error::OutcomeUnknown("timeout after send".into()).is_retryable());
        assert!(!Error::Permanent("400".into()).is_retryable());
        assert!(!Error::not_found("job", "x").is_retryable());
        assert!(!Error::Config("bad key".into()).is_retryable());
    }

    #[test]
    fn retry_after_is_reported_for_rate_limits_and_transient_failures() {
        let d = Duration::from_secs(7);
        assert_eq!(Error::RateLimited { retry_after: Some(d) }.retry_after(), Some(d));
        assert_eq!(Error::Transient { message: "503".into(), retry_after: Some(d) }.retry_after(), Some(d));
        assert_eq!(Error::Permanent("x".into()).retry_after(), None);
    }

    #[test]
    fn an_illegal_transition_names_both_states() {
        let e = Error::illegal_transition("content item", "published", "in_review");
        let text = e.to_string();
        assert!(text.contains("published") && text.contains("in_review"), "{text}");
        assert!(matches!(e, Error::Conflict { .. }));
    }

    #[test]
    fn invalid_input_names_the_field() {
        assert_eq!(Error::invalid_field("email", "must contain @").to_string(), "invalid input in `email`: must contain @");
    }
}
