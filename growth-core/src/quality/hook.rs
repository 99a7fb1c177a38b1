//! The `hook` check: does the first line earn the second?
//!
//! The hook is the first non-empty line of the body (after any YAML front matter), with Markdown
//! heading and emphasis marks set aside. It passes when:
//!
//! 1. **It is short**: fewer than [`HookConfig::max_first_line_chars`] chars (default 100).
//! 2. **It is not a cliché**: it does not open with a stock phrase from the slop lists (any counted
//!    slop hit at the start of the line — `Picture this`, `In today's fast-paced world`, `Here's
//!    the thing`, `Great question` — or a generic opener anywhere in it).
//! 3. **It gives a reason to read on**, at least one of (the patterns the PostHog LinkedIn handbook
//!    in `human_text/` lists: money, data reveals, dilemmas, provocative statements,
//!    transformation stories):
//!    - a **number**: a digit, `%`/`$`/`€`/`£`, or a number word (`three`, `million`, `half`);
//!    - a **question** (`?`);
//!    - **tension**: a contrast or strong-claim word (`but`, `instead`, `stop`, `never`, `nobody`,
//!      `most`, `wrong`, `mistake`, `without`, `vs`, a negation like `don't` …);
//!    - a **concrete claim**: a proper noun (a capitalised word that does not start a sentence and
//!      is not `I`), or a first-person story (`I`/`we`/`my`/`our` followed within three words by
//!      a past-tense verb: `I fired…`, `We lost…`, `My first hire was…`).
//! 4. **For LinkedIn posts** (post, pre-interview, post-publish), the "see more" fold: LinkedIn
//!    shows about [`HookConfig::linkedin_fold_chars`] chars (default 210) before cutting. The first
//!    line must end before the fold, and so must its payoff: the sentence right after the hook (or
//!    the hook's own second sentence, when it has one).
//!
//! Each failed rule is one finding pointing at the line, the cliché, or the part past the fold.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::slop::{SlopChecker, SlopKind};
use super::text;
use crate::Result;
use crate::domain::{ContentType, Finding, FindingSeverity, Verdict};
use crate::quality::{DraftUnderReview, QualityGate};

/// Gate name of the hook check.
pub const HOOK_GATE: &str = "hook";

/// Limits of the hook check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HookConfig {
    /// The first line must be shorter than this many chars (default 100).
    pub max_first_line_chars: usize,
    /// Chars LinkedIn shows before "…see more" (default 210).
    pub linkedin_fold_chars: usize,
}

impl Default for HookConfig {
    fn default() -> Self {
        Self { max_first_line_chars: 100, linkedin_fold_chars: 210 }
    }
}

/// Why a hook makes someone read on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookReason {
    /// A digit, currency or percent sign, or a number word.
    Number,
    /// A question.
    Question,
    /// A contrast or strong-claim word.
    Tension,
    /// A proper noun or a first-person story.
    Concrete,
}

const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "twenty",
    "thirty",
    "fifty",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "half",
    "double",
    "doubled",
    "triple",
    "tripled",
    "zero",
    "once",
    "twice",
];

const TENSION_WORDS: &[&str] = &[
    "but",
    "yet",
    "however",
    "instead",
    "actually",
    "stop",
    "stopped",
    "never",
    "nobody",
    "no",
    "not",
    "nothing",
    "wrong",
    "myth",
    "myths",
    "mistake",
    "mistakes",
    "lie",
    "lies",
    "without",
    "unlike",
    "vs",
    "versus",
    "most",
    "every",
    "everyone",
    "only",
    "always",
    "worst",
    "best",
    "hate",
    "sucks",
    "overrated",
    "underrated",
    "unpopular",
    "killed",
    "failed",
    "lost",
    "quit",
    "fired",
    "before",
    "after",
    "secret",
    "why",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "aren't",
    "won't",
    "can't",
    "shouldn't",
    "wasn't",
    "weren't",
    "don’t",
    "doesn’t",
    "didn’t",
    "isn’t",
    "aren’t",
    "won’t",
    "can’t",
    "shouldn’t",
    "wasn’t",
    "weren’t",
];

const FIRST_PERSON: &[&str] = &["i", "we", "my", "our", "i've", "we've", "i’ve", "we’ve", "i'd", "we'd", "i’d", "we’d"];

const IRREGULAR_PAST: &[&str] = &[
    "was", "were", "been", "had", "did", "made", "got", "lost", "spent", "built", "sold", "quit", "left", "ran", "wrote", "grew", "took",
    "gave", "went", "saw", "found", "paid", "won", "broke", "bought", "began", "became", "told", "said", "met", "sent", "kept", "cut",
    "shut", "thought", "taught", "brought", "caught", "fought", "sought", "felt", "knew", "led", "lent", "rode", "rose", "shot", "spoke",
    "stood", "threw", "woke", "wore", "drove", "ate", "fell", "forgot", "hid", "hit", "hurt", "put", "set", "let", "read", "sat", "slept",
    "swore",
];

