//! The newsletter body: Markdown rendered to HTML, then sanitised.

use pulldown_cmark::{Options, Parser, html};

/// `markdown` as HTML safe to put in an email: CommonMark plus tables, strikethrough and task
/// lists, then cleaned by `ammonia` (no scripts, styles, event handlers or `javascript:` links;
/// links get `rel="noopener noreferrer"`). Raw HTML in the Markdown goes through the same cleaning.
pub fn newsletter_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    ammonia::clean(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = newsletter_html("# Q3 recap\n\nWe **shipped** [v2](https://example.com).\n\n- one\n- two\n");
        assert!(html.contains("<h1>Q3 recap</h1>"), "{html}");
        assert!(html.contains("<strong>shipped</strong>"), "{html}");
        assert!(html.contains(r#"<a href="https://example.com" rel="noopener noreferrer">v2</a>"#), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = newsletter_html("Hi <script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))");
        for bad in ["<script", "alert(1)", "onerror", "javascript:"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }
}
