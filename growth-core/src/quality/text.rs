//! Text helpers shared by the built-in checks: words, sentences, paragraphs, a byte-for-byte
//! normalised copy for matching, and boundary tests.
//!
//! Every span is a pair of byte offsets into the original text on char boundaries.

/// A copy of `text` with the same byte length in which ASCII letters are lower-cased, tabs and
/// carriage returns are spaces, and a single line break (a soft wrap inside a paragraph) is a
/// space; a blank line (`\n\n`) and a line break before a list item, heading, quote or table
/// row stay line breaks. Only ASCII bytes change, so the copy is valid UTF-8 and every byte offset
/// into it is the same offset into `text`.
pub(crate) fn normalize(text: &str) -> Vec<u8> {
    scan(text).normalized
}

/// What one pass over a text yields: its normalised copy ([`normalize`]), its word count
/// ([`word_count`]) and its em-dashes (`—`, and `--` between words: not `---` rules, not at a line
/// start, not in `<!-- -->`).
pub(crate) struct Scanned {
    pub(crate) normalized: Vec<u8>,
    pub(crate) words: usize,
    pub(crate) em_dashes: Vec<[usize; 2]>,
}

const WS: u8 = 1;
const WORD: u8 = 2;
const SPECIAL: u8 = 8;
const LEAD: u8 = 16;

/// Byte classes for the ASCII fast paths: whitespace, word byte, bytes that need a closer look
/// (`\t`, `\r`, `\n`, `-`), and UTF-8 lead bytes (decoded as chars).
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = if b >= 0xC0 {
            LEAD
        } else if b.is_ascii_alphanumeric() {
            WORD
        } else if b == b' ' || b == 0x0B || b == 0x0C {
            WS
        } else if b == b'\t' || b == b'\r' || b == b'\n' {
            WS | SPECIAL
        } else if b == b'-' {
            SPECIAL
        } else {
            0
        };
        i += 1;
    }
    table
};

/// One pass over `text` (see [`Scanned`]); ASCII bytes take a table-driven fast path, other chars
/// are decoded at their lead byte.
pub(crate) fn scan(text: &str) -> Scanned {
    let bytes = text.as_bytes();
    // Lower-casing on its own vectorises; the loop below only reads, and writes the rare byte
    // (tab, carriage return, soft line break) that becomes a space.
    let mut out = text.to_ascii_lowercase().into_bytes();
    let mut em_dashes = Vec::new();
    let (mut words, mut has_word) = (0, false);
    let not_blank = |b: &&u8| **b != b'\r' && **b != b' ' && **b != b'\t';
    for (i, &b) in bytes.iter().enumerate() {
        let class = CLASS[usize::from(b)];
        // Branch-free on the common path: words end at whitespace and start at a word byte.
        let (ws, word) = (class & WS != 0, class & WORD != 0);
        words += usize::from(has_word & ws);
        has_word = (has_word & !ws) | word;
        if class & (SPECIAL | LEAD) == 0 {
            continue;
        }
        if class & SPECIAL != 0 {
            match b {
                b'\t' | b'\r' => out[i] = b' ',
                b'\n' => {
                    let prev_nl = bytes[..i].iter().rev().find(not_blank) == Some(&b'\n');
                    let next = bytes[i + 1..].iter().find(not_blank);
                    // A blank line, or a new line that opens a list item, heading, quote or table row.
                    let block = matches!(next, Some(b'\n' | b'-' | b'*' | b'#' | b'>' | b'|'));
                    if !(prev_nl || block || i == 0) {
                        out[i] = b' ';
                    }
                }
                _ if i == 0 || bytes[i - 1] != b'-' => {
                    let run = bytes[i..].iter().take_while(|x| **x == b'-').count();
                    let before = bytes[..i].iter().rev().find(|x| **x != b' ').copied();
                    let after = bytes.get(i + run).copied();
                    let markup = matches!(before, None | Some(b'\n' | b'!' | b'<')) || matches!(after, None | Some(b'\n' | b'>'));
                    if run == 2 && !markup {
                        em_dashes.push([i, i + 2]);
                    }
                }
                _ => {}
            }
        }
        if class & LEAD != 0
            && let Some(c) = text[i..].chars().next()
        {
            if c.is_whitespace() {
                words += usize::from(has_word);
                has_word = false;
            } else if is_word_char(c) {
                has_word = true;
            }
            if c == '—' {
                em_dashes.push([i, i + c.len_utf8()]);
            }
        }
    }
    Scanned { normalized: out, words: words + usize::from(has_word), em_dashes }
}

