//! Reading transcripts: from the files people paste or upload, and from the JSON that
//! transcription services return, into one [`Transcript`] of [`Segment`]s.
//!
//! [`parse`] takes raw bytes and an optional [`TranscriptFormat`]. An explicit format is used as
//! is; without one, [`detect_format`] sniffs the text. Either way the result says which format was
//! read ([`ParsedTranscript::format`]), and a failure ([`ParseError`]) says which format was tried
//! and, where it can, the line it failed on. Parsing never panics, whatever the input.
//!
//! Before any format sees it, the input must be UTF-8 (a leading byte-order mark is dropped;
//! anything else is [`ParseError::NotUtf8`] with the byte offset) without NUL characters
//! ([`ParseError::Binary`]: binary data can be valid UTF-8), line endings are normalised
//! to `\n`, and empty or whitespace-only input is [`ParseError::Empty`]. A transcript that parses
//! but holds no words is [`ParseError::NoWords`]: this module never returns an empty transcript.
//!
//! # Formats
//!
//! | format | looks like | speakers | times |
//! |---|---|---|---|
//! | [`PlainText`](TranscriptFormat::PlainText) | paragraphs separated by blank lines | a leading `Name:` that looks like a name (1–4 capitalised words, ≤ 40 chars), carried to following paragraphs | – |
//! | [`Timestamped`](TranscriptFormat::Timestamped) | `HH:MM:SS text` or `MM:SS text` lines, optionally `[00:01:02]` | an optional `Name:` after the time, carried forward | start |
//! | [`WebVtt`](TranscriptFormat::WebVtt) | `WEBVTT` header, cues `00:00:01.000 --> 00:00:04.000` | `<v Name>` voice tags, per cue | start, end |
//! | [`Srt`](TranscriptFormat::Srt) | numbered cues, `00:00:01,000 --> 00:00:04,000` | `Name:` prefixes, carried to following cues until the speaker changes | start, end |
//! | [`Markdown`](TranscriptFormat::Markdown) | interviews with `**Name:**` turns (the Changelog's transcripts) | the label; unlabelled paragraphs continue the turn; `**Break:**` sections are dropped | start, from a leading `\[00:04:01.06\]` |
//! | [`PodcastJson`](TranscriptFormat::PodcastJson) | the podcast namespace's `{"version","segments":[{"speaker","startTime","endTime","body"}]}` | `speaker` | start, end (seconds in the file) |
//! | [`AssemblyAiJson`](TranscriptFormat::AssemblyAiJson) | an AssemblyAI transcript object | `utterances[].speaker` (`"A"`, `"B"` …), else `words[].speaker` | start, end |
//!
//! The text formats are lenient where real files are sloppy (hours-less or single-digit-hour
//! timestamps, cue times in plain seconds (`0.000 --> 3.480`), comma decimals in WebVTT, cue
//! settings, missing cue numbers) and strict where the
//! file is clearly broken (a `-->` line whose times do not parse, JSON that does not parse, an
//! AssemblyAI transcript whose `status` is `error`).
//!
//! # Detection order
//!
//! [`detect_format`] tries, on the text with leading whitespace ignored:
//!
//! 1. `WEBVTT` as the first word → WebVTT.
//! 2. `{` first (or `[` followed by `{`, `[`, `"` or `]`) → JSON: an object with `segments` →
//!    podcast JSON; one with `utterances` or `words`, or with `text` or `error` next to `id` or
//!    `status` → AssemblyAI. JSON that is neither (or does not parse) is sniffed for those keys
//!    and otherwise tried as podcast JSON, so it fails with a message instead of being read as prose.
//! 3. A first line with `-->`, or a first line that is a number followed by a `-->` line → a cue:
//!    SRT when its times have comma decimals (or none), WebVTT without its header when dots.
//! 4. A line that starts with a bold `**Name:**` (or `**Name**:`) label → Markdown.
//! 5. A first line, and at least half of the first 50 lines, starting with `HH:MM:SS` or `MM:SS` → timestamped.
//! 6. Anything else → plain text.

mod assemblyai;
mod detect;
mod error;
mod markdown;
mod plain;
mod podcast_json;
mod srt;
mod text;
mod timestamped;
mod webvtt;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::domain::{Segment, Transcript, is_unknown_speaker};
use crate::ingest::CancelFlag;
use crate::ingest::cancel::run_blocking;

