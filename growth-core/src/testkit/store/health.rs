//! The health check.

use std::sync::Arc;

use crate::clock::ManualClock;
use crate::store::Store;

pub async fn the_store_answers_ping(s: Arc<dyn Store>, _c: Arc<ManualClock>) {
    s.ping().await.unwrap();
    assert!(!s.backend().is_empty());
}
