//! Wire types (`pub(crate)`: never part of the public API).

use serde::{Deserialize, Serialize};

/// `POST /v2/upload` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct UploadResponse {
    pub(crate) upload_url: String,
}

/// `POST /v2/transcript` body: only documented keys (the spec forbids unknown ones).
#[derive(Debug, Serialize)]
pub(crate) struct CreateTranscript<'a> {
    pub(crate) audio_url: &'a str,
    pub(crate) speaker_labels: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) language_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) language_detection: Option<bool>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub(crate) speech_models: &'a [String],
}

/// The fields of a transcript object we read while polling (the full object is parsed by
/// `growth_core::transcript` once completed).
#[derive(Debug, Deserialize)]
pub(crate) struct TranscriptStatusBody {
    pub(crate) id: String,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) error: Option<String>,
}
