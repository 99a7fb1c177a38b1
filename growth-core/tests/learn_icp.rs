//! ICP extraction against a hand-written sales call (`tests/fixtures/sales_calls/`, see its
//! README) and the shared podcast transcripts (`tests/fixtures/transcripts/`).
#![allow(clippy::unwrap_used, reason = "a test crate: its helpers fail the test by panicking")]

use std::path::Path;

use growth_core::Error;
use growth_core::domain::{FunnelStage, IcpSource, Segment, Severity, Transcript};
use growth_core::learn::icp::{
    ExtractedProfile, IcpConfig, ObjectionCategory, PainDepth, QuoteIndex, Quoted, extract, extraction_prompt, validate_quotes,
};
use growth_core::transcript::parse;

fn load(rel: &str) -> Transcript {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel);
    parse(&std::fs::read(&path).unwrap(), None).unwrap().transcript
}

fn call() -> (Transcript, ExtractedProfile) {
    let t = load("sales_calls/discovery-call.txt");
    let p = extract(&t, &IcpConfig::default()).unwrap();
    (t, p)
}

/// Every quoted item of a profile as (speaker, quote).
fn quotes(p: &ExtractedProfile) -> Vec<(&str, &str)> {
    let mut v: Vec<(&str, &str)> = Vec::new();
    v.extend(p.pain_points.iter().map(|x| (x.speaker.as_str(), x.quote.as_str())));
    v.extend(p.language_patterns.iter().map(|x| (x.speaker.as_str(), x.quote.as_str())));
    v.extend(p.objections.iter().map(|x| (x.speaker.as_str(), x.quote.as_str())));
    v.extend(p.goals.iter().map(|x| (x.speaker.as_str(), x.quote.as_str())));
    v.extend([&p.role, &p.company_size, &p.industry].into_iter().flatten().map(|x| (x.speaker.as_str(), x.quote.as_str())));
    v
}

/// Whether `speaker` said exactly `quote` in one of their segments.
fn said_verbatim(t: &Transcript, speaker: &str, quote: &str) -> bool {
    t.segments.iter().any(|s| s.speaker.as_deref() == Some(speaker) && s.text.contains(quote))
}

#[test]
fn the_seller_is_inferred_and_only_the_customer_is_quoted_verbatim() {
    let (t, p) = call();
    assert_eq!(p.seller_speakers, vec!["Dana Whitfield"]);
    assert_eq!(p.customer_speakers, vec!["Marcus Lee"]);
    let q = quotes(&p);
    assert!(q.len() >= 15, "{p:#?}");
    for (speaker, quote) in q {
        assert_eq!(speaker, "Marcus Lee");
        assert!(said_verbatim(&t, speaker, quote), "{quote:?} is not a verbatim quote");
    }
}

#[test]
fn role_size_and_industry_come_from_what_the_customer_says_about_themselves() {
    let (_, p) = call();
    assert_eq!(p.role.as_ref().map(|r| r.text.as_str()), Some("VP of Growth"));
    assert_eq!(p.role.as_ref().map(|r| r.quote.as_str()), Some("I'm the VP of Growth at Ledgerly."));
    assert_eq!(p.company_size.as_ref().map(|r| r.text.as_str()), Some("51-200"), "120 employees");
    assert_eq!(p.industry.as_ref().map(|r| r.text.as_str()), Some("Financial services"), "payments");
}

#[test]
fn pain_points_and_goals_are_found_and_a_number_makes_a_pain_quantified() {
    let (_, p) = call();
    let pain = |needle: &str| p.pain_points.iter().find(|x| x.quote.contains(needle)).unwrap_or_else(|| panic!("{needle}: {p:#?}"));
    assert_eq!(pain("We lose about 40% of new trial accounts").depth, PainDepth::Quantified);
    assert_eq!(pain("our activation emails are manual").depth, PainDepth::Acknowledged);
    pain("pulling data out of three tools by hand");
    assert_eq!(pain("our onboarding is a mess").text, "Our onboarding is a mess.", "the opener goes from the text, not the quote");
    let goals: Vec<&str> = p.goals.iter().map(|g| g.quote.as_str()).collect();
    assert_eq!(
        goals,
        vec![
            "Our goal is to get trial-to-paid conversion from 9% to 15% by the end of the year.",
            "We want to stop guessing which accounts are about to churn.",
            "I'd like to have one dashboard the whole team trusts.",
        ]
    );
}