pub use detect::detect_format;
pub use error::ParseError;

/// The transcript formats this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TranscriptFormat {
    /// Paragraphs of prose, optionally with `Name:` speaker labels.
    PlainText,
    /// One `HH:MM:SS text` (or `MM:SS text`) line per stretch of speech.
    Timestamped,
    /// WebVTT captions.
    WebVtt,
    /// SubRip (`.srt`) subtitles.
    Srt,
    /// A Markdown interview with `**Name:**` speaker turns.
    Markdown,
    /// The podcast namespace's JSON transcript (`podcast:transcript`, `application/json`).
    PodcastJson,
    /// An AssemblyAI transcript object (`GET /v2/transcript/{id}`).
    AssemblyAiJson,
}

impl TranscriptFormat {
    /// Every format, in declaration order.
    pub const ALL: &'static [TranscriptFormat] =
        &[Self::PlainText, Self::Timestamped, Self::WebVtt, Self::Srt, Self::Markdown, Self::PodcastJson, Self::AssemblyAiJson];

    /// The format's name, as accepted by [`FromStr`] and used by serde.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::PlainText => "plain",
            Self::Timestamped => "timestamped",
            Self::WebVtt => "webvtt",
            Self::Srt => "srt",
            Self::Markdown => "markdown",
            Self::PodcastJson => "podcast_json",
            Self::AssemblyAiJson => "assemblyai_json",
        }
    }

    fn valid_names() -> String {
        Self::ALL.iter().map(Self::as_str).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for TranscriptFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TranscriptFormat {
    type Err = crate::Error;

    /// Accepts the names of [`TranscriptFormat::as_str`] (ignoring ASCII case and surrounding
    /// whitespace) and the file extensions `vtt`, `txt` and `md`. `json` is refused: two JSON
    /// formats exist and guessing would read one as the other.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        let format = match name.as_str() {
            "plain" | "txt" => Self::PlainText,
            "timestamped" => Self::Timestamped,
            "webvtt" | "vtt" => Self::WebVtt,
            "srt" => Self::Srt,
            "markdown" | "md" => Self::Markdown,
            "podcast_json" => Self::PodcastJson,
            "assemblyai_json" => Self::AssemblyAiJson,
            "json" => {
                return Err(crate::Error::invalid_field(
                    "format",
                    format!(
                        "`json` is ambiguous; name the JSON format: podcast_json or assemblyai_json (valid formats: {})",
                        Self::valid_names()
                    ),
                ));
            }
            _ => {
                return Err(crate::Error::invalid_field(
                    "format",
                    format!("`{s}` is not a transcript format; expected one of: {} (or vtt, txt, md)", Self::valid_names()),
                ));
            }
        };
        Ok(format)
    }
}

impl Serialize for TranscriptFormat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TranscriptFormat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <Cow<'de, str> as Deserialize>::deserialize(d)?;
        s.parse().map_err(|e: crate::Error| serde::de::Error::custom(e.to_string()))
    }
}

/// A transcript together with the format it was read as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedTranscript {
    /// The format that was read: the one asked for, or the detected one.
    pub format: TranscriptFormat,
    /// The segments, in spoken order; never empty, and holding at least one word.
    pub transcript: Transcript,
}

/// Reads a transcript from raw bytes.
///
/// With `format`, the input is read as that format; without, the format is detected with
/// [`detect_format`]. See the [module docs](self) for what each format accepts. Speakers that are
/// placeholders for "unknown" ([`is_unknown_speaker`]) become segments without a speaker; speaker
/// names longer than [`MAX_SPEAKER_CHARS`] are cut there.
///
/// Work is linear in the input. To run it where it can be stopped, see [`parse_with`] and
/// [`parse_blocking`].
///
/// # Errors
/// [`ParseError::NotUtf8`] for input that is not UTF-8, [`ParseError::Binary`] for input with a
/// NUL character, [`ParseError::Empty`] for empty or
/// whitespace-only input, [`ParseError::Malformed`] naming the format (and line, when known) for
/// input the format cannot read, and [`ParseError::NoWords`] when it reads but holds no words.
pub fn parse(input: &[u8], format: Option<TranscriptFormat>) -> Result<ParsedTranscript, ParseError> {
    parse_with(input, format, &CancelFlag::new())
}

