//! Conformance suites: every implementation of a core trait runs the suite for its trait
//! (feature `testkit`). A suite is a list of named checks; `run_all` runs each against a fresh
//! instance from your factory and panics naming the first check that fails.
//!
//! ```ignore
//! #[tokio::test]
//! async fn my_store_conforms() {
//!     growth_core::testkit::store::run_all(|clock| async move { MyStore::new(clock).await }).await;
//! }
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

pub mod blob;
pub mod embedder;
pub mod job_queue;
pub mod publisher;
pub mod store;
pub mod vector;

use chrono::{DateTime, TimeZone, Utc};

/// The instant every suite's clock starts at: a Monday morning in UTC, whole seconds.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 14, 0, 0).single().unwrap_or_default()
}

/// Runs `check` and, when it panics, re-panics with the check's name in front.
pub(crate) async fn named<F: std::future::Future<Output = ()>>(name: &str, check: F) {
    use futures::FutureExt;
    if let Err(panic) = std::panic::AssertUnwindSafe(check).catch_unwind().await {
        let msg = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panic".into());
        panic!("conformance check `{name}` failed: {msg}");
    }
}
