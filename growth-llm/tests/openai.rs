//! `OpenAiEmbedder` against a wiremock OpenAI: the outgoing request, batching, ordering, and how
//! each answer is classified and retried. Nothing here reaches the internet.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use growth_core::Error;
use growth_core::vector::Embedder;
use growth_llm::offline::HashingEmbedder;
use growth_llm::openai::{OpenAiConfig, OpenAiEmbedder};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const DIMS: usize = 64;

/// Answers like OpenAI with deterministic vectors derived from each input's text (the hashing
/// embedder's), listing them in reverse order so the client must sort by `index`.
struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap();
        let dims = body["dimensions"].as_u64().map_or(1536, |d| d as usize);
        let hasher = HashingEmbedder::new(dims).unwrap();
        let inputs: Vec<String> = serde_json::from_value(body["input"].clone()).unwrap();
        let data: Vec<Value> = inputs
            .iter()
            .enumerate()
            .rev()
            .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": hasher.embed_text(t)}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": data,
            "model": body["model"],
            "usage": {"prompt_tokens": 8, "total_tokens": 8}
        }))
    }
}

fn config(server: &MockServer) -> OpenAiConfig {
    let mut c = OpenAiConfig::new("sk-test");
    c.base_url = format!("{}/v1", server.uri());
    c.dimensions = Some(DIMS);
    c.timeout_ms = 2_000;
    c.initial_backoff_ms = 10;
    c.max_backoff_ms = 50;
    c
}

fn embedder(server: &MockServer) -> OpenAiEmbedder {
    OpenAiEmbedder::new(config(server)).unwrap()
}

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn expected(text: &str) -> Vec<f32> {
    HashingEmbedder::new(DIMS).unwrap().embed_text(text)
}

fn embeddings_call() -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path("/v1/embeddings"))
}

fn error_body(message: &str, kind: &str, code: Option<&str>) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

#[tokio::test]
async fn the_request_carries_the_key_model_dimensions_and_float_encoding() {
    let server = MockServer::start().await;
    embeddings_call()
        .and(header("authorization", "Bearer sk-test"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "model": "text-embedding-3-small",
            "input": ["first chunk", "second chunk"],
            "dimensions": DIMS,
            "encoding_format": "float"
        })))
        .respond_with(Echo)
        .expect(1)
        .mount(&server)
        .await;
    let v = embedder(&server).embed(&texts(&["first chunk", "second chunk"])).await.unwrap();
    assert_eq!(v, vec![expected("first chunk"), expected("second chunk")]);
}

#[tokio::test]
async fn without_dimensions_the_field_is_omitted_and_organization_and_project_are_sent() {
    let server = MockServer::start().await;
    embeddings_call()
        .and(header("openai-organization", "org-1"))
        .and(header("openai-project", "proj-1"))
        .and(body_json(json!({"model": "text-embedding-3-small", "input": ["hi"], "encoding_format": "float"})))
        .respond_with(Echo)
        .expect(1)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.dimensions = None;
    c.organization = Some("org-1".into());
    c.project = Some("proj-1".into());
    let e = OpenAiEmbedder::new(c).unwrap();
    assert_eq!(e.dimensions(), 1536);
    assert_eq!(e.embed(&texts(&["hi"])).await.unwrap()[0].len(), 1536);
}

#[tokio::test]
async fn answers_listed_out_of_order_are_put_back_by_index() {
    let server = MockServer::start().await;
    embeddings_call().respond_with(Echo).expect(1).mount(&server).await;
    let inputs = texts(&["alpha", "beta", "gamma"]);
    let v = embedder(&server).embed(&inputs).await.unwrap();
    assert_eq!(v, inputs.iter().map(|t| expected(t)).collect::<Vec<_>>());
}

