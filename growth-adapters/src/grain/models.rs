//! Wire types (`pub(crate)`), lenient: every field but `id` may be missing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A recording as Grain returns it; kept whole as metadata, with the fields we use typed.
#[derive(Debug, Deserialize)]
pub(crate) struct Recording {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) title: Option<String>,
    #[serde(default)]
    pub(crate) start_datetime: Option<String>,
    #[serde(default)]
    pub(crate) participants: Vec<Participant>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Participant {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) name: Option<String>,
}

/// `POST /recordings/{id}` answers the recording, bare or wrapped.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RecordingEnvelope {
    Wrapped { recording: Value },
    Bare(Value),
}

impl RecordingEnvelope {
    pub(crate) fn into_value(self) -> Value {
        match self {
            Self::Wrapped { recording } | Self::Bare(recording) => recording,
        }
    }
}

/// `POST /recordings` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct RecordingList {
    #[serde(default)]
    pub(crate) recordings: Vec<Recording>,
    #[serde(default, alias = "next_cursor")]
    pub(crate) cursor: Option<String>,
}

/// `POST /recordings` body.
#[derive(Debug, Serialize)]
pub(crate) struct ListRequest<'a> {
    pub(crate) cursor: Option<&'a str>,
    pub(crate) filter: Value,
    pub(crate) include: Value,
}

/// One transcript entry (times in ms).
#[derive(Debug, Deserialize)]
pub(crate) struct TranscriptEntry {
    #[serde(default)]
    pub(crate) participant_id: Option<String>,
    #[serde(default)]
    pub(crate) speaker: Option<String>,
    #[serde(default)]
    pub(crate) start: Option<f64>,
    #[serde(default)]
    pub(crate) end: Option<f64>,
    #[serde(default)]
    pub(crate) text: String,
}

/// `GET /recordings/{id}/transcript` answers an array, bare or wrapped.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum TranscriptEnvelope {
    Bare(Vec<TranscriptEntry>),
    Wrapped { transcript: Vec<TranscriptEntry> },
}

impl TranscriptEnvelope {
    pub(crate) fn into_entries(self) -> Vec<TranscriptEntry> {
        match self {
            Self::Bare(e) | Self::Wrapped { transcript: e } => e,
        }
    }
}
