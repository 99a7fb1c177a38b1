//! Smart distribution follows the episode's story, not the order generation finished in.
//! Reproduces "a 'new episode is out' post went out the day before 'next week on the show'".
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use growth_core::clock::ManualClock;
use growth_core::domain::{ContentType, NewContentItem, Platform};
use growth_core::memory::InMemoryStore;
use growth_core::review::{BulkApprove, Distribution, ReviewService};
use growth_core::store::{ContentStore, SourceStore};

#[tokio::test]
async fn the_teaser_goes_out_before_the_announcement_and_the_insights_after_it() {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap()));
    let store = Arc::new(InMemoryStore::new(clock.clone()));
    let source = store.create_source(growth_core::domain::NewSource::default()).await.unwrap().value;
    // Generation finished in this order: the announcement first, an insight, then the teaser.
    let mut ids = Vec::new();
    for (t, text) in [
        (ContentType::PostPublish, "The new episode is out: Sarah on activation."),
        (ContentType::LinkedinPost, "Activation is a promise kept in minute five."),
        (ContentType::PreInterview, "Next week on the show: Sarah Nguyen on activation."),
    ] {
        let mut item = NewContentItem::draft(t, None, text);
        item.source_id = Some(source.id);
        ids.push(store.insert_content(item).await.unwrap().id);
    }
    let platforms = BTreeSet::from([Platform::LINKEDIN, Platform::CUSTOMER_IO, Platform::WEBFLOW]);
    let review = ReviewService::new(store.clone(), clock.clone(), "America/New_York", platforms).unwrap();
    let got = review
        .bulk_approve(BulkApprove { ids: ids.clone(), distribution: Distribution::Smart { start_date: None }, timezone: None, by: None })
        .await
        .unwrap();
    // Answers come back in the order asked for…
    assert_eq!(got.iter().map(|a| a.item.id).collect::<Vec<_>>(), ids);
    let at = |t: ContentType| got.iter().find(|a| a.item.content_type == t).unwrap().schedule.scheduled_time;
    // …and the slots follow the story.
    assert!(at(ContentType::PreInterview) < at(ContentType::PostPublish), "{got:#?}");
    assert!(at(ContentType::PostPublish) < at(ContentType::LinkedinPost), "{got:#?}");
}

#[test]
fn story_order_keeps_sources_together_in_the_order_they_first_appear() {
    use growth_core::review::slots::{story_order, story_rank};
    assert!(story_rank(ContentType::PreInterview) < story_rank(ContentType::BlogPost));
    assert!(story_rank(ContentType::Newsletter) < story_rank(ContentType::PostPublish));
    assert!(story_rank(ContentType::PostPublish) < story_rank(ContentType::LinkedinPost));
    let _ = story_order(&[]);
}
