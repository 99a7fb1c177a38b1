//! [`BundlePieceStore`](crate::store::BundlePieceStore): generated pieces saved once per
//! (bundle, piece), insert-or-get.

use std::sync::Arc;

use serde_json::json;

use super::FullStore;
use super::{podcast, post};
use crate::Error;
use crate::clock::ManualClock;
use crate::domain::*;

/// A second save of a key answers the first item (`created = false`) and writes nothing;
/// concurrent saves of one key make one row; other keys are other rows; an unknown source is
/// `NotFound` and writes nothing.
pub async fn generated_pieces_are_saved_once_per_bundle_and_piece(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let src = s.create_source(podcast("ep-12")).await.unwrap().value;
    let piece = |text: &str| {
        let mut n = post(text);
        n.source_id = Some(src.id);
        n.platform_data = json!({"growth_bundle": {"bundle": "job-1", "piece": "linkedin_post#0"}});
        n
    };
    assert_eq!(s.get_bundle_piece("job-1", "linkedin_post#0").await.unwrap(), None);
    let (first, created) = s.insert_bundle_piece("job-1", "linkedin_post#0", piece("First run's draft.")).await.unwrap();
    assert!(created);
    assert_eq!((first.version, first.content.as_str()), (1, "First run's draft."));
    assert_eq!(s.list_versions(first.id).await.unwrap().len(), 1);
    assert_eq!(s.get_bundle_piece("job-1", "linkedin_post#0").await.unwrap(), Some(first.clone()));

    let (again, created) = s.insert_bundle_piece("job-1", "linkedin_post#0", piece("Second run's draft.")).await.unwrap();
    assert!(!created, "a saved key is answered, not saved again");
    assert_eq!(again, first, "the first run's item, unchanged");
    let of_source = ContentFilter { source_id: Some(src.id), limit: 100, ..ContentFilter::default() };
    assert_eq!(s.count_content(&of_source).await.unwrap(), 1, "no second row");

    // Other pieces of the bundle, and the same piece of another bundle, are rows of their own.
    let (other_piece, created) = s.insert_bundle_piece("job-1", "linkedin_post#1", piece("Another post.")).await.unwrap();
    assert!(created && other_piece.id != first.id);
    let (other_bundle, created) = s.insert_bundle_piece("job-2", "linkedin_post#0", piece("Another bundle.")).await.unwrap();
    assert!(created && other_bundle.id != first.id);
    assert_eq!(s.count_content(&of_source).await.unwrap(), 3);

    // Two runs saving every piece at once: one row per key, each caller answered that row.
    let saves: Vec<_> = (0..8)
        .map(|run| {
            let s = s.clone();
            let mut n = piece(&format!("Concurrent run {run}."));
            n.platform_data = json!({"growth_bundle": {"bundle": "job-3", "piece": "newsletter#0"}});
            tokio::spawn(async move { s.insert_bundle_piece("job-3", "newsletter#0", n).await.unwrap() })
        })
        .collect();
    let mut answered = Vec::new();
    for t in saves {
        answered.push(t.await.unwrap());
    }
    assert_eq!(answered.iter().filter(|(_, created)| *created).count(), 1, "exactly one save created the piece");
    assert!(answered.iter().all(|(c, _)| c.id == answered[0].0.id), "every caller got the one row");
    assert_eq!(s.count_content(&of_source).await.unwrap(), 4);

    // An unknown source writes nothing, not even the key.
    let mut orphan = post("Nobody's piece.");
    orphan.source_id = Some(SourceId::new());
    let err = s.insert_bundle_piece("job-4", "blog_post#0", orphan).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(s.get_bundle_piece("job-4", "blog_post#0").await.unwrap(), None);
}
