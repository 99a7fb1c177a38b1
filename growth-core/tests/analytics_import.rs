#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
//! The CSV import against export-shaped files in `fixtures/analytics/` (see its PROVENANCE.md).

use chrono::{TimeZone, Utc};
use growth_core::domain::Platform;
use growth_core::measure::import::{ImportFormat, parse_metrics_csv};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/analytics/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn the_linkedin_top_posts_sheet_joins_engagements_and_impressions_per_post() {
    let import = parse_metrics_csv(&fixture("linkedin_creator_top_posts.csv")).unwrap();
    assert_eq!(import.format, ImportFormat::LinkedInTopPosts);
    assert_eq!(import.rows.len(), 4);
    let post = import.rows.iter().find(|r| r.post.urn.as_deref() == Some("urn:li:activity:7297444530177474560")).unwrap();
    assert_eq!(post.metrics.engagements, Some(286));
    assert_eq!(post.metrics.impressions, Some(9802));
    assert_eq!(post.published_at, Some(Utc.with_ymd_and_hms(2026, 2, 15, 0, 0, 0).unwrap()));
    assert!(import.rows.iter().all(|r| r.platform == Some(Platform::LINKEDIN)));
    assert!(import.skipped.is_empty(), "{:?}", import.skipped);
}

#[test]
fn the_linkedin_page_export_keeps_titles_with_line_breaks_and_reads_not_reported_as_none() {
    let import = parse_metrics_csv(&fixture("linkedin_page_updates.csv")).unwrap();
    assert_eq!(import.format, ImportFormat::LinkedInPageUpdates);
    assert_eq!(import.rows.len(), 3);
    let first = &import.rows[0];
    assert_eq!(first.post.title.as_deref(), Some("The PLG paradox: why \"free\" is not a strategy"));
    assert_eq!(
        (first.metrics.impressions, first.metrics.clicks, first.metrics.reactions, first.metrics.comments, first.metrics.reshares),
        (Some(4812), Some(233), Some(171), Some(22), Some(9))
    );
    assert!((first.rates["click through rate ctr"] - 0.0484).abs() < 1e-9);
    let second = &import.rows[1];
    assert_eq!(second.post.title.as_deref(), Some("Three things 40 sales calls taught us\n(and one we undid)"));
    assert_eq!(second.metrics.reshares, None, "`-` is not reported, not zero");
    assert_eq!(second.line, 3);
    assert_eq!(import.rows[2].line, 5, "a quoted line break moves the line count on");
    assert!(import.ignored_columns.contains(&"Off-site views".to_owned()));
}

#[test]
fn the_customerio_export_gives_human_numbers_per_issue_and_never_prefetch_opens() {
    let import = parse_metrics_csv(&fixture("customerio_newsletter_metrics.csv")).unwrap();
    assert_eq!(import.format, ImportFormat::CustomerIoMessages);
    let issue = &import.rows[0];
    assert_eq!(issue.platform, Some(Platform::CUSTOMER_IO));
    assert_eq!(issue.post.platform_post_id.as_deref(), Some("118"));
    assert_eq!(issue.post.title.as_deref(), Some("Issue #41: what 40 sales calls taught us"));
    assert_eq!(issue.published_at, Some(Utc.with_ymd_and_hms(2026, 2, 12, 14, 0, 0).unwrap()));
    let m = issue.metrics;
    assert_eq!((m.sent, m.delivered, m.human_opens, m.human_clicks), (Some(1204), Some(1188), Some(512), Some(88)));
    assert_eq!((m.converted, m.bounces, m.unsubscribes), (Some(4), Some(16), Some(7)));
    assert!((m.open_rate().unwrap() - 512.0 / 1188.0).abs() < 1e-12, "the rate is recomputed from human opens");
    let pending = &import.rows[2];
    assert_eq!((pending.metrics.human_opens, pending.metrics.delivered), (None, Some(1221)));
}

#[test]
fn our_template_reads_content_ids_platforms_and_page_counts() {
    let import = parse_metrics_csv(&fixture("growth_template.csv")).unwrap();
    assert_eq!(import.format, ImportFormat::Generic);
    let [post, page] = &import.rows[..] else { panic!("two rows expected: {:?}", import.rows) };
    assert_eq!(post.post.content_id.unwrap().to_string(), "0190c2a4-7b7e-7cc0-8d1e-5f3a2b1c0d9e");
    assert_eq!(post.platform, Some(Platform::LINKEDIN));
    assert_eq!(post.metrics.to_engagement().impressions, 3200);
    assert_eq!((page.platform, page.metrics.sessions, page.metrics.pageviews), (Some(Platform::WEBFLOW), Some(412), Some(587)));
    assert_eq!(page.metrics.impressions, None);
}
