//! Linear-time token counting and the atoms chunks are packed from.
//!
//! cl100k's tokenizer first cuts text into pieces with a regular expression, then encodes each
//! piece on its own. Two kinds of position are always piece boundaries, whatever comes before
//! or after them, because no piece can run across them and the expression has no look-behind:
//!
//! - a space or tab that follows a character that is not whitespace (`fox| jumps`), and
//! - a character that is not whitespace and follows a line break (`fox.\n\n|Next`).
//!
//! [`Atoms`] cuts text at those positions into *atoms* (a word with its leading space, or a line's
//! end with its line breaks), so the token count of any run of whole atoms is exactly the sum of
//! their counts: the text is tokenized once, atom by atom, and counts of repeated atoms come from a
//! cache. An atom that would grow past a byte limit (a 10 MB "word" without spaces) is cut at a char
//! boundary; only there can the sum differ from encoding the whole run, by a token or so.
//!
//! Each atom also carries the strength ([`level`]) of the boundary before it — a word, a sentence
//! end, a line break, a blank line, a Markdown heading, a new segment or speaker turn of a transcript —
//! which the packer uses to cut chunks at the strongest boundary that fits. Sentence ends are found
//! on the atoms themselves (a word ending in `.`, `!`, `?` or `…`, closing quotes allowed, and for
//! `.` and `…` not followed by a lower-case word, as UAX #29 rule SB8 says), in one pass: a full
//! UAX #29 sentence pass is not linear (`unicode-segmentation`'s SB8 look-ahead rescans the text).

use std::collections::HashMap;

use tiktoken_rs::CoreBPE;

/// Boundary strengths, weakest first.
pub(crate) mod level {
    /// A cut inside an over-long run without spaces.
    pub(crate) const CHAR: u8 = 0;
    /// Between words.
    pub(crate) const WORD: u8 = 1;
    /// After a sentence end.
    pub(crate) const SENTENCE: u8 = 2;
    /// After one line break.
    pub(crate) const LINE: u8 = 3;
    /// After a blank line.
    pub(crate) const PARAGRAPH: u8 = 4;
    /// A new transcript segment by the same speaker.
    pub(crate) const SEGMENT: u8 = 5;
    /// A new speaker turn in a transcript.
    pub(crate) const TURN: u8 = 6;
    /// A Markdown thematic break (`---`).
    pub(crate) const RULE: u8 = 7;
    /// A Markdown heading of depth `d` (1–6): `HEADING_1 - (d - 1)`.
    pub(crate) const HEADING_1: u8 = 13;
    /// The start of the text.
    pub(crate) const START: u8 = u8::MAX;
}

/// Atoms up to this many bytes are cached by their text.
const CACHED_BYTES: usize = 48;
/// The cache is emptied when it holds this many atoms, so memory stays bounded.
const CACHE_ENTRIES: usize = 1 << 17;

/// Counts cl100k tokens, remembering short strings it has seen.
pub(crate) struct TokenCounter {
    bpe: &'static CoreBPE,
    cache: HashMap<Box<str>, u32>,
    /// Bytes handed to the tokenizer (cache misses), for the work count.
    pub(crate) tokenized: usize,
}

impl TokenCounter {
    pub(crate) fn new(bpe: &'static CoreBPE) -> Self {
        Self { bpe, cache: HashMap::new(), tokenized: 0 }
    }

    /// The exact token count of `s` (callers give short strings: atoms and labels).
    pub(crate) fn count(&mut self, s: &str) -> usize {
        if s.is_empty() {
            return 0;
        }
        if s.len() > CACHED_BYTES {
            self.tokenized += s.len();
            return self.bpe.encode_ordinary(s).len();
        }
        if let Some(n) = self.cache.get(s) {
            return *n as usize;
        }
        self.tokenized += s.len();
        let n = self.bpe.encode_ordinary(s).len();
        if self.cache.len() >= CACHE_ENTRIES {
            self.cache.clear();
        }
        self.cache.insert(s.into(), u32::try_from(n).unwrap_or(u32::MAX));
        n
    }
}

