//! `OpenAiCompatGenerator` against wiremock Chat Completions servers answering with the shapes of
//! OpenAI's and Ollama's documentation (`tests/fixtures/openai_compat/`, see PROVENANCE.md): the
//! outgoing request, streamed and whole answers, JSON modes, the repair round-trip, and how each
//! failure is classified and retried. Nothing here reaches the internet.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::sync::Mutex;
use std::time::Duration;

use growth_core::Error;
use growth_core::domain::ContentType;
use growth_core::generate::{ContentGenerator, GenerationObserver, GenerationRequest, PromptBlock, StreamProgress, Usage};
use growth_llm::anthropic::{DRAFTS_JSON_FORMAT, REPAIR_INSTRUCTION};
use growth_llm::openai_compat::{JsonMode, MaxTokensField, OpenAiCompatConfig, OpenAiCompatGenerator};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openai_compat");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// The `data:` payloads of a recorded stream.
fn chunks(raw: &str) -> Vec<String> {
    raw.split("\n\n").filter_map(|b| b.trim().strip_prefix("data: ").map(str::to_owned)).collect()
}

/// A recorded stream with its content chunks replaced by `text` in `pieces` chunks, each cloned
/// from the recording's first chunk that carries content.
fn stream_of(fixture_name: &str, text: &str, pieces: usize) -> String {
    let recorded = chunks(&fixture(fixture_name));
    let is_content = |c: &String| {
        serde_json::from_str::<Value>(c)
            .ok()
            .and_then(|v| v["choices"][0]["delta"]["content"].as_str().map(|s| !s.is_empty()))
            .unwrap_or(false)
    };
    let template: Value = serde_json::from_str(recorded.iter().find(|c| is_content(c)).unwrap()).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let per = chars.len().div_ceil(pieces.max(1)).max(1);
    let mut out = Vec::new();
    let mut replaced = false;
    for c in &recorded {
        if is_content(c) {
            if !replaced {
                for piece in chars.chunks(per) {
                    let mut chunk = template.clone();
                    chunk["choices"][0]["delta"]["content"] = json!(piece.iter().collect::<String>());
                    out.push(chunk.to_string());
                }
                replaced = true;
            }
            continue;
        }
        out.push(c.clone());
    }
    out.iter().map(|c| format!("data: {c}\n\n")).collect()
}

fn streamed(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "text/event-stream")
}

/// OpenAI's documented whole answer, answering `text`.
fn whole(text: &str) -> ResponseTemplate {
    let mut body = fixture_json("openai_chat_completion.json");
    body["choices"][0]["message"]["content"] = json!(text);
    ResponseTemplate::new(200).set_body_json(body)
}

fn drafts_json(n: usize) -> String {
    let drafts: Vec<Value> = (1..=n)
        .map(|i| json!({"title": format!("Post {i}"), "content": format!("Body of post {i}.\n\nSecond paragraph."), "format": "insight"}))
        .collect();
    json!({ "drafts": drafts }).to_string()
}

fn config(server: &MockServer) -> OpenAiCompatConfig {
    let mut c = OpenAiCompatConfig::new(format!("{}/v1", server.uri()), "qwen2.5:14b");
    c.max_tokens = 1_500;
    c.stall_timeout_ms = 2_000;
    c.initial_backoff_ms = 10;
    c.max_backoff_ms = 50;
    c
}

fn generator(c: OpenAiCompatConfig) -> OpenAiCompatGenerator {
    OpenAiCompatGenerator::new(c).unwrap()
}

fn request(count: u32) -> GenerationRequest {
    GenerationRequest {
        content_type: ContentType::LinkedinPost,
        count,
        system: vec![
            PromptBlock { text: "You are the founder. Plain words.".into(), cacheable: true },
            PromptBlock { text: "  ".into(), cacheable: true },
            PromptBlock { text: "Transcript:\nWe killed the demo call.".into(), cacheable: true },
        ],
        instruction: format!("Write {count} LinkedIn posts."),
        source_text: String::new(),
        source_title: None,
        max_tokens: None,
    }
}

fn completions() -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path("/v1/chat/completions"))
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server.received_requests().await.unwrap().iter().map(|r| r.body_json().unwrap()).collect()
}

