//! Throughput of the offline [`HashingEmbedder`] on a real transcript cut into ~500-token chunks.
//! The transcript is the repository's own fixture (`growth-core/tests/fixtures/transcripts/`); if
//! it is missing the bench says so and skips.
//!
//! `cargo bench -p growth-llm --bench embed`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use growth_llm::offline::HashingEmbedder;

const TRANSCRIPT: &str = "../growth-core/tests/fixtures/transcripts/changelog/founders-talk-55.md";

/// Splits `text` on whitespace into chunks of about `max_tokens` cl100k tokens each.
fn chunks(text: &str, max_tokens: usize) -> Vec<String> {
    let bpe = tiktoken_rs::cl100k_base_singleton();
    let (mut out, mut cur, mut cur_tokens) = (Vec::new(), String::new(), 0);
    for word in text.split_whitespace() {
        let t = bpe.encode_ordinary(&format!(" {word}")).len();
        if cur_tokens + t > max_tokens && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            cur_tokens = 0;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        cur_tokens += t;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn bench(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(TRANSCRIPT);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("embed: skipped — the transcript fixture {} is not there", path.display());
        return;
    };
    let chunks = chunks(&text, 500);
    let bytes: usize = chunks.iter().map(String::len).sum();
    eprintln!("{} chunks of ~500 tokens, {bytes} bytes", chunks.len());
    let e = HashingEmbedder::default();
    let mut g = c.benchmark_group("hashing_embedder");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("founders_talk_55_1536d", |b| b.iter(|| chunks.iter().map(|t| e.embed_text(black_box(t))).collect::<Vec<_>>()));
    // The floor: Unicode word segmentation alone, which every embedding starts with.
    g.bench_function("segmentation_only", |b| {
        b.iter(|| {
            chunks.iter().map(|t| unicode_segmentation::UnicodeSegmentation::unicode_words(black_box(t.as_str())).count()).sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