/// A piece of text between two boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Atom {
    /// Byte range in the text.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Its tokens.
    pub(crate) tokens: u32,
    /// Its tokens without its trailing whitespace (what it costs at the end of a chunk).
    pub(crate) tokens_trimmed: u32,
    /// Strength of the boundary before it.
    pub(crate) level: u8,
    /// Whether it is whitespace only.
    pub(crate) blank: bool,
}

/// Cuts a text into [`Atom`]s, in one pass.
pub(crate) struct Atoms<'t> {
    text: &'t str,
    pos: usize,
    next_level: u8,
    max_bytes: usize,
    markdown: bool,
    /// Offsets where a boundary of at least the given level must be (transcript segments), sorted.
    forced: &'t [(usize, u8)],
    forced_at: usize,
    /// Bytes looked at, for the work count.
    pub(crate) scanned: usize,
}

impl<'t> Atoms<'t> {
    /// Atoms of `text` of at most `max_bytes` bytes (a single char may be longer); `markdown` recognises headings and
    /// thematic breaks at line starts; `forced` adds boundaries (sorted by offset).
    pub(crate) fn new(text: &'t str, max_bytes: usize, markdown: bool, forced: &'t [(usize, u8)]) -> Self {
        Self { text, pos: 0, next_level: level::START, max_bytes: max_bytes.max(1), markdown, forced, forced_at: 0, scanned: 0 }
    }

    /// The next atom, its tokens counted with `counter`.
    pub(crate) fn next_atom(&mut self, counter: &mut TokenCounter) -> Option<Atom> {
        let text = self.text;
        let start = self.pos;
        let rest = text.get(start..).filter(|r| !r.is_empty())?;
        while self.forced.get(self.forced_at).is_some_and(|(at, _)| *at <= start) {
            self.forced_at += 1;
        }
        let forced = self.forced.get(self.forced_at).copied();
        let mut chars = rest.char_indices();
        let mut prev = chars.next().map(|(_, c)| c)?;
        let mut end = text.len();
        let mut next = level::WORD;
        for (i, c) in chars {
            let p = start + i;
            let natural = ((c == ' ' || c == '\t') && !prev.is_whitespace()) || ((prev == '\n' || prev == '\r') && !c.is_whitespace());
            let at_forced = forced.filter(|(at, _)| *at == p).map(|(_, l)| l);
            if natural || at_forced.is_some() || i + c.len_utf8() > self.max_bytes {
                end = p;
                next = if natural { self.classify(start, p) } else { level::CHAR };
                if let Some(l) = at_forced {
                    next = next.max(l);
                }
                break;
            }
            prev = c;
        }
        self.scanned += end - start;
        self.pos = end;
        let piece = text.get(start..end).unwrap_or_default();
        let level = std::mem::replace(&mut self.next_level, next);
        let tokens = counter.count(piece);
        let trimmed = piece.trim_end();
        let tokens_trimmed = if trimmed.len() == piece.len() { tokens } else { counter.count(trimmed) };
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Some(Atom { start, end, tokens: clamp(tokens), tokens_trimmed: clamp(tokens_trimmed), level, blank: trimmed.is_empty() })
    }

    /// The strength of a natural boundary at `p`, the end of the atom that starts at `start`.
    fn classify(&self, start: usize, p: usize) -> u8 {
        let atom = self.text.get(start..p).unwrap_or_default();
        let body = atom.trim_end();
        let tail = atom.get(body.len()..).unwrap_or_default();
        let breaks = tail.matches('\n').count() + tail.matches('\r').count() - tail.matches("\r\n").count();
        let after = self.text.get(p..).unwrap_or_default();
        if breaks >= 1 {
            let base = if breaks >= 2 { level::PARAGRAPH } else { level::LINE };
            return if self.markdown { base.max(markdown_line(after)) } else { base };
        }
        let core = body.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '}', '*', '_']);
        match core.chars().next_back() {
            Some('!' | '?' | '‼' | '⁇' | '⁈' | '⁉' | '。' | '！' | '？') => level::SENTENCE,
            Some('.' | '…') if !next_word_is_lower(after) => level::SENTENCE,
            _ => level::WORD,
        }
    }
}

/// Whether the next letter within a few chars is lower-case (`e.g. the` is not a sentence end).
fn next_word_is_lower(after: &str) -> bool {
    after.chars().take(16).find(|c| c.is_alphabetic()).is_some_and(char::is_lowercase)
}