#[tokio::test]
async fn more_than_2048_inputs_are_split_into_two_requests_in_order() {
    let server = MockServer::start().await;
    embeddings_call().respond_with(Echo).expect(2).mount(&server).await;
    let inputs: Vec<String> = (0..2049).map(|i| format!("input number {i}")).collect();
    let v = embedder(&server).embed(&inputs).await.unwrap();
    assert_eq!(v.len(), 2049);
    assert_eq!(v[0], expected("input number 0"));
    assert_eq!(v[2047], expected("input number 2047"));
    assert_eq!(v[2048], expected("input number 2048"));
    let sizes: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.body_json::<Value>().unwrap()["input"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [2048, 1]);
}

#[tokio::test]
async fn inputs_over_300k_tokens_in_all_are_split_by_tokens() {
    let server = MockServer::start().await;
    embeddings_call().respond_with(Echo).expect(2).mount(&server).await;
    // 8 000 tokens each (" word" is one cl100k token): 37 fit in 300 000, the 38th goes alone.
    let inputs: Vec<String> = (0..38).map(|i| format!("doc{i}{}", " word".repeat(7_998))).collect();
    let v = embedder(&server).embed(&inputs).await.unwrap();
    assert_eq!(v.len(), 38);
    assert_eq!(v[37], expected(&inputs[37]));
    let sizes: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.body_json::<Value>().unwrap()["input"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [37, 1]);
}

#[tokio::test]
async fn empty_input_makes_no_call_and_an_empty_string_is_refused_before_sending() {
    let server = MockServer::start().await;
    embeddings_call().respond_with(Echo).expect(0).mount(&server).await;
    let e = embedder(&server);
    assert!(e.embed(&[]).await.unwrap().is_empty());
    let r = e.embed(&texts(&["fine", ""])).await;
    assert!(matches!(r, Err(Error::InvalidInput { field: Some(ref f), .. }) if f == "inputs[1]"), "{r:?}");
}

#[tokio::test]
async fn a_429_rate_limit_with_retry_after_is_waited_out_then_retried() {
    let server = MockServer::start().await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(error_body(
            "Rate limit reached for requests",
            "requests",
            Some("rate_limit_exceeded"),
        )))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    embeddings_call().respond_with(Echo).expect(1).mount(&server).await;
    let started = Instant::now();
    let v = embedder(&server).embed(&texts(&["hello"])).await.unwrap();
    assert_eq!(v, vec![expected("hello")]);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited only {:?}", started.elapsed());
}

