//! SubRip (`.srt`) subtitles.
//!
//! Blocks of a cue number, a `00:00:01,000 --> 00:00:04,000` line (anything after the end time,
//! such as `X1:… Y1:…` coordinates, is ignored) and one or more text lines, joined with spaces.
//! A `Name:` prefix that looks like a name sets the speaker, which **carries over** to the
//! following cues until another prefix changes it: subtitles name a speaker once per turn, not
//! once per cue. A cue whose lines carry two prefixes becomes two segments. `<i>`/`<font>` tags
//! and `{\an8}` overrides are removed, character references decoded.
//!
//! Lenient: dot decimals, hours-less, single-digit-hour and plain-seconds (`0 --> 3,5`) times, missing numbers, cues with no
//! blank line between them, text after a blank line inside a cue (it continues that cue).
//! Strict: a `-->` line whose times do not parse, a cue that ends before it starts, and text
//! before the first cue are errors on their line.

use super::text::{blocks, decode_entities, parse_timing, split_by_labels, split_cues, strip_markup};
use super::{ParseError, TranscriptFormat};
use crate::domain::Segment;

const FORMAT: TranscriptFormat = TranscriptFormat::Srt;

/// The segments of an SRT file.
pub(super) fn parse(text: &str) -> Result<Vec<Segment>, ParseError> {
    let mut segments = Vec::new();
    let mut speaker: Option<String> = None;
    let mut last_timing: Option<(u64, u64)> = None;
    for block in blocks(text) {
        let split = split_cues(&block);
        if !split.orphans.is_empty() {
            let Some((start, end)) = last_timing else {
                return Err(ParseError::at(
                    FORMAT,
                    block.line,
                    "expected a cue: a number, then `00:00:01,000 --> 00:00:02,000`, then its text",
                ));
            };
            push_cue(&split.orphans, start, end, &mut speaker, &mut segments);
        }
        for cue in split.cues {
            let (start, end) = parse_timing(cue.timing, FORMAT, cue.line)?;
            push_cue(&cue.text, start, end, &mut speaker, &mut segments);
            last_timing = Some((start, end));
        }
    }
    Ok(segments)
}

fn push_cue(lines: &[&str], start: u64, end: u64, speaker: &mut Option<String>, segments: &mut Vec<Segment>) {
    let cleaned: Vec<String> = lines.iter().map(|l| decode_entities(&strip_markup(l)).into_owned()).collect();
    for piece in split_by_labels(cleaned.iter().map(String::as_str), speaker) {
        segments.push(Segment { speaker: piece.speaker, start_ms: Some(start), end_ms: Some(end), text: piece.text });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Speaker, start, end and text of a segment.
    type Row<'a> = (Option<&'a str>, Option<u64>, Option<u64>, &'a str);

    fn summary(segments: &[Segment]) -> Vec<Row<'_>> {
        segments.iter().map(|s| (s.speaker.as_deref(), s.start_ms, s.end_ms, s.text.as_str())).collect()
    }

    const INTERVIEW: &str = "1\n00:00:01,000 --> 00:00:04,000\nAdam Stacoviak: Welcome to the show,\nBryan.\n\n2\n00:00:04,000 --> 00:00:06,500\nIt's great to have you.\n\n3\n00:00:06,500 --> 00:00:08,000\nBryan Helmig: Thanks for\nhaving me.\n\n4\n00:00:08,000 --> 00:00:09,000\nMy pleasure.\n";

    #[test]
    fn numbered_cues_become_segments_with_multi_line_text_joined() {
        let s = parse(INTERVIEW).unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(summary(&s)[0], (Some("Adam Stacoviak"), Some(1_000), Some(4_000), "Welcome to the show, Bryan."));
    }

    #[test]
    fn srt_speaker_prefixes_carry_over_until_the_speaker_changes() {
        let s = parse(INTERVIEW).unwrap();
        let speakers: Vec<_> = s.iter().map(|s| s.speaker.as_deref()).collect();
        assert_eq!(speakers, vec![Some("Adam Stacoviak"), Some("Adam Stacoviak"), Some("Bryan Helmig"), Some("Bryan Helmig")]);
    }

    #[test]
    fn a_cue_with_two_speaker_prefixes_becomes_two_segments() {
        let s = parse("1\n00:00:01,000 --> 00:00:02,000\nAlice: Ready?\nBob: Yes.\n").unwrap();
        assert_eq!(summary(&s), vec![(Some("Alice"), Some(1_000), Some(2_000), "Ready?"), (Some("Bob"), Some(1_000), Some(2_000), "Yes.")]);
    }

    #[test]
    fn formatting_tags_and_coordinates_are_removed() {
        let s = parse(
            "1\n00:00:01,000 --> 00:00:02,000 X1:40 X2:600 Y1:20 Y2:50\n{\\an8}<i>Hello</i> <font color=\"#fff\">there</font> &amp; R&D\n",
        )
        .unwrap();
        assert_eq!(s[0].text, "Hello there & R&D");
    }

    #[test]
    fn missing_numbers_dot_decimals_and_missing_blank_lines_are_tolerated() {
        let s =
            parse("00:00:01.000 --> 00:00:02.000\nfirst\n2\n00:00:02,000 --> 00:00:03,000\nsecond\n\nstray line after a blank\n").unwrap();
        assert_eq!(
            summary(&s),
            vec![
                (None, Some(1_000), Some(2_000), "first"),
                (None, Some(2_000), Some(3_000), "second"),
                (None, Some(2_000), Some(3_000), "stray line after a blank")
            ]
        );
    }

    #[test]
    fn an_arrow_with_nonsense_times_is_an_error_naming_srt_and_the_line() {
        let e = parse("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\nbanana --> 00:00:03,000\nbad\n").unwrap_err();
        assert_eq!((e.format(), e.line()), (Some(TranscriptFormat::Srt), Some(6)));
        assert!(e.to_string().contains("banana"), "{e}");
    }

    #[test]
    fn text_before_the_first_cue_is_an_error() {
        let e = parse("hello there\nno cue here").unwrap_err();
        assert_eq!((e.format(), e.line()), (Some(TranscriptFormat::Srt), Some(1)));
    }
}
