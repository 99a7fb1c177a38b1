//! The pipeline's live piece progress, with a generator that streams in steps the test controls.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;

use crate::domain::{ContentItem, ContentType, NewSource, SourceStatus};
use crate::generate::{
    BundlePipeline, ContentGenerator, Draft, Generation, GenerationObserver, GenerationRequest, PieceProgress, PieceState, ProgressSink,
    StreamProgress, Usage,
};
use crate::memory::InMemoryStore;
use crate::prompt::BundlePlan;
use crate::store::{SourceStore, Store};
use crate::{Error, Result};

/// Streams two drafts in three steps, waiting after each step until the sink has shown it.
#[derive(Debug)]
struct Stepwise {
    shown: watch::Receiver<Vec<PieceProgress>>,
}

fn piece(snapshot: &[PieceProgress], index: u32) -> Option<&PieceProgress> {
    snapshot.iter().find(|p| p.content_type == ContentType::LinkedinPost && p.index == index)
}

#[async_trait]
impl ContentGenerator for Stepwise {
    fn model(&self) -> &str {
        "stepwise"
    }

    async fn generate(&self, _: GenerationRequest) -> Result<Generation> {
        Err(Error::Unsupported("only generate_with_progress".into()))
    }

    async fn generate_with_progress(&self, _: GenerationRequest, observer: &dyn GenerationObserver) -> Result<Generation> {
        let steps: [&[u64]; 3] = [&[4], &[7, 2], &[7, 9]];
        for step in steps {
            observer.on_progress(&StreamProgress { output_tokens: step.iter().sum(), draft_tokens: step.to_vec() });
            let mut shown = self.shown.clone();
            shown
                .wait_for(|s| step.iter().enumerate().all(|(i, &n)| piece(s, i as u32).is_some_and(|p| p.output_tokens == n)))
                .await
                .unwrap();
        }
        let draft = |n: u32| Draft { title: None, content: format!("Piece {n}."), format: None };
        Ok(Generation {
            drafts: vec![draft(0), draft(1)],
            usage: Usage { output_tokens: 16, ..Usage::default() },
            model: "stepwise".into(),
        })
    }
}

/// Publishes every live snapshot and keeps them all.
struct Recorder {
    tx: watch::Sender<Vec<PieceProgress>>,
    all: std::sync::Mutex<Vec<Vec<PieceProgress>>>,
    fail: bool,
}

#[async_trait]
impl ProgressSink for Recorder {
    async fn report(&self, _: u8, _: &[ContentItem]) -> Result<()> {
        Ok(())
    }

    async fn pieces(&self, pieces: &[PieceProgress]) -> Result<()> {
        if self.fail {
            return Err(Error::conflict("the job's lease was lost"));
        }
        self.all.lock().unwrap().push(pieces.to_vec());
        self.tx.send_replace(pieces.to_vec());
        Ok(())
    }
}

async fn setup(fail: bool) -> (BundlePipeline, Recorder, crate::domain::SourceId) {
    let store = Arc::new(InMemoryStore::default());
    let new = NewSource {
        source_type: None,
        source_id: None,
        title: Some("Episode".into()),
        description: None,
        metadata: serde_json::json!({}),
        file_url: None,
        file_hash: None,
        transcript: Some("We killed the demo call and signups doubled.".into()),
        transcript_source: None,
    };
    let source = store.create_source(new).await.unwrap().value;
    store.set_source_status(source.id, SourceStatus::Processing, None).await.unwrap();
    store.set_source_status(source.id, SourceStatus::Completed, None).await.unwrap();
    let (tx, rx) = watch::channel(Vec::new());
    let pipeline = BundlePipeline::new(store as Arc<dyn Store>, Arc::new(Stepwise { shown: rx }), Vec::new())
        .progress_interval(std::time::Duration::ZERO);
    (pipeline, Recorder { tx, all: Default::default(), fail }, source.id)
}

fn two_posts() -> BundlePlan {
    BundlePlan { linkedin_posts: 2, pre_interview: 0, post_publish: 0, newsletter: 0, blog_post: 0 }
}

#[tokio::test]
async fn the_sink_sees_each_piece_queued_then_writing_with_its_tokens_then_saved() {
    let (pipeline, recorder, source) = setup(false).await;
    pipeline.run("b-1", source, &two_posts(), &recorder).await.unwrap();
    let all = recorder.all.lock().unwrap().clone();
    let states = |i: u32| all.iter().filter_map(|s| piece(s, i).map(|p| (p.state, p.output_tokens))).collect::<Vec<_>>();

    assert_eq!(all[0].len(), 2, "every piece of the plan is listed from the start");
    assert_eq!(states(0)[0], (PieceState::Queued, 0));
    let first = states(0);
    assert!(first.contains(&(PieceState::Writing, 4)) && first.contains(&(PieceState::Writing, 7)), "{first:?}");
    let second = states(1);
    assert!(second.contains(&(PieceState::Queued, 0)) && second.contains(&(PieceState::Writing, 2)), "{second:?}");
    assert!(second.contains(&(PieceState::Writing, 9)), "{second:?}");
    let last = all.last().unwrap();
    assert_eq!(
        last.iter().map(|p| (p.index, p.state, p.output_tokens)).collect::<Vec<_>>(),
        vec![(0, PieceState::Saved, 7), (1, PieceState::Saved, 9)]
    );
    // States only move forward.
    let rank =
        |s: PieceState| [PieceState::Queued, PieceState::Writing, PieceState::Checking, PieceState::Saved].iter().position(|x| *x == s);
    for i in 0..2 {
        let ranks: Vec<_> = states(i).iter().map(|(s, _)| rank(*s)).collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "piece {i}: {:?}", states(i));
    }
}

#[tokio::test]
async fn a_failing_sink_stops_the_run() {
    let (pipeline, recorder, source) = setup(true).await;
    let err = pipeline.run("b-2", source, &two_posts(), &recorder).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
}
