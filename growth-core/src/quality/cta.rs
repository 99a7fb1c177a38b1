//! The `cta` check: does the close ask for one clear action?
//!
//! # The close
//!
//! The close is the last paragraph together with the last two sentences (whichever reaches further
//! back), after setting aside trailing hashtag lines, horizontal rules and sign-offs (lines of at
//! most three words that ask for nothing, not even vaguely, such as `Cheers,` or a name). A `P.S.`
//! stays in.
//!
//! # What counts as a clear action
//!
//! An action belongs to one of six kinds ([`CtaKind`]): respond (comment, reply, DM, tell me,
//! vote), share (share this, repost, forward, tag someone, save this), follow (follow me,
//! subscribe, join the newsletter), visit (visit, click, check out, read the full post, watch,
//! listen, "link in comments", a URL), get (download, grab, get the template/guide/playbook) and
//! book (book, schedule a call, register, sign up, RSVP, apply now, start a free trial, join us
//! live). It counts when:
//!
//! - the verb opens a sentence or a clause (after `,` `;` `:` dashes, `and`, `or`, `then`),
//!   optionally after `so`, `just`, `please`, `P.S.`, `you can`, `feel free to`, `don't forget to`,
//!   emoji or bullets — so advice in the body ("follow these steps") does not count unless the
//!   verb takes a CTA object (`follow me`, `follow along`); or
//! - the sentence has no such verb but carries a request marker: `in the comments`, `comment
//!   below`, `hit reply`, `link in the comments/bio`, or a URL that opens the sentence or follows a
//!   colon or arrow (`Full episode: https://…`; a URL inside a Markdown link in a statement is
//!   not a request); or
//! - it is a specific question to the reader: a question of at least four words with `you`/`your`
//!   that is not one of the vague ones below (the PostHog LinkedIn handbook: "Add a question at the
//!   end to get comments").
//!
//! # Vague calls to action
//!
//! `Let me know your thoughts`, `What do you think?`, `Thoughts?`, `Agree?`, `Feel free to reach
//! out`, `Hope this helps`, `Stay tuned`, `Would love to hear from you`, `Let's connect` and the
//! like ask for nothing in particular, so they do **not** count as a clear action. Decision: a close
//! with only vague calls fails, with a finding at each; a vague call next to a clear one is let be.
//! ("Let me know your thoughts in the comments" is clear: it says where.)
//!
//! # Pass or fail
//!
//! The draft fails with a finding when the close has no clear action (the finding spans the close),
//! when it has only vague ones, or when it asks for more than
//! [`CtaConfig::max_distinct_actions`] kinds of action (default 1: "repost and follow me and book a
//! call" splits attention; a finding at each competing call). Several asks of the same kind
//! ("comment below, tell me which one") are one action.

use async_trait::async_trait;
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

use super::text;
use crate::domain::{Finding, FindingSeverity, Verdict};
use crate::quality::{DraftUnderReview, QualityGate};
use crate::{Error, Result};

/// Gate name of the CTA check.
pub const CTA_GATE: &str = "cta";

/// Limits of the CTA check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CtaConfig {
    /// How many kinds of action the close may ask for before they compete (default 1).
    pub max_distinct_actions: usize,
}

impl Default for CtaConfig {
    fn default() -> Self {
        Self { max_distinct_actions: 1 }
    }
}

/// The kind of action a call to action asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CtaKind {
    /// Comment, reply, DM, tell me, answer a question.
    Respond,
    /// Share, repost, forward, tag, save.
    Share,
    /// Follow, subscribe, join a newsletter or community.
    Follow,
    /// Visit, click, read, watch, listen, a link.
    Visit,
    /// Download or get a resource.
    Get,
    /// Book, schedule, register, sign up, apply, start a trial.
    Book,
}

impl CtaKind {
    fn verb(self) -> &'static str {
        match self {
            Self::Respond => "respond",
            Self::Share => "share",
            Self::Follow => "follow/subscribe",
            Self::Visit => "visit/read",
            Self::Get => "download/get",
            Self::Book => "book/sign up",
        }
    }
}

