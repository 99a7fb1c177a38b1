//! Small text helpers shared by the learning modules: words, sentences, paragraphs, emoji,
//! hashtags, list markers and whole-word phrase search. Everything works on byte offsets into the
//! original text, on char boundaries.

/// Whether `c` is part of a word (letters, digits, and the marks that join them).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Number of words as the `length` gate counts them.
pub(crate) fn word_count(text: &str) -> usize {
    crate::quality::length::LengthCheck::word_count(text)
}

/// Lower-cased words of `text` with the punctuation around them stripped (`"Really,"` → `really`);
/// tokens with no letter or digit are skipped.
pub(crate) fn normalized_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(normalize_token).filter(|w| !w.is_empty()).collect()
}

/// [`normalized_words`] without formatting tokens: list markers (`1.`) and hashtags.
pub(crate) fn content_words(text: &str) -> Vec<String> {
    content_tokens(text).into_iter().map(str::to_lowercase).collect()
}

/// The whitespace tokens of `text` that are words, punctuation around them trimmed, formatting
/// tokens (list markers, hashtags) left out; case kept.
pub(crate) fn content_tokens(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .filter(|t| !t.starts_with('#') && !is_list_marker_token(t))
        .map(|t| t.trim_matches(|c: char| !is_word_char(c)))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether a whitespace token is a numbered-list marker (`1.`, `12)`).
pub(crate) fn is_list_marker_token(t: &str) -> bool {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    (1..=3).contains(&digits) && t.len() == digits + 1 && matches!(t.as_bytes()[digits], b'.' | b')')
}

/// Whether two words are the same ignoring case.
pub(crate) fn same_word(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
}

/// One whitespace token, lower-cased, without leading or trailing punctuation.
pub(crate) fn normalize_token(token: &str) -> String {
    token.trim_matches(|c: char| !is_word_char(c)).to_lowercase()
}

/// `text` with runs of whitespace collapsed to one space and trimmed.
pub(crate) fn squash_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The paragraphs of `text` (blocks separated by blank lines), trimmed, as byte spans.
pub(crate) fn paragraph_spans(text: &str) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    let (mut start, mut end, mut pos) = (None::<usize>, 0, 0);
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            if let Some(s) = start.take() {
                out.push([s, end]);
            }
        } else {
            if start.is_none() {
                start = Some(pos + (line.len() - line.trim_start().len()));
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

/// The paragraphs of `text`, trimmed.
pub(crate) fn paragraphs(text: &str) -> Vec<&str> {
    paragraph_spans(text).into_iter().map(|[s, e]| &text[s..e]).collect()
}

/// The sentences of `text` as trimmed byte spans: a sentence ends at `.`, `!`, `?` or `…` (with
/// any closing quotes or brackets) followed by whitespace or the end, and at every line break.
/// A one-letter or dotted token before a `.` (`U.S.`, `e.g.`) does not end one.
pub(crate) fn sentence_spans(text: &str) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    let push = |s: usize, e: usize, out: &mut Vec<[usize; 2]>| {
        let piece = &text[s..e];
        let trimmed = piece.trim();
        if !trimmed.is_empty() {
            let lead = piece.len() - piece.trim_start().len();
            out.push([s + lead, s + lead + trimmed.len()]);
        }
    };
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' => {
                push(start, i, &mut out);
                start = i + 1;
            }
            '.' | '!' | '?' | '…' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, n)) = chars.peek() {
                    if matches!(n, '.' | '!' | '?' | '…' | '"' | '\'' | ')' | ']' | '”' | '’' | '*' | '_') {
                        end = j + n.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                let at_boundary = text[end..].chars().next().is_none_or(char::is_whitespace);
                let abbreviation = c == '.' && end == i + 1 && {
                    let token_start = text[..i].rfind(char::is_whitespace).map_or(0, |k| k + 1);
                    let token = &text[token_start..i];
                    token.contains('.') || token.chars().count() == 1
                };
                if at_boundary && !abbreviation {
                    push(start, end, &mut out);
                    start = end;
                }
            }
            _ => {}
        }
    }
    push(start, text.len(), &mut out);
    out
}

