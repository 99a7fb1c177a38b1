//! `ClaudeGenerator` against a wiremock Messages API: the outgoing request (headers, cache
//! breakpoint, format instruction), how each answer is classified and retried, rate-limit pacing,
//! and the repair round-trip. Response bodies come from recorded real exchanges in
//! `tests/fixtures/anthropic/`. Nothing here reaches the internet.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::time::{Duration, Instant};

use growth_core::Error;
use growth_core::domain::ContentType;
use growth_core::generate::{ContentGenerator, GenerationRequest, PromptBlock, Usage};
use growth_llm::anthropic::{ClaudeConfig, ClaudeGenerator, DRAFTS_JSON_FORMAT, REPAIR_INSTRUCTION};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MODEL: &str = "claude-sonnet-4-5";
const KEY: &str = "sk-ant-test-key";

/// The exchanges of one recorded fixture file.
fn exchanges(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/fixtures/anthropic/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The response body of exchange `i` of fixture `name`.
fn recorded(name: &str, i: usize) -> Value {
    exchanges(name)[i]["response"]["body"].clone()
}

/// The recorded 200 (full usage object), answering `text`.
fn answer(text: &str) -> Value {
    let mut body = recorded("messages_create_structured_output_200.json", 0);
    body["content"][0]["text"] = json!(text);
    body
}

/// [`answer`] with these usage numbers (the other usage fields stay as recorded).
fn answer_with_usage(text: &str, input: u64, output: u64, cache_write: u64, cache_read: u64) -> Value {
    let mut body = answer(text);
    body["usage"]["input_tokens"] = json!(input);
    body["usage"]["output_tokens"] = json!(output);
    body["usage"]["cache_creation_input_tokens"] = json!(cache_write);
    body["usage"]["cache_read_input_tokens"] = json!(cache_read);
    body
}

/// The recorded 429 `rate_limit_error` body.
fn rate_limited() -> Value {
    recorded("messages_429_rate_limit_then_200.json", 0)
}

/// The recorded error envelope with another type and message.
fn api_error(kind: &str, message: &str) -> Value {
    let mut body = rate_limited();
    body["error"]["type"] = json!(kind);
    body["error"]["message"] = json!(message);
    body
}

fn drafts_json(n: usize) -> String {
    let drafts: Vec<Value> = (1..=n)
        .map(|i| json!({"title": format!("Post {i}"), "content": format!("Body of post {i}.\n\nSecond paragraph."), "format": "insight"}))
        .collect();
    json!({ "drafts": drafts }).to_string()
}

fn config(server: &MockServer) -> ClaudeConfig {
    let mut c = ClaudeConfig::new(KEY, MODEL);
    c.base_url = server.uri();
    c.max_tokens = 2_000;
    c.timeout_ms = 2_000;
    c.initial_backoff_ms = 10;
    c.max_backoff_ms = 50;
    c
}

fn generator(server: &MockServer) -> ClaudeGenerator {
    ClaudeGenerator::new(config(server)).unwrap()
}

fn request(count: u32) -> GenerationRequest {
    GenerationRequest {
        content_type: ContentType::LinkedinPost,
        count,
        system: vec![
            PromptBlock { text: "You are the founder. Plain words, concrete numbers.".into(), cacheable: true },
            PromptBlock { text: "Transcript:\nWe grew from 10 to 400 customers by killing the demo call.".into(), cacheable: true },
            PromptBlock { text: "Today's angle: pricing.".into(), cacheable: false },
        ],
        instruction: format!("Write {count} LinkedIn posts from the transcript."),
        source_text: String::new(),
        source_title: Some("Founders Talk".into()),
        max_tokens: None,
    }
}

fn messages() -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path("/v1/messages"))
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server.received_requests().await.unwrap().iter().map(|r| r.body_json().unwrap()).collect()
}

