//! Background jobs.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{JobId, JobStatus};

/// The kind of a job: which handler runs it. Lower-case ASCII, digits, `_` and `.`.
///
/// A string and not an enum so a library user can add kinds without a schema change.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct JobKind(String);

impl JobKind {
    /// Ingest a source (fetch, transcribe, index).
    pub const INGEST_SOURCE: &'static str = "ingest_source";
    /// Generate a content bundle from a source.
    pub const GENERATE_BUNDLE: &'static str = "generate_bundle";
    /// Finish an uploaded source whose reading is slow (PDF text, audio transcription).
    pub const PROCESS_SOURCE: &'static str = "process_source";

    /// Validates and wraps a kind.
    pub fn new(kind: impl Into<String>) -> Result<Self, crate::Error> {
        let kind = kind.into();
        let ok = !kind.is_empty()
            && kind.len() <= 64
            && kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
        if ok {
            Ok(Self(kind))
        } else {
            Err(crate::Error::invalid_field("kind", format!("`{kind}` is not a job kind (1–64 of a-z, 0-9, `_`, `.`)")))
        }
    }

    /// The kind as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for JobKind {
    type Error = crate::Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<JobKind> for String {
    fn from(k: JobKind) -> Self {
        k.0
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A background job and its progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    /// Id.
    pub id: JobId,
    /// Which handler runs it.
    pub kind: JobKind,
    /// Handler input.
    pub payload: serde_json::Value,
    /// State.
    pub status: JobStatus,
    /// 0–100, written by the handler as it advances.
    pub progress: i32,
    /// Handler output (generated item ids …).
    pub result: Option<serde_json::Value>,
    /// Claims so far (each claim is one attempt).
    pub attempts: i32,
    /// After this many attempts the job is dead.
    pub max_attempts: i32,
    /// Not claimed before this instant.
    pub run_after: DateTime<Utc>,
    /// The worker holding it.
    pub claimed_by: Option<String>,
    /// When the worker's claim lapses (a crashed worker's job is picked up again after it).
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// The last failure, for a person to read.
    pub last_error: Option<String>,
    /// Deduplication key: a second enqueue with the same key returns the first job.
    pub dedupe_key: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Finished (succeeded, failed or dead).
    pub finished_at: Option<DateTime<Utc>>,
}

/// Input for enqueueing a job.
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    /// Kind.
    pub kind: JobKind,
    /// Input.
    pub payload: serde_json::Value,
    /// Not before (now when `None`).
    pub run_after: Option<DateTime<Utc>>,
    /// Attempts before the job is dead (default 5).
    pub max_attempts: i32,
    /// Deduplication key.
    pub dedupe_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` with `payload`, runnable now, 5 attempts, no dedupe key.
    pub fn new(kind: JobKind, payload: serde_json::Value) -> Self {
        Self { kind, payload, run_after: None, max_attempts: 5, dedupe_key: None }
    }

    /// Sets the deduplication key.
    pub fn dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    /// Delays the job.
    pub fn run_after(mut self, at: DateTime<Utc>) -> Self {
        self.run_after = Some(at);
        self
    }

    /// Sets the attempt budget.
    pub fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = n;
        self
    }
}

/// How a worker asks for work.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimRequest {
    /// Who is claiming (host:pid:n or similar), recorded on the job.
    pub worker_id: String,
    /// Only these kinds (any when empty).
    pub kinds: Vec<JobKind>,
    /// How long the claim holds without a heartbeat.
    pub lease: Duration,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq)]
pub enum JobOutcome {
    /// Done, with an optional result.
    Succeeded(Option<serde_json::Value>),
    /// Failed; retried at `retry_at` if attempts remain, else dead.
    Retry {
        /// Why.
        error: String,
        /// Not before.
        retry_at: DateTime<Utc>,
    },
    /// Failed for good (the error will not go away by retrying).
    Failed {
        /// Why.
        error: String,
    },
}
