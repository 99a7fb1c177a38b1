//! Names of the metrics the engine records through the [`metrics`] facade (a process that installs
//! a recorder — the server's Prometheus exporter, say — sees them; without one they cost nothing).

/// Job attempts finished, by `kind` and `outcome` (the job's status afterwards).
pub const JOBS: &str = "growth_jobs_total";
/// Publishing outcomes, by `platform` and `outcome` (published, retrying, deferred, unknown,
/// failed, reconciled).
pub const PUBLISHES: &str = "growth_publishes_total";
/// Review decisions and other state changes made by people, by `action`.
pub const STATE_CHANGES: &str = "growth_state_changes_total";
/// Generation tokens, by `model` and `kind` (`input`, `output`, `cache_read`, `cache_creation`).
pub const GENERATION_TOKENS: &str = "growth_generation_tokens_total";
/// Estimated generation cost in millionths of a US dollar (counters are integers), by `model`.
pub const GENERATION_COST: &str = "growth_generation_cost_microusd_total";

/// Adds one bundle's tokens and estimated cost.
pub fn count_generation(model: &str, usage: &crate::generate::Usage, cost_usd: f64) {
    let kinds = [
        ("input", usage.input_tokens),
        ("output", usage.output_tokens),
        ("cache_read", usage.cache_read_input_tokens),
        ("cache_creation", usage.cache_creation_input_tokens),
    ];
    for (kind, n) in kinds {
        metrics::counter!(GENERATION_TOKENS, "model" => model.to_owned(), "kind" => kind).increment(n);
    }
    if cost_usd.is_finite() && cost_usd > 0.0 {
        metrics::counter!(GENERATION_COST, "model" => model.to_owned()).increment((cost_usd * 1e6).round() as u64);
    }
}

/// Counts one state change made by `action` (approve, reject, edit, publish_now …).
pub fn count_change(action: &'static str, n: u64) {
    metrics::counter!(STATE_CHANGES, "action" => action).increment(n);
}