/// [`parse`], checking `cancel` between its phases (decoding, detection, reading, cleaning) and
/// counting the bytes each phase goes through in [`CancelFlag::work`].
///
/// # Errors
/// Those of [`parse`], and [`ParseError::Cancelled`] once `cancel` is cancelled.
pub fn parse_with(input: &[u8], format: Option<TranscriptFormat>, cancel: &CancelFlag) -> Result<ParsedTranscript, ParseError> {
    cancel.add_work(input.len())?;
    let text = decode(input)?;
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    cancel.add_work(text.len())?;
    let format = format.unwrap_or_else(|| detect_format(&text));
    cancel.add_work(text.len())?;
    let segments = match format {
        TranscriptFormat::PlainText => plain::parse(&text),
        TranscriptFormat::Timestamped => timestamped::parse(&text)?,
        TranscriptFormat::WebVtt => webvtt::parse(&text)?,
        TranscriptFormat::Srt => srt::parse(&text)?,
        TranscriptFormat::Markdown => markdown::parse(&text),
        TranscriptFormat::PodcastJson => podcast_json::parse(&text)?,
        TranscriptFormat::AssemblyAiJson => assemblyai::parse(&text)?,
    };
    cancel.add_work(text.len())?;
    let transcript = Transcript {
        segments: segments
            .into_iter()
            .filter(|s| !s.text.trim().is_empty())
            .map(|s| Segment { speaker: s.speaker.and_then(clean_speaker), ..s })
            .collect(),
    };
    if transcript.word_count() == 0 {
        return Err(ParseError::NoWords { format });
    }
    Ok(ParsedTranscript { format, transcript })
}

/// Inputs up to this size are parsed on the calling thread by [`parse_blocking`].
const INLINE_BYTES: usize = 64 * 1024;

/// [`parse`] on tokio's blocking pool (inline for inputs up to 64 KiB), stopped when the returned
/// future is dropped.
///
/// # Errors
/// The [`ParseError`]s of [`parse`] as `InvalidInput` in the `transcript` field.
pub async fn parse_blocking(input: bytes::Bytes, format: Option<TranscriptFormat>) -> crate::Result<ParsedTranscript> {
    let inline = input.len() <= INLINE_BYTES;
    run_blocking(&CancelFlag::new(), inline, move |cancel| parse_with(&input, format, cancel).map_err(Into::into)).await
}

/// Longest speaker name kept; longer ones (a JSON exporter gone wrong) are cut to this many chars.
pub const MAX_SPEAKER_CHARS: usize = 100;

/// `None` for a placeholder such as `Unknown`; long names cut to [`MAX_SPEAKER_CHARS`].
fn clean_speaker(name: String) -> Option<String> {
    if is_unknown_speaker(&name) {
        return None;
    }
    match name.char_indices().nth(MAX_SPEAKER_CHARS) {
        Some((cut, _)) => Some(name.get(..cut).unwrap_or_default().trim_end().to_owned()),
        None => Some(name),
    }
}

/// UTF-8 without a byte-order mark, with `\r\n` and lone `\r` turned into `\n`.
fn decode(input: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let (bytes, skipped) = match input.strip_prefix(BOM) {
        Some(rest) => (rest, BOM.len()),
        None => (input, 0),
    };
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::NotUtf8 { offset: skipped + e.valid_up_to() })?;
    if let Some(i) = bytes.iter().position(|b| *b == 0) {
        return Err(ParseError::Binary { offset: skipped + i });
    }
    if text.contains('\r') { Ok(Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))) } else { Ok(Cow::Borrowed(text)) }
}

