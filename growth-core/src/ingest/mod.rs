//! Getting sources in: fetching from platforms and transcribing audio.

use std::fmt::Debug;

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::domain::{SourceType, Transcript, TranscriptSource};

/// What to fetch from a platform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchRequest {
    /// The platform's id of the recording/episode, or its URL.
    pub reference: String,
}

/// A source as a platform hands it over, ready to be stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchedSource {
    /// What kind of source it is.
    pub source_type: SourceType,
    /// The platform's id (dedup key together with `source_type`).
    pub source_id: String,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Platform metadata (guests, recording date …).
    pub metadata: serde_json::Value,
    /// The transcript, when the platform has one.
    pub transcript: Option<Transcript>,
    /// Who made it.
    pub transcript_source: Option<TranscriptSource>,
    /// Where the audio can be downloaded, when there is no transcript yet.
    pub audio_url: Option<String>,
}

/// Fetches sources from one platform (Riverside, Grain, Google Meet …).
///
/// Contract: `fetch` has no side effect on the platform and may be retried; an unknown reference
/// is `Error::NotFound`; rate limits surface as `Error::RateLimited` with the wait when known.
#[async_trait]
pub trait SourceIngestor: Send + Sync + Debug + 'static {
    /// A short stable name (`"riverside"`).
    fn name(&self) -> &'static str;
    /// Fetches one source.
    async fn fetch(&self, req: FetchRequest) -> Result<FetchedSource>;
    /// Reads a webhook delivery from the platform: `Ok(Some(_))` names a recording to fetch,
    /// `Ok(None)` is an event to acknowledge and ignore (a reachability test, another event type),
    /// `Err(InvalidInput)` a delivery that cannot be read. Anything inline in the delivery (a
    /// transcript, say) is not trusted: the recording is fetched through the platform's API.
    fn parse_webhook(&self, body: &[u8]) -> Result<Option<RecordingEvent>> {
        let _ = body;
        Err(crate::Error::Unsupported(format!("{} does not send webhooks", self.name())))
    }
}

/// A recording a webhook delivery announced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingEvent {
    /// The platform's id of the recording.
    pub reference: String,
    /// Its title, when the delivery gives one.
    pub title: Option<String>,
}

/// Audio to transcribe.
#[derive(Clone, Debug, PartialEq)]
pub enum AudioInput {
    /// A URL the transcriber can download from.
    Url(String),
    /// The bytes themselves.
    Bytes(Bytes),
}

/// A transcription request.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscriptionRequest {
    /// The audio.
    pub audio: AudioInput,
    /// Label speakers.
    pub speaker_labels: bool,
    /// Language code, when known (`"en"`).
    pub language: Option<String>,
}

/// What [`Transcriber::start`] handed back.
#[derive(Clone, Debug, PartialEq)]
pub enum Started {
    /// The transcript, already complete (a transcriber without a job id of its own).
    Done(Transcript),
    /// The service's id for the transcription: persist it, then [`Transcriber::resume`] it, so a
    /// crash or a retry waits for the paid work instead of paying for it again.
    Pending(String),
}

/// Turns audio into a transcript.
///
/// Contract: `transcribe` returns only when the transcript is complete (polling or webhook is the
/// implementation's business); a transcription the service reports as failed is
/// `Error::Permanent` carrying the service's reason. A service with ids of its own implements
/// `start` and `resume` so the id can be saved before waiting.
#[async_trait]
pub trait Transcriber: Send + Sync + Debug + 'static {
    /// A short stable name (`"assemblyai"`).
    fn name(&self) -> &'static str;
    /// Transcribes the audio.
    async fn transcribe(&self, req: TranscriptionRequest) -> Result<Transcript>;
    /// Starts a transcription; by default it runs to the end ([`Started::Done`]).
    async fn start(&self, req: TranscriptionRequest) -> Result<Started> {
        Ok(Started::Done(self.transcribe(req).await?))
    }
    /// Waits for the transcription `id` that [`Transcriber::start`] returned.
    async fn resume(&self, id: &str) -> Result<Transcript> {
        Err(crate::Error::Unsupported(format!("{} cannot resume transcription {id}", self.name())))
    }
}

fn _assert_dyn(_: &dyn SourceIngestor, _: &dyn Transcriber) {}

pub(crate) mod cancel;
mod jobs;
mod manual;
pub mod pdf;
mod process;
pub use cancel::{CancelFlag, CancelOnDrop, Cancelled};
pub use jobs::{IngestSourceHandler, WebhookReceipt, receive_webhook};
pub use manual::*;
pub use process::{ProcessSourceHandler, ProcessSourceJob, StaleSweep};
