//! End-to-end ingest throughput: what `growth ingest <file>` does — detect and parse the file, keep
//! it in blob storage, store the source and its transcript, chunk it (≤ 500 cl100k tokens, 50 of
//! overlap), hash-embed every chunk (1536 dims) and store the vectors — on a SQLite **file**
//! database and a local blob directory in a temporary directory (issue 16 §5: no `:memory:`, no
//! in-memory store).
//!
//! Two parts:
//! 1. **MB/s at 1, 4 and 16 MB** (issue 13 item 3; target ≥ 5 MB/s on one core) for three inputs
//!    generated in memory, deterministically:
//!    - `prose`: plain text with sentence ends and paragraphs;
//!    - `no-sentence-ends`: words and spaces only, one paragraph (the input that was quadratic);
//!    - `transcript`: the shared Markdown transcript `founders-talk-55.md` (in the repository)
//!      repeated to the size, with its speaker turns.
//!
//!    Each (input, size) is ingested `GROWTH_INGEST_RUNS` times (default 3) into a fresh
//!    database; the best and the median run are printed (wall clock), and the median run's MB per
//!    CPU-second (user + system time of all threads: the per-core figure). `GROWTH_INGEST_SIZES_MB` picks the sizes
//!    (default `1,4,16`).
//! 2. **Per shared transcript** (criterion): each transcript in
//!    `growth-core/tests/fixtures/transcripts/{changelog,talkpython}` ingested into a fresh file
//!    database per iteration (creating and migrating it is not timed).
//!
//! `cargo bench --bench ingest` (one part only: `GROWTH_INGEST_PART=throughput` or `fixtures`)
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed setup should abort loudly")]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use growth::core::SystemClock;
use growth::core::blob::BlobStore;
use growth::core::ingest::{ManualInput, ManualSource, SourceIngest};
use growth::core::knowledge::{ChunkConfig, KnowledgeIndexer};
use growth::core::store::KnowledgeStore;
use growth::core::vector::Embedder;
use growth::llm::offline::HashingEmbedder;
use growth::store::{Database, ObjectBlobStore, SqlVectorStore};

const MB: usize = 1 << 20;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("growth-core/tests/fixtures/transcripts").join(rel)).unwrap()
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("growth-core/tests/fixtures/transcripts");
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

/// A fixed pseudo-random sequence (xorshift), so every run ingests the same bytes.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "growth",
    "pricing",
    "customers",
    "onboarding",
    "we",
    "the",
    "a",
    "team",
    "product",
    "market",
    "build",
    "shipped",
    "learned",
    "because",
    "every",
    "week",
    "revenue",
    "churn",
    "signal",
    "founder",
    "sales",
    "and",
    "of",
    "to",
    "in",
    "that",
    "it",
    "was",
    "for",
    "on",
    "with",
    "users",
    "trial",
    "activation",
    "metric",
    "retention",
    "content",
    "episode",
    "launch",
    "feedback",
];

/// Plain text of about `size` bytes; with `sentences`, capitalised sentences of 6–20 words ending in
/// `.`, `?` or `!`, four to seven per paragraph; without, lower-case words and spaces only.
fn prose(size: usize, sentences: bool) -> Vec<u8> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(size + 256);
    while out.len() < size {
        if !sentences {
            out.push_str(WORDS[rng.below(WORDS.len())]);
            out.push(' ');
            continue;
        }
        for _ in 0..4 + rng.below(4) {
            let n = 6 + rng.below(15);
            for i in 0..n {
                let w = WORDS[rng.below(WORDS.len())];
                if i == 0 {
                    let mut c = w.chars();
                    out.extend(c.next().map(|f| f.to_ascii_uppercase()));
                    out.push_str(c.as_str());
                } else {
                    out.push(' ');
                    out.push_str(w);
                }
            }
            out.push_str([". ", "? ", "! ", ". "][rng.below(4)]);
        }
        out.push_str("\n\n");
    }
    out.into_bytes()
}

/// The shared Markdown transcript repeated to about `size` bytes.
fn transcript(size: usize) -> Vec<u8> {
    let one = fixture("changelog/founders-talk-55.md");
    let mut out = Vec::with_capacity(size + one.len());
    while out.len() < size {
        out.extend_from_slice(&one);
        out.extend_from_slice(b"\n\n");
    }
    out
}

