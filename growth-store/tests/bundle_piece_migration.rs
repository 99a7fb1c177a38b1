//! The bundle-piece key migration (`20261213000012_bundle_piece_key`): a database in which two
//! runs of one generate job saved a piece twice comes out with one keyed item per (bundle, piece)
//! — the most advanced, then the most edited, then the oldest — and **every row kept**: the other
//! copies lose only their key (their JSON tag moves to `growth_bundle_duplicate`). After it, a
//! save of a kept key answers the kept item. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

mod common;

use std::sync::Arc;

use growth_core::SystemClock;
use growth_core::domain::*;
use growth_core::store::Store;
use serde_json::json;

/// The last migration before the key.
const BEFORE_KEY: i64 = 20261211000001;

fn tagged(source: SourceId, bundle: &str, piece: &str, text: &str) -> NewContentItem {
    let mut n = NewContentItem::draft(ContentType::LinkedinPost, None, text);
    n.source_id = Some(source);
    n.platform_data = json!({"format": "insight", "growth_bundle": {"bundle": bundle, "piece": piece, "model": "m"}});
    n
}

/// Ids of what was written before the migration: (piece A's three copies, B's two, C's one).
struct Before {
    a: [ContentId; 3],
    b: [ContentId; 2],
    c: ContentId,
    source: SourceId,
}

/// Writes duplicates as two runs of one bundle did before the key existed: piece A three times
/// (the oldest in review, the second approved, the third edited), B twice (both untouched), C once.
async fn write_duplicates(s: &dyn Store) -> Before {
    let source = s.create_source(NewSource { title: Some("episode".into()), transcript: Some("words".into()), ..Default::default() }).await;
    let source = source.unwrap().value.id;
    let mut a = Vec::new();
    for text in ["A, first run.", "A, second run.", "A, third run."] {
        a.push(s.insert_content(tagged(source, "job-1", "linkedin_post#0", text)).await.unwrap().id);
    }
    s.transition_content(a[1], ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    let edit =
        ContentUpdate { title: None, content: Some("A, third run, edited.".into()), expected_version: 1, edited_by: None, edits: vec![] };
    s.update_content(a[2], edit).await.unwrap();
    let b0 = s.insert_content(tagged(source, "job-1", "linkedin_post#1", "B, first run.")).await.unwrap().id;
    let b1 = s.insert_content(tagged(source, "job-1", "linkedin_post#1", "B, second run.")).await.unwrap().id;
    let c = s.insert_content(tagged(source, "job-1", "newsletter#0", "C.")).await.unwrap().id;
    Before { a: [a[0], a[1], a[2]], b: [b0, b1], c, source }
}

async fn check_after(s: &dyn Store, before: &Before) {
    let all = s.list_content(&ContentFilter { source_id: Some(before.source), limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 6, "no row is deleted");
    let keyed = |bundle: &'static str, piece: &'static str| async move { s.get_bundle_piece(bundle, piece).await.unwrap().map(|c| c.id) };
    assert_eq!(keyed("job-1", "linkedin_post#0").await, Some(before.a[1]), "the approved copy (most advanced) keeps the key");
    assert_eq!(keyed("job-1", "linkedin_post#1").await, Some(before.b[0]), "between untouched copies the oldest keeps it");
    assert_eq!(keyed("job-1", "newsletter#0").await, Some(before.c), "a piece saved once keeps its key");
    for id in [before.a[0], before.a[2], before.b[1]] {
        let item = s.get_content(id).await.unwrap();
        assert!(item.platform_data.get("growth_bundle").is_none(), "a demoted copy is no longer tagged as the piece: {item:?}");
        assert!(item.platform_data["growth_bundle_duplicate"]["piece"].as_str().is_some(), "its tag is kept aside: {item:?}");
        assert_eq!(item.platform_data["format"], "insight", "the rest of its data is untouched");
    }
    let edited = s.get_content(before.a[2]).await.unwrap();
    assert_eq!((edited.version, edited.content.as_str()), (2, "A, third run, edited."), "reviewed work is kept");
    assert_eq!(s.list_versions(before.a[2]).await.unwrap().len(), 2);
    let (again, created) =
        s.insert_bundle_piece("job-1", "linkedin_post#0", tagged(before.source, "job-1", "linkedin_post#0", "A, run 4.")).await.unwrap();
    assert!(!created);
    assert_eq!(again.id, before.a[1], "a later run gets the kept item");
}

#[tokio::test]
async fn sqlite_duplicates_keep_one_keyed_item_per_piece_and_lose_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let s = growth_store::SqliteStore::connect(path.to_str().unwrap(), Arc::new(SystemClock)).await.unwrap();
    sqlx::migrate!("./migrations/sqlite").run_to(BEFORE_KEY, s.pool()).await.unwrap();
    let before = write_duplicates(&s).await;
    s.migrate().await.unwrap();
    s.pool().close().await;
    // A server migrates before it serves: read through a pool that never saw the old shape.
    let fresh = growth_store::SqliteStore::connect(path.to_str().unwrap(), Arc::new(SystemClock)).await.unwrap();
    check_after(&fresh, &before).await;
}

#[tokio::test]
async fn postgres_duplicates_keep_one_keyed_item_per_piece_and_lose_no_row() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    let schema = schemas.fresh_name();
    let s = growth_store::PgStore::connect_in_schema(&url, Some(&schema), Arc::new(SystemClock)).await.unwrap();
    sqlx::migrate!("./migrations/postgres").run_to(BEFORE_KEY, s.pool()).await.unwrap();
    let before = write_duplicates(&s).await;
    s.migrate().await.unwrap();
    // A server migrates before it serves: read through a pool that never saw the old shape.
    let fresh = growth_store::PgStore::connect_in_schema(&url, Some(&schema), Arc::new(SystemClock)).await.unwrap();
    check_after(&fresh, &before).await;
    drop(s);
    fresh.pool().close().await;
    schemas.drop_all(&url).await;
}
