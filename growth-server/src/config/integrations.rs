//! `[integrations]` (the platforms sources come from) and `[webhooks]` (their inbound secrets).

use serde::Deserialize;

/// Credentials and options of the platforms sources come from. Each one unset is simply not
/// available: what needs it fails with a reason naming the setting.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntegrationSettings {
    /// AssemblyAI, which transcribes uploaded audio and platform recordings without a transcript.
    pub assemblyai: Option<super::adapters::AssemblyAiSettings>,
    /// Riverside.fm Business API (podcast recordings).
    pub riverside: Option<super::adapters::RiversideSettings>,
    /// Grain (sales calls).
    pub grain: Option<super::adapters::GrainSettings>,
    /// Google Meet (implementer calls) with an OAuth access token.
    pub gemini: Option<super::adapters::GeminiSettings>,
}

/// Shared secrets that authenticate inbound webhooks (neither platform signs its deliveries).
/// A webhook with no token is disabled: every delivery is refused.
///
/// A delivery is accepted when it carries `X-Growth-Signature: t=<unix>,v1=<hex>` — HMAC-SHA256
/// under one of the tokens over `<t>.<raw body>`, `t` within `signature_tolerance_secs` (what a
/// relay can sign) — or the token itself in `X-Growth-Webhook-Token`. The token in the path
/// (`/webhooks/grain/<token>`, Grain's `hook_url` form) or in `?token=` is still accepted but
/// logged as deprecated: proxies log paths and queries. During a rotation list the new and the
/// old token (`grain_tokens = ["new", "old"]`); every listed token is accepted.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Token Grain must present (or sign with).
    pub grain_token: Option<secrecy::SecretString>,
    /// More Grain tokens, accepted as well (rotation).
    pub grain_tokens: Vec<secrecy::SecretString>,
    /// Token Riverside (or the automation relaying its events) must present (or sign with).
    pub riverside_token: Option<secrecy::SecretString>,
    /// More Riverside tokens, accepted as well (rotation).
    pub riverside_tokens: Vec<secrecy::SecretString>,
    /// How far a signature's timestamp may be from now, either way.
    pub signature_tolerance_secs: u64,
    /// Refuse deliveries that are not signed (no bare tokens at all).
    pub require_signature: bool,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            grain_token: None,
            grain_tokens: Vec::new(),
            riverside_token: None,
            riverside_tokens: Vec::new(),
            signature_tolerance_secs: 300,
            require_signature: false,
        }
    }
}

impl WebhookSettings {
    /// Every token configured for `platform` (`grain` or `riverside`), empty ones left out.
    pub fn tokens(&self, platform: &str) -> Vec<&secrecy::SecretString> {
        let (one, more) = match platform {
            "grain" => (&self.grain_token, &self.grain_tokens),
            "riverside" => (&self.riverside_token, &self.riverside_tokens),
            _ => return Vec::new(),
        };
        one.iter().chain(more).filter(|t| !secrecy::ExposeSecret::expose_secret(*t).is_empty()).collect()
    }
}
