//! Post body and slug: Markdown to sanitised HTML, titles to Webflow slugs.

/// Webflow's longest slug.
pub(super) const MAX_SLUG: usize = 100;

/// The Markdown rendered to HTML (CommonMark plus tables, strikethrough and task lists), then
/// sanitised: scripts, styles, event handlers, `javascript:` links and unknown tags are removed,
/// whatever the Markdown carried as raw HTML.
pub(super) fn to_html(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::clean(&raw)
}

/// The slug of a title: lower-case ASCII letters and digits joined by single hyphens (accents
/// transliterated), at most [`MAX_SLUG`] characters, cut at a hyphen when it has to be cut.
pub(super) fn slugify(title: &str) -> String {
    cut(&slug::slugify(title), MAX_SLUG)
}

/// `base` for the first attempt, `base-n` after that, still at most [`MAX_SLUG`] characters.
pub(super) fn with_suffix(base: &str, attempt: u32) -> String {
    if attempt <= 1 {
        return base.to_owned();
    }
    let suffix = format!("-{attempt}");
    format!("{}{suffix}", cut(base, MAX_SLUG - suffix.len()))
}

/// `s` (ASCII) cut to at most `max` characters, at the last hyphen when the cut falls in a word.
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let head = &s[..max];
    let head = if s.as_bytes()[max] == b'-' { head } else { head.rsplit_once('-').map_or(head, |(h, _)| h) };
    head.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_in_markdown_never_reaches_the_html() {
        let html = to_html("# Hi\n\n<script>alert('x')</script>\n\nSome **bold** [link](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("<h1>Hi</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
    }

    #[test]
    fn tables_and_lists_survive_sanitising() {
        let html = to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n");
        assert!(html.contains("<table>") && html.contains("<td>1</td>") && html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn titles_become_lowercase_ascii_hyphenated_slugs() {
        assert_eq!(slugify("The PLG Paradox: Why “Free” Isn't Product-Led!"), "the-plg-paradox-why-free-isn-t-product-led");
        assert_eq!(slugify("Café  Déjà vu"), "cafe-deja-vu");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn long_slugs_are_cut_at_a_hyphen_and_keep_room_for_the_suffix() {
        let title = "word ".repeat(40);
        let s = slugify(&title);
        assert!(s.len() <= MAX_SLUG && s.ends_with("word") && !s.ends_with('-'), "{s}");
        let s2 = with_suffix(&s, 12);
        assert!(s2.len() <= MAX_SLUG && s2.ends_with("word-12"), "{s2}");
        assert_eq!(with_suffix("a-b", 1), "a-b");
        assert_eq!(with_suffix("a-b", 2), "a-b-2");
        assert_eq!(slugify(&"x".repeat(150)).len(), MAX_SLUG);
    }
}
