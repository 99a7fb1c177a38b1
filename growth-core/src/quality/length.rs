//! The `length` check: word counts per content type and LinkedIn's platform limits.
//!
//! - **Words** are whitespace-separated tokens with at least one letter or digit (a lone `—` is not
//!   a word), counted in the body after any YAML front matter. Each content type has a range
//!   ([`LengthRules`]): LinkedIn posts (post, pre-interview, post-publish) 200–400, newsletters
//!   1,000–1,500, blog posts 800–2,500 by default.
//! - **LinkedIn characters**: at most [`LengthRules::linkedin_max_chars`] (3,000, the Posts API
//!   limit), counted as Unicode scalar values of the whole text.
//! - **LinkedIn hashtags**: at most [`LengthRules::linkedin_max_hashtags`] (5). A hashtag is `#`
//!   at the start of a token followed by a letter (`# Heading` and `#1` are not hashtags).
//!
//! Findings point at what to cut: a text over the word or char limit gets a finding spanning
//! everything past the limit; each hashtag past the fifth gets its own. A text under the minimum
//! gets a whole-text finding (`[0, 0]`). The verdict's score is the word count.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::text;
use crate::domain::{ContentType, Finding, FindingSeverity, Verdict};
use crate::quality::{DraftUnderReview, QualityGate};
use crate::{Error, Result};

/// Gate name of the length check.
pub const LENGTH_GATE: &str = "length";

/// An inclusive word-count range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordRange {
    /// Fewest words.
    pub min: usize,
    /// Most words.
    pub max: usize,
}

impl WordRange {
    /// `min..=max` words.
    pub const fn new(min: usize, max: usize) -> Self {
        Self { min, max }
    }
}

/// Length rules per content type and LinkedIn's limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LengthRules {
    /// LinkedIn post (default 200–400 words).
    pub linkedin_post: WordRange,
    /// LinkedIn post announcing an interview (default 200–400 words).
    pub pre_interview: WordRange,
    /// LinkedIn post announcing an episode (default 200–400 words).
    pub post_publish: WordRange,
    /// Newsletter (default 1,000–1,500 words).
    pub newsletter: WordRange,
    /// Blog post (default 800–2,500 words).
    pub blog_post: WordRange,
    /// Most characters in a LinkedIn post (default 3,000).
    pub linkedin_max_chars: usize,
    /// Most hashtags in a LinkedIn post (default 5).
    pub linkedin_max_hashtags: usize,
}

impl Default for LengthRules {
    fn default() -> Self {
        let linkedin = WordRange::new(200, 400);
        Self {
            linkedin_post: linkedin,
            pre_interview: linkedin,
            post_publish: linkedin,
            newsletter: WordRange::new(1000, 1500),
            blog_post: WordRange::new(800, 2500),
            linkedin_max_chars: 3000,
            linkedin_max_hashtags: 5,
        }
    }
}

impl LengthRules {
    /// The word range for `content_type`.
    pub fn words_for(&self, content_type: ContentType) -> WordRange {
        match content_type {
            ContentType::LinkedinPost => self.linkedin_post,
            ContentType::PreInterview => self.pre_interview,
            ContentType::PostPublish => self.post_publish,
            ContentType::Newsletter => self.newsletter,
            ContentType::BlogPost => self.blog_post,
        }
    }

    /// Checks that every range has `min ≤ max`.
    pub fn validate(&self) -> Result<()> {
        for content_type in ContentType::ALL {
            let range = self.words_for(*content_type);
            if range.min > range.max {
                return Err(Error::invalid_field(
                    format!("length.{content_type}"),
                    format!("min ({}) is greater than max ({})", range.min, range.max),
                ));
            }
        }
        Ok(())
    }
}

/// Hashtags in `text` as byte spans (`#` included).
pub(crate) fn hashtags(text: &str) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices('#') {
        let token_start = text[..i].chars().next_back().is_none_or(char::is_whitespace);
        let rest = &text[i + 1..];
        if !token_start || !rest.chars().next().is_some_and(char::is_alphabetic) {
            continue;
        }
        let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        out.push([i, i + 1 + len]);
    }
    out
}

/// The byte offset where word number `n` (0-based) starts, as counted by the word count.
fn word_start(text: &str, n: usize) -> Option<usize> {
    let mut count = 0;
    let mut pos = 0;
    for token in text.split_inclusive(char::is_whitespace) {
        let word = token.trim_end();
        if word.chars().any(text::is_word_char) {
            if count == n {
                return Some(pos);
            }
            count += 1;
        }
        pos += token.len();
    }
    None
}

fn is_linkedin(content_type: ContentType) -> bool {
    matches!(content_type, ContentType::LinkedinPost | ContentType::PreInterview | ContentType::PostPublish)
}

fn finding(text: &str, span: [usize; 2], message: String) -> Finding {
    Finding { check: LENGTH_GATE.to_owned(), span, text: text[span[0]..span[1]].to_owned(), message, severity: FindingSeverity::Error }
}

/// The `length` check.
#[derive(Debug, Clone, Default)]
pub struct LengthCheck {
    rules: LengthRules,
}

impl LengthCheck {
    /// A length check with `rules` (fails with `InvalidInput` if a range has `min > max`).
    pub fn new(rules: LengthRules) -> Result<Self> {
        rules.validate()?;
        Ok(Self { rules })
    }

