//! A full default bundle (7 LinkedIn posts, pre-interview, post-publish, newsletter, blog post:
//! 11 drafts in 5 requests) from a ~14k-word transcript with the offline [`ExtractiveGenerator`].
//!
//! `cargo bench -p growth-llm --bench extractive -- --warm-up-time 1 --measurement-time 5`
//!
//! `bundle_cold` builds a new generator per iteration, so the transcript is analysed every time
//! (what the first bundle over a new source costs); `bundle_warm` reuses one generator, whose cached
//! analysis the five requests share; `one_post_cold` is one request for a single LinkedIn post on a new generator.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use growth_core::generate::GenerationRequest;
use growth_core::prompt::{BundlePlan, PromptBuilder, SourceMaterial};
use growth_llm::offline::ExtractiveGenerator;

/// Founders Talk #60, 13,998 words, in the repository (CI clones only the repository).
const TRANSCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../growth-core/tests/fixtures/transcripts/changelog/founders-talk-60.md");

fn requests() -> Vec<GenerationRequest> {
    let raw = match std::fs::read(TRANSCRIPT) {
        Ok(t) => t,
        Err(e) => panic!("cannot read {TRANSCRIPT}: {e}"),
    };
    let parsed = match growth_core::transcript::parse(&raw, None) {
        Ok(p) => p,
        Err(e) => panic!("cannot parse {TRANSCRIPT}: {e}"),
    };
    let source = SourceMaterial::from_transcript(Some("Founders Talk #60".to_owned()), &parsed.transcript);
    match PromptBuilder::default().bundle(&source, &BundlePlan::default()) {
        Ok(r) => r,
        Err(e) => panic!("cannot build the bundle: {e}"),
    }
}

fn generator() -> ExtractiveGenerator {
    match ExtractiveGenerator::with_defaults() {
        Ok(g) => g,
        Err(e) => panic!("default config: {e}"),
    }
}

fn write_bundle(g: &ExtractiveGenerator, requests: &[GenerationRequest]) -> usize {
    requests
        .iter()
        .map(|r| match g.write(black_box(r)) {
            Ok(d) => d.len(),
            Err(e) => panic!("generation failed: {e}"),
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let requests = requests();
    let words = requests[0].source_text.split_whitespace().count();
    let drafts = write_bundle(&generator(), &requests);
    eprintln!("{words} words, {} requests, {drafts} drafts per bundle", requests.len());
    assert_eq!(drafts, 11);
    let mut g = c.benchmark_group("extractive");
    g.bench_function("bundle_cold", |b| b.iter(|| write_bundle(&generator(), &requests)));
    let warm = generator();
    g.bench_function("bundle_warm", |b| b.iter(|| write_bundle(&warm, &requests)));
    let one = GenerationRequest { count: 1, ..requests[0].clone() };
    g.bench_function("one_post_cold", |b| b.iter(|| write_bundle(&generator(), std::slice::from_ref(&one))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
