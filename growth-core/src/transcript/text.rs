//! Small text helpers shared by the formats: clock times, speaker labels, entities, markup,
//! blank-line separated blocks and cue timings.
//!
//! Everything here slices strings only at positions of ASCII characters found by search, or
//! through `get`/`split_once`, so no input can make it panic.

use std::borrow::Cow;

use super::{ParseError, TranscriptFormat};

/// A run of non-blank lines.
pub(super) struct Block<'a> {
    /// 1-based number of the block's first line.
    pub(super) line: usize,
    /// The lines, untrimmed.
    pub(super) lines: Vec<&'a str>,
}

/// Splits text into runs of non-blank lines (whitespace-only lines count as blank).
pub(super) fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut out: Vec<Block<'_>> = Vec::new();
    let mut current: Option<Block<'_>> = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            out.extend(current.take());
        } else {
            current.get_or_insert_with(|| Block { line: i + 1, lines: Vec::new() }).lines.push(line);
        }
    }
    out.extend(current);
    out
}

/// One cue of a WebVTT or SRT block: its timing line and the text lines after it.
pub(super) struct RawCue<'a> {
    /// 1-based number of the timing line.
    pub(super) line: usize,
    /// The `start --> end [settings]` line.
    pub(super) timing: &'a str,
    /// The cue text lines.
    pub(super) text: Vec<&'a str>,
}

/// A block split into cues, with any text that precedes its first timing line.
pub(super) struct CueBlock<'a> {
    /// Lines before the first timing line that are not its cue identifier (a continuation of the
    /// previous cue, when there is one).
    pub(super) orphans: Vec<&'a str>,
    /// The cues, in order.
    pub(super) cues: Vec<RawCue<'a>>,
}

/// Splits a block into cues at every line that contains `-->`. The line just before the block's
/// first timing line, when it is the block's first line, is the cue identifier (or SRT number);
/// a digits-only line just before any later timing line is the next cue's number. This reads the
/// common breakage of cues with no blank line between them.
pub(super) fn split_cues<'a>(block: &Block<'a>) -> CueBlock<'a> {
    let lines = block.lines.as_slice();
    let timings: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.contains("-->")).map(|(i, _)| i).collect();
    let is_number = |i: usize| lines.get(i).is_some_and(|l| all_digits(l.trim()));
    let orphans_end = match timings.first() {
        Some(&first) if first == 1 || (first > 1 && is_number(first - 1)) => first - 1,
        Some(&first) => first,
        None => lines.len(),
    };
    let orphans = lines.get(..orphans_end).unwrap_or_default().to_vec();
    let mut cues = Vec::with_capacity(timings.len());
    for (n, &t) in timings.iter().enumerate() {
        let next = timings.get(n + 1).copied().unwrap_or(lines.len());
        let text_end = if next < lines.len() && next > t + 1 && is_number(next - 1) { next - 1 } else { next };
        cues.push(RawCue {
            line: block.line + t,
            timing: lines.get(t).copied().unwrap_or_default(),
            text: lines.get(t + 1..text_end).unwrap_or_default().to_vec(),
        });
    }
    CueBlock { orphans, cues }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A clock time in milliseconds: `H:MM:SS`, `MM:SS`, each optionally followed by `.fff` or `,fff`.
///
/// The leading field may have 1–5 digits (so hours-less times past the hour, `75:30`, and
/// single-digit hours, `1:02:03.5`, are read); the following fields have exactly 2 digits and are
/// below 60. The fraction has 1–9 digits and is read as a decimal fraction (`.5` = 500 ms,
/// `.06` = 60 ms), truncated to milliseconds.
pub(super) fn parse_clock(s: &str) -> Option<u64> {
    let (clock, fraction) = match s.split_once(['.', ',']) {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (s, None),
    };
    let fields: Vec<&str> = clock.split(':').collect();
    let (hours, minutes, seconds) = match fields.as_slice() {
        [m, s] => (0, number(m, 1, 5)?, sexagesimal(s)?),
        [h, m, s] => (number(h, 1, 5)?, sexagesimal(m)?, sexagesimal(s)?),
        _ => return None,
    };
    let millis = match fraction {
        None => 0,
        Some(f) => {
            number(f, 1, 9)?;
            f.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0, |acc, b| acc * 10 + u64::from(b.saturating_sub(b'0')))
        }
    };
    Some(((hours * 60 + minutes) * 60 + seconds) * 1000 + millis)
}

