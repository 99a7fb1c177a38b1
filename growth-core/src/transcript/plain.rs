//! Plain text: paragraphs separated by blank lines.
//!
//! Each paragraph becomes a segment, its lines joined by single spaces. A paragraph (or a line
//! inside one) that starts with a `Name:` label that looks like a name starts a segment for that
//! speaker; the speaker carries over to following unlabelled paragraphs, as in a pasted interview
//! where a long answer runs over several paragraphs. Text before the first label has no speaker.
//! Plain text always reads: only an input without words fails (in [`super::parse`]).

use super::text::{blocks, split_by_labels};
use super::untimed;
use crate::domain::Segment;

/// The segments of a plain-text transcript.
pub(super) fn parse(text: &str) -> Vec<Segment> {
    let mut speaker = None;
    blocks(text)
        .into_iter()
        .flat_map(|block| split_by_labels(block.lines, &mut speaker))
        .map(|piece| untimed(piece.speaker, piece.text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(segments: &[Segment]) -> Vec<(Option<&str>, &str)> {
        segments.iter().map(|s| (s.speaker.as_deref(), s.text.as_str())).collect()
    }

    #[test]
    fn paragraphs_become_segments_with_their_lines_joined() {
        let s = parse("First paragraph\nstill first.\n\n\nSecond   one.\n");
        assert_eq!(texts(&s), vec![(None, "First paragraph still first."), (None, "Second one.")]);
    }

    #[test]
    fn a_name_label_sets_the_speaker_and_carries_over_to_unlabelled_paragraphs() {
        let s = parse("Intro without a speaker.\n\nAdam Stacoviak: Welcome.\n\nMore from Adam.\n\nBryan: Thanks.");
        assert_eq!(
            texts(&s),
            vec![
                (None, "Intro without a speaker."),
                (Some("Adam Stacoviak"), "Welcome."),
                (Some("Adam Stacoviak"), "More from Adam."),
                (Some("Bryan"), "Thanks.")
            ]
        );
    }

    #[test]
    fn one_line_per_turn_without_blank_lines_splits_at_each_label() {
        let s = parse("Alice: hi\nBob: hello\nthere\nAlice: bye");
        assert_eq!(texts(&s), vec![(Some("Alice"), "hi"), (Some("Bob"), "hello there"), (Some("Alice"), "bye")]);
    }

    #[test]
    fn sentences_with_colons_are_not_mistaken_for_speaker_labels() {
        let s = parse("The plan was simple: ship it.\n\nWe met at 10:30 to talk.\n\nNote: this matters.");
        assert!(s.iter().all(|s| s.speaker.is_none()), "{s:?}");
        assert_eq!(s[0].text, "The plan was simple: ship it.");
    }
}
