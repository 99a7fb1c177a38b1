//! Parse + chunk + hash-embed + store of each shared transcript (issue 3's figure; target < 50 ms
//! each). Each measured run indexes one transcript into a fresh SQLite vector index; creating and
//! migrating that database is not timed.
//!
//! `cargo bench --bench ingest`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use growth::core::domain::SourceId;
use growth::core::knowledge::{ChunkConfig, KnowledgeIndexer};
use growth::core::memory::InMemoryStore;
use growth::core::transcript;
use growth::llm::offline::HashingEmbedder;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("growth-core/tests/fixtures/transcripts");
    let mut out = Vec::new();
    for dir in ["changelog", "talkpython"] {
        for f in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = f.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with("LICENSE") {
                out.push((format!("{dir}/{name}"), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

async fn fresh_indexer() -> (KnowledgeIndexer, growth::store::Database) {
    let db = growth::store::Database::connect(":memory:", Arc::new(growth::core::SystemClock)).await.unwrap();
    db.migrate().await.unwrap();
    let embedder = Arc::new(HashingEmbedder::new(1536).unwrap());
    let vectors =
        Arc::new(growth::store::SqlVectorStore::open(&db, 1536, growth::core::vector::Embedder::model(embedder.as_ref())).await.unwrap());
    let indexer = KnowledgeIndexer::new(embedder, vectors, Arc::new(InMemoryStore::default()), ChunkConfig::default()).unwrap();
    (indexer, db)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut g = c.benchmark_group("ingest_parse_chunk_embed_store");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    for (name, bytes) in fixtures() {
        let words = transcript::parse(&bytes, None).unwrap().transcript.word_count();
        g.bench_function(format!("{name} ({words} words)"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (indexer, db) = rt.block_on(fresh_indexer());
                    let t = Instant::now();
                    rt.block_on(async {
                        let parsed = transcript::parse(&bytes, None).unwrap();
                        let report = indexer.index_transcript(SourceId::new(), &parsed.transcript).await.unwrap();
                        assert!(report.embedded > 0);
                    });
                    total += t.elapsed();
                    rt.block_on(db.close());
                }
                total
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
