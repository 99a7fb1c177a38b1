//! Learning's prompts on Claude (`growth_llm::learning`) against a wiremock Messages API: the
//! preference inferer sends CIPHER's prompts and takes the trimmed text; the ICP extractor keeps
//! what is quoted verbatim, drops an invented quote, and repairs a malformed answer once before a
//! typed error. Answers are the recorded whole-message body of
//! `tests/fixtures/anthropic/messages_create_structured_output_200.json` with only the text
//! replaced. Nothing here reaches the internet.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::sync::Arc;

use growth_core::Error;
use growth_core::domain::{ContentType, Segment, Transcript};
use growth_core::learn::icp::{IcpConfig, IcpExtractor};
use growth_core::learn::preferences::{ObservedEdit, PreferenceInferer, condense_prompt, inference_prompt};
use growth_llm::anthropic::{ClaudeConfig, ClaudeGenerator};
use growth_llm::learning::{ICP_REPAIR_INSTRUCTION, LlmIcpExtractor, LlmPreferenceInferer};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/anthropic/messages_create_structured_output_200.json");

/// The recorded whole-message answer with its text replaced.
fn answer(text: &str) -> ResponseTemplate {
    let recorded: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let mut body = recorded[0]["response"]["body"].clone();
    body["content"][0]["text"] = json!(text);
    ResponseTemplate::new(200).set_body_json(body)
}

fn claude(server: &MockServer) -> Arc<ClaudeGenerator> {
    let mut c = ClaudeConfig::new("sk-ant-test-key", "claude-sonnet-4-5");
    c.base_url = server.uri();
    c.initial_backoff_ms = 10;
    c.max_backoff_ms = 50;
    Arc::new(ClaudeGenerator::new(c).unwrap())
}

fn sent(server_requests: &[wiremock::Request], i: usize) -> Value {
    serde_json::from_slice(&server_requests[i].body).unwrap()
}

#[tokio::test]
async fn the_inferer_sends_ciphers_prompts_and_takes_the_trimmed_phrase() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "sk-ant-test-key"))
        .respond_with(answer("  \"short sentences, no emoji\"\n"))
        .expect(2)
        .mount(&server)
        .await;
    let inferer = LlmPreferenceInferer::claude(claude(&server));
    let edit = ObservedEdit {
        content_type: ContentType::LinkedinPost,
        draft: "🚀 We doubled the price, and it worked!".into(),
        edited: "We doubled the price.".into(),
    };
    assert_eq!(inferer.infer(&edit).await.unwrap(), "short sentences, no emoji");
    let prefs = vec!["no emoji".to_owned(), "short sentences".to_owned()];
    assert_eq!(inferer.condense(&prefs).await.unwrap(), "short sentences, no emoji");
    let requests = server.received_requests().await.unwrap();
    let first = sent(&requests, 0);
    assert_eq!(first["messages"], json!([{"role": "user", "content": inference_prompt(&edit)}]));
    assert_eq!(first["model"], "claude-sonnet-4-5");
    assert!(first.get("system").is_none(), "no system prompt: {first}");
    assert_eq!(sent(&requests, 1)["messages"][0]["content"], json!(condense_prompt(&prefs)));
}

#[tokio::test]
async fn an_empty_preference_is_a_permanent_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v1/messages")).respond_with(answer("  ")).expect(1).mount(&server).await;
    let inferer = LlmPreferenceInferer::claude(claude(&server));
    let edit = ObservedEdit { content_type: ContentType::Newsletter, draft: "a".into(), edited: "b".into() };
    assert!(matches!(inferer.infer(&edit).await, Err(Error::Permanent(_))));
}

fn call() -> Transcript {
    let seg = |s: &str, t: &str| Segment { speaker: Some(s.into()), start_ms: None, end_ms: None, text: t.into() };
    Transcript {
        segments: vec![
            seg("Alex", "Thanks for joining. What is getting in the way today?"),
            seg("Dana", "I'm the VP of Finance at a payments company with 120 employees."),
            seg("Dana", "Honestly, closing the books takes us eight days and it is all manual."),
            seg("Alex", "What would you need to see before buying?"),
            seg("Dana", "The price is too high for a team our size, and I would have to run it by our CFO."),
        ],
    }
}

