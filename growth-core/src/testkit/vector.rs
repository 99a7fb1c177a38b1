//! Conformance suite for [`VectorStore`] (stores of 3-dimensional vectors).

use std::sync::Arc;

use serde_json::json;

use crate::Error;
use crate::vector::{Metadata, MetadataFilter, VectorQuery, VectorRecord, VectorStore};

/// Runs every check against fresh stores from `make`, which must build stores of 3 dimensions.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn VectorStore>>,
{
    super::named("matches_come_back_nearest_first", matches_come_back_nearest_first(make().await)).await;
    super::named("namespaces_do_not_see_each_other", namespaces_do_not_see_each_other(make().await)).await;
    super::named("filters_restrict_matches", filters_restrict_matches(make().await)).await;
    super::named("upsert_replaces_by_id", upsert_replaces_by_id(make().await)).await;
    super::named("a_wrong_dimension_stores_nothing", a_wrong_dimension_stores_nothing(make().await)).await;
    super::named("deleted_records_are_gone", deleted_records_are_gone(make().await)).await;
    super::named(
        "list_metadata_returns_every_record_passing_the_filter",
        list_metadata_returns_every_record_passing_the_filter(make().await),
    )
    .await;
}

fn rec(id: &str, v: [f32; 3], kind: &str) -> VectorRecord {
    let mut m = Metadata::new();
    m.insert("kind".into(), json!(kind));
    VectorRecord { id: id.into(), values: v.to_vec(), metadata: m }
}

fn q(ns: &str, v: [f32; 3], k: usize, filter: Option<MetadataFilter>) -> VectorQuery {
    VectorQuery { namespace: ns.into(), vector: v.to_vec(), top_k: k, filter }
}

pub async fn matches_come_back_nearest_first(s: Arc<dyn VectorStore>) {
    assert_eq!(s.dimensions(), 3);
    s.upsert("kb", vec![rec("x", [1.0, 0.0, 0.0], "a"), rec("y", [0.0, 1.0, 0.0], "a"), rec("xy", [1.0, 1.0, 0.0], "a")]).await.unwrap();
    let m = s.query(q("kb", [1.0, 0.1, 0.0], 2, None)).await.unwrap();
    let ids: Vec<&str> = m.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["x", "xy"]);
    assert!(m[0].score > m[1].score);
    assert!((m[0].score - 0.995).abs() < 0.01, "{}", m[0].score);
    assert_eq!(m[0].metadata.get("kind"), Some(&json!("a")));
}

pub async fn namespaces_do_not_see_each_other(s: Arc<dyn VectorStore>) {
    s.upsert("kb", vec![rec("x", [1.0, 0.0, 0.0], "a")]).await.unwrap();
    s.upsert("icp", vec![rec("p", [1.0, 0.0, 0.0], "a")]).await.unwrap();
    let m = s.query(q("icp", [1.0, 0.0, 0.0], 10, None)).await.unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].id, "p");
    assert!(s.query(q("empty", [1.0, 0.0, 0.0], 10, None)).await.unwrap().is_empty());
}

pub async fn filters_restrict_matches(s: Arc<dyn VectorStore>) {
    s.upsert("kb", vec![rec("x", [1.0, 0.0, 0.0], "playbook"), rec("y", [0.9, 0.1, 0.0], "framework")]).await.unwrap();
    let f = MetadataFilter::Eq("kind".into(), json!("framework"));
    let m = s.query(q("kb", [1.0, 0.0, 0.0], 10, Some(f))).await.unwrap();
    assert_eq!(m.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["y"]);
}

pub async fn upsert_replaces_by_id(s: Arc<dyn VectorStore>) {
    s.upsert("kb", vec![rec("x", [1.0, 0.0, 0.0], "old")]).await.unwrap();
    s.upsert("kb", vec![rec("x", [0.0, 0.0, 1.0], "new")]).await.unwrap();
    let m = s.query(q("kb", [0.0, 0.0, 1.0], 10, None)).await.unwrap();
    assert_eq!(m.len(), 1);
    assert!((m[0].score - 1.0).abs() < 1e-5);
    assert_eq!(m[0].metadata.get("kind"), Some(&json!("new")));
}

pub async fn a_wrong_dimension_stores_nothing(s: Arc<dyn VectorStore>) {
    let bad = VectorRecord { id: "bad".into(), values: vec![1.0, 2.0], metadata: Metadata::new() };
    let r = s.upsert("kb", vec![rec("ok", [1.0, 0.0, 0.0], "a"), bad]).await;
    assert!(matches!(r, Err(Error::InvalidInput { .. })), "{r:?}");
    assert!(
        s.query(q("kb", [1.0, 0.0, 0.0], 10, None)).await.unwrap().is_empty(),
        "the valid record of a refused batch must not be stored"
    );
    assert!(matches!(
        s.query(VectorQuery { namespace: "kb".into(), vector: vec![1.0], top_k: 1, filter: None }).await,
        Err(Error::InvalidInput { .. })
    ));
}

pub async fn deleted_records_are_gone(s: Arc<dyn VectorStore>) {
    s.upsert("kb", vec![rec("x", [1.0, 0.0, 0.0], "a"), rec("y", [0.0, 1.0, 0.0], "a")]).await.unwrap();
    s.delete("kb", &["x".into(), "never-existed".into()]).await.unwrap();
    let m = s.query(q("kb", [1.0, 0.0, 0.0], 10, None)).await.unwrap();
    assert_eq!(m.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["y"]);
}

pub async fn list_metadata_returns_every_record_passing_the_filter(s: Arc<dyn VectorStore>) {
    s.upsert(
        "kb",
        vec![
            rec("a#0", [1.0, 0.0, 0.0], "a"),
            rec("a#1", [-1.0, 0.0, 0.0], "a"),
            rec("a#2", [0.0, 0.0, 1.0], "a"),
            rec("b#0", [1.0, 0.0, 0.0], "b"),
        ],
    )
    .await
    .unwrap();
    s.upsert("other", vec![rec("a#9", [1.0, 0.0, 0.0], "a")]).await.unwrap();
    let listed = s.list_metadata("kb", MetadataFilter::Eq("kind".into(), json!("a")), 100).await.unwrap();
    assert_eq!(listed.keys().map(String::as_str).collect::<Vec<_>>(), ["a#0", "a#1", "a#2"], "whatever their score, only in the namespace");
    assert_eq!(listed["a#1"].get("kind"), Some(&json!("a")));
    assert!(s.list_metadata("none", MetadataFilter::Eq("kind".into(), json!("a")), 100).await.unwrap().is_empty());
}
