//! [`LearnedPhraseGate`]: the slop gate, with the phrases reviewers delete or replace.
//!
//! It wraps the built-in slop gate (same name, `slop`, so a draft still has one slop verdict) and
//! adds a finding for every whole-word, case-insensitive occurrence of an active learned phrase
//! ([`slop_phrases`] of the rules in force for the draft's type), with its own message naming the
//! rule: `reviewers delete "really" (learned rule)`, or `reviewers write 'going to' instead of
//! "gonna" (learned rule)`. A learned phrase fails the draft like a strong slop phrase does.

use std::sync::Arc;

use async_trait::async_trait;

use super::rules::slop_phrases;
use super::service::RuleSource;
use crate::Result;
use crate::domain::{Finding, FindingSeverity, Verdict};
use crate::quality::{DraftUnderReview, QualityGate};

/// The slop gate with learned phrases (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct LearnedPhraseGate {
    inner: Arc<dyn QualityGate>,
    rules: Arc<dyn RuleSource>,
}

impl LearnedPhraseGate {
    /// `inner` (the slop gate) plus the active phrase rules read from `rules` at each check.
    pub fn new(inner: Arc<dyn QualityGate>, rules: Arc<dyn RuleSource>) -> Self {
        Self { inner, rules }
    }
}

/// Byte ranges of whole-word, ASCII-case-insensitive occurrences of `phrase` in `text`.
fn occurrences(text: &str, phrase: &str) -> Vec<(usize, usize)> {
    let hay = text.to_ascii_lowercase();
    let needle = phrase.trim().to_ascii_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '\'' || c == '’');
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = hay[from..].find(&needle) {
        let (a, b) = (from + i, from + i + needle.len());
        if !is_word(hay[..a].chars().next_back()) && !is_word(hay[b..].chars().next()) {
            out.push((a, b));
        }
        from = a + hay[a..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

#[async_trait]
impl QualityGate for LearnedPhraseGate {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict> {
        let mut verdict = self.inner.check(draft).await?;
        let rules = self.rules.active_rules().await?;
        let mut learned = Vec::new();
        for p in slop_phrases(&rules, Some(draft.content_type)) {
            let message = match &p.suggestion {
                Some(s) => format!("reviewers write {s} instead of \"{}\" (learned rule)", p.phrase),
                None => format!("reviewers delete \"{}\" (learned rule)", p.phrase),
            };
            for (a, b) in occurrences(&draft.content, &p.phrase) {
                learned.push(Finding {
                    check: verdict.gate.clone(),
                    span: [a, b],
                    text: draft.content[a..b].to_owned(),
                    message: message.clone(),
                    severity: FindingSeverity::Error,
                });
            }
        }
        if !learned.is_empty() {
            verdict.passed = false;
            verdict.findings.extend(learned);
            verdict.findings.sort_by_key(|f| f.span);
        }
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContentType;
    use crate::learn::{ActiveRules, Rule, RuleKind};
    use crate::quality::slop::SlopChecker;

    fn gate(rules: Vec<Rule>) -> LearnedPhraseGate {
        let slop: Arc<dyn QualityGate> = Arc::new(SlopChecker::with_defaults().unwrap());
        LearnedPhraseGate::new(slop, Arc::new(ActiveRules::new(rules)))
    }

    fn draft(t: ContentType, text: &str) -> DraftUnderReview {
        DraftUnderReview { content_type: t, title: None, content: text.into() }
    }

    #[tokio::test]
    async fn a_learned_phrase_fails_the_slop_gate_with_its_own_message() {
        let now = chrono::Utc::now();
        let g = gate(vec![
            Rule::written(None, RuleKind::BannedPhrase { phrase: "really".into() }, now),
            Rule::written(Some(ContentType::Newsletter), RuleKind::Replacement { from: "gonna".into(), to: "going to".into() }, now),
        ]);
        let text = "We Really grew. Nobody is gonna stop a really good team, not surreally.";
        let v = g.check(&draft(ContentType::Newsletter, text)).await.unwrap();
        assert_eq!(v.gate, "slop");
        assert!(!v.passed);
        let learned: Vec<(&str, &str)> =
            v.findings.iter().filter(|f| f.message.ends_with("(learned rule)")).map(|f| (f.text.as_str(), f.message.as_str())).collect();
        assert_eq!(
            learned,
            vec![
                ("Really", "reviewers delete \"really\" (learned rule)"),
                ("gonna", "reviewers write 'going to' instead of \"gonna\" (learned rule)"),
                ("really", "reviewers delete \"really\" (learned rule)"),
            ]
        );
        for f in &v.findings {
            assert_eq!(&text[f.span[0]..f.span[1]], f.text);
        }
        // The replacement is for newsletters only.
        let post = g.check(&draft(ContentType::LinkedinPost, "Nobody is gonna stop us.")).await.unwrap();
        assert!(post.passed, "{post:?}");
    }

    #[tokio::test]
    async fn without_active_phrase_rules_the_verdict_is_the_slop_gates() {
        let now = chrono::Utc::now();
        let proposed = Rule::proposed(None, RuleKind::BannedPhrase { phrase: "really".into() }, 3, 1.0, vec![], now);
        let text = "We really grew revenue by 38% after we cut the free plan.";
        let plain = SlopChecker::with_defaults().unwrap().check(&draft(ContentType::LinkedinPost, text)).await.unwrap();
        assert_eq!(gate(vec![proposed]).check(&draft(ContentType::LinkedinPost, text)).await.unwrap(), plain);
    }
}
