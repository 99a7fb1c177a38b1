//! Ideal-customer fit: a 0–100 score with the PRD's weights, each part explained.
//!
//! | part | points | what earns them |
//! |---|---|---|
//! | language | 25 | the profile's own phrases (`language_patterns`) used in the draft |
//! | pain points | 25 | the profile's `pain_points` and `objections` addressed |
//! | tone | 20 | talks to the reader (`you`), contractions, no hype words, sentences of 8–22 words |
//! | technical level | 15 | Flesch–Kincaid grade in the band for the profile's role (technical roles read higher) |
//! | CTA | 15 | the close asks for one clear action (the [`cta`](super::cta) check) |
//!
//! A phrase counts as used when at least 60 % of its content words (4+ letters, crude stemming)
//! appear in the draft; three matches earn the full language or pain-point points. Which
//! profiles to score against comes from the vector store ([`IcpScorer`]): the profiles closest to
//! the draft, scored one by one, best kept. The pure part is [`score_against`].

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::cta::CtaCheck;
use super::{DraftUnderReview, QualityGate};
use crate::domain::{Finding, FindingSeverity, IcpProfile, IcpProfileId, Verdict};
use crate::knowledge::{KindFilter, Retriever};
use crate::store::KnowledgeStore;
use crate::{Error, Result};

/// Points per part (the PRD's weights by default; they need not sum to 100, the score is scaled).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IcpWeights {
    /// The profile's phrases.
    pub language: f64,
    /// Pain points and objections.
    pub pain_points: f64,
    /// Tone.
    pub tone: f64,
    /// Technical level.
    pub technical_level: f64,
    /// Call to action.
    pub cta: f64,
}

impl Default for IcpWeights {
    fn default() -> Self {
        Self { language: 25.0, pain_points: 25.0, tone: 20.0, technical_level: 15.0, cta: 15.0 }
    }
}

/// Settings of the ICP score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IcpConfig {
    /// Points per part.
    pub weights: IcpWeights,
    /// Score (0–100) a draft needs to pass (default 60).
    pub threshold: f64,
    /// Profiles retrieved per draft (default 3).
    pub profiles: usize,
}

impl Default for IcpConfig {
    fn default() -> Self {
        Self { weights: IcpWeights::default(), threshold: 60.0, profiles: 3 }
    }
}

impl IcpConfig {
    /// `InvalidInput` for negative weights, a zero total, a threshold outside 0–100 or no profiles.
    pub fn validate(&self) -> Result<()> {
        let w = self.weights;
        let all = [w.language, w.pain_points, w.tone, w.technical_level, w.cta];
        if all.iter().any(|x| !x.is_finite() || *x < 0.0) || all.iter().sum::<f64>() <= 0.0 {
            return Err(Error::invalid_field("icp.weights", "weights must be non-negative and not all zero"));
        }
        if !(0.0..=100.0).contains(&self.threshold) {
            return Err(Error::invalid_field("icp.threshold", "between 0 and 100"));
        }
        if self.profiles == 0 || self.profiles > 50 {
            return Err(Error::invalid_field("icp.profiles", "between 1 and 50"));
        }
        Ok(())
    }
}

/// One part of the score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IcpPart {
    /// `language`, `pain_points`, `tone`, `technical_level` or `cta`.
    pub part: String,
    /// Points earned.
    pub points: f64,
    /// Points available.
    pub max: f64,
    /// What matched (phrases, pain points) or was measured.
    pub matched: Vec<String>,
    /// Why, for a person.
    pub explanation: String,
}

/// The ICP score of a draft against one profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IcpScore {
    /// 0–100.
    pub score: i32,
    /// Whether it reaches the threshold.
    pub passed: bool,
    /// The profile scored against.
    pub profile_id: IcpProfileId,
    /// The profile's role, when it has one.
    pub profile_role: Option<String>,
    /// The parts, in the table's order.
    pub parts: Vec<IcpPart>,
}

const STOP: &[&str] = &[
    "that", "this", "with", "from", "have", "they", "them", "their", "what", "when", "which", "will", "would", "there", "about", "into",
    "your", "more", "than", "then", "just", "like", "been", "were", "does", "doing", "very", "really", "also", "some", "much", "many",
    "only", "over", "need", "needs", "want", "make", "made", "getting",
];