/// Whether `c` belongs to a word (letters and digits of any script).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether the span `[start, end)` of `text` stands as whole words: a word char at either edge of
/// the span must not touch another word char outside it.
pub(crate) fn is_whole_word(text: &str, start: usize, end: usize) -> bool {
    let span = &text[start..end];
    let left_ok = match (span.chars().next(), text[..start].chars().next_back()) {
        (Some(first), Some(before)) => !(is_word_char(first) && is_word_char(before)),
        _ => true,
    };
    let right_ok = match (span.chars().next_back(), text[end..].chars().next()) {
        (Some(last), Some(after)) => !(is_word_char(last) && is_word_char(after)),
        _ => true,
    };
    left_ok && right_ok
}

/// Whether byte offset `pos` starts a sentence: only spaces, quotes, brackets and Markdown markers
/// (`#`, `>`, `*`, `_`, `-`, bullets) stand between it and the start of the text, a line break, or
/// the end of the previous sentence (`.`, `!`, `?`, `:`, `;`, `…`).
pub(crate) fn is_sentence_start(text: &str, pos: usize) -> bool {
    for c in text[..pos].chars().rev() {
        match c {
            ' ' | '\t' | '"' | '\'' | '“' | '”' | '‘' | '’' | '(' | ')' | '[' | ']' | '*' | '_' | '#' | '>' | '-' | '•' | '\u{a0}' =>
            {
                continue;
            }
            '\n' | '\r' | '.' | '!' | '?' | ':' | ';' | '…' => return true,
            _ => return false,
        }
    }
    true
}

/// Whether the whitespace-delimited token around `pos` is a URL (so slugs in links are not read as prose).
pub(crate) fn in_url(text: &str, pos: usize) -> bool {
    let token_start = text[..pos].rfind(|c: char| c.is_whitespace() || c == '(' || c == '<' || c == '[').map_or(0, |i| i + 1);
    let token = &text[token_start..pos];
    token.starts_with("http://") || token.starts_with("https://") || token.starts_with("www.")
}

/// Number of words: whitespace-separated tokens that contain at least one letter or digit
/// (so a lone `—`, `-` or `|` is not a word). This is what a person counting words would count.
pub(crate) fn word_count(text: &str) -> usize {
    let (mut words, mut has_word) = (0, false);
    for (i, &b) in text.as_bytes().iter().enumerate() {
        let class = CLASS[usize::from(b)];
        let (ws, word) = (class & WS != 0, class & WORD != 0);
        words += usize::from(has_word & ws);
        has_word = (has_word & !ws) | word;
        if class & LEAD != 0
            && let Some(c) = text[i..].chars().next()
        {
            if c.is_whitespace() {
                words += usize::from(has_word);
                has_word = false;
            } else if is_word_char(c) {
                has_word = true;
            }
        }
    }
    words + usize::from(has_word)
}

/// The char at byte offset `i` of `text` and its length, with a fast path for ASCII.
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let b = *text.as_bytes().get(i)?;
    if b.is_ascii() { Some((char::from(b), 1)) } else { text[i..].chars().next().map(|c| (c, c.len_utf8())) }
}

/// The words of `text` as `(byte offset, word)`: maximal runs of word chars, joined across a
/// single inner apostrophe or hyphen (`don't`, `follow-up`).
pub(crate) fn words(text: &str) -> impl Iterator<Item = (usize, &str)> + '_ {
    let bytes = text.as_bytes();
    let is_word_at = move |i: usize| match bytes.get(i) {
        Some(&b) if b.is_ascii() => CLASS[usize::from(b)] & WORD != 0,
        Some(_) => char_at(text, i).is_some_and(|(c, _)| is_word_char(c)),
        None => false,
    };
    let mut pos = 0;
    std::iter::from_fn(move || {
        // Skip to the next word char (ASCII non-word bytes in a tight loop).
        loop {
            pos += bytes[pos.min(bytes.len())..].iter().take_while(|b| b.is_ascii() && CLASS[usize::from(**b)] & WORD == 0).count();
            let (c, len) = char_at(text, pos)?;
            if is_word_char(c) {
                break;
            }
            pos += len;
        }
        let start = pos;
        loop {
            pos += bytes[pos..].iter().take_while(|b| CLASS[usize::from(**b)] & WORD != 0).count();
            let Some((c, len)) = char_at(text, pos) else { break };
            if is_word_char(c) || (matches!(c, '\'' | '’' | '-') && is_word_at(pos + len)) {
                pos += len;
            } else {
                break;
            }
        }
        Some((start, &text[start..pos]))
    })
}

