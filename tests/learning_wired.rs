//! Learning wired end to end through the engine: CIPHER with a (wiremock) Claude — an edit
//! enqueues a job, the job makes one inference call and stores the preference, and the next
//! generation's request carries the merged preference line; offline, nothing of it happens. And
//! best time driving smart distribution: with enough measured posts the approval lands in the
//! slot that clearly does best and carries its prediction; below the minimum the planner's rules
//! choose, as before.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests: a failed setup should abort the test loudly")]

use std::sync::Arc;

use growth::Engine;
use growth_core::domain::{ContentStatus, ContentType, NewContentItem, NewSource, SourceStatus, SourceType};
use growth_core::generate::GenerationConfig;
use growth_core::jobs::{JobContext, JobHandler, JobQueue};
use growth_core::learn::{LearningConfig, PREFERENCE_JOB, PreferenceHandler};
use growth_core::prompt::BundlePlan;
use growth_core::review::EditRequest;
use growth_llm::anthropic::{ClaudeConfig, ClaudeGenerator};
use growth_llm::learning::LlmPreferenceInferer;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TRANSCRIPT: &str = "Host: What changed when you cut the free plan?\n\nGuest: We grew revenue by 38% in one quarter, \
and the team cared about activation. We measured every week and rewrote the onboarding email twice.";
const FIXTURE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/growth-llm/tests/fixtures/anthropic/messages_create_structured_output_200.json");
const LINE: &str = "The reviewer of similar pieces prefers: short sentences, no emoji. Write to that preference.";

/// The recorded whole-message answer with its text replaced.
fn answer(text: &str) -> ResponseTemplate {
    let recorded: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let mut body = recorded[0]["response"]["body"].clone();
    body["content"][0]["text"] = json!(text);
    ResponseTemplate::new(200).set_body_json(body)
}

fn quiet() -> LearningConfig {
    LearningConfig { mine_cron: None, icp_cron: None, best_time_cron: None, ..LearningConfig::default() }
}