const HYPE: &[&str] = &[
    "revolutionary",
    "game-changer",
    "game-changing",
    "synergy",
    "cutting-edge",
    "seamless",
    "seamlessly",
    "unlock",
    "unleash",
    "supercharge",
    "world-class",
    "best-in-class",
    "disruptive",
    "paradigm",
    "leverage",
    "robust",
    "holistic",
];

const TECHNICAL_ROLES: &[&str] =
    &["engineer", "developer", "cto", "architect", "data", "devops", "technical", "scientist", "it ", "security", "platform"];

fn stem(w: &str) -> String {
    let w = w.to_lowercase();
    for suffix in ["ing", "ed", "es", "s", "ly"] {
        if w.len() > suffix.len() + 3
            && let Some(s) = w.strip_suffix(suffix)
        {
            return s.to_owned();
        }
    }
    w
}

fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-'))
        .filter(|w| w.chars().count() >= 4 && !STOP.contains(&w.to_lowercase().as_str()))
        .map(stem)
        .collect()
}

/// The phrases of `phrases` whose content words are mostly (≥ 60 %) in `vocab`.
fn matched<'a>(phrases: impl IntoIterator<Item = &'a String>, vocab: &HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for p in phrases {
        let words: HashSet<String> = content_words(p).into_iter().collect();
        if words.is_empty() {
            continue;
        }
        let hit = words.iter().filter(|w| vocab.contains(*w)).count();
        if hit as f64 / words.len() as f64 >= 0.6 && !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

fn syllables(word: &str) -> usize {
    let w: Vec<char> = word.to_lowercase().chars().filter(|c| c.is_alphabetic()).collect();
    if w.is_empty() {
        return 0;
    }
    let vowel = |c: char| "aeiouy".contains(c);
    let mut count = 0;
    let mut prev = false;
    for &c in &w {
        let v = vowel(c);
        if v && !prev {
            count += 1;
        }
        prev = v;
    }
    if w.len() > 2 && w[w.len() - 1] == 'e' && !vowel(w[w.len() - 2]) && count > 1 {
        count -= 1;
    }
    count.max(1)
}

/// Words and sentence lengths (in words) of a text.
fn sentence_lengths(text: &str) -> Vec<usize> {
    text.split(['.', '!', '?', '\n'])
        .map(|s| s.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count())
        .filter(|n| *n > 0)
        .collect()
}

/// Flesch–Kincaid grade level.
fn grade(text: &str) -> Option<f64> {
    let lens = sentence_lengths(text);
    let words: Vec<&str> = text.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).collect();
    if lens.is_empty() || words.len() < 20 {
        return None;
    }
    let syl: usize = words.iter().map(|w| syllables(w)).sum();
    Some(0.39 * (words.len() as f64 / lens.len() as f64) + 11.8 * (syl as f64 / words.len() as f64) - 15.59)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Scores `text` against one profile. `cta_clear` says whether the close asks for one clear action.
pub fn score_against(text: &str, profile: &IcpProfile, cta_clear: bool, config: &IcpConfig) -> IcpScore {
    let w = config.weights;
    let vocab: HashSet<String> = content_words(text).into_iter().collect();
    let lower = text.to_lowercase();
    let mut parts = Vec::new();

    let lang = matched(&profile.language_patterns, &vocab);
    let lang_target = profile.language_patterns.len().min(3);
    let lang_points = if lang_target == 0 { 0.0 } else { w.language * (lang.len().min(lang_target) as f64 / lang_target as f64) };
    parts.push(IcpPart {
        part: "language".into(),
        points: round1(lang_points),
        max: w.language,
        explanation: if lang_target == 0 {
            "the profile lists no phrases of its own".into()
        } else if lang.is_empty() {
            "uses none of the customer's own phrases; borrow their words".into()
        } else {
            format!("uses {} of the customer's phrases", lang.len())
        },
        matched: lang,
    });

    let pains: Vec<String> = profile.pain_points.iter().chain(&profile.objections).cloned().collect();
    let pain = matched(&pains, &vocab);
    let pain_target = pains.len().min(3);
    let pain_points = if pain_target == 0 { 0.0 } else { w.pain_points * (pain.len().min(pain_target) as f64 / pain_target as f64) };
    parts.push(IcpPart {
        part: "pain_points".into(),
        points: round1(pain_points),
        max: w.pain_points,
        explanation: if pain_target == 0 {
            "the profile lists no pain points".into()
        } else if pain.is_empty() {
            "addresses none of the customer's pain points or objections".into()
        } else {
            format!("addresses {} pain point(s) or objection(s)", pain.len())
        },
        matched: pain,
    });

    // Tone: four equal checks.
    let words: Vec<&str> =
        lower.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-')).filter(|s| !s.is_empty()).collect();
    let you = words.iter().filter(|x| matches!(**x, "you" | "your" | "you're" | "you’re" | "yours")).count();
    let contractions = words.iter().filter(|x| x.contains('\'') || x.contains('’')).count();
    let hype: Vec<String> = HYPE.iter().filter(|h| words.contains(h)).map(|h| (*h).to_owned()).collect();
    let lens = sentence_lengths(text);
    let avg = if lens.is_empty() { 0.0 } else { lens.iter().sum::<usize>() as f64 / lens.len() as f64 };
    let checks = [you > 0, contractions > 0, hype.is_empty(), (8.0..=22.0).contains(&avg)];
    let tone_points = w.tone * checks.iter().filter(|c| **c).count() as f64 / checks.len() as f64;
    let mut missing = Vec::new();
    if !checks[0] {
        missing.push("speak to the reader (\"you\")".to_owned());
    }
    if !checks[1] {
        missing.push("use contractions".to_owned());
    }
    if !checks[2] {
        missing.push(format!("drop hype words ({})", hype.join(", ")));
    }
    if !checks[3] {
        missing.push(format!("aim for 8–22 words a sentence (now {avg:.0})"));
    }
    parts.push(IcpPart {
        part: "tone".into(),
        points: round1(tone_points),
        max: w.tone,
        matched: hype,
        explanation: if missing.is_empty() { "conversational and direct".into() } else { missing.join("; ") },
    });

    // Technical level.
    let role = profile.role.clone().unwrap_or_default().to_lowercase();
    let technical = TECHNICAL_ROLES.iter().any(|r| format!("{role} ").contains(r));
    let (lo, hi) = if technical { (9.0, 14.0) } else { (6.0, 11.0) };
    let (tech_points, tech_expl) = match grade(text) {
        Some(g) => {
            let off = if g < lo {
                lo - g
            } else if g > hi {
                g - hi
            } else {
                0.0
            };
            let pts = (w.technical_level - off * w.technical_level / 5.0).max(0.0);
            let expl = if off == 0.0 {
                format!("reads at grade {g:.1}, within {lo:.0}–{hi:.0} for this reader")
            } else if g > hi {
                format!("reads at grade {g:.1}, above {lo:.0}–{hi:.0}: shorter sentences, plainer words")
            } else {
                format!("reads at grade {g:.1}, below {lo:.0}–{hi:.0}: add specifics this reader expects")
            };
            (pts, expl)
        }
        None => (w.technical_level / 2.0, "too short to measure the reading level".to_owned()),
    };
    parts.push(IcpPart {
        part: "technical_level".into(),
        points: round1(tech_points),
        max: w.technical_level,
        matched: Vec::new(),
        explanation: tech_expl,
    });

    parts.push(IcpPart {
        part: "cta".into(),
        points: if cta_clear { w.cta } else { 0.0 },
        max: w.cta,
        matched: Vec::new(),
        explanation: if cta_clear {
            "the close asks for one clear action".into()
        } else {
            "end with one clear action for this reader".into()
        },
    });

    let total: f64 = parts.iter().map(|p| p.max).sum();
    let earned: f64 = parts.iter().map(|p| p.points).sum();
    let score = if total > 0.0 { (earned / total * 100.0).round().clamp(0.0, 100.0) } else { 0.0 };
    IcpScore { score: score as i32, passed: score >= config.threshold, profile_id: profile.id, profile_role: profile.role.clone(), parts }
}

/// Scores drafts against the ICP profiles closest to them in the vector store.
#[derive(Clone, Debug)]
pub struct IcpScorer {
    retriever: Retriever,
    store: Arc<dyn KnowledgeStore>,
    cta: Arc<CtaCheck>,
    config: IcpConfig,
}

impl IcpScorer {
    /// A scorer; `InvalidInput` for a bad configuration.
    pub fn new(retriever: Retriever, store: Arc<dyn KnowledgeStore>, cta: Arc<CtaCheck>, config: IcpConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { retriever, store, cta, config })
    }

    /// The configuration.
    pub fn config(&self) -> &IcpConfig {
        &self.config
    }

    /// The best score of `text` over the closest profiles, or `None` when there are no profiles.
    pub async fn score(&self, text: &str) -> Result<Option<IcpScore>> {
        if text.trim().is_empty() {
            return Err(Error::invalid_field("content", "the draft is empty"));
        }
        let hits = self.retriever.retrieve(text, Some(KindFilter::Icp), self.config.profiles).await?;
        let cta_clear = self.cta.findings(text).is_empty();
        let mut best: Option<IcpScore> = None;
        for hit in hits {
            let Ok(id) = hit.item_id.parse::<IcpProfileId>() else { continue };
            let profile = match self.store.get_icp_profile(id).await {
                Ok(p) => p,
                Err(Error::NotFound { .. }) => continue, // deleted since it was indexed
                Err(e) => return Err(e),
            };
            let s = score_against(text, &profile, cta_clear, &self.config);
            if best.as_ref().is_none_or(|b| s.score > b.score) {
                best = Some(s);
            }
        }
        Ok(best)
    }
}

