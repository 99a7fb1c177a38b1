//! Sources: deduplication and their state machine.

use std::sync::Arc;

use chrono::Duration as Span;

use super::FullStore;
use super::podcast;
use crate::Error;
use crate::clock::{Clock, ManualClock};
use crate::domain::*;

pub async fn a_duplicate_source_returns_the_existing_one(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let a = s.create_source(podcast("ep-47")).await.unwrap();
    assert!(a.created);
    assert_eq!(a.value.status, SourceStatus::Ingested);
    let b = s.create_source(podcast("ep-47")).await.unwrap();
    assert!(!b.created);
    assert_eq!(a.value, b.value);
    let mut call = podcast("ep-47");
    call.source_type = Some(SourceType::SalesCall);
    assert!(s.create_source(call).await.unwrap().created, "the same platform id under another type is another source");
    let file = NewSource { file_hash: Some("ab12".into()), ..NewSource::default() };
    let f1 = s.create_source(file.clone()).await.unwrap();
    let f2 = s.create_source(NewSource { title: Some("renamed".into()), ..file }).await.unwrap();
    assert!(f1.created && !f2.created);
    assert_eq!(f1.value.id, f2.value.id);
    assert_eq!(f1.value.source_type, SourceType::Manual);
    assert_eq!(s.list_sources(10, 0).await.unwrap().len(), 3);
    assert_eq!(s.list_sources(1, 0).await.unwrap().len(), 1);
}

pub async fn sources_move_through_their_machine_and_keep_failure_reasons(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let src = s.create_source(podcast("ep-1")).await.unwrap().value;
    let p = s.set_source_status(src.id, SourceStatus::Processing, None).await.unwrap();
    assert_eq!(p.status, SourceStatus::Processing);
    c.advance(Span::seconds(5));
    let f = s.set_source_status(src.id, SourceStatus::Failed, Some("AssemblyAI: audio file is empty".into())).await.unwrap();
    assert_eq!(f.failure_reason.as_deref(), Some("AssemblyAI: audio file is empty"));
    assert_eq!(f.processed_at, Some(c.now()));
    s.set_source_status(src.id, SourceStatus::Processing, None).await.unwrap();
    let t = s.set_source_transcript(src.id, "Adam: hi".into(), TranscriptSource::Assemblyai).await.unwrap();
    assert_eq!(t.transcript.as_deref(), Some("Adam: hi"));
    assert_eq!(t.transcript_source, Some(TranscriptSource::Assemblyai));
    let done = s.set_source_status(src.id, SourceStatus::Completed, None).await.unwrap();
    assert_eq!(done.status, SourceStatus::Completed);
    assert_eq!(done.failure_reason, None);
    assert_eq!(s.get_source(src.id).await.unwrap(), done);
}

pub async fn an_illegal_source_transition_writes_nothing(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let src = s.create_source(podcast("ep-2")).await.unwrap().value;
    let err = s.set_source_status(src.id, SourceStatus::Completed, None).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }));
    assert!(err.to_string().contains("ingested") && err.to_string().contains("completed"), "{err}");
    assert_eq!(s.get_source(src.id).await.unwrap(), src);
}

pub async fn stale_sources_are_found_by_when_their_status_last_changed(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let old = s.create_source(podcast("ep-old")).await.unwrap().value;
    let old = s.set_source_status(old.id, SourceStatus::Processing, None).await.unwrap();
    assert_eq!(old.status_changed_at, c.now());
    c.advance(Span::minutes(30));
    let young = s.create_source(podcast("ep-young")).await.unwrap().value;
    s.set_source_status(young.id, SourceStatus::Processing, None).await.unwrap();
    let waiting = s.create_source(podcast("ep-waiting")).await.unwrap().value;
    c.advance(Span::minutes(5));
    let cutoff = c.now() - Span::minutes(10);
    let stale = s.stale_sources(SourceStatus::Processing, cutoff, 10).await.unwrap();
    assert_eq!(stale.iter().map(|x| x.id).collect::<Vec<_>>(), vec![old.id], "only the one processing for over 10 minutes");
    assert!(s.stale_sources(SourceStatus::Ingested, cutoff, 10).await.unwrap().is_empty());
    let all_waiting = s.stale_sources(SourceStatus::Ingested, c.now() + Span::seconds(1), 10).await.unwrap();
    assert_eq!(all_waiting.iter().map(|x| x.id).collect::<Vec<_>>(), vec![waiting.id]);
    // A status change restarts the clock.
    s.set_source_status(old.id, SourceStatus::Failed, Some("stopped".into())).await.unwrap();
    s.set_source_status(old.id, SourceStatus::Processing, None).await.unwrap();
    assert!(s.stale_sources(SourceStatus::Processing, cutoff, 10).await.unwrap().is_empty());
    // Metadata is replaced whole and read back.
    let m = s.set_source_metadata(young.id, serde_json::json!({"transcription": {"provider": "assemblyai", "id": "t-1"}})).await.unwrap();
    assert_eq!(m.metadata["transcription"]["id"], "t-1");
    assert_eq!(s.get_source(young.id).await.unwrap().metadata, m.metadata);
    assert!(matches!(s.set_source_metadata(SourceId::new(), serde_json::json!({})).await, Err(Error::NotFound { .. })));
}
