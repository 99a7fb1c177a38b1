//! Slow uploads (PDF, audio) finish in a job: the request only stores; a transcription's id is
//! saved before the wait so nothing paid for is lost; stuck sources are swept to `failed` with a
//! reason, and the same upload resumes them; every kind has its size limit.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{Duration as Span, TimeZone, Utc};
use growth_core::blob::BlobStore;
use growth_core::clock::{Clock, ManualClock};
use growth_core::domain::{Segment, SourceStatus, Transcript, TranscriptSource};
use growth_core::ingest::{
    Accepted, FileKind, IngestLimits, ManualInput, ManualSource, ProcessSourceJob, SourceIngest, StaleSweep, Started, Transcriber,
    TranscriptionRequest,
};
use growth_core::memory::{InMemoryBlobStore, InMemoryStore};
use growth_core::store::{SourceStore, Store};
use growth_core::{Error, Result};

const MP3: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00fake-frames";

/// A transcriber with job ids: `start` counts (each start is paid for); `resume` fails with a
/// transient error while `flaky` > 0.
#[derive(Debug, Default)]
struct PaidTranscriber {
    starts: AtomicUsize,
    resumes: AtomicUsize,
    flaky: AtomicUsize,
}

#[async_trait]
impl Transcriber for PaidTranscriber {
    fn name(&self) -> &'static str {
        "assemblyai"
    }

    async fn transcribe(&self, _req: TranscriptionRequest) -> Result<Transcript> {
        unreachable!("the job path starts and resumes")
    }

    async fn start(&self, _req: TranscriptionRequest) -> Result<Started> {
        let n = self.starts.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Started::Pending(format!("tr-{n}")))
    }

    async fn resume(&self, id: &str) -> Result<Transcript> {
        self.resumes.fetch_add(1, Ordering::SeqCst);
        if self.flaky.load(Ordering::SeqCst) > 0 {
            self.flaky.fetch_sub(1, Ordering::SeqCst);
            return Err(Error::transient("assemblyai: 503"));
        }
        Ok(Transcript {
            segments: vec![Segment { speaker: Some("A".into()), start_ms: Some(0), end_ms: Some(900), text: format!("transcript {id}") }],
        })
    }
}

struct Rig {
    ingest: SourceIngest,
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
    transcriber: Arc<PaidTranscriber>,
}

fn rig() -> Rig {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()));
    let store = Arc::new(InMemoryStore::new(clock.clone()));
    let blobs = Arc::new(InMemoryBlobStore::default());
    let transcriber = Arc::new(PaidTranscriber::default());
    let ingest = SourceIngest::new(store.clone() as Arc<dyn Store>, blobs as Arc<dyn BlobStore>, Some(transcriber.clone() as _));
    Rig { ingest, store, clock, transcriber }
}

fn file(name: &str, bytes: &[u8]) -> ManualSource {
    ManualSource::new(ManualInput::File { file_name: name.into(), bytes: Bytes::copy_from_slice(bytes), format: None })
}

async fn queued(ingest: &SourceIngest, req: ManualSource) -> (growth_core::domain::ContentSource, bool, Option<ProcessSourceJob>) {
    match ingest.accept_manual(req).await.unwrap() {
        Accepted::Queued { source, created, kind, job } => {
            assert_eq!(kind, FileKind::Audio);
            (source, created, job)
        }
        Accepted::Done(got) => panic!("audio must be queued, got {:?}", got.source.status),
    }
}

#[tokio::test]
async fn an_audio_upload_only_stores_and_the_job_transcribes_it() {
    let r = rig();
    let (source, created, job) = queued(&r.ingest, file("ep47.mp3", MP3)).await;
    assert!(created);
    assert_eq!(source.status, SourceStatus::Ingested);
    assert_eq!(r.transcriber.starts.load(Ordering::SeqCst), 0, "nothing is transcribed inside the request");
    let done = r.ingest.process_upload(&job.unwrap()).await.unwrap();
    assert_eq!(done.status, SourceStatus::Completed);
    assert_eq!(done.transcript.as_deref(), Some("A: transcript tr-1"));
    assert_eq!(done.transcript_source, Some(TranscriptSource::Assemblyai));
    assert_eq!(done.metadata["transcription"], serde_json::json!({"provider": "assemblyai", "id": "tr-1"}));
    // The same file again: the same source, nothing to do.
    let (again, created, job) = queued(&r.ingest, file("renamed.mp3", MP3)).await;
    assert!(!created && job.is_none());
    assert_eq!(again.id, done.id);
}