/// A fresh SQLite file database, blob directory and ingest service in `dir`.
async fn fresh(dir: &Path) -> (SourceIngest, Database) {
    let url = format!("sqlite://{}", dir.join("growth.db").display());
    let db = Database::connect(&url, Arc::new(SystemClock)).await.unwrap();
    db.migrate().await.unwrap();
    let store = db.store();
    let blobs: Arc<dyn BlobStore> = Arc::new(ObjectBlobStore::local(dir.join("blobs")).unwrap());
    let embedder = Arc::new(HashingEmbedder::new(1536).unwrap());
    let vectors = Arc::new(SqlVectorStore::open(&db, 1536, embedder.model()).await.unwrap());
    let indexer = KnowledgeIndexer::new(embedder, vectors, store.clone() as Arc<dyn KnowledgeStore>, ChunkConfig::default()).unwrap();
    (SourceIngest::new(store, blobs, None).with_indexer(indexer), db)
}

/// CPU time of this process so far (user + system, all threads), from `/proc/self/stat` (Linux;
/// zero elsewhere). Clock ticks of 10 ms: fine for runs of a tenth of a second and more.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<u64> = rest.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// One ingest: wall time, CPU time, chunks stored.
struct Run {
    wall: Duration,
    cpu: Duration,
    chunks: usize,
}

/// Ingests `bytes` as the file `name` into a fresh database.
fn ingest_once(rt: &tokio::runtime::Runtime, name: &str, bytes: &[u8]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (ingest, db) = rt.block_on(fresh(dir.path()));
    let input = ManualInput::File { file_name: name.to_owned(), bytes: bytes.to_vec().into(), format: None };
    let (start, cpu) = (Instant::now(), cpu_time());
    let got = rt.block_on(ingest.ingest_manual(ManualSource::new(input))).unwrap();
    let (wall, cpu) = (start.elapsed(), cpu_time().saturating_sub(cpu));
    rt.block_on(db.close());
    assert!(got.created, "{name}: a fresh database must create the source");
    assert_eq!(got.source.failure_reason, None, "{name}: {:?}", got.source.failure_reason);
    Run { wall, cpu, chunks: got.indexed.map(|r| r.embedded).unwrap_or_default() }
}

fn throughput(rt: &tokio::runtime::Runtime) {
    let runs: usize = std::env::var("GROWTH_INGEST_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1);
    let sizes: Vec<usize> = std::env::var("GROWTH_INGEST_SIZES_MB")
        .unwrap_or_else(|_| "1,4,16".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!("ingest throughput, SQLite file database, {runs} run(s) each (MB = 2^20 bytes)");
    println!("{:<18} {:>5} {:>9} {:>7} {:>10} {:>10} {:>14}", "input", "MB", "bytes", "chunks", "best MB/s", "median", "MB/CPU-second");
    type Make = fn(usize) -> Vec<u8>;
    let inputs: [(&str, &str, Make); 3] = [
        ("prose", "prose.txt", |n| prose(n, true)),
        ("no-sentence-ends", "words.txt", |n| prose(n, false)),
        ("transcript", "episode.md", transcript),
    ];
    for (label, file_name, make) in inputs {
        for &mb in &sizes {
            let bytes = make(mb * MB);
            let mut runs: Vec<Run> = (0..runs).map(|_| ingest_once(rt, file_name, &bytes)).collect();
            runs.sort_by_key(|r| r.wall);
            let rate = |t: Duration| bytes.len() as f64 / MB as f64 / t.as_secs_f64().max(1e-9);
            let median = &runs[runs.len() / 2];
            println!(
                "{label:<18} {mb:>5} {:>9} {:>7} {:>10.2} {:>10.2} {:>14.2}",
                bytes.len(),
                median.chunks,
                rate(runs[0].wall),
                rate(median.wall),
                rate(median.cpu)
            );
        }
    }
    println!();
}

fn per_fixture(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let mut g = c.benchmark_group("ingest_file_db");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    for (name, bytes) in fixtures() {
        g.throughput(criterion::Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name.clone(), |b| b.iter_custom(|iters| (0..iters).map(|_| ingest_once(rt, &name, &bytes).wall).sum()));
    }
    g.finish();
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let part = std::env::var("GROWTH_INGEST_PART").unwrap_or_default();
    if part != "fixtures" {
        throughput(&rt);
    }
    if part != "throughput" {
        let mut c = Criterion::default().configure_from_args();
        per_fixture(&mut c, &rt);
        c.final_summary();
    }
}
