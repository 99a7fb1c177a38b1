//! The embedded vector store on both backends: the `VectorStore` conformance suite, persistence,
//! configuration checks, content hashes, several instances on one database, and exact top-k
//! against the in-memory reference on random data.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests: a failed setup should abort the test loudly")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use growth_core::memory::InMemoryVectorStore;
use growth_core::vector::{Metadata, MetadataFilter, VectorQuery, VectorRecord, VectorStore};
use growth_core::{Error, SystemClock, testkit};
use growth_store::{Database, HashedRecord, SqlVectorStore};
use serde_json::json;

const MODEL: &str = "test-embedding";

/// Two independent connections to one fresh database (two "instances" or a reopen).
struct Pair {
    a: Database,
    b: Database,
}

/// The pair and the directory holding its file (kept by the caller for the whole check).
async fn sqlite_pair() -> (Pair, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vectors.db");
    let url = path.to_str().unwrap().to_owned();
    let a = Database::Sqlite(growth_store::SqliteStore::connect(&url, Arc::new(SystemClock)).await.unwrap());
    a.migrate().await.unwrap();
    let b = Database::Sqlite(growth_store::SqliteStore::connect(&url, Arc::new(SystemClock)).await.unwrap());
    (Pair { a, b }, dir)
}

async fn pg_pair(url: &str, schemas: &common::Schemas) -> Pair {
    let schema = schemas.fresh_name();
    let connect =
        || async { Database::Postgres(growth_store::PgStore::connect_in_schema(url, Some(&schema), Arc::new(SystemClock)).await.unwrap()) };
    let a = connect().await;
    a.migrate().await.unwrap();
    let b = connect().await;
    Pair { a, b }
}

/// Runs `check` on SQLite, then on PostgreSQL when configured.
async fn on_both<F, Fut>(check: F)
where
    F: Fn(Pair) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (pair, _dir) = sqlite_pair().await;
    check(pair).await;
    if let Some(url) = common::pg_url() {
        let schemas = common::Schemas::default();
        check(pg_pair(&url, &schemas).await).await;
        schemas.drop_all(&url).await;
    }
}

fn rec(id: &str, values: Vec<f32>, kind: &str) -> VectorRecord {
    VectorRecord { id: id.into(), values, metadata: Metadata::from([("kind".to_owned(), json!(kind))]) }
}

fn q(ns: &str, vector: Vec<f32>, top_k: usize) -> VectorQuery {
    VectorQuery { namespace: ns.into(), vector, top_k, filter: None }
}

async fn ids(s: &dyn VectorStore, query: VectorQuery) -> Vec<String> {
    s.query(query).await.unwrap().into_iter().map(|r| r.id).collect()
}

