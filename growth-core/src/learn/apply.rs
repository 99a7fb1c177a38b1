//! [`apply_rules`]: the deterministic post-processing every draft can pass through, so the
//! offline generator (or any other) follows the active rules without a model.
//!
//! The rules that apply to the draft's type are applied in this order, each to the output of the
//! one before:
//!
//! 1. **Replacements**, whole-word and case-insensitive, keeping the case of the replaced word's
//!    first letter (`Gonna` → `Going to`).
//! 2. **Banned phrases** deleted, then tidied: no doubled spaces, no space before punctuation, no
//!    orphaned comma, and a capital letter where a sentence now starts.
//! 3. **Emoji** and **hashtags** removed (a line left empty goes).
//! 4. **Numbered-list** markers removed: each item becomes a paragraph of prose.
//! 5. The **closing line** replaces the last paragraph (when the draft has more than one).
//! 6. **Paragraph length**: prose paragraphs with more sentences than allowed are split.
//! 7. **First line**: a longer first line is cut at its last clause or word boundary that fits,
//!    ending in `.` or `…`.
//! 8. **Word cap**: whole sentences are dropped from the end of the body (never the first or the
//!    last paragraph) until the draft fits.
//!
//! Prompt rules are not applied (they are for the model). Proposed and retired rules are skipped.
//! Applying the same rules twice changes nothing more.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use super::rules::{Rule, RuleKind};
use super::service::RuleSource;
use super::text;
use crate::Result;
use crate::domain::ContentType;
use crate::generate::{ContentGenerator, Generation, GenerationRequest};

/// The rules in force, shared between whoever approves rules and the generators applying them.
#[derive(Clone, Debug, Default)]
pub struct ActiveRules {
    rules: Arc<RwLock<Vec<Rule>>>,
}

impl ActiveRules {
    /// A handle holding `rules` (only the active ones are ever applied).
    pub fn new(rules: Vec<Rule>) -> Self {
        Self { rules: Arc::new(RwLock::new(rules)) }
    }

    /// Replaces the rules (after an approval, an edit, a rollback).
    pub fn replace(&self, rules: Vec<Rule>) {
        match self.rules.write() {
            Ok(mut g) => *g = rules,
            Err(poisoned) => *poisoned.into_inner() = rules,
        }
    }