    /// The rules in use.
    pub fn rules(&self) -> &LengthRules {
        &self.rules
    }

    /// Words in the body of `text` (after any front matter).
    pub fn word_count(text: &str) -> usize {
        text::word_count(&text[text::body_start(text)..])
    }

    /// The findings for `text` as a draft of `content_type` (none means it passes).
    pub fn findings(&self, content_type: ContentType, text: &str) -> Vec<Finding> {
        self.measure(content_type, text).1
    }

    fn measure(&self, content_type: ContentType, text: &str) -> (usize, Vec<Finding>) {
        let body = text::body_start(text);
        let words = text::word_count(&text[body..]);
        let range = self.rules.words_for(content_type);
        let what = content_type.as_str().replace('_', " ");
        let mut out = Vec::new();
        if words < range.min {
            out.push(finding(
                text,
                [0, 0],
                format!(
                    "Too short for a {what}: {words} words (aim for {}–{}). Add a concrete example, a number or the story behind the point.",
                    range.min, range.max
                ),
            ));
        } else if words > range.max {
            let cut = word_start(&text[body..], range.max).map_or(text.len(), |p| p + body);
            out.push(finding(
                text,
                [cut, text.len()],
                format!(
                    "Too long for a {what}: {words} words (aim for {}–{}). Everything from here is past the limit.",
                    range.min, range.max
                ),
            ));
        }
        if is_linkedin(content_type) {
            let chars = text.chars().count();
            if chars > self.rules.linkedin_max_chars {
                let cut = text::byte_offset_of_char(text, self.rules.linkedin_max_chars);
                out.push(finding(
                    text,
                    [cut, text.len()],
                    format!("{chars} characters: LinkedIn allows {}. Everything from here is cut.", self.rules.linkedin_max_chars),
                ));
            }
            let tags = hashtags(text);
            for span in tags.iter().skip(self.rules.linkedin_max_hashtags) {
                out.push(finding(
                    text,
                    *span,
                    format!("{} hashtags; keep at most {}. Drop this one.", tags.len(), self.rules.linkedin_max_hashtags),
                ));
            }
        }
        (words, out)
    }
}

#[async_trait]
impl QualityGate for LengthCheck {
    fn name(&self) -> &'static str {
        LENGTH_GATE
    }

    async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict> {
        let (words, findings) = self.measure(draft.content_type, &draft.content);
        Ok(Verdict { gate: LENGTH_GATE.to_owned(), passed: findings.is_empty(), score: Some(words as f64), findings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize) -> String {
        vec!["word"; n].join(" ")
    }

    fn check() -> LengthCheck {
        LengthCheck::default()
    }

    #[test]
    fn a_linkedin_post_of_200_to_400_words_passes() {
        for n in [200, 300, 400] {
            assert!(check().findings(ContentType::LinkedinPost, &words(n)).is_empty(), "{n}");
        }
    }

    #[test]
    fn a_linkedin_post_of_199_words_is_too_short() {
        let findings = check().findings(ContentType::PostPublish, &words(199));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].span, [0, 0]);
        assert!(findings[0].message.contains("199 words"));
    }

    #[test]
    fn a_linkedin_post_of_401_words_points_at_the_401st_word() {
        let text = words(401);
        let findings = check().findings(ContentType::LinkedinPost, &text);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].text, "word");
        assert_eq!(findings[0].span, [400 * 5, text.len()]);
    }

    #[test]
    fn dashes_and_front_matter_are_not_words() {
        let text = format!("---\ntitle: long title words here\n---\n{} — —", words(200));
        assert_eq!(LengthCheck::word_count(&text), 200);
        assert!(check().findings(ContentType::LinkedinPost, &text).is_empty());
    }

    #[test]
    fn more_than_3000_characters_fails_on_linkedin_only() {
        let text = format!("{} {}", words(300), "é".repeat(2000));
        let findings = check().findings(ContentType::LinkedinPost, &text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("LinkedIn allows 3000"));
        assert!(text.is_char_boundary(findings[0].span[0]));
        assert_eq!(text[..findings[0].span[0]].chars().count(), 3000);
        assert!(check().findings(ContentType::BlogPost, &format!("{} {}", words(900), "é".repeat(2000))).is_empty());
    }

    #[test]
    fn a_sixth_hashtag_is_a_finding() {
        let text = format!("{}\n\n# Not a tag #1 #pricing #saas #growth #plg #b2b #founders", words(250));
        let findings = check().findings(ContentType::LinkedinPost, &text);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].text, "#founders");
        assert_eq!(hashtags(&text).len(), 6);
    }

    #[test]
    fn newsletters_and_blogs_have_their_own_ranges() {
        assert_eq!(check().findings(ContentType::Newsletter, &words(999)).len(), 1);
        assert!(check().findings(ContentType::Newsletter, &words(1200)).is_empty());
        assert!(check().findings(ContentType::BlogPost, &words(2500)).is_empty());
        let custom = LengthCheck::new(LengthRules { blog_post: WordRange::new(100, 200), ..LengthRules::default() }).expect("valid");
        assert_eq!(custom.findings(ContentType::BlogPost, &words(300)).len(), 1);
    }

    #[test]
    fn a_range_with_min_above_max_is_invalid_input() {
        let err = LengthCheck::new(LengthRules { newsletter: WordRange::new(10, 5), ..LengthRules::default() }).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }));
    }
}
