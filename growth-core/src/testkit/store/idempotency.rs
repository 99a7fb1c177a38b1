//! Idempotency keys and cron firings.

use std::sync::Arc;

use chrono::Duration as Span;
use serde_json::json;

use super::FullStore;
use crate::clock::{Clock, ManualClock};
use crate::store::IdempotencyState;

pub async fn idempotency_keys_and_cron_firings_are_exclusive(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    assert_eq!(s.begin_idempotency("webhook:grain", "evt-1").await.unwrap(), IdempotencyState::Started);
    assert_eq!(s.begin_idempotency("webhook:grain", "evt-1").await.unwrap(), IdempotencyState::InProgress);
    assert_eq!(s.begin_idempotency("webhook:riverside", "evt-1").await.unwrap(), IdempotencyState::Started, "scopes are separate");
    s.complete_idempotency("webhook:grain", "evt-1", json!({"job_id": "j"})).await.unwrap();
    assert_eq!(s.begin_idempotency("webhook:grain", "evt-1").await.unwrap(), IdempotencyState::Completed(json!({"job_id": "j"})));
    let t = c.now();
    assert!(s.try_fire_cron("publish_due", t, "a").await.unwrap());
    assert!(!s.try_fire_cron("publish_due", t, "b").await.unwrap());
    assert!(s.try_fire_cron("publish_due", t + Span::minutes(1), "b").await.unwrap());
    assert!(s.try_fire_cron("sync_metrics", t, "b").await.unwrap());
}
