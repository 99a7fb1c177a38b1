//! `HH:MM:SS text` lines (also `MM:SS`, `H:MM:SS`, with an optional fraction, optionally in
//! `[ ]` or `( )`), as Talk Python's transcripts and many "copy transcript" buttons produce.
//!
//! Each timestamped line starts a segment with that `start_ms`; end times are unknown. A line
//! without a timestamp continues the previous segment (a timestamp alone on a line is followed by
//! its text on the next). An optional `Name:` label after the time sets the speaker, which carries
//! over to following lines. A line that starts with something clock-shaped that is not a time
//! (`00:75:00 …`) is an error on that line.

use super::text::{collapse_whitespace, is_clock_shaped, parse_clock, speaker_label};
use super::{ParseError, TranscriptFormat};
use crate::domain::Segment;

/// A line's leading timestamp: `None` when the line does not start with one, `Some(Err(token))`
/// when it starts with a clock-shaped token that is not a valid time, otherwise the time in
/// milliseconds and the rest of the line.
pub(super) fn leading_time(line: &str) -> Option<Result<(u64, &str), &str>> {
    let line = line.trim_start();
    let (inner, close) = match line.strip_prefix('[') {
        Some(rest) => (rest, Some(']')),
        None => match line.strip_prefix('(') {
            Some(rest) => (rest, Some(')')),
            None => (line, None),
        },
    };
    let end = inner.find(|c: char| c.is_whitespace() || Some(c) == close).unwrap_or(inner.len());
    let (token, rest) = inner.split_at_checked(end)?;
    if !is_clock_shaped(token) {
        return None;
    }
    let rest = match close {
        Some(c) => rest.strip_prefix(c)?,
        None => rest,
    };
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let rest = rest.trim_start();
    let rest = ["- ", "– ", "| "].iter().find_map(|sep| rest.strip_prefix(sep)).unwrap_or(rest);
    Some(parse_clock(token).map(|ms| (ms, rest)).ok_or(token))
}

/// The segments of a timestamped transcript.
pub(super) fn parse(text: &str) -> Result<Vec<Segment>, ParseError> {
    let mut segments: Vec<Segment> = Vec::new();
    let mut speaker: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (start_ms, rest) = match leading_time(line) {
            Some(Ok((ms, rest))) => (Some(ms), rest),
            Some(Err(token)) => return Err(ParseError::at(TranscriptFormat::Timestamped, i + 1, format!("`{token}` is not a valid time"))),
            None => (None, line),
        };
        let (label, rest) = match speaker_label(rest) {
            Some((name, rest)) => (Some(name), rest),
            None => (None, rest),
        };
        if let Some(name) = label {
            speaker = Some(name.to_owned());
        }
        match segments.last_mut() {
            Some(last) if start_ms.is_none() && label.is_none() => {
                last.text.push(' ');
                last.text.push_str(rest);
            }
            _ => segments.push(Segment { speaker: speaker.clone(), start_ms, end_ms: None, text: rest.to_owned() }),
        }
    }
    for s in &mut segments {
        s.text = collapse_whitespace(&s.text);
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_timestamped_line_starts_a_segment_at_that_time() {
        let s = parse("00:00:00 Have you been considering\n\n00:00:06 We have a great guest\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[1].start_ms, s[1].end_ms, s[1].text.as_str()), (Some(6_000), None, "We have a great guest"));
    }

    #[test]
    fn minutes_only_bracketed_and_dashed_timestamps_are_read() {
        let s = parse("[01:05] one\n(1:02:03.5) two\n02:10 - three").unwrap();
        let starts: Vec<_> = s.iter().map(|s| s.start_ms).collect();
        assert_eq!(starts, vec![Some(65_000), Some(3_723_500), Some(130_000)]);
        assert_eq!(s[2].text, "three");
    }

    #[test]
    fn lines_without_a_timestamp_continue_the_previous_segment() {
        let s = parse("0:00\nHello everyone\nand welcome\n0:05\nToday we talk").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "Hello everyone and welcome");
    }

    #[test]
    fn a_speaker_label_after_the_time_sets_and_carries_the_speaker() {
        let s = parse("00:01 Dylan Fox: Thanks.\n00:04 More from Dylan.\n00:09 Michael Kennedy: Sure.").unwrap();
        let speakers: Vec<_> = s.iter().map(|s| s.speaker.as_deref()).collect();
        assert_eq!(speakers, vec![Some("Dylan Fox"), Some("Dylan Fox"), Some("Michael Kennedy")]);
        assert_eq!(s[0].text, "Thanks.");
    }

    #[test]
    fn times_of_day_inside_text_are_not_timestamps() {
        assert!(leading_time("3:45pm we met").is_none());
        assert!(leading_time("at 10:30 we met").is_none());
    }

    #[test]
    fn a_clock_shaped_token_that_is_not_a_time_is_an_error_on_its_line() {
        let e = parse("00:00:01 fine\n00:75:00 broken").unwrap_err();
        assert_eq!(e.format(), Some(TranscriptFormat::Timestamped));
        assert_eq!(e.line(), Some(2));
    }
}
