//! What kind of edit a reviewer made ([`classify`], LAMP-style categories), and the unit edit
//! learning reads: one reviewer save ([`EditEvent`]) with the text before and after and the spans
//! recorded for it.
//!
//! # Categories
//!
//! After LAMP's taxonomy of expert edits to LLM prose (Chakrabarty, Laban, Wu, CHI 2025), cut down
//! to what can be told apart from a diff without a model, plus the two places of a post that
//! reviewers rewrite most (hook and call to action). [`classify`] tries, in order:
//!
//! | category | when |
//! |---|---|
//! | `structure_formatting` | the span adds or removes emoji, hashtags, list markers, headings or quote marks, or changes only case, punctuation or line breaks |
//! | `cliche` | the removed text holds a phrase of the slop lists (when a [`SlopChecker`] is given) |
//! | `cta` | the span is in the closing paragraph |
//! | `hook` | the span is in the opening paragraph or the title |
//! | `unnecessary_exposition` | a deletion of a whole sentence or of 8 words or more |
//! | `wordiness` | a shorter deletion, or a change that keeps at most 70 % of the words |
//! | `awkward_word_choice` | a change of about the same length |
//! | `lack_of_specificity` | an addition (the reviewer supplied what was missing) |
//!
//! The category is stored in `content_edits.pattern_tag` ([`EditCategory::as_str`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::text;
use crate::domain::{ContentEdit, ContentId, ContentType, ContentVersion, EditSection, EditSpan, EditType};
use crate::quality::slop::{SlopChecker, SlopKind};

/// Deletions of this many words or more are exposition cut, not wordiness.
pub const EXPOSITION_WORDS: usize = 8;

crate::domain::macros::string_enum!(
    /// What kind of problem an edit fixed (LAMP-style; see the [module docs](self)).
    EditCategory, "edit category" {
        /// A stock phrase, AI tell or empty opener removed.
        Cliche => "cliche",
        /// A sentence or more that said nothing new removed.
        UnnecessaryExposition => "unnecessary_exposition",
        /// Words removed or a phrase shortened.
        Wordiness => "wordiness",
        /// A word or phrase replaced by one of about the same length.
        AwkwardWordChoice => "awkward_word_choice",
        /// Emoji, hashtags, lists, headings, case, punctuation or line breaks.
        StructureFormatting => "structure_formatting",
        /// The closing call to action.
        Cta => "cta",
        /// The opening line (or the title).
        Hook => "hook",
        /// Something added that was missing.
        LackOfSpecificity => "lack_of_specificity",
    }
);

impl EditCategory {
    /// A label for people.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Cliche => "Cliché",
            Self::UnnecessaryExposition => "Unnecessary exposition",
            Self::Wordiness => "Wordiness / length",
            Self::AwkwardWordChoice => "Awkward word choice",
            Self::StructureFormatting => "Structure / formatting",
            Self::Cta => "Call to action",
            Self::Hook => "Hook",
            Self::LackOfSpecificity => "Lack of specificity",
        }
    }
}

fn is_formatting_token(token: &str) -> bool {
    token.starts_with('#')
        || token.starts_with('>')
        || text::list_marker_len(&format!("{token} ")).is_some()
        || matches!(token, "-" | "*" | "•" | "→" | "|" | "---")
        || token.chars().any(text::is_emoji)
}

/// Whether the span only touches formatting: its removed or added tokens are all formatting
/// tokens, or both sides read the same once case, punctuation and whitespace are ignored.
fn is_formatting(original: &str, edited: &str) -> bool {
    let same_words = text::normalized_words(original) == text::normalized_words(edited);
    let only_format = |s: &str| {
        let tokens: Vec<&str> = s.split_whitespace().collect();
        !tokens.is_empty() && tokens.iter().all(|t| is_formatting_token(t))
    };
    same_words || only_format(original) && edited.trim().is_empty() || only_format(edited) && original.trim().is_empty() || {
        // A change whose difference is formatting tokens (an emoji or hashtag dropped next to words).
        let strip = |s: &str| s.split_whitespace().filter(|t| !is_formatting_token(t)).map(text::normalize_token).collect::<Vec<_>>();
        let (o, e) = (strip(original), strip(edited));
        o == e && original.split_whitespace().count() != edited.split_whitespace().count()
    }
}

