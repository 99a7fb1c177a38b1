//! The transcript parsers against real files (`tests/fixtures/transcripts/`) and against garbage.
#![allow(clippy::unwrap_used, reason = "a test crate: its helpers fail the test by panicking")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use growth_core::transcript::{ParseError, TranscriptFormat, parse};
use proptest::prelude::*;

use TranscriptFormat::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/transcripts");

/// What each fixture must parse to: detected format, speakers in order of first appearance, words.
///
/// The speakers and word counts were computed once, independently of the Rust code, by a
/// Python script applying each format's rules with regular expressions (`str.split()` words):
/// - changelog `.md`: split paragraphs on blank lines; a paragraph opening with `**Name:**` or
///   `**Name**:` starts a turn (`Break` turns dropped up to the next label); remove
///   `\[HH:MM:SS.ff\]`/`\[MM:SS\]` timestamps, undo `\x` escapes, `html.unescape`, count words.
/// - talkpython `.txt`: drop the leading `HH:MM:SS ` of each line, count words.
/// - talkpython `.vtt`: split blocks on blank lines, drop the header block and each block's first
///   (timing) line, count words. It agrees with the `.txt` (13,479): the same episode.
/// - handwritten `.srt`: drop number and `-->` lines, strip `<…>` tags, `html.unescape`, take off
///   `First Last: ` prefixes as speakers, count words.
/// - handwritten podcast `.json`: drop segments equal to the previous one, count `body` words.
/// - AssemblyAI `.json`: count the words of `utterances[].text`; speakers are their `speaker`.
///
/// A parser change that moves one of these numbers is a regression until shown otherwise.
const EXPECTED: &[(&str, TranscriptFormat, &[&str], usize)] = &[
    ("assemblyai/transcript_completed_diarized_example.json", AssemblyAiJson, &["A"], 75),
    ("changelog/founders-talk-55.md", Markdown, &["Adam Stacoviak", "Bryan Helmig"], 11_173),
    ("changelog/founders-talk-60.md", Markdown, &["Adam Stacoviak", "Travis Kimmel"], 13_729),
    ("changelog/founders-talk-66.md", Markdown, &["Sahil Lavingia", "Adam Stacoviak"], 12_627),
    ("changelog/founders-talk-68.md", Markdown, &["Adam Stacoviak", "Mike McDerment"], 6_637),
    ("changelog/founders-talk-78.md", Markdown, &["Adam Stacoviak", "Eugenio Pace"], 7_062),
    ("changelog/the-changelog-600.md", Markdown, &["Jerod Santo", "Benn Stancil"], 11_722),
    ("handwritten/episode.json", PodcastJson, &["Priya", "Tom"], 41),
    ("handwritten/interview.srt", Srt, &["Maya Lopez", "Sam Okafor"], 44),
    ("talkpython/356-ml-startups.txt", Timestamped, &[], 13_479),
    ("talkpython/356-ml-startups.vtt", WebVtt, &[], 13_479),
];

/// Every transcript file under the fixtures folder (license and provenance notes excluded).
fn fixture_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::from(FIXTURES)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_uppercase();
            if path.is_dir() {
                dirs.push(path);
            } else if !(name.starts_with("LICENSE") || name.starts_with("NOTICE") || name.starts_with("README")) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(FIXTURES).unwrap().to_string_lossy().replace('\\', "/")
}

