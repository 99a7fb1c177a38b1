//! The open-platforms migration (`20261205000001_open_platforms`): the platform columns accept any
//! valid platform name afterwards, and a database migrated before it keeps every row, key, index
//! and foreign key through it — on SQLite (a table rebuild) and PostgreSQL (dropped constraints).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use growth_core::domain::*;
use growth_core::store::{ScheduleFilter, Store};
use growth_core::{Error, SystemClock};
use serde_json::json;

/// The last migration before platform names were opened.
const BEFORE_OPEN_PLATFORMS: i64 = 20261125000004;
/// The open-platforms migration itself. The tests migrate to it, not past it: later migrations
/// add columns (20261206000001: `schedules.attempt`), and a pool that already cached `SELECT *`
/// statements cannot see a table's shape change under it (PostgreSQL: "cached plan must not
/// change result type") — a server migrates before it serves, never under a live pool.
const OPEN_PLATFORMS: i64 = 20261205000001;

const OLD_SOURCE_INSERT_SQLITE: &str = "INSERT INTO content_sources (id, source_type, title, metadata, transcript, status, created_at) \
     VALUES (?, 'manual', 'episode', '{}', 'words', 'ingested', ?)";
const OLD_SOURCE_INSERT_PG: &str = "INSERT INTO content_sources (id, source_type, title, metadata, transcript, status, created_at) \
     VALUES ($1, 'manual', 'episode', '{}', 'words', 'ingested', $2)";

/// Everything the rebuilt tables hold for one content item, as the store reads it back.
#[derive(Debug, PartialEq)]
struct Snapshot {
    item: ContentItem,
    versions: Vec<ContentVersion>,
    edits: Vec<ContentEdit>,
    schedules: Vec<Schedule>,
    logs: Vec<PublishingLog>,
    analytics: Analytics,
}

async fn snapshot(s: &dyn Store, id: ContentId, platform: Platform) -> Snapshot {
    Snapshot {
        item: s.get_content(id).await.unwrap(),
        versions: s.list_versions(id).await.unwrap(),
        edits: s.list_edits(id).await.unwrap(),
        schedules: s.list_schedules(&ScheduleFilter { content_item_id: Some(id), ..Default::default() }).await.unwrap(),
        logs: s.list_publish_logs(id).await.unwrap(),
        analytics: s.get_analytics(id, platform).await.unwrap(),
    }
}