/// One call to action found in the close.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtaAction {
    /// What it asks for.
    pub kind: CtaKind,
    /// Byte offsets of the clause that asks, into the checked text.
    pub span: [usize; 2],
}

/// What the CTA check saw in a draft's close.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtaAnalysis {
    /// Byte offsets of the close (`[0, 0]` for an empty draft).
    pub close: [usize; 2],
    /// Clear calls to action, in order.
    pub actions: Vec<CtaAction>,
    /// Spans of vague calls to action in sentences without a clear one.
    pub vague: Vec<[usize; 2]>,
}

impl CtaAnalysis {
    /// The distinct kinds of action asked for.
    pub fn kinds(&self) -> Vec<CtaKind> {
        let mut kinds: Vec<CtaKind> = self.actions.iter().map(|a| a.kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

const PREFIX: &str = r"^[^\p{L}\p{N}]*(?:(?:so|and|then|just|please|now|go ahead and|also|simply|p\.?s\.?|you can|you could|feel free to|make sure to|make sure you|be sure to|don['’]?t forget to|do not forget to|remember to|i['’]?d love (?:for you )?to|why not)[\s,:.]+)*";

const ACTIONS: &[(CtaKind, &str)] = &[
    (
        CtaKind::Respond,
        r#"^(?:comment|reply|respond|answer|vote|dm (?:me|us)|message (?:me|us)|email (?:me|us)|send (?:me|us)|tell (?:me|us)|drop (?:a|an|your|it|me|us|the|them|"|“|'))\b"#,
    ),
    (
        CtaKind::Share,
        r"^(?:share (?:this|it|with|the)|repost|reshare|forward (?:this|it)|tag (?:a|someone|anyone|your|the|\w+ who)|send (?:this|it) to|pass (?:this|it) on|save (?:this|it))\b",
    ),
    (
        CtaKind::Follow,
        r"^(?:follow (?:me|us|along|for|\w+ for)|subscribe|join (?:\d|the|our|my)[^.!?]*?(?:newsletter|list|community|readers|subscribers)|hit (?:follow|subscribe|the bell)|turn on notifications)\b",
    ),
    (
        CtaKind::Visit,
        r"^(?:visit|check out|click|tap|head (?:to|over)|go to|watch (?:the|it|my|our|now|here|this|full)|listen (?:to|now|here)|tune in|read (?:more|on|it here|my|our|the (?:full|whole|complete|rest|post|article|guide|case study|thread|breakdown|report|story))|learn more|find out more|see (?:the|my|our) (?:full|whole|complete))\b",
    ),
    (
        CtaKind::Get,
        r"^(?:download|grab|claim (?:your|the|a)|get (?:your|the|my|our|a|an) (?:[\w-]+ )?(?:copy|guide|template|templates|checklist|playbook|ebook|e-book|report|slides|deck|swipe file|cheat sheet|toolkit|tickets?|spot|seat|invite|access|demo|pdf|sheet|calculator|worksheet|framework|list))\b",
    ),
    (
        CtaKind::Book,
        r"^(?:book|schedule (?:a|an|your|time)|register|rsvp|sign up|apply (?:now|here|today|to join|for|at|via|before)|request (?:a|an|your)|start (?:your|a) (?:free )?(?:trial|\d+-day)|try (?:it|us|\w+) (?:for )?free|reserve|save (?:your|a) (?:spot|seat)|join (?:us|me|the waitlist|the webinar|the call|the session|live))\b",
    ),
];

const MARKERS: &[(CtaKind, &str)] = &[
    (CtaKind::Respond, r"(?:in|into) (?:the|my) (?:comments|replies|dms)|comment below|hit reply|just reply|reply to this (?:email|post)"),
    (CtaKind::Visit, r"link (?:is )?in (?:the )?(?:comments?|first comment|bio|description)|(?:^|[:→👉]\s*)https?://"),
];

const VAGUE: &str = r"let me know (?:your thoughts|what you think|if you (?:have|agree))|^[^\p{L}]*(?:any )?thoughts[^\p{L}]*$|what do you think|what are your thoughts|^[^\p{L}]*agree[^\p{L}]*$|agree or disagree|feel free to (?:reach out|share|comment|connect|dm|message|get in touch)|hope (?:this|it) helps|stay tuned|food for thought|(?:would|i['’]?d) love to hear (?:your thoughts|from you|what you think|your take)|let['’]?s connect|happy to (?:chat|help)|reach out (?:if|anytime|any time|with)|don['’]?t hesitate to|share your thoughts";

const SECOND_PERSON: &[&str] = &["you", "your", "you're", "you’re", "you'd", "you’d", "you've", "you’ve", "yours", "y'all"];

/// The `cta` check.
#[derive(Debug, Clone)]
pub struct CtaCheck {
    config: CtaConfig,
    prefix: Regex,
    actions: Vec<(CtaKind, Regex)>,
    markers: Vec<(CtaKind, Regex)>,
    vague: Regex,
    clause_break: Regex,
}

fn compile(pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|e| Error::Config(format!("CTA pattern does not compile: {e}")))
}

fn finding(text: &str, span: [usize; 2], message: String) -> Finding {
    Finding { check: CTA_GATE.to_owned(), span, text: text[span[0]..span[1]].to_owned(), message, severity: FindingSeverity::Error }
}

fn is_hashtag_line(line: &str) -> bool {
    let mut tokens = line.split_whitespace().peekable();
    tokens.peek().is_some() && tokens.all(|t| t.starts_with('#') && t.chars().nth(1).is_some_and(char::is_alphanumeric))
}

fn is_markup_line(line: &str) -> bool {
    !line.chars().any(text::is_word_char)
}

impl CtaCheck {
    /// A CTA check with `config`.
    pub fn new(config: CtaConfig) -> Result<Self> {
        Ok(Self {
            config,
            prefix: compile(PREFIX)?,
            actions: ACTIONS.iter().map(|(k, p)| Ok((*k, compile(p)?))).collect::<Result<_>>()?,
            markers: MARKERS.iter().map(|(k, p)| Ok((*k, compile(p)?))).collect::<Result<_>>()?,
            vague: compile(VAGUE)?,
            clause_break: compile(r"[,;:—–(]\s*|\s+(?:and|or|then)\s+")?,
        })
    }

    /// Clear actions in the sentence `[s, e)` of `text`.
    fn sentence_actions(&self, text: &str, [s, e]: [usize; 2]) -> Vec<CtaAction> {
        let norm = text::normalize(&text[s..e]);
        let sentence = norm.as_slice();
        let mut out = Vec::new();
        let clause_starts = std::iter::once(0).chain(self.clause_break.find_iter(sentence).map(|m| m.end()));
        for start in clause_starts {
            let clause = &sentence[start..];
            let skip = self.prefix.find(clause).map_or(0, |m| m.end());
            let rest = &clause[skip..];
            if let Some((kind, _)) = self.actions.iter().find(|(_, re)| re.is_match(rest)) {
                out.push(CtaAction { kind: *kind, span: [s + start + skip, e] });
            }
        }
        // A marker only stands in for a missing verb: in "grab it here: https://…" the URL is
        // where the one action happens, not a second action.
        if out.is_empty()
            && let Some((kind, m)) = self.markers.iter().find_map(|(kind, re)| re.find(sentence).map(|m| (*kind, m)))
        {
            out.push(CtaAction { kind, span: [s + m.start(), s + m.end()] });
        }
        if out.is_empty() && !self.vague.is_match(sentence) && self.is_reader_question(&text[s..e]) {
            out.push(CtaAction { kind: CtaKind::Respond, span: [s, e] });
        }
        out
    }

    fn is_reader_question(&self, sentence: &str) -> bool {
        let trimmed = sentence.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '?');
        let words: Vec<String> = text::words(sentence).map(|(_, w)| w.to_lowercase()).collect();
        trimmed.ends_with('?') && words.len() >= 4 && words.iter().any(|w| SECOND_PERSON.contains(&w.as_str()))
    }

    /// The close of `text` (see the module docs), or `None` for an empty draft. Works back from
    /// the end, so its cost does not grow with the length of the draft.
    fn close(&self, text: &str) -> Option<[usize; 2]> {
        let body = text::body_start(text);
        let mut last = text::last_line(text, body, text.len())?;
        while let Some(previous) = text::last_line(text, body, last[0]) {
            let line = &text[last[0]..last[1]];
            let sign_off = text::word_count(line) <= 3
                && !line.contains('?')
                && !self.vague.is_match(&text::normalize(line))
                && self.sentence_actions(text, last).is_empty();
            if is_hashtag_line(line) || is_markup_line(line) || sign_off {
                last = previous;
            } else {
                break;
            }
        }
        let end = last[1];
        let last_paragraph = text::paragraph_start(text, body, last[0]);
        // The last two sentences lie within the last two paragraphs.
        let window = text::last_line(text, body, last_paragraph).map_or(last_paragraph, |p| text::paragraph_start(text, body, p[0]));
        let sentences = text::sentences(&text[window..end]);
        let last_two =
            sentences.len().checked_sub(2).and_then(|i| sentences.get(i)).or(sentences.first()).map_or(last_paragraph, |s| s[0] + window);
        Some([last_paragraph.min(last_two), end])
    }

    /// What the close of `text` asks for.
    pub fn analyze(&self, text: &str) -> CtaAnalysis {
        let Some(close) = self.close(text) else {
            return CtaAnalysis { close: [0, 0], actions: Vec::new(), vague: Vec::new() };
        };
        let mut actions = Vec::new();
        let mut vague = Vec::new();
        for [s, e] in text::sentences(&text[close[0]..close[1]]) {
            let sentence = [close[0] + s, close[0] + e];
            let found = self.sentence_actions(text, sentence);
            if found.is_empty() {
                if let Some(m) = self.vague.find(&text::normalize(&text[sentence[0]..sentence[1]])) {
                    vague.push([sentence[0] + m.start(), sentence[0] + m.end()]);
                }
            } else {
                actions.extend(found);
            }
        }
        CtaAnalysis { close, actions, vague }
    }

    /// The findings for `text` (none means it passes).
    pub fn findings(&self, text: &str) -> Vec<Finding> {
        let analysis = self.analyze(text);
        if analysis.actions.is_empty() {
            if !analysis.vague.is_empty() {
                return analysis
                    .vague
                    .iter()
                    .map(|span| {
                        finding(
                            text,
                            *span,
                            format!(
                                "Vague call to action ('{}'). Ask for one specific thing: what to comment, where to click, what they get \
                                 (e.g. 'Comment \"PLAYBOOK\" and I'll send you the template').",
                                &text[span[0]..span[1]]
                            ),
                        )
                    })
                    .collect();
            }
            return vec![finding(
                text,
                analysis.close,
                "The close asks for nothing. End with one clear action: 'Reply with your biggest pricing mistake', \
                 'Comment \"PLAYBOOK\" and I'll send it', 'Book a call at …'."
                    .to_owned(),
            )];
        }
        let kinds = analysis.kinds();
        if kinds.len() <= self.config.max_distinct_actions {
            return Vec::new();
        }
        let all = kinds.iter().map(|k| k.verb()).collect::<Vec<_>>().join(", ");
        analysis
            .actions
            .iter()
            .map(|a| {
                finding(
                    text,
                    a.span,
                    format!(
                        "Competing calls to action: the close asks readers to {all} ({} kinds, at most {}). Keep the one that matters.",
                        kinds.len(),
                        self.config.max_distinct_actions
                    ),
                )
            })
            .collect()
    }
}

#[async_trait]
impl QualityGate for CtaCheck {
    fn name(&self) -> &'static str {
        CTA_GATE
    }

