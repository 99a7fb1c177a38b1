//! `ClaudeGenerator` against a wiremock Messages API answering with recorded server-sent-event
//! streams: the outgoing request (headers, `stream: true`, cache breakpoint, format instruction),
//! how each answer and each stream failure is classified and retried, rate-limit pacing, the
//! repair round-trip, live progress, and cache-write coalescing. Streams and bodies come from
//! recorded real exchanges in `tests/fixtures/anthropic/` (only the answer text is replaced).
//! Where a stream must pause or hang part-way (which wiremock cannot do), a scripted local server
//! (`tests/support/sse_server.rs`) is used. Nothing here reaches the internet, and no assertion is
//! a wall-clock ceiling: concurrency is checked by the order in which the server saw things.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

#[path = "support/sse_server.rs"]
mod sse_server;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use growth_core::Error;
use growth_core::domain::ContentType;
use growth_core::generate::{ContentGenerator, GenerationObserver, GenerationRequest, PromptBlock, StreamProgress, Usage};
use growth_llm::anthropic::{CacheRelease, ClaudeConfig, ClaudeGenerator, DRAFTS_JSON_FORMAT, REPAIR_INSTRUCTION};
use serde_json::{Value, json};
use sse_server::{Seen, SseServer, Step, messages_stream};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MODEL: &str = "claude-sonnet-4-5";
const KEY: &str = "sk-ant-test-key";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/anthropic");
/// The documented mid-stream error event (see PROVENANCE.md).
const OVERLOADED_EVENT: &str =
    "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n";

/// The exchanges of one recorded fixture file.
fn exchanges(name: &str) -> Vec<Value> {
    serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()).unwrap()
}

/// A recorded raw stream.
fn sse_fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/streaming_sse/{name}")).unwrap()
}

/// The recorded 200 stream of `messages_stream_429_then_200.json`.
fn recorded_stream() -> String {
    exchanges("messages_stream_429_then_200.json")[2]["response"]["body"].as_str().unwrap().to_owned()
}

/// `(event name, data)` of each event of a raw stream.
fn events(raw: &str) -> Vec<(String, Value)> {
    raw.split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_owned(), serde_json::from_str(data.trim()).unwrap()))
        })
        .collect()
}

fn render(events: &[(String, Value)]) -> String {
    events.iter().map(|(name, data)| format!("event: {name}\ndata: {data}\n\n")).collect()
}

/// The recorded stream with its text deltas replaced by `text` in `pieces` deltas and, when
/// given, these usage numbers `(input, output, cache write, cache read)`.
fn stream_of(text: &str, pieces: usize, usage: Option<(u64, u64, u64, u64)>) -> String {
    let recorded = events(&recorded_stream());
    let template = recorded.iter().find(|(n, _)| n == "content_block_delta").unwrap().1.clone();
    let chars: Vec<char> = text.chars().collect();
    let per = chars.len().div_ceil(pieces.max(1)).max(1);
    let mut out = Vec::new();
    for (name, mut data) in recorded {
        match name.as_str() {
            "content_block_delta" => continue,
            "content_block_stop" => {
                for piece in chars.chunks(per) {
                    let mut delta = template.clone();
                    delta["delta"]["text"] = json!(piece.iter().collect::<String>());
                    out.push(("content_block_delta".to_owned(), delta));
                }
            }
            "message_start" => {
                if let Some((input, _, write, read)) = usage {
                    data["message"]["usage"]["input_tokens"] = json!(input);
                    data["message"]["usage"]["cache_creation_input_tokens"] = json!(write);
                    data["message"]["usage"]["cache_read_input_tokens"] = json!(read);
                }
            }
            "message_delta" => {
                if let Some((input, output, write, read)) = usage {
                    data["usage"] = json!({"input_tokens": input, "cache_creation_input_tokens": write,
                                           "cache_read_input_tokens": read, "output_tokens": output});
                }
            }
            _ => {}
        }
        out.push((name, data));
    }
    render(&out)
}

fn streamed(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "text/event-stream; charset=utf-8")
}