#[test]
fn objections_get_a_category_severity_and_stage() {
    let (_, p) = call();
    let find = |needle: &str| p.objections.iter().find(|o| o.quote.contains(needle)).unwrap_or_else(|| panic!("{needle}: {p:#?}"));
    let budget = find("too expensive for a team our size");
    assert_eq!((budget.category, budget.severity, budget.stage), (ObjectionCategory::Budget, Severity::High, FunnelStage::Decision));
    let authority = find("run it by our CFO");
    assert_eq!((authority.category, authority.stage), (ObjectionCategory::Authority, FunnelStage::Decision));
    assert_eq!(find("SOC 2 report before we connect").category, ObjectionCategory::Trust);
    assert_eq!(find("been burned before").category, ObjectionCategory::Trust);
    assert_eq!(find("not a priority until next quarter").category, ObjectionCategory::Timing);
    assert_eq!(find("We already use HubSpot").category, ObjectionCategory::Fit);
    let question = find("Does it integrate with HubSpot?");
    assert_eq!((question.category, question.severity), (ObjectionCategory::Fit, Severity::Low));
    let worried = find("a little worried about the learning curve");
    assert_eq!(worried.severity, Severity::Low, "softened");
    // The PRD's categories in the objections table.
    let rows = p.new_objections();
    assert!(rows.iter().any(|o| o.category.as_deref() == Some("roi") && o.severity == Some(Severity::High)));
    assert!(rows.iter().any(|o| o.category.as_deref() == Some("feasibility")));
    let profile = p.to_new_profile(IcpSource::GrainCall, Some("rec-1".into()));
    assert_eq!(profile.objections.len(), p.objections.len());
    assert_eq!(profile.role.as_deref(), Some("VP of Growth"));
}

#[test]
fn repeated_customer_phrases_are_language_patterns() {
    let (_, p) = call();
    let soc = p.language_patterns.iter().find(|l| l.text == "SOC 2 report").unwrap_or_else(|| panic!("{p:#?}"));
    assert_eq!(soc.count, 2);
    assert_eq!(soc.quote, "And our security team will want a SOC 2 report before we connect any customer data.");
}

#[test]
fn on_every_podcast_transcript_the_host_is_the_seller_and_every_quote_is_the_guests() {
    for (file, host, guest) in [
        ("founders-talk-55.md", "Adam Stacoviak", "Bryan Helmig"),
        ("founders-talk-60.md", "Adam Stacoviak", "Travis Kimmel"),
        ("founders-talk-66.md", "Adam Stacoviak", "Sahil Lavingia"),
        ("founders-talk-68.md", "Adam Stacoviak", "Mike McDerment"),
        ("founders-talk-78.md", "Adam Stacoviak", "Eugenio Pace"),
        ("the-changelog-600.md", "Jerod Santo", "Benn Stancil"),
    ] {
        let t = load(&format!("transcripts/changelog/{file}"));
        let p = extract(&t, &IcpConfig::default()).unwrap();
        assert_eq!(p.seller_speakers, vec![host], "{file}");
        assert_eq!(p.customer_speakers, vec![guest], "{file}");
        assert!(!p.pain_points.is_empty() && !p.language_patterns.is_empty(), "{file}: {p:#?}");
        for (speaker, quote) in quotes(&p) {
            assert_eq!(speaker, guest, "{file}");
            assert!(said_verbatim(&t, speaker, quote), "{file}: {quote:?}");
        }
    }
}

