//! Fuzzing the transcript parsers, the chunker and the PDF path: input strategies and the checks
//! every input must pass. Shared by `tests/transcripts.rs` (a few thousand cases on every test run)
//! and `benches/fuzz_parsers.rs` (a million and more: `cargo bench -p growth-core --bench fuzz_parsers`).
#![allow(dead_code, reason = "each includer uses part: the tests the transcript half, the bench all of it")]

use std::path::Path;

use growth_core::ingest::CancelFlag;
use growth_core::knowledge::{ChunkConfig, Chunker};
use growth_core::transcript::{ParsedTranscript, TranscriptFormat, detect_format, parse_with};
use proptest::prelude::*;

/// Where the shared transcripts are.
pub(crate) const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/transcripts");

/// Units of work a parse may take per input byte (it makes four passes).
pub(crate) const PARSE_WORK_PER_BYTE: u64 = 4;
/// Units of work chunking may take per byte of the transcript's text, plus a constant.
pub(crate) const CHUNK_WORK_PER_BYTE: u64 = 16;
/// The constant.
pub(crate) const CHUNK_WORK_BASE: u64 = 4096;

/// Fragments of every format, so random concatenations reach deep into each parser.
pub(crate) const TOKENS: &[&str] = &[
    "WEBVTT",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "-->",
    " --> ",
    "00:00:01.000",
    "00:01,5",
    "0.000",
    "3.480",
    "12",
    "1:02:03",
    "99:99",
    "0",
    "1\n",
    "NOTE",
    "STYLE",
    "REGION",
    "<v Ann>",
    "<v Unknown>",
    "<v.x",
    "</v>",
    "<c>",
    "<i>",
    "<",
    ">",
    "> ",
    "&amp;",
    "&#x1F600;",
    "&#99999999;",
    "&",
    ";",
    "**",
    "**Bob:**",
    "**Unknown:**",
    "**Break:**",
    "\\[",
    "\\]",
    "[",
    "]",
    "\\[00:04:01.06\\]",
    "[00:01]",
    "Adam:",
    "Unknown Speaker:",
    "Speaker 1: ",
    "{",
    "}",
    "\"segments\"",
    "\"utterances\"",
    "\"words\"",
    "\"status\"",
    "\"error\"",
    ":",
    ",",
    "[{",
    "\"body\"",
    "\"text\"",
    "\"speaker\"",
    "\"startTime\"",
    "\"start\"",
    "-1",
    "1e400",
    "null",
    "\u{FEFF}",
    "é",
    "漢字",
    "。",
    "\u{2028}",
    "\u{a0}",
    "text",
    "Word.",
    "e.g.",
    "{\\an8}",
    "#",
    "## ",
    "---",
];

/// Arbitrary bytes, arbitrary strings, fragments of every format, and mangled real transcripts.
pub(crate) fn inputs() -> impl Strategy<Value = Vec<u8>> {
    let fixtures: Vec<Vec<u8>> =
        ["talkpython/356-ml-startups.vtt", "handwritten/interview.srt", "handwritten/episode.json", "changelog/founders-talk-68.md"]
            .iter()
            .map(|name| std::fs::read(Path::new(FIXTURES).join(name)).unwrap_or_default())
            .collect();
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..1024),
        any::<String>().prop_map(String::into_bytes),
        proptest::collection::vec(proptest::sample::select(TOKENS), 0..120).prop_map(|parts| parts.concat().into_bytes()),
        (proptest::sample::select(fixtures), 0usize..4096, any::<u8>(), any::<proptest::sample::Index>(), 0usize..64).prop_map(
            |(mut bytes, cut, flip, at, repeat)| {
                bytes.truncate(cut.min(bytes.len()));
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    bytes[i] ^= flip;
                    // Sometimes a slice of it over and over: long inputs of one shape.
                    if repeat > 48 {
                        let piece = bytes[i..].to_vec();
                        for _ in 0..repeat {
                            bytes.extend_from_slice(&piece);
                        }
                    }
                }
                bytes
            }
        ),
    ]
}

/// What one input did, for the statistics of a long run.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Exercised {
    /// Parses that succeeded, of the `TranscriptFormat::ALL.len()` explicit ones.
    pub(crate) parsed: usize,
    /// Chunks made from the successful parses.
    pub(crate) chunks: usize,
}