/// The sentences of `text`, trimmed.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    sentence_spans(text).into_iter().map(|[s, e]| &text[s..e]).collect()
}

/// The first line of `text` that holds something, trimmed.
pub(crate) fn first_line(text: &str) -> &str {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
}

/// Whether `c` is an emoji or a part of an emoji sequence (variation selector, zero-width joiner,
/// skin tone, keycap).
pub(crate) fn is_emoji(c: char) -> bool {
    matches!(u32::from(c),
        0x1F000..=0x1FAFF   // mahjong … symbols and pictographs extended-A (incl. flags, skin tones)
        | 0x2600..=0x27BF   // miscellaneous symbols, dingbats
        | 0x2B00..=0x2BFF   // arrows and stars (⭐ ⬆)
        | 0x2190..=0x21FF   // arrows (➡ lives in dingbats; → here)
        | 0x2300..=0x23FF   // technical (⌛ ⏰)
        | 0xFE0F | 0x200D | 0x20E3
        | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

/// Whether `text` holds an emoji.
pub(crate) fn has_emoji(text: &str) -> bool {
    text.chars().any(is_emoji)
}

/// Byte spans of the hashtags of `text`: `#` at the start or after whitespace, followed by a letter,
/// then letters, digits, `_` or `-`. Markdown headings (`# Title`) and `#1` are not hashtags.
pub(crate) fn hashtag_spans(text: &str) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices('#') {
        let after_space = i == 0 || text[..i].chars().next_back().is_some_and(char::is_whitespace);
        let next = text[i + 1..].chars().next();
        if after_space && next.is_some_and(char::is_alphabetic) {
            let mut end = i + 1;
            for (j, c) in text[i + 1..].char_indices() {
                if is_word_char(c) || c == '-' {
                    end = i + 1 + j + c.len_utf8();
                } else {
                    break;
                }
            }
            // A trailing hyphen is punctuation, not part of the tag.
            while end > i + 1 && bytes[end - 1] == b'-' {
                end -= 1;
            }
            out.push([i, end]);
        }
    }
    out
}

/// Whether `text` holds a hashtag.
pub(crate) fn has_hashtag(text: &str) -> bool {
    !hashtag_spans(text).is_empty()
}

/// The length in bytes of a numbered-list marker (`1. `, `12) `, with leading spaces) at the
/// start of `line`, if it has one.
pub(crate) fn list_marker_len(line: &str) -> Option<usize> {
    let lead = line.len() - line.trim_start().len();
    let rest = &line[lead..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let after = &rest[digits..];
    let mut chars = after.chars();
    match (chars.next(), chars.next()) {
        (Some('.' | ')'), Some(' ' | '\t')) => {
            let ws = after[1..].len() - after[1..].trim_start().len();
            Some(lead + digits + 1 + ws)
        }
        _ => None,
    }
}

/// Whether `text` holds a numbered-list line.
pub(crate) fn has_numbered_list(text: &str) -> bool {
    text.lines().any(|l| list_marker_len(l).is_some())
}

/// Whether a paragraph is prose (not a heading, a quote, a list or a table), so it may be split.
pub(crate) fn is_prose(paragraph: &str) -> bool {
    let t = paragraph.trim_start();
    !(t.starts_with('#') || t.starts_with('>') || t.starts_with('|') || t.starts_with("- ") || t.starts_with("* "))
        && list_marker_len(t).is_none()
}

/// Byte spans of the whole-word, ASCII-case-insensitive occurrences of `phrase` in `text`
/// (`really` matches `Really,` but not `really's` inside `surreally`). The phrase's inner
/// whitespace matches any run of whitespace.
pub(crate) fn find_phrase(text: &str, phrase: &str) -> Vec<[usize; 2]> {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    let Some(first) = words.first() else { return Vec::new() };
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let first = first.to_ascii_lowercase();
    let mut from = 0;
    while let Some(rel) = lower[from..].find(first.as_str()) {
        let start = from + rel;
        from = start + first.len().max(1);
        if !boundary_before(text, start) {
            continue;
        }
        let mut pos = start + first.len();
        let mut ok = true;
        for w in &words[1..] {
            let ws = lower[pos..].len() - lower[pos..].trim_start().len();
            if ws == 0 || !lower[pos + ws..].starts_with(&w.to_ascii_lowercase()) {
                ok = false;
                break;
            }
            pos += ws + w.len();
        }
        if ok && boundary_after(text, pos) {
            out.push([start, pos]);
            from = pos;
        }
    }
    out
}

/// Whether no word char touches `pos` from the left (a phrase starting with punctuation always
/// has a boundary).
pub(crate) fn boundary_before(text: &str, pos: usize) -> bool {
    let first_is_word = text[pos..].chars().next().is_some_and(is_word_char);
    !first_is_word || !text[..pos].chars().next_back().is_some_and(|c| is_word_char(c) || c == '\'' || c == '’')
}

/// Whether no word char touches `pos` from the right.
pub(crate) fn boundary_after(text: &str, pos: usize) -> bool {
    let last_is_word = text[..pos].chars().next_back().is_some_and(is_word_char);
    let mut next = text[pos..].chars();
    let joined = match next.next() {
        Some(c) if is_word_char(c) => true,
        // `don` in `don't`: an apostrophe followed by a letter continues the word.
        Some('\'' | '’') => next.next().is_some_and(is_word_char),
        _ => false,
    };
    !last_is_word || !joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_at_terminal_punctuation_and_line_breaks_but_not_abbreviations() {
        let text = "We grew 3x. The U.S. team said \"wow!\" Then\nwe stopped";
        assert_eq!(sentences(text), vec!["We grew 3x.", "The U.S. team said \"wow!\"", "Then", "we stopped"]);
    }

    #[test]
    fn paragraphs_are_blocks_between_blank_lines() {
        assert_eq!(paragraphs("  a\nb\n\n\n c \n"), vec!["a\nb", "c"]);
    }

    #[test]
    fn hashtags_are_told_apart_from_headings_and_numbers() {
        let text = "# Title\nGreat day #growth #B2B-sales. Item #1 and a#b";
        let tags: Vec<&str> = hashtag_spans(text).into_iter().map(|[s, e]| &text[s..e]).collect();
        assert_eq!(tags, vec!["#growth", "#B2B-sales"]);
    }

    #[test]
    fn list_markers_are_numbers_with_a_dot_or_paren_and_a_space() {
        assert_eq!(list_marker_len("1. First"), Some(3));
        assert_eq!(list_marker_len("  12) Twelfth"), Some(6));
        assert_eq!(list_marker_len("2026. A year"), None);
        assert_eq!(list_marker_len("3.5 percent"), None);
    }

    #[test]
    fn emoji_include_pictographs_dingbats_and_joiners_but_not_letters_or_dashes() {
        assert!("🚀".chars().all(is_emoji));
        assert!("👩‍💻".chars().all(is_emoji));
        assert!(is_emoji('✅') && is_emoji('→'));
        assert!(!is_emoji('é') && !is_emoji('—') && !is_emoji('“'));
    }

    #[test]
    fn phrases_match_whole_words_case_insensitively_across_whitespace() {
        let text = "Really, it was really\nkind of great; surreally kind of.";
        let hits: Vec<&str> = find_phrase(text, "really").into_iter().map(|[s, e]| &text[s..e]).collect();
        assert_eq!(hits, vec!["Really", "really"]);
        let hits: Vec<&str> = find_phrase(text, "really kind of").into_iter().map(|[s, e]| &text[s..e]).collect();
        assert_eq!(hits, vec!["really\nkind of"]);
        assert!(find_phrase("don't", "don").is_empty());
    }

    #[test]
    fn normalized_words_drop_case_and_surrounding_punctuation() {
        assert_eq!(normalized_words("“Really,” he said — fine."), vec!["really", "he", "said", "fine"]);
    }
}