#[tokio::test]
async fn retry_after_ms_wins_over_retry_after() {
    let server = MockServer::start().await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after-ms", "20").insert_header("retry-after", "100"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    embeddings_call().respond_with(Echo).expect(1).mount(&server).await;
    let started = Instant::now();
    embedder(&server).embed(&texts(&["hello"])).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_requested_wait_over_120_seconds_is_not_retried() {
    let server = MockServer::start().await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "121").set_body_json(error_body(
            "Rate limit reached",
            "tokens",
            Some("rate_limit_exceeded"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let r = embedder(&server).embed(&texts(&["hello"])).await;
    assert!(matches!(r, Err(Error::RateLimited { retry_after: Some(d) }) if d == Duration::from_secs(121)), "{r:?}");
}

#[tokio::test]
async fn a_429_insufficient_quota_is_not_retried_and_says_so() {
    let server = MockServer::start().await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(429).set_body_json(error_body(
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            Some("insufficient_quota"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let r = embedder(&server).embed(&texts(&["hello"])).await;
    assert!(
        matches!(r, Err(Error::Config(ref m)) if m.contains("insufficient_quota") && m.contains("exceeded your current quota")),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_500_then_200_succeeds() {
    let server = MockServer::start().await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(500).set_body_json(error_body("The server had an error", "server_error", None)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    embeddings_call().respond_with(Echo).expect(1).mount(&server).await;
    assert_eq!(embedder(&server).embed(&texts(&["hello"])).await.unwrap(), vec![expected("hello")]);
}

#[tokio::test]
async fn persistent_503s_give_a_transient_error_after_max_attempts() {
    let server = MockServer::start().await;
    embeddings_call().respond_with(ResponseTemplate::new(503).set_body_string("overloaded")).expect(3).mount(&server).await;
    let r = embedder(&server).embed(&texts(&["hello"])).await;
    assert!(matches!(r, Err(Error::Transient { ref message, .. }) if message.contains("503")), "{r:?}");
}

#[tokio::test]
async fn x_should_retry_false_stops_a_retry_the_status_would_allow() {
    let server = MockServer::start().await;
    embeddings_call().respond_with(ResponseTemplate::new(500).insert_header("x-should-retry", "false")).expect(1).mount(&server).await;
    let r = embedder(&server).embed(&texts(&["hello"])).await;
    assert!(matches!(r, Err(Error::Transient { .. })), "{r:?}");
}

#[tokio::test]
async fn a_400_is_invalid_input_carrying_openais_message_and_is_not_retried() {
    let server = MockServer::start().await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "'$.input' is invalid. Please check the API reference.",
            "type": "invalid_request_error", "param": "input", "code": null
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let r = embedder(&server).embed(&texts(&["hello"])).await;
    let Err(Error::InvalidInput { field, message }) = r else { panic!("expected InvalidInput, got {r:?}") };
    assert_eq!(field.as_deref(), Some("input"));
    assert!(message.contains("'$.input' is invalid"), "{message}");
}

#[tokio::test]
async fn a_401_is_unauthenticated() {
    let server = MockServer::start().await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body(
            "Incorrect API key provided",
            "invalid_request_error",
            Some("invalid_api_key"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let r = embedder(&server).embed(&texts(&["hello"])).await;
    assert!(matches!(r, Err(Error::Unauthenticated(ref m)) if m.contains("Incorrect API key")), "{r:?}");
    assert!(!format!("{r:?}").contains("sk-test"));
}

#[tokio::test]
async fn a_timeout_is_retried_then_transient() {
    let server = MockServer::start().await;
    embeddings_call().respond_with(Echo).mount(&server).await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1_000)))
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    let mut c = config(&server);
    c.timeout_ms = 100;
    c.max_attempts = 2;
    let r = OpenAiEmbedder::new(c).unwrap().embed(&texts(&["hello"])).await;
    assert!(matches!(r, Err(Error::Transient { ref message, .. }) if message.contains("timed out")), "{r:?}");
}

#[tokio::test]
async fn a_vector_of_the_wrong_length_is_a_config_error_naming_both_numbers() {
    let server = MockServer::start().await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
            "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 1, "total_tokens": 1}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let r = embedder(&server).embed(&texts(&["hello"])).await;
    assert!(matches!(r, Err(Error::Config(ref m)) if m.contains(" 3 ") && m.contains("64")), "{r:?}");
}

#[tokio::test]
async fn the_openai_embedder_passes_the_conformance_suite() {
    let server = MockServer::start().await;
    embeddings_call().respond_with(Echo).mount(&server).await;
    let c = config(&server);
    growth_core::testkit::embedder::run_all(|| {
        let c = c.clone();
        async move { Arc::new(OpenAiEmbedder::new(c).unwrap()) as Arc<dyn Embedder> }
    })
    .await;
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_transient() {
    // A port nobody listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut c = OpenAiConfig::new("sk-test");
    c.base_url = format!("http://127.0.0.1:{port}/v1");
    c.dimensions = Some(DIMS);
    c.initial_backoff_ms = 10;
    c.max_backoff_ms = 20;
    let started = Instant::now();
    let r = OpenAiEmbedder::new(c).unwrap().embed(&texts(&["hello"])).await;
    assert!(matches!(r, Err(Error::Transient { .. })), "{r:?}");
    assert!(started.elapsed() >= Duration::from_millis(15), "two backoffs expected, took {:?}", started.elapsed());
}

#[tokio::test]
async fn x_should_retry_true_retries_a_status_that_would_not_be() {
    let server = MockServer::start().await;
    embeddings_call()
        .respond_with(ResponseTemplate::new(400).insert_header("x-should-retry", "true").set_body_json(error_body(
            "try again",
            "invalid_request_error",
            None,
        )))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    embeddings_call().respond_with(Echo).expect(1).mount(&server).await;
    assert_eq!(embedder(&server).embed(&texts(&["hello"])).await.unwrap(), vec![expected("hello")]);
}