fn number(s: &str, min_digits: usize, max_digits: usize) -> Option<u64> {
    if (min_digits..=max_digits).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

fn sexagesimal(s: &str) -> Option<u64> {
    number(s, 2, 2).filter(|n| *n < 60)
}

/// Whether `s` has the shape of a clock time, valid or not: digits, then one or two `:` followed
/// by two digits each, then an optional fraction. `00:75:00` has the shape; `1:1` and `3:45pm` do not.
pub(super) fn is_clock_shaped(s: &str) -> bool {
    let all_digits = |f: &str| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit());
    let clock = match s.split_once(['.', ',']) {
        Some((clock, fraction)) if all_digits(fraction) => clock,
        Some(_) => return false,
        None => s,
    };
    let fields: Vec<&str> = clock.split(':').collect();
    match fields.split_first() {
        Some((first, rest)) => (1..=2).contains(&rest.len()) && all_digits(first) && rest.iter().all(|f| f.len() == 2 && all_digits(f)),
        None => false,
    }
}

/// A cue time written as plain seconds, as some exporters write WebVTT and SRT: `3.480`, `12`,
/// `0,5` (1–7 digits, an optional `.` or `,` fraction of 1–9 digits, truncated to milliseconds).
pub(super) fn parse_seconds(s: &str) -> Option<u64> {
    let (whole, fraction) = match s.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (s, None),
    };
    let seconds = number(whole, 1, 7)?;
    let millis = match fraction {
        None => 0,
        Some(f) => {
            number(f, 1, 9)?;
            f.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0, |acc, b| acc * 10 + u64::from(b.saturating_sub(b'0')))
        }
    };
    Some(seconds * 1000 + millis)
}

/// The start and end of a `start --> end [settings]` cue timing line, in milliseconds. Each time
/// is a clock time ([`parse_clock`]: `00:00:01.000`, `00:01.000`) or plain seconds
/// ([`parse_seconds`]: `1.000`).
pub(super) fn parse_timing(line: &str, format: TranscriptFormat, line_no: usize) -> Result<(u64, u64), ParseError> {
    let (start, rest) =
        line.split_once("-->").ok_or_else(|| ParseError::at(format, line_no, "expected a `start --> end` cue timing line"))?;
    let start_text = start.trim();
    let end_text = rest.split_whitespace().next().unwrap_or_default();
    let time = |t: &str| {
        parse_clock(t)
            .or_else(|| parse_seconds(t))
            .ok_or_else(|| ParseError::at(format, line_no, format!("invalid cue timing `{}`: `{t}` is not a time", line.trim())))
    };
    let (start_ms, end_ms) = (time(start_text)?, time(end_text)?);
    if end_ms < start_ms {
        return Err(ParseError::at(format, line_no, format!("cue ends ({end_text}) before it starts ({start_text})")));
    }
    Ok((start_ms, end_ms))
}

/// A leading `Name:` speaker label, when it looks like a name: 1–4 words, at most 40 characters,
/// each word capitalised (a number may follow the first word, as in `Speaker 1`; name particles
/// like `de` or `van` may sit in the middle), not a word that commonly precedes a colon in prose
/// (`Note:`, `Update:`, `Step 1:` …). The colon must be followed by whitespace or the end, so
/// `10:30` is not a label. Returns the name and the text after the label.
pub(super) fn speaker_label(line: &str) -> Option<(&str, &str)> {
    let (name, rest) = line.trim_start().split_once(':')?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let name = name.trim_end();
    looks_like_name(name).then_some((name, rest.trim_start()))
}

const PARTICLES: &[&str] = &["al", "bin", "da", "de", "del", "della", "der", "di", "du", "la", "le", "st", "van", "von"];

const NOT_NAMES: &[&str] = &[
    "answer",
    "caution",
    "chapter",
    "date",
    "edit",
    "edited",
    "email",
    "episode",
    "example",
    "http",
    "https",
    "important",
    "link",
    "links",
    "nb",
    "note",
    "notes",
    "part",
    "ps",
    "re",
    "result",
    "section",
    "source",
    "sources",
    "step",
    "subject",
    "summary",
    "time",
    "tip",
    "title",
    "tldr",
    "transcript",
    "update",
    "url",
    "warning",
];

