//! The built-in gates together: one configuration, one shared slop automaton.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::attribution::{AttributionCheck, AttributionConfig};
use super::bundle::BundleGate;
use super::cta::{CtaCheck, CtaConfig};
use super::disfluency::DisfluencyCheck;
use super::hook::{HookCheck, HookConfig};
use super::length::{LengthCheck, LengthRules};
use super::repetition::{RepetitionCheck, RepetitionConfig};
use super::slop::{LearnedPhrase, SlopChecker, SlopConfig};
use super::stylometry::{AiLikenessGate, StyleParams, StylometricDetector};
use crate::Result;
use crate::quality::QualityGate;

/// Configuration of every built-in check, with defaults for anything left out.
///
/// ```toml
/// ai_likeness_threshold = 0.5
/// [slop]
/// tolerance_per_1000_words = 4.0
/// [length.blog_post]
/// min = 800
/// max = 2500
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityConfig {
    /// Tolerances of the slop check.
    pub slop: SlopConfig,
    /// Phrases learned from reviewers' edits, added to the slop automaton.
    pub learned_phrases: Vec<LearnedPhrase>,
    /// Limits of the hook check.
    pub hook: HookConfig,
    /// Limits of the CTA check.
    pub cta: CtaConfig,
    /// Word ranges and LinkedIn limits.
    pub length: LengthRules,
    /// Human score (0–1) the `ai_likeness` gate requires (default 0.5).
    pub ai_likeness_threshold: f64,
    /// Curves and weights of the stylometric detector.
    pub stylometry: StyleParams,
    /// Weights and threshold of the ICP score (`[quality.icp]`).
    pub icp: super::icp::IcpConfig,
    /// The bundle-level `repetition` gate (`[quality.repetition]`).
    pub repetition: RepetitionConfig,
    /// The bundle-level `attribution` gate and the host speaker (`[quality.attribution]`).
    pub attribution: AttributionConfig,
}

impl Default for QualityConfig {
    fn default() -> Self {
        Self {
            slop: SlopConfig::default(),
            learned_phrases: Vec::new(),
            hook: HookConfig::default(),
            cta: CtaConfig::default(),
            length: LengthRules::default(),
            ai_likeness_threshold: 0.5,
            stylometry: StyleParams::default(),
            icp: super::icp::IcpConfig::default(),
            repetition: RepetitionConfig::default(),
            attribution: AttributionConfig::default(),
        }
    }
}

/// The built-in gates, built from one [`QualityConfig`] around one shared [`SlopChecker`]: six
/// per-draft gates and two bundle gates ([`BuiltinGates::bundle_gates`]).
#[derive(Debug, Clone)]
pub struct BuiltinGates {
    /// `slop`.
    pub slop: Arc<SlopChecker>,
    /// `hook`.
    pub hook: Arc<HookCheck>,
    /// `cta`.
    pub cta: Arc<CtaCheck>,
    /// `length`.
    pub length: Arc<LengthCheck>,
    /// The detector behind `ai_likeness`.
    pub detector: Arc<StylometricDetector>,
    /// `ai_likeness` (stylometric detector with the configured threshold).
    pub ai_likeness: Arc<AiLikenessGate>,
    /// `disfluency`.
    pub disfluency: Arc<DisfluencyCheck>,
    /// `repetition` (a bundle gate).
    pub repetition: Arc<RepetitionCheck>,
    /// `attribution` (a bundle gate).
    pub attribution: Arc<AttributionCheck>,
}

impl BuiltinGates {
    /// Builds every gate; fails with `InvalidInput` for a bad configuration value.
    pub fn new(config: &QualityConfig) -> Result<Self> {
        config.icp.validate()?;
        let slop =
            Arc::new(SlopChecker::builder().config(config.slop.clone()).extra_phrases(config.learned_phrases.iter().cloned()).build()?);
        let detector = Arc::new(StylometricDetector::new(slop.clone(), config.stylometry.clone())?);
        Ok(Self {
            hook: Arc::new(HookCheck::new(config.hook.clone(), slop.clone())),
            cta: Arc::new(CtaCheck::new(config.cta.clone())?),
            length: Arc::new(LengthCheck::new(config.length.clone())?),
            ai_likeness: Arc::new(AiLikenessGate::new(detector.clone(), config.ai_likeness_threshold)?),
            detector,
            slop,
            disfluency: Arc::new(DisfluencyCheck),
            repetition: Arc::new(RepetitionCheck::new(config.repetition.clone())?),
            attribution: Arc::new(AttributionCheck::new(config.attribution.clone())?),
        })
    }

    /// The gates in the order they are best run and shown: slop, hook, cta, length, ai_likeness,
    /// disfluency.
    pub fn gates(&self) -> Vec<Arc<dyn QualityGate>> {
        vec![self.slop.clone(), self.hook.clone(), self.cta.clone(), self.length.clone(), self.ai_likeness.clone(), self.disfluency.clone()]
    }

    /// The bundle gates (each piece against the pieces before it and the source): repetition,
    /// attribution.
    pub fn bundle_gates(&self) -> Vec<Arc<dyn BundleGate>> {
        vec![self.repetition.clone(), self.attribution.clone()]
    }
}