fn one_post() -> GenerationConfig {
    GenerationConfig {
        plan: BundlePlan { linkedin_posts: 1, pre_interview: 0, post_publish: 0, newsletter: 0, blog_post: 0 },
        max_rewrites: 0,
        ..GenerationConfig::default()
    }
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

/// A piece in review written from `source`, edited by a reviewer (emoji and the long tail cut).
async fn edited_piece(engine: &Engine, source: growth_core::domain::SourceId) -> growth_core::domain::ContentItem {
    let mut new = NewContentItem::draft(
        ContentType::LinkedinPost,
        None,
        "🚀 We grew revenue by 38% in one quarter, and honestly it was the best thing that ever happened to our team.",
    );
    new.source_id = Some(source);
    new.status = ContentStatus::InReview;
    let item = engine.store().insert_content(new).await.unwrap();
    let edit = EditRequest { content: Some("We grew revenue by 38% in one quarter.".into()), ..EditRequest::default() };
    engine.review().edit(item.id, edit).await.unwrap()
}

async fn preference_jobs(engine: &Engine) -> Vec<growth_core::domain::Job> {
    engine.store().list_jobs(None, 100).await.unwrap().into_iter().filter(|j| j.kind.as_str() == PREFERENCE_JOB).collect()
}

#[tokio::test]
async fn an_edit_leads_to_one_inference_call_and_a_stored_preference_that_the_next_generation_carries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(body_string_contains("Based on the edits and revision by this user"))
        .respond_with(answer("short sentences, no emoji"))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    let drafts = json!({"drafts": [{"title": null, "content": "We grew revenue by 38% in one quarter.\n\nHere is what changed.", "format": "insight"}]});
    Mock::given(method("POST")).and(path("/v1/messages")).respond_with(answer(&drafts.to_string())).mount(&server).await;
    let mut config = ClaudeConfig::new("sk-ant-test-key", "claude-sonnet-4-5");
    config.base_url = server.uri();
    let claude = Arc::new(ClaudeGenerator::new(config).unwrap());
    let engine = Engine::builder()
        .generator(claude.clone())
        .preference_inferer(Arc::new(LlmPreferenceInferer::claude(claude)))
        .learning(quiet())
        .generation(one_post())
        .build()
        .unwrap();
    assert!(engine.preferences().learns());
    let source = completed_source(&engine).await;
    let item = edited_piece(&engine, source).await;

    // The edit only enqueued the learning: no model call inside the edit request.
    let jobs = preference_jobs(&engine).await;
    assert_eq!(jobs.len(), 1);
    assert!(server.received_requests().await.unwrap().is_empty());
    let queue: Arc<dyn JobQueue> = engine.store().clone();
    let result = PreferenceHandler::new(engine.preferences().clone()).run(JobContext::new(jobs[0].clone(), queue, "test")).await.unwrap();
    assert_eq!(result.unwrap()["preference"], "short sentences, no emoji");
    let stored = engine.preferences().list(None).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].preference.as_str(), stored[0].content_item_id), ("short sentences, no emoji", Some(item.id)));
    assert_eq!(stored[0].context_embedding.len(), engine.embedder().dimensions());

    // The next generation from a similar context: the request carries the merged preference.
    engine.write_bundle(source).await.unwrap();
    let bodies: Vec<Value> = server.received_requests().await.unwrap().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    let inferences = bodies.iter().filter(|b| b.to_string().contains("Based on the edits and revision")).count();
    assert_eq!(inferences, 1, "one inference call for one edit");
    let drafts: Vec<&Value> = bodies.iter().filter(|b| b["messages"][0]["content"].as_str().unwrap().contains("Return at most")).collect();
    assert!(!drafts.is_empty());
    for d in drafts {
        let instruction = d["messages"][0]["content"].as_str().unwrap();
        assert!(instruction.contains(LINE), "{instruction}");
    }

    // Deleted, it no longer reaches the prompt.
    engine.preferences().delete(stored[0].id).await.unwrap();
    let before = server.received_requests().await.unwrap().len();
    let _ = engine.write_bundle(source).await;
    let after = server.received_requests().await.unwrap();
    assert!(after[before..].iter().all(|r| !String::from_utf8_lossy(&r.body).contains("The reviewer of similar pieces prefers")));
}

#[tokio::test]
async fn offline_an_edit_enqueues_nothing_and_prompts_are_unchanged() {
    let engine = Engine::builder().learning(quiet()).generation(one_post()).build().unwrap();
    assert!(!engine.preferences().learns());
    let source = completed_source(&engine).await;
    edited_piece(&engine, source).await;
    assert!(preference_jobs(&engine).await.is_empty());
    assert!(engine.preferences().list(None).await.unwrap().is_empty());
}

mod smart_distribution {
    use std::time::Duration as StdDuration;

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use chrono_tz::America::New_York;
    use growth_core::clock::{Clock, ManualClock};
    use growth_core::domain::{
        AnalyticsUpdate, ContentTransition, EngagementMetrics, NewPublishingLog, NewSchedule, Platform, PublishStatus,
    };
    use growth_core::learn::Slot;
    use growth_core::memory::InMemoryStore;
    use growth_core::review::ApproveRequest;
    use growth_core::schedule::SchedulePolicy;

    use super::*;

