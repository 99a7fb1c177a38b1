#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
//! The offline bundle as a new user reads it, on the repository's real transcripts: no two pieces
//! alike, no closing line twice, topic labels that are noun phrases of the episode, no
//! disfluencies copied from speech, and a guest's lines never in the host's first person. Each
//! symptom found by trying held-back episodes has its own test; the last one asserts every count
//! is 0 on every in-repository transcript (what the `offline_quality` example prints).

#[path = "support/offline_quality.rs"]
mod offline_quality;

use std::path::Path;

use offline_quality::{Counts, FIXTURES, count, source_text, transcripts, write_bundle};

/// One real episode's bundle and its counts.
fn counts_for(rel: &str) -> Counts {
    let text = source_text(&Path::new(FIXTURES).join(rel)).unwrap();
    let (bundle, _) = write_bundle(&text, None).unwrap();
    count(&text, &bundle)
}

/// The counts of every Changelog episode's bundle, added up.
fn changelog_counts() -> Counts {
    let mut total = Counts::default();
    for file in transcripts(&Path::new(FIXTURES).join("changelog")) {
        let text = source_text(&file).unwrap();
        let (bundle, _) = write_bundle(&text, None).unwrap();
        total.add(&count(&text, &bundle));
    }
    total
}

#[test]
fn no_two_pieces_of_a_bundle_are_alike() {
    let c = changelog_counts();
    assert_eq!(c.pieces, 66);
    assert_eq!(c.duplicates, 0, "{:#?}", c.details);
}

#[test]
fn no_two_pieces_of_a_bundle_close_with_the_same_line() {
    let c = counts_for("changelog/founders-talk-60.md");
    assert_eq!(c.same_closings, 0, "{:#?}", c.details);
}

#[test]
fn topic_labels_are_noun_phrases_the_episode_discusses() {
    let c = counts_for("changelog/the-changelog-600.md");
    assert!(c.labels > 0, "the bundle names its topics somewhere");
    assert_eq!(c.broken_labels, 0, "{:#?}", c.details);
}

#[test]
fn a_guests_lines_are_quoted_and_attributed_never_in_the_hosts_first_person() {
    let c = counts_for("changelog/founders-talk-60.md");
    assert_eq!(c.misattributions, 0, "{:#?}", c.details);
}

#[test]
fn disfluencies_of_speech_are_cleaned_from_the_drafts() {
    let c = changelog_counts();
    assert_eq!(c.disfluencies, 0, "{:#?}", c.details);
}

/// The repository's copies of every shared transcript (Founders Talk, The Changelog, Talk Python).
const SHARED: &[&str] = &["changelog", "talkpython"];

#[test]
fn every_shared_transcript_gives_a_bundle_with_all_counts_zero() {
    let mut total = Counts::default();
    let mut bundles = 0;
    for dir in SHARED {
        for file in transcripts(&Path::new(FIXTURES).join(dir)) {
            let text = source_text(&file).unwrap();
            let (bundle, _) = write_bundle(&text, None).unwrap();
            assert_eq!(bundle.len(), 11, "{}", file.display());
            bundles += 1;
            total.add(&count(&text, &bundle));
        }
    }
    assert_eq!(bundles, 8, "6 Changelog episodes and Talk Python #356 as text and as WebVTT");
    assert!(total.labels > 100, "labels were checked: {}", total.labels);
    assert_eq!(total.problems(), 0, "{total:#?}");
}

#[test]
fn a_source_too_short_for_distinct_pieces_has_its_repeats_flagged() {
    // 76 words cannot give five distinct pieces: the generator repeats itself and the
    // `repetition` gate says so (the pipeline flags those pieces for review).
    let file = Path::new(FIXTURES).join("assemblyai/transcript_completed_diarized_example.json");
    let text = source_text(&file).unwrap();
    let (bundle, _) = write_bundle(&text, None).unwrap();
    let c = count(&text, &bundle);
    assert!(c.duplicates > 0, "{c:#?}");
    assert_eq!(c.disfluencies + c.misattributions + c.broken_labels + c.same_closings, 0, "{c:#?}");
}