fn looks_like_name(name: &str) -> bool {
    if name.is_empty() || name.chars().count() > 40 {
        return false;
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    let Some(first) = words.first() else { return false };
    if words.len() > 4 || NOT_NAMES.contains(&first.to_lowercase().as_str()) {
        return false;
    }
    let last = words.len() - 1;
    words.iter().enumerate().all(|(i, w)| {
        capitalised(w)
            || (i > 0 && w.bytes().all(|b| b.is_ascii_digit()))
            || (i > 0 && i < last && PARTICLES.contains(&w.to_lowercase().as_str()))
    })
}

fn capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '’' | '-'))
}

/// One speaker's stretch of text inside a block.
pub(super) struct Piece {
    /// The speaker, labelled or carried over.
    pub(super) speaker: Option<String>,
    /// The text, whitespace collapsed.
    pub(super) text: String,
}

/// Splits lines into pieces at `Name:` labels. Lines without a label continue the current piece
/// (or start one for the carried-over `speaker`); a label changes `speaker` for what follows.
pub(super) fn split_by_labels<'a>(lines: impl IntoIterator<Item = &'a str>, speaker: &mut Option<String>) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = Vec::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some((name, rest)) = speaker_label(line) {
            *speaker = Some(name.to_owned());
            pieces.push(Piece { speaker: speaker.clone(), text: rest.to_owned() });
        } else if let Some(last) = pieces.last_mut() {
            last.text.push(' ');
            last.text.push_str(line);
        } else {
            pieces.push(Piece { speaker: speaker.clone(), text: line.to_owned() });
        }
    }
    for piece in &mut pieces {
        piece.text = collapse_whitespace(&piece.text);
    }
    pieces
}