fn extraction(objection_quote: &str) -> String {
    json!({
        "customer_speakers": ["Dana"],
        "seller_speakers": ["Alex"],
        "pain_points": [{"text": "Slow manual close", "quote": "closing the books takes us eight days and it is all manual", "speaker": "Dana", "depth": "quantified"}],
        "language_patterns": [],
        "objections": [
            {"text": "Too expensive", "quote": "The price is too high for a team our size", "speaker": "Dana", "category": "budget", "severity": "high", "stage": "decision"},
            {"text": "Security review", "quote": objection_quote, "speaker": "Dana", "category": "trust", "severity": "medium", "stage": "consideration"},
            {"text": "Seller's own question", "quote": "What would you need to see before buying?", "speaker": "Alex", "category": "other", "severity": "low", "stage": "decision"}
        ],
        "goals": [],
        "role": {"text": "VP of Finance", "quote": "i'm the VP of Finance at a payments company", "speaker": "Dana"},
        "company_size": {"text": "51-200", "quote": "a payments company with 120 employees", "speaker": "Dana"},
        "industry": {"text": "Financial services", "quote": "We process card payments for 4,000 merchants", "speaker": "Dana"}
    })
    .to_string()
}

#[tokio::test]
async fn quoted_items_are_kept_and_an_invented_quote_is_dropped() {
    let server = MockServer::start().await;
    let invented = "We would need a full SOC 2 report before anything else";
    Mock::given(method("POST")).and(path("/v1/messages")).respond_with(answer(&extraction(invented))).expect(1).mount(&server).await;
    let extractor = LlmIcpExtractor::claude(claude(&server));
    let config = IcpConfig { host_speakers: vec!["Alex".into()], ..IcpConfig::default() };
    let p = extractor.extract(&call(), &config).await.unwrap();
    assert_eq!(p.objections.len(), 1, "{p:?}");
    assert_eq!((p.objections[0].text.as_str(), p.objections[0].speaker.as_str()), ("Too expensive", "Dana"));
    assert_eq!(p.pain_points.len(), 1);
    assert_eq!(p.role.as_ref().map(|r| r.text.as_str()), Some("VP of Finance"), "a re-capitalised quote is still verbatim");
    assert_eq!(p.company_size.as_ref().map(|r| r.text.as_str()), Some("51-200"));
    assert_eq!(p.industry, None, "invented");
    assert_eq!((p.customer_speakers.clone(), p.seller_speakers.clone()), (vec!["Dana".to_owned()], vec!["Alex".to_owned()]));
    let body = sent(&server.received_requests().await.unwrap(), 0);
    let prompt = body["messages"][0]["content"].as_str().unwrap();
    assert!(prompt.contains("Customer speakers: Dana. Seller speakers: Alex."), "{prompt}");
    assert!(prompt.contains("Transcript:\n\nAlex: Thanks for joining.") && prompt.contains("\n\nDana: The price is too high"), "{prompt}");
}

#[tokio::test]
async fn a_malformed_answer_is_repaired_once_and_then_is_a_typed_error() {
    // Repaired: the second answer is kept.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(answer("Here is what I found: lots."))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(answer(&format!("```json\n{}\n```", extraction("The price is too high for a team our size"))))
        .mount(&server)
        .await;
    let config = IcpConfig { host_speakers: vec!["Alex".into()], ..IcpConfig::default() };
    let p = LlmIcpExtractor::claude(claude(&server)).extract(&call(), &config).await.unwrap();
    assert_eq!(p.objections.len(), 2, "two objections with the same real quote: {p:?}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let repair = sent(&requests, 1);
    assert_eq!(repair["messages"][1], json!({"role": "assistant", "content": "Here is what I found: lots."}));
    assert_eq!(repair["messages"][2], json!({"role": "user", "content": ICP_REPAIR_INSTRUCTION}));

    // Still malformed after the repair: a permanent error with the raw answer, two calls in all.
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v1/messages")).respond_with(answer("{\"pain_points\": [")).expect(2).mount(&server).await;
    let err = LlmIcpExtractor::claude(claude(&server)).extract(&call(), &config).await.unwrap_err();
    assert!(matches!(err, Error::Permanent(ref m) if m.contains("even after one repair") && m.contains("{\"pain_points\": [")), "{err:?}");
}