#[tokio::test]
async fn a_streamed_call_sends_the_chat_shape_and_reads_openais_documented_chunks() {
    let server = MockServer::start().await;
    completions()
        .and(header("authorization", "Bearer sk-test"))
        .respond_with(streamed(stream_of("openai_chat_completion_stream.sse", &drafts_json(2), 6)))
        .expect(1)
        .mount(&server)
        .await;
    let g = generator(config(&server).with_api_key("sk-test"));
    let generation = g.generate(request(2)).await.unwrap();
    assert_eq!(generation.drafts.len(), 2);
    assert_eq!(generation.drafts[1].content, "Body of post 2.\n\nSecond paragraph.");
    assert_eq!(generation.model, "gpt-4o-mini", "the model the chunks name");
    assert_eq!(generation.usage, Usage { input_tokens: 9, output_tokens: 12, ..Usage::default() }, "from the usage chunk");

    let body = &bodies(&server).await[0];
    assert_eq!(body["model"], "qwen2.5:14b");
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "You are the founder. Plain words.\n\nTranscript:\nWe killed the demo call."})
    );
    assert_eq!(body["messages"][1]["role"], "user");
    assert!(body["messages"][1]["content"].as_str().unwrap().contains(DRAFTS_JSON_FORMAT));
    assert_eq!(body["messages"].as_array().unwrap().len(), 2);
    assert_eq!((body["max_tokens"].clone(), body.get("max_completion_tokens")), (json!(1_500), None));
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    assert_eq!(body["response_format"], json!({"type": "json_object"}));
}

#[tokio::test]
async fn ollamas_stream_with_json_schema_and_no_key() {
    let server = MockServer::start().await;
    completions().respond_with(streamed(stream_of("ollama_chat_completion_stream.sse", &drafts_json(1), 4))).expect(1).mount(&server).await;
    let mut c = config(&server);
    c.json_mode = JsonMode::JsonSchema;
    let generation = generator(c).generate(request(1)).await.unwrap();
    assert_eq!(generation.drafts[0].title.as_deref(), Some("Post 1"));
    assert_eq!((generation.model.as_str(), generation.usage.input_tokens, generation.usage.output_tokens), ("qwen2.5-coder:32b", 30, 3));
    let received = &server.received_requests().await.unwrap()[0];
    assert!(received.headers.get("authorization").is_none(), "no key, no header");
    let body: Value = received.body_json().unwrap();
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["response_format"]["json_schema"]["name"], "drafts");
    assert_eq!(body["response_format"]["json_schema"]["schema"]["required"], json!(["drafts"]));
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
async fn progress_follows_the_drafts_as_they_stream() {
    let server = MockServer::start().await;
    completions()
        .respond_with(streamed(stream_of("ollama_chat_completion_stream.sse", &drafts_json(3), 15)))
        .expect(1)
        .mount(&server)
        .await;
    let reports = Reports::default();
    generator(config(&server)).generate_with_progress(request(3), &reports).await.unwrap();
    let seen = reports.0.lock().unwrap().clone();
    let begun: Vec<usize> = seen.iter().map(|p| p.draft_tokens.len()).collect();
    assert!(begun.windows(2).all(|w| w[0] <= w[1]) && begun.contains(&1) && begun.last() == Some(&3), "{begun:?}");
    assert_eq!(seen.last().unwrap().output_tokens, 3, "the usage chunk's count");
}

#[tokio::test]
async fn a_whole_answer_without_streaming_with_cached_prompt_tokens() {
    let server = MockServer::start().await;
    let mut body = fixture_json("openai_chat_completion.json");
    body["choices"][0]["message"]["content"] = json!(drafts_json(1));
    body["usage"]["prompt_tokens"] = json!(2006);
    body["usage"]["prompt_tokens_details"]["cached_tokens"] = json!(1920);
    completions().respond_with(ResponseTemplate::new(200).set_body_json(body)).expect(1).mount(&server).await;
    let mut c = config(&server);
    c.stream = false;
    c.max_tokens_field = MaxTokensField::MaxCompletionTokens;
    let generation = generator(c).generate(request(1)).await.unwrap();
    assert_eq!(
        generation.usage,
        Usage { input_tokens: 86, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 1920 }
    );
    let sent = &bodies(&server).await[0];
    assert_eq!((sent["stream"].clone(), sent.get("stream_options"), sent.get("max_tokens")), (json!(false), None, None));
    assert_eq!(sent["max_completion_tokens"], 1_500);
}