/// Writes a row into every table the migration rebuilds and every table that refers to them: a
/// source, an edited content item for `platform`, a published schedule with its log (and one more
/// log line), a pending schedule on Webflow, analytics. Returns the item's id.
/// `source`: a source written with SQL of the old schema (today's store writes columns a database
/// migrated only part of the way does not have yet); `None` makes one through the store.
async fn write_an_item_published_on(s: &dyn Store, platform: Platform, source: Option<SourceId>) -> ContentId {
    let source = match source {
        Some(id) => id,
        None => {
            s.create_source(NewSource {
                title: Some(format!("episode for {platform}")),
                transcript: Some("words".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .value
            .id
        }
    };
    let mut new = NewContentItem::draft(ContentType::LinkedinPost, Some("A title".into()), "A body.");
    new.source_id = Some(source);
    new.target_platform = Some(platform);
    new.platform_data = json!({ "visibility": "PUBLIC" });
    let item = s.insert_content(new).await.unwrap();
    s.update_content(
        item.id,
        ContentUpdate {
            expected_version: 1,
            title: None,
            content: Some("A better body.".into()),
            edited_by: None,
            edits: vec![EditSpan {
                edit_type: EditType::Change,
                original_text: "A body.".into(),
                edited_text: "A better body.".into(),
                section: EditSection::Body,
                pattern_tag: Some("sharper".into()),
            }],
        },
    )
    .await
    .unwrap();
    s.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    s.transition_content(item.id, ContentTransition::to(ContentStatus::Scheduled)).await.unwrap();

    let due = Utc::now() - chrono::Duration::minutes(1);
    let published =
        s.create_schedule(NewSchedule { content_item_id: item.id, platform, scheduled_time: due, timezone: "UTC".into() }).await.unwrap();
    let claimed = s.claim_due_schedules("worker-1", Duration::from_secs(60), 10).await.unwrap();
    assert!(claimed.iter().any(|c| c.id == published.id), "the due schedule is claimed");
    let url = format!("https://{platform}.example/posts/1");
    let log = |status| NewPublishingLog {
        content_item_id: item.id,
        schedule_id: Some(published.id),
        platform,
        status,
        request_payload: json!({ "text": "A better body." }),
        response_data: json!({ "id": "post-1" }),
        error_message: None,
        published_url: Some(url.clone()),
    };
    s.append_publish_log(log(PublishStatus::Unknown)).await.unwrap();
    s.record_publication(published.id, "worker-1", Some("post-1".into()), Some(url.clone()), Utc::now(), log(PublishStatus::Success))
        .await
        .unwrap();
    s.create_schedule(NewSchedule {
        content_item_id: item.id,
        platform: Platform::WEBFLOW,
        scheduled_time: Utc::now() + chrono::Duration::days(1),
        timezone: "Europe/Berlin".into(),
    })
    .await
    .unwrap();
    let update = AnalyticsUpdate {
        engagement: EngagementMetrics { impressions: 1200, clicks: 40, likes: 31, comments: 4, shares: 2 },
        website_visits: 17,
        lead_signups: 3,
        demo_requests: 1,
        attributed_revenue_cents: 129_900,
    };
    s.upsert_analytics(item.id, platform, update).await.unwrap();
    item.id
}

/// The keys, foreign keys and CHECKs the rebuilt tables had before still hold.
async fn constraints_still_hold(s: &dyn Store, id: ContentId, before: &Snapshot) {
    let again = s
        .create_schedule(NewSchedule {
            content_item_id: id,
            platform: Platform::WEBFLOW,
            scheduled_time: Utc::now() + chrono::Duration::days(2),
            timezone: "UTC".into(),
        })
        .await;
    assert!(matches!(again, Err(Error::Conflict { .. })), "one active schedule per item and platform: {again:?}");

    let missing = ContentId::new();
    let orphan = s
        .create_schedule(NewSchedule {
            content_item_id: missing,
            platform: Platform::LINKEDIN,
            scheduled_time: Utc::now(),
            timezone: "UTC".into(),
        })
        .await;
    assert!(matches!(orphan, Err(Error::NotFound { .. })), "schedules still refer to content items: {orphan:?}");
    let orphan = s.upsert_analytics(missing, Platform::LINKEDIN, AnalyticsUpdate::default()).await;
    assert!(matches!(orphan, Err(Error::NotFound { .. })), "analytics still refer to content items: {orphan:?}");

    let negative = AnalyticsUpdate { engagement: EngagementMetrics { impressions: -1, ..Default::default() }, ..Default::default() };
    let refused = s.upsert_analytics(id, before.analytics.platform, negative).await;
    assert!(matches!(refused, Err(Error::InvalidInput { .. })), "counter CHECKs are kept: {refused:?}");

    let replaced =
        s.upsert_analytics(id, before.analytics.platform, AnalyticsUpdate { website_visits: 18, ..Default::default() }).await.unwrap();
    assert_eq!(replaced.id, before.analytics.id, "(content item, platform) is still unique: the row is updated, not added");
}

/// A platform the project does not ship goes through every platform column.
async fn an_unshipped_platform_round_trips(s: &dyn Store, source: Option<SourceId>) {
    let bluesky = Platform::new("bluesky").unwrap();
    let id = write_an_item_published_on(s, bluesky, source).await;
    let got = snapshot(s, id, bluesky).await;
    assert_eq!(got.item.target_platform, Some(bluesky));
    assert_eq!(got.item.status, ContentStatus::Published);
    let on_bluesky: Vec<&Schedule> = got.schedules.iter().filter(|x| x.platform == bluesky).collect();
    assert_eq!(on_bluesky.len(), 1);
    assert_eq!(on_bluesky[0].status, ScheduleStatus::Published);
    assert_eq!(on_bluesky[0].published_url.as_deref(), Some("https://bluesky.example/posts/1"));
    assert_eq!(s.get_schedule(on_bluesky[0].id).await.unwrap().platform, bluesky);
    assert_eq!(got.logs.len(), 2);
    assert!(got.logs.iter().all(|l| l.platform == bluesky));
    assert_eq!(got.analytics.platform, bluesky);
    assert_eq!(got.analytics.engagement.impressions, 1200);
    assert_eq!(s.list_content(&ContentFilter::default()).await.unwrap().iter().filter(|c| c.target_platform == Some(bluesky)).count(), 1);
}

async fn sqlite_text(pool: &sqlx::SqlitePool, sql: &'static str) -> Vec<(String, Option<String>)> {
    sqlx::query_as(sql).fetch_all(pool).await.unwrap()
}

#[tokio::test]
async fn a_sqlite_database_keeps_its_rows_indexes_and_foreign_keys_through_the_open_platforms_migration() {
    let s = growth_store::SqliteStore::connect(":memory:", Arc::new(SystemClock)).await.unwrap();
    sqlx::migrate!("./migrations/sqlite").run_to(BEFORE_OPEN_PLATFORMS, s.pool()).await.unwrap();
    let source = SourceId::new();
    sqlx::query(OLD_SOURCE_INSERT_SQLITE).bind(source.0).bind(Utc::now()).execute(s.pool()).await.unwrap();
    let id = write_an_item_published_on(&s, Platform::LINKEDIN, Some(source)).await;
    let before = snapshot(&s, id, Platform::LINKEDIN).await;
    let indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name";
    let indexes_before = sqlite_text(s.pool(), indexes).await;
    let closed = "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%IN (''linkedin''%' ORDER BY name";
    assert_eq!(sqlite_text(s.pool(), closed).await.len(), 4, "before: four platform columns with a closed list");

    sqlx::migrate!("./migrations/sqlite").run_to(OPEN_PLATFORMS, s.pool()).await.unwrap();

    assert_eq!(snapshot(&s, id, Platform::LINKEDIN).await, before, "every row survives unchanged");
    // Later migrations may add indexes; every index that existed before must be there, unchanged.
    let indexes_after = sqlite_text(s.pool(), indexes).await;
    let lost: Vec<_> = indexes_before.iter().filter(|i| !indexes_after.contains(i)).collect();
    assert!(lost.is_empty(), "every index, partial and unique ones included, is recreated as it was; lost or changed: {lost:?}");
    assert_eq!(sqlite_text(s.pool(), closed).await, vec![], "no platform column keeps a closed list");
    let violations: Vec<(String, Option<i64>, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check").fetch_all(s.pool()).await.unwrap();
    assert_eq!(violations, vec![]);
    // An in-memory store has exactly one connection: the one the migration ran on.
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(s.pool()).await.unwrap();
    assert_eq!(fk, 1, "the migration turns foreign keys back on");

    constraints_still_hold(&s, id, &before).await;
    let source = SourceId::new();
    sqlx::query(OLD_SOURCE_INSERT_SQLITE).bind(source.0).bind(Utc::now()).execute(s.pool()).await.unwrap();
    an_unshipped_platform_round_trips(&s, Some(source)).await;
}

#[tokio::test]
async fn a_postgres_database_keeps_its_rows_and_indexes_through_the_open_platforms_migration() {
    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    let schema = schemas.fresh_name();
    let s = growth_store::PgStore::connect_in_schema(&url, Some(&schema), Arc::new(SystemClock)).await.unwrap();
    sqlx::migrate!("./migrations/postgres").run_to(BEFORE_OPEN_PLATFORMS, s.pool()).await.unwrap();
    let source = SourceId::new();
    sqlx::query(OLD_SOURCE_INSERT_PG).bind(source.0).bind(Utc::now()).execute(s.pool()).await.unwrap();
    let id = write_an_item_published_on(&s, Platform::LINKEDIN, Some(source)).await;
    let before = snapshot(&s, id, Platform::LINKEDIN).await;
    let checks = "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint
                  WHERE contype = 'c' AND connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) ORDER BY 1, 2";
    let checks_before: Vec<(String, String)> = sqlx::query_as(checks).fetch_all(s.pool()).await.unwrap();
    let indexes = "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1";
    let indexes_before: Vec<(String, String)> = sqlx::query_as(indexes).fetch_all(s.pool()).await.unwrap();

    sqlx::migrate!("./migrations/postgres").run_to(OPEN_PLATFORMS, s.pool()).await.unwrap();

    assert_eq!(snapshot(&s, id, Platform::LINKEDIN).await, before, "every row survives unchanged");
    let indexes_after: Vec<(String, String)> = sqlx::query_as(indexes).fetch_all(s.pool()).await.unwrap();
    let lost: Vec<_> = indexes_before.iter().filter(|i| !indexes_after.contains(i)).collect();
    assert!(lost.is_empty(), "indexes that existed before are unchanged (later migrations may add more): {lost:?}");
    let checks_after: Vec<(String, String)> = sqlx::query_as(checks).fetch_all(s.pool()).await.unwrap();
    let dropped: Vec<&(String, String)> = checks_before.iter().filter(|c| !checks_after.contains(c)).collect();
    let tables: Vec<&str> = dropped.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(tables, ["analytics", "content_items", "publishing_logs", "schedules"], "exactly the four platform CHECKs go: {dropped:?}");
    assert!(dropped.iter().all(|(_, def)| def.contains("'linkedin'")), "{dropped:?}");
    // Later migrations create tables with CHECKs of their own; on the tables that existed, none is added.
    let old_tables: std::collections::BTreeSet<&str> = checks_before.iter().map(|(t, _)| t.as_str()).collect();
    assert!(
        checks_after.iter().filter(|(t, _)| old_tables.contains(t.as_str())).all(|c| checks_before.contains(c)),
        "no constraint is added to the tables that existed"
    );

    constraints_still_hold(&s, id, &before).await;
    let source = SourceId::new();
    sqlx::query(OLD_SOURCE_INSERT_PG).bind(source.0).bind(Utc::now()).execute(s.pool()).await.unwrap();
    an_unshipped_platform_round_trips(&s, Some(source)).await;
    schemas.drop_all(&url).await;
}

#[tokio::test]
async fn a_fresh_database_of_either_backend_takes_a_platform_the_project_does_not_ship() {
    let s = common::sqlite(Arc::new(SystemClock)).await;
    an_unshipped_platform_round_trips(&s, None).await;

    let Some(url) = common::pg_url() else { return };
    let schemas = common::Schemas::default();
    let p = common::postgres(&url, &schemas, Arc::new(SystemClock)).await;
    an_unshipped_platform_round_trips(&p, None).await;
    schemas.drop_all(&url).await;
}
