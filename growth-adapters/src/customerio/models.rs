//! Wire types (`pub(crate)`: never part of the public API).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `POST /v1/campaigns/{id}/triggers` answer: `{"id": 3}`, the trigger id (an integer; older
/// clients typed it as a string, so both are read).
#[derive(Debug, Deserialize)]
pub(crate) struct TriggerResponse {
    pub(crate) id: Value,
}

/// `GET /v1/broadcasts/{id}/triggers` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct TriggerList {
    #[serde(default)]
    pub(crate) triggers: Vec<Trigger>,
}

/// A trigger: `{"id": 1, "broadcast_id": 2, "created_at": 1552341937, "processed_at": 1}`. The
/// documented object carries no `data`; it is read when present.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Trigger {
    pub(crate) id: Value,
    #[serde(default)]
    pub(crate) created_at: Option<i64>,
    #[serde(default)]
    pub(crate) processed_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) data: Option<Map<String, Value>>,
}

/// An id that is a number or a string, as text.
pub(crate) fn id_text(id: &Value) -> Option<String> {
    match id {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// `GET /v1/broadcasts/{id}/metrics` answer: `{"metric": {"series": {"sent": [120, 0], …}}}`
/// (official spec), each series oldest to newest; an older API answered `metric.totals`, read
/// when present.
#[derive(Debug, Deserialize)]
pub(crate) struct BroadcastMetrics {
    #[serde(alias = "metrics")]
    pub(crate) metric: MetricBlock,
}

/// The metrics of one broadcast.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MetricBlock {
    #[serde(default)]
    pub(crate) series: Map<String, Value>,
    #[serde(default)]
    pub(crate) totals: Option<Map<String, Value>>,
}

impl MetricBlock {
    /// The total of `key`: `totals.key` when given, else the sum of `series.key`; `None` when
    /// the answer has neither.
    pub(crate) fn total(&self, key: &str) -> Option<i64> {
        if let Some(v) = self.totals.as_ref().and_then(|t| t.get(key)).and_then(Value::as_i64) {
            return Some(v);
        }
        let series = self.series.get(key)?.as_array()?;
        Some(series.iter().filter_map(Value::as_i64).sum())
    }
}