/// The `icp` gate: passes at or above the threshold; without any ICP profile it passes with no
/// score (there is nothing to fit). Its findings name the weak parts and what to change.
#[derive(Clone, Debug)]
pub struct IcpGate {
    scorer: IcpScorer,
}

impl IcpGate {
    /// The gate around a scorer.
    pub fn new(scorer: IcpScorer) -> Self {
        Self { scorer }
    }
}

/// Findings for the parts that earned under 60 % of their points.
pub fn icp_findings(score: &IcpScore) -> Vec<Finding> {
    score
        .parts
        .iter()
        .filter(|p| p.max > 0.0 && p.points < 0.6 * p.max)
        .map(|p| Finding {
            check: "icp".into(),
            span: [0, 0],
            text: String::new(),
            message: format!("{} {:.0}/{:.0}: {}", p.part.replace('_', " "), p.points, p.max, p.explanation),
            severity: FindingSeverity::Error,
        })
        .collect()
}

/// The `icp` verdict of a score (`None`: no profiles, passes with no score).
pub fn icp_verdict(score: Option<&IcpScore>) -> Verdict {
    match score {
        Some(s) => Verdict { gate: "icp".into(), passed: s.passed, score: Some(f64::from(s.score)), findings: icp_findings(s) },
        None => Verdict { gate: "icp".into(), passed: true, score: None, findings: Vec::new() },
    }
}

