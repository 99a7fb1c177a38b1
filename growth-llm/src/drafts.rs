//! The answer format the chat-model generators (Claude, OpenAI-compatible) ask for, and its strict parser.

use std::fmt;

use growth_core::generate::Draft;
use serde::Deserialize;

/// The output-format instruction appended to every generation request (unless the instruction
/// already contains it): strict JSON, one object with a `drafts` array.
pub const DRAFTS_JSON_FORMAT: &str = "Answer with one JSON object and nothing else: no prose before or after it, no Markdown \
fence. Its exact shape is {\"drafts\":[{\"title\":string|null,\"content\":string,\"format\":string|null}]} — \"content\" is the \
full text of the piece (Markdown allowed inside the string), \"title\" its title or null, \"format\" a short label such as \
\"insight\", \"framework\", \"story\" or \"hot_take\", or null. Escape quotes and newlines inside strings as JSON requires.";

/// The follow-up message of the one repair attempt after a malformed answer.
pub const REPAIR_INSTRUCTION: &str = "Your previous answer was not valid JSON of the required shape. Reply again with the same \
drafts as exactly one JSON object of the shape {\"drafts\":[{\"title\":string|null,\"content\":string,\"format\":string|null}]} \
and nothing else: no explanation, no Markdown fence. At least one draft must have non-empty content.";

/// Why an answer is not a usable list of drafts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedDrafts {
    reason: String,
}

impl MalformedDrafts {
    /// What is wrong, for a person to read.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for MalformedDrafts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for MalformedDrafts {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    drafts: Vec<WireDraft>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireDraft {
    #[serde(default)]
    title: Option<String>,
    content: String,
    #[serde(default)]
    format: Option<String>,
}

/// Parses an answer in the [`DRAFTS_JSON_FORMAT`] shape.
///
/// Strict: the answer must be exactly one JSON object `{"drafts": [...]}` with no other keys, and
/// each draft has a string `content` and optional `title` / `format` (string or null, no other
/// keys). The only tolerance is surrounding whitespace and one Markdown code fence (` ```json ` or
/// ` ``` `) around the object. Contents and titles are trimmed; drafts whose content is empty are
/// dropped, empty titles and formats become `None`. An answer with no non-empty draft is malformed.
pub fn parse_drafts(raw: &str) -> Result<Vec<Draft>, MalformedDrafts> {
    let json = strip_fence(raw.trim());
    let answer: Answer = serde_json::from_str(json).map_err(|e| MalformedDrafts { reason: format!("not the drafts JSON: {e}") })?;
    let total = answer.drafts.len();
    let nonempty = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let drafts: Vec<Draft> = answer
        .drafts
        .into_iter()
        .filter_map(|d| {
            let content = d.content.trim();
            (!content.is_empty()).then(|| Draft { title: nonempty(d.title), content: content.to_owned(), format: nonempty(d.format) })
        })
        .collect();
    if drafts.is_empty() {
        return Err(MalformedDrafts { reason: format!("no draft with non-empty content (of {total})") });
    }
    Ok(drafts)
}

/// The text inside one surrounding ```` ```json ```` (or bare ```` ``` ````) fence, else `s`.
pub(crate) fn strip_fence(s: &str) -> &str {
    let Some(rest) = s.strip_prefix("```") else { return s };
    let Some(inner) = rest.strip_suffix("```") else { return s };
    let inner = inner.strip_prefix("json").or_else(|| inner.strip_prefix("JSON")).unwrap_or(inner);
    // The opening fence line must end right after the language tag.
    match inner.split_once('\n') {
        Some((tag, body)) if tag.trim().is_empty() => body.trim(),
        _ => s,
    }
}

/// `s` cut to at most `max` characters (on a character boundary), noting how much was left out.
pub(crate) fn truncate_for_error(s: &str, max: usize) -> String {
    let count = s.chars().count();
    if count <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}… [{} more characters]", count - max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_answer_parses() {
        let raw = r#"{"drafts":[{"title":"Stop guessing","content":"Line one.\n\nLine two.","format":"insight"},
                                {"title":null,"content":"Second","format":null},{"content":"Third"}]}"#;
        let d = parse_drafts(raw).unwrap();
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].title.as_deref(), Some("Stop guessing"));
        assert_eq!(d[0].content, "Line one.\n\nLine two.");
        assert_eq!(d[0].format.as_deref(), Some("insight"));
        assert_eq!((d[1].title.as_ref(), d[2].format.as_ref()), (None, None));
    }

    #[test]
    fn a_json_fence_and_surrounding_whitespace_are_tolerated() {
        let body = r#"{"drafts":[{"title":"T","content":"C","format":null}]}"#;
        for raw in [format!("\n  ```json\n{body}\n```  \n"), format!("```\n{body}\n```"), format!("  {body}\n")] {
            assert_eq!(parse_drafts(&raw).unwrap()[0].content, "C", "{raw}");
        }
    }

    #[test]
    fn prose_around_the_json_is_malformed() {
        let body = r#"{"drafts":[{"title":"T","content":"C","format":null}]}"#;
        for raw in [format!("Here are your drafts:\n{body}"), format!("{body}\nHope this helps!"), format!("```json {body}```")] {
            assert!(parse_drafts(&raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_malformed() {
        assert!(parse_drafts(r#"{"drafts":[{"content":"C"}],"note":"x"}"#).is_err());
        assert!(parse_drafts(r#"{"drafts":[{"content":"C","hashtags":[]}]}"#).is_err());
        assert!(parse_drafts(r#"{"drafts":[{"content":42}]}"#).is_err());
        assert!(parse_drafts(r#"[{"content":"C"}]"#).is_err());
        assert!(parse_drafts(r#"{"drafts":[{"content":"C"}]"#).is_err());
    }

    #[test]
    fn empty_drafts_are_dropped_and_none_left_is_malformed() {
        let d = parse_drafts(r#"{"drafts":[{"title":" ","content":"  "},{"title":"  T ","content":" C ","format":""}]}"#).unwrap();
        assert_eq!(d, vec![Draft { title: Some("T".into()), content: "C".into(), format: None }]);
        let e = parse_drafts(r#"{"drafts":[{"content":"\n"}]}"#).unwrap_err();
        assert!(e.reason().contains("non-empty"), "{e}");
        assert!(parse_drafts(r#"{"drafts":[]}"#).is_err());
    }

    #[test]
    fn truncation_keeps_whole_characters_and_says_how_much_is_missing() {
        assert_eq!(truncate_for_error("héllo", 10), "héllo");
        assert_eq!(truncate_for_error("héllo wörld", 4), "héll… [7 more characters]");
    }
}