#[test]
fn configured_hosts_override_the_inference() {
    let t = load("transcripts/changelog/founders-talk-60.md");
    let config = IcpConfig { host_speakers: vec!["travis kimmel".into()], ..IcpConfig::default() };
    let p = extract(&t, &config).unwrap();
    assert_eq!((p.seller_speakers, p.customer_speakers), (vec!["Travis Kimmel".to_owned()], vec!["Adam Stacoviak".to_owned()]));
}

#[test]
fn a_transcript_without_speakers_is_refused_and_a_single_speaker_is_the_customer() {
    let unlabelled = load("transcripts/talkpython/356-ml-startups.txt");
    assert!(matches!(extract(&unlabelled, &IcpConfig::default()), Err(Error::InvalidInput { .. })));
    let one = load("transcripts/assemblyai/transcript_completed_diarized_example.json");
    let p = extract(&one, &IcpConfig::default()).unwrap();
    assert_eq!((p.seller_speakers.len(), p.customer_speakers.clone()), (0, vec!["A".to_owned()]));
}

#[test]
fn validation_drops_invented_and_misattributed_quotes_and_forgives_whitespace_and_curly_quotes() {
    let seg = |speaker: &str, text: &str| Segment { speaker: Some(speaker.into()), start_ms: None, end_ms: None, text: text.into() };
    let t = Transcript {
        segments: vec![seg("Seller", "What's hard today?"), seg("Buyer", "Honestly, it's   too expensive for us.\nWe can't justify it.")],
    };
    let q = |quote: &str, speaker: &str| Quoted { text: "x".into(), quote: quote.into(), speaker: speaker.into() };
    let mut p = ExtractedProfile {
        goals: vec![
            q("it’s too expensive for us.", "Buyer"),
            q("us. We can't justify", "Buyer"),
            q("We never said this.", "Buyer"),
            q("What's hard today?", "Buyer"),
            q("", "Buyer"),
        ],
        role: Some(q("I'm the CEO", "Buyer")),
        industry: Some(q("What's hard", "Seller")),
        ..ExtractedProfile::default()
    };
    assert_eq!(validate_quotes(&mut p, &t), 4);
    let kept: Vec<&str> = p.goals.iter().map(|g| g.quote.as_str()).collect();
    assert_eq!(kept, vec!["it’s too expensive for us.", "us. We can't justify"]);
    assert!(p.role.is_none() && p.industry.is_some());
    assert!(QuoteIndex::new(&t).said("Seller", "hard today"));
}

#[test]
fn a_model_answer_in_the_prompted_shape_parses_and_its_invented_quotes_are_dropped() {
    let (t, p) = call();
    let prompt = extraction_prompt(&p.customer_speakers, &p.seller_speakers);
    assert!(prompt.contains("Customer speakers: Marcus Lee. Seller speakers: Dana Whitfield."), "{prompt}");
    // What a model might answer: one true quote, one paraphrased "quote", one from the seller.
    let answer = r#"{"customer_speakers": ["Marcus Lee"], "seller_speakers": ["Dana Whitfield"],
        "pain_points": [{"text": "Manual activation emails", "quote": "our activation emails are manual", "speaker": "Marcus Lee", "depth": "acknowledged"},
                        {"text": "Onboarding", "quote": "Our onboarding is broken and slow.", "speaker": "Marcus Lee", "depth": "surface"}],
        "language_patterns": [], "objections": [],
        "goals": [{"text": "Book a demo", "quote": "Shall we book a follow-up with your CFO", "speaker": "Marcus Lee"}],
        "role": null, "company_size": null, "industry": null}"#;
    let mut parsed: ExtractedProfile = serde_json::from_str(answer).unwrap();
    assert_eq!(validate_quotes(&mut parsed, &t), 2);
    assert_eq!(parsed.pain_points.len(), 1);
    assert!(parsed.goals.is_empty(), "the seller said it, not the customer");
}
