//! Conformance suite for [`BlobStore`].

use std::sync::Arc;

use bytes::Bytes;

use crate::Error;
use crate::blob::BlobStore;

/// Runs every check against fresh stores from `make`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn BlobStore>>,
{
    super::named("put_then_get_returns_the_same_bytes", put_then_get_returns_the_same_bytes(make().await)).await;
    super::named("a_second_put_replaces_the_first", a_second_put_replaces_the_first(make().await)).await;
    super::named("a_missing_key_is_not_found", a_missing_key_is_not_found(make().await)).await;
    super::named("keys_that_could_escape_are_refused", keys_that_could_escape_are_refused(make().await)).await;
    super::named(
        "a_deleted_blob_is_gone_and_deleting_again_is_no_error",
        a_deleted_blob_is_gone_and_deleting_again_is_no_error(make().await),
    )
    .await;
}

pub async fn put_then_get_returns_the_same_bytes(s: Arc<dyn BlobStore>) {
    let data = Bytes::from((0..=255u8).cycle().take(70_000).collect::<Vec<u8>>());
    let r = s.put("sources/ep-47/audio.mp3", data.clone()).await.unwrap();
    assert_eq!(r.key, "sources/ep-47/audio.mp3");
    assert!(!r.url.is_empty());
    assert_eq!(s.get("sources/ep-47/audio.mp3").await.unwrap(), data);
}

pub async fn a_second_put_replaces_the_first(s: Arc<dyn BlobStore>) {
    s.put("a.txt", Bytes::from_static(b"one")).await.unwrap();
    s.put("a.txt", Bytes::from_static(b"two")).await.unwrap();
    assert_eq!(s.get("a.txt").await.unwrap(), Bytes::from_static(b"two"));
}

pub async fn a_missing_key_is_not_found(s: Arc<dyn BlobStore>) {
    assert!(matches!(s.get("nope.bin").await, Err(Error::NotFound { .. })));
}

pub async fn keys_that_could_escape_are_refused(s: Arc<dyn BlobStore>) {
    for bad in ["../etc/passwd", "/abs", "a//b", ""] {
        assert!(matches!(s.put(bad, Bytes::new()).await, Err(Error::InvalidInput { .. })), "{bad:?}");
    }
}

pub async fn a_deleted_blob_is_gone_and_deleting_again_is_no_error(s: Arc<dyn BlobStore>) {
    s.put("sources/h/keep.txt", Bytes::from_static(b"keep")).await.unwrap();
    s.put("sources/h/drop.txt", Bytes::from_static(b"drop")).await.unwrap();
    s.delete("sources/h/drop.txt").await.unwrap();
    assert!(matches!(s.get("sources/h/drop.txt").await, Err(Error::NotFound { .. })));
    s.delete("sources/h/drop.txt").await.unwrap();
    s.delete("never/put.txt").await.unwrap();
    assert_eq!(s.get("sources/h/keep.txt").await.unwrap(), Bytes::from_static(b"keep"), "only that key goes");
    assert!(matches!(s.delete("../escape").await, Err(Error::InvalidInput { .. })));
}
