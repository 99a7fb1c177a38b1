//! The inputs of the built-in jobs, typed: one [`JobPayload`] enum instead of loose JSON, so a job is
//! decoded once, where it is claimed, and a malformed one fails with a reason instead of running
//! half-way.

use serde::{Deserialize, Serialize};

use crate::domain::{Job, JobKind, NewJob, SourceId};
use crate::prompt::BundlePlan;
use crate::{Error, Result};

/// Fetch a recording from a platform (a webhook delivery) and store it as a source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestSourceJob {
    /// The platform's ingestor name (`grain`, `riverside`, `gemini` …).
    pub platform: String,
    /// The platform's id of the recording (or a URL its ingestor understands).
    pub reference: String,
    /// A title the delivery gave, if any (the platform's own wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Which source a bundle is written from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceRef {
    /// A source already stored.
    Existing {
        /// Its id.
        source_id: SourceId,
    },
    /// Pasted text, stored as a podcast source first.
    Text {
        /// The transcript.
        text: String,
        /// Its title.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    /// A recording on a platform, fetched and stored first.
    Recording {
        /// The platform's ingestor name.
        platform: String,
        /// The recording's id or URL.
        reference: String,
    },
}

/// Write a bundle from a source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateBundleJob {
    /// The source.
    pub source: SourceRef,
    /// How many pieces of each type (the configured plan when `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<BundlePlan>,
}

use crate::ingest::ProcessSourceJob;

/// The input of a built-in job. Jobs of kinds an embedding service registers carry their own JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobPayload {
    /// [`JobKind::INGEST_SOURCE`].
    IngestSource(IngestSourceJob),
    /// [`JobKind::GENERATE_BUNDLE`].
    GenerateBundle(GenerateBundleJob),
    /// [`JobKind::PROCESS_SOURCE`].
    ProcessSource(ProcessSourceJob),
}

impl JobPayload {
    /// The kind of job that runs it.
    pub fn kind(&self) -> JobKind {
        let kind = match self {
            JobPayload::IngestSource(_) => JobKind::INGEST_SOURCE,
            JobPayload::GenerateBundle(_) => JobKind::GENERATE_BUNDLE,
            JobPayload::ProcessSource(_) => JobKind::PROCESS_SOURCE,
        };
        JobKind::new(kind).unwrap_or_else(|_| unreachable!("the built-in kinds are valid"))
    }

    /// A job to enqueue (with `dedupe_key`, a redelivery of the same thing enqueues nothing new).
    pub fn to_job(&self, dedupe_key: Option<String>) -> Result<NewJob> {
        let payload = match self {
            JobPayload::IngestSource(p) => serde_json::to_value(p),
            JobPayload::GenerateBundle(p) => serde_json::to_value(p),
            JobPayload::ProcessSource(p) => serde_json::to_value(p),
        }
        .map_err(|e| Error::internal("encoding a job payload", e))?;
        let job = NewJob::new(self.kind(), payload);
        Ok(match dedupe_key {
            Some(k) => job.dedupe_key(k),
            None => job,
        })
    }

    /// Decodes a claimed job; a kind that is not built in, or a payload that does not fit its kind,
    /// is `InvalidInput` (the job then fails for good, with that reason).
    pub fn from_job(job: &Job) -> Result<Self> {
        let bad = |e: serde_json::Error| Error::invalid_field("payload", format!("job {} of kind {} is malformed: {e}", job.id, job.kind));
        match job.kind.as_str() {
            JobKind::INGEST_SOURCE => serde_json::from_value(job.payload.clone()).map(JobPayload::IngestSource).map_err(bad),
            JobKind::GENERATE_BUNDLE => serde_json::from_value(job.payload.clone()).map(JobPayload::GenerateBundle).map_err(bad),
            JobKind::PROCESS_SOURCE => serde_json::from_value(job.payload.clone()).map(JobPayload::ProcessSource).map_err(bad),
            other => Err(Error::invalid_field("kind", format!("`{other}` is not a built-in job kind"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::JobStatus;

    fn job_of(new: NewJob) -> Job {
        Job {
            id: crate::domain::JobId::new(),
            kind: new.kind,
            payload: new.payload,
            status: JobStatus::Queued,
            progress: 0,
            result: None,
            attempts: 0,
            max_attempts: 3,
            run_after: chrono::Utc::now(),
            claimed_by: None,
            lease_expires_at: None,
            last_error: None,
            dedupe_key: new.dedupe_key,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            finished_at: None,
        }
    }

    #[test]
    fn every_built_in_payload_round_trips_through_a_job() {
        let payloads = [
            JobPayload::IngestSource(IngestSourceJob {
                platform: "grain".into(),
                reference: "rec-1".into(),
                title: Some("Kickoff".into()),
            }),
            JobPayload::GenerateBundle(GenerateBundleJob { source: SourceRef::Existing { source_id: SourceId::new() }, plan: None }),
            JobPayload::GenerateBundle(GenerateBundleJob {
                source: SourceRef::Text { text: "Host: hi".into(), title: None },
                plan: Some(BundlePlan::default()),
            }),
            JobPayload::GenerateBundle(GenerateBundleJob {
                source: SourceRef::Recording { platform: "riverside".into(), reference: "ep-9".into() },
                plan: None,
            }),
        ];
        for p in payloads {
            let job = job_of(p.to_job(Some("k".into())).unwrap());
            assert_eq!(job.kind, p.kind());
            assert_eq!(JobPayload::from_job(&job).unwrap(), p);
        }
    }

    #[test]
    fn a_payload_that_does_not_fit_its_kind_says_why() {
        let mut job = job_of(
            JobPayload::IngestSource(IngestSourceJob { platform: "grain".into(), reference: "r".into(), title: None })
                .to_job(None)
                .unwrap(),
        );
        job.payload = serde_json::json!({ "platform": "grain" });
        let err = JobPayload::from_job(&job).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }) && err.to_string().contains("reference"), "{err}");
        job.kind = JobKind::new("custom.kind").unwrap();
        assert!(JobPayload::from_job(&job).unwrap_err().to_string().contains("custom.kind"));
    }
}
