//! Long-form sources and their transcripts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{SourceId, SourceStatus, SourceType, TranscriptSource};

/// A podcast episode, call, chapter or upload that content is drawn from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContentSource {
    /// Id.
    pub id: SourceId,
    /// What kind of source.
    pub source_type: SourceType,
    /// The id on the platform it came from (Riverside episode id …), unique per `source_type`.
    pub source_id: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Guest info, recording date and anything else the ingestor knows.
    pub metadata: serde_json::Value,
    /// Where the original file is kept (blob storage URL).
    pub file_url: Option<String>,
    /// SHA-256 of the uploaded file, hex; the same file never creates a second source.
    pub file_hash: Option<String>,
    /// The transcript as text.
    pub transcript: Option<String>,
    /// Who made the transcript.
    pub transcript_source: Option<TranscriptSource>,
    /// Processing state.
    pub status: SourceStatus,
    /// Why processing failed, when it did.
    pub failure_reason: Option<String>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// When processing finished.
    pub processed_at: Option<DateTime<Utc>>,
    /// When its status last changed (the stale-processing sweep reads it).
    pub status_changed_at: DateTime<Utc>,
}

/// Input for storing a source.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSource {
    /// What kind of source.
    pub source_type: Option<SourceType>,
    /// Platform id (dedup key together with `source_type`).
    pub source_id: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Free-form metadata.
    pub metadata: serde_json::Value,
    /// Blob URL of the original file.
    pub file_url: Option<String>,
    /// SHA-256 of the file (dedup key).
    pub file_hash: Option<String>,
    /// Transcript text.
    pub transcript: Option<String>,
    /// Who made the transcript.
    pub transcript_source: Option<TranscriptSource>,
}

/// The result of storing a source: either a new row or the one that already existed.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored<T> {
    /// The row.
    pub value: T,
    /// `true` when this call created it; `false` when an identical one already existed.
    pub created: bool,
}

/// One stretch of speech in a transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Segment {
    /// Who spoke, when known.
    pub speaker: Option<String>,
    /// Start, in milliseconds from the beginning, when known.
    pub start_ms: Option<u64>,
    /// End, in milliseconds from the beginning, when known.
    pub end_ms: Option<u64>,
    /// What was said.
    pub text: String,
}

/// A transcript: an ordered list of segments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transcript {
    /// Segments in spoken order.
    pub segments: Vec<Segment>,
}

/// Whether `name` is what a transcription tool writes when it could not tell who spoke, rather
/// than a person: `Unknown`, `Unknown Speaker`, `Unknown Speaker 2`, `Unidentified`, `Unnamed
/// speaker`, `No speaker`, `N/A`, `None`, `Null`, `?`, `-` (ASCII case ignored, surrounding
/// brackets and whitespace too). Such a segment has no speaker: it never names one in
/// [`Transcript::speakers`], and the transcript parsers read the label as "no speaker".
/// `Speaker 1` and `Speaker A` are diarised voices, not placeholders.
pub fn is_unknown_speaker(name: &str) -> bool {
    let name = name.trim().trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')' | '<' | '>')).trim();
    if name.is_empty() || name.chars().all(|c| matches!(c, '?' | '-' | '–' | '—' | '_' | '.' | '*')) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if matches!(lower.as_str(), "n/a" | "na" | "none" | "null" | "nil" | "nobody" | "no speaker" | "no one" | "undefined") {
        return true;
    }
    let mut words = lower.split_whitespace();
    if !matches!(words.next(), Some("unknown" | "unidentified" | "unnamed" | "unlabeled" | "unlabelled" | "unrecognized")) {
        return false;
    }
    // What may follow: a word for a voice, then a number or a letter (`Unknown Speaker 2`).
    let rest: Vec<&str> = words.collect();
    match rest.as_slice() {
        [] => true,
        [w] => is_voice_word(w) || is_ordinal(w),
        [w, n] => is_voice_word(w) && is_ordinal(n),
        _ => false,
    }
}

fn is_voice_word(w: &str) -> bool {
    matches!(w, "speaker" | "speakers" | "voice" | "person" | "participant" | "guest" | "caller")
}

fn is_ordinal(w: &str) -> bool {
    let w = w.trim_start_matches('#');
    !w.is_empty() && (w.bytes().all(|b| b.is_ascii_digit()) || (w.len() == 1 && w.bytes().all(|b| b.is_ascii_alphabetic())))
}

impl Transcript {
    /// The distinct speakers, in order of first appearance. Placeholders for an unknown speaker
    /// ([`is_unknown_speaker`]) are not speakers and are left out.
    pub fn speakers(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for s in self.segments.iter().filter_map(|s| s.speaker.as_deref()).filter(|s| !is_unknown_speaker(s)) {
            if !seen.contains(&s) {
                seen.push(s);
            }
        }
        seen
    }

    /// Number of words (Unicode whitespace-separated).
    pub fn word_count(&self) -> usize {
        self.segments.iter().map(|s| s.text.split_whitespace().count()).sum()
    }

    /// The transcript as plain text, one `Speaker: text` paragraph per segment.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for s in &self.segments {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            if let Some(sp) = &s.speaker {
                out.push_str(sp);
                out.push_str(": ");
            }
            out.push_str(&s.text);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(speaker: Option<&str>, text: &str) -> Segment {
        Segment { speaker: speaker.map(str::to_owned), start_ms: None, end_ms: None, text: text.into() }
    }

    #[test]
    fn speakers_are_listed_once_in_order_of_first_appearance() {
        let t = Transcript {
            segments: vec![seg(Some("Adam"), "hi"), seg(Some("Wes"), "hello there"), seg(Some("Adam"), "ok"), seg(None, "x")],
        };
        assert_eq!(t.speakers(), vec!["Adam", "Wes"]);
        assert_eq!(t.word_count(), 5);
    }

    #[test]
    fn placeholders_for_an_unknown_speaker_are_not_speakers() {
        for name in
            ["Unknown", "UNKNOWN", " unknown speaker ", "Unknown Speaker 2", "[Unknown]", "Unidentified voice", "N/A", "?", "--", ""]
        {
            assert!(is_unknown_speaker(name), "{name:?}");
        }
        for name in ["Speaker 1", "Speaker A", "Adam", "Unknown Pleasures Band", "Nadia", "Guest"] {
            assert!(!is_unknown_speaker(name), "{name:?}");
        }
        let t = Transcript { segments: vec![seg(Some("Unknown"), "hi"), seg(Some("Adam"), "hello"), seg(Some("Unknown Speaker"), "yes")] };
        assert_eq!(t.speakers(), vec!["Adam"]);
    }

    #[test]
    fn to_text_labels_each_paragraph_with_its_speaker() {
        let t = Transcript { segments: vec![seg(Some("Adam"), "hi"), seg(None, "music")] };
        assert_eq!(t.to_text(), "Adam: hi\n\nmusic");
    }
}