#[tokio::test]
async fn a_call_sends_key_version_and_one_cache_breakpoint_and_maps_usage_with_cache_tokens() {
    let server = MockServer::start().await;
    messages()
        .and(header("x-api-key", KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer_with_usage(&drafts_json(2), 57, 412, 2_048, 0)))
        .expect(1)
        .mount(&server)
        .await;

    let generation = generator(&server).generate(request(2)).await.unwrap();

    assert_eq!(generation.drafts.len(), 2);
    assert_eq!(generation.drafts[0].title.as_deref(), Some("Post 1"));
    assert_eq!(generation.drafts[1].content, "Body of post 2.\n\nSecond paragraph.");
    assert_eq!(generation.drafts[0].format.as_deref(), Some("insight"));
    assert_eq!(
        generation.usage,
        Usage { input_tokens: 57, output_tokens: 412, cache_creation_input_tokens: 2_048, cache_read_input_tokens: 0 }
    );
    assert_eq!(generation.model, "claude-sonnet-4-5-20250929", "the model the answer names");

    let body = &bodies(&server).await[0];
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["max_tokens"], 2_000);
    let system = body["system"].as_array().unwrap();
    assert_eq!(system.len(), 3);
    assert!(system.iter().all(|b| b["type"] == "text"));
    assert_eq!(system[0].get("cache_control"), None);
    assert_eq!(system[1]["cache_control"], json!({"type": "ephemeral"}), "the last block of the stable prefix");
    assert_eq!(system[2].get("cache_control"), None, "the varying block is after the breakpoint");
    let user = body["messages"][0]["content"].as_str().unwrap();
    assert_eq!(body["messages"][0]["role"], "user");
    assert_eq!(body["messages"].as_array().unwrap().len(), 1);
    assert!(user.starts_with("Write 2 LinkedIn posts") && user.contains(DRAFTS_JSON_FORMAT), "{user}");
}

