//! Manual ingestion: every shared transcript in, duplicates never twice, garbage never written.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use growth_core::blob::BlobStore;
use growth_core::domain::{Segment, SourceStatus, SourceType, Transcript, TranscriptSource};
use growth_core::ingest::{FileKind, ManualInput, ManualSource, SourceIngest, sha256_hex};
use growth_core::ingest::{Transcriber, TranscriptionRequest};
use growth_core::memory::{InMemoryBlobStore, InMemoryStore};
use growth_core::store::{SourceStore, Store};
use growth_core::transcript::TranscriptFormat;
use growth_core::{Error, Result};

fn setup(transcriber: Option<Arc<dyn Transcriber>>) -> (SourceIngest, Arc<InMemoryStore>, Arc<InMemoryBlobStore>) {
    let store = Arc::new(InMemoryStore::default());
    let blobs = Arc::new(InMemoryBlobStore::default());
    (SourceIngest::new(store.clone() as Arc<dyn Store>, blobs.clone() as Arc<dyn BlobStore>, transcriber), store, blobs)
}

fn file(name: &str, bytes: &[u8]) -> ManualSource {
    ManualSource::new(ManualInput::File { file_name: name.into(), bytes: Bytes::copy_from_slice(bytes), format: None })
}

fn fixtures() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/transcripts");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with("LICENSE") && !name.ends_with("NOTICE.md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn every_fixture_transcript_ingests_and_completes_with_its_file_kept() {
    let (ingest, store, blobs) = setup(None);
    let paths = fixtures();
    assert!(paths.len() >= 10, "{paths:?}");
    for p in &paths {
        let bytes = std::fs::read(p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let got = ingest.ingest_manual(file(&name, &bytes)).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(got.created, "{name}");
        assert_eq!(got.kind, FileKind::Transcript);
        assert_eq!(got.source.status, SourceStatus::Completed, "{name}");
        assert!(got.source.processed_at.is_some());
        assert_eq!(got.source.transcript_source, Some(TranscriptSource::Manual));
        assert!(got.transcript.as_ref().unwrap().word_count() > 0);
        assert_eq!(got.source.file_hash.as_deref(), Some(sha256_hex(&bytes).as_str()));
        let key = format!("sources/{}/{name}", sha256_hex(&bytes));
        assert_eq!(blobs.get(&key).await.unwrap(), Bytes::from(bytes), "{name}: the original file is kept");
    }
    assert_eq!(store.list_sources(100, 0).await.unwrap().len(), paths.len());
}

#[tokio::test]
async fn the_same_file_twice_is_one_source() {
    let (ingest, store, _) = setup(None);
    let bytes = b"WEBVTT\n\n00:00.000 --> 00:02.000\n<v Wes>Free trials are not PLG.\n";
    let a = ingest.ingest_manual(file("a.vtt", bytes)).await.unwrap();
    let b = ingest.ingest_manual(file("renamed.vtt", bytes)).await.unwrap();
    assert!(a.created && !b.created);
    assert_eq!(a.source.id, b.source.id);
    assert_eq!(store.list_sources(10, 0).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_same_platform_id_twice_is_one_source() {
    let (ingest, store, _) = setup(None);
    let mk = |text: &str| ManualSource {
        source_type: Some(SourceType::Podcast),
        source_id: Some("ep-47".into()),
        ..ManualSource::new(ManualInput::Text(text.into()))
    };
    let a = ingest.ingest_manual(mk("Wes: first take")).await.unwrap();
    let b = ingest.ingest_manual(mk("Wes: a different paste of the same episode")).await.unwrap();
    assert_eq!((a.created, b.created), (true, false));
    assert_eq!(store.list_sources(10, 0).await.unwrap().len(), 1);
}

#[tokio::test]
async fn garbage_is_a_typed_error_and_writes_nothing() {
    let (ingest, store, _) = setup(None);
    for (name, bytes) in [
        ("x.vtt", &b"WEBVTT\n\nnot a cue --> nonsense\n"[..]),
        ("x.json", b"{\"segments\": [truncated"),
        ("x.txt", b"   \n\t "),
        ("x.bin", b"\x00\x01\x02\x00"),
    ] {
        let err = ingest.ingest_manual(file(name, bytes)).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{name}: {err}");
    }
    assert!(matches!(ingest.ingest_manual(file("empty.txt", b"")).await, Err(Error::InvalidInput { .. })));
    assert!(store.list_sources(10, 0).await.unwrap().is_empty(), "no partial write");
}

#[tokio::test]
async fn a_forced_format_overrides_detection_and_is_reported() {
    let (ingest, _, _) = setup(None);
    let req = ManualSource::new(ManualInput::File {
        file_name: "notes.txt".into(),
        bytes: Bytes::from_static(b"00:00:01 Hello there\n00:00:05 General Kenobi\n"),
        format: Some(TranscriptFormat::PlainText),
    });
    let got = ingest.ingest_manual(req).await.unwrap();
    assert_eq!(got.format, Some(TranscriptFormat::PlainText));
}

/// A one-page PDF with real text, xref offsets computed so readers accept it.
fn tiny_pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    out
}

#[tokio::test]
async fn a_pdf_is_read_for_its_text() {
    let (ingest, _, _) = setup(None);
    let got = ingest.ingest_manual(file("chapter.pdf", &tiny_pdf("Product-led growth starts with value"))).await.unwrap();
    assert_eq!(got.kind, FileKind::Pdf);
    assert_eq!(got.source.status, SourceStatus::Completed);
    let text = got.source.transcript.unwrap();
    assert!(text.contains("Product-led growth starts with value"), "{text:?}");
}

#[tokio::test]
async fn a_malformed_pdf_is_an_error_not_a_crash() {
    let (ingest, store, _) = setup(None);
    let mut broken = tiny_pdf("x");
    broken.truncate(60);
    for bytes in [broken, b"%PDF-1.7\n\xff\xfe garbage".to_vec(), b"%PDF-".to_vec()] {
        let err = ingest.ingest_manual(file("bad.pdf", &bytes)).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    }
    assert!(store.list_sources(10, 0).await.unwrap().is_empty());
}

#[derive(Debug)]
struct FixedTranscriber(std::result::Result<&'static str, &'static str>);

#[async_trait]
impl Transcriber for FixedTranscriber {
    fn name(&self) -> &'static str {
        "assemblyai"
    }

    async fn transcribe(&self, _req: TranscriptionRequest) -> Result<Transcript> {
        match self.0 {
            Ok(text) => Ok(Transcript {
                segments: vec![Segment { speaker: Some("A".into()), start_ms: Some(0), end_ms: Some(900), text: text.into() }],
            }),
            Err(reason) => Err(Error::Permanent(reason.into())),
        }
    }
}

const MP3: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00fake-frames";

#[tokio::test]
async fn audio_is_stored_then_transcribed() {
    let (ingest, _, blobs) = setup(Some(Arc::new(FixedTranscriber(Ok("we doubled activation")))));
    let got = ingest.ingest_manual(file("ep47.mp3", MP3)).await.unwrap();
    assert_eq!(got.kind, FileKind::Audio);
    assert_eq!(got.source.status, SourceStatus::Completed);
    assert_eq!(got.source.transcript.as_deref(), Some("A: we doubled activation"));
    assert_eq!(got.source.transcript_source, Some(TranscriptSource::Assemblyai));
    assert!(blobs.get(&format!("sources/{}/ep47.mp3", sha256_hex(MP3))).await.is_ok());
}

#[tokio::test]
async fn a_failed_transcription_keeps_the_source_with_its_reason() {
    let (ingest, _, _) = setup(Some(Arc::new(FixedTranscriber(Err("audio file is too short")))));
    let got = ingest.ingest_manual(file("ep47.mp3", MP3)).await.unwrap();
    assert_eq!(got.source.status, SourceStatus::Failed);
    assert!(got.source.failure_reason.unwrap().contains("audio file is too short"));
}

#[tokio::test]
async fn audio_without_a_transcriber_fails_saying_what_to_configure() {
    let (ingest, _, _) = setup(None);
    let got = ingest.ingest_manual(file("ep47.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ")).await.unwrap();
    assert_eq!(got.source.status, SourceStatus::Failed);
    assert!(got.source.failure_reason.unwrap().contains("transcriber"));
}

/// Letters of each word hashed into 32 buckets; fails while `fail` is set.
#[derive(Debug, Default)]
struct ToggleEmbedder {
    fail: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl growth_core::vector::Embedder for ToggleEmbedder {
    fn model(&self) -> &str {
        "toggle-32"
    }
    fn dimensions(&self) -> usize {
        32
    }
    async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::transient("embedder down"));
        }
        Ok(inputs
            .iter()
            .map(|t| {
                let mut v = vec![0.0f32; 32];
                for w in t.split_whitespace() {
                    v[w.bytes().map(usize::from).sum::<usize>() % 32] += 1.0;
                }
                v[0] += 0.01;
                v
            })
            .collect())
    }
}

