//! [`OriginalityDetector`]: the `AiDetector` implementation.

use async_trait::async_trait;
use growth_core::quality::{AiDetection, AiDetector};
use growth_core::{Error, Result};

use super::client::{Client, PLATFORM};
use super::config::OriginalityConfig;
use super::models::{ScanAi, read};
use crate::detection::{DetectionReport, locate, require_text};

/// Scores how human a text reads with Originality.ai.
#[derive(Clone, Debug)]
pub struct OriginalityDetector {
    client: Client,
    ai_model_version: String,
    store_scan: bool,
}

impl OriginalityDetector {
    /// A detector with `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the key cannot be a header value or the HTTP client cannot be built.
    pub fn new(config: OriginalityConfig) -> Result<Self> {
        Ok(Self { client: Client::new(&config)?, ai_model_version: config.ai_model_version, store_scan: config.store_scan })
    }

    /// Scans `text`: the detection plus the blocks Originality.ai scored, located in `text`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a text without words (no request is sent); the classified
    /// HTTP error (see the module docs); [`Error::Permanent`] when the answer carries no score.
    pub async fn scan(&self, text: &str) -> Result<DetectionReport> {
        require_text(text)?;
        let body =
            ScanAi { content: text, ai_model_version: &self.ai_model_version, store_scan: if self.store_scan { "true" } else { "false" } };
        let raw = self.client.scan(&body).await?;
        let Some(reading) = read(&raw) else {
            let said =
                raw.get("error").or_else(|| raw.get("message")).and_then(|e| e.as_str()).map(|e| format!(": {e}")).unwrap_or_default();
            return Err(Error::Permanent(format!("unexpected response from {PLATFORM}: no AI score in it{said}")));
        };
        let mut highlights = reading.highlights;
        locate(text, &mut highlights);
        tracing::debug!(platform = PLATFORM, human_score = reading.human_score, blocks = highlights.len(), "scanned");
        Ok(DetectionReport { detection: AiDetection { human_score: reading.human_score, detector: PLATFORM.to_owned(), raw }, highlights })
    }
}

#[async_trait]
impl AiDetector for OriginalityDetector {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    async fn detect(&self, text: &str) -> Result<AiDetection> {
        Ok(self.scan(text).await?.detection)
    }
}
