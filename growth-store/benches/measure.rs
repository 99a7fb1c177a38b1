//! `GET /analytics/summary`'s work (`MeasureService::summary`: the store's summary counts and the
//! reach per day) over 1,000,000 metric snapshots and 100,000 leads on PostgreSQL: p50/p99 of
//! 7-, 30- and 365-day windows at random positions in a year of data.
//!
//! `GROWTH_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/growth_bench cargo bench -p growth-store --all-features --bench measure`
//!
//! Seeds a fresh schema with SQL (`generate_series`): 10,000 published LinkedIn posts over 365
//! days, their analytics rows, 100 daily snapshots each (and their per-day rollup, as the store
//! keeps it), 100,000 leads with one event each (and their per-day new-lead counts).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, reason = "a bench binary")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use growth_core::SystemClock;
use growth_core::measure::{MeasureConfig, MeasureService};

const SEED: &[&str] = &[
    "INSERT INTO content_items (id, content_type, title, content, version, status, quality_verdicts, target_platform,
        platform_specific_data, published_at, published_url, created_at, updated_at)
     SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'linkedin_post', 'Post ' || i, 'Body', 1, 'published', '[]',
        'linkedin', '{}', TIMESTAMPTZ '2026-01-01' + (i % 365) * INTERVAL '1 day', 'https://www.linkedin.com/feed/update/' || i,
        TIMESTAMPTZ '2026-01-01', TIMESTAMPTZ '2026-01-01' + (i % 365) * INTERVAL '1 day'
     FROM generate_series(1, 10000) i",
    "INSERT INTO schedules (id, content_item_id, platform, scheduled_time, timezone, status, platform_post_id, published_url, published_at,
        created_at, updated_at)
     SELECT gen_random_uuid(), id, 'linkedin', published_at, 'UTC', 'published', 'urn:li:share:' || title, published_url, published_at,
        created_at, updated_at FROM content_items",
    "INSERT INTO analytics (id, content_item_id, platform, impressions, likes, last_updated)
     SELECT gen_random_uuid(), id, 'linkedin', (random() * 10000)::bigint, (random() * 500)::bigint, updated_at FROM content_items",
    "INSERT INTO metric_snapshots (content_item_id, platform, day, metrics, reach, engagements, reach_delta, engagements_delta, captured_at)
     SELECT c.id, 'linkedin', (c.published_at + k * INTERVAL '1 day')::date, '{}', 100 * (k + 1), 10 * (k + 1), 100, 10,
        c.published_at + k * INTERVAL '1 day'
     FROM content_items c CROSS JOIN generate_series(0, 99) k",
    // The per-day rollup the store keeps with each snapshot write (filled here like its migration).
    "INSERT INTO metric_daily_totals (day, snapshots, reach, engagements)
     SELECT day, COUNT(*), SUM(reach_delta), SUM(engagements_delta) FROM metric_snapshots GROUP BY day",
    "INSERT INTO leads (id, email, first_seen_at, last_seen_at)
     SELECT gen_random_uuid(), 'lead' || i || '@example.com', TIMESTAMPTZ '2026-01-01' + (i % 365) * INTERVAL '1 day',
        TIMESTAMPTZ '2026-01-01' + (i % 365) * INTERVAL '1 day' FROM generate_series(1, 100000) i",
    // The per-day new-lead counts the store keeps with each lead write (filled like its migration).
    "INSERT INTO lead_daily_counts (day, new_leads) SELECT (first_seen_at AT TIME ZONE 'UTC')::date, COUNT(*) FROM leads GROUP BY 1",
    "INSERT INTO lead_events (id, lead_id, idempotency_key, kind, revenue_cents, occurred_at, recorded_at)
     SELECT gen_random_uuid(), id, 'k' || email, 'lead_signup', 0, first_seen_at, first_seen_at FROM leads",
    "VACUUM ANALYZE",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let Ok(url) = std::env::var("GROWTH_TEST_DATABASE_URL") else {
        eprintln!("set GROWTH_TEST_DATABASE_URL to run this bench on PostgreSQL");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let schema = format!("bench_measure_{}", std::process::id());
        let store = growth_store::PgStore::connect_in_schema(&url, Some(&schema), Arc::new(SystemClock)).await.unwrap();
        store.migrate().await.unwrap();
        let t = Instant::now();
        for sql in SEED {
            sqlx::query(*sql).execute(store.pool()).await.unwrap();
        }
        let snapshots: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_snapshots").fetch_one(store.pool()).await.unwrap();
        let leads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leads").fetch_one(store.pool()).await.unwrap();
        println!("seeded {snapshots} snapshots, {leads} leads in {:.1?}", t.elapsed());
        let svc = MeasureService::new(Arc::new(store.clone()), Arc::new(SystemClock), MeasureConfig::default());
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        // Warm the caches (a server that has been up a while), not counted.
        for i in 0..20i64 {
            let from = start + chrono::Duration::days(i * 17 % 300);
            svc.summary(from, from + chrono::Duration::days(29)).await.unwrap();
        }
        for days in [7i64, 30, 365] {
            let mut times = Vec::new();
            for i in 0..200i64 {
                let from = start + chrono::Duration::days((i * 37) % (366 - days.min(365)));
                let to = from + chrono::Duration::days(days - 1);
                let t = Instant::now();
                let s = svc.summary(from, to).await.unwrap();
                times.push(t.elapsed());
                assert!(s.metrics.posts_published > 0);
            }
            times.sort();
            println!(
                "summary over {days:>3} days: p50 {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}  (200 runs)",
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                times[times.len() - 1]
            );
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(store.pool()).await.unwrap();
    });
}
