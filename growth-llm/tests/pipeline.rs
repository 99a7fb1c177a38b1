#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
//! The bundle pipeline end to end on the offline generator: a real transcript in, 11 reviewed
//! pieces saved in review; a crashed run resumes without generating twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use growth_core::domain::{ContentStatus, ContentType, NewSource, SourceStatus, TranscriptSource};
use growth_core::generate::{BundlePipeline, NoProgress, PieceProgress, PieceState, Price, PriceTable, ProgressSink};
use growth_core::generate::{ContentGenerator, Generation, GenerationRequest};
use growth_core::memory::InMemoryStore;
use growth_core::prompt::BundlePlan;
use growth_core::quality::{QualityConfig, builtin_gates};
use growth_core::store::{ContentStore, SourceStore, Store};
use growth_core::{Error, Result, transcript};
use growth_llm::offline::ExtractiveGenerator;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../growth-core/tests/fixtures/transcripts");

async fn source(store: &InMemoryStore, rel: &str) -> growth_core::domain::SourceId {
    let bytes = std::fs::read(format!("{FIXTURES}/{rel}")).unwrap();
    let text = transcript::parse(&bytes, None).unwrap().transcript.to_text();
    let new = NewSource {
        source_type: None,
        source_id: None,
        title: Some("Founders Talk 60".into()),
        description: None,
        metadata: serde_json::json!({}),
        file_url: None,
        file_hash: None,
        transcript: Some(text),
        transcript_source: Some(TranscriptSource::Manual),
    };
    let s = store.create_source(new).await.unwrap().value;
    store.set_source_status(s.id, SourceStatus::Processing, None).await.unwrap();
    store.set_source_status(s.id, SourceStatus::Completed, None).await.unwrap();
    s.id
}

/// Counts calls per content type and fails the first `fail` newsletter calls.
#[derive(Debug)]
struct Flaky {
    inner: ExtractiveGenerator,
    calls: AtomicUsize,
    newsletter_failures: AtomicUsize,
}

#[async_trait]
impl ContentGenerator for Flaky {
    fn model(&self) -> &str {
        "flaky-extractive"
    }
    async fn generate(&self, req: GenerationRequest) -> Result<Generation> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if req.content_type == ContentType::Newsletter && self.newsletter_failures.load(Ordering::SeqCst) > 0 {
            self.newsletter_failures.fetch_sub(1, Ordering::SeqCst);
            return Err(Error::transient("model overloaded"));
        }
        let mut g = self.inner.generate(req).await?;
        g.usage.input_tokens = 1000;
        g.usage.output_tokens = 100;
        Ok(g)
    }
}

#[derive(Default)]
struct Seen(std::sync::Mutex<Vec<u8>>, std::sync::Mutex<Vec<Vec<PieceProgress>>>);

#[async_trait]
impl ProgressSink for Seen {
    async fn report(&self, percent: u8, _: &[growth_core::domain::ContentItem]) -> Result<()> {
        self.0.lock().unwrap().push(percent);
        Ok(())
    }

    async fn pieces(&self, pieces: &[PieceProgress]) -> Result<()> {
        self.1.lock().unwrap().push(pieces.to_vec());
        Ok(())
    }
}