    /// The rules now.
    pub fn snapshot(&self) -> Vec<Rule> {
        match self.rules.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// A generator whose drafts pass through [`apply_rules`]: wrap any [`ContentGenerator`] (the
/// offline one, or Claude's as a safety net) so every draft follows the rules in force.
#[derive(Clone, Debug)]
pub struct RuleApplyingGenerator {
    inner: Arc<dyn ContentGenerator>,
    rules: Arc<dyn RuleSource>,
}

impl RuleApplyingGenerator {
    /// `inner`, with `rules` applied to its drafts.
    pub fn new(inner: Arc<dyn ContentGenerator>, rules: ActiveRules) -> Self {
        Self { inner, rules: Arc::new(rules) }
    }

    /// `inner`, with the rules in force at each call applied to its drafts (read from `rules`,
    /// e.g. a [`LearningService`](super::LearningService) over the store).
    pub fn from_source(inner: Arc<dyn ContentGenerator>, rules: Arc<dyn RuleSource>) -> Self {
        Self { inner, rules }
    }
}

#[async_trait]
impl ContentGenerator for RuleApplyingGenerator {
    fn model(&self) -> &str {
        self.inner.model()
    }

    async fn generate(&self, req: GenerationRequest) -> Result<Generation> {
        let content_type = req.content_type;
        let mut generation = self.inner.generate(req).await?;
        let rules = self.rules.active_rules().await?;
        for d in &mut generation.drafts {
            let applied = apply_rules(&d.content, content_type, &rules);
            // A rule never empties a draft (the contract says drafts are never empty).
            if !applied.trim().is_empty() {
                d.content = applied;
            }
        }
        Ok(generation)
    }
}

/// The draft `text` of `content_type` with the active rules among `rules` applied (see the
/// [module docs](self)).
pub fn apply_rules(text: &str, content_type: ContentType, rules: &[Rule]) -> String {
    let rules: Vec<&RuleKind> = rules.iter().filter(|r| r.is_active() && r.applies_to(content_type)).map(|r| &r.kind).collect();
    if rules.is_empty() {
        return text.to_owned();
    }
    let mut out = text.to_owned();
    for kind in &rules {
        if let RuleKind::Replacement { from, to } = kind {
            out = replace_phrase(&out, from, to);
        }
    }
    let banned: Vec<&str> =
        rules.iter().filter_map(|k| if let RuleKind::BannedPhrase { phrase } = k { Some(phrase.as_str()) } else { None }).collect();
    if !banned.is_empty() {
        out = delete_phrases(&out, &banned);
    }
    if rules.iter().any(|k| matches!(k, RuleKind::NoEmoji)) {
        out = remove_emoji(&out);
    }
    if rules.iter().any(|k| matches!(k, RuleKind::NoHashtags)) {
        out = remove_hashtags(&out);
    }
    if rules.iter().any(|k| matches!(k, RuleKind::NoNumberedLists)) {
        out = remove_list_markers(&out);
    }
    if let Some(close) = last_of(&rules, |k| if let RuleKind::ClosingLine { text } = k { Some(text.as_str()) } else { None }) {
        out = set_closing_line(&out, close);
    }
    if let Some(max) = min_of(&rules, |k| if let RuleKind::MaxSentencesPerParagraph { max } = k { Some(*max) } else { None }) {
        out = split_paragraphs(&out, max);
    }
    if let Some(max) = min_of(&rules, |k| if let RuleKind::MaxFirstLineChars { max } = k { Some(*max) } else { None }) {
        out = cap_first_line(&out, max);
    }
    if let Some(max) = min_of(&rules, |k| if let RuleKind::MaxWords { max } = k { Some(*max) } else { None }) {
        out = cap_words(&out, max);
    }
    tidy_blank_lines(&out)
}

fn min_of(rules: &[&RuleKind], f: impl Fn(&RuleKind) -> Option<usize>) -> Option<usize> {
    rules.iter().filter_map(|k| f(k)).min()
}

fn last_of<'a>(rules: &[&'a RuleKind], f: impl Fn(&'a RuleKind) -> Option<&'a str>) -> Option<&'a str> {
    rules.iter().filter_map(|k| f(k)).last()
}

/// `to` in the case of `found`: capitalised when `found` starts with a capital, all capitals when
/// `found` is all capitals (and longer than one letter).
fn match_case(found: &str, to: &str) -> String {
    let letters: Vec<char> = found.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() > 1 && letters.iter().all(|c| c.is_uppercase()) {
        return to.to_uppercase();
    }
    if found.chars().next().is_some_and(char::is_uppercase) {
        let mut c = to.chars();
        return c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
    }
    to.to_owned()
}

/// Every whole-word occurrence of `from` replaced by `to` (case kept as [`match_case`] says).
pub(crate) fn replace_phrase(text: &str, from: &str, to: &str) -> String {
    let spans = text::find_phrase(text, from);
    if spans.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for [s, e] in spans {
        out.push_str(&text[last..s]);
        out.push_str(&match_case(&text[s..e], to));
        last = e;
    }
    out.push_str(&text[last..]);
    if to.trim().is_empty() { tidy_line_punctuation(&out) } else { out }
}

/// Every whole-word occurrence of each phrase deleted, longest phrases first, then tidied.
pub(crate) fn delete_phrases(text: &str, phrases: &[&str]) -> String {
    let mut sorted: Vec<&str> = phrases.to_vec();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut out = text.to_owned();
    let mut changed = false;
    for p in sorted {
        let spans = text::find_phrase(&out, p);
        if spans.is_empty() {
            continue;
        }
        changed = true;
        let mut next = String::with_capacity(out.len());
        let mut last = 0;
        for [s, mut e] in spans {
            next.push_str(&out[last..s]);
            // A sentence start that loses its first word keeps its capital: remember it with a marker.
            if out[s..].chars().next().is_some_and(char::is_uppercase) && is_sentence_start(&out, s) {
                next.push(CAPITALISE);
            } else if next.trim_end().chars().next_back().is_some_and(char::is_alphanumeric) && out[e..].starts_with(',') {
                // Mid-clause (`was really, really good`): its comma goes with it.
                e += 1;
            }
            last = e;
        }
        next.push_str(&out[last..]);
        out = next;
    }
    if changed { tidy_line_punctuation(&out) } else { out }
}

