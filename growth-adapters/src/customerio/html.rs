//! The newsletter body: Markdown rendered to HTML, then sanitised (the shared
//! [`crate::markdown`] rendering).

/// `markdown` as HTML safe to put in an email: [`crate::markdown::to_safe_html`] (CommonMark plus
/// tables, strikethrough and task lists, cleaned by `ammonia`: no scripts, styles, event handlers
/// or `javascript:` links; links get `rel="noopener noreferrer"`).
pub fn newsletter_html(markdown: &str) -> String {
    crate::markdown::to_safe_html(markdown)
}