/// Words separated by single spaces.
pub(super) fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes HTML character references: the common named ones and numeric ones (`&#39;`, `&#x2019;`).
/// Anything else, such as a bare `&` in `R&D`, is left as written.
pub(super) fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((before, after)) = rest.split_once('&') {
        out.push_str(before);
        let name_len = after.bytes().take(32).take_while(|b| b.is_ascii_alphanumeric() || *b == b'#').count();
        let decoded = after
            .get(..name_len)
            .and_then(entity)
            .and_then(|c| after.get(name_len..).and_then(|tail| tail.strip_prefix(';')).map(|tail| (c, tail)));
        match decoded {
            Some((c, tail)) => {
                out.push(c);
                rest = tail;
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "bull" => '•',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "deg" => '°',
        "eacute" => 'é',
        "egrave" => 'è',
        "aacute" => 'á',
        "agrave" => 'à',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "ntilde" => 'ñ',
        "ccedil" => 'ç',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "szlig" => 'ß',
        "euro" => '€',
        "pound" => '£',
        "lrm" => '\u{200E}',
        "rlm" => '\u{200F}',
        _ => return None,
    };
    Some(c)
}

/// Markup tags are short: looking for the end of one no further than this keeps stripping linear.
const MAX_TAG_BYTES: usize = 256;

/// The byte index of `c` in `s`, if it occurs within the first [`MAX_TAG_BYTES`] bytes.
pub(super) fn find_near(s: &str, c: char) -> Option<usize> {
    s.char_indices().take_while(|(i, _)| *i < MAX_TAG_BYTES).find(|(_, x)| *x == c).map(|(i, _)| i)
}

/// Removes HTML-like tags (`<i>`, `</font>`, `<font color="red">`) and ASS override blocks
/// (`{\an8}`). A `<` not followed by a letter or `/`, or with no `>` on the line, is text.
pub(super) fn strip_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['<', '{']) {
        let (before, from) = rest.split_at_checked(i).unwrap_or((rest, ""));
        out.push_str(before);
        let closing = if from.starts_with('<') { '>' } else { '}' };
        let opens_tag = match from.get(1..2) {
            Some(next) if closing == '>' => next.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/'),
            Some(next) => next == "\\",
            None => false,
        };
        match find_near(from, closing).filter(|_| opens_tag).and_then(|j| from.get(j + 1..)) {
            Some(tail) => rest = tail,
            None => {
                let (open, tail) = from.split_at_checked(1).unwrap_or((from, ""));
                out.push_str(open);
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_with_and_without_hours_and_fractions_are_read() {
        assert_eq!(parse_clock("00:00:06.080"), Some(6_080));
        assert_eq!(parse_clock("01:02:03,004"), Some(3_723_004));
        assert_eq!(parse_clock("1:02:03.5"), Some(3_723_500));
        assert_eq!(parse_clock("00:06.080"), Some(6_080));
        assert_eq!(parse_clock("04:18"), Some(258_000));
        assert_eq!(parse_clock("75:30"), Some(4_530_000));
        assert_eq!(parse_clock("00:04:01.06"), Some(241_060));
        assert_eq!(parse_clock("00:00:01.123456"), Some(1_123));
    }

    #[test]
    fn plain_seconds_are_read_as_cue_times() {
        assert_eq!(parse_seconds("0.000"), Some(0));
        assert_eq!(parse_seconds("3.480"), Some(3_480));
        assert_eq!(parse_seconds("12"), Some(12_000));
        assert_eq!(parse_seconds("0,5"), Some(500));
        assert_eq!(parse_seconds("3725.25"), Some(3_725_250));
        for bad in ["", ".5", "3.", "-1.0", "1e3", "12345678.0", "1.2.3", "١.٠"] {
            assert_eq!(parse_seconds(bad), None, "{bad}");
        }
        assert_eq!(parse_timing("0.000 --> 3.480", TranscriptFormat::WebVtt, 1).unwrap(), (0, 3_480));
        assert_eq!(parse_timing("00:01.000 --> 4.5 align:start", TranscriptFormat::WebVtt, 1).unwrap(), (1_000, 4_500));
    }

    #[test]
    fn nonsense_clock_times_are_refused() {
        for bad in ["", "12", "a:b", "00:60", "00:99:00", "1:2:3", "00:00:00.", "00:00:00.x", "-1:00", "00:00:00:00", "１:00"] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_are_recognised_as_speaker_labels_and_sentences_are_not() {
        assert_eq!(speaker_label("Adam Stacoviak: hello"), Some(("Adam Stacoviak", "hello")));
        assert_eq!(speaker_label("Speaker 1: hi"), Some(("Speaker 1", "hi")));
        assert_eq!(speaker_label("Peter de Carlo: hi"), Some(("Peter de Carlo", "hi")));
        assert_eq!(speaker_label("Dr. Jane O'Brien-Smith:"), Some(("Dr. Jane O'Brien-Smith", "")));
        assert_eq!(speaker_label("A: yes"), Some(("A", "yes")));
        assert_eq!(speaker_label("Here is the thing: it works"), None);
        assert_eq!(speaker_label("We met at 10:30 and talked"), None);
        assert_eq!(speaker_label("Note: this is a note"), None);
        assert_eq!(speaker_label("Step 1: do it"), None);
        assert_eq!(speaker_label("Monday 10:30 meeting"), None);
        assert_eq!(speaker_label("One Two Three Four Five: too many words"), None);
        assert_eq!(speaker_label("https://example.com"), None);
    }

    #[test]
    fn entities_are_decoded_and_bare_ampersands_are_kept() {
        assert_eq!(decode_entities("R&amp;D &#39;quoted&#39; &quot;x&quot; &#x2019; n+1&gt;n"), "R&D 'quoted' \"x\" ’ n+1>n");
        assert_eq!(decode_entities("R&D & more &unknown; &#0; &#xZZ;"), "R&D & more &unknown; &#0; &#xZZ;");
        assert_eq!(decode_entities("&amp;lt;"), "&lt;");
    }

    #[test]
    fn markup_is_stripped_but_comparisons_survive() {
        assert_eq!(strip_markup("<i>hello</i> <font color=\"red\">world</font>"), "hello world");
        assert_eq!(strip_markup("{\\an8}top"), "top");
        assert_eq!(strip_markup("a < b and {braces} and <3"), "a < b and {braces} and <3");
        assert_eq!(strip_markup("unclosed <b tag"), "unclosed <b tag");
    }

    #[test]
    fn blocks_are_separated_by_blank_or_whitespace_only_lines() {
        let b = blocks("\na\nb\n  \nc\n\n\nd");
        let summary: Vec<(usize, Vec<&str>)> = b.into_iter().map(|b| (b.line, b.lines)).collect();
        assert_eq!(summary, vec![(2, vec!["a", "b"]), (5, vec!["c"]), (8, vec!["d"])]);
    }
}