/// Where the body starts: after a leading YAML front-matter block (`---` … `---`), if any.
pub(crate) fn body_start(text: &str) -> usize {
    let Some(rest) = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")) else {
        return 0;
    };
    let offset = text.len() - rest.len();
    let mut pos = offset;
    for line in rest.split_inclusive('\n') {
        pos += line.len();
        if line.trim_end() == "---" {
            return pos;
        }
    }
    0
}

/// The paragraphs of `text` (blocks separated by blank lines) as trimmed byte spans.
pub(crate) fn paragraphs(text: &str) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        if blank {
            if let Some(s) = start.take() {
                out.push([s, end]);
            }
        } else {
            let lead = line.len() - line.trim_start().len();
            if start.is_none() {
                start = Some(pos + lead);
            }
            end = pos + line.trim_end().len();
        }
        pos += line.len();
    }
    if let Some(s) = start {
        out.push([s, end]);
    }
    out
}

/// The sentences of `text` as trimmed byte spans.
///
/// A sentence ends at `.`, `!`, `?` or `…` (with any closing quotes or brackets) followed by
/// whitespace or the end; a token with an inner dot (`e.g.`, `U.S.`) does not end one. A blank
/// line always ends one, and so does a single line break when the next line starts with something
/// other than a lower-case letter (a new line in a LinkedIn post, a list item), because a soft
/// wrap inside a paragraph continues in lower case far more often than not.
pub(crate) fn sentences(text: &str) -> Vec<[usize; 2]> {
    const ELLIPSIS: &[u8] = "…".as_bytes();
    const CLOSERS: [&[u8]; 11] = [b".", b"!", b"?", b"\"", b"'", b")", b"]", b"*", b"_", "”".as_bytes(), "’".as_bytes()];
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let push = |s: usize, e: usize, out: &mut Vec<[usize; 2]>| {
        let piece = &text[s..e];
        let trimmed = piece.trim();
        if trimmed.chars().any(is_word_char) {
            let lead = piece.len() - piece.trim_start().len();
            out.push([s + lead, s + lead + trimmed.len()]);
        }
    };
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Jump to the next byte that can end a sentence.
        i += bytes[i..].iter().take_while(|b| !matches!(b, b'.' | b'!' | b'?' | b'\n' | 0xE2)).count();
        if i >= bytes.len() {
            break;
        }
        let terminal_len = match bytes[i] {
            b'.' | b'!' | b'?' => 1,
            0xE2 if bytes[i..].starts_with(ELLIPSIS) => ELLIPSIS.len(),
            b'\n' => {
                let next = text[i + 1..].trim_start_matches([' ', '\t', '\r']);
                let blank = next.starts_with('\n') || next.is_empty();
                let new_unit = next.chars().next().is_some_and(|n| !n.is_lowercase());
                if blank || new_unit {
                    push(start, i, &mut out);
                    start = i + 1;
                }
                i += 1;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // Take the whole run of terminal punctuation and closing quotes/brackets.
        let mut j = i + terminal_len;
        while let Some(closer) = CLOSERS.iter().chain([&ELLIPSIS]).find(|c| bytes[j..].starts_with(c)) {
            j += closer.len();
        }
        let at_end = text[j..].chars().next().is_none_or(char::is_whitespace);
        let abbreviation = bytes[i] == b'.' && j == i + 1 && {
            let token_start = text[..i].rfind(char::is_whitespace).map_or(0, |k| k + 1);
            text[token_start..i].contains('.') || text[token_start..i].chars().count() == 1
        };
        if at_end && !abbreviation {
            push(start, j, &mut out);
            start = j;
        }
        i = j;
    }
    push(start, text.len(), &mut out);
    out
}

/// The first line of `text[from..]` that contains something, as a trimmed byte span.
pub(crate) fn first_line(text: &str, from: usize) -> Option<[usize; 2]> {
    let mut pos = from;
    for line in text[from..].split_inclusive('\n') {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let lead = line.len() - line.trim_start().len();
            return Some([pos + lead, pos + lead + trimmed.len()]);
        }
        pos += line.len();
    }
    None
}

