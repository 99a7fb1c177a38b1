//! The hourly metrics sync as a job: [`SyncMetricsHandler`] runs one [`MeasureService::sync`]
//! pass per `sync_metrics` job, and [`sync_metrics_cron`] is the cron entry that enqueues one at
//! the top of every hour (once across every instance: cron firings are claimed in the store).

use async_trait::async_trait;

use super::MeasureService;
use crate::Result;
use crate::domain::JobKind;
use crate::jobs::{CronEntry, JobContext, JobHandler};

/// The job kind of a sync pass.
pub const SYNC_METRICS: &str = "sync_metrics";

/// The kind of a sync pass, as a [`JobKind`].
pub fn sync_metrics_kind() -> JobKind {
    JobKind::new(SYNC_METRICS).unwrap_or_else(|_| unreachable!("a valid constant kind"))
}

/// The cron entry: a sync pass at minute 0 of every hour (UTC), or on `expression`.
pub fn sync_metrics_cron(expression: Option<&str>) -> Result<CronEntry> {
    CronEntry::new(SYNC_METRICS, expression.unwrap_or("0 * * * *"), sync_metrics_kind(), serde_json::json!({}))
}

/// Runs one sync pass per job; the job's result is the [`super::SyncReport`].
#[derive(Clone, Debug)]
pub struct SyncMetricsHandler {
    measure: MeasureService,
}

impl SyncMetricsHandler {
    /// A handler for `measure`.
    pub fn new(measure: MeasureService) -> Self {
        Self { measure }
    }
}

#[async_trait]
impl JobHandler for SyncMetricsHandler {
    fn kind(&self) -> JobKind {
        sync_metrics_kind()
    }

    async fn run(&self, _ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let report = self.measure.sync().await?;
        Ok(Some(serde_json::to_value(report).map_err(|e| crate::Error::internal("encoding the sync report", e))?))
    }
}