#[tokio::test]
async fn sqlite_passes_the_vector_store_suite() {
    testkit::vector::run_all(|| async {
        let db = Database::Sqlite(common::sqlite(Arc::new(SystemClock)).await);
        Arc::new(SqlVectorStore::open(&db, 3, MODEL).await.unwrap()) as Arc<dyn VectorStore>
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_vector_store_suite() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    testkit::vector::run_all(|| {
        let (url, schemas) = (url.clone(), schemas.clone());
        async move {
            let db = Database::Postgres(common::postgres(&url, &schemas, Arc::new(SystemClock)).await);
            Arc::new(SqlVectorStore::open(&db, 3, MODEL).await.unwrap()) as Arc<dyn VectorStore>
        }
    })
    .await;
    schemas.drop_all(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vectors_survive_closing_and_reopening_the_database() {
    on_both(|p| async move {
        let s = SqlVectorStore::open(&p.a, 3, MODEL).await.unwrap();
        s.upsert("kb", vec![rec("x", vec![1.0, 0.0, 0.0], "a"), rec("y", vec![0.0, 1.0, 0.0], "b")]).await.unwrap();
        assert_eq!(ids(&s, q("kb", vec![1.0, 0.0, 0.0], 1)).await, ["x"]);
        drop(s);
        p.a.close().await;
        let reopened = SqlVectorStore::open(&p.b, 3, MODEL).await.unwrap();
        let m = reopened.query(q("kb", vec![0.0, 1.0, 0.0], 2)).await.unwrap();
        assert_eq!(m.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["y", "x"]);
        assert_eq!(m[0].metadata.get("kind"), Some(&json!("b")));
        assert!((m[0].score - 1.0).abs() < 1e-6);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_with_another_dimension_or_model_than_the_index_holds_is_a_config_error() {
    on_both(|p| async move {
        let s = SqlVectorStore::open(&p.a, 3, "text-embedding-3-small").await.unwrap();
        s.upsert("kb", vec![rec("x", vec![1.0, 0.0, 0.0], "a")]).await.unwrap();

        let Err(Error::Config(msg)) = SqlVectorStore::open(&p.b, 4, "text-embedding-3-large").await else {
            panic!("dimension change accepted")
        };
        assert!(msg.contains("3-dim vectors of model `text-embedding-3-small`"), "{msg}");
        assert!(msg.contains("configured 4-dim vectors of model `text-embedding-3-large`"), "{msg}");
        assert!(matches!(SqlVectorStore::open(&p.b, 3, "other-model").await, Err(Error::Config(_))));
        assert!(matches!(SqlVectorStore::open(&p.b, 0, "m").await, Err(Error::Config(_))));
        assert!(SqlVectorStore::open(&p.b, 3, "text-embedding-3-small").await.is_ok());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_configured_differently_is_refused_on_a_namespace_created_after_it_opened() {
    on_both(|p| async move {
        let small = SqlVectorStore::open(&p.a, 3, "m-small").await.unwrap();
        let large = SqlVectorStore::open(&p.b, 3, "m-large").await.unwrap();
        small.upsert("kb", vec![rec("x", vec![1.0, 0.0, 0.0], "a")]).await.unwrap();
        assert!(matches!(large.upsert("kb", vec![rec("y", vec![0.0, 1.0, 0.0], "a")]).await, Err(Error::Config(_))));
        assert!(matches!(large.query(q("kb", vec![1.0, 0.0, 0.0], 1)).await, Err(Error::Config(_))));
        assert_eq!(ids(&small, q("kb", vec![0.0, 1.0, 0.0], 5)).await, ["x"], "the refused write stored nothing");
    })
    .await;
}

/// Embeds only chunks whose text changed since they were indexed, as the indexer does.
async fn index_chunks(store: &SqlVectorStore, embeds: &AtomicUsize, chunks: &[(&str, &str)]) {
    let mut changed = Vec::new();
    for (id, text) in chunks {
        let hash = format!("{:x}", fnv(text));
        if store.content_hash("kb", id).await.unwrap().as_deref() != Some(hash.as_str()) {
            changed.push((id, text, hash));
        }
    }
    let mut records = Vec::new();
    for (id, text, hash) in changed {
        embeds.fetch_add(1, Ordering::SeqCst);
        let values = vec![text.len() as f32, 1.0, 0.0];
        records.push(HashedRecord { record: rec(id, values, "chunk"), content_hash: hash });
    }
    store.upsert_hashed("kb", records).await.unwrap();
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_indexing_unchanged_text_does_not_embed_it_again() {
    on_both(|p| async move {
        let s = SqlVectorStore::open(&p.a, 3, MODEL).await.unwrap();
        let embeds = AtomicUsize::new(0);
        index_chunks(&s, &embeds, &[("c1", "pricing matters"), ("c2", "onboarding wins")]).await;
        assert_eq!(embeds.load(Ordering::SeqCst), 2);
        index_chunks(&s, &embeds, &[("c1", "pricing matters"), ("c2", "onboarding wins")]).await;
        assert_eq!(embeds.load(Ordering::SeqCst), 2, "unchanged text was embedded again");
        index_chunks(&s, &embeds, &[("c1", "pricing matters"), ("c2", "onboarding wins, mostly")]).await;
        assert_eq!(embeds.load(Ordering::SeqCst), 3);

        // Another instance sees the hashes; a plain upsert clears the hash of what it replaces.
        let other = SqlVectorStore::open(&p.b, 3, MODEL).await.unwrap();
        assert_eq!(other.content_hash("kb", "c1").await.unwrap(), Some(format!("{:x}", fnv("pricing matters"))));
        other.upsert("kb", vec![rec("c1", vec![1.0, 1.0, 1.0], "chunk")]).await.unwrap();
        assert_eq!(s.content_hash("kb", "c1").await.unwrap(), None);
        assert_eq!(s.content_hash("kb", "missing").await.unwrap(), None);
        assert_eq!(s.content_hash("other-namespace", "c2").await.unwrap(), None);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_instance_is_seen_by_the_next_query_through_another() {
    on_both(|p| async move {
        let writer = SqlVectorStore::open(&p.a, 3, MODEL).await.unwrap();
        let reader = SqlVectorStore::open(&p.b, 3, MODEL).await.unwrap();
        let all = || q("kb", vec![1.0, 0.0, 0.0], 10);
        assert!(ids(&reader, all()).await.is_empty());
        writer.upsert("kb", vec![rec("x", vec![1.0, 0.0, 0.0], "a")]).await.unwrap();
        assert_eq!(ids(&reader, all()).await, ["x"]); // loads and caches the namespace
        writer.upsert("kb", vec![rec("y", vec![1.0, 0.1, 0.0], "a")]).await.unwrap();
        assert_eq!(ids(&reader, all()).await, ["x", "y"]);
        writer.upsert("kb", vec![rec("x", vec![0.0, 0.0, 1.0], "moved")]).await.unwrap();
        let m = reader.query(all()).await.unwrap();
        assert_eq!(m.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["y", "x"]);
        assert_eq!(m[1].metadata.get("kind"), Some(&json!("moved")));
        writer.delete("kb", &["y".into()]).await.unwrap();
        assert_eq!(ids(&reader, all()).await, ["x"]);
        // And the other way round, with the writer's own cache warm.
        assert_eq!(ids(&writer, all()).await, ["x"]);
        reader.upsert("kb", vec![rec("z", vec![1.0, 0.0, 0.0], "a")]).await.unwrap();
        assert_eq!(ids(&writer, all()).await, ["z", "x"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nan_and_infinity_are_refused_and_the_batch_stores_nothing() {
    on_both(|p| async move {
        let s = SqlVectorStore::open(&p.a, 3, MODEL).await.unwrap();
        s.upsert("kb", vec![rec("keep", vec![0.0, 1.0, 0.0], "a")]).await.unwrap();
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let r = s.upsert("kb", vec![rec("ok", vec![1.0, 0.0, 0.0], "a"), rec("bad", vec![bad, 0.0, 0.0], "a")]).await;
            assert!(matches!(r, Err(Error::InvalidInput { .. })), "{r:?}");
            let q = q("kb", vec![bad, 0.0, 0.0], 1);
            assert!(matches!(s.query(q).await, Err(Error::InvalidInput { .. })));
        }
        assert_eq!(ids(&s, q("kb", vec![1.0, 0.0, 0.0], 10)).await, ["keep"]);
        assert!(s.query(q("kb", vec![1.0, 0.0, 0.0], 0)).await.unwrap().is_empty());
    })
    .await;
}

/// A fixed-seed generator (splitmix64): reproducible data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn float(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    fn vector(&mut self, dims: usize) -> Vec<f32> {
        (0..dims).map(|_| self.float()).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_k_equals_the_brute_force_reference_on_random_data() {
    const DIMS: usize = 24;
    on_both(|p| async move {
        let s = SqlVectorStore::open(&p.a, DIMS, MODEL).await.unwrap();
        let reference = InMemoryVectorStore::new(DIMS);
        let mut rng = Rng(42);
        let kinds = ["playbook", "framework", "story"];
        let records: Vec<VectorRecord> = (0..600)
            .map(|i| {
                let mut r = rec(&format!("v{i:04}"), rng.vector(DIMS), kinds[(rng.next() % 3) as usize]);
                if i % 7 == 0 {
                    r.metadata.insert("tags".into(), json!(["plg", "seo"]));
                }
                r
            })
            .collect();
        for batch in records.chunks(150) {
            s.upsert("kb", batch.to_vec()).await.unwrap();
            reference.upsert("kb", batch.to_vec()).await.unwrap();
        }
        let filters = [
            None,
            Some(MetadataFilter::Eq("kind".into(), json!("story"))),
            Some(MetadataFilter::Or(vec![
                MetadataFilter::Eq("tags".into(), json!("seo")),
                MetadataFilter::In("kind".into(), vec![json!("framework")]),
            ])),
        ];
        for i in 0..30 {
            let query = VectorQuery {
                namespace: "kb".into(),
                vector: rng.vector(DIMS),
                top_k: [1, 5, 10, 700][i % 4],
                filter: filters[i % 3].clone(),
            };
            let got = s.query(query.clone()).await.unwrap();
            let want = reference.query(query).await.unwrap();
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.id, w.id, "query {i}");
                assert!((g.score - w.score).abs() < 1e-5, "query {i}: {} vs {}", g.score, w.score);
                assert_eq!(g.metadata, w.metadata);
            }
        }
        let ix = s.index("kb").await.unwrap().unwrap();
        assert_eq!(ix.len(), 600);
        assert_eq!(ix.raw_bytes(), 600 * DIMS * 4);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_namespace_is_searched_off_the_runtime_and_held_in_little_more_than_its_raw_bytes() {
    const DIMS: usize = 1536;
    on_both(|p| async move {
        let s = p.a.vectors(DIMS, MODEL).await.unwrap();
        let mut rng = Rng(7);
        let records: Vec<VectorRecord> = (0..700).map(|i| rec(&format!("chunk-{i:04}"), rng.vector(DIMS), "chunk")).collect();
        let target = records[123].values.clone();
        s.upsert("big", records).await.unwrap();
        // 700 x 1536 floats is above the size searched on a blocking thread.
        let m = s.query(q("big", target, 3)).await.unwrap();
        assert_eq!(m[0].id, "chunk-0123");
        assert!((m[0].score - 1.0).abs() < 1e-5);
        assert!(m[1].score < 0.2, "random 1536-dim vectors are nearly orthogonal: {}", m[1].score);
        let ix = s.index("big").await.unwrap().unwrap();
        let ratio = ix.allocated_bytes() as f64 / ix.raw_bytes() as f64;
        assert!(ratio <= 1.2, "index holds {ratio:.3} x the raw vector bytes");
    })
    .await;
}