#[tokio::test]
async fn a_request_budget_lowers_max_tokens_and_extra_drafts_are_cut_to_count() {
    let server = MockServer::start().await;
    messages().respond_with(ResponseTemplate::new(200).set_body_json(answer(&drafts_json(5)))).expect(1).mount(&server).await;
    let mut req = request(3);
    req.max_tokens = Some(700);
    let generation = generator(&server).generate(req).await.unwrap();
    assert_eq!(generation.drafts.len(), 3);
    assert_eq!(bodies(&server).await[0]["max_tokens"], 700);
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_that_wait() {
    let server = MockServer::start().await;
    messages()
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0.3").set_body_json(rate_limited()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    messages().respond_with(ResponseTemplate::new(200).set_body_json(answer(&drafts_json(1)))).expect(1).mount(&server).await;

    let start = Instant::now();
    let generation = generator(&server).generate(request(1)).await.unwrap();
    assert_eq!(generation.drafts.len(), 1);
    assert!(start.elapsed() >= Duration::from_millis(300), "waited {:?}", start.elapsed());
}

#[tokio::test]
async fn the_recorded_429s_with_x_should_retry_are_retried_until_the_200() {
    let server = MockServer::start().await;
    let recorded = exchanges("messages_429_rate_limit_then_200.json");
    for exchange in &recorded[..2] {
        let r = &exchange["response"];
        messages()
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("x-should-retry", r["headers"]["x-should-retry"].as_str().unwrap())
                    .set_body_json(r["body"].clone()),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    let mut ok = recorded[2]["response"]["body"].clone();
    ok["content"][0]["text"] = json!(drafts_json(1));
    messages().respond_with(ResponseTemplate::new(200).set_body_json(ok)).expect(1).mount(&server).await;

    let generation = generator(&server).generate(request(1)).await.unwrap();
    assert_eq!(generation.usage.input_tokens, 406);
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "two retries, the SDK's default");
}

#[tokio::test]
async fn a_529_overloaded_is_retried() {
    let server = MockServer::start().await;
    messages()
        .respond_with(ResponseTemplate::new(529).set_body_json(api_error("overloaded_error", "Overloaded")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    messages().respond_with(ResponseTemplate::new(200).set_body_json(answer(&drafts_json(1)))).expect(1).mount(&server).await;
    assert_eq!(generator(&server).generate(request(1)).await.unwrap().drafts.len(), 1);
}

#[tokio::test]
async fn a_500_is_retried() {
    let server = MockServer::start().await;
    messages()
        .respond_with(ResponseTemplate::new(500).set_body_json(api_error("api_error", "Internal server error")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    messages().respond_with(ResponseTemplate::new(200).set_body_json(answer(&drafts_json(1)))).expect(1).mount(&server).await;
    assert_eq!(generator(&server).generate(request(1)).await.unwrap().drafts.len(), 1);
}

#[tokio::test]
async fn x_should_retry_false_on_a_500_is_not_retried() {
    let server = MockServer::start().await;
    messages()
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-should-retry", "false")
                .set_body_json(api_error("api_error", "Internal server error")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = generator(&server).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
}

#[tokio::test]
async fn retries_stop_after_max_retries_with_the_last_error() {
    let server = MockServer::start().await;
    messages()
        .respond_with(ResponseTemplate::new(529).set_body_json(api_error("overloaded_error", "Overloaded")))
        .expect(3)
        .mount(&server)
        .await;
    let err = generator(&server).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Transient { ref message, .. } if message.contains("overloaded")), "{err:?}");
    assert!(err.is_retryable(), "a later job run may still succeed");
}

#[tokio::test]
async fn a_spend_limit_429_is_not_retried_and_says_why() {
    let server = MockServer::start().await;
    let mut body = api_error("rate_limit_error", "You have reached your specified API usage limits.");
    body["error"]["details"] = json!({"error_code": "enforced_spend_limit_reached"});
    messages()
        .respond_with(ResponseTemplate::new(429).insert_header("x-should-retry", "true").set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let err = generator(&server).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Config(ref m) if m.contains("spend limit") && m.contains("enforced_spend_limit_reached")), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn the_recorded_400_invalid_request_is_invalid_input_and_not_retried() {
    let server = MockServer::start().await;
    let recorded = &exchanges("tool_runner_with_400_invalid_request.json")[1]["response"];
    assert_eq!(recorded["status_code"], 400);
    messages()
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-should-retry", recorded["headers"]["x-should-retry"].as_str().unwrap())
                .set_body_json(recorded["body"].clone()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = generator(&server).generate(request(1)).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref message, .. } if message.contains("invalid_request_error") && message.contains("req_011CYHyk9NPsBYeGbC9LuDNK")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_timeout_is_transient_after_the_retries() {
    let server = MockServer::start().await;
    messages()
        .respond_with(ResponseTemplate::new(200).set_body_json(answer(&drafts_json(1))).set_delay(Duration::from_millis(800)))
        .expect(2)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.timeout_ms = 100;
    c.max_retries = 1;
    let err = ClaudeGenerator::new(c).unwrap().generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Transient { ref message, .. } if message.contains("timed out")), "{err:?}");
}

#[tokio::test]
async fn unknown_content_blocks_are_skipped() {
    let server = MockServer::start().await;
    let tool_use = recorded("tool_runner_with_400_invalid_request.json", 0)["content"][0].clone();
    assert_eq!(tool_use["type"], "tool_use");
    let mut body = answer("");
    body["content"] = json!([
        {"type": "thinking", "thinking": "Let me plan the posts.", "signature": "EqQBCgIYAhIM"},
        tool_use,
        {"type": "text", "text": drafts_json(1)},
        {"type": "a_block_type_from_the_future", "data": {"x": 1}},
    ]);
    body["usage"]["a_counter_from_the_future"] = json!(3);
    messages().respond_with(ResponseTemplate::new(200).set_body_json(body)).expect(1).mount(&server).await;
    let generation = generator(&server).generate(request(1)).await.unwrap();
    assert_eq!(generation.drafts[0].title.as_deref(), Some("Post 1"));
    assert_eq!(generation.usage.input_tokens, 406);
}

#[tokio::test]
async fn a_malformed_answer_is_repaired_once_and_usage_covers_both_calls() {
    let server = MockServer::start().await;
    let prose = format!("Sure! Here are your posts:\n{}", drafts_json(1));
    messages()
        .respond_with(ResponseTemplate::new(200).set_body_json(answer_with_usage(&prose, 100, 50, 2_000, 0)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let fenced = format!("```json\n{}\n```", drafts_json(1));
    messages()
        .respond_with(ResponseTemplate::new(200).set_body_json(answer_with_usage(&fenced, 160, 40, 0, 2_000)))
        .expect(1)
        .mount(&server)
        .await;

    let generation = generator(&server).generate(request(1)).await.unwrap();
    assert_eq!(generation.drafts[0].content, "Body of post 1.\n\nSecond paragraph.");
    assert_eq!(
        generation.usage,
        Usage { input_tokens: 260, output_tokens: 90, cache_creation_input_tokens: 2_000, cache_read_input_tokens: 2_000 }
    );

    let sent = bodies(&server).await;
    let repair = sent[1]["messages"].as_array().unwrap();
    assert_eq!(repair.len(), 3);
    assert_eq!(repair[0], sent[0]["messages"][0], "the same first turn");
    assert_eq!(repair[1], json!({"role": "assistant", "content": prose.trim_end()}));
    assert_eq!(repair[2], json!({"role": "user", "content": REPAIR_INSTRUCTION}));
    assert_eq!(sent[1]["system"], sent[0]["system"], "the cached prefix is reused");
}

#[tokio::test]
async fn an_answer_malformed_twice_is_permanent_and_carries_the_raw_answer() {
    let server = MockServer::start().await;
    messages()
        .respond_with(ResponseTemplate::new(200).set_body_json(answer("Post 1: growth is a team sport. {not json")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    messages()
        .respond_with(ResponseTemplate::new(200).set_body_json(answer(r#"{"drafts":[{"content":"   "}]}"#)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let err = generator(&server).generate(request(1)).await.unwrap_err();
    let Error::Permanent(message) = &err else { panic!("{err:?}") };
    assert!(message.contains(r#"{"drafts":[{"content":"   "}]}"#), "{message}");
    assert!(message.contains("growth is a team sport"), "{message}");
    assert!(message.contains("non-empty"), "{message}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "one repair, no more");
}

#[tokio::test]
async fn a_huge_malformed_answer_is_truncated_in_the_error() {
    let server = MockServer::start().await;
    let huge = "not json ".repeat(5_000);
    messages().respond_with(ResponseTemplate::new(200).set_body_json(answer(&huge))).expect(2).mount(&server).await;
    let err = generator(&server).generate(request(1)).await.unwrap_err();
    let text = err.to_string();
    assert!(text.len() < 4_000 && text.contains("more characters"), "{} chars", text.len());
}

#[tokio::test]
async fn a_refusal_is_permanent_without_a_repair() {
    let server = MockServer::start().await;
    let mut body = answer("I can't help with that.");
    body["stop_reason"] = json!("refusal");
    messages().respond_with(ResponseTemplate::new(200).set_body_json(body)).expect(1).mount(&server).await;
    let err = generator(&server).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Permanent(ref m) if m.contains("refused")), "{err:?}");
}

/// Answers 200 with `anthropic-ratelimit-requests-remaining: 0` and a reset `delay` from now.
struct ExhaustedFor(Duration);

impl Respond for ExhaustedFor {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let reset = chrono::Utc::now() + chrono::Duration::from_std(self.0).unwrap();
        ResponseTemplate::new(200)
            .insert_header("anthropic-ratelimit-requests-limit", "50")
            .insert_header("anthropic-ratelimit-requests-remaining", "0")
            .insert_header("anthropic-ratelimit-requests-reset", reset.to_rfc3339_opts(chrono::SecondsFormat::Millis, true).as_str())
            .insert_header("anthropic-ratelimit-tokens-remaining", "38000")
            .set_body_json(answer(&drafts_json(1)))
    }
}

#[tokio::test]
async fn an_exhausted_request_limit_holds_the_next_call_until_its_reset() {
    let server = MockServer::start().await;
    messages().respond_with(ExhaustedFor(Duration::from_millis(400))).up_to_n_times(1).mount(&server).await;
    messages().respond_with(ResponseTemplate::new(200).set_body_json(answer(&drafts_json(1)))).mount(&server).await;
    let claude = generator(&server);
    claude.generate(request(1)).await.unwrap();
    let start = Instant::now();
    claude.generate(request(1)).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(300), "the second call started after {:?}", start.elapsed());
    // With room left, nothing waits.
    let start = Instant::now();
    claude.generate(request(1)).await.unwrap();
    assert!(start.elapsed() < Duration::from_millis(300), "{:?}", start.elapsed());
}

#[tokio::test]
async fn an_invalid_request_is_refused_before_any_call() {
    let server = MockServer::start().await;
    messages().respond_with(ResponseTemplate::new(200).set_body_json(answer(&drafts_json(1)))).expect(0).mount(&server).await;
    let claude = generator(&server);
    let err = claude.generate(request(0)).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { field: Some(ref f), .. } if f == "count"), "{err:?}");
    let mut blank = request(1);
    blank.instruction = "  ".into();
    assert!(matches!(claude.generate(blank).await, Err(Error::InvalidInput { .. })));
}

#[tokio::test]
async fn the_key_never_shows_in_debug_output() {
    let server = MockServer::start().await;
    let text = format!("{:?}", generator(&server));
    assert!(!text.contains(KEY), "{text}");
    assert_eq!(generator(&server).model(), MODEL);
}

/// Answers like [`answer`] after `delay`, noting when each request arrived.
struct Clocked {
    arrivals: std::sync::Arc<std::sync::Mutex<Vec<Instant>>>,
    delay: Duration,
}

impl Respond for Clocked {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.arrivals.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(200).set_delay(self.delay).set_body_json(answer(&drafts_json(1)))
    }
}

async fn arrivals_of_four_concurrent_calls(coalesce: bool) -> Vec<Duration> {
    let server = MockServer::start().await;
    let arrivals = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    messages().respond_with(Clocked { arrivals: arrivals.clone(), delay: Duration::from_millis(250) }).expect(4).mount(&server).await;
    let mut c = config(&server);
    c.coalesce_cache_writes = coalesce;
    let claude = ClaudeGenerator::new(c).unwrap();
    let (a, b, d, e) =
        tokio::join!(claude.generate(request(1)), claude.generate(request(1)), claude.generate(request(1)), claude.generate(request(1)));
    for r in [a, b, d, e] {
        assert_eq!(r.unwrap().drafts.len(), 1);
    }
    let mut t = arrivals.lock().unwrap().clone();
    t.sort();
    t.iter().map(|&x| x - t[0]).collect()
}

#[tokio::test]
async fn concurrent_calls_over_one_prefix_wait_for_the_first_to_write_the_cache() {
    let offsets = arrivals_of_four_concurrent_calls(true).await;
    assert!(offsets[1] >= Duration::from_millis(200), "the others waited for the first answer: {offsets:?}");
    assert!(offsets[3] - offsets[1] < Duration::from_millis(200), "then went together: {offsets:?}");
}

#[tokio::test]
async fn without_coalescing_concurrent_calls_go_at_once() {
    let offsets = arrivals_of_four_concurrent_calls(false).await;
    assert!(offsets[3] < Duration::from_millis(200), "{offsets:?}");
}

#[tokio::test]
async fn a_failed_cache_writer_releases_the_waiting_calls() {
    let server = MockServer::start().await;
    messages()
        .respond_with(
            ResponseTemplate::new(400)
                .set_delay(Duration::from_millis(100))
                .set_body_json(api_error("invalid_request_error", "bad request")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    messages().respond_with(ResponseTemplate::new(200).set_body_json(answer(&drafts_json(1)))).mount(&server).await;
    let claude = generator(&server);
    let (a, b, c) = tokio::join!(claude.generate(request(1)), claude.generate(request(1)), claude.generate(request(1)));
    let failed = [&a, &b, &c].iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 1, "{a:?} {b:?} {c:?}");
}