/// The boundary a Markdown line opens: a heading (`## `) or a thematic break (`---`), else nothing.
fn markdown_line(line: &str) -> u8 {
    let head: &str = line.get(..line.len().min(16)).unwrap_or(line);
    let hashes = head.bytes().take_while(|b| *b == b'#').count();
    if (1..=6).contains(&hashes) && head.as_bytes().get(hashes).is_none_or(|b| *b == b' ' || *b == b'\t') {
        return level::HEADING_1 - (hashes as u8 - 1);
    }
    let first_line = line.split('\n').next().unwrap_or_default();
    if first_line.len() <= 80 {
        let marks: String = first_line.chars().filter(|c| !c.is_whitespace()).collect();
        if marks.len() >= 3 && (marks.bytes().all(|b| b == b'-') || marks.bytes().all(|b| b == b'*') || marks.bytes().all(|b| b == b'_')) {
            return level::RULE;
        }
    }
    level::CHAR
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn atoms(text: &str, markdown: bool) -> Vec<(String, u8)> {
        let mut counter = TokenCounter::new(tiktoken_rs::cl100k_base_singleton());
        let mut a = Atoms::new(text, 128, markdown, &[]);
        std::iter::from_fn(|| a.next_atom(&mut counter)).map(|x| (text[x.start..x.end].to_owned(), x.level)).collect()
    }

    #[test]
    fn atoms_are_words_with_their_leading_space_and_line_ends_with_their_breaks() {
        let got = atoms("Hello world.\n\nNext  one, e.g. this. Done!", false);
        let texts: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["Hello", " world.\n\n", "Next", "  one,", " e.g.", " this.", " Done!"]);
        let levels: Vec<u8> = got.iter().map(|(_, l)| *l).collect();
        use level::*;
        assert_eq!(levels, [START, WORD, PARAGRAPH, WORD, WORD, WORD, SENTENCE]);
    }

    #[test]
    fn markdown_headings_and_rules_are_the_strongest_boundaries() {
        let got = atoms("Intro.\n## Pricing\nText.\n\n---\n\n# Top", true);
        let levels: Vec<(String, u8)> = got.into_iter().filter(|(_, l)| *l > level::PARAGRAPH && *l != level::START).collect();
        assert_eq!(
            levels,
            [("##".to_owned(), level::HEADING_1 - 1), ("---\n\n".to_owned(), level::RULE), ("#".to_owned(), level::HEADING_1)]
        );
    }

    #[test]
    fn a_run_without_spaces_is_cut_at_the_byte_limit_on_char_boundaries() {
        let text = "é".repeat(200);
        let got = atoms(&text, false);
        assert!(got.iter().all(|(t, _)| t.len() <= 128), "{got:?}");
        assert_eq!(got.concat_texts(), text);
        assert!(got.iter().skip(1).all(|(_, l)| *l == level::CHAR));
    }

    trait Concat {
        fn concat_texts(&self) -> String;
    }
    impl Concat for Vec<(String, u8)> {
        fn concat_texts(&self) -> String {
            self.iter().map(|(t, _)| t.as_str()).collect()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// The property the chunker relies on: atoms' counts add up to the tokenizer's count.
        #[test]
        fn atom_counts_add_up_to_the_count_of_the_whole_text(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "Word", " ", "  ", "\t", "\n", "\n\n", "\r\n", ".", ",", "!", "?", "'s", "'", "\"", "(", ")", "123", "4567", "é", "漢字", "。",
                "-", "--", "—", "#", "## ", "e.g.", "don't", " \n ", "\u{a0}", "🙂", "*", "_",
            ]), 0..120)
        ) {
            let text = parts.concat();
            let bpe = tiktoken_rs::cl100k_base_singleton();
            let mut counter = TokenCounter::new(bpe);
            let mut a = Atoms::new(&text, 1 << 20, true, &[]);
            let mut sum = 0usize;
            let mut covered = 0usize;
            while let Some(atom) = a.next_atom(&mut counter) {
                prop_assert_eq!(atom.start, covered);
                covered = atom.end;
                sum += atom.tokens as usize;
            }
            prop_assert_eq!(covered, text.len());
            prop_assert_eq!(sum, bpe.encode_ordinary(&text).len(), "{:?}", text);
        }
    }
}
