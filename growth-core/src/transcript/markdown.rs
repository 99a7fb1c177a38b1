//! Markdown interviews, as the Changelog publishes its transcripts.
//!
//! A paragraph that starts with a bold label, `**Adam Stacoviak:**` (or `**Name**:`), starts a
//! speaker turn; paragraphs without a label continue the current turn. Each turn is one segment,
//! its paragraphs separated by a blank line. A `**Break:**` label starts an ad or sponsor
//! segment, dropped entirely until the next speaker label.
//!
//! In the text, escaped timestamps (`\[04:18\]`, `\[00:04:01.06\]`, also unescaped `[04:18]`)
//! are removed; one that opens a turn gives the segment its `start_ms`. Backslash escapes are
//! undone (`\[laughter\]` → `[laughter]`, so `\[unintelligible 00:12:34.56\]` stays as a
//! bracketed note) and HTML character references decoded (`&amp;`, `&#39;`, `&quot;` …).
//! Markdown always reads: only an input without words fails.

use super::text::{blocks, collapse_whitespace, decode_entities, find_near, parse_clock};
use crate::domain::Segment;

/// Longest label read as a speaker name; longer bold text opening a paragraph is emphasis.
const MAX_LABEL_CHARS: usize = 60;

/// A paragraph's leading bold label: `**Name:** rest` or `**Name**: rest`.
pub(super) fn bold_label(paragraph: &str) -> Option<(&str, &str)> {
    let inner = paragraph.trim_start().strip_prefix("**")?;
    let (label, after) = inner.split_once("**")?;
    let (name, rest) = match label.strip_suffix(':') {
        Some(name) => (name, after),
        None => (label, after.strip_prefix(':')?),
    };
    let name = name.trim();
    let plausible = !name.is_empty() && name.chars().count() <= MAX_LABEL_CHARS && !name.contains(['*', '\n']);
    plausible.then_some((name, rest))
}

struct Turn {
    speaker: Option<String>,
    start_ms: Option<u64>,
    paragraphs: Vec<String>,
}

impl Turn {
    fn into_segment(self) -> Segment {
        Segment { speaker: self.speaker, start_ms: self.start_ms, end_ms: None, text: self.paragraphs.join("\n\n") }
    }
}

/// The segments of a Markdown interview.
pub(super) fn parse(text: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut turn: Option<Turn> = None;
    let mut in_break = false;
    for block in blocks(text) {
        let paragraph = block.lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        let body = match bold_label(&paragraph) {
            Some((name, rest)) => {
                segments.extend(turn.take().map(Turn::into_segment));
                in_break = name.eq_ignore_ascii_case("break");
                if !in_break {
                    let speaker = collapse_whitespace(&decode_entities(&unescape(name)));
                    turn = Some(Turn { speaker: Some(speaker), start_ms: None, paragraphs: Vec::new() });
                }
                rest
            }
            None => paragraph.as_str(),
        };
        if in_break {
            continue;
        }
        let (leading_ms, cleaned) = clean(body);
        let turn = turn.get_or_insert_with(|| Turn { speaker: None, start_ms: None, paragraphs: Vec::new() });
        if turn.paragraphs.is_empty() && turn.start_ms.is_none() {
            turn.start_ms = leading_ms;
        }
        if !cleaned.is_empty() {
            turn.paragraphs.push(cleaned);
        }
    }
    segments.extend(turn.map(Turn::into_segment));
    segments
}