#[tokio::test]
async fn ollamas_recorded_prose_answer_gets_its_one_repair() {
    let server = MockServer::start().await;
    let recorded = fixture_json("ollama_chat_completion.json");
    let prose = recorded["choices"][0]["message"]["content"].as_str().unwrap().to_owned();
    completions().respond_with(ResponseTemplate::new(200).set_body_json(recorded)).up_to_n_times(1).expect(1).mount(&server).await;
    completions().respond_with(whole(&format!("```json\n{}\n```", drafts_json(1)))).expect(1).mount(&server).await;
    let mut c = config(&server);
    c.stream = false;
    let generation = generator(c).generate(request(1)).await.unwrap();
    assert_eq!(generation.drafts.len(), 1);
    assert_eq!(generation.usage.input_tokens, 22 + 19, "usage covers both calls");
    let sent = bodies(&server).await;
    let turns = sent[1]["messages"].as_array().unwrap();
    assert_eq!(turns.len(), 4);
    assert_eq!(turns[0], sent[0]["messages"][0], "the same system message");
    assert_eq!(turns[2], json!({"role": "assistant", "content": prose.trim_end()}));
    assert_eq!(turns[3], json!({"role": "user", "content": REPAIR_INSTRUCTION}));
}

#[tokio::test]
async fn a_thinking_models_empty_answer_is_repaired_on_the_user_turn() {
    let server = MockServer::start().await;
    completions().respond_with(streamed(fixture("ollama_stream_reasoning_length.sse"))).up_to_n_times(1).expect(1).mount(&server).await;
    completions().respond_with(streamed(stream_of("ollama_chat_completion_stream.sse", &drafts_json(1), 3))).expect(1).mount(&server).await;
    generator(config(&server)).generate(request(1)).await.unwrap();
    let turns = bodies(&server).await[1]["messages"].as_array().unwrap().clone();
    assert_eq!(turns.len(), 2);
    assert!(turns[1]["content"].as_str().unwrap().ends_with(REPAIR_INSTRUCTION));
}

#[tokio::test]
async fn json_mode_none_sends_no_response_format() {
    let server = MockServer::start().await;
    completions().respond_with(streamed(stream_of("openai_chat_completion_stream.sse", &drafts_json(1), 2))).expect(1).mount(&server).await;
    let mut c = config(&server);
    c.json_mode = JsonMode::None;
    generator(c).generate(request(1)).await.unwrap();
    assert_eq!(bodies(&server).await[0].get("response_format"), None);
}

#[tokio::test]
async fn a_rate_limit_with_retry_after_is_retried() {
    let server = MockServer::start().await;
    completions()
        .respond_with(
            ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(fixture_json("openai_error_rate_limit.json")),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    completions().respond_with(streamed(stream_of("openai_chat_completion_stream.sse", &drafts_json(1), 2))).expect(1).mount(&server).await;
    assert_eq!(generator(config(&server)).generate(request(1)).await.unwrap().drafts.len(), 1);
}

#[tokio::test]
async fn an_exhausted_quota_is_a_config_error_and_never_retried() {
    let server = MockServer::start().await;
    let mut body = fixture_json("openai_error_rate_limit.json");
    body["error"]["type"] = json!("insufficient_quota");
    body["error"]["code"] = json!("insufficient_quota");
    completions().respond_with(ResponseTemplate::new(429).set_body_json(body)).expect(1).mount(&server).await;
    let err = generator(config(&server)).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Config(ref m) if m.contains("quota")), "{err:?}");
}

#[tokio::test]
async fn ollamas_model_not_found_says_which_model_and_is_not_retried() {
    let server = MockServer::start().await;
    completions()
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture_json("ollama_error_not_found.json")))
        .expect(1)
        .mount(&server)
        .await;
    let err = generator(config(&server)).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Config(ref m) if m.contains("qwen2.5:14b") && m.contains("try pulling it first")), "{err:?}");
}