    /// Publishes a LinkedIn post at `at` and records `impressions`/`likes` 4 days later.
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
            request_payload: json!({}),
            response_data: json!({}),
            error_message: None,
            published_url: Some("https://example.com/p".into()),
        };
        s.record_publication(sched.id, "w", Some("urn:1".into()), Some("https://example.com/p".into()), at, log).await.unwrap();
        clock.set(at + Duration::days(4));
        let engagement = EngagementMetrics { impressions, likes, ..EngagementMetrics::default() };
        s.upsert_analytics(item.id, Platform::LINKEDIN, AnalyticsUpdate { engagement, ..AnalyticsUpdate::default() }).await.unwrap();
    }

    /// An engine whose every open LinkedIn slot has three measured posts: Tuesday 08:00–10:00 at
    /// 9 % engagement per impression, every other slot at 0.5 %. Answers the engine, the clock
    /// and the best slot.
    async fn seeded(min_posts: u32) -> (Engine, Arc<ManualClock>, Slot) {
        let start = Utc.with_ymd_and_hms(2026, 3, 16, 4, 0, 0).unwrap(); // a Monday, after the DST change
        let clock = Arc::new(ManualClock::new(start));
        let learning = LearningConfig { smart_min_posts: min_posts, ..quiet() };
        let engine =
            Engine::builder().clock(clock.clone()).store(Arc::new(InMemoryStore::new(clock.clone()))).learning(learning).build().unwrap();
        let policy = SchedulePolicy::default();
        let open = Slot::open_in(&policy.per_platform[&Platform::LINKEDIN].curve);
        let best = Slot::new(chrono::Weekday::Tue, 8);
        assert!(open.contains(&best), "{open:?}");
        let mut posts = Vec::new();
        for week in 0..3 {
            for slot in &open {
                posts.push((slot.next_start_after(New_York, start + Duration::weeks(week)) + Duration::minutes(30), *slot == best));
            }
        }
        posts.sort();
        for (at, is_best) in posts {
            published(&engine, &clock, at, 1_000, if is_best { 90 } else { 5 }).await;
        }
        (engine, clock, best)
    }

    fn in_review() -> NewContentItem {
        let mut n = NewContentItem::draft(ContentType::LinkedinPost, None, "Next post about pricing.");
        n.status = ContentStatus::InReview;
        n
    }

    #[tokio::test]
    async fn with_enough_posts_the_approval_lands_in_the_slot_that_clearly_does_best_and_carries_its_prediction() {
        let (engine, clock, best) = seeded(20).await;
        let item = engine.store().insert_content(in_review()).await.unwrap();
        let approval = engine.review().approve(item.id, ApproveRequest::default()).await.unwrap();
        let at = approval.schedule.scheduled_time;
        assert!(at > clock.now());
        assert_eq!(Slot::of(New_York, at), best, "{at}");
        assert_eq!(approval.item.best_publish_time, Some(at));
        let predicted = approval.item.predicted_engagement.clone().unwrap();
        assert_eq!((predicted["posts"].as_u64(), predicted["from_prior"].as_bool()), (Some(3), Some(false)), "{predicted}");
        assert!((predicted["engagement_rate"].as_f64().unwrap() - 0.09).abs() < 0.01, "{predicted}");
        // As stored.
        let stored = engine.store().get_content(item.id).await.unwrap();
        assert_eq!((stored.best_publish_time, stored.predicted_engagement), (Some(at), Some(predicted)));
    }

    #[tokio::test]
    async fn a_smart_bulk_approval_takes_the_best_slot_first_and_never_doubles_a_slot() {
        let (engine, clock, best) = seeded(20).await;
        let a = engine.store().insert_content(in_review()).await.unwrap();
        let b = engine.store().insert_content(in_review()).await.unwrap();
        let req = growth_core::review::BulkApprove {
            ids: vec![a.id, b.id],
            distribution: growth_core::review::Distribution::Smart { start_date: None },
            timezone: None,
            by: None,
        };
        let out = engine.review().bulk_approve(req).await.unwrap();
        let times: Vec<DateTime<Utc>> = out.iter().map(|x| x.schedule.scheduled_time).collect();
        assert_eq!(Slot::of(New_York, times[0]), best, "{times:?}");
        assert_ne!(times[0], times[1]);
        assert!(times.iter().all(|t| *t > clock.now()));
        for x in &out {
            assert_eq!(x.item.best_publish_time, Some(x.schedule.scheduled_time));
            assert!(x.item.predicted_engagement.as_ref().unwrap()["engagement_rate"].as_f64().unwrap() > 0.0);
        }
    }

    #[tokio::test]
    async fn below_the_minimum_the_planners_rules_choose_as_before() {
        let (engine, clock, _) = seeded(10_000).await;
        let item = engine.store().insert_content(in_review()).await.unwrap();
        let planned = growth_core::review::slots::next_slot(engine.store().as_ref(), Platform::LINKEDIN, "America/New_York", clock.now())
            .await
            .unwrap();
        let approval = engine.review().approve(item.id, ApproveRequest::default()).await.unwrap();
        assert_eq!(approval.schedule.scheduled_time, planned);
        assert_eq!((approval.item.best_publish_time, approval.item.predicted_engagement), (None, None));
    }
}

