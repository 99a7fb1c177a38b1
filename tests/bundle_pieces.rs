//! Two runs of one generate job at once (a job whose lease lapsed while its first worker still
//! ran, before that worker's handler was stopped) save every piece of the bundle **once**: the
//! store's unique (bundle, piece) key makes the pipeline's save insert-or-get (issue 12 item 9).
//! The generator holds each request until the other run asks for the same one, so both runs
//! generate every piece before either saves it — the race the key exists for. SQLite always;
//! PostgreSQL with `GROWTH_TEST_DATABASE_URL` (required with `GROWTH_REQUIRE_POSTGRES=1`).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use growth_core::domain::{ContentFilter, ContentType, NewSource, SourceStatus, TranscriptSource};
use growth_core::generate::{BundlePipeline, ContentGenerator, Generation, GenerationRequest, NoProgress};
use growth_core::prompt::BundlePlan;
use growth_core::quality::{QualityConfig, builtin_gates};
use growth_core::store::Store;
use growth_core::{Clock, SystemClock, transcript};
use growth_llm::offline::ExtractiveGenerator;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/growth-core/tests/fixtures/transcripts/changelog/founders-talk-60.md");

/// The offline generator, but each request waits (up to 5 s) until the other run made the same one.
#[derive(Debug)]
struct Meets {
    inner: ExtractiveGenerator,
    rendezvous: Mutex<HashMap<ContentType, Arc<tokio::sync::Barrier>>>,
    calls: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl ContentGenerator for Meets {
    fn model(&self) -> &str {
        "meets-extractive"
    }
    async fn generate(&self, req: GenerationRequest) -> growth_core::Result<Generation> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let barrier =
            self.rendezvous.lock().unwrap().entry(req.content_type).or_insert_with(|| Arc::new(tokio::sync::Barrier::new(2))).clone();
        let _ = tokio::time::timeout(Duration::from_secs(5), barrier.wait()).await;
        self.inner.generate(req).await
    }
}

async fn two_runs_save_each_piece_once(store: Arc<dyn Store>, label: &str) {
    let bytes = std::fs::read(FIXTURE).unwrap();
    let text = transcript::parse(&bytes, None).unwrap().transcript.to_text();
    let new = NewSource {
        title: Some("Founders Talk 60".into()),
        transcript: Some(text),
        transcript_source: Some(TranscriptSource::Manual),
        ..NewSource::default()
    };
    let source = store.create_source(new).await.unwrap().value.id;
    store.set_source_status(source, SourceStatus::Processing, None).await.unwrap();
    store.set_source_status(source, SourceStatus::Completed, None).await.unwrap();

    let generator =
        Arc::new(Meets { inner: ExtractiveGenerator::with_defaults().unwrap(), rendezvous: Mutex::default(), calls: Default::default() });
    let gates = builtin_gates(&QualityConfig::default()).unwrap();
    let pipeline = BundlePipeline::new(store.clone(), generator.clone(), gates);
    let plan = BundlePlan::default();
    let (first, second) =
        tokio::join!(pipeline.run("job-7", source, &plan, &NoProgress), pipeline.run("job-7", source, &plan, &NoProgress));
    let (first, second) = (first.expect("the first run ends without an error"), second.expect("the second run ends without an error"));

    assert_eq!(generator.calls.load(std::sync::atomic::Ordering::SeqCst), 10, "both runs generated every request (the race happened)");
    let saved = store.list_content(&ContentFilter { source_id: Some(source), limit: 100, ..ContentFilter::default() }).await.unwrap();
    assert_eq!(saved.len(), 11, "one row per piece of the bundle, not two: {}", saved.len());
    let keys: HashSet<String> = saved.iter().map(|i| i.platform_data["growth_bundle"]["piece"].as_str().unwrap().to_owned()).collect();
    assert_eq!(keys.len(), 11, "every piece once: {keys:?}");
    let ids = |o: &growth_core::generate::BundleOutcome| o.items.iter().map(|i| i.id).collect::<HashSet<_>>();
    assert_eq!(ids(&first), ids(&second), "both runs answer the same saved items");
    assert_eq!(ids(&first), saved.iter().map(|i| i.id).collect::<HashSet<_>>());
    for piece in &keys {
        assert!(store.get_bundle_piece("job-7", piece).await.unwrap().is_some(), "{piece} is keyed");
    }
    eprintln!("{label}: 2 concurrent runs, 10 generator calls, 11 pieces saved once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_sqlite_two_concurrent_runs_of_one_bundle_save_each_piece_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let db = growth_store::Database::connect(&format!("sqlite://{}", dir.path().join("bundle.db").display()), clock).await.unwrap();
    db.migrate().await.unwrap();
    two_runs_save_each_piece_once(db.store(), "SQLite").await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_postgres_two_concurrent_runs_of_one_bundle_save_each_piece_once() {
    let url = match std::env::var("GROWTH_TEST_DATABASE_URL") {
        Ok(url) => url,
        Err(_) if std::env::var("GROWTH_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("GROWTH_REQUIRE_POSTGRES=1 but GROWTH_TEST_DATABASE_URL is not set")
        }
        Err(_) => return eprintln!("skipped: set GROWTH_TEST_DATABASE_URL to run on PostgreSQL"),
    };
    let name = format!("growth_bundles_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
    let mut db_url = url::Url::parse(&url).unwrap();
    db_url.set_path(&name);
    let db = growth_store::Database::connect(db_url.as_str(), Arc::new(SystemClock)).await.unwrap();
    db.migrate().await.unwrap();
    two_runs_save_each_piece_once(db.store(), "PostgreSQL").await;
    db.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).execute(&admin).await.unwrap();
}
