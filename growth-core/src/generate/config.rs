//! How bundles are written, independent of which generator writes them.

use serde::{Deserialize, Serialize};

use super::PriceTable;
use crate::prompt::{BundlePlan, Voice};

/// The bundle pipeline's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationConfig {
    /// Generator calls at once (a bundle is 5 calls with the default plan).
    pub concurrency: usize,
    /// Rewrites of a piece that fails a gate (at most).
    pub max_rewrites: u32,
    /// How many pieces of each type a bundle holds.
    pub plan: BundlePlan,
    /// The founder's voice.
    pub voice: Voice,
    /// The call to action pieces end with (a default per type when `None`).
    pub cta: Option<String>,
    /// Prices per model, for the cost estimate.
    pub prices: PriceTable,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        Self {
            concurrency: 11,
            max_rewrites: 3,
            plan: BundlePlan::default(),
            voice: Voice::default(),
            cta: None,
            prices: PriceTable::default(),
        }
    }
}
