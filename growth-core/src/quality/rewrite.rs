//! The rewrite loop: check a draft with every gate; while one fails, ask the generator for a
//! rewrite built from the findings (the PRD's humanize techniques plus each finding's "what to
//! change"), and check again — at most `max_rewrites` times (3 by default).
//!
//! Every attempt is kept with its verdicts. The best attempt wins (all gates passed, else the
//! fewest failing gates, then the highest AI-likeness score, earliest on ties). A draft that
//! still fails after the last rewrite is returned **flagged** for a careful review — never dropped.
//! A generator error during a rewrite ends the loop with the attempts so far (also flagged);
//! a gate error is returned (a gate that cannot run must not count as passed).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{DraftUnderReview, QualityGate};
use crate::domain::{ContentType, QualityMetrics, Verdict};
use crate::generate::{ContentGenerator, Draft, GenerationRequest, PromptBlock, Usage};
use crate::{Error, Result};

/// The PRD's humanize techniques, sent with every rewrite.
pub const HUMANIZE_TECHNIQUES: &str = "Rewrite this draft so it reads as written by a person, keeping its facts, quotes and point.\n\
Techniques:\n\
- Vary sentence length (mix short and long)\n\
- Use contractions (it's, you're, don't)\n\
- Add personal touches (stories, examples) from the source, never invented ones\n\
- Use a rhetorical question where it helps\n\
- Natural transitions, not formulaic ones\n\
- Unexpected, concrete word choices instead of stock phrases";

/// One checked version of the draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 0 for the original, then 1, 2, 3 for the rewrites.
    pub attempt: u32,
    /// The text checked.
    pub draft: Draft,
    /// Every gate's verdict.
    pub verdicts: Vec<Verdict>,
    /// Whether every gate passed.
    pub passed: bool,
}

/// What the loop ends with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reviewed {
    /// The chosen draft.
    pub draft: Draft,
    /// Which attempt it is.
    pub chosen: u32,
    /// Every attempt, in order.
    pub attempts: Vec<Attempt>,
    /// Scores and verdicts of the chosen draft, `flagged` when it still fails a gate.
    pub metrics: QualityMetrics,
    /// Tokens the rewrites used.
    pub usage: Usage,
    /// Why the loop stopped early, when a rewrite failed.
    pub rewrite_error: Option<String>,
}

/// Runs gates and rewrites.
#[derive(Clone, Debug)]
pub struct RewriteLoop {
    gates: Vec<Arc<dyn QualityGate>>,
    generator: Option<Arc<dyn ContentGenerator>>,
    max_rewrites: u32,
}

/// Scores and verdicts of one checked draft, as stored on a content item.
pub fn metrics_of(verdicts: &[Verdict]) -> QualityMetrics {
    let ai = verdicts.iter().find(|v| v.gate == "ai_likeness");
    let icp = verdicts.iter().find(|v| v.gate == "icp");
    QualityMetrics {
        ai_detection_score: ai.and_then(|v| v.score),
        ai_detection_passed: ai.map(|v| v.passed),
        icp_score: icp.and_then(|v| v.score).map(|s| s.round() as i32),
        icp_passed: icp.and_then(|v| v.score.map(|_| v.passed)),
        verdicts: verdicts.to_vec(),
        flagged: !verdicts.iter().all(|v| v.passed),
    }
}

/// The instruction of a rewrite: the techniques and each failing finding.
pub fn rewrite_instruction(content_type: ContentType, draft: &Draft, failing: &[&Verdict]) -> String {
    let mut out = String::from(HUMANIZE_TECHNIQUES);
    out.push_str(&format!("\n\nThis is a {content_type}. Fix these problems:\n"));
    for v in failing {
        if v.findings.is_empty() {
            out.push_str(&format!("- {}: failed{}\n", v.gate, v.score.map(|s| format!(" (score {s:.2})")).unwrap_or_default()));
        }
        for f in v.findings.iter().take(12) {
            if f.text.is_empty() {
                out.push_str(&format!("- {}: {}\n", f.check, f.message));
            } else {
                out.push_str(&format!("- {}: \"{}\" — {}\n", f.check, f.text, f.message));
            }
        }
    }
    out.push_str("\nReturn exactly one draft.\n\nThe draft:\n");
    if let Some(t) = &draft.title {
        out.push_str(&format!("# {t}\n\n"));
    }
    out.push_str(&draft.content);
    out
}

impl RewriteLoop {
    /// A loop over `gates`; without a generator it only checks (no rewrites).
    pub fn new(gates: Vec<Arc<dyn QualityGate>>, generator: Option<Arc<dyn ContentGenerator>>) -> Self {
        Self { gates, generator, max_rewrites: 3 }
    }

    /// At most `n` rewrites (0 only checks).
    pub fn max_rewrites(mut self, n: u32) -> Self {
        self.max_rewrites = n;
        self
    }

