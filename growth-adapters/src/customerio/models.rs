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