/// The recorded 429 `rate_limit_error` body.
fn rate_limited() -> Value {
    exchanges("messages_429_rate_limit_then_200.json")[0]["response"]["body"].clone()
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

fn config(uri: &str) -> ClaudeConfig {
    let mut c = ClaudeConfig::new(KEY, MODEL);
    c.base_url = uri.to_owned();
    c.max_tokens = 2_000;
    c.stall_timeout_ms = 2_000;
    c.initial_backoff_ms = 10;
    c.max_backoff_ms = 50;
    c
}

fn generator(server: &MockServer) -> ClaudeGenerator {
    ClaudeGenerator::new(config(&server.uri())).unwrap()
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
async fn a_call_streams_with_key_version_and_one_cache_breakpoint_and_maps_the_streamed_usage() {
    let server = MockServer::start().await;
    messages()
        .and(header("x-api-key", KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({"stream": true})))
        .respond_with(streamed(stream_of(&drafts_json(2), 7, Some((57, 412, 2_048, 0)))))
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
    assert_eq!(generation.model, "claude-sonnet-4-5-20250929", "the model the stream names");

    let body = &bodies(&server).await[0];
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["max_tokens"], 2_000);
    assert_eq!(body["stream"], true);
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
async fn the_recorded_stream_is_read_with_its_own_usage() {
    let server = MockServer::start().await;
    messages().respond_with(streamed(stream_of(&drafts_json(1), 3, None))).expect(1).mount(&server).await;
    let generation = generator(&server).generate(request(1)).await.unwrap();
    // The recorded message_start and message_delta both say 135 input and 0 cache tokens; the
    // final output count is message_delta's.
    assert_eq!(
        generation.usage,
        Usage { input_tokens: 135, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
    );
}

/// Keeps every progress report.
#[derive(Default)]
struct Reports(Mutex<Vec<StreamProgress>>);

impl GenerationObserver for Reports {
    fn on_progress(&self, p: &StreamProgress) {
        self.0.lock().unwrap().push(p.clone());
    }
}

#[tokio::test]
async fn progress_grows_with_each_delta_and_ends_with_the_reported_output_count() {
    let server = MockServer::start().await;
    messages().respond_with(streamed(stream_of(&drafts_json(3), 12, Some((10, 321, 0, 0))))).expect(1).mount(&server).await;
    let reports = Reports::default();
    let generation = generator(&server).generate_with_progress(request(3), &reports).await.unwrap();
    assert_eq!(generation.drafts.len(), 3);
    let seen = reports.0.lock().unwrap().clone();
    assert!(seen.len() >= 12, "one report per delta at least: {}", seen.len());
    let begun: Vec<usize> = seen.iter().map(|p| p.draft_tokens.len()).collect();
    assert!(begun.windows(2).all(|w| w[0] <= w[1]) && begun.last() == Some(&3), "{begun:?}");
    let estimates: Vec<u64> = seen.iter().map(|p| p.output_tokens).take(seen.len() - 1).collect();
    assert!(estimates.windows(2).all(|w| w[0] <= w[1]), "{estimates:?}");
    assert_eq!(seen.last().unwrap().output_tokens, 321, "the provider's count replaces the estimate");
}

#[tokio::test]
async fn a_request_budget_lowers_max_tokens_and_extra_drafts_are_cut_to_count() {
    let server = MockServer::start().await;
    messages().respond_with(streamed(stream_of(&drafts_json(5), 4, None))).expect(1).mount(&server).await;
    let mut req = request(3);
    req.max_tokens = Some(700);
    let generation = generator(&server).generate(req).await.unwrap();
    assert_eq!(generation.drafts.len(), 3);
    assert_eq!(bodies(&server).await[0]["max_tokens"], 700);
}

#[tokio::test]
async fn the_recorded_streaming_429s_are_retried_until_the_recorded_200_stream() {
    let server = MockServer::start().await;
    let recorded = exchanges("messages_stream_429_then_200.json");
    for exchange in &recorded[..2] {
        let r = &exchange["response"];
        assert_eq!(r["status_code"], 429);
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
    messages().respond_with(streamed(stream_of(&drafts_json(1), 4, None))).expect(1).mount(&server).await;

    let generation = generator(&server).generate(request(1)).await.unwrap();
    assert_eq!(generation.usage.input_tokens, 135);
    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 3, "two retries, the SDK's default");
    assert!(sent.iter().all(|b| b["stream"] == true && b == &sent[0]), "the same streaming request each time");
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
    messages().respond_with(streamed(stream_of(&drafts_json(1), 2, None))).expect(1).mount(&server).await;

    let start = Instant::now();
    let generation = generator(&server).generate(request(1)).await.unwrap();
    assert_eq!(generation.drafts.len(), 1);
    assert!(start.elapsed() >= Duration::from_millis(300), "waited {:?}", start.elapsed());
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
    messages().respond_with(streamed(stream_of(&drafts_json(1), 2, None))).expect(1).mount(&server).await;
    assert_eq!(generator(&server).generate(request(1)).await.unwrap().drafts.len(), 1);
}

#[tokio::test]
async fn an_overloaded_error_event_mid_stream_is_retried_and_progress_starts_over() {
    let server = MockServer::start().await;
    // The recorded stream up to its second delta, then the documented error event.
    let full = stream_of(&drafts_json(1), 6, None);
    let cut: String = full.split_inclusive("\n\n").take(5).collect::<String>() + OVERLOADED_EVENT;
    assert!(cut.contains("content_block_delta") && !cut.contains("message_stop"));
    messages().respond_with(streamed(cut)).up_to_n_times(1).expect(1).mount(&server).await;
    messages().respond_with(streamed(full)).expect(1).mount(&server).await;

    let reports = Reports::default();
    let generation = generator(&server).generate_with_progress(request(1), &reports).await.unwrap();
    assert_eq!(generation.drafts[0].title.as_deref(), Some("Post 1"));
    let tokens: Vec<u64> = reports.0.lock().unwrap().iter().map(|p| p.output_tokens).collect();
    assert!(tokens.windows(2).any(|w| w[1] < w[0]), "the retried answer restarts from zero: {tokens:?}");
}

#[tokio::test]
async fn an_invalid_request_error_event_mid_stream_is_not_retried() {
    let server = MockServer::start().await;
    let first = sse_fixture("basic_response.sse");
    let cut: String = first.split_inclusive("\n\n").take(3).collect::<String>()
        + "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"invalid_request_error\", \"message\": \"bad\"}}\n\n";
    messages().respond_with(streamed(cut)).expect(1).mount(&server).await;
    let err = generator(&server).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
}

#[tokio::test]
async fn a_stream_cut_before_message_stop_is_transient_and_retried() {
    let server = MockServer::start().await;
    let full = stream_of(&drafts_json(1), 6, None);
    let cut: String = full.split_inclusive("\n\n").take(6).collect();
    messages().respond_with(streamed(cut)).up_to_n_times(1).expect(1).mount(&server).await;
    messages().respond_with(streamed(full)).expect(1).mount(&server).await;
    assert_eq!(generator(&server).generate(request(1)).await.unwrap().drafts.len(), 1);
}

#[tokio::test]
async fn a_silent_server_is_a_retryable_stall_after_the_retries_not_a_hang() {
    let server = MockServer::start().await;
    messages().respond_with(streamed(stream_of(&drafts_json(1), 2, None)).set_delay(Duration::from_secs(5))).expect(2).mount(&server).await;
    let mut c = config(&server.uri());
    c.stall_timeout_ms = 100;
    c.max_retries = 1;
    let err = ClaudeGenerator::new(c).unwrap().generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Transient { ref message, .. } if message.contains("stalled")), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_stream_that_stalls_after_its_first_events_is_retried() {
    let text = drafts_json(1);
    let server = SseServer::start(move |i, _| {
        let mut steps = messages_stream(&text, 4, (10, 20, 0, 0), Duration::ZERO);
        if i == 0 {
            // message_start, the block start, a ping, one delta … then silence.
            steps.truncate(5);
            steps.push(Step::Sleep(Duration::from_secs(5)));
        }
        steps
    })
    .await;
    let mut c = config(&server.uri());
    c.stall_timeout_ms = 150;
    let generation = ClaudeGenerator::new(c).unwrap().generate(request(1)).await.unwrap();
    assert_eq!(generation.drafts.len(), 1);
    assert_eq!(server.bodies().len(), 2, "the stalled stream was given up and the call sent again");
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
    messages().respond_with(streamed(stream_of(&drafts_json(1), 2, None))).expect(1).mount(&server).await;
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
async fn tool_use_blocks_and_their_input_json_are_kept_out_of_the_drafts() {
    let server = MockServer::start().await;
    // The recorded tool-use stream, its text deltas replaced by the drafts JSON.
    let mut out = Vec::new();
    for (name, mut data) in events(&sse_fixture("tool_use_response.sse")) {
        if name == "content_block_delta" && data["index"] == 0 {
            if data["delta"]["text"] == "I" {
                data["delta"]["text"] = json!(drafts_json(1));
            } else {
                continue;
            }
        }
        out.push((name, data));
    }
    messages().respond_with(streamed(render(&out))).expect(1).mount(&server).await;
    let generation = generator(&server).generate(request(1)).await.unwrap();
    assert_eq!(generation.drafts[0].title.as_deref(), Some("Post 1"));
    assert_eq!((generation.usage.input_tokens, generation.usage.output_tokens), (377, 65));
}

#[tokio::test]
async fn a_malformed_answer_is_repaired_once_and_usage_covers_both_calls() {
    let server = MockServer::start().await;
    let prose = format!("Sure! Here are your posts:\n{}", drafts_json(1));
    messages().respond_with(streamed(stream_of(&prose, 5, Some((100, 50, 2_000, 0))))).up_to_n_times(1).expect(1).mount(&server).await;
    let fenced = format!("```json\n{}\n```", drafts_json(1));
    messages().respond_with(streamed(stream_of(&fenced, 5, Some((160, 40, 0, 2_000))))).expect(1).mount(&server).await;

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
    assert_eq!(sent[1]["stream"], true);
}

#[tokio::test]
async fn the_recorded_hello_there_stream_is_not_drafts_and_gets_its_repair() {
    let server = MockServer::start().await;
    messages().respond_with(streamed(sse_fixture("basic_response.sse"))).up_to_n_times(1).expect(1).mount(&server).await;
    messages().respond_with(streamed(stream_of(&drafts_json(1), 2, None))).expect(1).mount(&server).await;
    let generation = generator(&server).generate(request(1)).await.unwrap();
    assert_eq!(generation.drafts.len(), 1);
    assert_eq!(bodies(&server).await[1]["messages"][1], json!({"role": "assistant", "content": "Hello there!"}));
}

#[tokio::test]
async fn an_answer_malformed_twice_is_permanent_and_carries_the_raw_answer() {
    let server = MockServer::start().await;
    messages()
        .respond_with(streamed(stream_of("Post 1: growth is a team sport. {not json", 3, None)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    messages().respond_with(streamed(stream_of(r#"{"drafts":[{"content":"   "}]}"#, 3, None))).up_to_n_times(1).mount(&server).await;
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
    messages().respond_with(streamed(stream_of(&huge, 40, None))).expect(2).mount(&server).await;
    // ~1,100 events: on two busy cores a 2 s stall window can lapse between them and count a
    // third request; this test is about the error's length, so give the stream room.
    let mut c = config(&server.uri());
    c.stall_timeout_ms = 30_000;
    let err = ClaudeGenerator::new(c).unwrap().generate(request(1)).await.unwrap_err();
    let text = err.to_string();
    assert!(text.len() < 4_000 && text.contains("more characters"), "{} chars", text.len());
}

#[tokio::test]
async fn the_recorded_refusal_is_permanent_without_a_repair() {
    let server = MockServer::start().await;
    messages().respond_with(streamed(sse_fixture("refusal_response.sse"))).expect(1).mount(&server).await;
    let err = generator(&server).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Permanent(ref m) if m.contains("refused")), "{err:?}");
}

#[tokio::test]
async fn an_answer_sent_whole_instead_of_streamed_is_read_too() {
    let server = MockServer::start().await;
    let mut body = exchanges("messages_create_structured_output_200.json")[0]["response"]["body"].clone();
    body["content"][0]["text"] = json!(drafts_json(1));
    messages().respond_with(ResponseTemplate::new(200).set_body_json(body)).expect(1).mount(&server).await;
    let generation = generator(&server).generate(request(1)).await.unwrap();
    assert_eq!((generation.drafts.len(), generation.usage.input_tokens), (1, 406));
}

/// Answers with the recorded stream and `anthropic-ratelimit-requests-remaining: 0` resetting at
/// `reset`; notes when each request arrives.
struct Exhausted {
    reset: chrono::DateTime<chrono::Utc>,
    arrivals: Arc<Mutex<Vec<chrono::DateTime<chrono::Utc>>>>,
}

impl Respond for Exhausted {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut arrivals = self.arrivals.lock().unwrap();
        arrivals.push(chrono::Utc::now());
        let template = streamed(stream_of(&drafts_json(1), 2, None));
        if arrivals.len() > 1 {
            return template;
        }
        template
            .insert_header("anthropic-ratelimit-requests-limit", "50")
            .insert_header("anthropic-ratelimit-requests-remaining", "0")
            .insert_header("anthropic-ratelimit-requests-reset", self.reset.to_rfc3339_opts(chrono::SecondsFormat::Millis, true).as_str())
            .insert_header("anthropic-ratelimit-tokens-remaining", "38000")
    }
}

#[tokio::test]
async fn an_exhausted_request_limit_holds_the_next_call_until_its_reset() {
    let server = MockServer::start().await;
    // Whole milliseconds, as the header carries it.
    let reset =
        chrono::DateTime::from_timestamp_millis((chrono::Utc::now() + chrono::Duration::milliseconds(400)).timestamp_millis()).unwrap();
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    messages().respond_with(Exhausted { reset, arrivals: arrivals.clone() }).expect(2).mount(&server).await;
    let claude = generator(&server);
    claude.generate(request(1)).await.unwrap();
    claude.generate(request(1)).await.unwrap();
    let arrivals = arrivals.lock().unwrap().clone();
    assert!(arrivals[0] < reset, "the first call went at once");
    assert!(arrivals[1] >= reset, "the second waited for the reset: {:?} < {reset:?}", arrivals[1]);
}

#[tokio::test]
async fn an_invalid_request_is_refused_before_any_call() {
    let server = MockServer::start().await;
    messages().respond_with(streamed(stream_of(&drafts_json(1), 2, None))).expect(0).mount(&server).await;
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

// --- Cache-write coalescing, checked by the order in which the server saw things ---

const CALLS: usize = 4;

/// What the coalescing server holds back.
#[derive(Clone, Copy, PartialEq)]
enum Hold {
    /// The first answer stays open after its `message_start` until all `CALLS` requests have
    /// arrived — so the held calls can only arrive in time if `message_start` released them.
    WriterAfterStart,
    /// Every answer waits for all `CALLS` requests before its `message_start`.
    EveryoneBeforeStart,
    /// Nothing: answers stream at once (with short pauses between deltas).
    Nothing,
}

/// A Messages stream server for the coalescing tests. Waits are capped at 5 s, a guard that only
/// a failing run reaches.
async fn coalescing_server(hold: Hold) -> SseServer {
    let text = drafts_json(1);
    SseServer::start(move |i, _| {
        let usage = (10, 20, if i == 0 { 2_000 } else { 0 }, if i == 0 { 0 } else { 2_000 });
        let mut steps = messages_stream(&text, 3, usage, Duration::from_millis(5));
        let wait = Step::AwaitArrivals { n: CALLS, max: Duration::from_secs(5) };
        match hold {
            Hold::EveryoneBeforeStart => steps.insert(0, wait),
            Hold::WriterAfterStart if i == 0 => steps.insert(1, wait),
            _ => {}
        }
        steps
    })
    .await
}

async fn four_calls(server: &SseServer, coalesce: bool, release: CacheRelease) {
    let mut c = config(&server.uri());
    c.coalesce_cache_writes = coalesce;
    c.cache_release = release;
    c.stall_timeout_ms = 10_000;
    let claude = ClaudeGenerator::new(c).unwrap();
    let (a, b, d, e) =
        tokio::join!(claude.generate(request(1)), claude.generate(request(1)), claude.generate(request(1)), claude.generate(request(1)));
    for r in [a, b, d, e] {
        assert_eq!(r.unwrap().drafts.len(), 1);
    }
}

#[tokio::test]
async fn held_calls_go_when_the_writers_message_start_arrives_not_when_it_answers() {
    let server = coalescing_server(Hold::WriterAfterStart).await;
    four_calls(&server, true, CacheRelease::FirstEvent).await;
    let log = server.log();
    let at = |e: Seen| server.position(&e).unwrap_or_else(|| panic!("{e:?} not in {log:?}"));
    let writer_started = at(Seen::Sent(0, "message_start".into()));
    let writer_done = at(Seen::Sent(0, "message_stop".into()));
    assert_eq!(at(Seen::Arrived(0)), 0, "the writer went first");
    for i in 1..CALLS {
        let arrived = at(Seen::Arrived(i));
        assert!(writer_started < arrived && arrived < writer_done, "call {i} arrived while the writer streamed: {log:?}");
    }
}

#[tokio::test]
async fn with_release_on_answer_the_held_calls_wait_for_the_whole_answer() {
    let server = coalescing_server(Hold::Nothing).await;
    four_calls(&server, true, CacheRelease::Answer).await;
    let log = server.log();
    let writer_done = server.position(&Seen::Sent(0, "message_stop".into())).unwrap();
    for i in 1..CALLS {
        assert!(server.position(&Seen::Arrived(i)).unwrap() > writer_done, "call {i}: {log:?}");
    }
}

#[tokio::test]
async fn without_coalescing_concurrent_calls_all_go_before_any_answer_begins() {
    let server = coalescing_server(Hold::EveryoneBeforeStart).await;
    four_calls(&server, false, CacheRelease::FirstEvent).await;
    let log = server.log();
    let first_start = log.iter().position(|e| matches!(e, Seen::Sent(_, l) if l == "message_start")).unwrap();
    assert!(log[..first_start].iter().filter(|e| matches!(e, Seen::Arrived(_))).count() == CALLS, "{log:?}");
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
    messages().respond_with(streamed(stream_of(&drafts_json(1), 2, None))).mount(&server).await;
    let claude = generator(&server);
    let (a, b, c) = tokio::join!(claude.generate(request(1)), claude.generate(request(1)), claude.generate(request(1)));
    let failed = [&a, &b, &c].iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 1, "{a:?} {b:?} {c:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}
