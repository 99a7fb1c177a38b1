//! Webflow wire types (Data API v2, CMS items).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Body of `POST /v2/collections/{id}/items[/live]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateItem<'a> {
    pub(crate) is_archived: bool,
    pub(crate) is_draft: bool,
    pub(crate) field_data: &'a serde_json::Map<String, serde_json::Value>,
}

/// A CMS item as Webflow returns it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CollectionItem {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) last_published: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) created_on: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) field_data: serde_json::Map<String, serde_json::Value>,
}

impl CollectionItem {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.field_data.get(name).and_then(|v| v.as_str())
    }
}

/// `GET /v2/collections/{id}/items` → `{"items": […], "pagination": {…}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ItemList {
    #[serde(default)]
    pub(crate) items: Vec<CollectionItem>,
}

/// Body of `POST /v2/collections/{id}/items/publish`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PublishItems<'a> {
    pub(crate) item_ids: [&'a str; 1],
}

/// `202 {"publishedItemIds": […], "errors": […]}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PublishedItems {
    #[serde(default)]
    pub(crate) published_item_ids: Vec<String>,
    #[serde(default)]
    pub(crate) errors: Vec<serde_json::Value>,
}