#[test]
fn every_fixture_parses_to_its_format_speakers_and_word_count() {
    let files = fixture_files();
    let seen: BTreeSet<String> = files.iter().map(|p| relative(p)).collect();
    let listed: BTreeSet<String> = EXPECTED.iter().map(|(p, ..)| (*p).to_owned()).collect();
    assert_eq!(seen, listed, "every fixture needs a row in EXPECTED, and every row a fixture");

    let mut failures = Vec::new();
    for path in &files {
        let name = relative(path);
        let (_, format, speakers, words) = EXPECTED.iter().find(|(p, ..)| *p == name).unwrap();
        let bytes = std::fs::read(path).unwrap();
        let parsed = parse(&bytes, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = (parsed.format, parsed.transcript.speakers(), parsed.transcript.word_count());
        if got != (*format, speakers.to_vec(), *words) {
            failures.push(format!("{name}: expected {:?}, got {got:?}", (format, speakers, words)));
        }
        let explicit = parse(&bytes, Some(*format)).unwrap();
        assert_eq!(explicit, parsed, "{name}: an explicit format must read as detection does");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_read_as_every_format_returns_instead_of_panicking() {
    for path in fixture_files() {
        let bytes = std::fs::read(&path).unwrap();
        for format in TranscriptFormat::ALL {
            if let Err(e) = parse(&bytes, Some(*format)) {
                assert_eq!(e.format(), Some(*format), "{}: {e}", relative(&path));
            }
        }
    }
}

fn read(name: &str) -> growth_core::transcript::ParsedTranscript {
    parse(&std::fs::read(Path::new(FIXTURES).join(name)).unwrap(), None).unwrap()
}

#[test]
fn the_talk_python_captions_keep_every_cue_with_its_times() {
    let vtt = read("talkpython/356-ml-startups.vtt").transcript;
    assert_eq!(vtt.segments.len(), 1_222);
    assert!(vtt.segments.iter().all(|s| s.start_ms.is_some() && s.end_ms.is_some() && s.speaker.is_none()));
    assert_eq!((vtt.segments[0].start_ms, vtt.segments[0].end_ms), (Some(1), Some(6_080)));
    let last = vtt.segments.last().unwrap();
    assert_eq!((last.start_ms, last.end_ms, last.text.as_str()), (Some(3_965_260), Some(3_995_240), "Thank you."));

    let txt = read("talkpython/356-ml-startups.txt").transcript;
    assert_eq!(txt.segments.len(), 1_217);
    assert_eq!(txt.segments[1].start_ms, Some(6_000));
    assert!(txt.segments.iter().all(|s| s.start_ms.is_some() && s.end_ms.is_none()));
}

#[test]
fn the_changelog_transcripts_lose_their_markup_but_keep_their_words() {
    for name in ["founders-talk-55.md", "founders-talk-60.md", "founders-talk-78.md", "the-changelog-600.md"] {
        let t = read(&format!("changelog/{name}")).transcript;
        for s in &t.segments {
            for junk in ["\\[", "\\]", "**", "&gt;", "&amp;", "&#"] {
                assert!(!s.text.contains(junk), "{name}: `{junk}` left in {:?}", s.text);
            }
            assert!(!s.speaker.as_deref().is_some_and(|sp| sp.eq_ignore_ascii_case("break")), "{name}");
        }
    }
    let t = read("changelog/founders-talk-55.md").transcript;
    let turn = t.segments.iter().find(|s| s.text.starts_with("That's interesting you mentioned Startup Weekend")).unwrap();
    assert_eq!((turn.speaker.as_deref(), turn.start_ms), (Some("Adam Stacoviak"), Some(4 * 60_000 + 18_000)));
    assert!(t.segments.iter().any(|s| s.text.contains("Yeah, it helps you pronounce it correctly. [laughter]")));
    let t = read("changelog/founders-talk-78.md").transcript;
    assert!(t.segments.iter().any(|s| s.text.contains("\"n+1>n\"")));
}

#[test]
fn the_assemblyai_fixture_reads_its_utterance_with_times() {
    let t = read("assemblyai/transcript_completed_diarized_example.json").transcript;
    assert_eq!(t.segments.len(), 1);
    let s = &t.segments[0];
    assert_eq!((s.speaker.as_deref(), s.start_ms, s.end_ms), (Some("A"), Some(250), Some(26_950)));
    assert!(s.text.starts_with("Smoke from hundreds of wildfires"));
}

#[test]
fn the_handwritten_srt_carries_speakers_and_the_podcast_json_drops_its_duplicate() {
    let srt = read("handwritten/interview.srt").transcript;
    let speakers: Vec<_> = srt.segments.iter().map(|s| s.speaker.as_deref().unwrap_or("-")).collect();
    assert_eq!(speakers, ["Maya Lopez", "Maya Lopez", "Sam Okafor", "Sam Okafor", "Maya Lopez", "Sam Okafor", "Maya Lopez"]);
    assert_eq!(srt.segments[1].text, "It's been a while.");
    assert_eq!(srt.segments[5].text, "Better than we hoped & faster.");

    let json = read("handwritten/episode.json").transcript;
    assert_eq!(json.segments.len(), 6);
    assert_eq!(json.segments[5].speaker, None);
}

// --- real-world shapes (issue 13 item 2) --------------------------------------------------------

/// Speaker, start, end and text of a segment.
type Row = (Option<String>, Option<u64>, Option<u64>, String);

fn rows(input: &str) -> Vec<Row> {
    let t = parse(input.as_bytes(), None).unwrap_or_else(|e| panic!("{e}")).transcript;
    t.segments.into_iter().map(|s| (s.speaker, s.start_ms, s.end_ms, s.text)).collect()
}

#[test]
fn webvtt_cue_times_in_plain_seconds_are_read() {
    let input = "WEBVTT\n\n0.000 --> 3.480\nWelcome back to the show.\n\n3.480 --> 7.25\nThanks for having me.\n";
    assert_eq!(parse(input.as_bytes(), None).unwrap().format, WebVtt);
    assert_eq!(
        rows(input),
        vec![
            (None, Some(0), Some(3_480), "Welcome back to the show.".into()),
            (None, Some(3_480), Some(7_250), "Thanks for having me.".into())
        ]
    );
    // Without the header the dots still say WebVTT.
    assert_eq!(rows("0.000 --> 3.480\nhello there\n")[0], (None, Some(0), Some(3_480), "hello there".into()));
}

#[test]
fn webvtt_cue_times_as_minutes_and_seconds_are_read() {
    let input = "WEBVTT\n\n00:00.000 --> 00:03.480\n<v Adam>Hello.\n\n1:03.480 --> 75:07.250\n<v Wes>Hi.\n";
    assert_eq!(
        rows(input),
        vec![
            (Some("Adam".into()), Some(0), Some(3_480), "Hello.".into()),
            (Some("Wes".into()), Some(63_480), Some(4_507_250), "Hi.".into())
        ]
    );
}

#[test]
fn srt_cue_times_in_plain_seconds_are_read() {
    assert_eq!(rows("1\n0 --> 3,5\nhello there\n")[0], (None, Some(0), Some(3_500), "hello there".into()));
}

/// Every format with a segment labelled as an unknown speaker: none of them lists "Unknown".
const UNKNOWN_SPEAKER_SAMPLES: &[(TranscriptFormat, &str)] = &[
    (PlainText, "Adam: Welcome.\n\nUnknown: Who is there?\n\nStill unknown, carried over.\n\nWes: Me."),
    (Timestamped, "00:01 Adam: Welcome.\n00:04 Unknown Speaker: Who is there?\n00:06 Still unknown.\n00:09 Wes: Me."),
    (
        WebVtt,
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Adam>Welcome.\n\n00:02.000 --> 00:03.000\n<v Unknown>Who is there?\n\n00:03.000 --> 00:04.000\nStill unknown.\n\n00:04.000 --> 00:05.000\n<v Wes>Me.",
    ),
    (
        Srt,
        "1\n00:00:01,000 --> 00:00:02,000\nAdam: Welcome.\n\n2\n00:00:02,000 --> 00:00:03,000\nUnknown Speaker: Who is there?\n\n3\n00:00:03,000 --> 00:00:04,000\nStill unknown.\n\n4\n00:00:04,000 --> 00:00:05,000\nWes: Me.\n",
    ),
    (Markdown, "**Adam:** Welcome.\n\n**Unknown:** Who is there?\n\nStill unknown.\n\n**Wes:** Me."),
    (
        PodcastJson,
        r#"{"version":"1.0.0","segments":[{"speaker":"Adam","body":"Welcome."},{"speaker":"Unknown","body":"Who is there?"},{"body":"Still unknown."},{"speaker":"Wes","body":"Me."}]}"#,
    ),
    (
        AssemblyAiJson,
        r#"{"id":"x","status":"completed","utterances":[{"speaker":"Adam","start":0,"end":1,"text":"Welcome."},{"speaker":"UNKNOWN","start":1,"end":2,"text":"Who is there?"},{"speaker":null,"start":2,"end":3,"text":"Still unknown."},{"speaker":"Wes","start":3,"end":4,"text":"Me."}]}"#,
    ),
];

#[test]
fn a_segment_without_a_known_speaker_adds_no_unknown_speaker_in_any_format() {
    for (format, input) in UNKNOWN_SPEAKER_SAMPLES {
        let parsed = parse(input.as_bytes(), None).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(parsed.format, *format);
        let t = parsed.transcript;
        assert_eq!(t.speakers(), vec!["Adam", "Wes"], "{format}");
        // The unknown speaker's words are nobody's: not Adam's (no carry-over), and not "Unknown".
        for s in &t.segments {
            let expected = match s.text.as_str() {
                "Welcome." => Some("Adam"),
                "Me." => Some("Wes"),
                _ => None,
            };
            assert_eq!(s.speaker.as_deref(), expected, "{format}: {s:?}");
            assert!(!s.text.contains("Unknown"), "{format}: the label is not text: {s:?}");
        }
        assert!(t.to_text().contains("Who is there?") && t.to_text().contains("Still unknown"), "{format}");
    }
}

#[test]
fn an_absurdly_long_speaker_name_is_cut() {
    let name = "N".repeat(5_000);
    let input = format!(r#"{{"segments":[{{"speaker":"{name}","body":"hello"}}]}}"#);
    let t = parse(input.as_bytes(), None).unwrap().transcript;
    assert_eq!(t.segments[0].speaker.as_deref().map(str::len), Some(growth_core::transcript::MAX_SPEAKER_CHARS));
}

// --- garbage ------------------------------------------------------------------------------------

#[test]
fn empty_and_whitespace_input_is_empty_whatever_the_format() {
    for input in [&b""[..], b" \t ", b"\n\n\r\n", "\u{3000}\u{a0}".as_bytes()] {
        assert_eq!(parse(input, None), Err(ParseError::Empty));
        for f in TranscriptFormat::ALL {
            assert_eq!(parse(input, Some(*f)), Err(ParseError::Empty));
        }
    }
}

#[test]
fn binary_garbage_is_refused_with_an_offset() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_eq!(parse(png, None), Err(ParseError::NotUtf8 { offset: 0 }));
    let zeros = [0u8; 64];
    assert_eq!(parse(&zeros, None), Err(ParseError::Binary { offset: 0 }));
    let mut mixed = b"WEBVTT\n\n00:01.000 --> 00:02.000\nhello ".to_vec();
    mixed.extend([0xC3, 0x28]);
    assert_eq!(parse(&mixed, Some(WebVtt)), Err(ParseError::NotUtf8 { offset: mixed.len() - 2 }));
}

#[test]
fn truncated_json_is_a_parse_error_naming_the_json_format_and_line() {
    let full = std::fs::read_to_string(Path::new(FIXTURES).join("assemblyai/transcript_completed_diarized_example.json")).unwrap();
    let truncated = &full[..full.len() / 2];
    let e = parse(truncated.as_bytes(), None).unwrap_err();
    assert_eq!(e.format(), Some(AssemblyAiJson), "{e}");
    assert!(e.line().is_some(), "{e}");

    let e = parse(b"{\"version\": \"1.0.0\", \"segments\": [{\"body\": \"he", None).unwrap_err();
    assert_eq!(e.format(), Some(PodcastJson), "{e}");
    let e = parse(b"not json at all", Some(PodcastJson)).unwrap_err();
    assert_eq!((e.format(), e.line()), (Some(PodcastJson), Some(1)));
}

#[test]
fn an_arrow_with_nonsense_times_is_a_parse_error_naming_the_cue_format() {
    let e = parse(b"1\n00:00:01,000 --> 00:61:00,000\nhello\n", None).unwrap_err();
    assert_eq!((e.format(), e.line()), (Some(Srt), Some(2)));
    let e = parse(b"WEBVTT\n\nyesterday --> tomorrow\nhello\n", None).unwrap_err();
    assert_eq!((e.format(), e.line()), (Some(WebVtt), Some(3)));
    assert!(e.to_string().contains("webvtt") && e.to_string().contains("yesterday"), "{e}");
    let e = parse(b"WEBVTT\n\n00:01.000 --> \nhello\n", None).unwrap_err();
    assert_eq!(e.format(), Some(WebVtt));
}

#[test]
fn an_assemblyai_transcript_with_status_error_carries_its_message() {
    let input = br#"{"id": "9ea68fd3", "status": "error", "error": "Audio file could not be decoded", "text": null, "words": null}"#;
    let e = parse(input, None).unwrap_err();
    assert_eq!(e.format(), Some(AssemblyAiJson));
    assert!(e.to_string().contains("Audio file could not be decoded"), "{e}");
    let library: growth_core::Error = e.into();
    assert!(matches!(library, growth_core::Error::InvalidInput { .. }));
}

mod support;

use support::fuzz;

proptest! {
    // A couple of thousand cases on every test run; `cargo bench -p growth-core --bench fuzz_parsers`
    // runs a million and more through the same checks.
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_input_to_any_parser_and_the_chunker_returns_within_bounded_work_without_panicking(input in fuzz::inputs()) {
        fuzz::exercise(&input, &fuzz::small_chunker());
    }
}

#[test]
fn every_fixture_is_exercised_whole_by_the_fuzz_checks() {
    let chunker = fuzz::small_chunker();
    for path in fixture_files() {
        let out = fuzz::exercise(&std::fs::read(&path).unwrap(), &chunker);
        assert!(out.parsed >= 1 && out.chunks > 0, "{}: {out:?}", relative(&path));
    }
}
