//! The review change feed on PostgreSQL: a trigger notifies every write that moves an item into,
//! out of, or within review, and `watch_review_changes` bumps the counter for each; writes that do
//! not touch review, and writes in another schema, do not.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use growth_core::domain::{ContentStatus, ContentTransition, ContentType, NewContentItem};
use growth_core::review::ReviewChanges;
use growth_core::store::ContentStore;

/// Waits until the counter moves past `from` (or the deadline); answers where it is.
async fn moved_past(changes: &ReviewChanges, from: u64, within: Duration) -> u64 {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let now = changes.generation().unwrap_or(from);
        if now > from || tokio::time::Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_notifies_review_changes_and_only_them() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    let clock: Arc<dyn growth_core::Clock> = Arc::new(growth_core::SystemClock);
    let store = common::postgres(&url, &schemas, clock.clone()).await;
    let other = common::postgres(&url, &schemas, clock).await;
    let changes = Arc::new(ReviewChanges::new());
    let watcher = {
        let (s, c) = (store.clone(), changes.clone());
        tokio::spawn(async move { s.watch_review_changes(c).await })
    };
    for _ in 0..200 {
        if changes.is_live() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(changes.is_live(), "the listener connects");

    // An item written straight into review is a change.
    let g0 = changes.generation().unwrap();
    let in_review = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "In review now")).await.unwrap();
    let g1 = moved_past(&changes, g0, Duration::from_secs(5)).await;
    assert!(g1 > g0, "inserting an item in review is notified");

    // A draft, and the same writes in another schema, are not.
    let mut generated = NewContentItem::draft(ContentType::LinkedinPost, None, "generated only");
    generated.status = ContentStatus::Generated;
    let draft = store.insert_content(generated).await.unwrap();
    other.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "someone else's review")).await.unwrap();
    assert_eq!(moved_past(&changes, g1, Duration::from_millis(500)).await, g1, "neither a draft nor another schema's review is a change");

    // Leaving review (approve) is a change; moving a draft along outside review is not.
    store.transition_content(in_review.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    let g2 = moved_past(&changes, g1, Duration::from_secs(5)).await;
    assert!(g2 > g1, "leaving review is notified");
    store.transition_content(draft.id, ContentTransition::to(ContentStatus::InReview)).await.unwrap();
    assert!(moved_past(&changes, g2, Duration::from_secs(5)).await > g2, "entering review is notified");

    // Closing the store ends the feed: the fingerprint is read from the database again.
    store.pool().close().await;
    tokio::time::timeout(Duration::from_secs(10), watcher).await.unwrap().unwrap();
    assert!(!changes.is_live());
    assert_eq!(changes.generation(), None);
    schemas.drop_all(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sees_every_commit_of_another_connection_or_process() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("feed.db").display());
    let clock: Arc<dyn growth_core::Clock> = Arc::new(growth_core::SystemClock);
    let store = growth_store::SqliteStore::connect(&url, clock.clone()).await.unwrap();
    store.migrate().await.unwrap();
    // A second pool on the same file stands in for another process.
    let other = growth_store::SqliteStore::connect(&url, clock.clone()).await.unwrap();
    let changes = Arc::new(ReviewChanges::new());
    let watcher = {
        let (s, c) = (store.clone(), changes.clone());
        tokio::spawn(async move { s.watch_review_changes(c, Duration::from_millis(5)).await })
    };
    for _ in 0..200 {
        if changes.is_live() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(changes.is_live(), "the watch connects");

    // Nothing committed: the counter stays.
    let g0 = changes.generation().unwrap();
    assert_eq!(moved_past(&changes, g0, Duration::from_millis(100)).await, g0, "no commit, no change");

    // A commit through the watched store's own pool is seen (the watch has its own connection)…
    let item = store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "In review now")).await.unwrap();
    let g1 = moved_past(&changes, g0, Duration::from_secs(5)).await;
    assert!(g1 > g0, "a commit of this process's pool is seen");
    // …and so is one through another pool on the same file.
    other.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    let g2 = moved_past(&changes, g1, Duration::from_secs(5)).await;
    assert!(g2 > g1, "another connection's commit is seen");

    // Closing the store ends the watch: the fingerprint is read from the database again.
    store.pool().close().await;
    tokio::time::timeout(Duration::from_secs(10), watcher).await.unwrap().unwrap();
    assert!(!changes.is_live());
    assert_eq!(changes.generation(), None);
    other.pool().close().await;
}

#[tokio::test]
async fn an_in_memory_sqlite_database_has_no_watch() {
    let store = growth_store::SqliteStore::connect(":memory:", Arc::new(growth_core::SystemClock)).await.unwrap();
    let changes = Arc::new(ReviewChanges::new());
    tokio::time::timeout(Duration::from_secs(5), store.watch_review_changes(changes.clone(), Duration::from_millis(5))).await.unwrap();
    assert_eq!(changes.generation(), None, "no second connection can see an in-memory database: read it every time");
}
