//! `[learning]`: edit learning, ICP extraction, and when their jobs run.

use growth_core::learn::LearningConfig;
use growth_core::learn::icp::IcpConfig;
use serde::Deserialize;

/// Edit learning and ICP extraction (see `growth_core::learn::service`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearningSettings {
    /// Saves a pattern must be seen in before it is proposed as a rule.
    pub min_support: usize,
    /// Share of the saves that could show a pattern that must show it (0–1).
    pub min_confidence: f64,
    /// Mining reads the edits of the last this many days.
    pub lookback_days: u32,
    /// When mining runs (cron, UTC); empty: never (only `POST /learning/run`).
    pub mine_cron: String,
    /// When new call sources are read for ICP profiles (cron, UTC); empty: never.
    pub icp_cron: String,
    /// When items in review get their best publish time (cron, UTC); empty: never.
    pub best_time_cron: String,
    /// The seller's speaker names on calls (inferred when empty).
    pub host_speakers: Vec<String>,
    /// Jaccard similarity at which an objection counts as a mention of a known one.
    pub objection_similarity: f64,
    /// Measured posts a platform needs before smart distribution takes its times from the
    /// best-time model (below it, the scheduling rules choose).
    pub smart_min_posts: u32,
}

impl Default for LearningSettings {
    fn default() -> Self {
        let c = LearningConfig::default();
        Self {
            min_support: c.mining.min_support,
            min_confidence: c.mining.min_confidence,
            lookback_days: c.lookback_days,
            mine_cron: c.mine_cron.unwrap_or_default(),
            icp_cron: c.icp_cron.unwrap_or_default(),
            best_time_cron: c.best_time_cron.unwrap_or_default(),
            host_speakers: Vec::new(),
            objection_similarity: c.objection_similarity,
            smart_min_posts: c.smart_min_posts,
        }
    }
}

impl LearningSettings {
    /// The engine's configuration; checked by `LearningConfig::validate` when the engine is built.
    pub fn to_config(&self) -> LearningConfig {
        let mut c = LearningConfig::default();
        c.mining.min_support = self.min_support;
        c.mining.min_confidence = self.min_confidence;
        c.lookback_days = self.lookback_days;
        c.mine_cron = Some(self.mine_cron.trim().to_owned()).filter(|s| !s.is_empty());
        c.icp_cron = Some(self.icp_cron.trim().to_owned()).filter(|s| !s.is_empty());
        c.best_time_cron = Some(self.best_time_cron.trim().to_owned()).filter(|s| !s.is_empty());
        c.icp = IcpConfig { host_speakers: self.host_speakers.clone(), ..IcpConfig::default() };
        c.objection_similarity = self.objection_similarity;
        c.smart_min_posts = self.smart_min_posts;
        c
    }
}