fn has_cliche(removed: &str, slop: &SlopChecker) -> bool {
    slop.scan(removed)
        .hits
        .iter()
        .any(|h| h.kind != SlopKind::EmDash && h.kind != SlopKind::Formal && (h.counted || h.kind == SlopKind::Learned))
}

/// The category of one edit span (see the [module docs](self) for the order of the tests).
/// `slop`, when given, recognises clichés; without it no span is a cliché.
pub fn classify(span: &EditSpan, slop: Option<&SlopChecker>) -> EditCategory {
    let (original, edited) = (span.original_text.as_str(), span.edited_text.as_str());
    if is_formatting(original, edited) {
        return EditCategory::StructureFormatting;
    }
    if let Some(slop) = slop
        && !original.trim().is_empty()
        && span.edit_type != EditType::Addition
        && has_cliche(original, slop)
    {
        return EditCategory::Cliche;
    }
    match span.section {
        EditSection::Cta => return EditCategory::Cta,
        EditSection::Hook | EditSection::Title => return EditCategory::Hook,
        EditSection::Body => {}
    }
    let (o, e) = (text::word_count(original), text::word_count(edited));
    match span.edit_type {
        EditType::Addition => EditCategory::LackOfSpecificity,
        EditType::Deletion => {
            let whole_sentence = original.trim_end().ends_with(['.', '!', '?']) && o >= 4;
            if o >= EXPOSITION_WORDS || whole_sentence { EditCategory::UnnecessaryExposition } else { EditCategory::Wordiness }
        }
        EditType::Change => {
            if (e as f64) <= 0.7 * o as f64 {
                EditCategory::Wordiness
            } else {
                EditCategory::AwkwardWordChoice
            }
        }
    }
}

/// Fills the `pattern_tag` of each span with its [`EditCategory`] (spans that already carry a tag
/// keep it). Call it on the spans of [`crate::review::edits::diff_edit`] before recording them.
pub fn tag_spans(spans: &mut [EditSpan], slop: Option<&SlopChecker>) {
    for span in spans.iter_mut().filter(|s| s.pattern_tag.is_none()) {
        span.pattern_tag = Some(classify(span, slop).as_str().to_owned());
    }
}