/// The last line of `text[from..to]` that contains something, as a trimmed byte span.
pub(crate) fn last_line(text: &str, from: usize, to: usize) -> Option<[usize; 2]> {
    let mut end = to;
    for line in text[from..to].rsplit('\n') {
        let start = end - line.len();
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let lead = line.len() - line.trim_start().len();
            return Some([start + lead, start + lead + trimmed.len()]);
        }
        end = start.saturating_sub(1);
    }
    None
}

/// Where the paragraph that holds the line starting at `line_start` begins: after the last blank
/// line before it, or at `from`.
pub(crate) fn paragraph_start(text: &str, from: usize, line_start: usize) -> usize {
    let mut start = line_start;
    while start > from {
        let Some(prev) = last_line(text, from, start) else { return start };
        // A blank line between `prev` and `start` ends the paragraph.
        if text[prev[1]..start].matches('\n').count() >= 2 {
            return start;
        }
        start = prev[0];
    }
    start
}

/// The char count of `text` up to byte offset `pos`.
pub(crate) fn char_index(text: &str, pos: usize) -> usize {
    text[..pos].chars().count()
}

/// The byte offset of the char with index `n` (or the text's length if it has fewer chars).
pub(crate) fn byte_offset_of_char(text: &str, n: usize) -> usize {
    text.char_indices().nth(n).map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_keeps_every_byte_offset() {
        let text = "In Today’s\nWORLD—é 🚀\n\nNext\tPara";
        let norm = normalize(text);
        assert_eq!(norm.len(), text.len());
        assert_eq!(norm, "in today’s world—é 🚀\n\nnext para".as_bytes());
    }

    #[test]
    fn words_join_inner_apostrophes_and_hyphens() {
        let got: Vec<&str> = words("Don't follow-up — it's 3.5x 'quoted' café").map(|(_, w)| w).collect();
        assert_eq!(got, ["Don't", "follow-up", "it's", "3", "5x", "quoted", "café"]);
    }

    #[test]
    fn a_lone_dash_is_not_a_word() {
        assert_eq!(word_count("one — two - three |"), 3);
    }

    #[test]
    fn one_pass_counts_words_like_word_count() {
        for t in ["", "one", " one  two ", "é — café\u{a0}x\u{2003}y", "a\u{b}b\u{c}c", "--- -- x--y 🚀 z"] {
            assert_eq!(scan(t).words, word_count(t), "{t:?}");
        }
        assert_eq!(scan("x--y — z\n---\n<!-- c -->").em_dashes, [[1, 3], [5, 8]]);
    }

    #[test]
    fn sentences_split_on_terminal_punctuation_and_new_lines_but_not_soft_wraps() {
        let text = "First one. Second, e.g. this one!\nThird line\nwraps here? Yes.\n\nNew para";
        let got: Vec<&str> = sentences(text).iter().map(|[s, e]| &text[*s..*e]).collect();
        assert_eq!(got, ["First one.", "Second, e.g. this one!", "Third line\nwraps here?", "Yes.", "New para"]);
    }

    #[test]
    fn front_matter_is_skipped() {
        let text = "---\ntitle: x\n---\nBody";
        assert_eq!(&text[body_start(text)..], "Body");
        assert_eq!(body_start("No front matter"), 0);
    }

    #[test]
    fn paragraphs_and_lines_are_found_as_trimmed_spans() {
        let text = "  one\ntwo  \n\n\nthree\n";
        let p: Vec<&str> = paragraphs(text).iter().map(|[s, e]| &text[*s..*e]).collect();
        assert_eq!(p, ["one\ntwo", "three"]);
        assert_eq!(first_line(text, 0), Some([2, 5]));
        assert_eq!(last_line(text, 0, text.len()), Some([14, 19]));
        assert_eq!(last_line(text, 0, 14), Some([6, 9]));
        assert_eq!(paragraph_start(text, 0, 14), 14);
        assert_eq!(paragraph_start(text, 0, 6), 2);
    }

    #[test]
    fn a_sentence_start_skips_markdown_and_quotes() {
        let text = "Done. “Moreover” and\n- **Moreover**";
        assert!(is_sentence_start(text, text.find("Moreover").unwrap_or(0)));
        assert!(is_sentence_start(text, text.rfind("Moreover").unwrap_or(0)));
        assert!(!is_sentence_start(text, text.find("and").unwrap_or(0)));
    }
}
