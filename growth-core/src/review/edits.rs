//! What a reviewer changed: a word-level diff of two versions of a piece, as [`EditSpan`]s
//! classified by where they fall (title, hook, body, CTA) — the raw material of edit learning.
//!
//! The hook is the first paragraph of the original text, the CTA its last paragraph (when the text
//! has more than one), the body everything between. Adjacent changed words form one span; a span
//! that only inserts is an `addition`, one that only removes a `deletion`, anything else a `change`.

use similar::{ChangeTag, TextDiff};

use crate::domain::{EditSection, EditSpan, EditType};

/// Most spans recorded per edit (a rewrite of everything is one `change` of the whole text).
pub const MAX_SPANS: usize = 200;

/// Byte ranges of the hook and CTA paragraphs of `text`.
fn sections(text: &str) -> (usize, Option<usize>) {
    let trimmed_end = text.trim_end().len();
    let hook_end = text.find("\n\n").unwrap_or(trimmed_end);
    let cta_start = text[..trimmed_end].rfind("\n\n").map(|i| i + 2).filter(|s| *s > hook_end);
    (hook_end, cta_start)
}

fn section_at(pos: usize, hook_end: usize, cta_start: Option<usize>) -> EditSection {
    if pos < hook_end {
        EditSection::Hook
    } else if cta_start.is_some_and(|c| pos >= c) {
        EditSection::Cta
    } else {
        EditSection::Body
    }
}

/// The changed spans from `old` to `new` (empty when they are equal).
pub fn diff_content(old: &str, new: &str) -> Vec<EditSpan> {
    if old == new {
        return Vec::new();
    }
    let (hook_end, cta_start) = sections(old);
    let diff = TextDiff::configure().timeout(std::time::Duration::from_millis(200)).diff_words(old, new);
    let mut spans = Vec::new();
    let mut cur: Option<(usize, String, String)> = None; // (old position, removed, inserted)
    let mut old_pos = 0usize;
    let flush = |cur: &mut Option<(usize, String, String)>, spans: &mut Vec<EditSpan>| {
        if let Some((pos, removed, inserted)) = cur.take() {
            let (r, i) = (removed.trim().to_owned(), inserted.trim().to_owned());
            if r.is_empty() && i.is_empty() {
                return;
            }
            let edit_type = match (r.is_empty(), i.is_empty()) {
                (true, false) => EditType::Addition,
                (false, true) => EditType::Deletion,
                _ => EditType::Change,
            };
            spans.push(EditSpan {
                edit_type,
                original_text: r,
                edited_text: i,
                section: section_at(pos, hook_end, cta_start),
                pattern_tag: None,
            });
        }
    };
    for change in diff.iter_all_changes() {
        let v = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                // Whitespace between two changed words keeps them in one span.
                if v.trim().is_empty() {
                    if let Some(c) = cur.as_mut() {
                        c.1.push_str(v);
                        c.2.push_str(v);
                    }
                } else {
                    flush(&mut cur, &mut spans);
                }
                old_pos += v.len();
            }
            ChangeTag::Delete => {
                cur.get_or_insert_with(|| (old_pos, String::new(), String::new())).1.push_str(v);
                old_pos += v.len();
            }
            ChangeTag::Insert => {
                cur.get_or_insert_with(|| (old_pos, String::new(), String::new())).2.push_str(v);
            }
        }
    }
    flush(&mut cur, &mut spans);
    if spans.len() > MAX_SPANS {
        return vec![EditSpan {
            edit_type: EditType::Change,
            original_text: old.to_owned(),
            edited_text: new.to_owned(),
            section: EditSection::Body,
            pattern_tag: None,
        }];
    }
    spans
}

/// The spans of an edit of title and content.
pub fn diff_edit(old_title: Option<&str>, new_title: Option<&str>, old: &str, new: &str) -> Vec<EditSpan> {
    let mut out = Vec::new();
    let (ot, nt) = (old_title.unwrap_or(""), new_title.unwrap_or(""));
    if ot != nt {
        let edit_type = match (ot.is_empty(), nt.is_empty()) {
            (true, false) => EditType::Addition,
            (false, true) => EditType::Deletion,
            _ => EditType::Change,
        };
        out.push(EditSpan {
            edit_type,
            original_text: ot.to_owned(),
            edited_text: nt.to_owned(),
            section: EditSection::Title,
            pattern_tag: None,
        });
    }
    out.extend(diff_content(old, new));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "In today's world, pricing matters.\n\nWe tried $49 and lost two customers.\n\nLet me know your thoughts!";

    #[test]
    fn a_changed_word_in_the_hook_is_one_change_in_the_hook() {
        let new = OLD.replace("In today's world, pricing", "Pricing");
        let spans = diff_content(OLD, &new);
        assert_eq!(spans.len(), 1, "{spans:?}");
        assert_eq!((spans[0].edit_type, spans[0].section), (EditType::Change, EditSection::Hook));
        assert_eq!(spans[0].original_text, "In today's world, pricing");
        assert_eq!(spans[0].edited_text, "Pricing");
    }

    #[test]
    fn additions_deletions_and_the_cta_are_told_apart() {
        let new = "In today's world, pricing matters.\n\nWe tried $49 and quickly lost two customers.\n\nReply with your price.";
        let spans = diff_content(OLD, new);
        assert!(
            spans.iter().any(|s| s.edit_type == EditType::Addition && s.edited_text == "quickly" && s.section == EditSection::Body),
            "{spans:?}"
        );
        assert!(spans.iter().any(|s| s.section == EditSection::Cta && s.edit_type == EditType::Change), "{spans:?}");
        let gone = diff_content(OLD, &OLD.replace("lost two customers", "lost customers"));
        assert_eq!(gone.len(), 1, "{gone:?}");
        assert_eq!((gone[0].edit_type, gone[0].original_text.as_str()), (EditType::Deletion, "two"));
    }

    #[test]
    fn titles_are_their_own_section_and_equal_texts_have_no_spans() {
        assert!(diff_edit(Some("A"), Some("A"), OLD, OLD).is_empty());
        let s = diff_edit(Some("Old"), Some("New"), OLD, OLD);
        assert_eq!((s.len(), s[0].section, s[0].edit_type), (1, EditSection::Title, EditType::Change));
    }
}
