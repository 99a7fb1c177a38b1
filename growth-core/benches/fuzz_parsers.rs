//! Fuzzing, long run: every transcript parser (and detection, and the chunker behind them) on
//! `GROWTH_FUZZ_CASES` generated inputs (default 1,000,000; each input goes through all seven
//! parsers, so each parser sees that many cases), the PDF path on `GROWTH_FUZZ_PDF_CASES` (default
//! 100,000, in process) and `GROWTH_FUZZ_PDF_CHILD_CASES` (default 1,000, through `pdftotext`
//! when installed), and a check that time grows linearly with the input for inputs shaped to hurt
//! each parser.
//!
//! The checks per input are those of `tests/support/fuzz.rs` (also run, 2,000 cases, by
//! `cargo test`): no panic, a transcript with words or an error naming the format tried, parsing
//! and chunking work bounded by the input's size as counted by the `CancelFlag`, chunks within the
//! token limit. Here, on top: the slowest input per parser, and for each hurtful shape the time at
//! 64 KiB and at 512 KiB (8×, best of five runs): linear work takes about 8× the time, quadratic
//! 64×; over 20× fails.
//!
//! `cargo bench -p growth-core --bench fuzz_parsers` (exit status 1 on any failure)
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, reason = "a bench binary: a failure should abort loudly")]

#[path = "../tests/support/fuzz.rs"]
mod fuzz;

use std::cell::Cell;
use std::time::{Duration, Instant};

use bytes::Bytes;
use growth_core::ingest::pdf::{PdfBackend, PdfExtractor, PdfLimits};
use growth_core::transcript::{TranscriptFormat, parse};
use proptest::test_runner::{Config, TestRunner};

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let mut failed = false;
    failed |= fuzz_parsers(env("GROWTH_FUZZ_CASES", 1_000_000));
    failed |= fuzz_pdf(env("GROWTH_FUZZ_PDF_CASES", 100_000), env("GROWTH_FUZZ_PDF_CHILD_CASES", 1_000));
    failed |= linear_time();
    if failed {
        eprintln!("FAILED");
        std::process::exit(1);
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config { cases, failure_persistence: None, max_shrink_iters: 2_000, ..Config::default() })
}

/// Every parser on `cases` inputs; true on failure.
fn fuzz_parsers(cases: u32) -> bool {
    let chunker = fuzz::small_chunker();
    // The runner takes an `Fn`: counters in cells.
    let (bytes, parsed, chunks, slowest) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize), Cell::new((Duration::ZERO, 0usize)));
    let start = Instant::now();
    let result = runner(cases).run(&fuzz::inputs(), |input| {
        let t = Instant::now();
        let out = fuzz::exercise(&input, &chunker);
        let took = t.elapsed();
        if took > slowest.get().0 {
            slowest.set((took, input.len()));
        }
        bytes.set(bytes.get() + input.len());
        parsed.set(parsed.get() + out.parsed);
        chunks.set(chunks.get() + out.chunks);
        Ok(())
    });
    let (bytes, parsed, chunks, slowest) = (bytes.get(), parsed.get(), chunks.get(), slowest.get());
    let elapsed = start.elapsed();
    println!(
        "transcript parsers: {cases} cases x {} parsers (+ detection, + chunking of {parsed} successful parses into {chunks} chunks), {:.1} MB in {:.1} s; slowest input {:?} for {} bytes",
        TranscriptFormat::ALL.len(),
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        slowest.0,
        slowest.1
    );
    match result {
        Ok(()) => false,
        Err(e) => {
            eprintln!("transcript parsers: {e}");
            true
        }
    }
}

/// The PDF path: in process on `cases` inputs, through `pdftotext` on `child_cases`; true on failure.
fn fuzz_pdf(cases: u32, child_cases: u32) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut failed = false;
    let mut backends = vec![("pdf-extract", PdfBackend::InProcess, cases)];
    match std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).map(|d| d.join("pdftotext")).find(|p| p.is_file()) {
        Some(p) => backends.push(("pdftotext", PdfBackend::Pdftotext(p), child_cases)),
        None => println!("pdf: pdftotext is not installed; only the in-process extractor is fuzzed"),
    }
    // pdf-extract panics on most malformed files (the extractor catches it): keep its messages
    // and backtraces off the terminal. A real failure still shows: the runner reports it.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for (name, backend, n) in backends {
        // Many slots: a case that hangs keeps one (and is reported), the others go on.
        let limits = PdfLimits { backend, timeout: Duration::from_secs(10), max_concurrent: 64, ..PdfLimits::default() };
        let extractor = PdfExtractor::new(limits).unwrap();
        let (texts, refused, hangs, slowest) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize), Cell::new(Duration::ZERO));
        let start = Instant::now();
        let result = runner(n).run(&fuzz::pdf_inputs(), |input| {
            let t = Instant::now();
            match rt.block_on(extractor.extract(Bytes::from(input))) {
                Ok(text) => {
                    texts.set(texts.get() + 1);
                    // What ingestion does next with the text.
                    let _ = parse(text.as_bytes(), Some(TranscriptFormat::PlainText));
                }
                Err(e) if e.to_string().contains("took longer than") => hangs.set(hangs.get() + 1),
                Err(growth_core::Error::InvalidInput { .. }) => refused.set(refused.get() + 1),
                Err(e) => panic!("{name}: an error other than InvalidInput: {e}"),
            }
            slowest.set(slowest.get().max(t.elapsed()));
            Ok(())
        });
        let (texts, refused, hangs, slowest) = (texts.get(), refused.get(), hangs.get(), slowest.get());
        println!(
            "pdf ({name}): {n} cases in {:.1} s: {texts} gave text, {refused} refused as invalid, {hangs} stopped at the timeout; slowest {slowest:?}",
            start.elapsed().as_secs_f64()
        );
        if let Err(e) = result {
            eprintln!("pdf ({name}): {e}");
            failed = true;
        }
        failed |= hangs > 0;
    }
    std::panic::set_hook(default_hook);
    failed
}

