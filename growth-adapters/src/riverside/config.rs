//! Riverside settings.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::{HttpConfig, millis};

/// Settings of [`RiversideIngestor`](super::RiversideIngestor). `Debug` hides the key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiversideConfig {
    /// The Business API key, sent as `Bearer`.
    pub api_key: SecretString,
    /// API host.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Transcript download path; `{file_id}` is replaced by the transcription file id.
    #[serde(default = "default_transcript_path")]
    pub transcript_path: String,
    /// Transcript format to download.
    #[serde(default)]
    pub transcript_format: RiversideTranscriptFormat,
    /// One download per unique transcript request per this long, in ms as `transcript_min_interval_ms`.
    #[serde(rename = "transcript_min_interval_ms", with = "millis", default = "default_min_interval")]
    pub transcript_min_interval: Duration,
    /// Timeouts, retries, rate limit (Riverside lists 1 request/s for some endpoints).
    #[serde(default)]
    pub http: HttpConfig,
}

impl RiversideConfig {
    /// A configuration with defaults for everything but the key.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            api_key,
            base_url: default_base_url(),
            transcript_path: default_transcript_path(),
            transcript_format: RiversideTranscriptFormat::default(),
            transcript_min_interval: default_min_interval(),
            http: HttpConfig::default(),
        }
    }
}

/// The transcript file format Riverside serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiversideTranscriptFormat {
    /// SubRip, with times (and `Name:` speakers when Riverside writes them).
    #[default]
    Srt,
    /// Plain text.
    Txt,
}

impl RiversideTranscriptFormat {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Srt => "srt",
            Self::Txt => "txt",
        }
    }
}

fn default_base_url() -> String {
    "https://platform.riverside.fm".to_owned()
}

fn default_transcript_path() -> String {
    "/api/v1/download/transcription/{file_id}".to_owned()
}

fn default_min_interval() -> Duration {
    Duration::from_secs(180)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", RiversideConfig::new(SecretString::from("sk-live-123")));
        assert!(!shown.contains("sk-live-123"), "{shown}");
    }
}