    /// Every gate's verdict on a draft, in gate order.
    pub async fn check(&self, draft: &DraftUnderReview) -> Result<Vec<Verdict>> {
        let mut out = Vec::with_capacity(self.gates.len());
        for gate in &self.gates {
            out.push(gate.check(draft).await?);
        }
        Ok(out)
    }

    /// Checks `draft`, rewriting while a gate fails. `system` is the stable prompt prefix of the
    /// draft's generation (voice, knowledge, transcript), reused so rewrites hit the prompt cache;
    /// `source_text` is what the offline generator works from.
    pub async fn run(&self, content_type: ContentType, draft: Draft, system: &[PromptBlock], source_text: &str) -> Result<Reviewed> {
        if draft.content.trim().is_empty() {
            return Err(Error::invalid_field("content", "the draft is empty"));
        }
        let mut attempts = Vec::new();
        let mut usage = Usage::default();
        let mut current = draft;
        let mut rewrite_error = None;
        for n in 0..=self.max_rewrites {
            let under = DraftUnderReview { content_type, title: current.title.clone(), content: current.content.clone() };
            let verdicts = self.check(&under).await?;
            let passed = verdicts.iter().all(|v| v.passed);
            attempts.push(Attempt { attempt: n, draft: current.clone(), verdicts: verdicts.clone(), passed });
            if passed || n == self.max_rewrites {
                break;
            }
            let Some(generator) = &self.generator else { break };
            let failing: Vec<&Verdict> = verdicts.iter().filter(|v| !v.passed).collect();
            let req = GenerationRequest {
                content_type,
                count: 1,
                system: system.to_vec(),
                instruction: rewrite_instruction(content_type, &current, &failing),
                source_text: source_text.to_owned(),
                source_title: current.title.clone(),
                max_tokens: None,
            };
            match generator.generate(req).await {
                Ok(g) => {
                    usage += g.usage;
                    match g.drafts.into_iter().find(|d| !d.content.trim().is_empty()) {
                        Some(d) if d.content == current.content => {
                            // An extractive generator ignores the instruction: no progress is possible.
                            rewrite_error = Some(format!("{} returned the same draft; nothing more to rewrite", generator.model()));
                            break;
                        }
                        Some(mut d) => {
                            if d.format.is_none() {
                                d.format = current.format.clone();
                            }
                            current = d;
                        }
                        None => {
                            rewrite_error = Some(format!("{} returned no rewrite", generator.model()));
                            break;
                        }
                    }
                }
                Err(e) => {
                    rewrite_error = Some(format!("rewrite {} failed: {e}", n + 1));
                    break;
                }
            }
        }
        let best = best_attempt(&attempts).ok_or_else(|| Error::internal_msg("the rewrite loop checked nothing"))?;
        let chosen = &attempts[best];
        let metrics = metrics_of(&chosen.verdicts);
        Ok(Reviewed { draft: chosen.draft.clone(), chosen: chosen.attempt, metrics, usage, rewrite_error, attempts })
    }
}

