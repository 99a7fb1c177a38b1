//! Transcript chunking against a real episode (`tests/fixtures/transcripts/changelog/founders-talk-55.md`).
#![allow(clippy::unwrap_used, reason = "a test crate: its helpers fail the test by panicking")]

use growth_core::domain::{Segment, Transcript};
use growth_core::knowledge::{Chunk, ChunkConfig, Chunker};
use growth_core::transcript::parse;
use proptest::prelude::*;

const EPISODE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/transcripts/changelog/founders-talk-55.md");

fn episode() -> Transcript {
    parse(&std::fs::read(EPISODE).unwrap(), None).unwrap().transcript
}

fn chunker(max_tokens: usize, overlap_tokens: usize) -> Chunker {
    Chunker::new(ChunkConfig { max_tokens, overlap_tokens }).unwrap()
}

/// The turns (runs of segments by one speaker) as the chunker writes them.
fn turns(t: &Transcript) -> Vec<String> {
    let mut out: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for s in &t.segments {
        let para = format!("{}: {}", s.speaker.as_deref().unwrap(), s.text);
        match out.last_mut() {
            Some((sp, paras)) if *sp == s.speaker => paras.push(para),
            _ => out.push((s.speaker.clone(), vec![para])),
        }
    }
    out.into_iter().map(|(_, paras)| paras.join("\n\n")).collect()
}

fn check_sizes_labels_and_coverage(c: &Chunker, t: &Transcript, chunks: &[Chunk]) {
    let max = c.config().max_tokens;
    let whole = t.to_text();
    let speakers = t.speakers();
    assert!(chunks.len() > 1);
    let mut covered_to = 0usize;
    for (i, ch) in chunks.iter().enumerate() {
        assert_eq!(ch.index, i);
        assert!(ch.tokens <= max, "chunk {i} has {} tokens, over {max}", ch.tokens);
        assert_eq!(ch.tokens, c.count_tokens(&ch.text));
        // Every chunk opens with a labelled turn (or a labelled piece of a turn too big for a chunk).
        assert!(
            speakers.iter().any(|s| ch.text.starts_with(&format!("{s}: "))),
            "chunk {i} opens without a speaker label: {:.60}",
            ch.text
        );
        assert!(!ch.speakers.is_empty());
        assert!(ch.byte_range.end <= whole.len());
        assert!(ch.byte_range.start <= covered_to + 2, "chunk {i} leaves a gap before byte {}", ch.byte_range.start);
        covered_to = covered_to.max(ch.byte_range.end);
    }
    assert_eq!(covered_to, whole.len(), "the chunks cover the whole transcript");
    // About one paragraph in twenty carries a `\[MM:SS\]` time: chunks that hold one know when they start.
    let starts: Vec<u64> = chunks.iter().filter_map(|c| c.start_ms).collect();
    assert!(starts.len() >= 5, "{starts:?}");
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
}

#[test]
fn chunks_of_a_real_episode_stay_within_the_token_limit_and_cover_it() {
    let t = episode();
    for (max, overlap) in [(500, 50), (120, 20)] {
        let c = chunker(max, overlap);
        let chunks = c.chunk_transcript(&t);
        check_sizes_labels_and_coverage(&c, &t, &chunks);
    }
}

#[test]
fn turns_that_fit_in_a_chunk_are_never_split() {
    let t = episode();
    for (max, overlap) in [(500, 50), (120, 20)] {
        let c = chunker(max, overlap);
        let chunks = c.chunk_transcript(&t);
        let (mut whole, mut too_big) = (0, 0);
        for turn in turns(&t) {
            if c.count_tokens(&turn) <= max {
                whole += 1;
                assert!(chunks.iter().any(|ch| ch.text.contains(&turn)), "a {max}-token chunking split the turn {turn:.80}");
            } else {
                too_big += 1;
            }
        }
        assert!(whole > 50, "{whole}");
        if max == 120 {
            assert!(too_big > 0, "the small limit must exercise the splitting of long turns");
        }
    }
}

#[test]
fn chunking_is_deterministic() {
    let t = episode();
    let a = chunker(500, 50).chunk_transcript(&t);
    let b = chunker(500, 50).chunk_transcript(&t);
    assert_eq!(a, b);
    let text = t.to_text();
    assert_eq!(chunker(300, 30).chunk_text(&text), chunker(300, 30).chunk_text(&text));
}

fn arb_transcript() -> impl Strategy<Value = Transcript> {
    let words = prop::sample::select(vec!["pricing", "onboarding", "we", "the", "users", "activation", "growth,", "really.", "so", "42"]);
    let segment = (0..3usize, prop::collection::vec(words, 1..160)).prop_map(|(speaker, words)| Segment {
        speaker: Some(["Adam Stacoviak", "Bryan", "Wade Foster"][speaker].to_owned()),
        start_ms: None,
        end_ms: None,
        text: words.join(" "),
    });
    prop::collection::vec(segment, 1..25).prop_map(|segments| Transcript { segments })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn any_transcript_chunks_within_the_limit_without_splitting_turns_that_fit(
        t in arb_transcript(),
        max in 20usize..150,
        overlap_share in 0usize..50,
    ) {
        let c = chunker(max, max * overlap_share / 100);
        let chunks = c.chunk_transcript(&t);
        prop_assert!(!chunks.is_empty());
        let whole = t.to_text();
        let mut covered_to = 0usize;
        for ch in &chunks {
            prop_assert!(ch.tokens <= max, "{} tokens over {max}", ch.tokens);
            prop_assert!(ch.byte_range.start <= covered_to + 2);
            covered_to = covered_to.max(ch.byte_range.end);
        }
        prop_assert_eq!(covered_to, whole.len());
        for turn in turns(&t) {
            if c.count_tokens(&turn) <= max {
                prop_assert!(chunks.iter().any(|ch| ch.text.contains(&turn)), "split: {turn:.80}");
            }
        }
        prop_assert_eq!(&chunks, &c.chunk_transcript(&t));
    }
}