/// The six built-in per-draft gates as trait objects (see [`BuiltinGates`]).
///
/// Fallible rather than panicking: the configuration comes from a file, and a bad value (a
/// negative tolerance, `min > max`, an empty learned phrase) is `InvalidInput`.
pub fn builtin_gates(config: &QualityConfig) -> Result<Vec<Arc<dyn QualityGate>>> {
    Ok(BuiltinGates::new(config)?.gates())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::domain::ContentType;
    use crate::quality::DraftUnderReview;

    /// A LinkedIn post written for this test: a concrete hook, varied sentences, one call to action.
    const GOOD_POST: &str = "We cut our free trial from 30 days to 7. Signups fell 11%.

Paid conversions went up 38%.

I didn't expect that. For two years I'd argued the opposite: give people time, let the product sell itself. Our data said otherwise.

Here's what we saw when we dug into 1,400 trial accounts:

1. Most people who converted did it in the first four days. After day 10, almost nobody did.
2. Long trials didn't mean more usage. They meant more procrastination. People signed up, meant to come back, and forgot.
3. Short trials forced a decision. Our sales team got fewer \"maybe next month\" replies and more clear yeses and nos.

So we changed three things. The trial is 7 days. Day 1 walks you through one real workflow with your own data (not a demo project). And on day 5 a person, not a sequence, emails you to ask what's blocking you.

The drop in signups scared our board for about a week. Then the revenue numbers came in, and the conversation changed fast.

Would I do this for every product? No. If your product needs a data migration or a security review, 7 days is cruel. If people can get value in an afternoon, though, a long trial is mostly a long excuse to put off deciding.

We wrote up the exact emails and the day-by-day onboarding checklist we use now.

Comment \"TRIAL\" and I'll send you the doc.

#saas #plg #pricing";

    const SLOPPY_POST: &str = "In today's fast-paced digital landscape, it's important to note that pricing plays a crucial role.

Moreover, as we delve into the intricate interplay between value and cost, we must leverage cutting-edge frameworks to foster meaningful change. It's not just a strategy; it's a mindset.

Furthermore, a seamless and robust approach can unlock the full potential of your business. Additionally, this holistic methodology serves to elevate outcomes.

In conclusion, the future belongs to those who adapt. Let me know your thoughts!";

    fn draft(content_type: ContentType, content: &str) -> DraftUnderReview {
        DraftUnderReview { content_type, title: None, content: content.to_owned() }
    }

    #[test]
    fn the_six_gates_and_two_bundle_gates_come_in_order_with_their_names() {
        let gates = builtin_gates(&QualityConfig::default()).expect("default config is valid");
        let names: Vec<&str> = gates.iter().map(|g| g.name()).collect();
        assert_eq!(names, ["slop", "hook", "cta", "length", "ai_likeness", "disfluency"]);
        let bundle = BuiltinGates::new(&QualityConfig::default()).expect("valid").bundle_gates();
        let names: Vec<&str> = bundle.iter().map(|g| g.name()).collect();
        assert_eq!(names, ["repetition", "attribution"]);
    }

    #[tokio::test]
    async fn a_good_human_post_passes_every_gate() {
        let post = draft(ContentType::LinkedinPost, GOOD_POST);
        for gate in builtin_gates(&QualityConfig::default()).expect("valid") {
            let verdict = gate.check(&post).await.expect("gate runs");
            assert!(verdict.passed, "{}: {:?}", gate.name(), verdict.findings);
            assert_eq!(verdict.gate, gate.name());
        }
    }

    #[tokio::test]
    async fn a_sloppy_post_fails_slop_hook_cta_length_and_ai_likeness() {
        let post = draft(ContentType::LinkedinPost, SLOPPY_POST);
        for gate in builtin_gates(&QualityConfig::default()).expect("valid") {
            let verdict = gate.check(&post).await.expect("gate runs");
            if gate.name() == "disfluency" {
                // Written slop, not transcribed speech: nothing said twice, no fillers.
                assert!(verdict.passed, "{:?}", verdict.findings);
                continue;
            }
            assert!(!verdict.passed, "{} passed", gate.name());
            for f in &verdict.findings {
                assert_eq!(&SLOPPY_POST[f.span[0]..f.span[1]], f.text, "{}", gate.name());
                assert_eq!(f.check, gate.name());
            }
        }
    }

    #[test]
    fn the_config_deserializes_with_defaults_for_what_is_left_out() {
        let config: QualityConfig = serde_json::from_value(serde_json::json!({
            "ai_likeness_threshold": 0.6,
            "slop": { "tolerance_per_1000_words": 2.5 },
            "length": { "blog_post": { "min": 500, "max": 900 } },
            "learned_phrases": [{ "phrase": "north star", "suggestion": "'main goal'" }]
        }))
        .expect("deserializes");
        assert_eq!(config.ai_likeness_threshold, 0.6);
        assert_eq!(config.slop.tolerance_per_1000_words, 2.5);
        assert_eq!(config.slop.em_dash_per_1000_words, SlopConfig::default().em_dash_per_1000_words);
        assert_eq!(config.length.blog_post.max, 900);
        assert_eq!(config.length.newsletter, LengthRules::default().newsletter);
        let gates = BuiltinGates::new(&config).expect("valid");
        assert!(gates.slop.scan("Our north star.").hits.iter().any(|h| h.text == "north star"));
        assert!(serde_json::from_value::<QualityConfig>(serde_json::json!({ "slop_tolerance": 1 })).is_err(), "unknown keys are refused");
    }

    #[test]
    fn a_bad_config_value_is_invalid_input() {
        for config in [
            QualityConfig { ai_likeness_threshold: 2.0, ..QualityConfig::default() },
            QualityConfig { slop: SlopConfig { tolerance_per_1000_words: f64::NAN, ..SlopConfig::default() }, ..QualityConfig::default() },
            QualityConfig { learned_phrases: vec![LearnedPhrase::from("  ")], ..QualityConfig::default() },
        ] {
            let err = builtin_gates(&config).expect_err("refused");
            assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
        }
    }
}
