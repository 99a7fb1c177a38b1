//! The embedded vector store's search: exact top-10 over 100,000 × 1536-dim vectors (fixed seed,
//! loaded straight into a [`VectorIndex`], no SQL) against a plain sequential read of the same
//! vector memory (summing every float) in the same run. Prints the time ratio (target ≤ 1.5) and
//! the memory ratio, index bytes / raw vector bytes (target ≤ 1.2).
//!
//! `cargo bench -p growth-store --bench vectors`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use growth_core::vector::{Metadata, MetadataFilter};
use growth_store::VectorIndex;
use serde_json::json;

const N: usize = 100_000;
const DIMS: usize = 1536;
const TOP_K: usize = 10;

/// splitmix64: a fixed-seed generator, no dependency.
struct Rng(u64);

impl Rng {
    fn float(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
}

fn build() -> VectorIndex {
    let mut rng = Rng(7);
    let mut ix = VectorIndex::with_capacity(DIMS, N);
    let mut v = vec![0.0f32; DIMS];
    for i in 0..N {
        v.iter_mut().for_each(|x| *x = rng.float());
        // Realistic small metadata: a kind and a source.
        let meta = Metadata::from([("kind".to_owned(), json!("chunk")), ("source".to_owned(), json!(format!("src-{}", i % 500)))]);
        ix.push(&format!("chunk-{i:06}"), &v, &meta).unwrap();
    }
    ix.shrink_to_fit();
    ix
}

/// The baseline: read every float once, as fast as a plain loop can (16 accumulators, the same
/// shape as the search's dot product, so both are measured at memory speed).
fn sequential_sum(values: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let (chunks, rest) = values.as_chunks::<16>();
    for c in chunks {
        for j in 0..16 {
            acc[j] += c[j];
        }
    }
    acc.iter().sum::<f32>() + rest.iter().sum::<f32>()
}

fn mean_time(mut f: impl FnMut(), rounds: u32) -> Duration {
    f();
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    start.elapsed() / rounds
}

fn bench(c: &mut Criterion) {
    let ix = build();
    let mut rng = Rng(99);
    let query: Vec<f32> = (0..DIMS).map(|_| rng.float()).collect();

    let mut g = c.benchmark_group("vectors_100k_x_1536");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Bytes(ix.raw_bytes() as u64));
    g.bench_function("sequential_read", |b| b.iter(|| black_box(sequential_sum(black_box(ix.vectors())))));
    g.bench_function("exact_top10", |b| b.iter(|| black_box(ix.search(black_box(&query), TOP_K, None).unwrap())));
    g.finish();

    // The ratios, measured side by side in this run (interleaved, so both see the same machine).
    let (mut read, mut search) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..5 {
        read += mean_time(|| _ = black_box(sequential_sum(black_box(ix.vectors()))), 4);
        search += mean_time(|| _ = black_box(ix.search(black_box(&query), TOP_K, None).unwrap()), 4);
    }
    let (read, search) = (read / 5, search / 5);
    println!(
        "\nvectors: {N} x {DIMS} dims, top-{TOP_K}: query {:.2} ms, sequential read {:.2} ms, ratio {:.3} (target <= 1.5)",
        search.as_secs_f64() * 1e3,
        read.as_secs_f64() * 1e3,
        search.as_secs_f64() / read.as_secs_f64()
    );
    // A filtered query parses each record's metadata (JSON text in the index) before scoring it.
    let filter = MetadataFilter::Eq("source".into(), json!("src-7"));
    let filtered = mean_time(|| _ = black_box(ix.search(black_box(&query), TOP_K, Some(&filter)).unwrap()), 3);
    println!("vectors: filtered top-{TOP_K} (1 record in 500 passes): {:.2} ms", filtered.as_secs_f64() * 1e3);
    println!(
        "vectors: index {} bytes, raw vectors {} bytes, memory ratio {:.4} (target <= 1.2)\n",
        ix.allocated_bytes(),
        ix.raw_bytes(),
        ix.allocated_bytes() as f64 / ix.raw_bytes() as f64
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
