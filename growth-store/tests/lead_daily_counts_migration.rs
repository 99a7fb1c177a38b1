//! The per-day new-lead counts migration (`20261214000001_lead_daily_counts`): a database with
//! leads written before it comes out with one count per UTC day of their `first_seen_at`, so the
//! summary's new leads are what they were; later lead writes (a new lead, a lead first seen
//! earlier) keep the counts exact. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use growth_core::SystemClock;
use growth_core::measure::{LeadKind, NewLeadEvent};
use growth_core::store::MeasureStore;

/// The last migration before the counts.
const BEFORE_COUNTS: i64 = 20261213000012;

fn midnight(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).single().unwrap()
}

/// (email, first seen, last seen) written before the migration: two on the 2nd (one at its last
/// microsecond), one on the 3rd, one on the 5th.
fn old_leads() -> Vec<(String, DateTime<Utc>, DateTime<Utc>)> {
    vec![
        ("a@example.com".into(), midnight(2), midnight(4)),
        ("b@example.com".into(), midnight(3) - Duration::microseconds(1), midnight(3)),
        ("c@example.com".into(), midnight(3) + Duration::hours(13), midnight(6)),
        ("d@example.com".into(), midnight(5) + Duration::hours(23), midnight(5) + Duration::hours(23)),
    ]
}

fn event(key: &str, email: &str, at: DateTime<Utc>) -> NewLeadEvent {
    NewLeadEvent {
        idempotency_key: key.into(),
        email: email.into(),
        kind: LeadKind::LeadSignup,
        url: None,
        utm: None,
        content_item_id: None,
        platform: None,
        revenue_cents: 0,
        occurred_at: at,
    }
}

async fn new_leads_by_day(s: &dyn MeasureStore) -> Vec<u64> {
    let mut out = Vec::new();
    for d in 1..8 {
        out.push(s.summary_counts(midnight(d), midnight(d + 1)).await.unwrap().new_leads);
    }
    out
}

/// After the migration: the counts the old leads give, then a new lead and a lead first seen earlier.
async fn check_after(s: &dyn MeasureStore, rollup: Vec<(NaiveDate, i64)>) {
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    assert_eq!(rollup, vec![(day(2), 2), (day(3), 1), (day(5), 1)], "filled from the leads");
    assert_eq!(new_leads_by_day(s).await, vec![0, 2, 1, 0, 1, 0, 0]);
    s.record_lead_event(event("e", "e@example.com", midnight(7))).await.unwrap();
    // d's earlier touch on the 1st: d moves from the 5th to the 1st.
    s.record_lead_event(event("d0", "d@example.com", midnight(1) + Duration::hours(2))).await.unwrap();
    assert_eq!(new_leads_by_day(s).await, vec![1, 2, 1, 0, 0, 0, 1]);
    assert_eq!(s.summary_counts(midnight(1), midnight(8)).await.unwrap().new_leads, 5);
}

#[tokio::test]
async fn sqlite_leads_written_before_the_counts_are_counted_by_day() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let s = growth_store::SqliteStore::connect(path.to_str().unwrap(), Arc::new(SystemClock)).await.unwrap();
    sqlx::migrate!("./migrations/sqlite").run_to(BEFORE_COUNTS, s.pool()).await.unwrap();
    for (email, first, last) in old_leads() {
        sqlx::query("INSERT INTO leads (id, email, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4)")
            .bind(uuid::Uuid::now_v7())
            .bind(email)
            .bind(first)
            .bind(last)
            .execute(s.pool())
            .await
            .unwrap();
    }
    s.migrate().await.unwrap();
    let rollup: Vec<(NaiveDate, i64)> =
        sqlx::query_as("SELECT day, new_leads FROM lead_daily_counts ORDER BY day").fetch_all(s.pool()).await.unwrap();
    check_after(&s, rollup).await;
}

#[tokio::test]
async fn postgres_leads_written_before_the_counts_are_counted_by_day() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    let schema = schemas.fresh_name();
    let s = growth_store::PgStore::connect_in_schema(&url, Some(&schema), Arc::new(SystemClock)).await.unwrap();
    sqlx::migrate!("./migrations/postgres").run_to(BEFORE_COUNTS, s.pool()).await.unwrap();
    for (email, first, last) in old_leads() {
        sqlx::query("INSERT INTO leads (id, email, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4)")
            .bind(uuid::Uuid::now_v7())
            .bind(email)
            .bind(first)
            .bind(last)
            .execute(s.pool())
            .await
            .unwrap();
    }
    s.migrate().await.unwrap();
    let rollup: Vec<(NaiveDate, i64)> =
        sqlx::query_as("SELECT day, new_leads FROM lead_daily_counts ORDER BY day").fetch_all(s.pool()).await.unwrap();
    check_after(&s, rollup).await;
    s.pool().close().await;
    schemas.drop_all(&url).await;
}
