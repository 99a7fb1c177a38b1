//! `[ingest]`: size limits of uploads by kind, PDF extraction limits and the stale-source sweep.

use std::time::Duration;

use growth_core::ingest::IngestLimits;
use growth_core::ingest::pdf::PdfLimits;
use serde::Deserialize;

/// Limits of getting sources in. A transcript or text over its limit is a 413 naming the setting,
/// whatever `http.upload_limit_bytes` allows (that one bounds the multipart body as a whole).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestSettings {
    /// Largest transcript file or pasted text, in bytes.
    pub max_transcript_bytes: usize,
    /// Largest audio file, in bytes.
    pub max_audio_bytes: usize,
    /// Largest PDF, in bytes.
    pub pdf_max_bytes: usize,
    /// Longest one PDF extraction may take (the child process is killed past it).
    pub pdf_timeout_secs: u64,
    /// PDF extractions at once (others wait for a slot within the timeout).
    pub pdf_max_concurrent: usize,
    /// Minutes a source may sit in `processing` (or `ingested` without a transcript) before the
    /// sweep marks it `failed` with a reason; uploading the same file again resumes it.
    pub stale_after_minutes: u64,
}

impl Default for IngestSettings {
    fn default() -> Self {
        let core = IngestLimits::default();
        let pdf = PdfLimits::default();
        Self {
            max_transcript_bytes: core.max_transcript_bytes,
            max_audio_bytes: core.max_audio_bytes,
            pdf_max_bytes: pdf.max_bytes,
            pdf_timeout_secs: pdf.timeout.as_secs(),
            pdf_max_concurrent: pdf.max_concurrent,
            stale_after_minutes: 180,
        }
    }
}

impl IngestSettings {
    /// The library's limits.
    pub fn limits(&self) -> IngestLimits {
        IngestLimits { max_transcript_bytes: self.max_transcript_bytes, max_audio_bytes: self.max_audio_bytes }
    }

    /// The PDF extractor's limits.
    pub fn pdf_limits(&self) -> PdfLimits {
        PdfLimits {
            max_bytes: self.pdf_max_bytes,
            timeout: Duration::from_secs(self.pdf_timeout_secs),
            max_concurrent: self.pdf_max_concurrent,
            ..PdfLimits::default()
        }
    }

    /// How long a source may stay in processing.
    pub fn stale_after(&self) -> Duration {
        Duration::from_secs(self.stale_after_minutes.saturating_mul(60))
    }
}
