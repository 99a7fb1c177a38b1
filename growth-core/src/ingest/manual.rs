//! Getting a source in by hand: pasted text, a transcript file, a PDF, or audio.
//!
//! [`SourceIngest::ingest_manual`] is all-or-nothing and idempotent:
//! - the input is parsed **before** anything is written, so garbage is a typed error and leaves no
//!   blob and no row behind;
//! - files are kept in blob storage under their SHA-256 (`sources/<hash>/<name>`), and the same
//!   bytes — or the same (`source_type`, `source_id`) — never create a second source: the existing
//!   one is returned with `created = false`;
//! - the source moves `ingested → processing → completed`, or `failed` with the reason kept (an
//!   audio file whose transcription fails is stored, marked failed, and says why).
//!
//! - with an indexer ([`SourceIngest::with_indexer`]) the transcript is chunked, embedded and
//!   stored for retrieval *before* the source is `completed`; an indexing failure marks the source
//!   `failed` with the reason (a retryable one is also returned as the error, so a job retries),
//!   and ingesting the same input again resumes a failed source instead of creating another.
//!
//! Parsing runs on tokio's blocking pool for inputs over 64 KiB, chunking too (through the
//! indexer), and both stop when the future of `ingest_manual` is dropped. PDF text is extracted by
//! a [`PdfExtractor`] within its [`PdfLimits`](super::pdf::PdfLimits) (size cap, timeout,
//! concurrency, memory): see [`super::pdf`].

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::blob::BlobStore;
use crate::domain::{ContentSource, NewSource, Segment, SourceId, SourceStatus, SourceType, Transcript, TranscriptSource};
use crate::ingest::pdf::PdfExtractor;
use crate::ingest::{
    AudioInput, FetchRequest, FetchedSource, ProcessSourceJob, SourceIngestor, Started, Transcriber, TranscriptionRequest,
};
use crate::jobs::SourceRef;
use crate::knowledge::{IndexReport, KnowledgeIndexer};
use crate::store::SourceStore;
use crate::transcript::{self, TranscriptFormat};
use crate::{Error, Result};

/// What kind of file an upload is, by content (magic bytes) first and name second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// A transcript in one of the [`TranscriptFormat`]s.
    Transcript,
    /// A PDF document.
    Pdf,
    /// Audio to transcribe.
    Audio,
}

/// Guesses the kind of an uploaded file.
pub fn detect_file_kind(file_name: &str, bytes: &[u8]) -> FileKind {
    if bytes.starts_with(b"%PDF-") {
        return FileKind::Pdf;
    }
    let audio_magic = bytes.starts_with(b"ID3")
        || bytes.starts_with(b"fLaC")
        || bytes.starts_with(b"OggS")
        || (bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE")
        || (bytes.len() > 8 && &bytes[4..8] == b"ftyp")
        || (bytes.len() > 2 && bytes[0] == 0xFF && (bytes[1] & 0xE0) == 0xE0);
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if audio_magic || matches!(ext.as_str(), "mp3" | "wav" | "m4a" | "aac" | "ogg" | "oga" | "flac" | "webm" | "mp4") {
        FileKind::Audio
    } else if ext == "pdf" {
        FileKind::Pdf
    } else {
        FileKind::Transcript
    }
}

/// A source given by hand.
#[derive(Clone, Debug)]
pub enum ManualInput {
    /// Pasted text (read as a plain-text transcript: paragraphs, optional `Name:` labels).
    Text(String),
    /// An uploaded file; its kind is detected unless `format` forces a transcript format.
    File {
        /// Original file name (used for the blob key and kind detection).
        file_name: String,
        /// The bytes.
        bytes: Bytes,
        /// Force a transcript format instead of detecting it.
        format: Option<TranscriptFormat>,
    },
}

/// A manual ingestion request.
#[derive(Clone, Debug)]
pub struct ManualSource {
    /// The input.
    pub input: ManualInput,
    /// What kind of source this is (default `manual`).
    pub source_type: Option<SourceType>,
    /// The id on the platform it came from, if any (dedup key).
    pub source_id: Option<String>,
    /// Title (defaults to the file name).
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Metadata (guest, recording date …).
    pub metadata: serde_json::Value,
}

impl ManualSource {
    /// A request for `input` with no other details.
    pub fn new(input: ManualInput) -> Self {
        Self { input, source_type: None, source_id: None, title: None, description: None, metadata: serde_json::Value::Null }
    }

    /// Checks the details (title length, object metadata, a non-blank platform id) and tidies them
    /// (a blank title is no title).
    pub fn validated(mut self) -> Result<Self> {
        if self.title.as_deref().is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS) {
            return Err(Error::invalid_field("title", format!("at most {MAX_TITLE_CHARS} characters")));
        }
        if !self.metadata.is_null() && !self.metadata.is_object() {
            return Err(Error::invalid_field("metadata", "must be a JSON object"));
        }
        if self.source_id.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(Error::invalid_field("source_id", "must not be blank"));
        }
        if let ManualInput::Text(t) = &self.input
            && t.trim().is_empty()
        {
            return Err(Error::invalid_field("text", "the text is empty"));
        }
        self.title = self.title.filter(|t| !t.trim().is_empty());
        Ok(self)
    }
}