/// Runs `input` through detection, every parser and, when it parses, the chunker, checking what
/// must hold whatever the input: no panic (the caller catches it), a parse is either a transcript
/// with words or an error naming the format tried, the work of parsing and chunking is bounded
/// by the input's size (the [`CancelFlag`] counts it), chunks are within the token limit.
pub(crate) fn exercise(input: &[u8], chunker: &Chunker) -> Exercised {
    let mut out = Exercised::default();
    let detected = parse_with(input, None, &CancelFlag::new());
    if let Ok(p) = &detected {
        check_transcript(p);
    }
    if let Ok(text) = std::str::from_utf8(input) {
        let _ = detect_format(text);
    }
    for format in TranscriptFormat::ALL {
        let flag = CancelFlag::new();
        let result = parse_with(input, Some(*format), &flag);
        assert!(
            flag.work() <= PARSE_WORK_PER_BYTE * input.len() as u64,
            "{format}: {} units of work for {} bytes",
            flag.work(),
            input.len()
        );
        match result {
            Ok(p) => {
                assert_eq!(p.format, *format);
                check_transcript(&p);
                out.parsed += 1;
                out.chunks += check_chunks(&p, chunker);
            }
            Err(e) => {
                if let Some(f) = e.format() {
                    assert_eq!(f, *format, "{e}");
                }
                let _ = e.to_string();
                let _: growth_core::Error = e.into();
            }
        }
    }
    out
}

fn check_transcript(p: &ParsedTranscript) {
    let t = &p.transcript;
    assert!(t.word_count() > 0 && !t.segments.is_empty());
    assert!(t.segments.iter().all(|s| !s.text.trim().is_empty()));
    assert!(t.speakers().iter().all(|s| !growth_core::domain::is_unknown_speaker(s)), "{:?}", t.speakers());
}

/// Chunks the transcript, checking the limit, the ranges and the work; returns how many chunks.
fn check_chunks(p: &ParsedTranscript, chunker: &Chunker) -> usize {
    let whole = p.transcript.to_text();
    let flag = CancelFlag::new();
    let chunks = chunker.chunk_transcript_with(&p.transcript, &flag).unwrap_or_default();
    let bound = CHUNK_WORK_PER_BYTE * whole.len() as u64 + CHUNK_WORK_BASE;
    assert!(flag.work() <= bound, "chunking {} bytes took {} units of work (bound {bound})", whole.len(), flag.work());
    let max = chunker.config().max_tokens;
    for c in &chunks {
        assert!(c.byte_range.start <= c.byte_range.end && c.byte_range.end <= whole.len());
        assert!(c.tokens <= max, "{} tokens over {max}: {:?}", c.tokens, c.text);
        assert!(!c.text.trim().is_empty());
    }
    chunks.len()
}

/// A small chunker, so short inputs make several chunks.
pub(crate) fn small_chunker() -> Chunker {
    Chunker::new(ChunkConfig { max_tokens: 24, overlap_tokens: 6 }).unwrap_or_else(|e| panic!("{e}"))
}

/// A one-page PDF whose page says `text`, with a correct cross-reference table.
pub(crate) fn tiny_pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 18 Tf 20 100 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1));
    out.into_bytes()
}

/// PDF-shaped inputs: the tiny PDF truncated, with bytes flipped, inserted or repeated, and
/// PDF keywords in random order.
pub(crate) fn pdf_inputs() -> impl Strategy<Value = Vec<u8>> {
    const PDF_TOKENS: &[&str] = &[
        "%PDF-1.4\n",
        "obj",
        "endobj",
        "stream\n",
        "\nendstream",
        "<<",
        ">>",
        "/Type",
        "/Page",
        "/Pages",
        "/Kids",
        "[",
        "]",
        "3 0 R",
        "/Length",
        "99999999",
        "-1",
        "/Filter /FlateDecode",
        "xref\n",
        "trailer",
        "startxref\n",
        "%%EOF",
        " ",
        "\n",
        "(",
        ")",
        "\\",
        "BT",
        "ET",
        "Tj",
    ];
    let base = tiny_pdf("Hello from a tiny PDF.");
    prop_oneof![
        (0usize..700, proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..8)).prop_map(move |(cut, flips)| {
            let mut b = base.clone();
            b.truncate(cut.max(5).min(b.len()));
            for (at, x) in flips {
                let i = at.index(b.len());
                b[i] ^= x;
            }
            b
        }),
        proptest::collection::vec(proptest::sample::select(PDF_TOKENS), 0..80).prop_map(|parts| {
            let mut b = b"%PDF-1.4\n".to_vec();
            b.extend(parts.concat().into_bytes());
            b
        }),
    ]
}
