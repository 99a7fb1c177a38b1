//! [`AssemblyAiTranscriber`]: the `Transcriber` implementation.

use std::time::Duration;

use async_trait::async_trait;
use growth_core::domain::Transcript;
use growth_core::ingest::{AudioInput, Started, Transcriber, TranscriptionRequest};
use growth_core::transcript::{TranscriptFormat, parse};
use growth_core::{Error, Result};
use tokio::time::Instant;

use super::client::Client;
use super::config::{AssemblyAiConfig, PollConfig};
use super::models::{CreateTranscript, TranscriptStatusBody};

/// Transcribes audio with AssemblyAI, speaker labels included when asked.
#[derive(Clone, Debug)]
pub struct AssemblyAiTranscriber {
    client: Client,
    speech_models: Vec<String>,
    poll: PollConfig,
}

impl AssemblyAiTranscriber {
    /// A transcriber with `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the key cannot be a header value or the HTTP client cannot be built.
    pub fn new(config: AssemblyAiConfig) -> Result<Self> {
        Ok(Self { client: Client::new(&config)?, speech_models: config.speech_models, poll: config.poll })
    }

    /// Uploads the audio when it is bytes and creates the transcript; returns AssemblyAI's
    /// transcript id, to persist before waiting.
    ///
    /// # Errors
    /// The classified HTTP error; [`Error::OutcomeUnknown`] when the create request timed out
    /// after it may have been sent (a transcript may exist: do not resubmit blindly).
    pub async fn submit(&self, req: &TranscriptionRequest) -> Result<String> {
        let audio_url = match &req.audio {
            AudioInput::Url(url) => url.clone(),
            AudioInput::Bytes(bytes) => self.client.upload(bytes.clone()).await?,
        };
        let body = CreateTranscript {
            audio_url: &audio_url,
            speaker_labels: req.speaker_labels,
            language_code: req.language.as_deref(),
            language_detection: req.language.is_none().then_some(true),
            speech_models: &self.speech_models,
        };
        let created = self.client.create(&body).await?;
        tracing::info!(transcript_id = %created.id, status = %created.status, "assemblyai transcript created");
        Ok(created.id)
    }

    /// Polls transcript `id` with growing intervals until it is completed or failed.
    ///
    /// # Errors
    /// [`Error::Permanent`] with AssemblyAI's reason when it failed; [`Error::Transient`] naming
    /// the id when it is still not done after [`PollConfig::timeout`] (call `wait` again later).
    pub async fn wait(&self, id: &str) -> Result<Transcript> {
        let deadline = Instant::now() + self.poll.timeout;
        let mut interval = self.poll.initial_interval;
        loop {
            let resp = self.client.get(id).await?;
            let status: TranscriptStatusBody = resp.json("assemblyai")?;
            match status.status.as_str() {
                "completed" => return Ok(parse(&resp.body, Some(TranscriptFormat::AssemblyAiJson))?.transcript),
                "error" => {
                    let reason = status.error.unwrap_or_else(|| "no reason given".to_owned());
                    return Err(Error::Permanent(format!("assemblyai transcript {id} failed: {reason}")));
                }
                _ => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Transient {
                    message: format!(
                        "assemblyai transcript {id} still `{}` after {:?}; wait for it again",
                        status.status, self.poll.timeout
                    ),
                    retry_after: Some(self.poll.max_interval),
                });
            }
            tokio::time::sleep(interval.min(deadline - now)).await;
            interval = next_interval(interval, self.poll.max_interval);
        }
    }
}

fn next_interval(current: Duration, max: Duration) -> Duration {
    current.mul_f64(1.5).max(Duration::from_millis(1)).min(max)
}

#[async_trait]
impl Transcriber for AssemblyAiTranscriber {
    fn name(&self) -> &'static str {
        "assemblyai"
    }

    async fn transcribe(&self, req: TranscriptionRequest) -> Result<Transcript> {
        let id = self.submit(&req).await?;
        self.wait(&id).await
    }

    async fn start(&self, req: TranscriptionRequest) -> Result<Started> {
        Ok(Started::Pending(self.submit(&req).await?))
    }

    async fn resume(&self, id: &str) -> Result<Transcript> {
        self.wait(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_intervals_grow_by_half_up_to_the_cap() {
        let max = Duration::from_secs(10);
        assert_eq!(next_interval(Duration::from_secs(2), max), Duration::from_secs(3));
        assert_eq!(next_interval(Duration::from_secs(8), max), max);
        assert_eq!(next_interval(Duration::ZERO, max), Duration::from_millis(1));
    }
}