/// The longest title a source may have, in characters.
pub const MAX_TITLE_CHARS: usize = 500;

/// Size limits of manual ingestion; an input over one is [`Error::TooLarge`] naming the setting.
/// PDFs have their own in [`PdfLimits`](super::pdf::PdfLimits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestLimits {
    /// Largest transcript file or pasted text, in bytes (default 10 MiB, a ~1.7M-word transcript).
    pub max_transcript_bytes: usize,
    /// Largest audio file, in bytes (default 1 GiB).
    pub max_audio_bytes: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        Self { max_transcript_bytes: 10 << 20, max_audio_bytes: 1 << 30 }
    }
}

/// What [`SourceIngest::accept_manual`] did with an upload.
#[derive(Clone, Debug)]
pub enum Accepted {
    /// Read and stored now (pasted text, transcript files: linear and fast).
    Done(Ingested),
    /// The file is kept and the source stored; its reading (PDF text, transcription) is slow and
    /// continues in `job` when there is one to run.
    Queued {
        /// The stored source (the existing one when `created` is false).
        source: ContentSource,
        /// Whether this call created it.
        created: bool,
        /// How the file is read.
        kind: FileKind,
        /// The job to enqueue: `None` when there is nothing to do (the source is completed, or
        /// already on its way).
        job: Option<ProcessSourceJob>,
    },
}

/// What ingestion produced.
#[derive(Clone, Debug)]
pub struct Ingested {
    /// The stored source (the existing one when `created` is false).
    pub source: ContentSource,
    /// Whether this call created it.
    pub created: bool,
    /// How the input was read.
    pub kind: FileKind,
    /// The transcript format, for transcripts.
    pub format: Option<TranscriptFormat>,
    /// The transcript, when there is one.
    pub transcript: Option<Transcript>,
    /// What indexing the transcript did, when this call indexed it.
    pub indexed: Option<IndexReport>,
}

impl Ingested {
    /// How the input was read: the transcript format, else `pdf`, `audio` or `transcript`.
    pub fn format_name(&self) -> String {
        match (self.format, self.kind) {
            (Some(f), _) => f.to_string(),
            (None, FileKind::Pdf) => "pdf".into(),
            (None, FileKind::Audio) => "audio".into(),
            (None, FileKind::Transcript) => "transcript".into(),
        }
    }

    /// The transcript's speakers, segment count and word count (empty without a transcript).
    pub fn transcript_stats(&self) -> (Vec<String>, usize, usize) {
        self.transcript
            .as_ref()
            .map(|t| (t.speakers().into_iter().map(str::to_owned).collect(), t.segments.len(), t.word_count()))
            .unwrap_or_default()
    }
}