mod icp_by_model {
    use growth_llm::learning::LlmIcpExtractor;

    use super::*;

    const CALL: &str = "Alex: Thanks for joining. What is getting in the way today?\n\n\
Dana: I'm the VP of Finance at a payments company with 120 employees.\n\n\
Dana: Honestly, closing the books takes us eight days and it is all manual.\n\n\
Alex: What would you need to see before buying?\n\n\
Dana: The price is too high for a team our size, and I would have to run it by our CFO.";

    #[tokio::test]
    async fn with_a_model_configured_calls_are_read_by_it_and_only_verbatim_quotes_are_kept() {
        let server = MockServer::start().await;
        let answer_json = json!({
            "customer_speakers": ["Dana"], "seller_speakers": ["Alex"],
            "pain_points": [{"text": "Slow manual close", "quote": "closing the books takes us eight days and it is all manual", "speaker": "Dana", "depth": "quantified"}],
            "language_patterns": [],
            "objections": [
                {"text": "Too expensive for a small team", "quote": "The price is too high for a team our size", "speaker": "Dana", "category": "budget", "severity": "high", "stage": "decision"},
                {"text": "Needs a security review", "quote": "We need a SOC 2 report first", "speaker": "Dana", "category": "trust", "severity": "medium", "stage": "consideration"}
            ],
            "goals": [], "role": {"text": "VP of Finance", "quote": "I'm the VP of Finance", "speaker": "Dana"},
            "company_size": null, "industry": null
        });
        Mock::given(method("POST")).and(path("/v1/messages")).respond_with(answer(&answer_json.to_string())).expect(1).mount(&server).await;
        let mut config = ClaudeConfig::new("sk-ant-test-key", "claude-sonnet-4-5");
        config.base_url = server.uri();
        let claude = Arc::new(ClaudeGenerator::new(config).unwrap());
        let mut learning = quiet();
        learning.icp.host_speakers = vec!["Alex".into()];
        let engine = Engine::builder().icp_extractor(Arc::new(LlmIcpExtractor::claude(claude))).learning(learning).build().unwrap();
        let new = NewSource {
            source_type: Some(SourceType::SalesCall),
            source_id: Some("call-1".into()),
            title: Some("Discovery call".into()),
            transcript: Some(CALL.into()),
            ..NewSource::default()
        };
        let s = engine.store().create_source(new).await.unwrap().value;
        let got = engine.learning().extract_icp(s.id).await.unwrap();
        assert_eq!(got.extracted.objections.len(), 1, "the invented quote is dropped: {:?}", got.extracted.objections);
        assert_eq!(got.profile.objections, vec!["Too expensive for a small team".to_owned()]);
        assert_eq!(got.profile.role.as_deref(), Some("VP of Finance"));
        assert_eq!(got.objections.len(), 1);
        assert_eq!(got.objections[0].objection_text, "Too expensive for a small team");
        assert_eq!(got.objections[0].category.as_deref(), Some("roi"));
    }
}