/// The paragraph's text with timestamps removed, escapes undone and entities decoded, and the
/// time of a timestamp that opens it.
fn clean(paragraph: &str) -> (Option<u64>, String) {
    let mut out = String::with_capacity(paragraph.len());
    let mut leading = None;
    let mut seen_text = false;
    let mut rest = paragraph;
    while let Some((before, after_open)) = rest.split_once('[') {
        let lead = before.strip_suffix('\\').unwrap_or(before);
        let stamp = find_near(after_open, ']').and_then(|j| {
            let inside = after_open.get(..j)?;
            let inside = inside.strip_suffix('\\').unwrap_or(inside);
            parse_clock(inside.trim()).map(|ms| (ms, after_open.get(j + 1..).unwrap_or_default()))
        });
        match stamp {
            Some((ms, tail)) => {
                out.push_str(lead);
                // `seen_text` keeps this check O(1): trimming `out` each time made a paragraph of
                // many timestamps quadratic.
                seen_text = seen_text || !lead.trim().is_empty();
                if !seen_text && leading.is_none() {
                    leading = Some(ms);
                }
                out.push(' ');
                rest = tail;
            }
            None => {
                out.push_str(before);
                out.push('[');
                seen_text = true;
                rest = after_open;
            }
        }
    }
    out.push_str(rest);
    (leading, collapse_whitespace(&decode_entities(&unescape(&out))))
}

/// Undoes Markdown backslash escapes of ASCII punctuation (`\[` → `[`, `\*` → `*`).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(next) if c == '\\' && next.is_ascii_punctuation() => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(segments: &[Segment]) -> Vec<(Option<&str>, Option<u64>, &str)> {
        segments.iter().map(|s| (s.speaker.as_deref(), s.start_ms, s.text.as_str())).collect()
    }

    #[test]
    fn bold_labels_start_turns_and_unlabelled_paragraphs_continue_them() {
        let s = parse("**Adam Stacoviak:** Hello there.\n\nAnd welcome.\n\n**Bryan Helmig:** Thanks.\n");
        assert_eq!(
            summary(&s),
            vec![(Some("Adam Stacoviak"), None, "Hello there.\n\nAnd welcome."), (Some("Bryan Helmig"), None, "Thanks.")]
        );
    }

    #[test]
    fn escaped_timestamps_are_removed_and_one_opening_a_turn_gives_its_start() {
        let s = parse(
            "**Adam:** \\[04:18\\] That is interesting, Node.js \\[01:02:46.13\\] for sure.\n\n\\[07:58\\] Next paragraph.\n\n**Bryan:** \\[00:04:01.06\\] Yes.",
        );
        assert_eq!(
            summary(&s),
            vec![
                (Some("Adam"), Some(258_000), "That is interesting, Node.js for sure.\n\nNext paragraph."),
                (Some("Bryan"), Some(241_060), "Yes.")
            ]
        );
    }

    #[test]
    fn break_segments_are_dropped_until_the_next_speaker_label() {
        let s = parse(
            "**Adam:** Before.\n\n**Break:** \\[23:50\\]\n\nThis episode is brought to you by a sponsor.\n\n**Break**: \\[37:58\\]\n\n**Adam:** \\[24:45\\] After.",
        );
        assert_eq!(summary(&s), vec![(Some("Adam"), None, "Before."), (Some("Adam"), Some(1_485_000), "After.")]);
    }

    #[test]
    fn html_entities_are_decoded_and_backslash_escapes_undone() {
        let s = parse(
            "**Eugenio Pace:** \\[laughs\\] It&#39;s called &quot;n+1&gt;n&quot; &amp; R&D \\[unintelligible 00:12:34.56\\] \\*really\\*",
        );
        assert_eq!(s[0].text, "[laughs] It's called \"n+1>n\" & R&D [unintelligible 00:12:34.56] *really*");
    }

    #[test]
    fn text_before_the_first_label_has_no_speaker() {
        let s = parse("Intro paragraph.\n\n**Jerod Santo:** Hi.");
        assert_eq!(summary(&s), vec![(None, None, "Intro paragraph."), (Some("Jerod Santo"), None, "Hi.")]);
    }

    #[test]
    fn bold_text_that_is_not_a_label_is_text() {
        assert_eq!(bold_label("**Important** point here"), None);
        assert_eq!(bold_label("**Adam:**hi"), Some(("Adam", "hi")));
        assert_eq!(bold_label("**:**"), None);
        assert_eq!(bold_label("**unclosed:"), None);
    }
}