#[async_trait]
impl QualityGate for IcpGate {
    fn name(&self) -> &'static str {
        "icp"
    }

    async fn check(&self, draft: &DraftUnderReview) -> Result<Verdict> {
        Ok(icp_verdict(self.scorer.score(&draft.content).await?.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::IcpSource;

    fn profile() -> IcpProfile {
        IcpProfile {
            id: IcpProfileId::new(),
            source: IcpSource::Manual,
            source_id: None,
            pain_points: vec!["outbound stopped working".into(), "pipeline is unpredictable".into()],
            language_patterns: vec!["qualified demos".into(), "board meeting".into(), "CAC payback".into()],
            objections: vec!["we tried content before and it did not convert".into()],
            goals: vec!["predictable pipeline".into()],
            role: Some("VP Marketing".into()),
            company_size: None,
            industry: None,
            embedding_id: None,
            created_at: Utc::now(),
        }
    }

    const FIT: &str = "Outbound stopped working for us last spring. You've probably felt it too: the pipeline got unpredictable \
        and every board meeting turned into a debate about CAC payback. We didn't add more reps. We started a podcast with our \
        buyers and turned each episode into posts. Six months later, half our qualified demos mention an episode. It isn't magic, \
        and you'll need patience. Reply with your biggest pipeline question and I'll answer it in next week's post.";

    const OFF: &str = "Our revolutionary platform leverages cutting-edge synergy to unlock seamless paradigm shifts across \
        holistic enterprise ecosystems, enabling organizations to transform their operational capabilities comprehensively.";

    #[test]
    fn a_draft_in_the_customers_words_scores_high_and_explains_what_matched() {
        let s = score_against(FIT, &profile(), true, &IcpConfig::default());
        assert!(s.passed && s.score >= 75, "{s:#?}");
        let lang = &s.parts[0];
        assert_eq!(lang.part, "language");
        assert!(lang.matched.contains(&"qualified demos".to_owned()) && lang.matched.contains(&"CAC payback".to_owned()), "{lang:?}");
        let pain = &s.parts[1];
        assert!(pain.matched.contains(&"outbound stopped working".to_owned()), "{pain:?}");
        assert_eq!(s.parts.iter().map(|p| p.max).sum::<f64>(), 100.0);
    }

    #[test]
    fn a_hype_draft_that_ignores_the_customer_fails_with_findings_that_say_why() {
        let s = score_against(OFF, &profile(), false, &IcpConfig::default());
        assert!(!s.passed && s.score < 40, "{s:#?}");
        let tone = &s.parts[2];
        assert!(tone.matched.iter().any(|h| h == "synergy"), "{tone:?}");
        let findings = icp_findings(&s);
        let msgs: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.starts_with("language 0/25")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("pain points 0/25")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("cta 0/15")), "{msgs:?}");
    }

    #[test]
    fn weights_are_configurable_and_validated() {
        let mut c = IcpConfig {
            weights: IcpWeights { language: 0.0, pain_points: 0.0, tone: 0.0, technical_level: 0.0, cta: 10.0 },
            ..IcpConfig::default()
        };
        let s = score_against(OFF, &profile(), true, &c);
        assert_eq!(s.score, 100);
        c.weights.cta = -1.0;
        assert!(c.validate().is_err());
        assert!(IcpConfig { threshold: 101.0, ..IcpConfig::default() }.validate().is_err());
    }

    #[tokio::test]
    async fn the_scorer_uses_the_closest_profiles_and_passes_without_any() {
        use crate::knowledge::testing::{CountingEmbedder, DIMS};
        use crate::knowledge::{ChunkConfig, KnowledgeIndexer};
        use crate::memory::{InMemoryStore, InMemoryVectorStore};
        use crate::quality::cta::CtaConfig;
        use crate::store::KnowledgeStore as _;

        let store = Arc::new(InMemoryStore::default());
        let embedder = Arc::new(CountingEmbedder::default());
        let vectors = Arc::new(InMemoryVectorStore::new(DIMS));
        let retriever = Retriever::new(embedder.clone(), vectors.clone()).unwrap();
        let cta = Arc::new(CtaCheck::new(CtaConfig::default()).unwrap());
        let gate = IcpGate::new(IcpScorer::new(retriever, store.clone(), cta, IcpConfig::default()).unwrap());
        let draft = DraftUnderReview { content_type: crate::domain::ContentType::LinkedinPost, title: None, content: FIT.into() };
        let v = gate.check(&draft).await.unwrap();
        assert!(v.passed && v.score.is_none(), "no profiles: nothing to fit: {v:?}");

        let p = profile();
        let new = crate::domain::NewIcpProfile {
            source: p.source,
            source_id: None,
            pain_points: p.pain_points,
            language_patterns: p.language_patterns,
            objections: p.objections,
            goals: p.goals,
            role: p.role,
            company_size: None,
            industry: None,
        };
        let stored = store.create_icp_profile(new).await.unwrap();
        let indexer = KnowledgeIndexer::new(embedder, vectors, store.clone(), ChunkConfig::default()).unwrap();
        indexer.index_icp_profile(&stored).await.unwrap();
        let v = gate.check(&draft).await.unwrap();
        assert!(v.passed && v.score.unwrap() >= 75.0, "{v:?}");
        let off = DraftUnderReview { content: OFF.into(), ..draft };
        let v = gate.check(&off).await.unwrap();
        assert!(!v.passed && !v.findings.is_empty(), "{v:?}");
    }

    #[test]
    fn reading_level_bands_follow_the_role() {
        assert!(syllables("technical") == 3 && syllables("the") == 1 && syllables("make") == 1);
        let mut p = profile();
        p.role = Some("Staff Engineer".into());
        let s = score_against(FIT, &p, true, &IcpConfig::default());
        assert!(s.parts[3].explanation.contains("9–14"), "{:?}", s.parts[3]);
    }
}