#[tokio::test]
async fn a_server_error_is_retried_unless_the_server_says_no() {
    let server = MockServer::start().await;
    let error = json!({"error": {"message": "llama runner process has terminated", "type": "api_error", "param": null, "code": null}});
    completions().respond_with(ResponseTemplate::new(500).set_body_json(error.clone())).up_to_n_times(1).expect(1).mount(&server).await;
    completions().respond_with(streamed(stream_of("ollama_chat_completion_stream.sse", &drafts_json(1), 2))).expect(1).mount(&server).await;
    assert_eq!(generator(config(&server)).generate(request(1)).await.unwrap().drafts.len(), 1);

    let server = MockServer::start().await;
    completions()
        .respond_with(ResponseTemplate::new(503).insert_header("x-should-retry", "false").set_body_json(error))
        .expect(1)
        .mount(&server)
        .await;
    let err = generator(config(&server)).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Transient { ref message, .. } if message.contains("llama runner")), "{err:?}");
}

#[tokio::test]
async fn a_silent_server_is_a_retryable_stall_not_a_hang() {
    let server = MockServer::start().await;
    completions()
        .respond_with(streamed(stream_of("ollama_chat_completion_stream.sse", &drafts_json(1), 2)).set_delay(Duration::from_secs(5)))
        .expect(2)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.stall_timeout_ms = 100;
    c.max_retries = 1;
    let err = generator(c).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Transient { ref message, .. } if message.contains("stalled")), "{err:?}");
}

#[tokio::test]
async fn an_error_chunk_mid_stream_is_retried() {
    let server = MockServer::start().await;
    let full = stream_of("openai_chat_completion_stream.sse", &drafts_json(1), 4);
    let cut: String = full.split_inclusive("\n\n").take(2).collect::<String>()
        + "data: {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
    completions().respond_with(streamed(cut)).up_to_n_times(1).expect(1).mount(&server).await;
    completions().respond_with(streamed(full)).expect(1).mount(&server).await;
    assert_eq!(generator(config(&server)).generate(request(1)).await.unwrap().drafts.len(), 1);
}

#[tokio::test]
async fn a_stream_cut_before_it_ends_is_retried_but_one_that_finished_needs_no_done() {
    let server = MockServer::start().await;
    let full = stream_of("openai_chat_completion_stream.sse", &drafts_json(1), 4);
    let cut: String = full.split_inclusive("\n\n").take(3).collect();
    completions().respond_with(streamed(cut)).up_to_n_times(1).expect(1).mount(&server).await;
    let no_done = full.replace("data: [DONE]\n\n", "");
    completions().respond_with(streamed(no_done)).expect(1).mount(&server).await;
    assert_eq!(generator(config(&server)).generate(request(1)).await.unwrap().drafts.len(), 1);
}

#[tokio::test]
async fn a_refusal_is_permanent_without_a_repair() {
    let server = MockServer::start().await;
    let mut body = fixture_json("openai_chat_completion.json");
    body["choices"][0]["message"]["content"] = Value::Null;
    body["choices"][0]["message"]["refusal"] = json!("I'm sorry, I can't help with that.");
    completions().respond_with(ResponseTemplate::new(200).set_body_json(body)).expect(1).mount(&server).await;
    let mut c = config(&server);
    c.stream = false;
    let err = generator(c).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Permanent(ref m) if m.contains("refused") && m.contains("can't help")), "{err:?}");
}

#[tokio::test]
async fn an_answer_malformed_twice_is_permanent() {
    let server = MockServer::start().await;
    completions().respond_with(whole("Sure! Here you go: {nope")).expect(2).mount(&server).await;
    let mut c = config(&server);
    c.stream = false;
    let err = generator(c).generate(request(1)).await.unwrap_err();
    assert!(matches!(err, Error::Permanent(ref m) if m.contains("even after one repair") && m.contains("{nope")), "{err:?}");
}

#[tokio::test]
async fn the_key_never_shows_in_debug_output() {
    let server = MockServer::start().await;
    let text = format!("{:?}", generator(config(&server).with_api_key("sk-very-secret")));
    assert!(!text.contains("sk-very-secret"), "{text}");
}
