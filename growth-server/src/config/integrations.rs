//! `[integrations]` (the platforms sources come from) and `[webhooks]` (their inbound secrets).

use serde::Deserialize;

/// Credentials and options of the platforms sources come from. Each one unset is simply not
/// available: what needs it fails with a reason naming the setting.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntegrationSettings {
    /// AssemblyAI, which transcribes uploaded audio and platform recordings without a transcript.
    pub assemblyai: Option<growth_adapters::assemblyai::AssemblyAiConfig>,
    /// Riverside.fm Business API (podcast recordings).
    pub riverside: Option<growth_adapters::riverside::RiversideConfig>,
    /// Grain (sales calls).
    pub grain: Option<growth_adapters::grain::GrainConfig>,
    /// Google Meet (implementer calls) with an OAuth access token.
    pub gemini: Option<growth_adapters::gemini::GeminiConfig>,
}

/// Shared secrets that authenticate inbound webhooks (neither platform signs its deliveries).
/// A webhook whose token is unset is disabled: every delivery is refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Token Grain must present (`/webhooks/grain/<token>`, `?token=` or `X-Growth-Webhook-Token`).
    pub grain_token: Option<secrecy::SecretString>,
    /// Token Riverside (or the automation relaying its events) must present.
    pub riverside_token: Option<secrecy::SecretString>,
}
