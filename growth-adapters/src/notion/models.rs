//! Notion wire types.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A page as Notion returns it (only what we read).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Page {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) url: Option<String>,
    #[serde(default)]
    pub(crate) last_edited_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) in_trash: bool,
}

/// `POST /v1/data_sources/{id}/query` (or `/v1/databases/{id}/query`) →
/// `{"object": "list", "results": […], "has_more": …}`.
#[derive(Debug, Deserialize)]
pub(crate) struct QueryResults {
    #[serde(default)]
    pub(crate) results: Vec<Page>,
}