/// Getting sources in: parse, keep the file, store the source, transcribe audio, index the
/// transcript; fetch recordings from the registered platform ingestors.
#[derive(Clone, Debug)]
pub struct SourceIngest {
    store: Arc<dyn SourceStore>,
    blobs: Arc<dyn BlobStore>,
    transcriber: Option<Arc<dyn Transcriber>>,
    indexer: Option<KnowledgeIndexer>,
    ingestors: Arc<BTreeMap<String, Arc<dyn SourceIngestor>>>,
    pdf: PdfExtractor,
    limits: IngestLimits,
}

/// Who a transcriber's transcripts are attributed to, by its stable name.
fn transcript_source_of(transcriber: &dyn Transcriber) -> TranscriptSource {
    match transcriber.name() {
        "assemblyai" => TranscriptSource::Assemblyai,
        "riverside" => TranscriptSource::Riverside,
        "grain" => TranscriptSource::Grain,
        "gemini" => TranscriptSource::Gemini,
        _ => TranscriptSource::Manual,
    }
}

/// The SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect();
    let cleaned = cleaned.trim_matches('.').chars().take(100).collect::<String>();
    if cleaned.is_empty() { "upload".into() } else { cleaned }
}

/// Extracts the text of a PDF with the default [`PdfLimits`](super::pdf::PdfLimits), sharing one
/// set of concurrency slots per process; a malformed file (including one that makes the extractor
/// panic) or one over a limit is `InvalidInput`.
pub async fn extract_pdf_text(bytes: Bytes) -> Result<String> {
    static DEFAULT: std::sync::OnceLock<PdfExtractor> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(PdfExtractor::default).extract(bytes).await
}

/// The part of an error a person reads: the message without the variant's prefix.
fn user_message(e: &Error) -> String {
    match e {
        Error::InvalidInput { message, .. } => message.clone(),
        Error::Permanent(m) | Error::OutcomeUnknown(m) | Error::Unsupported(m) | Error::Config(m) => m.clone(),
        other => other.to_string(),
    }
}

fn pdf_transcript(text: &str) -> Transcript {
    let segments = text
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(|text| Segment { speaker: None, start_ms: None, end_ms: None, text })
        .collect();
    Transcript { segments }
}

impl SourceIngest {
    /// Ingestion into `store` and `blobs`; audio needs a `transcriber`.
    pub fn new(store: Arc<dyn SourceStore>, blobs: Arc<dyn BlobStore>, transcriber: Option<Arc<dyn Transcriber>>) -> Self {
        Self {
            store,
            blobs,
            transcriber,
            indexer: None,
            ingestors: Arc::default(),
            pdf: PdfExtractor::default(),
            limits: IngestLimits::default(),
        }
    }

    /// Registers a platform ingestor (replacing any other of the same name).
    pub fn with_ingestor(mut self, ingestor: Arc<dyn SourceIngestor>) -> Self {
        Arc::make_mut(&mut self.ingestors).insert(ingestor.name().to_owned(), ingestor);
        self
    }

    /// The registered ingestor called `platform`; a missing one is `Error::Config` naming what to
    /// configure.
    pub fn ingestor(&self, platform: &str) -> Result<&Arc<dyn SourceIngestor>> {
        self.ingestors.get(platform).ok_or_else(|| {
            Error::Config(format!(
                "no {platform} ingestor is configured, so its recordings cannot be fetched (set [integrations.{platform}])"
            ))
        })
    }

    /// The names of the registered ingestors.
    pub fn ingestors(&self) -> Vec<&str> {
        self.ingestors.keys().map(String::as_str).collect()
    }

