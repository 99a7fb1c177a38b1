//! `POST /generate/podcast` and `GET /generate/status/{job_id}`: a bundle end to end through the
//! API with the offline generator and with a wiremock Claude (429 then 200, 529 then 200).

use std::time::Duration;

use growth_core::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const TRANSCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../growth-core/tests/fixtures/transcripts/changelog/founders-talk-60.md");

async fn upload(app: &TestApp, token: &str) -> String {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(std::fs::read(TRANSCRIPT).unwrap()).file_name("founders-talk-60.md"));
    let r = app.req(Method::POST, "/sources", token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["source"]["id"].as_str().unwrap().to_owned()
}

/// Polls the status until it is no longer `processing`; returns every answer seen.
async fn wait(app: &TestApp, token: &str, job: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    for _ in 0..600 {
        let r = app.req(Method::GET, &format!("/generate/status/{job}"), token).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        let done = v["status"] != "processing";
        seen.push(v);
        if done {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the job did not finish: {:?}", seen.last());
}

#[tokio::test]
async fn a_bundle_is_generated_end_to_end_with_the_offline_generator() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let source = upload(&app, &token).await;
    let r = app
        .req(Method::POST, "/generate/podcast", &token)
        .json(&json!({"source_type": "source_id", "source_data": source}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "processing");
    assert!(body["estimated_time_seconds"].as_u64().is_some());
    let job = body["job_id"].as_str().unwrap().to_owned();
    let seen = wait(&app, &token, &job).await;
    let last = seen.last().unwrap();
    assert_eq!(last["status"], "completed", "{last}");
    assert_eq!(last["progress"], 100);
    let items = last["generated_items"].as_array().unwrap();
    assert_eq!(items.len(), 11, "{last}");
    assert!(items.iter().all(|i| i["status"] == "in_review" && i["id"].is_string()));
    assert_eq!(items.iter().filter(|i| i["content_type"] == "linkedin_post").count(), 7);
    assert!(last["usage"]["estimated_cost_usd"].is_number());
    let pieces = last["pieces"].as_array().unwrap();
    assert_eq!(pieces.len(), 11, "every piece has its live state: {last}");
    assert!(pieces.iter().all(|p| p["state"] == "saved" && p["output_tokens"].as_u64().unwrap() > 0), "{last}");
    let progress: Vec<i64> = seen.iter().map(|v| v["progress"].as_i64().unwrap()).collect();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
}

#[tokio::test]
async fn pasted_text_and_a_subset_of_types_generate_only_those() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let text = growth_core::transcript::parse(&std::fs::read(TRANSCRIPT).unwrap(), None).unwrap().transcript.to_text();
    let r = app
        .req(Method::POST, "/generate/podcast", &token)
        .json(&json!({"source_type": "text", "source_data": text, "generate_types": ["newsletter", "blog"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job = r.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned();
    let last = wait(&app, &token, &job).await.pop().unwrap();
    assert_eq!(last["status"], "completed", "{last}");
    let types: Vec<&str> = last["generated_items"].as_array().unwrap().iter().map(|i| i["content_type"].as_str().unwrap()).collect();
    assert_eq!(types, ["newsletter", "blog_post"]);
}

#[tokio::test]
async fn bad_generation_requests_are_precise_and_enqueue_nothing() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let cases = [
        (json!({"source_type": "youtube_url", "source_data": "https://x"}), 422),
        (json!({"source_type": "text", "source_data": "  "}), 422),
        (json!({"source_type": "text", "source_data": "x", "generate_types": ["tweet"]}), 422),
        (json!({"source_type": "text", "source_data": "x", "generate_types": []}), 422),
        (json!({"source_type": "source_id", "source_data": uuid::Uuid::now_v7().to_string()}), 404),
        (json!({"source_type": "source_id", "source_data": "nope"}), 404),
        (json!({"source_data": "x"}), 422),
    ];
    for (body, status) in cases {
        let r = app.req(Method::POST, "/generate/podcast", &token).json(&body).send().await.unwrap();
        assert_eq!(r.status(), status, "{body}");
    }
    let jobs = app.state.engine.store().list_jobs(None, 100).await.unwrap();
    assert!(!jobs.iter().any(|j| j.kind.as_str() == "generate_bundle"), "{jobs:?}");
    let viewer = app.token(Role::Viewer).await;
    let r =
        app.req(Method::POST, "/generate/podcast", &viewer).json(&json!({"source_type": "text", "source_data": "x"})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = app.req(Method::GET, &format!("/generate/status/{}", uuid::Uuid::now_v7()), &viewer).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

fn claude_answer(text: &str) -> Value {
    json!({
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {"input_tokens": 120, "output_tokens": 800, "cache_creation_input_tokens": 4000, "cache_read_input_tokens": 0}
    })
}

#[tokio::test]
async fn a_bundle_is_generated_with_a_wiremock_claude_through_a_429_and_a_529() {
    let server = MockServer::start().await;
    let drafts: Vec<Value> = (0..7)
        .map(|i| {
            json!({
                "title": format!("Post {i}"),
                "content": format!("We priced at $49 and lost {i} customers in a week.\n\nHere is what we changed, and what it cost us. You'd do it faster.\n\nReply with your pricing question."),
                "format": "insight"
            })
        })
        .collect();
    let answer = claude_answer(&json!({ "drafts": drafts }).to_string());
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(
            json!({"type": "error", "error": {"type": "rate_limit_error", "message": "Number of request tokens has exceeded your per-minute rate limit"}}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(
            ResponseTemplate::new(529)
                .set_body_json(json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "sk-ant-test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer).set_delay(Duration::from_millis(250)))
        .with_priority(3)
        .mount(&server)
        .await;
    let mut claude = growth_llm::anthropic::ClaudeConfig::new("sk-ant-test", "claude-test");
    claude.base_url = server.uri();
    claude.initial_backoff_ms = 10;
    claude.max_backoff_ms = 50;
    let app = spawn_app_with(move |s| {
        s.generation.provider = growth_server::config::GeneratorProvider::Claude;
        s.generation.claude = Some(claude);
        s.generation.max_rewrites = 1;
    })
    .await;
    let token = app.token(Role::Approver).await;
    let source = upload(&app, &token).await;
    let r = app
        .req(Method::POST, "/generate/podcast", &token)
        .json(&json!({"source_type": "source_id", "source_data": source}))
        .send()
        .await
        .unwrap();
    let job = r.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned();
    let seen = wait(&app, &token, &job).await;
    let last = seen.last().unwrap();
    assert_eq!(last["status"], "completed", "{last}");
    assert_eq!(last["generated_items"].as_array().unwrap().len(), 11, "{last}");
    assert!(last["usage"]["output_tokens"].as_u64().unwrap() >= 800 * 5, "{last}");
    assert!(
        seen.iter().any(|v| v["status"] == "processing"
            && (2..100).contains(&v["progress"].as_i64().unwrap())
            && !v["generated_items"].as_array().unwrap().is_empty()),
        "progress and the pieces saved so far are visible while the job runs: {:?}",
        seen.iter().map(|v| (v["progress"].clone(), v["generated_items"].as_array().map(Vec::len))).collect::<Vec<_>>()
    );
    let requests = server.received_requests().await.unwrap().len();
    assert!(requests >= 7, "5 requests + the 429 + the 529 (+ rewrites): {requests}");
}

/// Answers a Chat Completions request the way Ollama's OpenAI-compatible endpoint does (its
/// documented non-streaming shape), with as many drafts as the request asks for.
struct OllamaDrafts;

impl wiremock::Respond for OllamaDrafts {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let asked = body["messages"].as_array().unwrap().iter().filter_map(|m| m["content"].as_str()).find_map(|c| {
            c.split("Return at most ").nth(1).and_then(|rest| rest.split_whitespace().next()).and_then(|n| n.parse::<usize>().ok())
        });
        let drafts: Vec<Value> = (1..=asked.unwrap_or(1))
            .map(|i| {
                json!({"title": format!("Shipping weekly, part {i}"), "content": format!(
                    "We shipped every week for a year. Part {i}: the release train never waited for a feature.\n\nWhat would you cut to ship on Friday?"
                )})
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-915", "object": "chat.completion", "created": 1_713_055_919, "model": "llama3", "system_fingerprint": "fp_ollama",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": json!({"drafts": drafts}).to_string()}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1020}
        }))
    }
}

#[tokio::test]
async fn a_bundle_is_generated_through_an_openai_compatible_local_model() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v1/chat/completions")).respond_with(OllamaDrafts).expect(5..).mount(&server).await;
    let base_url = format!("{}/v1", server.uri());
    let app = spawn_app_with(move |s| {
        s.generation.provider = growth_server::config::GeneratorProvider::OpenaiCompatible;
        let mut c = growth_llm::openai_compat::OpenAiCompatConfig::new(base_url, "llama3");
        c.stream = false;
        s.generation.openai_compatible = Some(c);
        s.generation.max_rewrites = 0;
    })
    .await;
    let token = app.token(Role::Approver).await;
    let text = growth_core::transcript::parse(&std::fs::read(TRANSCRIPT).unwrap(), None).unwrap().transcript.to_text();
    let r =
        app.req(Method::POST, "/generate/podcast", &token).json(&json!({"source_type": "text", "source_data": text})).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let job = r.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned();
    let seen = wait(&app, &token, &job).await;
    let last = seen.last().unwrap();
    assert_eq!(last["status"], "completed", "{last}");
    assert_eq!(last["generated_items"].as_array().unwrap().len(), 11, "{last}");
    let bodies: Vec<Value> = server.received_requests().await.unwrap().iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    assert!(bodies.iter().all(|b| b["model"] == "llama3" && b["stream"] == false), "{bodies:?}");
}

#[tokio::test]
async fn a_pasted_grain_share_link_generates_from_the_recording_it_names() {
    let grain = MockServer::start().await;
    let rec = "b5185ccb-9a08-458c-9be1-db17a03fb14c";
    let recording = json!({"id": rec, "title": "Kickoff with Acme", "participants": [{"id": "p1", "name": "Jane Customer"}]});
    let lines: Vec<Value> = (0..40)
        .map(|i| {
            json!({"participant_id": "p1", "start": i * 4000, "end": i * 4000 + 3500,
            "text": format!("Onboarding took us three weeks, so in week {i} we cut the setup to one step and activation doubled.")})
        })
        .collect();
    // The id is taken out of the link; nothing else of the link reaches Grain's API.
    Mock::given(method("POST"))
        .and(path(format!("/_/public-api/v2/recordings/{rec}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(recording))
        .expect(1..)
        .mount(&grain)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/_/public-api/v2/recordings/{rec}/transcript")))
        .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(lines)))
        .mount(&grain)
        .await;
    let mut config = growth_adapters::grain::GrainConfig::new("grain-token".to_owned().into());
    config.base_url = format!("{}/_/public-api/v2", grain.uri());
    let app = spawn_app_with(move |s| s.integrations.grain = Some(config)).await;
    let token = app.token(Role::Approver).await;
    let body = json!({"source_type": "grain_url", "source_data": format!("https://grain.com/share/recording/{rec}/Qm9vbXNoYXJl"), "generate_types": ["newsletter"]});
    let r = app.req(Method::POST, "/generate/podcast", &token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let job = r.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned();
    let last = wait(&app, &token, &job).await.pop().unwrap();
    assert_eq!(last["status"], "completed", "{last}");
    let sources = app.state.engine.store().list_sources(10, 0).await.unwrap();
    assert_eq!(sources.iter().filter_map(|s| s.source_id.as_deref()).collect::<Vec<_>>(), [rec]);
}

crate::helpers::postgres_too!(
    a_bundle_is_generated_end_to_end_with_the_offline_generator,
    pasted_text_and_a_subset_of_types_generate_only_those,
);