/// Marks where a sentence lost its first word(s) and must start with a capital again.
const CAPITALISE: char = '\u{E000}';

fn is_sentence_start(text: &str, pos: usize) -> bool {
    let before = text[..pos].trim_end_matches([' ', '\t', '"', '“', '(', '*', '_']);
    before.is_empty()
        || before.ends_with(['.', '!', '?', '…', '\n', ':'])
        || text::list_marker_len(&format!("{before} x")).is_some_and(|n| n == before.len() + 1)
}

/// Cleans what deletions leave behind, line by line: doubled spaces, spaces before punctuation,
/// orphaned commas, empty brackets or quotes, and lowercase sentence starts after a deletion.
fn tidy_line_punctuation(text: &str) -> String {
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let lead: String = line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        let body = line[lead.len()..].to_owned();
        let mut words: Vec<String> = Vec::new();
        for token in body.split([' ', '\t']).filter(|t| !t.is_empty()) {
            let only_punct = token.chars().all(|c| matches!(c, ',' | ';' | ':' | '.' | '!' | '?' | CAPITALISE));
            if only_punct && !words.is_empty() && !token.contains(CAPITALISE) {
                // `word ,` → `word,`; `, ,` → `,`; `word ,.` → `word.`
                let last = words.last_mut().map_or(String::new(), std::mem::take);
                let merged = merge_punct(&last, token);
                if let Some(l) = words.last_mut() {
                    *l = merged;
                }
                continue;
            }
            words.push(token.to_owned());
        }
        let mut joined = words.join(" ");
        // A marker followed by punctuation: drop the punctuation (`Basically, we` → `We`).
        while let Some(i) = joined.find(CAPITALISE) {
            let after = &joined[i + CAPITALISE.len_utf8()..];
            let rest = after.trim_start_matches([',', ';', ':', '.', '!', '?', ' ', CAPITALISE]);
            let mut c = rest.chars();
            let capitalised: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
            joined = format!("{}{}", &joined[..i], capitalised);
        }
        // A line that now starts with punctuation.
        let trimmed = joined.trim_start_matches([',', ';', ':', ' ']).to_owned();
        let trimmed = trimmed.replace("()", "").replace("\"\"", "").replace("“”", "");
        let trimmed = squash_spaces(&trimmed);
        lines.push(if trimmed.is_empty() { String::new() } else { format!("{lead}{trimmed}") });
    }
    lines.join("\n")
}

fn squash_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_space = false;
    for c in s.chars() {
        if c == ' ' {
            if !prev_space {
                out.push(c);
            }
            prev_space = true;
        } else {
            out.push(c);
            prev_space = false;
        }
    }
    out.trim_end().to_owned()
}

/// `word` followed by a detached punctuation token: the stronger mark wins (`,` < `;` < `:` < `.!?`).
fn merge_punct(word: &str, punct: &str) -> String {
    let rank = |c: char| match c {
        ',' => 1,
        ';' => 2,
        ':' => 3,
        '.' | '!' | '?' => 4,
        _ => 0,
    };
    let base = word.trim_end_matches([',', ';', ':']);
    let existing = word[base.len()..].chars().chain(punct.chars()).max_by_key(|c| rank(*c));
    let ends_terminal = base.ends_with(['.', '!', '?']);
    match existing {
        Some(c) if !ends_terminal => format!("{base}{c}"),
        _ => base.to_owned(),
    }
}

pub(crate) fn remove_emoji(text: &str) -> String {
    if !text::has_emoji(text) {
        return text.to_owned();
    }
    let stripped: String = text.chars().filter(|c| !text::is_emoji(*c)).collect();
    drop_emptied_lines(text, &stripped)
}

pub(crate) fn remove_hashtags(text: &str) -> String {
    let spans = text::hashtag_spans(text);
    if spans.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for [s, e] in spans {
        out.push_str(&text[last..s]);
        last = e;
    }
    out.push_str(&text[last..]);
    drop_emptied_lines(text, &out)
}