    /// Fetches recording `reference` from `platform` and stores it (idempotent by the platform's id).
    pub async fn ingest_recording(&self, platform: &str, reference: &str) -> Result<Ingested> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(Error::invalid_field("reference", "the recording's id is missing"));
        }
        let fetched = self.ingestor(platform)?.fetch(FetchRequest { reference: reference.to_owned() }).await?;
        self.ingest_fetched(fetched).await
    }

    /// The source `source` names, stored first when it is new (pasted text becomes a podcast
    /// source; a recording is fetched). An existing source must exist.
    pub async fn resolve(&self, source: &SourceRef) -> Result<SourceId> {
        match source {
            SourceRef::Existing { source_id } => Ok(self.store.get_source(*source_id).await?.id),
            SourceRef::Text { text, title } => {
                let req = ManualSource {
                    source_type: Some(SourceType::Podcast),
                    title: title.clone(),
                    ..ManualSource::new(ManualInput::Text(text.clone()))
                };
                Ok(self.ingest_manual(req).await?.source.id)
            }
            SourceRef::Recording { platform, reference } => Ok(self.ingest_recording(platform, reference).await?.source.id),
        }
    }

    /// Extracts PDF text with `pdf` (its limits) instead of the default extractor.
    pub fn with_pdf(mut self, pdf: PdfExtractor) -> Self {
        self.pdf = pdf;
        self
    }

    /// Refuses inputs over `limits` (see [`IngestLimits`]).
    pub fn with_limits(mut self, limits: IngestLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The size limits in force.
    pub fn limits(&self) -> &IngestLimits {
        &self.limits
    }

    /// Indexes every transcript for retrieval before its source counts as `completed`.
    pub fn with_indexer(mut self, indexer: KnowledgeIndexer) -> Self {
        self.indexer = Some(indexer);
        self
    }

    /// Finishes a source in `processing` whose transcript is stored: indexes it (when an indexer is
    /// set) and marks it `completed`, or `failed` with the reason. A retryable indexing error is
    /// returned after the source is marked failed, so the caller (a job) tries again later.
    async fn finish(&self, id: SourceId, transcript: &Transcript) -> Result<(ContentSource, Option<IndexReport>)> {
        let Some(indexer) = &self.indexer else {
            return Ok((self.store.set_source_status(id, SourceStatus::Completed, None).await?, None));
        };
        match indexer.index_transcript(id, transcript).await {
            Ok(report) => Ok((self.store.set_source_status(id, SourceStatus::Completed, None).await?, Some(report))),
            Err(e) => {
                let failed =
                    self.store.set_source_status(id, SourceStatus::Failed, Some(format!("indexing the transcript failed: {e}"))).await?;
                if e.is_retryable() { Err(e) } else { Ok((failed, None)) }
            }
        }
    }

    /// An existing source met again with a usable transcript: a failed one is processed again
    /// (transcript stored when it has none, then indexed and completed); any other is returned as is.
    async fn resume(
        &self,
        existing: ContentSource,
        transcript: Option<&Transcript>,
        from: TranscriptSource,
    ) -> Result<(ContentSource, Option<IndexReport>)> {
        let Some(t) = transcript.filter(|t| t.word_count() > 0) else { return Ok((existing, None)) };
        if existing.status != SourceStatus::Failed {
            return Ok((existing, None));
        }
        let id = existing.id;
        self.store.set_source_status(id, SourceStatus::Processing, None).await?;
        if existing.transcript.as_deref().is_none_or(|x| x.trim().is_empty()) {
            self.store.set_source_transcript(id, t.to_text(), from).await?;
        }
        self.finish(id, t).await
    }

    /// One source.
    pub async fn source(&self, id: SourceId) -> Result<ContentSource> {
        self.store.get_source(id).await
    }

    /// Sources, newest first.
    pub async fn sources(&self, limit: u32, offset: u32) -> Result<Vec<ContentSource>> {
        self.store.list_sources(limit, offset).await
    }

    /// Ingests one manual source (see the module docs for the guarantees).
    pub async fn ingest_manual(&self, req: ManualSource) -> Result<Ingested> {
        let req = req.validated()?;
        self.check_size(&req)?;
        match req.input.clone() {
            ManualInput::Text(text) => {
                let parsed = transcript::parse_blocking(Bytes::from(text), Some(TranscriptFormat::PlainText)).await?;
                self.store_parsed(req, None, None, FileKind::Transcript, Some(parsed.format), parsed.transcript).await
            }
            ManualInput::File { file_name, bytes, format } => {
                if bytes.is_empty() {
                    return Err(Error::invalid_field("file", "the file is empty"));
                }
                let kind = if format.is_some() { FileKind::Transcript } else { detect_file_kind(&file_name, &bytes) };
                let hash = sha256_hex(&bytes);
                let key = format!("sources/{hash}/{}", safe_file_name(&file_name));
                match kind {
                    FileKind::Transcript => {
                        let parsed = transcript::parse_blocking(bytes.clone(), format).await?;
                        let blob = self.blobs.put(&key, bytes).await?;
                        self.store_parsed(req, Some(hash), Some(blob.url), kind, Some(parsed.format), parsed.transcript).await
                    }
                    FileKind::Pdf => {
                        let text = self.pdf.extract(bytes.clone()).await?;
                        let blob = self.blobs.put(&key, bytes).await?;
                        self.store_parsed(req, Some(hash), Some(blob.url), kind, None, pdf_transcript(&text)).await
                    }
                    FileKind::Audio => self.ingest_audio(req, hash, key, bytes).await,
                }
            }
        }
    }

    /// Refuses an input over its limit before anything is read or written.
    fn check_size(&self, req: &ManualSource) -> Result<()> {
        let (what, len, limit, setting) = match &req.input {
            ManualInput::Text(t) => ("the pasted text", t.len(), self.limits.max_transcript_bytes, "ingest.max_transcript_bytes"),
            ManualInput::File { file_name, bytes, format } => {
                match if format.is_some() { FileKind::Transcript } else { detect_file_kind(file_name, bytes) } {
                    FileKind::Transcript => {
                        ("the transcript file", bytes.len(), self.limits.max_transcript_bytes, "ingest.max_transcript_bytes")
                    }
                    FileKind::Audio => ("the audio file", bytes.len(), self.limits.max_audio_bytes, "ingest.max_audio_bytes"),
                    FileKind::Pdf => ("the PDF", bytes.len(), self.pdf.limits().max_bytes, "ingest.pdf_max_bytes"),
                }
            }
        };
        if len > limit {
            return Err(Error::TooLarge { what: format!("{what} ({len} bytes)"), limit: limit as u64, setting });
        }
        Ok(())
    }

    /// Takes a manual source the way an HTTP upload should: text and transcript files are read and
    /// stored now ([`Accepted::Done`]); a PDF or audio file is kept and its source stored, and the
    /// slow reading is handed back as a job to enqueue ([`Accepted::Queued`]), so the request
    /// answers at once. The same file again answers the same source; a failed one is resumed.
    pub async fn accept_manual(&self, req: ManualSource) -> Result<Accepted> {
        let req = req.validated()?;
        self.check_size(&req)?;
        let ManualInput::File { file_name, bytes, format: None } = &req.input else {
            return Ok(Accepted::Done(self.ingest_manual(req).await?));
        };
        let kind = detect_file_kind(file_name, bytes);
        if kind == FileKind::Transcript {
            return Ok(Accepted::Done(self.ingest_manual(req).await?));
        }
        if bytes.is_empty() {
            return Err(Error::invalid_field("file", "the file is empty"));
        }
        if kind == FileKind::Pdf && !super::pdf::looks_whole(bytes) {
            return Err(Error::invalid_field("file", "not a whole PDF: it has no `%%EOF` trailer (truncated or not a PDF)"));
        }
        let hash = sha256_hex(bytes);
        let blob_key = format!("sources/{hash}/{}", safe_file_name(file_name));
        let blob = self.blobs.put(&blob_key, bytes.clone()).await?;
        let stored = self.store.create_source(Self::new_source(&req, Some(hash), Some(blob.url), Some(file_name))).await?;
        let source = stored.value;
        let job = match source.status {
            SourceStatus::Completed | SourceStatus::Processing => None,
            SourceStatus::Ingested if !stored.created => None,
            SourceStatus::Ingested | SourceStatus::Failed => Some(ProcessSourceJob { source_id: source.id, blob_key, kind }),
        };
        Ok(Accepted::Queued { source, created: stored.created, kind, job })
    }

    /// Reads the file of a source [`SourceIngest::accept_manual`] queued (see
    /// [`super::ProcessSourceHandler`]): PDF text is extracted, audio transcribed (the
    /// transcriber's id saved first); the source ends `completed` or `failed` with the reason. A
    /// retryable failure is returned (the job tries again) with the source left `processing`.
    pub async fn process_upload(&self, job: &ProcessSourceJob) -> Result<ContentSource> {
        let source = self.store.get_source(job.source_id).await?;
        match source.status {
            SourceStatus::Completed => return Ok(source),
            SourceStatus::Ingested | SourceStatus::Failed => {
                self.store.set_source_status(source.id, SourceStatus::Processing, None).await?;
            }
            SourceStatus::Processing => {}
        }
        let id = source.id;
        let fail = |reason: String| async move { self.store.set_source_status(id, SourceStatus::Failed, Some(reason)).await };
        let bytes = match self.blobs.get(&job.blob_key).await {
            Ok(b) => b,
            Err(Error::NotFound { .. }) => return fail("the uploaded file is no longer in blob storage; upload it again".into()).await,
            Err(e) => return Err(e),
        };
        let transcript = match job.kind {
            FileKind::Pdf => match self.pdf.extract(bytes).await {
                Ok(text) => (pdf_transcript(&text), TranscriptSource::Manual),
                Err(e) if e.is_retryable() => return Err(e),
                Err(e) => return fail(format!("the PDF could not be read: {}", user_message(&e))).await,
            },
            FileKind::Audio => {
                let Some(transcriber) = self.transcriber.clone() else {
                    return fail("audio needs a transcriber: configure AssemblyAI, or upload a transcript".into()).await;
                };
                match self.transcribe_saving_id(&source, transcriber.as_ref(), bytes).await {
                    Ok(t) if t.word_count() > 0 => (t, transcript_source_of(transcriber.as_ref())),
                    Ok(_) => return fail(format!("{} returned an empty transcript", transcriber.name())).await,
                    Err(e) if e.is_retryable() => return Err(e),
                    Err(e) => return fail(format!("{} failed: {}", transcriber.name(), user_message(&e))).await,
                }
            }
            FileKind::Transcript => return fail("a transcript file is read at upload, not in a job".into()).await,
        };
        if transcript.0.word_count() == 0 {
            return fail("the file has no text (a scanned PDF needs OCR first)".into()).await;
        }
        self.store.set_source_transcript(id, transcript.0.to_text(), transcript.1).await?;
        Ok(self.finish(id, &transcript.0).await?.0)
    }

    /// Marks a source that is not `completed` as `failed` with `reason` (already failed: kept).
    pub async fn mark_failed(&self, id: SourceId, reason: String) -> Result<()> {
        match self.store.set_source_status(id, SourceStatus::Failed, Some(reason)).await {
            Ok(_) | Err(Error::Conflict { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Transcribes `bytes` for `source`, waiting for a transcription whose id an earlier attempt
    /// saved, else starting one and saving its id in `metadata.transcription` before waiting.
    async fn transcribe_saving_id(&self, source: &ContentSource, transcriber: &dyn Transcriber, bytes: Bytes) -> Result<Transcript> {
        let saved = &source.metadata["transcription"];
        if saved["provider"].as_str() == Some(transcriber.name())
            && let Some(tid) = saved["id"].as_str()
        {
            tracing::info!(source_id = %source.id, transcription = tid, "waiting for the saved transcription");
            return transcriber.resume(tid).await;
        }
        let req = TranscriptionRequest { audio: AudioInput::Bytes(bytes), speaker_labels: true, language: None };
        match transcriber.start(req).await? {
            Started::Done(t) => Ok(t),
            Started::Pending(tid) => {
                let mut metadata = if source.metadata.is_object() { source.metadata.clone() } else { serde_json::json!({}) };
                metadata["transcription"] = serde_json::json!({"provider": transcriber.name(), "id": tid});
                self.store.set_source_metadata(source.id, metadata).await?;
                tracing::info!(source_id = %source.id, transcription = %tid, "transcription started; its id is saved");
                transcriber.resume(&tid).await
            }
        }
    }

    /// Stores a source handed over by a platform ingestor (Riverside, Grain …), idempotently by
    /// (`source_type`, `source_id`). With a transcript it completes at once; with only an audio URL
    /// it is transcribed (when a transcriber is configured); with neither it fails saying why.
    pub async fn ingest_fetched(&self, fetched: FetchedSource) -> Result<Ingested> {
        let new = NewSource {
            source_type: Some(fetched.source_type),
            source_id: Some(fetched.source_id.clone()),
            title: fetched.title.clone(),
            description: fetched.description.clone(),
            metadata: if fetched.metadata.is_null() { serde_json::json!({}) } else { fetched.metadata.clone() },
            file_url: fetched.audio_url.clone(),
            file_hash: None,
            transcript: fetched.transcript.as_ref().map(Transcript::to_text),
            transcript_source: fetched.transcript.as_ref().and(fetched.transcript_source),
        };
        let stored = self.store.create_source(new).await?;
        let kind = if fetched.transcript.is_some() { FileKind::Transcript } else { FileKind::Audio };
        if !stored.created {
            let from = fetched.transcript_source.unwrap_or(TranscriptSource::Manual);
            let (source, indexed) = self.resume(stored.value, fetched.transcript.as_ref(), from).await?;
            return Ok(Ingested { source, created: false, kind, format: None, transcript: fetched.transcript, indexed });
        }
        let id = stored.value.id;
        if let Some(t) = fetched.transcript.filter(|t| t.word_count() > 0) {
            self.store.set_source_status(id, SourceStatus::Processing, None).await?;
            let (source, indexed) = self.finish(id, &t).await?;
            return Ok(Ingested { source, created: true, kind, format: None, transcript: Some(t), indexed });
        }
        let (Some(url), Some(transcriber)) = (fetched.audio_url, self.transcriber.as_ref()) else {
            let source = self
                .store
                .set_source_status(
                    id,
                    SourceStatus::Failed,
                    Some("the platform returned no transcript, and there is no audio URL and transcriber to make one".into()),
                )
                .await?;
            return Ok(Ingested { source, created: true, kind, format: None, transcript: None, indexed: None });
        };
        let (source, transcript, indexed) = self.transcribe_into(id, transcriber.as_ref(), AudioInput::Url(url)).await?;
        Ok(Ingested { source, created: true, kind, format: None, transcript, indexed })
    }

    /// Transcribes `audio` for source `id` (now `ingested`): it moves to `processing`, then to
    /// `completed` with the transcript stored, or to `failed` with the transcriber's reason.
    async fn transcribe_into(
        &self,
        id: SourceId,
        transcriber: &dyn Transcriber,
        audio: AudioInput,
    ) -> Result<(ContentSource, Option<Transcript>, Option<IndexReport>)> {
        self.store.set_source_status(id, SourceStatus::Processing, None).await?;
        let req = TranscriptionRequest { audio, speaker_labels: true, language: None };
        let reason = match transcriber.transcribe(req).await {
            Ok(t) if t.word_count() > 0 => {
                self.store.set_source_transcript(id, t.to_text(), transcript_source_of(transcriber)).await?;
                let (source, indexed) = self.finish(id, &t).await?;
                return Ok((source, Some(t), indexed));
            }
            Ok(_) => format!("{} returned an empty transcript", transcriber.name()),
            Err(e) => format!("{} failed: {e}", transcriber.name()),
        };
        Ok((self.store.set_source_status(id, SourceStatus::Failed, Some(reason)).await?, None, None))
    }

    fn new_source(req: &ManualSource, hash: Option<String>, url: Option<String>, file_name: Option<&str>) -> NewSource {
        NewSource {
            source_type: Some(req.source_type.unwrap_or(SourceType::Manual)),
            source_id: req.source_id.clone(),
            title: req.title.clone().or_else(|| file_name.map(str::to_owned)),
            description: req.description.clone(),
            metadata: if req.metadata.is_null() { serde_json::json!({}) } else { req.metadata.clone() },
            file_url: url,
            file_hash: hash,
            transcript: None,
            transcript_source: None,
        }
    }

    async fn store_parsed(
        &self,
        req: ManualSource,
        hash: Option<String>,
        url: Option<String>,
        kind: FileKind,
        format: Option<TranscriptFormat>,
        transcript: Transcript,
    ) -> Result<Ingested> {
        let file_name = match &req.input {
            ManualInput::File { file_name, .. } => Some(file_name.as_str()),
            ManualInput::Text(_) => None,
        };
        let mut new = Self::new_source(&req, hash, url, file_name);
        new.transcript = Some(transcript.to_text());
        new.transcript_source = Some(TranscriptSource::Manual);
        let stored = self.store.create_source(new).await?;
        if !stored.created {
            let (source, indexed) = self.resume(stored.value, Some(&transcript), TranscriptSource::Manual).await?;
            return Ok(Ingested { source, created: false, kind, format, transcript: Some(transcript), indexed });
        }
        let id = stored.value.id;
        self.store.set_source_status(id, SourceStatus::Processing, None).await?;
        let (source, indexed) = self.finish(id, &transcript).await?;
        Ok(Ingested { source, created: true, kind, format, transcript: Some(transcript), indexed })
    }

    async fn ingest_audio(&self, req: ManualSource, hash: String, key: String, bytes: Bytes) -> Result<Ingested> {
        let file_name = match &req.input {
            ManualInput::File { file_name, .. } => file_name.clone(),
            ManualInput::Text(_) => String::new(),
        };
        let blob = self.blobs.put(&key, bytes.clone()).await?;
        let stored = self.store.create_source(Self::new_source(&req, Some(hash), Some(blob.url), Some(&file_name))).await?;
        if !stored.created {
            return Ok(Ingested {
                source: stored.value,
                created: false,
                kind: FileKind::Audio,
                format: None,
                transcript: None,
                indexed: None,
            });
        }
        let id = stored.value.id;
        let Some(transcriber) = &self.transcriber else {
            let source = self
                .store
                .set_source_status(
                    id,
                    SourceStatus::Failed,
                    Some("audio needs a transcriber: configure AssemblyAI, or upload a transcript".into()),
                )
                .await?;
            return Ok(Ingested { source, created: true, kind: FileKind::Audio, format: None, transcript: None, indexed: None });
        };
        let (source, transcript, indexed) = self.transcribe_into(id, transcriber.as_ref(), AudioInput::Bytes(bytes)).await?;
        Ok(Ingested { source, created: true, kind: FileKind::Audio, format: None, transcript, indexed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds_are_detected_by_content_then_name() {
        assert_eq!(detect_file_kind("x.txt", b"%PDF-1.7 ..."), FileKind::Pdf);
        assert_eq!(detect_file_kind("episode.bin", b"ID3\x04\x00rest"), FileKind::Audio);
        assert_eq!(detect_file_kind("episode.m4a", b"\x00\x00\x00\x20ftypM4A "), FileKind::Audio);
        assert_eq!(detect_file_kind("ep.vtt", b"WEBVTT\n\n"), FileKind::Transcript);
        assert_eq!(detect_file_kind("notes.md", b"**Adam:** hi"), FileKind::Transcript);
    }

    #[test]
    fn blob_file_names_cannot_escape_their_folder() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("my episode #47.vtt"), "my_episode__47.vtt");
        assert_eq!(safe_file_name(".."), "upload");
        assert!(crate::blob::validate_blob_key(&format!("sources/abc/{}", safe_file_name("a b/c\\d..e"))).is_ok());
    }
}
