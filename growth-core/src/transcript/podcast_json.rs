//! The podcast namespace's JSON transcript (`<podcast:transcript type="application/json">`):
//! `{"version": "1.0.0", "segments": [{"speaker", "startTime", "endTime", "body"}]}`.
//!
//! Times are seconds (integers or floats) and become milliseconds. `speaker` is optional; an
//! empty one is no speaker. Some exporters repeat a segment: exact duplicate consecutive segments
//! (same speaker, times and body) are kept once. JSON that does not parse, lacks `segments` or a
//! segment's `body`, or has a negative or backwards time is an error naming the segment.

use serde::Deserialize;

use super::text::collapse_whitespace;
use super::{ParseError, TranscriptFormat};
use crate::domain::Segment;

const FORMAT: TranscriptFormat = TranscriptFormat::PodcastJson;

#[derive(Deserialize)]
struct Document {
    segments: Vec<WireSegment>,
}

#[derive(Deserialize)]
struct WireSegment {
    #[serde(default)]
    speaker: Option<String>,
    #[serde(default, rename = "startTime")]
    start_time: Option<f64>,
    #[serde(default, rename = "endTime")]
    end_time: Option<f64>,
    body: String,
}

/// The segments of a podcast-namespace JSON transcript.
pub(super) fn parse(text: &str) -> Result<Vec<Segment>, ParseError> {
    let doc: Document = serde_json::from_str(text).map_err(|e| json_error(FORMAT, &e))?;
    let mut segments: Vec<Segment> = Vec::with_capacity(doc.segments.len());
    for (i, wire) in doc.segments.into_iter().enumerate() {
        let start_ms = wire.start_time.map(|s| seconds_to_ms(s, i, "startTime")).transpose()?;
        let end_ms = wire.end_time.map(|s| seconds_to_ms(s, i, "endTime")).transpose()?;
        if let (Some(start), Some(end)) = (start_ms, end_ms)
            && end < start
        {
            return Err(ParseError::malformed(FORMAT, format!("segments[{i}] ends ({end} ms) before it starts ({start} ms)")));
        }
        let speaker = wire.speaker.map(|s| collapse_whitespace(&s)).filter(|s| !s.is_empty());
        let segment = Segment { speaker, start_ms, end_ms, text: collapse_whitespace(&wire.body) };
        if segments.last() != Some(&segment) {
            segments.push(segment);
        }
    }
    Ok(segments)
}

fn seconds_to_ms(seconds: f64, index: usize, field: &str) -> Result<u64, ParseError> {
    if seconds.is_finite() && seconds >= 0.0 {
        // Saturates for absurdly large values, which is as good as any answer for them.
        Ok((seconds * 1000.0).round() as u64)
    } else {
        Err(ParseError::malformed(FORMAT, format!("segments[{index}].{field} must be a non-negative number of seconds, not {seconds}")))
    }
}

/// A serde_json error as a [`ParseError`] on the line it points at.
pub(super) fn json_error(format: TranscriptFormat, e: &serde_json::Error) -> ParseError {
    let message = format!("{e}");
    if e.line() == 0 { ParseError::malformed(format, message) } else { ParseError::at(format, e.line(), message) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_become_segments_with_seconds_turned_into_milliseconds() {
        let s = parse(r#"{"version":"1.0.0","segments":[{"speaker":"Alice","startTime":0,"endTime":1.5,"body":"Hello  there"},{"startTime":1.5,"endTime":2.0004,"body":"hi"}]}"#).unwrap();
        assert_eq!(s[0], Segment { speaker: Some("Alice".into()), start_ms: Some(0), end_ms: Some(1_500), text: "Hello there".into() });
        assert_eq!(s[1], Segment { speaker: None, start_ms: Some(1_500), end_ms: Some(2_000), text: "hi".into() });
    }

    #[test]
    fn exact_duplicate_consecutive_segments_are_kept_once() {
        let seg = r#"{"speaker":"Alice","startTime":1.0,"endTime":2.0,"body":"again"}"#;
        let other = r#"{"speaker":"Bob","startTime":1.0,"endTime":2.0,"body":"again"}"#;
        let s = parse(&format!(r#"{{"version":"1.0.0","segments":[{seg},{seg},{seg},{other},{seg}]}}"#)).unwrap();
        let speakers: Vec<_> = s.iter().map(|s| s.speaker.as_deref()).collect();
        assert_eq!(speakers, vec![Some("Alice"), Some("Bob"), Some("Alice")]);
    }

    #[test]
    fn truncated_json_is_an_error_naming_the_format_and_line() {
        let e = parse("{\"version\":\"1.0.0\",\n\"segments\":[{\"speaker\":\"A\",\n\"body\":\"hel").unwrap_err();
        assert_eq!((e.format(), e.line()), (Some(TranscriptFormat::PodcastJson), Some(3)));
    }

    #[test]
    fn a_missing_body_or_segments_is_an_error() {
        assert!(parse(r#"{"segments":[{"speaker":"A","startTime":1}]}"#).unwrap_err().to_string().contains("body"));
        assert!(parse(r#"{"version":"1.0.0"}"#).unwrap_err().to_string().contains("segments"));
    }

    #[test]
    fn negative_or_backwards_times_are_errors_naming_the_segment() {
        let e = parse(r#"{"segments":[{"startTime":-1,"body":"x"}]}"#).unwrap_err();
        assert!(e.to_string().contains("segments[0].startTime"), "{e}");
        let e = parse(r#"{"segments":[{"body":"ok"},{"startTime":5,"endTime":4,"body":"x"}]}"#).unwrap_err();
        assert!(e.to_string().contains("segments[1]"), "{e}");
    }
}
