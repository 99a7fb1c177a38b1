//! The review fingerprint is answered from memory only while a change feed is live and has not
//! moved; with the feed down (or without one) it is read from the store every time.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests: a failed setup should abort loudly")]

use std::sync::Arc;

use growth_core::SystemClock;
use growth_core::domain::{ContentType, NewContentItem, Platform};
use growth_core::memory::InMemoryStore;
use growth_core::review::{ReviewChanges, ReviewService};
use growth_core::store::ContentStore;

async fn service(changes: &Arc<ReviewChanges>) -> (Arc<InMemoryStore>, ReviewService) {
    let store = Arc::new(InMemoryStore::default());
    let review =
        ReviewService::new(store.clone(), Arc::new(SystemClock), "UTC", [Platform::LINKEDIN].into()).unwrap().with_changes(changes.clone());
    (store, review)
}

#[tokio::test]
async fn a_live_feed_that_has_not_moved_answers_from_memory_and_a_bump_reads_again() {
    let changes = Arc::new(ReviewChanges::new());
    changes.set_live(true);
    let (store, review) = service(&changes).await;
    assert_eq!(review.pending_fingerprint().await.unwrap().0, 0);
    // A write the feed has not reported yet is not seen…
    store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "one")).await.unwrap();
    assert_eq!(review.pending_fingerprint().await.unwrap().0, 0, "answered from memory");
    // …until it is.
    changes.bump();
    assert_eq!(review.pending_fingerprint().await.unwrap().0, 1);
}

#[tokio::test]
async fn with_the_feed_down_every_answer_is_read_from_the_store() {
    let changes = Arc::new(ReviewChanges::new());
    let (store, review) = service(&changes).await;
    assert_eq!(review.pending_fingerprint().await.unwrap().0, 0);
    store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "one")).await.unwrap();
    assert_eq!(review.pending_fingerprint().await.unwrap().0, 1, "not live: no cache");
    changes.set_live(true);
    assert_eq!(review.pending_fingerprint().await.unwrap().0, 1);
    changes.set_live(false);
    store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "two")).await.unwrap();
    assert_eq!(review.pending_fingerprint().await.unwrap().0, 2, "a lost feed falls back to the store at once");
}