#[tokio::test]
async fn a_retry_waits_for_the_saved_transcription_instead_of_paying_again() {
    let r = rig();
    r.transcriber.flaky.store(2, Ordering::SeqCst);
    let (_, _, job) = queued(&r.ingest, file("ep47.mp3", MP3)).await;
    let job = job.unwrap();
    for _ in 0..2 {
        let e = r.ingest.process_upload(&job).await.unwrap_err();
        assert!(e.is_retryable(), "{e}");
        let s = r.store.get_source(job.source_id).await.unwrap();
        assert_eq!(s.status, SourceStatus::Processing, "a retryable failure leaves it processing for the retry");
        assert_eq!(s.metadata["transcription"]["id"], "tr-1", "the id is saved before the wait");
    }
    let done = r.ingest.process_upload(&job).await.unwrap();
    assert_eq!(done.status, SourceStatus::Completed);
    assert_eq!(r.transcriber.starts.load(Ordering::SeqCst), 1, "one paid transcription for three attempts");
    assert_eq!(r.transcriber.resumes.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_stuck_source_is_swept_to_failed_and_the_same_upload_resumes_it_without_paying_again() {
    let r = rig();
    r.transcriber.flaky.store(1, Ordering::SeqCst);
    let (_, _, job) = queued(&r.ingest, file("ep47.mp3", MP3)).await;
    let job = job.unwrap();
    // The worker dies mid-wait: the source stays `processing` with the transcription's id saved.
    assert!(r.ingest.process_upload(&job).await.is_err());
    let sweep =
        StaleSweep::new(r.store.clone() as Arc<dyn SourceStore>, r.clock.clone() as Arc<dyn Clock>, std::time::Duration::from_secs(3600))
            .unwrap();
    r.clock.advance(Span::minutes(59));
    assert!(sweep.run_once().await.unwrap().is_empty(), "not stale yet");
    r.clock.advance(Span::minutes(2));
    let failed = sweep.run_once().await.unwrap();
    assert_eq!(failed.len(), 1);
    let reason = failed[0].failure_reason.clone().unwrap();
    assert!(reason.contains("60 minutes") && reason.contains("upload the same file again"), "{reason}");
    // The same file again resumes it: a new job, which waits for the saved transcription.
    let (again, created, job2) = queued(&r.ingest, file("ep47.mp3", MP3)).await;
    assert!(!created);
    assert_eq!(again.status, SourceStatus::Failed);
    let job2 = job2.expect("a failed source is processed again");
    assert_ne!(ProcessSourceJob::dedupe_key(&again), format!("process_source:{}", again.id), "a new attempt gets a new job");
    let done = r.ingest.process_upload(&job2).await.unwrap();
    assert_eq!(done.status, SourceStatus::Completed);
    assert_eq!(r.transcriber.starts.load(Ordering::SeqCst), 1, "the resumed source did not pay for a second transcription");
}

#[tokio::test]
async fn a_source_left_ingested_by_a_crash_before_its_job_is_swept_too() {
    let r = rig();
    let (source, _, _job_never_enqueued) = queued(&r.ingest, file("ep47.mp3", MP3)).await;
    let sweep =
        StaleSweep::new(r.store.clone() as Arc<dyn SourceStore>, r.clock.clone() as Arc<dyn Clock>, std::time::Duration::from_secs(600))
            .unwrap();
    r.clock.advance(Span::minutes(11));
    let failed = sweep.run_once().await.unwrap();
    assert_eq!(failed.iter().map(|s| s.id).collect::<Vec<_>>(), vec![source.id]);
    assert!(
        StaleSweep::new(r.store.clone() as Arc<dyn SourceStore>, r.clock.clone() as Arc<dyn Clock>, std::time::Duration::from_secs(5))
            .is_err()
    );
}

#[tokio::test]
async fn a_permanent_failure_fails_the_source_with_the_reason() {
    let r = rig();
    let store = r.store.clone();
    let ingest = SourceIngest::new(store.clone() as Arc<dyn Store>, Arc::new(InMemoryBlobStore::default()), None);
    let Accepted::Queued { job: Some(job), .. } = ingest.accept_manual(file("ep.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ")).await.unwrap()
    else {
        panic!("queued")
    };
    let s = ingest.process_upload(&job).await.unwrap();
    assert_eq!(s.status, SourceStatus::Failed);
    assert!(s.failure_reason.unwrap().contains("transcriber"));
}

#[tokio::test]
async fn each_kind_has_its_size_limit_and_over_it_nothing_is_written() {
    let r = rig();
    let ingest = r.ingest.clone().with_limits(IngestLimits { max_transcript_bytes: 1_000, max_audio_bytes: 20 });
    let big_text = "Wes: free trials are not product-led growth. ".repeat(40);
    for req in [
        ManualSource::new(ManualInput::Text(big_text.clone())),
        file("talk.txt", big_text.as_bytes()),
        file("ep.mp3", &[MP3, &[0u8; 64]].concat()),
    ] {
        let e = ingest.accept_manual(req).await.unwrap_err();
        let Error::TooLarge { limit, setting, .. } = &e else { panic!("{e}") };
        assert!(*limit == 1_000 || *limit == 20, "{e}");
        assert!(setting.starts_with("ingest."), "{e}");
    }
    assert!(r.store.list_sources(10, 0).await.unwrap().is_empty(), "nothing was written");
    // Under the limit the same text goes in at once.
    let Accepted::Done(got) = ingest.accept_manual(ManualSource::new(ManualInput::Text("Wes: short".into()))).await.unwrap() else {
        panic!("text is read at once")
    };
    assert_eq!(got.source.status, SourceStatus::Completed);
}

#[tokio::test]
async fn a_truncated_pdf_is_refused_at_upload_and_a_whole_one_is_queued() {
    let r = rig();
    let e = r.ingest.accept_manual(file("x.pdf", b"%PDF-1.7\n garbage garbage")).await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
    let whole = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let Accepted::Queued { kind: FileKind::Pdf, job: Some(job), .. } = r.ingest.accept_manual(file("x.pdf", whole)).await.unwrap() else {
        panic!("a PDF is queued")
    };
    // This one has no text: the job fails the source with a reason instead of leaving it processing.
    let s = r.ingest.process_upload(&job).await.unwrap();
    assert_eq!(s.status, SourceStatus::Failed);
    assert!(s.failure_reason.is_some());
}
