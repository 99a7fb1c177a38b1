//! `[worker]`: the background job worker.

use serde::Deserialize;

/// Background worker settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Jobs run at once by one worker process.
    pub concurrency: usize,
    /// How long an idle worker waits before asking for work again.
    pub poll_interval_ms: u64,
    /// How long a claim holds without a heartbeat (heartbeats come every third of it).
    pub lease_secs: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self { concurrency: 4, poll_interval_ms: 1000, lease_secs: 60 }
    }
}
