//! [`IcpExtractor`]: who reads a call — the offline extractor ([`OfflineIcpExtractor`], the
//! default) or a language model (`growth_llm::learning::LlmIcpExtractor`, the Claude path) — and
//! the checks every extraction goes through before anything is kept ([`keep_verified`]).

use std::fmt::Debug;

use async_trait::async_trait;

use super::{ExtractedProfile, IcpConfig, QuoteIndex};
use crate::Result;
use crate::domain::Transcript;

/// Extracts an ICP profile from a call transcript, every item with a verbatim quote and its
/// speaker.
///
/// Contract: what it answers has passed [`keep_verified`] (no item whose quote its speaker did not
/// say, no item said by a seller, at most `config.max_items` of each list); a transcript without
/// speaker labels, or without a customer, is `InvalidInput`; a model whose answer cannot be read
/// even after one repair is `Error::Permanent`.
#[async_trait]
pub trait IcpExtractor: Send + Sync + Debug + 'static {
    /// Which extractor (`offline`, or the model's id).
    fn name(&self) -> &str;
    /// The profile of `transcript`.
    async fn extract(&self, transcript: &Transcript, config: &IcpConfig) -> Result<ExtractedProfile>;
}

fn _assert_dyn(_: &dyn IcpExtractor) {}

/// The deterministic extractor of [`super::extract`].
#[derive(Clone, Copy, Debug, Default)]
pub struct OfflineIcpExtractor;

#[async_trait]
impl IcpExtractor for OfflineIcpExtractor {
    fn name(&self) -> &str {
        "offline"
    }

    async fn extract(&self, transcript: &Transcript, config: &IcpConfig) -> Result<ExtractedProfile> {
        super::extract(transcript, config)
    }
}

/// `(sellers, customers)` of `transcript`: the configured host speakers, or the inferred one, are
/// the sellers; every other labelled speaker is a customer (see the [module docs](super)).
///
/// # Errors
/// `InvalidInput` when the transcript has no speaker labels.
pub fn speakers(transcript: &Transcript, config: &IcpConfig) -> Result<(Vec<String>, Vec<String>)> {
    super::split_speakers(transcript, config)
}

/// Makes a model's extraction safe to keep: the speakers become `customers` and `sellers` (the
/// model does not decide who the customer is), every item whose quote its speaker did not say in
/// `transcript` is dropped ([`super::validate_quotes`]: whitespace runs and curly quotes compared
/// loosely, letter case too — a model often re-capitalises the first word of a quote), every item
/// said by a speaker who is not a customer is dropped, and each list is cut to
/// `config.max_items`. Returns how many items were dropped.
pub fn keep_verified(
    profile: &mut ExtractedProfile,
    transcript: &Transcript,
    customers: &[String],
    sellers: &[String],
    config: &IcpConfig,
) -> usize {
    profile.customer_speakers = customers.to_vec();
    profile.seller_speakers = sellers.to_vec();
    let index = QuoteIndex::new_case_insensitive(transcript);
    let is_customer = |s: &str| customers.iter().any(|c| c == s);
    let ok = |speaker: &str, quote: &str| is_customer(speaker) && index.said(speaker, quote);
    let count = |p: &ExtractedProfile| {
        p.pain_points.len()
            + p.language_patterns.len()
            + p.objections.len()
            + p.goals.len()
            + usize::from(p.role.is_some())
            + usize::from(p.company_size.is_some())
            + usize::from(p.industry.is_some())
    };
    let before = count(profile);
    profile.pain_points.retain(|p| ok(&p.speaker, &p.quote));
    profile.language_patterns.retain(|p| ok(&p.speaker, &p.quote));
    profile.objections.retain(|p| ok(&p.speaker, &p.quote));
    profile.goals.retain(|p| ok(&p.speaker, &p.quote));
    for field in [&mut profile.role, &mut profile.company_size, &mut profile.industry] {
        if field.as_ref().is_some_and(|q| !ok(&q.speaker, &q.quote) || q.text.trim().is_empty()) {
            *field = None;
        }
    }
    let dropped = before - count(profile);
    let max = config.max_items;
    profile.pain_points.truncate(max);
    profile.language_patterns.truncate(max);
    profile.objections.truncate(max);
    profile.goals.truncate(max);
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FunnelStage, Segment, Severity};
    use crate::learn::icp::{ExtractedObjection, ObjectionCategory, Quoted};

    fn seg(speaker: &str, text: &str) -> Segment {
        Segment { speaker: Some(speaker.into()), start_ms: None, end_ms: None, text: text.into() }
    }

    #[test]
    fn only_quotes_a_customer_said_survive_whatever_their_case_and_spacing() {
        let t = Transcript {
            segments: vec![seg("Host", "What stops you from buying?"), seg("Dana", "honestly the   price is too high for our team.")],
        };
        let said = |quote: &str, speaker: &str| ExtractedObjection {
            text: "price".into(),
            quote: quote.into(),
            speaker: speaker.into(),
            category: ObjectionCategory::Budget,
            severity: Severity::High,
            stage: FunnelStage::Decision,
        };
        let mut p = ExtractedProfile {
            objections: vec![
                said("Honestly the price is too high", "Dana"),
                said("We would never pay for this", "Dana"),
                said("What stops you from buying?", "Host"),
            ],
            role: Some(Quoted { text: "CEO".into(), quote: "I am the CEO".into(), speaker: "Dana".into() }),
            ..ExtractedProfile::default()
        };
        let dropped = keep_verified(&mut p, &t, &["Dana".into()], &["Host".into()], &IcpConfig::default());
        assert_eq!(dropped, 3);
        assert_eq!(p.objections.len(), 1);
        assert_eq!(p.objections[0].quote, "Honestly the price is too high");
        assert_eq!(p.role, None);
        assert_eq!((p.customer_speakers, p.seller_speakers), (vec!["Dana".to_owned()], vec!["Host".to_owned()]));
    }
}