fn setup_indexed() -> (SourceIngest, Arc<InMemoryStore>, Arc<ToggleEmbedder>, Arc<growth_core::memory::InMemoryVectorStore>) {
    let (ingest, store, _) = setup(None);
    let embedder = Arc::new(ToggleEmbedder::default());
    let vectors = Arc::new(growth_core::memory::InMemoryVectorStore::new(32));
    let indexer =
        growth_core::knowledge::KnowledgeIndexer::new(embedder.clone(), vectors.clone(), store.clone(), Default::default()).unwrap();
    (ingest.with_indexer(indexer), store, embedder, vectors)
}

#[tokio::test]
async fn with_an_indexer_a_source_completes_only_once_its_transcript_is_searchable() {
    use growth_core::vector::VectorStore;
    let (ingest, store, _, vectors) = setup_indexed();
    let got = ingest
        .ingest_manual(file("ep.txt", b"Wes: pricing pages convert when they show the number\n\nAnna: and annual plans"))
        .await
        .unwrap();
    assert_eq!(got.source.status, SourceStatus::Completed);
    let report = got.indexed.expect("indexed");
    assert!(report.chunks >= 1 && report.embedded == report.chunks, "{report:?}");
    let stored = vectors.list_metadata("sources", growth_core::vector::MetadataFilter::And(vec![]), 100).await.unwrap();
    assert_eq!(stored.len(), report.chunks);
    assert!(stored.values().all(|m| m["item_id"] == serde_json::json!(got.source.id.to_string())), "{stored:?}");
    assert_eq!(store.get_source(got.source.id).await.unwrap().status, SourceStatus::Completed);
}

#[tokio::test]
async fn an_indexing_failure_fails_the_source_with_its_reason_and_the_same_input_resumes_it() {
    let (ingest, store, embedder, _) = setup_indexed();
    embedder.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let input = || file("ep.vtt", b"WEBVTT\n\n00:00.000 --> 00:02.000\n<v Wes>We doubled trials by removing the demo gate\n");
    let err = ingest.ingest_manual(input()).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    let sources = store.list_sources(10, 0).await.unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].status, SourceStatus::Failed);
    assert!(sources[0].failure_reason.as_deref().unwrap_or_default().contains("embedder down"), "{:?}", sources[0].failure_reason);

    embedder.fail.store(false, std::sync::atomic::Ordering::SeqCst);
    let again = ingest.ingest_manual(input()).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.source.id, sources[0].id);
    assert_eq!(again.source.status, SourceStatus::Completed);
    assert!(again.source.failure_reason.is_none());
    assert_eq!(store.list_sources(10, 0).await.unwrap().len(), 1);
}