/// The reasons to read on that `line` gives (see the module docs).
pub fn hook_reasons(line: &str) -> Vec<HookReason> {
    let mut reasons = Vec::new();
    let words: Vec<(usize, &str)> = text::words(line).collect();
    let lower: Vec<String> = words.iter().map(|(_, w)| w.to_lowercase()).collect();
    let has_number = line.chars().any(|c| c.is_ascii_digit() || matches!(c, '%' | '$' | '€' | '£'))
        || lower.iter().any(|w| NUMBER_WORDS.contains(&w.as_str()));
    if has_number {
        reasons.push(HookReason::Number);
    }
    if line.contains('?') {
        reasons.push(HookReason::Question);
    }
    if lower.iter().any(|w| TENSION_WORDS.contains(&w.as_str()) || w.ends_with("n't") || w.ends_with("n’t")) {
        reasons.push(HookReason::Tension);
    }
    let proper_noun = words.iter().any(|(offset, w)| {
        let capitalised = w.chars().next().is_some_and(char::is_uppercase);
        let pronoun_i = *w == "I" || w.starts_with("I'") || w.starts_with("I’");
        capitalised && !pronoun_i && !text::is_sentence_start(line, *offset)
    });
    let story = lower.iter().enumerate().any(|(i, w)| {
        FIRST_PERSON.contains(&w.as_str())
            && lower.iter().skip(i + 1).take(3).any(|v| (v.len() > 3 && v.ends_with("ed")) || IRREGULAR_PAST.contains(&v.as_str()))
    });
    if proper_noun || story {
        reasons.push(HookReason::Concrete);
    }
    reasons
}

/// The `hook` check. It shares the slop automaton to spot cliché openers.
#[derive(Debug, Clone)]
pub struct HookCheck {
    config: HookConfig,
    slop: Arc<SlopChecker>,
}

/// The visible part of a line: without heading marks and surrounding emphasis.
fn visible(text: &str, span: [usize; 2]) -> [usize; 2] {
    let line = &text[span[0]..span[1]];
    let inner = line.trim_start_matches('#').trim_start().trim_matches(|c| c == '*' || c == '_').trim();
    if inner.is_empty() {
        return span;
    }
    let start = span[0] + (inner.as_ptr() as usize - line.as_ptr() as usize);
    [start, start + inner.len()]
}

fn is_linkedin(content_type: ContentType) -> bool {
    matches!(content_type, ContentType::LinkedinPost | ContentType::PreInterview | ContentType::PostPublish)
}

fn finding(text: &str, span: [usize; 2], message: String) -> Finding {
    Finding { check: HOOK_GATE.to_owned(), span, text: text[span[0]..span[1]].to_owned(), message, severity: FindingSeverity::Error }
}

impl HookCheck {
    /// A hook check with `config`, using `slop` to spot cliché openers.
    pub fn new(config: HookConfig, slop: Arc<SlopChecker>) -> Self {
        Self { config, slop }
    }

    /// The findings for `text` as a draft of `content_type` (none means it passes).
    pub fn findings(&self, content_type: ContentType, text: &str) -> Vec<Finding> {
        let Some(line) = text::first_line(text, text::body_start(text)) else {
            return vec![finding(text, [0, 0], "The draft is empty: there is no hook.".to_owned())];
        };
        let hook = visible(text, line);
        let hook_text = &text[hook[0]..hook[1]];
        let mut out = Vec::new();

        let chars = hook_text.chars().count();
        if chars >= self.config.max_first_line_chars {
            out.push(finding(
                text,
                hook,
                format!(
                    "The first line is {chars} characters; keep it under {}. Cut it to the one claim that makes people read on.",
                    self.config.max_first_line_chars
                ),
            ));
        }

        let report = self.slop.scan_without_memo(hook_text);
        let cliche = report.hits.iter().find(|h| h.counted && (h.span[0] == 0 || h.kind == SlopKind::Opening));
        if let Some(h) = cliche {
            out.push(finding(
                text,
                [hook[0] + h.span[0], hook[0] + h.span[1]],
                format!("The hook opens with a cliché ('{}'). Open with the claim, the number or the story itself.", h.text),
            ));
        }

        if hook_reasons(hook_text).is_empty() {
            out.push(finding(
                text,
                hook,
                "The hook gives no reason to read on. Add a number, a question, a contrast ('but', 'instead', 'stop') \
                 or something concrete (a name, something you did)."
                    .to_owned(),
            ));
        }

        if is_linkedin(content_type) {
            out.extend(self.fold_findings(text, line));
        }
        out
    }

