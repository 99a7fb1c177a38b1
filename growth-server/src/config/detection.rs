//! `[detection]`: the detector the `ai_likeness` gate asks.

use serde::Deserialize;

/// Which detector the `ai_likeness` gate asks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectorProvider {
    /// The local stylometric detector (offline).
    #[default]
    Stylometric,
    /// GPTZero (needs `[detection.gptzero]`).
    Gptzero,
    /// Originality.ai (needs `[detection.originality]`).
    Originality,
}

/// AI-likeness detection.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectionSettings {
    /// Which detector.
    pub provider: DetectorProvider,
    /// GPTZero settings (`api_key` …).
    pub gptzero: Option<super::adapters::GptZeroSettings>,
    /// Originality.ai settings (`api_key` …).
    pub originality: Option<super::adapters::OriginalitySettings>,
}