#[tokio::test]
async fn a_transcript_becomes_eleven_reviewed_pieces_in_review() {
    let store = Arc::new(InMemoryStore::default());
    let id = source(&store, "changelog/founders-talk-60.md").await;
    let gates = builtin_gates(&QualityConfig::default()).unwrap();
    let bundle_gates = growth_core::quality::BuiltinGates::new(&QualityConfig::default()).unwrap().bundle_gates();
    let pipeline = BundlePipeline::new(store.clone() as Arc<dyn Store>, Arc::new(ExtractiveGenerator::with_defaults().unwrap()), gates)
        .bundle_gates(bundle_gates);
    let seen = Seen::default();
    let out = pipeline.run("job-1", id, &BundlePlan::default(), &seen).await.unwrap();
    assert_eq!(out.items.len(), 11);
    let types: Vec<ContentType> = out.items.iter().map(|i| i.content_type).collect();
    assert_eq!(types.iter().filter(|t| **t == ContentType::LinkedinPost).count(), 7);
    assert_eq!(types[7..], [ContentType::PreInterview, ContentType::PostPublish, ContentType::Newsletter, ContentType::BlogPost]);
    for item in &out.items {
        assert_eq!(item.status, ContentStatus::InReview);
        assert_eq!(item.version, 1);
        assert_eq!(item.source_id, Some(id));
        assert!(item.quality.ai_detection_score.is_some(), "scores are stored");
        assert_eq!(item.quality.verdicts.len(), 8, "every gate's verdict is kept, the two bundle gates' last");
        for gate in ["repetition", "attribution"] {
            let v = item.quality.verdicts.iter().find(|v| v.gate == gate).unwrap();
            assert!(v.passed, "{gate}: {:?}", v.findings);
        }
        assert_eq!(item.platform_data["growth_bundle"]["bundle"], "job-1");
        let attempts = item.platform_data["growth_bundle"]["attempts"].as_array().unwrap();
        assert!(!attempts.is_empty() && attempts.len() <= 4, "every attempt is kept: {attempts:?}");
        assert_eq!(attempts[0]["attempt"], 0);
    }
    let progress = seen.0.lock().unwrap().clone();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]) && progress.last() == Some(&100), "{progress:?}");
    assert!(progress.len() >= 12, "progress moves as pieces are saved: {progress:?}");
    // The offline generator does not stream: it reports each answer once, when written.
    let pieces = seen.1.lock().unwrap().clone();
    assert!(pieces[0].iter().all(|p| p.state == PieceState::Queued && p.output_tokens == 0), "{:?}", pieces[0]);
    let last = pieces.last().unwrap();
    assert_eq!(last.len(), 11);
    assert!(last.iter().all(|p| p.state == PieceState::Saved && p.output_tokens > 0), "{last:?}");
    assert_eq!(
        last.iter().filter(|p| p.content_type == ContentType::LinkedinPost).map(|p| p.index).collect::<Vec<_>>(),
        (0..7).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_failed_run_resumes_without_generating_what_is_saved_and_prices_the_tokens() {
    let store = Arc::new(InMemoryStore::default());
    let id = source(&store, "changelog/founders-talk-60.md").await;
    let generator = Arc::new(Flaky {
        inner: ExtractiveGenerator::with_defaults().unwrap(),
        calls: AtomicUsize::new(0),
        newsletter_failures: AtomicUsize::new(1),
    });
    let prices = PriceTable {
        models: [("flaky-extractive".to_owned(), Price { input: 3.0, output: 15.0, cache_write: 3.75, cache_read: 0.3 })].into(),
        default: None,
    };
    let pipeline = BundlePipeline::new(store.clone() as Arc<dyn Store>, generator.clone(), Vec::new()).prices(prices);
    let err = pipeline.run("job-2", id, &BundlePlan::default(), &NoProgress).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    let saved = store.list_content(&Default::default()).await.unwrap();
    assert_eq!(saved.len(), 10, "everything but the newsletter is kept");
    let first_calls = generator.calls.load(Ordering::SeqCst);
    assert_eq!(first_calls, 5, "one request per content type");

    let out = pipeline.run("job-2", id, &BundlePlan::default(), &NoProgress).await.unwrap();
    assert_eq!(out.resumed, 10);
    assert_eq!(out.items.len(), 11);
    assert_eq!(generator.calls.load(Ordering::SeqCst) - first_calls, 1, "only the newsletter is generated again");
    assert_eq!(store.list_content(&Default::default()).await.unwrap().len(), 11, "nothing saved twice");
    assert_eq!((out.usage.input_tokens, out.usage.output_tokens), (1000, 100));
    assert!((out.estimated_cost_usd - (1000.0 * 3.0 + 100.0 * 15.0) / 1e6).abs() < 1e-12, "{}", out.estimated_cost_usd);
    let newsletter = out.items.iter().find(|i| i.content_type == ContentType::Newsletter).unwrap();
    assert_eq!(newsletter.platform_data["growth_bundle"]["usage"]["input_tokens"], 1000);
}

#[tokio::test]
async fn a_source_that_is_not_completed_is_refused() {
    let store = Arc::new(InMemoryStore::default());
    let new = NewSource {
        source_type: None,
        source_id: None,
        title: None,
        description: None,
        metadata: serde_json::json!({}),
        file_url: None,
        file_hash: None,
        transcript: None,
        transcript_source: None,
    };
    let s = store.create_source(new).await.unwrap().value;
    let pipeline =
        BundlePipeline::new(store.clone() as Arc<dyn Store>, Arc::new(ExtractiveGenerator::with_defaults().unwrap()), Vec::new());
    let err = pipeline.run("job-3", s.id, &BundlePlan::default(), &NoProgress).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
}