    fn fold_findings(&self, text: &str, line: [usize; 2]) -> Option<Finding> {
        let fold = self.config.linkedin_fold_chars;
        let fold_byte = text::byte_offset_of_char(text, fold);
        if text::char_index(text, line[1]) > fold {
            return Some(finding(
                text,
                [fold_byte, line[1]],
                format!(
                    "LinkedIn's 'see more' fold at {fold} characters cuts the first line here: the reader never sees the end of the hook."
                ),
            ));
        }
        // Sentences are only needed up to just past the fold: one cut there still ends past it.
        let sentences = text::sentences(&text[..text::byte_offset_of_char(text, fold + 1)]);
        let in_line = sentences.iter().filter(|s| s[0] >= line[0] && s[1] <= line[1]).count();
        let payoff = if in_line >= 2 {
            sentences.iter().filter(|s| s[0] >= line[0] && s[1] <= line[1]).nth(1)
        } else {
            sentences.iter().find(|s| s[0] >= line[1])
        }?;
        (text::char_index(text, payoff[1]) > fold).then(|| {
            finding(
                text,
                *payoff,
                format!(
                    "The hook's payoff (the sentence after it) runs past LinkedIn's 'see more' fold at {fold} characters. \
                     Shorten it or move the point up so the first {fold} characters stand on their own."
                ),
            )
        })
    }
}

#[async_trait]
impl QualityGate for HookCheck {
    fn name(&self) -> &'static str {
        HOOK_GATE
    }

    async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict> {
        let findings = self.findings(draft.content_type, &draft.content);
        Ok(Verdict { gate: HOOK_GATE.to_owned(), passed: findings.is_empty(), score: None, findings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check() -> HookCheck {
        HookCheck::new(HookConfig::default(), Arc::new(SlopChecker::with_defaults().expect("slop lists load")))
    }

    fn messages(content_type: ContentType, text: &str) -> Vec<String> {
        check().findings(content_type, text).into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn a_short_concrete_hook_passes() {
        let text = "I fired our best engineer in 2021.\n\nIt was the right call. Here is why.";
        assert!(messages(ContentType::LinkedinPost, text).is_empty(), "{:?}", messages(ContentType::LinkedinPost, text));
    }

    #[test]
    fn a_hook_of_100_chars_or_more_fails() {
        let line = format!("We spent $8,500 on ads {}", "and learned a lot ".repeat(5));
        assert!(line.chars().count() >= 100);
        let findings = check().findings(ContentType::LinkedinPost, &line);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("under 100"));
        assert_eq!(findings[0].text, line.trim());
        let ninety_nine = "We spent $8,500 on ads. ".to_owned() + &"x".repeat(99 - 24);
        assert_eq!(ninety_nine.chars().count(), 99);
        assert!(check().findings(ContentType::BlogPost, &ninety_nine).is_empty());
    }

    #[test]
    fn a_cliche_opener_fails_and_points_at_the_cliche() {
        let text = "Picture this: 3 founders walk into a bar.";
        let findings = check().findings(ContentType::Newsletter, text);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].text, "Picture this");
        assert_eq!(findings[0].span, [0, 12]);
    }

    #[test]
    fn a_bland_statement_gives_no_reason_to_read_on() {
        let findings = check().findings(ContentType::BlogPost, "Marketing is important for companies.");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("no reason to read on"));
    }

    #[test]
    fn each_kind_of_reason_is_recognised() {
        assert_eq!(hook_reasons("We grew revenue 3x."), [HookReason::Number, HookReason::Concrete]);
        assert_eq!(hook_reasons("What would you choose?"), [HookReason::Question]);
        assert_eq!(hook_reasons("Collaboration sucks."), [HookReason::Tension]);
        assert_eq!(hook_reasons("The real lesson came from Canva."), [HookReason::Concrete]);
    }

    #[test]
    fn front_matter_and_heading_marks_are_skipped() {
        let text = "---\ntitle: x\n---\n\n# **Why we killed our free plan**\n\nBody.";
        let findings = check().findings(ContentType::BlogPost, text);
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn a_linkedin_payoff_past_the_fold_fails() {
        let text = format!("I lost $200k on my first hire.\n\n{}.", "The reason was simple and I should have seen it coming ".repeat(4));
        let findings = check().findings(ContentType::LinkedinPost, &text);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("see more"));
        // The same text is fine for a newsletter: there is no fold.
        assert!(check().findings(ContentType::Newsletter, &text).is_empty());
    }

    #[test]
    fn a_first_line_cut_by_the_fold_is_reported_from_the_fold() {
        let text = format!("We lost $2M because {}", "nobody asked the customer ".repeat(10));
        let findings = check().findings(ContentType::PreInterview, &text);
        let fold = findings.iter().find(|f| f.message.contains("cuts the first line")).expect("fold finding");
        assert_eq!(fold.span[0], 210);
        assert_eq!(&text[fold.span[0]..fold.span[1]], fold.text);
    }

    #[test]
    fn an_empty_draft_has_no_hook() {
        assert_eq!(check().findings(ContentType::LinkedinPost, "  \n\n ").len(), 1);
    }
}
