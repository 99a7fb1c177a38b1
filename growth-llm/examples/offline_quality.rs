//! How the offline bundle reads, measured on every transcript: pieces too alike (word 3-gram
//! Jaccard ≥ 0.5), the same closing line twice, broken topic labels, disfluencies and guest lines
//! in the host's first person — all must be 0 — and the time to write a bundle (< 200 ms).
//!
//! ```text
//! cargo run --release -p growth-llm --example offline_quality [-- DIR ...] [--verbose] [--print]
//! ```
//!
//! `--verbose` lists every problem found; `--print` prints every draft.
//!
//! Without a directory it reads the repository's transcripts
//! (`growth-core/tests/fixtures/transcripts`, which hold copies of every shared transcript).
//! Each bundle is the default plan (7 LinkedIn posts, a pre-interview, a post-publish, a
//! newsletter, a blog post) on a new generator, so the time includes analysing the transcript;
//! the time printed is the median of 5 runs. Exits with 1 when a count is not 0 or a bundle
//! takes 200 ms or more.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::expect_used, reason = "a command-line report")]

#[path = "../tests/support/offline_quality.rs"]
mod offline_quality;

use std::path::PathBuf;
use std::time::Duration;

use offline_quality::{Counts, FIXTURES, count, source_text, transcripts, write_bundle};

const RUNS: usize = 5;
const BUDGET: Duration = Duration::from_millis(200);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let print = args.iter().any(|a| a == "--print");
    let mut dirs: Vec<PathBuf> = args.iter().filter(|a| !a.starts_with("--")).map(PathBuf::from).collect();
    if dirs.is_empty() {
        dirs.push(PathBuf::from(FIXTURES));
    }
    let files: Vec<PathBuf> = dirs.iter().flat_map(|d| transcripts(d)).collect();
    if files.is_empty() {
        eprintln!("no transcripts under {dirs:?}");
        std::process::exit(2);
    }
    println!(
        "{:<44} {:>6} {:>6} {:>5} {:>7} {:>7} {:>7} {:>7} {:>8}",
        "transcript", "words", "pieces", "dupes", "closes", "labels", "disfl", "misattr", "ms"
    );
    let mut total = Counts::default();
    let mut slowest = Duration::ZERO;
    for file in &files {
        let name = file.strip_prefix(dirs.iter().find(|d| file.starts_with(d)).expect("under a dir")).unwrap_or(file).display().to_string();
        let text = match source_text(file) {
            Ok(t) => t,
            Err(e) => {
                println!("{name:<44} skipped: {e}");
                continue;
            }
        };
        let mut times = Vec::with_capacity(RUNS);
        let mut bundle = Vec::new();
        for _ in 0..RUNS {
            match write_bundle(&text, None) {
                Ok((b, t)) => {
                    bundle = b;
                    times.push(t);
                }
                Err(e) => {
                    println!("{name:<44} skipped: {e}");
                    break;
                }
            }
        }
        if times.is_empty() {
            continue;
        }
        times.sort();
        let median = times[times.len() / 2];
        slowest = slowest.max(median);
        let c = count(&text, &bundle);
        println!(
            "{name:<44} {:>6} {:>6} {:>5} {:>7} {:>3}/{:<3} {:>7} {:>7} {:>8.1}",
            text.split_whitespace().count(),
            c.pieces,
            c.duplicates,
            c.same_closings,
            c.broken_labels,
            c.labels,
            c.disfluencies,
            c.misattributions,
            median.as_secs_f64() * 1000.0
        );
        if print {
            for (t, d) in &bundle {
                println!("===== {t} {:?} {:?}\n{}\n", d.format, d.title, d.content);
            }
        }
        if verbose {
            for d in &c.details {
                println!("    {d}");
            }
        }
        total.add(&c);
    }
    println!(
        "total: {} pieces; duplicates {}, same closing lines {}, broken labels {} of {}, disfluencies {}, misattributions {}; slowest bundle {:.1} ms (budget {} ms)",
        total.pieces,
        total.duplicates,
        total.same_closings,
        total.broken_labels,
        total.labels,
        total.disfluencies,
        total.misattributions,
        slowest.as_secs_f64() * 1000.0,
        BUDGET.as_millis()
    );
    if total.problems() > 0 || slowest >= BUDGET {
        std::process::exit(1);
    }
}
