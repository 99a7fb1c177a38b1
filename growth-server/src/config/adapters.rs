//! The settings tables of the platform adapters, as this binary was built.
//!
//! Each adapter is a cargo feature of `growth-server` (forwarded to `growth-adapters`; all on by
//! default). A binary built without one still reads its table — so a configuration written for
//! the full build never fails to parse — but `not_built` refuses it at start-up, naming the
//! feature to build with, instead of silently publishing to the outbox.

use serde::{Deserialize, Deserializer};

use super::{ConfigError, Settings};

/// The settings table of an adapter this binary was built without: it accepts anything, and
/// start-up refuses it, naming the feature to build with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotBuilt;

impl<'de> Deserialize<'de> for NotBuilt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer)?;
        Ok(Self)
    }
}

/// `pub type $alias = $config` with the adapter's feature, [`NotBuilt`] without it.
macro_rules! adapter_settings {
    ($($(#[$doc:meta])* $alias:ident = $feature:literal => $config:ty;)*) => {$(
        $(#[$doc])*
        #[cfg(feature = $feature)]
        pub type $alias = $config;
        $(#[$doc])*
        #[cfg(not(feature = $feature))]
        pub type $alias = NotBuilt;
    )*};
}

adapter_settings! {
    /// `[integrations.assemblyai]` (feature `assemblyai`).
    AssemblyAiSettings = "assemblyai" => growth_adapters::assemblyai::AssemblyAiConfig;
    /// `[integrations.riverside]` (feature `riverside`).
    RiversideSettings = "riverside" => growth_adapters::riverside::RiversideConfig;
    /// `[integrations.grain]` (feature `grain`).
    GrainSettings = "grain" => growth_adapters::grain::GrainConfig;
    /// `[integrations.gemini]` (feature `gemini`).
    GeminiSettings = "gemini" => growth_adapters::gemini::GeminiConfig;
    /// `[vectors.pinecone]` (feature `pinecone`).
    PineconeSettings = "pinecone" => growth_adapters::pinecone::PineconeConfig;
    /// `[detection.gptzero]` (feature `gptzero`).
    GptZeroSettings = "gptzero" => growth_adapters::gptzero::GptZeroConfig;
    /// `[detection.originality]` (feature `originality`).
    OriginalitySettings = "originality" => growth_adapters::originality::OriginalityConfig;
    /// `[publishing.linkedin]` (feature `linkedin`).
    LinkedInSettings = "linkedin" => growth_adapters::linkedin::LinkedInConfig;
    /// `[publishing.customerio]` (feature `customerio`).
    CustomerIoSettings = "customerio" => growth_adapters::customerio::CustomerIoConfig;
    /// `[publishing.webflow]` (feature `webflow`).
    WebflowSettings = "webflow" => growth_adapters::webflow::WebflowConfig;
    /// `[publishing.notion]` (feature `notion`).
    NotionSettings = "notion" => growth_adapters::notion::NotionConfig;
    /// `[analytics.n8n]` (feature `n8n`).
    N8nSettings = "n8n" => growth_adapters::n8n::N8nConfig;
}

/// The first adapter table set in `settings` whose feature this binary was built without, as the
/// error start-up gives.
pub(super) fn not_built(settings: &Settings) -> Result<(), ConfigError> {
    let i = &settings.integrations;
    let p = &settings.publishing;
    let tables = [
        ("integrations.assemblyai", "assemblyai", cfg!(feature = "assemblyai"), i.assemblyai.is_some()),
        ("integrations.riverside", "riverside", cfg!(feature = "riverside"), i.riverside.is_some()),
        ("integrations.grain", "grain", cfg!(feature = "grain"), i.grain.is_some()),
        ("integrations.gemini", "gemini", cfg!(feature = "gemini"), i.gemini.is_some()),
        ("vectors.pinecone", "pinecone", cfg!(feature = "pinecone"), settings.vectors.pinecone.is_some()),
        ("detection.gptzero", "gptzero", cfg!(feature = "gptzero"), settings.detection.gptzero.is_some()),
        ("detection.originality", "originality", cfg!(feature = "originality"), settings.detection.originality.is_some()),
        ("publishing.linkedin", "linkedin", cfg!(feature = "linkedin"), p.linkedin.is_some()),
        ("publishing.customerio", "customerio", cfg!(feature = "customerio"), p.customerio.is_some()),
        ("publishing.webflow", "webflow", cfg!(feature = "webflow"), p.webflow.is_some()),
        ("publishing.notion", "notion", cfg!(feature = "notion"), p.notion.is_some()),
        (
            "analytics.customerio_signing_key",
            "customerio",
            cfg!(feature = "customerio"),
            settings.analytics.customerio_signing_key.is_some(),
        ),
    ];
    match tables.into_iter().find(|(_, _, built, set)| *set && !*built) {
        Some((table, feature, ..)) => Err(ConfigError(format!(
            "[{table}] is set but this binary was built without the `{feature}` feature (cargo build -p growth-server --features {feature})"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_not_built_table_reads_any_shape() {
        let v: NotBuilt = serde_json::from_value(serde_json::json!({"api_key": "k", "nested": {"a": [1, 2]}})).unwrap();
        assert_eq!(v, NotBuilt);
    }

    #[cfg(feature = "customerio")]
    #[test]
    fn the_segment_attribute_written_out_in_the_settings_is_the_adapters_default() {
        assert_eq!(Settings::default().analytics.segment_attribute, growth_adapters::customerio::DEFAULT_SEGMENT_ATTRIBUTE);
    }

    #[test]
    fn an_adapter_table_starts_only_in_a_binary_built_with_its_feature() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("growth.toml");
        std::fs::write(&f, "[publishing.linkedin]\naccess_token = \"t\"\napi_version = \"202511\"\n").unwrap();
        let loaded = Settings::load(Some(&f), std::iter::empty());
        if cfg!(feature = "linkedin") {
            assert!(loaded.unwrap().publishing.linkedin.is_some());
        } else {
            let e = loaded.unwrap_err().to_string();
            assert!(e.contains("[publishing.linkedin]") && e.contains("--features linkedin"), "{e}");
        }
    }
}