    async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict> {
        let findings = self.findings(&draft.content);
        Ok(Verdict { gate: CTA_GATE.to_owned(), passed: findings.is_empty(), score: None, findings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check() -> CtaCheck {
        CtaCheck::new(CtaConfig::default()).expect("patterns compile")
    }

    fn kinds(text: &str) -> Vec<CtaKind> {
        check().analyze(text).kinds()
    }

    const BODY: &str = "We raised prices twice last year.\n\nChurn did not move. Follow these steps to do the same.\n\n";

    #[test]
    fn one_clear_action_passes() {
        for close in [
            "Comment \"PRICING\" and I'll send you the template.",
            "If you want the sheet, grab it here: https://example.com/sheet",
            "P.S. Book a call if you want us to look at yours.",
            "Which would you raise first: seats or usage?",
            "Reply to this email with your biggest pricing mistake.",
            "👉 Subscribe to get the next one.",
        ] {
            let text = format!("{BODY}{close}");
            assert!(check().findings(&text).is_empty(), "{close}: {:?}", check().findings(&text));
        }
    }

    #[test]
    fn a_close_without_an_action_fails_and_points_at_the_close() {
        let text = format!("{BODY}That is the whole story. Pricing is a product.");
        let findings = check().findings(&text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("asks for nothing"));
        assert_eq!(findings[0].text, "That is the whole story. Pricing is a product.");
    }

    #[test]
    fn advice_in_the_body_is_not_a_call_to_action() {
        assert!(kinds("Follow these steps. Read the room. Apply this to your team.").is_empty());
    }

    #[test]
    fn let_me_know_your_thoughts_is_vague() {
        let text = format!("{BODY}Let me know your thoughts!");
        let findings = check().findings(&text);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].text, "Let me know your thoughts");
        assert!(findings[0].message.contains("Vague"));
        for vague in ["Thoughts?", "What do you think?", "Agree?", "Hope this helps.", "Stay tuned."] {
            assert!(check().findings(&format!("{BODY}{vague}"))[0].message.contains("Vague"), "{vague}");
        }
    }

    #[test]
    fn a_vague_call_that_says_where_is_clear() {
        assert_eq!(kinds("Let me know your thoughts in the comments."), [CtaKind::Respond]);
    }

    #[test]
    fn competing_calls_to_action_fail_with_a_finding_at_each() {
        let text = format!("{BODY}Repost this to help a founder, follow me for more, and book a call today.");
        let findings = check().findings(&text);
        assert_eq!(findings.len(), 3, "{findings:?}");
        assert!(findings.iter().all(|f| f.message.contains("Competing")));
        assert!(findings[0].text.starts_with("Repost"));
        assert!(findings[2].text.starts_with("book a call"));
    }

    #[test]
    fn several_asks_of_one_kind_are_one_action() {
        let text = format!("{BODY}Comment below: which one would you try first? Tell me in the comments.");
        assert!(check().findings(&text).is_empty());
    }

    #[test]
    fn hashtags_and_sign_offs_after_the_cta_are_set_aside() {
        let text = format!("{BODY}Reply with your number and I'll share mine.\n\nCheers,\nWes\n\n#pricing #saas");
        let analysis = check().analyze(&text);
        assert_eq!(analysis.kinds(), [CtaKind::Respond]);
        assert!(text[analysis.close[0]..analysis.close[1]].ends_with("share mine."));
    }

    #[test]
    fn the_max_number_of_actions_is_configurable() {
        let lenient = CtaCheck::new(CtaConfig { max_distinct_actions: 2 }).expect("patterns compile");
        assert!(lenient.findings(&format!("{BODY}Repost if useful and follow me for more.")).is_empty());
        assert_eq!(check().findings(&format!("{BODY}Repost if useful and follow me for more.")).len(), 2);
    }

    #[test]
    fn a_link_in_a_statement_is_not_a_call_to_action() {
        assert!(kinds("Originally published in [our newsletter](https://example.com/news).").is_empty());
        assert_eq!(kinds("Full episode: https://example.com/ep/12"), [CtaKind::Visit]);
    }

    #[test]
    fn an_empty_draft_asks_for_nothing() {
        let findings = check().findings("");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].span, [0, 0]);
    }
}