/// A segment with no speaker and no times.
fn untimed(speaker: Option<String>, text: String) -> Segment {
    Segment { speaker, start_ms: None, end_ms: None, text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_round_trips_through_its_name_display_and_serde() {
        for f in TranscriptFormat::ALL {
            assert_eq!(f.as_str().parse::<TranscriptFormat>().ok(), Some(*f));
            assert_eq!(f.to_string(), f.as_str());
            let json = serde_json::to_string(f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
            assert_eq!(serde_json::from_str::<TranscriptFormat>(&json).unwrap(), *f);
        }
    }

    #[test]
    fn file_extensions_are_accepted_as_format_names() {
        assert_eq!("vtt".parse::<TranscriptFormat>().unwrap(), TranscriptFormat::WebVtt);
        assert_eq!("txt".parse::<TranscriptFormat>().unwrap(), TranscriptFormat::PlainText);
        assert_eq!("md".parse::<TranscriptFormat>().unwrap(), TranscriptFormat::Markdown);
        assert_eq!(" WebVTT ".parse::<TranscriptFormat>().unwrap(), TranscriptFormat::WebVtt);
    }

    #[test]
    fn json_is_refused_as_ambiguous_and_the_message_lists_the_valid_names() {
        let e = "json".parse::<TranscriptFormat>().unwrap_err();
        let text = e.to_string();
        assert!(text.contains("ambiguous"), "{text}");
        for f in TranscriptFormat::ALL {
            assert!(text.contains(f.as_str()), "{text} lacks {f}");
        }
        assert!(matches!(e, crate::Error::InvalidInput { .. }));
    }

    #[test]
    fn an_unknown_format_name_lists_the_valid_ones() {
        let text = "docx".parse::<TranscriptFormat>().unwrap_err().to_string();
        assert!(text.contains("`docx`") && text.contains("assemblyai_json"), "{text}");
        assert!(serde_json::from_str::<TranscriptFormat>("\"docx\"").is_err());
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_crlf_is_normalised() {
        let parsed = parse(b"\xEF\xBB\xBFAdam: hello there\r\n\r\nWes: hi\r\n", None).unwrap();
        assert_eq!(parsed.format, TranscriptFormat::PlainText);
        assert_eq!(parsed.transcript.speakers(), vec!["Adam", "Wes"]);
        assert_eq!(parsed.transcript.segments[0].text, "hello there");
    }

    #[test]
    fn invalid_utf8_reports_the_byte_offset_in_the_original_input() {
        assert_eq!(parse(b"hello \xFF world", None), Err(ParseError::NotUtf8 { offset: 6 }));
        assert_eq!(parse(b"\xEF\xBB\xBFab\xC3", None), Err(ParseError::NotUtf8 { offset: 5 }));
        // A UTF-16 byte-order mark is not UTF-8.
        assert_eq!(parse(b"\xFF\xFEh\0i\0", None), Err(ParseError::NotUtf8 { offset: 0 }));
    }

    #[test]
    fn utf8_with_nul_characters_is_binary_not_a_transcript() {
        assert_eq!(parse(b"\xEF\xBB\xBFab\0cd", None), Err(ParseError::Binary { offset: 5 }));
        assert_eq!(parse(&[0; 16], Some(TranscriptFormat::PlainText)), Err(ParseError::Binary { offset: 0 }));
    }

    #[test]
    fn empty_and_whitespace_only_input_is_an_error_in_every_format() {
        for input in [&b""[..], b"   ", b"\n\r\n\t \n", b"\xEF\xBB\xBF"] {
            assert_eq!(parse(input, None), Err(ParseError::Empty));
            for f in TranscriptFormat::ALL {
                assert_eq!(parse(input, Some(*f)), Err(ParseError::Empty), "{f}");
            }
        }
    }

    #[test]
    fn an_explicit_format_overrides_detection() {
        let input = b"WEBVTT\n\n00:01.000 --> 00:02.000\nhello";
        assert_eq!(parse(input, None).unwrap().format, TranscriptFormat::WebVtt);
        let plain = parse(input, Some(TranscriptFormat::PlainText)).unwrap();
        assert_eq!(plain.format, TranscriptFormat::PlainText);
        assert!(plain.transcript.to_text().contains("-->"));
    }

    #[test]
    fn input_that_yields_no_words_is_an_error_naming_the_format() {
        let e = parse(b"WEBVTT\n\nNOTE nothing said here\n", None).unwrap_err();
        assert_eq!(e, ParseError::NoWords { format: TranscriptFormat::WebVtt });
        let e = parse(br#"{"version":"1.0.0","segments":[]}"#, None).unwrap_err();
        assert_eq!(e, ParseError::NoWords { format: TranscriptFormat::PodcastJson });
    }

    #[test]
    fn a_parse_error_becomes_invalid_input() {
        let e: crate::Error = ParseError::Empty.into();
        assert!(matches!(e, crate::Error::InvalidInput { .. }), "{e:?}");
    }
}
