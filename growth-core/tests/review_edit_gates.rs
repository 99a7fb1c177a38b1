//! An edit re-runs the built-in gates and stores their new verdicts with the new version.
//! Reproduces "after cutting a post to a 12-word slop sentence the stored verdicts still said
//! slop passed and length 259".
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

use std::collections::BTreeSet;
use std::sync::Arc;

use growth_core::clock::SystemClock;
use growth_core::domain::{ContentType, NewContentItem, QualityMetrics, Verdict};
use growth_core::memory::InMemoryStore;
use growth_core::quality::{BuiltinGates, DraftUnderReview, QualityConfig};
use growth_core::review::{EditRequest, ReviewService};
use growth_core::store::ContentStore;

const POST: &str = "Most founders think a free trial makes them product-led.\n\nIt does not. \
We ran a 14-day trial for two years and converted 3% of signups. Then we moved the first \
value moment to minute five: a sample report built from the prospect's own data. Conversion \
went to 11% in one quarter, with the same traffic.\n\nThe trial was never the product. The \
first five minutes were.\n\nWhat is the first value moment in your product?";

#[tokio::test]
async fn an_edit_to_a_slop_sentence_stores_failing_verdicts_for_the_new_version() {
    let store = Arc::new(InMemoryStore::default());
    let builtin = BuiltinGates::new(&QualityConfig::default()).unwrap();
    // The item as generation saved it: every built-in verdict of the original text, plus an ICP
    // verdict no edit re-runs.
    let mut verdicts = Vec::new();
    let draft = DraftUnderReview { content_type: ContentType::LinkedinPost, title: None, content: POST.into() };
    for g in builtin.gates() {
        verdicts.push(g.check(&draft).await.unwrap());
    }
    verdicts.push(Verdict { gate: "icp".into(), passed: true, score: Some(82.0), findings: Vec::new() });
    let slop_before = verdicts.iter().find(|v| v.gate == "slop").unwrap().passed;
    assert!(slop_before, "the original post is clean: {verdicts:?}");
    let mut new = NewContentItem::draft(ContentType::LinkedinPost, None, POST);
    new.quality = QualityMetrics { verdicts, ..QualityMetrics::default() };
    let item = store.insert_content(new).await.unwrap();

    let review =
        ReviewService::new(store.clone(), Arc::new(SystemClock), "America/New_York", BTreeSet::new()).unwrap().with_gates(builtin.gates());
    let slop = "In today's fast-paced landscape, let's delve into this game-changer together.";
    assert!((10..=14).contains(&slop.split_whitespace().count()));
    let edited = review.edit(item.id, EditRequest { content: Some(slop.into()), ..EditRequest::default() }).await.unwrap();

    assert_eq!(edited.version, 2);
    let stored = store.get_content(item.id).await.unwrap();
    assert_eq!(stored.quality, edited.quality, "the verdicts returned are the stored ones");
    let v = |gate: &str| stored.quality.verdicts.iter().find(|v| v.gate == gate).cloned().unwrap_or_else(|| panic!("{gate}"));
    assert!(!v("slop").passed, "the slop sentence fails the slop gate now: {:?}", v("slop"));
    assert!(!v("slop").findings.is_empty());
    assert!(!v("length").passed, "12 words is far under a LinkedIn post's length: {:?}", v("length"));
    assert!(stored.quality.flagged);
    assert_eq!(v("icp").score, Some(82.0), "a verdict of a gate that is not re-run is kept");
    assert_eq!(stored.quality.verdicts.iter().filter(|v| v.gate == "slop").count(), 1, "replaced, not appended");
}
