//! Wire types (`pub(crate)`: never part of the public API). Pinecone's JSON is camelCase; unknown
//! response fields are ignored.

use std::collections::BTreeMap;

use growth_core::vector::Metadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One record of `POST /vectors/upsert`. Metadata keys with `null` values are left out (Pinecone
/// stores no nulls), and so is empty metadata.
#[derive(Debug, Serialize)]
pub(crate) struct UpsertVector<'a> {
    pub(crate) id: &'a str,
    pub(crate) values: &'a [f32],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) metadata: BTreeMap<&'a str, &'a Value>,
}

impl<'a> UpsertVector<'a> {
    pub(crate) fn new(id: &'a str, values: &'a [f32], metadata: &'a Metadata) -> Self {
        Self { id, values, metadata: metadata.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.as_str(), v)).collect() }
    }
}

/// `POST /vectors/upsert` answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpsertResponse {
    #[serde(default)]
    pub(crate) upserted_count: Option<u64>,
}

/// `POST /query` body: by vector, metadata included, values not.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryRequest<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) vector: &'a [f32],
    pub(crate) top_k: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) filter: Option<Value>,
    pub(crate) include_metadata: bool,
    pub(crate) include_values: bool,
}

/// `POST /query` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct QueryResponse {
    #[serde(default)]
    pub(crate) matches: Vec<QueryMatch>,
}

/// One match; `values` and `sparseValues` are not read.
#[derive(Debug, Deserialize)]
pub(crate) struct QueryMatch {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) score: f32,
    #[serde(default)]
    pub(crate) metadata: Option<Metadata>,
}

/// `POST /vectors/delete` body, by ids.
#[derive(Debug, Serialize)]
pub(crate) struct DeleteRequest<'a> {
    pub(crate) ids: &'a [String],
    pub(crate) namespace: &'a str,
}

/// `POST /describe_index_stats` answer (`namespaces`, `indexFullness`, … are not read).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IndexStats {
    #[serde(default)]
    pub(crate) dimension: Option<usize>,
    #[serde(default)]
    pub(crate) metric: Option<String>,
    #[serde(default)]
    pub(crate) total_vector_count: Option<u64>,
}

/// Control plane `GET /indexes/{name}` answer: only the host is read.
#[derive(Debug, Deserialize)]
pub(crate) struct IndexDescription {
    pub(crate) host: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn request_keys_are_camel_case_and_null_metadata_is_left_out() {
        let q = QueryRequest { namespace: "kb", vector: &[0.5], top_k: 3, filter: None, include_metadata: true, include_values: false };
        assert_eq!(
            serde_json::to_value(&q).unwrap(),
            json!({"namespace": "kb", "vector": [0.5], "topK": 3, "includeMetadata": true, "includeValues": false})
        );
        let mut m = Metadata::new();
        m.insert("kind".into(), json!("a"));
        m.insert("gone".into(), Value::Null);
        assert_eq!(
            serde_json::to_value(UpsertVector::new("x", &[1.0], &m)).unwrap(),
            json!({"id": "x", "values": [1.0], "metadata": {"kind": "a"}})
        );
        assert_eq!(serde_json::to_value(UpsertVector::new("x", &[1.0], &Metadata::new())).unwrap(), json!({"id": "x", "values": [1.0]}));
    }

    #[test]
    fn responses_tolerate_unknown_and_missing_fields() {
        let r: QueryResponse =
            serde_json::from_value(json!({"matches": [{"id": "a", "score": 0.5, "values": [], "sparseValues": {"indices": [], "values": []}, "new": 1}], "usage": {"readUnits": 5}}))
                .unwrap();
        assert_eq!(r.matches[0].id, "a");
        assert!(r.matches[0].metadata.is_none());
        let r: QueryResponse = serde_json::from_value(json!({"matches": [{"id": "a", "score": 0.5, "metadata": null}]})).unwrap();
        assert!(r.matches[0].metadata.is_none());
        let u: UpsertResponse = serde_json::from_value(json!({"upsertedCount": 10, "extra": true})).unwrap();
        assert_eq!(u.upserted_count, Some(10));
    }
}
