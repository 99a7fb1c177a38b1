//! An AssemblyAI transcript object, as `GET /v2/transcript/{id}` returns it.
//!
//! `utterances` (present when speaker labels were on) give one segment each, with the speaker
//! letter kept as is (`"A"`, `"B"` …) and start/end in milliseconds. Without utterances, `words`
//! are grouped into one segment per run of the same speaker (one segment when no word has a
//! speaker). Without words either, `text` is one untimed segment.
//!
//! A transcript whose `status` is `error` is an error carrying AssemblyAI's `error` message;
//! one still `queued` or `processing` is an error too: there is nothing to read yet.

use serde::Deserialize;

use super::podcast_json::json_error;
use super::text::collapse_whitespace;
use super::{ParseError, TranscriptFormat};
use crate::domain::Segment;

const FORMAT: TranscriptFormat = TranscriptFormat::AssemblyAiJson;

#[derive(Deserialize)]
struct WireTranscript {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    words: Option<Vec<WireWord>>,
    #[serde(default)]
    utterances: Option<Vec<WireWord>>,
}

/// A word or an utterance: both have text, times and a speaker.
#[derive(Deserialize)]
struct WireWord {
    text: String,
    #[serde(default)]
    start: Option<f64>,
    #[serde(default)]
    end: Option<f64>,
    #[serde(default)]
    speaker: Option<String>,
}

/// The segments of an AssemblyAI transcript.
pub(super) fn parse(text: &str) -> Result<Vec<Segment>, ParseError> {
    let wire: WireTranscript = serde_json::from_str(text).map_err(|e| json_error(FORMAT, &e))?;
    match wire.status.as_deref() {
        Some("error") => {
            let reason = wire.error.as_deref().unwrap_or("no error message given");
            return Err(ParseError::malformed(FORMAT, format!("AssemblyAI reports the transcription failed: {reason}")));
        }
        Some(status @ ("queued" | "processing")) => {
            return Err(ParseError::malformed(FORMAT, format!("the transcript is not ready yet (status `{status}`)")));
        }
        _ => {}
    }
    if let Some(utterances) = wire.utterances.filter(|u| !u.is_empty()) {
        return utterances.iter().enumerate().map(|(i, u)| segment(u, i, "utterances")).collect();
    }
    if let Some(words) = wire.words.filter(|w| !w.is_empty()) {
        return group_words(&words);
    }
    Ok(wire.text.into_iter().map(|t| Segment { speaker: None, start_ms: None, end_ms: None, text: collapse_whitespace(&t) }).collect())
}

fn segment(u: &WireWord, index: usize, list: &str) -> Result<Segment, ParseError> {
    let ms = |v: Option<f64>, field: &str| {
        v.map(|v| {
            if v.is_finite() && v >= 0.0 {
                Ok(v.round() as u64)
            } else {
                Err(ParseError::malformed(
                    FORMAT,
                    format!("{list}[{index}].{field} must be a non-negative number of milliseconds, not {v}"),
                ))
            }
        })
        .transpose()
    };
    let speaker = u.speaker.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(Segment { speaker, start_ms: ms(u.start, "start")?, end_ms: ms(u.end, "end")?, text: collapse_whitespace(&u.text) })
}

/// Consecutive words of the same speaker, as one segment each.
fn group_words(words: &[WireWord]) -> Result<Vec<Segment>, ParseError> {
    let mut segments: Vec<Segment> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let word = segment(w, i, "words")?;
        match segments.last_mut() {
            Some(last) if last.speaker == word.speaker => {
                if !word.text.is_empty() {
                    if !last.text.is_empty() {
                        last.text.push(' ');
                    }
                    last.text.push_str(&word.text);
                }
                last.end_ms = word.end_ms.or(last.end_ms);
                last.start_ms = last.start_ms.or(word.start_ms);
            }
            _ => segments.push(word),
        }
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utterances_give_segments_with_speaker_letters_and_millisecond_times() {
        let s = parse(r#"{"id":"x","status":"completed","text":"Hi. Hello.","utterances":[{"speaker":"A","start":250,"end":900,"text":"Hi."},{"speaker":"B","start":900,"end":1500,"text":"Hello."}],"words":[]}"#).unwrap();
        assert_eq!(s[0], Segment { speaker: Some("A".into()), start_ms: Some(250), end_ms: Some(900), text: "Hi.".into() });
        assert_eq!(s[1].speaker.as_deref(), Some("B"));
    }

    #[test]
    fn assemblyai_words_only_are_grouped_by_speaker() {
        let words = r#"[{"text":"Hi","start":0,"end":100,"speaker":"A"},{"text":"there.","start":100,"end":200,"speaker":"A"},{"text":"Hello.","start":300,"end":400,"speaker":"B"},{"text":"Again.","start":500,"end":600,"speaker":"A"}]"#;
        let s = parse(&format!(r#"{{"id":"x","status":"completed","utterances":null,"words":{words}}}"#)).unwrap();
        let summary: Vec<_> = s.iter().map(|s| (s.speaker.as_deref(), s.start_ms, s.end_ms, s.text.as_str())).collect();
        assert_eq!(
            summary,
            vec![
                (Some("A"), Some(0), Some(200), "Hi there."),
                (Some("B"), Some(300), Some(400), "Hello."),
                (Some("A"), Some(500), Some(600), "Again.")
            ]
        );
    }

    #[test]
    fn words_without_speakers_make_one_segment() {
        let s = parse(r#"{"id":"x","status":"completed","words":[{"text":"Smoke","start":250,"end":650,"speaker":null},{"text":"from","start":730,"end":1022,"speaker":null}]}"#).unwrap();
        assert_eq!(s, vec![Segment { speaker: None, start_ms: Some(250), end_ms: Some(1022), text: "Smoke from".into() }]);
    }

    #[test]
    fn without_utterances_or_words_the_text_is_one_segment() {
        let s = parse(r#"{"id":"x","status":"completed","text":"Just  the text.","words":[],"utterances":[]}"#).unwrap();
        assert_eq!(s, vec![Segment { speaker: None, start_ms: None, end_ms: None, text: "Just the text.".into() }]);
    }

    #[test]
    fn an_errored_transcript_is_a_parse_error_carrying_its_message() {
        let e = parse(r#"{"id":"x","status":"error","error":"Download error, unable to download https://x/a.mp3"}"#).unwrap_err();
        assert_eq!(e.format(), Some(TranscriptFormat::AssemblyAiJson));
        assert!(e.to_string().contains("Download error, unable to download"), "{e}");
    }

    #[test]
    fn a_transcript_still_processing_is_a_parse_error() {
        let e = parse(r#"{"id":"x","status":"processing","text":null}"#).unwrap_err();
        assert!(e.to_string().contains("processing"), "{e}");
    }
}
