//! The health check.

use std::sync::Arc;

use super::FullStore;
use crate::clock::ManualClock;

pub async fn the_store_answers_ping(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    s.ping().await.unwrap();
    assert!(!s.backend().is_empty());
}
