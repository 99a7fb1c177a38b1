//! `[generation]`: the generator, the bundle plan, the voice and the cost ledger's prices.

use serde::Deserialize;

/// Which generator writes drafts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorProvider {
    /// The offline extractive generator (no key, no network).
    #[default]
    Extractive,
    /// Claude (needs `[generation.claude]` with `api_key` and `model`).
    Claude,
    /// Any OpenAI-compatible Chat Completions server — a local model on Ollama, llama.cpp or vLLM,
    /// or another provider (needs `[generation.openai_compatible]` with `base_url` and `model`).
    OpenaiCompatible,
}

/// Content generation.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationSettings {
    /// Which generator.
    pub provider: GeneratorProvider,
    /// Claude settings (`api_key`, `model`, `max_tokens` …).
    pub claude: Option<growth_llm::anthropic::ClaudeConfig>,
    /// OpenAI-compatible settings (`base_url`, `model`, `api_key`?, `json_mode` …).
    pub openai_compatible: Option<growth_llm::openai_compat::OpenAiCompatConfig>,
    /// The offline generator's settings (CTA text …).
    pub extractive: growth_llm::offline::ExtractiveConfig,
    /// Generator calls at once per bundle.
    pub concurrency: usize,
    /// Rewrites per piece when a gate fails.
    pub max_rewrites: u32,
    /// Pieces per bundle (`linkedin_posts` 7, `pre_interview` 1 …).
    pub plan: growth_core::prompt::BundlePlan,
    /// The writer's voice (the character diamond) and principles.
    pub voice: growth_core::prompt::Voice,
    /// The call to action every piece ends with (none: the writer picks one).
    pub cta: Option<String>,
    /// Prices per model for the cost ledger (US dollars per million tokens).
    pub prices: growth_core::generate::PriceTable,
}

impl Default for GenerationSettings {
    fn default() -> Self {
        Self {
            provider: GeneratorProvider::Extractive,
            claude: None,
            openai_compatible: None,
            extractive: growth_llm::offline::ExtractiveConfig::default(),
            concurrency: 11,
            max_rewrites: 3,
            plan: growth_core::prompt::BundlePlan::default(),
            voice: growth_core::prompt::Voice::default(),
            cta: None,
            prices: growth_core::generate::PriceTable::default(),
        }
    }
}
