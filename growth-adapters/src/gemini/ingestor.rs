//! [`GeminiIngestor`]: the `SourceIngestor` implementation.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use growth_core::domain::{Segment, SourceType, Transcript, TranscriptSource};
use growth_core::ingest::{FetchRequest, FetchedSource, SourceIngestor};
use growth_core::{Error, Result};
use serde_json::{Value, json};

use super::client::{Client, PLATFORM};
use super::config::GeminiConfig;
use super::models::{Artifact, ConferenceRecord, ConferenceRecordList, Participant, TranscriptEntry};
use super::reference::Reference;

/// Fetches Google Meet conference records with their transcripts and Gemini notes.
#[derive(Clone, Debug)]
pub struct GeminiIngestor {
    client: Client,
    page_size: u32,
}

impl GeminiIngestor {
    /// An ingestor with `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the token cannot be a header value.
    pub fn new(config: GeminiConfig) -> Result<Self> {
        Ok(Self { client: Client::new(&config)?, page_size: config.page_size.clamp(1, 100) })
    }

    /// The conference record a reference names.
    async fn record(&self, reference: &str) -> Result<ConferenceRecord> {
        match super::reference::parse(reference)? {
            Reference::MeetingCode(code) => {
                let page = self.client.conference_records(&format!("space.meeting_code=\"{code}\"")).await?;
                let list: ConferenceRecordList = serde_json::from_value(page)
                    .map_err(|e| Error::Permanent(format!("unexpected conference records from {PLATFORM}: {e}")))?;
                // RFC 3339 UTC timestamps of one format sort as text.
                list.conference_records
                    .into_iter()
                    .max_by(|a, b| a.start_time.cmp(&b.start_time))
                    .ok_or_else(|| Error::not_found("google meet conference for meeting code", code))
            }
            Reference::Record(name) => self.client.conference_record(&name).await,
        }
    }

    /// Smart notes, tolerating a refusal (their scope is unverified).
    async fn smart_notes(&self, record: &str) -> Result<Vec<Artifact>> {
        match self.client.list_all(record, "smartNotes", "smartNotes", 100).await {
            Ok(notes) => Ok(notes),
            Err(e @ (Error::NotFound { .. } | Error::PermissionDenied(_))) => {
                tracing::warn!(record, error = %e, "google meet smart notes unavailable; ingesting without them");
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl SourceIngestor for GeminiIngestor {
    fn name(&self) -> &'static str {
        "gemini"
    }

    async fn fetch(&self, req: FetchRequest) -> Result<FetchedSource> {
        let record = self.record(&req.reference).await?;
        let participants: Vec<Participant> = self.client.list_all(&record.name, "participants", "participants", 250).await?;
        let names: HashMap<&str, &str> = participants.iter().filter_map(|p| Some((p.name.as_str(), p.display_name()?))).collect();
        let transcripts: Vec<Artifact> = self.client.list_all(&record.name, "transcripts", "transcripts", 100).await?;
        let chosen = choose_transcript(&transcripts);
        let transcript = match chosen {
            Some(t) => {
                let entries: Vec<TranscriptEntry> = self.client.list_all(&t.name, "entries", "transcriptEntries", self.page_size).await?;
                let origin = record.start_time.as_deref().or(t.start_time.as_deref()).and_then(parse_time);
                to_transcript(entries, &names, origin)
            }
            None => None,
        };
        let notes = self.smart_notes(&record.name).await?;
        let id = record.name.strip_prefix("conferenceRecords/").unwrap_or(&record.name).to_owned();
        Ok(FetchedSource {
            source_type: SourceType::SalesCall,
            source_id: id,
            title: None,
            description: None,
            metadata: json!({
                "platform": "google_meet",
                "conference_record": record.name,
                "space": record.space,
                "start_time": record.start_time,
                "end_time": record.end_time,
                "expire_time": record.expire_time,
                "participants": sorted(names.values().copied()),
                "transcript_doc": chosen.map(artifact_json),
                "smart_notes": notes.iter().map(artifact_json).collect::<Vec<_>>(),
            }),
            transcript_source: transcript.as_ref().map(|_| TranscriptSource::Gemini),
            transcript,
            audio_url: None,
        })
    }
}

fn sorted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The transcript whose file is generated, else one that ended, else the first.
fn choose_transcript(transcripts: &[Artifact]) -> Option<&Artifact> {
    let with_state = |s: &str| transcripts.iter().find(|t| t.state.as_deref() == Some(s));
    with_state("FILE_GENERATED").or_else(|| with_state("ENDED")).or_else(|| transcripts.first())
}

fn artifact_json(a: &Artifact) -> Value {
    let docs = a.docs_destination.as_ref();
    json!({
        "name": a.name,
        "state": a.state,
        "document": docs.and_then(|d| d.document.clone()),
        "export_uri": docs.and_then(|d| d.export_uri.clone()),
    })
}

fn parse_time(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// Milliseconds from `origin` to `at`, when both are known and `at` is not before `origin`.
fn offset_ms(at: Option<&str>, origin: Option<DateTime<FixedOffset>>) -> Option<u64> {
    let ms = (parse_time(at?)? - origin?).num_milliseconds();
    u64::try_from(ms).ok()
}

fn to_transcript(entries: Vec<TranscriptEntry>, names: &HashMap<&str, &str>, origin: Option<DateTime<FixedOffset>>) -> Option<Transcript> {
    let segments: Vec<Segment> = entries
        .into_iter()
        .filter(|e| !e.text.trim().is_empty())
        .map(|e| Segment {
            speaker: e.participant.as_deref().and_then(|p| names.get(p)).map(|n| (*n).to_owned()),
            start_ms: offset_ms(e.start_time.as_deref(), origin),
            end_ms: offset_ms(e.end_time.as_deref(), origin),
            text: e.text.trim().to_owned(),
        })
        .collect();
    (!segments.is_empty()).then_some(Transcript { segments })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_times_are_measured_from_the_start_of_the_call() {
        let origin = parse_time("2026-11-20T15:00:00Z");
        assert_eq!(offset_ms(Some("2026-11-20T15:00:01.500Z"), origin), Some(1500));
        assert_eq!(offset_ms(Some("2026-11-20T14:59:59Z"), origin), None);
        assert_eq!(offset_ms(Some("garbage"), origin), None);
        assert_eq!(offset_ms(None, origin), None);
    }

    #[test]
    fn a_generated_transcript_is_preferred() {
        let a =
            |name: &str, state: &str| Artifact { name: name.into(), state: Some(state.into()), start_time: None, docs_destination: None };
        let ts = [a("t1", "STARTED"), a("t2", "ENDED"), a("t3", "FILE_GENERATED")];
        assert_eq!(choose_transcript(&ts).map(|t| t.name.as_str()), Some("t3"));
        assert_eq!(choose_transcript(&ts[..2]).map(|t| t.name.as_str()), Some("t2"));
        assert!(choose_transcript(&[]).is_none());
    }
}
