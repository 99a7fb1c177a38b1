//! [`GrainIngestor`]: the `SourceIngestor` implementation.

use std::collections::HashMap;

use async_trait::async_trait;
use growth_core::domain::{Segment, SourceType, Transcript, TranscriptSource};
use growth_core::ingest::{FetchRequest, FetchedSource, SourceIngestor};
use growth_core::{Error, Result};
use serde_json::{Map, Value, json};

use super::client::{Client, PLATFORM};
use super::config::GrainConfig;
use super::models::{Recording, TranscriptEntry};

/// Fetches Grain recordings and their transcripts as sales-call sources.
#[derive(Clone, Debug)]
pub struct GrainIngestor {
    client: Client,
}

/// Which recordings to list (all optional; times are RFC 3339).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordingFilter {
    /// Recorded after this instant.
    pub after: Option<String>,
    /// Recorded before this instant.
    pub before: Option<String>,
    /// Title contains this text.
    pub title_search: Option<String>,
}

/// A recording in a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingSummary {
    /// Grain's id: the `reference` to fetch it with.
    pub id: String,
    /// Title.
    pub title: Option<String>,
    /// When it started (RFC 3339, as Grain says).
    pub start_datetime: Option<String>,
}

/// One page of recordings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingPage {
    /// The recordings.
    pub recordings: Vec<RecordingSummary>,
    /// Pass to the next call; `None` on the last page.
    pub cursor: Option<String>,
}

impl GrainIngestor {
    /// An ingestor with `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the token or version cannot be header values.
    pub fn new(config: GrainConfig) -> Result<Self> {
        Ok(Self { client: Client::new(&config)? })
    }

    /// One page of recordings, newest first as Grain orders them.
    ///
    /// # Errors
    /// The classified HTTP error.
    pub async fn list_recordings(&self, filter: &RecordingFilter, cursor: Option<&str>) -> Result<RecordingPage> {
        let mut f = Map::new();
        for (key, value) in [("after_datetime", &filter.after), ("before_datetime", &filter.before), ("title_search", &filter.title_search)]
        {
            if let Some(v) = value {
                f.insert(key.to_owned(), json!(v));
            }
        }
        let list = self.client.list(cursor, Value::Object(f)).await?;
        let recordings =
            list.recordings.into_iter().map(|r| RecordingSummary { id: r.id, title: r.title, start_datetime: r.start_datetime }).collect();
        Ok(RecordingPage { recordings, cursor: list.cursor.filter(|c| !c.is_empty()) })
    }
}

#[async_trait]
impl SourceIngestor for GrainIngestor {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Option<growth_core::ingest::RecordingEvent>> {
        let e = super::webhook::parse_webhook(body)?;
        Ok(e.is_recording_ready()
            .then(|| e.recording_id.map(|reference| growth_core::ingest::RecordingEvent { reference, title: e.title }))
            .flatten())
    }

    async fn fetch(&self, req: FetchRequest) -> Result<FetchedSource> {
        let id = super::reference::recording_id(&req.reference, self.client.host().as_deref())?;
        let raw = self.client.recording(&id).await?;
        let recording: Recording =
            serde_json::from_value(raw.clone()).map_err(|e| Error::Permanent(format!("unexpected recording from grain: {e}")))?;
        let entries = match self.client.transcript(&recording.id).await {
            Ok(entries) => entries,
            // No transcript (yet): the source is still worth storing, with no transcript.
            Err(Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        let transcript = to_transcript(entries, &recording);
        let description = raw.get("ai_summary").and_then(summary_text);
        Ok(FetchedSource {
            source_type: SourceType::SalesCall,
            source_id: recording.id,
            title: recording.title,
            description,
            metadata: json!({"platform": PLATFORM, "recording": raw}),
            transcript_source: transcript.as_ref().map(|_| TranscriptSource::Grain),
            transcript,
            audio_url: None,
        })
    }
}

/// The AI summary as text: a string, or an object with `text`/`summary`.
fn summary_text(v: &Value) -> Option<String> {
    v.as_str().or_else(|| v.get("text").or_else(|| v.get("summary")).and_then(Value::as_str)).map(str::to_owned)
}

/// Entries to segments: the entry's `speaker`, else the participant's name by `participant_id`.
fn to_transcript(entries: Vec<TranscriptEntry>, recording: &Recording) -> Option<Transcript> {
    let names: HashMap<&str, &str> = recording.participants.iter().filter_map(|p| Some((p.id.as_deref()?, p.name.as_deref()?))).collect();
    let segments: Vec<Segment> = entries
        .into_iter()
        .filter(|e| !e.text.trim().is_empty())
        .map(|e| {
            let speaker = e
                .speaker
                .filter(|s| !s.trim().is_empty())
                .or_else(|| e.participant_id.as_deref().and_then(|p| names.get(p)).map(|n| (*n).to_owned()));
            Segment { speaker, start_ms: e.start.and_then(ms), end_ms: e.end.and_then(ms), text: e.text.trim().to_owned() }
        })
        .collect();
    (!segments.is_empty()).then_some(Transcript { segments })
}

fn ms(v: f64) -> Option<u64> {
    // Bounded and non-negative, so the cast is exact enough and cannot wrap.
    (v.is_finite() && (0.0..1e15).contains(&v)).then(|| v.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_speaker_is_taken_from_the_participant_list() {
        let recording: Recording = serde_json::from_value(json!({"id": "r", "participants": [{"id": "p1", "name": "Jane Doe"}]})).unwrap();
        let entries: Vec<TranscriptEntry> = serde_json::from_value(json!([
            {"participant_id": "p1", "speaker": null, "start": 0, "end": 900.4, "text": " Hi "},
            {"participant_id": null, "speaker": "Rep", "start": 1000, "end": 2000, "text": "Hello"},
            {"participant_id": "p9", "text": "  "}
        ]))
        .unwrap();
        let t = to_transcript(entries, &recording).unwrap();
        assert_eq!(t.segments.len(), 2);
        assert_eq!(t.segments[0].speaker.as_deref(), Some("Jane Doe"));
        assert_eq!(t.segments[0].end_ms, Some(900));
        assert_eq!(t.segments[0].text, "Hi");
        assert_eq!(t.segments[1].speaker.as_deref(), Some("Rep"));
    }

    #[test]
    fn no_entries_is_no_transcript() {
        let recording: Recording = serde_json::from_value(json!({"id": "r"})).unwrap();
        assert_eq!(to_transcript(Vec::new(), &recording), None);
    }

    #[test]
    fn the_summary_is_read_from_a_string_or_an_object() {
        assert_eq!(summary_text(&json!("s")).as_deref(), Some("s"));
        assert_eq!(summary_text(&json!({"text": "s"})).as_deref(), Some("s"));
        assert_eq!(summary_text(&json!(3)), None);
    }
}
