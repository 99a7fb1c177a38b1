//! [`GptZeroDetector`]: the `AiDetector` implementation.

use async_trait::async_trait;
use growth_core::quality::{AiDetection, AiDetector};
use growth_core::{Error, Result};

use super::client::{Client, PLATFORM};
use super::config::GptZeroConfig;
use super::models::{PredictText, read};
use crate::detection::{DetectionReport, locate, require_text};

/// Scores how human a text reads with GPTZero.
#[derive(Clone, Debug)]
pub struct GptZeroDetector {
    client: Client,
    model_version: Option<String>,
    multilingual: bool,
    max_chars: usize,
}

impl GptZeroDetector {
    /// A detector with `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the key cannot be a header value or the HTTP client cannot be built.
    pub fn new(config: GptZeroConfig) -> Result<Self> {
        Ok(Self {
            client: Client::new(&config)?,
            model_version: config.model_version,
            multilingual: config.multilingual,
            max_chars: config.max_chars,
        })
    }

    /// Scans `text`: the detection plus GPTZero's per-sentence probabilities, located in `text`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a text without words or longer than
    /// [`GptZeroConfig::max_chars`] (no request is sent); the classified HTTP error (see the
    /// module docs); [`Error::Permanent`] when the answer carries no score.
    pub async fn scan(&self, text: &str) -> Result<DetectionReport> {
        require_text(text)?;
        let chars = text.chars().count();
        if chars > self.max_chars {
            return Err(Error::invalid_field(
                "text",
                format!("{chars} characters; GPTZero scores at most {} and would judge only the beginning", self.max_chars),
            ));
        }
        let body = PredictText { document: text, version: self.model_version.as_deref(), multilingual: self.multilingual };
        let raw = self.client.predict(&body).await?;
        let Some(reading) = read(&raw) else {
            let said = raw.get("error").and_then(|e| e.as_str()).map(|e| format!(": {e}")).unwrap_or_default();
            return Err(Error::Permanent(format!("unexpected response from {PLATFORM}: no AI probability in it{said}")));
        };
        let mut highlights = reading.highlights;
        locate(text, &mut highlights);
        tracing::debug!(platform = PLATFORM, human_score = reading.human_score, sentences = highlights.len(), "scanned");
        Ok(DetectionReport { detection: AiDetection { human_score: reading.human_score, detector: PLATFORM.to_owned(), raw }, highlights })
    }
}

#[async_trait]
impl AiDetector for GptZeroDetector {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    async fn detect(&self, text: &str) -> Result<AiDetection> {
        Ok(self.scan(text).await?.detection)
    }
}
