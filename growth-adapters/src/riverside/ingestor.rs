//! [`RiversideIngestor`]: the `SourceIngestor` implementation.

use async_trait::async_trait;
use growth_core::domain::{SourceType, Transcript, TranscriptSource};
use growth_core::ingest::{FetchRequest, FetchedSource, SourceIngestor};
use growth_core::transcript::{ParseError, TranscriptFormat, parse};
use growth_core::{Error, Result};
use serde_json::json;

use super::client::{Client, PLATFORM};
use super::config::{RiversideConfig, RiversideTranscriptFormat};
use super::models::{ListEnvelope, Recording};
use crate::http::{MinInterval, path_segment};

/// Fetches Riverside recordings with their transcripts as podcast sources.
#[derive(Debug)]
pub struct RiversideIngestor {
    client: Client,
    transcript_path: String,
    format: RiversideTranscriptFormat,
    downloads: MinInterval,
}

/// A recording in a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingSummary {
    /// Riverside's id: the `reference` to fetch it with.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// When it was created, as Riverside says.
    pub created_date: Option<String>,
}

/// One page of recordings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingPage {
    /// The recordings.
    pub recordings: Vec<RecordingSummary>,
    /// The next page number, when Riverside says there is one.
    pub next_page: Option<u32>,
}

impl RiversideIngestor {
    /// An ingestor with `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the key cannot be a header value.
    pub fn new(config: RiversideConfig) -> Result<Self> {
        Ok(Self {
            client: Client::new(&config)?,
            transcript_path: config.transcript_path,
            format: config.transcript_format,
            downloads: MinInterval::new(config.transcript_min_interval),
        })
    }

    /// One page of recordings (`page` 1-based; `None` for the first).
    ///
    /// # Errors
    /// The classified HTTP error.
    pub async fn list_recordings(&self, page: Option<u32>) -> Result<RecordingPage> {
        let (recordings, next_page) = match self.client.recordings(page).await? {
            ListEnvelope::Bare(r) => (r, None),
            ListEnvelope::Wrapped { data, next_page } => (data, next_page),
        };
        let recordings =
            recordings.into_iter().map(|r| RecordingSummary { id: r.id, name: r.name, created_date: r.created_date }).collect();
        Ok(RecordingPage { recordings, next_page })
    }

    /// Where the transcript of `recording` is downloaded from, in the configured format.
    fn transcript_url(&self, recording: &Recording) -> Option<String> {
        let t = recording.transcription.as_ref();
        let direct = match self.format {
            RiversideTranscriptFormat::Srt => t.and_then(|t| t.srt_url.clone()),
            RiversideTranscriptFormat::Txt => t.and_then(|t| t.txt_url.clone()),
        };
        if let Some(url) = direct.filter(|u| !u.is_empty()) {
            return Some(self.client.url(&url));
        }
        let file_id = t.and_then(|t| t.id.clone()).or_else(|| recording.transcription_id.clone()).filter(|id| !id.is_empty())?;
        // An id from Riverside's answer still goes into the path as one encoded segment.
        let path = self.transcript_path.replace("{file_id}", &path_segment("file_id", &file_id).ok()?);
        Some(format!("{}?type={}", self.client.url(&path), self.format.as_str()))
    }

    /// Downloads and parses the transcript, respecting the per-request download limit.
    async fn transcript(&self, url: &str) -> Result<Option<Transcript>> {
        self.downloads.try_acquire(url)?;
        let body = match self.client.download(url).await {
            Ok(body) => body,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(e) => {
                match &e {
                    // Riverside's own window, which may be longer than ours.
                    Error::RateLimited { retry_after: Some(wait) } => self.downloads.block_for(url, *wait),
                    // A connect error, timeout or 5xx: free the slot so the retry is not held back
                    // for minutes; if Riverside did count it, its 429 sets the window again.
                    Error::Transient { .. } => self.downloads.release(url),
                    _ => {}
                }
                return Err(e);
            }
        };
        let format = match self.format {
            RiversideTranscriptFormat::Srt => TranscriptFormat::Srt,
            RiversideTranscriptFormat::Txt => TranscriptFormat::PlainText,
        };
        match parse(&body, Some(format)) {
            Ok(parsed) => Ok(Some(parsed.transcript)),
            Err(ParseError::Empty | ParseError::NoWords { .. }) => Ok(None),
            Err(e) => Err(Error::Permanent(format!("riverside transcript could not be read: {e}"))),
        }
    }
}

