//! Markdown to sanitised HTML, shared by every publisher that sends HTML (Customer.io newsletter
//! bodies, Webflow rich-text fields).

use pulldown_cmark::{Options, Parser, html};

/// `markdown` rendered to HTML (CommonMark plus tables, strikethrough and task lists), then
/// cleaned by `ammonia`: scripts, styles, event handlers, `javascript:` links and unknown tags are
/// removed, whatever raw HTML the Markdown carried; links get `rel="noopener noreferrer"`. Safe
/// to put in an email or a CMS field.
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::clean(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_safe_html("# Q3 recap\n\nWe **shipped** [v2](https://example.com).\n\n- one\n- two\n");
        assert!(html.contains("<h1>Q3 recap</h1>"), "{html}");
        assert!(html.contains("<strong>shipped</strong>"), "{html}");
        assert!(html.contains(r#"<a href="https://example.com" rel="noopener noreferrer">v2</a>"#), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
    }

    #[test]
    fn a_script_in_markdown_never_reaches_the_html() {
        let html =
            to_safe_html("# Hi\n\n<script>alert('x')</script>\n\nSome **bold** [link](javascript:alert(1)) <img src=x onerror=alert(2)>");
        for bad in ["<script", "alert", "onerror", "javascript:"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("<h1>Hi</h1>") && html.contains("<strong>bold</strong>"), "{html}");
    }

    #[test]
    fn tables_and_lists_survive_sanitising() {
        let html = to_safe_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n");
        assert!(html.contains("<table>") && html.contains("<td>1</td>") && html.contains("<li>one</li>"), "{html}");
    }
}
