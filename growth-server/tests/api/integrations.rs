//! The server on production adapters (Pinecone, GPTZero) served by wiremock: configuration picks
//! them, start-up checks them, and requests go through them.

use growth_core::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::spawn_app_with;

fn stats(dimension: usize) -> Value {
    json!({"namespaces": {}, "dimension": dimension, "indexFullness": 0.0, "totalVectorCount": 0, "metric": "cosine", "vectorType": "dense"})
}

fn pinecone(server: &MockServer, dims: usize) -> growth_adapters::pinecone::PineconeConfig {
    let mut c = growth_adapters::pinecone::PineconeConfig::new("pc-test-key".to_owned().into(), "growth", dims);
    c.host = Some(server.uri());
    c
}

#[tokio::test]
async fn start_up_refuses_a_pinecone_index_of_another_dimension() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/describe_index_stats"))
        .respond_with(ResponseTemplate::new(200).set_body_json(stats(768)))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = growth_server::config::Settings {
        database_url: format!("sqlite://{}", dir.path().join("t.db").display()),
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        ..Default::default()
    };
    settings.vectors.provider = growth_server::config::VectorProvider::Pinecone;
    settings.vectors.pinecone = Some(pinecone(&server, 1536));
    let err = growth_server::startup::Application::build(settings).await.unwrap_err().to_string();
    assert!(err.contains("768") && err.contains("1536"), "{err}");
}

#[tokio::test]
async fn knowledge_is_indexed_into_pinecone_when_configured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/describe_index_stats"))
        .respond_with(ResponseTemplate::new(200).set_body_json(stats(1536)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"matches": [], "namespace": "knowledge"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/vectors/upsert"))
        .and(header("api-key", "pc-test-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"upsertedCount": 1})))
        .expect(1..)
        .mount(&server)
        .await;
    let pc = pinecone(&server, 1536);
    let app = spawn_app_with(move |s| {
        s.vectors.provider = growth_server::config::VectorProvider::Pinecone;
        s.vectors.pinecone = Some(pc);
    })
    .await;
    let token = app.token(Role::Approver).await;
    let body = json!({"item_type": "playbook", "title": "Pricing", "content": "Show the price on the pricing page."});
    let r = app.req(Method::POST, "/knowledge", &token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let upserts: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/vectors/upsert")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(upserts[0]["namespace"], "knowledge");
    assert_eq!(upserts[0]["vectors"][0]["values"].as_array().unwrap().len(), 1536);
}

#[tokio::test]
async fn the_ai_likeness_gate_asks_gptzero_when_configured() {
    let server = MockServer::start().await;
    let answer = json!({"documents": [{"class_probabilities": {"human": 0.83, "ai": 0.1, "mixed": 0.07}, "predicted_class": "human"}]});
    Mock::given(method("POST"))
        .and(path("/v2/predict/text"))
        .and(header("x-api-key", "gz-test-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    let mut gz = growth_adapters::gptzero::GptZeroConfig::new("gz-test-key".to_owned().into());
    gz.base_url = server.uri();
    let app = spawn_app_with(move |s| {
        s.detection.provider = growth_server::config::DetectorProvider::Gptzero;
        s.detection.gptzero = Some(gz);
    })
    .await;
    let token = app.token(Role::Viewer).await;
    let r = app
        .req(Method::POST, "/quality/check", &token)
        .json(&json!({"content": "We tried $49 and two customers churned. So we went back.", "content_type": "linkedin_post"}))
        .send()
        .await
        .unwrap();
    let report: Value = r.json().await.unwrap();
    assert!((report["ai_detection_score"].as_f64().unwrap() - 0.83).abs() < 1e-9, "{report}");
    assert_eq!(report["ai_detection_passed"], true);
}