fn best_attempt(attempts: &[Attempt]) -> Option<usize> {
    let key = |a: &Attempt| {
        let failing = a.verdicts.iter().filter(|v| !v.passed).count();
        let ai = a.verdicts.iter().find(|v| v.gate == "ai_likeness").and_then(|v| v.score).unwrap_or(0.0);
        (failing, -ai)
    };
    let mut best: Option<usize> = None;
    for (i, a) in attempts.iter().enumerate() {
        match best {
            None => best = Some(i),
            Some(b) => {
                let (fa, aa) = key(a);
                let (fb, ab) = key(&attempts[b]);
                if fa < fb || (fa == fb && aa < ab) {
                    best = Some(i);
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::domain::Finding;
    use crate::generate::Generation;
    use crate::quality::{QualityConfig, builtin_gates};

    /// Passes only drafts that do not contain "delve".
    #[derive(Debug)]
    struct NoDelve;

    #[async_trait]
    impl QualityGate for NoDelve {
        fn name(&self) -> &'static str {
            "slop"
        }
        async fn check(&self, d: &DraftUnderReview) -> Result<Verdict> {
            let findings: Vec<Finding> = d
                .content
                .match_indices("delve")
                .map(|(i, m)| Finding {
                    check: "slop".into(),
                    span: [i, i + m.len()],
                    text: m.into(),
                    message: "say what you mean".into(),
                    severity: Default::default(),
                })
                .collect();
            Ok(Verdict { gate: "slop".into(), passed: findings.is_empty(), score: None, findings })
        }
    }

    /// Returns scripted rewrites and records the instructions it got.
    #[derive(Debug)]
    struct Scripted {
        answers: Mutex<Vec<Result<String>>>,
        seen: Mutex<Vec<GenerationRequest>>,
    }

    impl Scripted {
        fn new(answers: Vec<Result<String>>) -> Arc<Self> {
            Arc::new(Self { answers: Mutex::new(answers.into_iter().rev().collect()), seen: Mutex::new(Vec::new()) })
        }
    }

    #[async_trait]
    impl ContentGenerator for Scripted {
        fn model(&self) -> &str {
            "scripted"
        }
        async fn generate(&self, req: GenerationRequest) -> Result<Generation> {
            self.seen.lock().unwrap().push(req);
            let next = self.answers.lock().unwrap().pop().unwrap_or_else(|| Ok("delve again".into()))?;
            let usage = Usage { input_tokens: 10, output_tokens: 5, ..Usage::default() };
            Ok(Generation { drafts: vec![Draft { title: None, content: next, format: None }], usage, model: "scripted".into() })
        }
    }

    fn draft(text: &str) -> Draft {
        Draft { title: Some("T".into()), content: text.into(), format: Some("insight".into()) }
    }

    #[tokio::test]
    async fn a_passing_draft_is_checked_once_and_not_rewritten() {
        let g = Scripted::new(vec![]);
        let r = RewriteLoop::new(vec![Arc::new(NoDelve)], Some(g.clone()))
            .run(ContentType::LinkedinPost, draft("plain words"), &[], "")
            .await
            .unwrap();
        assert_eq!((r.attempts.len(), r.chosen, r.metrics.flagged), (1, 0, false));
        assert!(g.seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_failing_draft_is_rewritten_from_its_findings_until_it_passes() {
        let g = Scripted::new(vec![Ok("still delve".into()), Ok("plain words now".into())]);
        let system = vec![PromptBlock { text: "voice".into(), cacheable: true }];
        let r = RewriteLoop::new(vec![Arc::new(NoDelve)], Some(g.clone()))
            .run(ContentType::LinkedinPost, draft("we delve into it"), &system, "source")
            .await
            .unwrap();
        assert_eq!(r.attempts.len(), 3);
        assert_eq!((r.chosen, r.draft.content.as_str()), (2, "plain words now"));
        assert!(!r.metrics.flagged);
        assert_eq!(r.draft.format.as_deref(), Some("insight"), "the format carries over");
        assert_eq!(r.usage.input_tokens, 20);
        let seen = g.seen.lock().unwrap();
        assert!(seen[0].instruction.contains("\"delve\" — say what you mean"), "{}", seen[0].instruction);
        assert!(seen[0].instruction.contains("Use contractions"));
        assert!(seen[0].instruction.ends_with("we delve into it"));
        assert_eq!(seen[0].system, system, "rewrites reuse the cached prefix");
    }

    #[tokio::test]
    async fn the_loop_stops_after_three_rewrites_keeps_every_attempt_and_flags_the_item() {
        let g = Scripted::new(vec![Ok("delve 1".into()), Ok("delve delve 2".into()), Ok("delve 3".into()), Ok("never asked".into())]);
        let r = RewriteLoop::new(vec![Arc::new(NoDelve)], Some(g.clone()))
            .run(ContentType::Newsletter, draft("delve 0"), &[], "")
            .await
            .unwrap();
        assert_eq!(r.attempts.len(), 4, "the original and three rewrites");
        assert_eq!(g.seen.lock().unwrap().len(), 3);
        assert!(r.attempts.iter().all(|a| !a.passed));
        assert!(r.metrics.flagged);
        assert_eq!(r.attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    }

    #[tokio::test]
    async fn a_generator_failure_keeps_the_attempts_so_far_and_flags() {
        let g = Scripted::new(vec![Err(Error::transient("model overloaded"))]);
        let r = RewriteLoop::new(vec![Arc::new(NoDelve)], Some(g)).run(ContentType::LinkedinPost, draft("delve"), &[], "").await.unwrap();
        assert_eq!(r.attempts.len(), 1);
        assert!(r.metrics.flagged);
        assert!(r.rewrite_error.unwrap().contains("model overloaded"));
    }

    #[tokio::test]
    async fn metrics_carry_the_ai_and_icp_scores_of_the_chosen_draft() {
        let gates = builtin_gates(&QualityConfig::default()).unwrap();
        let r = RewriteLoop::new(gates, None)
            .run(ContentType::LinkedinPost, draft("In today's fast-paced world, let's delve into the game-changer."), &[], "")
            .await
            .unwrap();
        assert_eq!(r.attempts.len(), 1, "no generator: check only");
        assert!(r.metrics.flagged);
        assert!(r.metrics.ai_detection_score.is_some() && r.metrics.ai_detection_passed.is_some());
        assert_eq!(r.metrics.icp_score, None);
        assert_eq!(r.metrics.verdicts.len(), 6, "one per built-in gate");
    }
}
