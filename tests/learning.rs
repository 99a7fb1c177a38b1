//! The engine wires learned rules into generation: the active rules' lines are in every
//! request's cached prefix, the offline generator applies them, and a retired rule leaves both.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests: a failed setup should abort the test loudly")]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use growth::Engine;
use growth_core::domain::{ContentType, NewSource, SourceStatus, SourceType};
use growth_core::generate::{ContentGenerator, Draft, Generation, GenerationRequest, Usage};
use growth_core::learn::{LearningConfig, RuleKind};

const TRANSCRIPT: &str = "Host: What changed when you cut the free plan?\n\nGuest: We really grew revenue by 38% in one quarter, \
and the team really cared about activation. We measured every week and rewrote the onboarding email twice.";

/// A model stand-in: records every request, answers with the source's text.
#[derive(Debug, Default)]
struct Recording {
    requests: Mutex<Vec<GenerationRequest>>,
}

#[async_trait]
impl ContentGenerator for Recording {
    fn model(&self) -> &str {
        "recording"
    }

    async fn generate(&self, req: GenerationRequest) -> growth_core::Result<Generation> {
        let drafts = (0..req.count)
            .map(|_| Draft { title: None, content: "We really grew revenue by 38% in one quarter.".into(), format: None })
            .collect();
        self.requests.lock().unwrap().push(req);
        Ok(Generation { drafts, usage: Usage::default(), model: "recording".into() })
    }
}

fn quiet() -> LearningConfig {
    LearningConfig { mine_cron: None, icp_cron: None, ..LearningConfig::default() }
}

async fn completed_source(engine: &Engine) -> growth_core::domain::SourceId {
    let new = NewSource {
        source_type: Some(SourceType::Podcast),
        source_id: Some("ep-1".into()),
        title: Some("Episode 1".into()),
        transcript: Some(TRANSCRIPT.into()),
        ..NewSource::default()
    };
    let s = engine.store().create_source(new).await.unwrap().value;
    engine.store().set_source_status(s.id, SourceStatus::Processing, None).await.unwrap();
    engine.store().set_source_status(s.id, SourceStatus::Completed, None).await.unwrap();
    s.id
}

#[tokio::test]
async fn active_rules_are_in_the_cached_prefix_of_every_request_and_retired_ones_leave_it() {
    let recording = Arc::new(Recording::default());
    let engine = Engine::builder().generator(recording.clone()).learning(quiet()).build().unwrap();
    let source = completed_source(&engine).await;
    let rule =
        engine.learning().write_rule(Some(ContentType::LinkedinPost), RuleKind::BannedPhrase { phrase: "really".into() }).await.unwrap();
    engine.write_bundle(source).await.unwrap();
    let line = "In LinkedIn posts: never write \"really\".";
    {
        let requests = recording.requests.lock().unwrap();
        assert!(!requests.is_empty());
        for r in requests.iter() {
            let prefix = &r.system[0];
            assert!(prefix.cacheable, "the rules sit in the stable block");
            assert!(prefix.text.contains(line), "{}", prefix.text);
        }
    }
    // A model is told, not post-processed: its drafts keep what it wrote.
    let items = engine.review().pending(10, 0).await.unwrap();
    assert!(items.bundles.iter().flat_map(|b| &b.items).any(|i| i.content.contains("really")));

    engine.learning().retire(rule.id).await.unwrap();
    recording.requests.lock().unwrap().clear();
    let source2 = {
        let new = NewSource { source_id: Some("ep-2".into()), transcript: Some(format!("{TRANSCRIPT} Again.")), ..NewSource::default() };
        let s = engine.store().create_source(new).await.unwrap().value;
        engine.store().set_source_status(s.id, SourceStatus::Processing, None).await.unwrap();
        engine.store().set_source_status(s.id, SourceStatus::Completed, None).await.unwrap();
        s.id
    };
    engine.write_bundle(source2).await.unwrap();
    assert!(recording.requests.lock().unwrap().iter().all(|r| !r.system[0].text.contains(line)));
}

#[tokio::test]
async fn the_offline_generator_applies_active_rules_to_its_drafts() {
    let engine = Engine::builder().learning(quiet()).build().unwrap();
    let req = || GenerationRequest {
        content_type: ContentType::Newsletter,
        count: 1,
        system: Vec::new(),
        instruction: String::new(),
        source_text: TRANSCRIPT.repeat(3),
        source_title: Some("Episode 1".into()),
        max_tokens: None,
    };
    let before = engine.generator().generate(req()).await.unwrap().drafts.remove(0).content;
    assert!(before.contains("really"), "{before}");
    engine.learning().write_rule(None, RuleKind::BannedPhrase { phrase: "really".into() }).await.unwrap();
    let after = engine.generator().generate(req()).await.unwrap().drafts.remove(0).content;
    assert!(!after.to_lowercase().contains("really"), "{after}");
    // Written twice: the same rule is refused.
    assert!(engine.learning().write_rule(None, RuleKind::BannedPhrase { phrase: "really".into() }).await.is_err());
}