/// The best of five timings of `f` (the machine is shared: the minimum is the least disturbed).
fn time(f: impl Fn()) -> Duration {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Inputs shaped to hurt each parser: time at 64 KiB and 512 KiB; true on failure.
fn linear_time() -> bool {
    let ts = |n: usize| format!("{:02}:{:02}", n / 60 % 60, n % 60);
    type Shape = (&'static str, Option<TranscriptFormat>, Box<dyn Fn(usize) -> String>);
    let shapes: Vec<Shape> = vec![
        ("plain: one line of words", Some(TranscriptFormat::PlainText), Box::new(|i| format!("word{} ", i % 7))),
        ("plain: a colon per word", Some(TranscriptFormat::PlainText), Box::new(|_| "Name: a: b: ".into())),
        ("plain: labelled lines", Some(TranscriptFormat::PlainText), Box::new(|i| format!("Speaker {}: hello there\n", i % 3))),
        ("timestamped: lines", Some(TranscriptFormat::Timestamped), Box::new(move |i| format!("{} Adam: some words here\n", ts(i)))),
        ("timestamped: no newline", Some(TranscriptFormat::Timestamped), Box::new(|_| "00:01 words ".into())),
        ("webvtt: cues", Some(TranscriptFormat::WebVtt), Box::new(|_| "00:01.000 --> 00:02.000\n<v Ann>hi &amp; bye</v>\n\n".into())),
        ("webvtt: one cue of tags", Some(TranscriptFormat::WebVtt), Box::new(|_| "<v A><c>x</c><".into())),
        ("webvtt: one cue of entities", Some(TranscriptFormat::WebVtt), Box::new(|_| "&amp;&#x41;&bogus".into())),
        ("srt: cues", Some(TranscriptFormat::Srt), Box::new(|i| format!("{i}\n00:00:01,000 --> 00:00:02,000\nAdam: hi\n\n"))),
        ("srt: one cue, many lines", Some(TranscriptFormat::Srt), Box::new(|_| "Bob: <i>x</i> {\\an8}\n".into())),
        ("markdown: turns", Some(TranscriptFormat::Markdown), Box::new(|i| format!("**Speaker {}:** \\[00:01\\] words\n\n", i % 2))),
        ("markdown: stamps in one paragraph", Some(TranscriptFormat::Markdown), Box::new(|_| "\\[00:01\\] ".into())),
        ("markdown: brackets in one paragraph", Some(TranscriptFormat::Markdown), Box::new(|_| "[x ".into())),
        (
            "podcast json: segments",
            Some(TranscriptFormat::PodcastJson),
            Box::new(|_| r#"{"speaker":"A","startTime":1,"endTime":2,"body":"hi"},"#.into()),
        ),
        (
            "assemblyai json: words",
            Some(TranscriptFormat::AssemblyAiJson),
            Box::new(|_| r#"{"text":"hi","start":1,"end":2,"speaker":"A"},"#.into()),
        ),
        ("detection: any", None, Box::new(|_| "**".into())),
    ];
    let wrap = |format: Option<TranscriptFormat>, body: String| -> String {
        match format {
            Some(TranscriptFormat::WebVtt) if !body.contains("-->") => format!("WEBVTT\n\n00:01.000 --> 00:02.000\n{body}"),
            Some(TranscriptFormat::WebVtt) => format!("WEBVTT\n\n{body}"),
            Some(TranscriptFormat::Srt) if !body.contains("-->") => format!("1\n00:00:01,000 --> 00:00:02,000\n{body}"),
            Some(TranscriptFormat::PodcastJson) => format!(r#"{{"version":"1.0.0","segments":[{}{{"body":"end"}}]}}"#, body),
            Some(TranscriptFormat::AssemblyAiJson) => format!(r#"{{"id":"x","status":"completed","words":[{}{{"text":"end"}}]}}"#, body),
            _ => body,
        }
    };
    let build = |f: &dyn Fn(usize) -> String, size: usize| {
        let mut out = String::with_capacity(size + 64);
        let mut i = 0;
        while out.len() < size {
            out.push_str(&f(i));
            i += 1;
        }
        out
    };
    let chunker = growth_core::knowledge::Chunker::new(growth_core::knowledge::ChunkConfig::default()).unwrap();
    let mut failed = false;
    println!("linear time: parse (+ chunk) at 64 KiB and 512 KiB, best of 5");
    for (name, format, unit) in &shapes {
        let small = wrap(*format, build(unit.as_ref(), 64 << 10));
        let large = wrap(*format, build(unit.as_ref(), 512 << 10));
        let run = |input: &str| {
            if let Ok(p) = parse(input.as_bytes(), *format) {
                let _ = chunker.chunk_transcript(&p.transcript);
            }
        };
        let (a, b) = (time(|| run(&small)), time(|| run(&large)));
        let ratio = b.as_secs_f64() / a.as_secs_f64().max(1e-9);
        let ok = ratio <= 20.0;
        println!("    {name:<36} {a:>12?} -> {b:>12?}  x{ratio:>5.1}  {}", if ok { "ok" } else { "NOT LINEAR" });
        failed |= !ok;
    }
    failed
}