#[async_trait]
impl SourceIngestor for RiversideIngestor {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Option<growth_core::ingest::RecordingEvent>> {
        super::webhook::parse_webhook(body)
    }

    async fn fetch(&self, req: FetchRequest) -> Result<FetchedSource> {
        let id = super::reference::recording_id(&req.reference, self.client.host().as_deref())?;
        let raw = self.client.recording(&id).await?;
        let recording: Recording =
            serde_json::from_value(raw.clone()).map_err(|e| Error::Permanent(format!("unexpected recording from riverside: {e}")))?;
        let transcript = match self.transcript_url(&recording) {
            Some(url) => self.transcript(&url).await?,
            None => None,
        };
        let audio_url = audio_url(&recording);
        Ok(FetchedSource {
            source_type: SourceType::Podcast,
            source_id: recording.id,
            title: recording.name,
            description: None,
            metadata: json!({
                "platform": PLATFORM,
                "transcription_status": recording.transcription.as_ref().and_then(|t| t.status.clone()),
                "recording": raw,
            }),
            transcript_source: transcript.as_ref().map(|_| TranscriptSource::Riverside),
            transcript,
            audio_url,
        })
    }
}

/// A download link of an audio track (compressed first), else of any track.
fn audio_url(recording: &Recording) -> Option<String> {
    let link = |kind: &dyn Fn(&str) -> bool| {
        recording
            .tracks
            .iter()
            .filter(|t| kind(t.kind.as_deref().unwrap_or("")))
            .flat_map(|t| &t.files)
            .find_map(|f| f.download_url.clone().filter(|u| !u.is_empty()))
    };
    link(&|k| k.contains("compressed_audio")).or_else(|| link(&|k| k.contains("audio"))).or_else(|| link(&|_| true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording(v: serde_json::Value) -> Recording {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn compressed_audio_is_preferred_for_the_audio_url() {
        let r = recording(json!({"id": "r", "tracks": [
            {"type": "raw_video", "files": [{"download_url": "https://x/v.mp4"}]},
            {"type": "raw_audio", "files": [{"download_url": "https://x/a.wav"}]},
            {"type": "compressed_audio", "files": [{"download_url": "https://x/a.mp3"}]}
        ]}));
        assert_eq!(audio_url(&r).as_deref(), Some("https://x/a.mp3"));
        assert_eq!(audio_url(&recording(json!({"id": "r"}))), None);
    }

    #[test]
    fn the_transcript_url_comes_from_a_direct_link_or_the_file_id() {
        let ing = RiversideIngestor::new(RiversideConfig::new("k".to_owned().into())).unwrap();
        let direct = recording(json!({"id": "r", "transcription": {"srt_url": "https://platform.riverside.fm/t/1.srt"}}));
        assert_eq!(ing.transcript_url(&direct).as_deref(), Some("https://platform.riverside.fm/t/1.srt"));
        let by_id = recording(json!({"id": "r", "transcription": {"id": "f1"}}));
        assert_eq!(ing.transcript_url(&by_id).as_deref(), Some("https://platform.riverside.fm/api/v1/download/transcription/f1?type=srt"));
        let top = recording(json!({"id": "r", "transcription_id": "f2"}));
        assert!(ing.transcript_url(&top).unwrap().contains("/f2?type=srt"));
        assert_eq!(ing.transcript_url(&recording(json!({"id": "r"}))), None);
    }
}
