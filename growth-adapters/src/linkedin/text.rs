//! LinkedIn's "little text" format: the `commentary` of a post is parsed, and every reserved
//! character must be escaped or LinkedIn silently cuts the post off at the first one.

/// The reserved characters of the little text format (LinkedIn's "Text" grammar, as quoted by
/// two independent clients): `\ | { } @ [ ] ( ) < > # * _ ~`.
pub const RESERVED: [char; 15] = ['\\', '|', '{', '}', '@', '[', ']', '(', ')', '<', '>', '#', '*', '_', '~'];

/// `text` as a post `commentary`: every reserved character escaped with a backslash, so the
/// whole text is published as written.
///
/// With `hashtags`, a `#` that starts a word (not preceded by a letter, digit or `#`) followed by
/// letters and digits — at least one letter — becomes LinkedIn's hashtag template
/// `{hashtag|\#|tag}`, so it is a real, clickable hashtag. Any other `#` (`C#`, `#1`, `##`) is
/// escaped and shown as typed. Mentions are not produced: `@` is always literal.
pub fn escape_commentary(text: &str, hashtags: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if hashtags && c == '#' {
            let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '#');
            let tag_len = chars[i + 1..].iter().take_while(|c| c.is_alphanumeric()).count();
            let tag = &chars[i + 1..i + 1 + tag_len];
            if starts_word && tag.iter().any(|c| c.is_alphabetic()) {
                out.push_str("{hashtag|\\#|");
                out.extend(tag);
                out.push('}');
                i += 1 + tag_len;
                continue;
            }
        }
        if RESERVED.contains(&c) {
            out.push('\\');
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The text a reader sees for a little-text `commentary`: hashtag templates back to `#tag`,
/// escapes removed, surrounding whitespace trimmed. Used to recognise our post among the
/// author's posts whichever form LinkedIn returns it in.
pub(crate) fn plain_text(commentary: &str) -> String {
    let chars: Vec<char> = commentary.chars().collect();
    let mut out = String::with_capacity(commentary.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '{' {
            let rest: String = chars[i..].iter().take(12).collect();
            if rest == "{hashtag|\\#|"
                && let Some(end) = chars[i + 12..].iter().position(|&c| c == '}')
            {
                out.push('#');
                out.extend(&chars[i + 12..i + 12 + end]);
                i += 12 + end + 1;
                continue;
            }
        }
        if chars[i] == '\\' && i + 1 < chars.len() && RESERVED.contains(&chars[i + 1]) {
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reserved_character_is_escaped() {
        let text = r"a\b|c{d}e@f[g]h(i)j<k>l#1m*n_o~p";
        assert_eq!(escape_commentary(text, false), r"a\\b\|c\{d\}e\@f\[g\]h\(i\)j\<k\>l\#1m\*n\_o\~p");
        for c in RESERVED {
            assert_eq!(escape_commentary(&c.to_string(), true), format!("\\{c}"), "{c}");
        }
    }

    #[test]
    fn text_without_reserved_characters_is_unchanged() {
        let text = "Shipped our Q3 recap: 12% faster, “quotes”, émojis 🚀 and new\nlines.";
        assert_eq!(escape_commentary(text, true), text);
    }

    #[test]
    fn a_word_starting_with_a_hash_becomes_a_hashtag_template() {
        assert_eq!(escape_commentary("Ship it #buildinpublic now", true), r"Ship it {hashtag|\#|buildinpublic} now");
        assert_eq!(escape_commentary("#Rust2026!", true), r"{hashtag|\#|Rust2026}!");
        assert_eq!(escape_commentary("(#growth)", true), r"\({hashtag|\#|growth}\)");
        assert_eq!(escape_commentary("#café", true), r"{hashtag|\#|café}");
    }

    #[test]
    fn a_hash_that_is_not_a_hashtag_is_escaped() {
        assert_eq!(escape_commentary("C# and F#", true), r"C\# and F\#");
        assert_eq!(escape_commentary("we are #1", true), r"we are \#1");
        assert_eq!(escape_commentary("## title", true), r"\#\# title");
        assert_eq!(escape_commentary("#snake_case", true), r"{hashtag|\#|snake}\_case");
        assert_eq!(escape_commentary("#tag", false), r"\#tag");
    }

    #[test]
    fn plain_text_reverses_the_escaping() {
        for text in ["Ship it #buildinpublic (really) — C# *bold* _x_ ~y~ @me <3 [a]{b}|c\\d", "  padded  "] {
            assert_eq!(plain_text(&escape_commentary(text, true)), text.trim(), "{text}");
            assert_eq!(plain_text(&escape_commentary(text, false)), text.trim(), "{text}");
        }
    }
}
