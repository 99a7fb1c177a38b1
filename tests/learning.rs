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

mod best_time {
    use std::time::Duration as StdDuration;

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use growth_core::clock::{Clock, ManualClock};
    use growth_core::domain::{
        AnalyticsUpdate, ContentStatus, ContentTransition, EngagementMetrics, NewContentItem, NewPublishingLog, NewSchedule, Platform,
        PublishStatus,
    };
    use growth_core::learn::Slot;
    use growth_core::memory::InMemoryStore;

    use super::*;

    /// Publishes a LinkedIn post at `at` and records `impressions`/`engagements` 4 days later.
    async fn published(engine: &Engine, clock: &ManualClock, at: DateTime<Utc>, impressions: i64, likes: i64) {
        let s = engine.store();
        let item = s.insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "A post about pricing.")).await.unwrap();
        s.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
        s.transition_content(
            item.id,
            ContentTransition { scheduled_publish_time: Some(at), ..ContentTransition::to(ContentStatus::Scheduled) },
        )
        .await
        .unwrap();
        let new =
            NewSchedule { content_item_id: item.id, platform: Platform::LINKEDIN, scheduled_time: at, timezone: "America/New_York".into() };
        let sched = s.create_schedule(new).await.unwrap();
        clock.set(at + Duration::minutes(1));
        let claimed = s.claim_due_schedules("w", StdDuration::from_secs(60), 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        let log = NewPublishingLog {
            content_item_id: item.id,
            schedule_id: Some(sched.id),
            platform: Platform::LINKEDIN,
            status: PublishStatus::Success,
            request_payload: serde_json::json!({}),
            response_data: serde_json::json!({}),
            error_message: None,
            published_url: Some("https://example.com/p".into()),
        };
        s.record_publication(sched.id, "w", Some("urn:1".into()), Some("https://example.com/p".into()), at, log).await.unwrap();
        clock.set(at + Duration::days(4));
        let engagement = EngagementMetrics { impressions, likes, ..EngagementMetrics::default() };
        s.upsert_analytics(item.id, Platform::LINKEDIN, AnalyticsUpdate { engagement, ..AnalyticsUpdate::default() }).await.unwrap();
    }

    #[tokio::test]
    async fn best_times_come_from_published_posts_and_fill_items_in_review() {
        // Tuesdays 09:00 and Thursdays 15:00 in New York (after the DST change, so one slot each).
        let tue = Utc.with_ymd_and_hms(2026, 3, 10, 13, 0, 0).unwrap();
        let thu = Utc.with_ymd_and_hms(2026, 3, 12, 19, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(tue - Duration::days(1)));
        let engine =
            Engine::builder().clock(clock.clone()).store(Arc::new(InMemoryStore::new(clock.clone()))).learning(quiet()).build().unwrap();
        for week in 0..8 {
            published(&engine, &clock, tue + Duration::weeks(week), 1_000, 90).await;
            published(&engine, &clock, thu + Duration::weeks(week), 1_000, 5).await;
        }
        let tuesday = Slot::of(chrono_tz::America::New_York, tue);
        let thursday = Slot::of(chrono_tz::America::New_York, thu);
        let mut picks = std::collections::HashMap::new();
        for _ in 0..200 {
            let r = engine.learning().best_time(Platform::LINKEDIN).await.unwrap();
            assert!(r.best_publish_time > clock.now());
            assert_eq!(Slot::of(chrono_tz::America::New_York, r.best_publish_time), r.slot);
            *picks.entry(r.slot).or_insert(0) += 1;
            let p = r.predicted_engagement;
            if r.slot == tuesday {
                assert_eq!((p.posts, p.from_prior), (8, false));
                assert!((p.engagement_rate - 0.09).abs() < 0.01, "{r:?}");
                assert!(p.lower < p.engagement_rate && p.engagement_rate < p.upper);
            } else {
                assert_eq!((p.posts, p.from_prior), (0, true), "every other slot is untried: {r:?}");
            }
        }
        assert_eq!(picks.get(&thursday), None, "the slot that does worst is never picked: {picks:?}");
        assert!(picks.len() > 3, "untried slots still get tried: {picks:?}");
        // Items awaiting review get a time and a prediction; items that have one keep it.
        let a = engine.store().insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, "Next post.")).await.unwrap();
        assert_eq!(engine.learning().fill_best_times().await.unwrap(), 1);
        let a = engine.store().get_content(a.id).await.unwrap();
        assert!(a.best_publish_time.unwrap() > clock.now());
        assert!(a.predicted_engagement.unwrap()["engagement_rate"].as_f64().unwrap() > 0.0);
        assert_eq!(engine.learning().fill_best_times().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn two_processes_editing_one_rule_at_once_never_leave_two_active_versions() {
    use growth_core::learn::{RuleEdit, RuleStatus};
    let store: Arc<dyn growth_core::store::Store> = Arc::new(growth_core::memory::InMemoryStore::default());
    let a = Engine::builder().store(store.clone()).learning(quiet()).build().unwrap();
    let b = Engine::builder().store(store.clone()).learning(quiet()).build().unwrap();
    let rule = a.learning().write_rule(None, RuleKind::MaxWords { max: 180 }).await.unwrap();
    // Two admins edit the same active version from two engines over one store: each edit lands
    // after the other (a later version) or is refused as a conflict, never beside it.
    let (x, y) = tokio::join!(
        a.learning().edit(rule.id, RuleEdit { kind: Some(RuleKind::MaxWords { max: 150 }), content_type: None }),
        b.learning().edit(rule.id, RuleEdit { kind: Some(RuleKind::MaxWords { max: 120 }), content_type: None }),
    );
    let outcomes = [x.is_ok(), y.is_ok()];
    assert!(outcomes.contains(&true), "{x:?} {y:?}");
    for r in [&x, &y] {
        if let Err(e) = r {
            assert!(matches!(e, growth_core::Error::Conflict { .. }), "{e:?}");
        }
    }
    let history = a.learning().rule_history(rule.id).await.unwrap();
    assert_eq!(history.iter().filter(|r| r.status == RuleStatus::Active).count(), 1, "{history:?}");
}