/// Tidies lines after characters were removed: spaces squashed, a space before punctuation
/// dropped, lines left empty removed (blank lines of the original are kept).
fn drop_emptied_lines(original: &str, stripped: &str) -> String {
    let mut out = Vec::new();
    for (before, after) in original.split('\n').zip(stripped.split('\n')) {
        if before.trim().is_empty() {
            out.push(String::new());
            continue;
        }
        let lead: String = after.chars().take_while(|c| *c == ' ').collect();
        let mut body = squash_spaces(after.trim());
        for p in [" ,", " .", " !", " ?", " ;", " :"] {
            body = body.replace(p, &p[1..]);
        }
        let body = body.trim_start_matches([',', ';', ' ']).to_owned();
        if body.chars().any(|c| c.is_alphanumeric()) {
            out.push(format!("{lead}{body}"));
        }
    }
    out.join("\n")
}

pub(crate) fn remove_list_markers(text: &str) -> String {
    if !text::has_numbered_list(text) {
        return text.to_owned();
    }
    text.split('\n')
        .map(|line| match text::list_marker_len(line) {
            Some(n) => {
                let rest = &line[n..];
                let mut c = rest.chars();
                c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
            }
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn set_closing_line(text: &str, close: &str) -> String {
    let close = close.trim();
    let spans = text::paragraph_spans(text);
    match spans.as_slice() {
        [] => close.to_owned(),
        [only] => format!("{}\n\n{close}", &text[only[0]..only[1]]),
        [.., last] => {
            if text::squash_whitespace(&text[last[0]..last[1]]) == text::squash_whitespace(close) {
                return text.to_owned();
            }
            format!("{}{close}", &text[..last[0]])
        }
    }
}

pub(crate) fn split_paragraphs(text: &str, max: usize) -> String {
    let max = max.max(1);
    let spans = text::paragraph_spans(text);
    let mut parts = Vec::with_capacity(spans.len());
    for [s, e] in spans {
        let p = &text[s..e];
        let sentences = text::sentences(p);
        if !text::is_prose(p) || sentences.len() <= max || p.contains('\n') {
            parts.push(p.to_owned());
            continue;
        }
        for chunk in sentences.chunks(max) {
            parts.push(chunk.join(" "));
        }
    }
    parts.join("\n\n")
}

/// The first line cut to at most `max` chars: at the end of its first sentence or clause that
/// fits (`,` `;` `:` `—`), ending in `.`, or else at a word boundary, ending in `…`.
pub(crate) fn cap_first_line(text: &str, max: usize) -> String {
    let Some(start) = text.find(|c: char| !c.is_whitespace()) else { return text.to_owned() };
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[start..end].trim_end();
    if line.chars().count() <= max {
        return text.to_owned();
    }
    let short = shorten_line(line, max);
    format!("{}{}{}", &text[..start], short, &text[start + line.len()..])
}

fn shorten_line(line: &str, max: usize) -> String {
    let fits = |s: &str| s.chars().count() <= max;
    // The longest prefix ending at a clause or sentence boundary that fits with its period.
    let mut best: Option<String> = None;
    for (i, c) in line.char_indices() {
        if matches!(c, ',' | ';' | ':' | '.' | '!' | '?' | '—') && i > 0 {
            let prefix = line[..i].trim_end();
            let candidate = if matches!(c, '.' | '!' | '?') { format!("{prefix}{c}") } else { format!("{prefix}.") };
            if fits(&candidate) && prefix.split_whitespace().count() >= 3 {
                best = Some(candidate);
            }
        }
    }
    if let Some(b) = best {
        return b;
    }
    let mut out = String::new();
    for w in line.split_whitespace() {
        let next = if out.is_empty() { w.to_owned() } else { format!("{out} {w}") };
        if next.chars().count() + 1 > max {
            break;
        }
        out = next;
    }
    let out = out.trim_end_matches([',', ';', ':', '—', '-', ' ']).to_owned();
    if out.is_empty() { line.chars().take(max.saturating_sub(1)).collect::<String>() + "…" } else { format!("{out}…") }
}

/// Drops whole sentences from the end of the body until the draft has at most `max` words; the
/// first and the last paragraph are kept (a draft of one or two paragraphs is cut from the end of
/// its first paragraph's second sentence on, keeping the last paragraph).
pub(crate) fn cap_words(text: &str, max: usize) -> String {
    if text::word_count(text) <= max {
        return text.to_owned();
    }
    let paras: Vec<&str> = text::paragraphs(text);
    if paras.len() < 2 {
        return text.to_owned();
    }
    let (first, last) = (paras[0], paras[paras.len() - 1]);
    let mut body: Vec<Vec<&str>> =
        paras[1..paras.len() - 1].iter().map(|p| if text::is_prose(p) { text::sentences(p) } else { vec![*p] }).collect();
    let fixed = text::word_count(first) + text::word_count(last);
    let mut total = fixed + body.iter().flatten().map(|s| text::word_count(s)).sum::<usize>();
    while total > max {
        let Some(p) = body.iter_mut().rev().find(|p| !p.is_empty()) else { break };
        if let Some(s) = p.pop() {
            total -= text::word_count(s);
        }
    }
    let mut parts = vec![first.to_owned()];
    parts.extend(body.into_iter().filter(|p| !p.is_empty()).map(|p| p.join(" ")));
    parts.push(last.to_owned());
    parts.join("\n\n")
}

/// At most one blank line between paragraphs, no trailing spaces, no blank lines at the ends.
fn tidy_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.trim().split('\n') {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run == 1 {
                out.push('\n');
            }
        } else {
            blank_run = 0;
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::rules::Rule;
    use chrono::Utc;

    fn rules(kinds: Vec<RuleKind>) -> Vec<Rule> {
        kinds.into_iter().map(|k| Rule::written(None, k, Utc::now())).collect()
    }

    fn apply(text: &str, kinds: Vec<RuleKind>) -> String {
        apply_rules(text, ContentType::LinkedinPost, &rules(kinds))
    }

    #[test]
    fn deleting_a_phrase_tidies_spaces_commas_and_capitals() {
        let kinds = || vec![RuleKind::BannedPhrase { phrase: "basically".into() }, RuleKind::BannedPhrase { phrase: "really".into() }];
        assert_eq!(apply("Basically, we really grew.", kinds()), "We grew.");
        assert_eq!(apply("We grew, basically, by 3x. Really? Yes.", kinds()), "We grew, by 3x. Yes.");
        assert_eq!(apply("It was really, really good.", kinds()), "It was good.");
    }

    #[test]
    fn replacements_keep_the_case_of_the_first_letter() {
        let kinds = vec![RuleKind::Replacement { from: "gonna".into(), to: "going to".into() }];
        assert_eq!(apply("Gonna ship. We're gonna win. GONNA", kinds), "Going to ship. We're going to win. GOING TO");
    }

    #[test]
    fn emoji_hashtags_and_list_markers_go_and_emptied_lines_with_them() {
        let text = "🚀 Big news\n\n1. First point\n2) Second point\n\nTell me 👇\n\n#growth #saas";
        let out = apply(text, vec![RuleKind::NoEmoji, RuleKind::NoHashtags, RuleKind::NoNumberedLists]);
        assert_eq!(out, "Big news\n\nFirst point\nSecond point\n\nTell me");
    }

    #[test]
    fn the_closing_line_replaces_the_last_paragraph() {
        let kinds = || vec![RuleKind::ClosingLine { text: "What would you add?".into() }];
        assert_eq!(apply("Hook.\n\nBody.\n\nLet me know your thoughts!", kinds()), "Hook.\n\nBody.\n\nWhat would you add?");
        assert_eq!(apply("Only one paragraph.", kinds()), "Only one paragraph.\n\nWhat would you add?");
    }

    #[test]
    fn the_first_line_is_cut_at_a_clause_then_a_word() {
        let text = "We cut our trial from 30 days to 7, and conversions went up 38% in a quarter.\n\nMore.";
        assert_eq!(apply(text, vec![RuleKind::MaxFirstLineChars { max: 40 }]), "We cut our trial from 30 days to 7.\n\nMore.");
        let text = "Pricing pages convert better when they show the annual discount first\n\nMore.";
        let out = apply(text, vec![RuleKind::MaxFirstLineChars { max: 30 }]);
        assert_eq!(out, "Pricing pages convert better…\n\nMore.");
        assert!(text::first_line(&out).chars().count() <= 30);
    }

    #[test]
    fn the_word_cap_drops_body_sentences_from_the_end_and_keeps_hook_and_close() {
        let text = "Hook line here.\n\nOne two three. Four five six. Seven eight nine.\n\nTen eleven twelve.\n\nClose with this.";
        let out = apply(text, vec![RuleKind::MaxWords { max: 12 }]);
        assert_eq!(out, "Hook line here.\n\nOne two three. Four five six.\n\nClose with this.");
        assert!(text::word_count(&out) <= 12);
    }

    #[test]
    fn long_paragraphs_are_split_but_headings_quotes_and_lists_are_not() {
        let text = "One here. Two here. Three here.\n\n> Quote one. Quote two.\n\n## Head. Two.";
        let out = apply(text, vec![RuleKind::MaxSentencesPerParagraph { max: 2 }]);
        assert_eq!(out, "One here. Two here.\n\nThree here.\n\n> Quote one. Quote two.\n\n## Head. Two.");
    }

    #[derive(Debug)]
    struct Fixed;

    #[async_trait]
    impl ContentGenerator for Fixed {
        fn model(&self) -> &str {
            "fixed"
        }
        async fn generate(&self, req: GenerationRequest) -> Result<Generation> {
            let draft = crate::generate::Draft { title: None, content: "🚀 We grew.\n\nThoughts?".into(), format: None };
            Ok(Generation { drafts: vec![draft; req.count as usize], usage: Default::default(), model: "fixed".into() })
        }
    }

    #[tokio::test]
    async fn a_wrapped_generator_follows_the_rules_in_force() {
        let rules = ActiveRules::default();
        let g = RuleApplyingGenerator::new(Arc::new(Fixed), rules.clone());
        let req = GenerationRequest {
            content_type: ContentType::LinkedinPost,
            count: 2,
            system: vec![],
            instruction: String::new(),
            source_text: "x".into(),
            source_title: None,
            max_tokens: None,
        };
        assert_eq!(g.generate(req.clone()).await.unwrap().drafts[0].content, "🚀 We grew.\n\nThoughts?");
        rules.replace(vec![
            Rule::written(None, RuleKind::NoEmoji, Utc::now()),
            Rule::written(None, RuleKind::ClosingLine { text: "Reply.".into() }, Utc::now()),
        ]);
        let out = g.generate(req).await.unwrap();
        assert_eq!(g.model(), "fixed");
        assert!(out.drafts.iter().all(|d| d.content == "We grew.\n\nReply."), "{out:?}");
    }

    #[test]
    fn applying_twice_changes_nothing_more_and_inactive_or_other_type_rules_are_skipped() {
        let text = "🚀 Basically, we're gonna grow. #growth\n\n1. A really long point. Another one. And one more.\n\nThoughts?";
        let kinds = vec![
            RuleKind::BannedPhrase { phrase: "basically".into() },
            RuleKind::Replacement { from: "gonna".into(), to: "going to".into() },
            RuleKind::NoEmoji,
            RuleKind::NoHashtags,
            RuleKind::NoNumberedLists,
            RuleKind::MaxSentencesPerParagraph { max: 1 },
            RuleKind::ClosingLine { text: "Reply with yours.".into() },
            RuleKind::MaxFirstLineChars { max: 25 },
            RuleKind::MaxWords { max: 14 },
        ];
        let once = apply(text, kinds.clone());
        assert_eq!(apply(&once, kinds), once);
        let mut proposed = rules(vec![RuleKind::NoEmoji]);
        proposed[0].status = crate::learn::RuleStatus::Proposed;
        assert_eq!(apply_rules(text, ContentType::LinkedinPost, &proposed), text);
        let newsletter_only = vec![Rule::written(Some(ContentType::Newsletter), RuleKind::NoEmoji, Utc::now())];
        assert_eq!(apply_rules(text, ContentType::LinkedinPost, &newsletter_only), text);
    }
}
