//! Wire types (`pub(crate)`), lenient: only `id` is required.

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub(crate) struct Recording {
    pub(crate) id: String,
    #[serde(default, alias = "title")]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) created_date: Option<String>,
    #[serde(default)]
    pub(crate) tracks: Vec<Track>,
    #[serde(default)]
    pub(crate) transcription: Option<Transcription>,
    /// Some shapes put the transcription file id at the top level.
    #[serde(default)]
    pub(crate) transcription_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Track {
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) files: Vec<File>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct File {
    #[serde(default)]
    pub(crate) download_url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Transcription {
    #[serde(default, alias = "file_id")]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) srt_url: Option<String>,
    #[serde(default)]
    pub(crate) txt_url: Option<String>,
}

/// A single object, bare or wrapped in `data` / `recording`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Envelope {
    Data { data: Value },
    Recording { recording: Value },
    Bare(Value),
}

impl Envelope {
    pub(crate) fn into_value(self) -> Value {
        match self {
            Self::Data { data: v } | Self::Recording { recording: v } | Self::Bare(v) => v,
        }
    }
}

/// A list: a bare array, or `data` / `recordings` with an optional `next_page`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum ListEnvelope {
    Bare(Vec<Recording>),
    Wrapped {
        #[serde(alias = "recordings")]
        data: Vec<Recording>,
        #[serde(default)]
        next_page: Option<u32>,
    },
}