/// One reviewer save: the text of an item before and after, and the spans recorded for it.
///
/// Edit learning mines these, not single spans: a length cut, a closing line or a removed list is
/// only visible in the whole texts, while the spans carry the ids that become a rule's provenance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditEvent {
    /// The item.
    pub content_item_id: ContentId,
    /// Its type.
    pub content_type: ContentType,
    /// The version this save produced (the text before is version − 1).
    pub version: i32,
    /// Body before.
    pub before: String,
    /// Body after.
    pub after: String,
    /// The spans recorded for this save (`content_edits` rows with this `version`).
    pub edits: Vec<ContentEdit>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl EditEvent {
    /// The saves of one item from its kept versions and recorded edits: one event per version
    /// after the first whose predecessor is kept. Spans are matched to events by `version`; title
    /// spans are included (their section says so) but titles are not part of `before`/`after`.
    pub fn from_history(
        content_item_id: ContentId,
        content_type: ContentType,
        versions: &[ContentVersion],
        edits: &[ContentEdit],
    ) -> Vec<Self> {
        let mut sorted: Vec<&ContentVersion> = versions.iter().filter(|v| v.content_item_id == content_item_id).collect();
        sorted.sort_by_key(|v| v.version);
        sorted
            .windows(2)
            .filter(|w| w[1].version == w[0].version + 1)
            .map(|w| {
                let (old, new) = (w[0], w[1]);
                EditEvent {
                    content_item_id,
                    content_type,
                    version: new.version,
                    before: old.content.clone(),
                    after: new.content.clone(),
                    edits: edits.iter().filter(|e| e.content_item_id == content_item_id && e.version == new.version).cloned().collect(),
                    created_at: new.created_at,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EditId, UserId};

    fn span(edit_type: EditType, original: &str, edited: &str, section: EditSection) -> EditSpan {
        EditSpan { edit_type, original_text: original.into(), edited_text: edited.into(), section, pattern_tag: None }
    }

    #[test]
    fn removed_emoji_hashtags_and_list_markers_are_formatting() {
        for (o, e) in [("🚀", ""), ("#growth #saas", ""), ("1.", ""), ("Pricing 🚀", "Pricing"), ("pricing", "Pricing")] {
            let et = if e.is_empty() { EditType::Deletion } else { EditType::Change };
            assert_eq!(classify(&span(et, o, e, EditSection::Body), None), EditCategory::StructureFormatting, "{o:?} → {e:?}");
        }
    }

    #[test]
    fn a_removed_slop_phrase_is_a_cliche_wherever_it_is() {
        let slop = SlopChecker::with_defaults().unwrap();
        let s = span(EditType::Change, "In today's fast-paced world, pricing", "Pricing", EditSection::Hook);
        assert_eq!(classify(&s, Some(&slop)), EditCategory::Cliche);
        assert_eq!(classify(&s, None), EditCategory::Hook);
    }

    #[test]
    fn sections_decide_before_sizes_and_sizes_decide_in_the_body() {
        assert_eq!(classify(&span(EditType::Change, "Let me know", "Reply with your price", EditSection::Cta), None), EditCategory::Cta);
        assert_eq!(classify(&span(EditType::Change, "Old", "New", EditSection::Title), None), EditCategory::Hook);
        let long = "We talked about this for a long time and it did not matter.";
        assert_eq!(classify(&span(EditType::Deletion, long, "", EditSection::Body), None), EditCategory::UnnecessaryExposition);
        assert_eq!(classify(&span(EditType::Deletion, "really", "", EditSection::Body), None), EditCategory::Wordiness);
        assert_eq!(classify(&span(EditType::Change, "at this point in time", "now", EditSection::Body), None), EditCategory::Wordiness);
        assert_eq!(classify(&span(EditType::Change, "utilise", "use", EditSection::Body), None), EditCategory::AwkwardWordChoice);
        assert_eq!(classify(&span(EditType::Addition, "", "by 38%", EditSection::Body), None), EditCategory::LackOfSpecificity);
    }

    #[test]
    fn tagging_fills_only_empty_tags() {
        let mut spans = vec![
            span(EditType::Deletion, "really", "", EditSection::Body),
            EditSpan { pattern_tag: Some("mine".into()), ..span(EditType::Deletion, "x", "", EditSection::Body) },
        ];
        tag_spans(&mut spans, None);
        assert_eq!(spans[0].pattern_tag.as_deref(), Some("wordiness"));
        assert_eq!(spans[1].pattern_tag.as_deref(), Some("mine"));
    }

    #[test]
    fn events_pair_consecutive_versions_with_their_spans() {
        let id = ContentId::new();
        let now = Utc::now();
        let v = |n: i32, text: &str| ContentVersion {
            content_item_id: id,
            version: n,
            title: None,
            content: text.into(),
            edited_by: None,
            created_at: now,
        };
        let e = |n: i32| ContentEdit {
            id: EditId::new(),
            content_item_id: id,
            user_id: Some(UserId::new()),
            version: n,
            edit_type: EditType::Deletion,
            original_text: "x".into(),
            edited_text: String::new(),
            section: EditSection::Body,
            pattern_tag: None,
            created_at: now,
        };
        let events = EditEvent::from_history(id, ContentType::LinkedinPost, &[v(3, "c"), v(1, "a"), v(2, "b")], &[e(2), e(3), e(3)]);
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].before.as_str(), events[0].after.as_str(), events[0].edits.len()), ("a", "b", 1));
        assert_eq!((events[1].before.as_str(), events[1].after.as_str(), events[1].edits.len()), ("b", "c", 2));
    }
}
