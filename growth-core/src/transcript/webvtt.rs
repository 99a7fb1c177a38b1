//! WebVTT captions.
//!
//! The `WEBVTT` header block (and any metadata lines after it) is skipped; so are `NOTE`,
//! `STYLE` and `REGION` blocks. Each cue, with or without an identifier line, becomes a segment
//! carrying the cue's start and end; cue settings after the end time (`align:start
//! position:0%`) are ignored, and its text lines are joined with spaces. A `<v Name>` voice tag
//! (also `<v.loud Name>`) names the speaker; a cue with several voices becomes one segment per
//! voice. Other tags (`<c>`, `<i>`, `<b>`, `<00:00:01.000>`) are removed and character
//! references (`&amp;`, `&lt;` …) decoded. Voices do not carry from cue to cue.
//!
//! Lenient where real files are: hours-less (`00:06.080`), single-digit-hour (`0:00:06.080`),
//! plain-seconds (`0.000 --> 3.480`) and comma-decimal times; a missing header; cues with no blank line between them; text after a
//! blank line inside a cue (it continues the previous cue). Strict where the file is broken: a
//! `-->` line whose times do not parse, or a cue that ends before it starts, is an error on that
//! line, and so is text before the first cue.

use super::text::{Block, Piece, blocks, collapse_whitespace, decode_entities, find_near, parse_timing, split_cues};
use super::{ParseError, TranscriptFormat};
use crate::domain::Segment;

const FORMAT: TranscriptFormat = TranscriptFormat::WebVtt;

/// Whether `line` is a WebVTT header line: `WEBVTT`, alone or followed by a space or tab.
pub(super) fn is_header(line: &str) -> bool {
    line.trim_start().strip_prefix("WEBVTT").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// The segments of a WebVTT file.
pub(super) fn parse(text: &str) -> Result<Vec<Segment>, ParseError> {
    let mut segments = Vec::new();
    let mut last_timing: Option<(u64, u64)> = None;
    for (i, block) in blocks(text).into_iter().enumerate() {
        let block = if i == 0 && block.lines.first().is_some_and(|l| is_header(l)) {
            // Header metadata runs until a blank line, or until a cue that follows without one.
            match block.lines.iter().position(|l| l.contains("-->")) {
                Some(p) => Block { line: block.line + p, lines: block.lines.get(p..).unwrap_or_default().to_vec() },
                None => continue,
            }
        } else {
            block
        };
        if is_skipped_block(&block) {
            continue;
        }
        let split = split_cues(&block);
        if !split.orphans.is_empty() {
            let Some((start, end)) = last_timing else {
                return Err(ParseError::at(
                    FORMAT,
                    block.line,
                    "expected a cue: an optional identifier, then `00:00:01.000 --> 00:00:02.000`",
                ));
            };
            push_cue(&split.orphans, start, end, &mut segments);
        }
        for cue in split.cues {
            let (start, end) = parse_timing(cue.timing, FORMAT, cue.line)?;
            push_cue(&cue.text, start, end, &mut segments);
            last_timing = Some((start, end));
        }
    }
    Ok(segments)
}

/// `NOTE`, `STYLE` and `REGION` blocks hold no speech.
fn is_skipped_block(block: &Block<'_>) -> bool {
    let Some(first) = block.lines.first() else { return true };
    let first = first.trim_start();
    ["NOTE", "STYLE", "REGION"]
        .iter()
        .any(|kw| first.strip_prefix(kw).is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace)))
        && !first.contains("-->")
}

fn push_cue(lines: &[&str], start: u64, end: u64, segments: &mut Vec<Segment>) {
    let text = lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
    for piece in voice_pieces(&text) {
        segments.push(Segment { speaker: piece.speaker, start_ms: Some(start), end_ms: Some(end), text: piece.text });
    }
}

/// Splits cue text at `<v Name>` voice tags and removes every other tag.
fn voice_pieces(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut speaker: Option<String> = None;
    let mut buf = String::new();
    let mut rest = text;
    while let Some((before, after)) = rest.split_once('<') {
        buf.push_str(before);
        let tag = find_near(after, '>').and_then(|j| Some((after.get(..j)?, after.get(j + 1..)?)));
        match tag {
            Some((tag, tail)) => {
                if let Some(name) = voice_name(tag).filter(|n| speaker.as_deref() != Some(n.as_str())) {
                    flush(&mut buf, speaker.take(), &mut pieces);
                    speaker = Some(name);
                }
                rest = tail;
            }
            None => {
                buf.push('<');
                rest = after;
            }
        }
    }
    buf.push_str(rest);
    flush(&mut buf, speaker, &mut pieces);
    pieces
}

fn flush(buf: &mut String, speaker: Option<String>, pieces: &mut Vec<Piece>) {
    let text = collapse_whitespace(&decode_entities(buf));
    buf.clear();
    if !text.is_empty() {
        pieces.push(Piece { speaker, text });
    }
}

/// The annotation of a `<v Name>` or `<v.class Name>` tag.
fn voice_name(tag: &str) -> Option<String> {
    let rest = tag.strip_prefix('v')?;
    if !rest.starts_with(['.', ' ', '\t']) {
        return None;
    }
    let name = rest.split_once([' ', '\t']).map(|(_, name)| collapse_whitespace(&decode_entities(name)))?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Speaker, start, end and text of a segment.
    type Row<'a> = (Option<&'a str>, Option<u64>, Option<u64>, &'a str);

    fn summary(segments: &[Segment]) -> Vec<Row<'_>> {
        segments.iter().map(|s| (s.speaker.as_deref(), s.start_ms, s.end_ms, s.text.as_str())).collect()
    }

    #[test]
    fn cues_become_segments_with_start_and_end() {
        let s =
            parse("WEBVTT\n\n00:00:00.001 --> 00:00:06.080\nHave you been\n\n00:00:06.080 --> 00:00:12.440\nWe have a guest\n").unwrap();
        assert_eq!(summary(&s), vec![(None, Some(1), Some(6_080), "Have you been"), (None, Some(6_080), Some(12_440), "We have a guest")]);
    }

    #[test]
    fn cue_identifiers_and_cue_settings_are_ignored() {
        let s = parse("WEBVTT\n\nintro-1\n00:01.000 --> 00:02.500 align:start position:0% line:90%\nHello\n").unwrap();
        assert_eq!(summary(&s), vec![(None, Some(1_000), Some(2_500), "Hello")]);
    }

    #[test]
    fn hours_less_single_digit_hour_and_comma_timestamps_are_read() {
        let s =
            parse("WEBVTT\n\n00:06.080 --> 00:07.000\na\n\n1:00:00.000 --> 1:00:01.000\nb\n\n00:00:02,500 --> 00:00:03,000\nc").unwrap();
        let times: Vec<_> = s.iter().map(|s| (s.start_ms, s.end_ms)).collect();
        assert_eq!(times, vec![(Some(6_080), Some(7_000)), (Some(3_600_000), Some(3_601_000)), (Some(2_500), Some(3_000))]);
    }

    #[test]
    fn note_style_and_region_blocks_and_header_metadata_are_skipped() {
        let input = "WEBVTT - a title\nKind: captions\nLanguage: en\n\nNOTE this is\na comment\n\nSTYLE\n::cue { color: red }\n\nREGION\nid:fred\n\n00:01.000 --> 00:02.000\nspoken\n";
        let s = parse(input).unwrap();
        assert_eq!(summary(&s), vec![(None, Some(1_000), Some(2_000), "spoken")]);
    }

    #[test]
    fn multi_line_cue_text_is_joined_with_spaces() {
        let s = parse("WEBVTT\n\n00:01.000 --> 00:02.000\nfirst line\n  second line  \n").unwrap();
        assert_eq!(s[0].text, "first line second line");
    }

    #[test]
    fn voice_tags_name_the_speaker_and_other_tags_are_stripped() {
        let input = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Roger Bingham><i>We</i> are in <c.yellow>New York</c> &amp; more\n\n00:02.000 --> 00:03.000\n<00:00:02.100><c> no</c><00:00:02.500><c> voice</c>";
        let s = parse(input).unwrap();
        assert_eq!(
            summary(&s),
            vec![
                (Some("Roger Bingham"), Some(1_000), Some(2_000), "We are in New York & more"),
                (None, Some(2_000), Some(3_000), "no voice")
            ]
        );
    }

    #[test]
    fn a_cue_with_two_voices_becomes_two_segments() {
        let s = parse("WEBVTT\n\n00:01.000 --> 00:02.000\n<v.loud Esme>Hi!</v>\n<v Mary>Hello.</v>").unwrap();
        assert_eq!(summary(&s), vec![(Some("Esme"), Some(1_000), Some(2_000), "Hi!"), (Some("Mary"), Some(1_000), Some(2_000), "Hello.")]);
    }

    #[test]
    fn cues_without_a_blank_line_between_them_are_still_separate() {
        let s = parse("WEBVTT\n00:01.000 --> 00:02.000\nhello\n2\n00:02.000 --> 00:03.000\nworld").unwrap();
        assert_eq!(summary(&s), vec![(None, Some(1_000), Some(2_000), "hello"), (None, Some(2_000), Some(3_000), "world")]);
    }

    #[test]
    fn a_timing_line_with_nonsense_times_is_an_error_naming_the_line() {
        let e = parse("WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:99.000 --> soon\nbroken").unwrap_err();
        assert_eq!(e.format(), Some(TranscriptFormat::WebVtt));
        assert_eq!(e.line(), Some(6));
        assert!(e.to_string().contains("00:99.000"), "{e}");
    }

    #[test]
    fn a_cue_that_ends_before_it_starts_is_an_error() {
        let e = parse("WEBVTT\n\n00:05.000 --> 00:02.000\nbackwards").unwrap_err();
        assert_eq!((e.format(), e.line()), (Some(TranscriptFormat::WebVtt), Some(3)));
    }

    #[test]
    fn text_before_the_first_cue_is_an_error() {
        let e = parse("just some prose\nwith no cues").unwrap_err();
        assert_eq!((e.format(), e.line()), (Some(TranscriptFormat::WebVtt), Some(1)));
    }
}
