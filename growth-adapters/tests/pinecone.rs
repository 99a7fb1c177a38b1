#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "pinecone")]
//! Pinecone adapter against wiremock control and data planes: the requests it sends and how it
//! classifies each answer. Bodies are the official SDK's response factories in `fixtures/pinecone/`.

use std::time::{Duration, Instant};

use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::pinecone::{DEFAULT_API_VERSION, PineconeConfig, PineconeVectorStore};
use growth_core::Error;
use growth_core::vector::{Metadata, MetadataFilter, VectorQuery, VectorRecord, VectorStore};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "pcsk-test-key";
const INDEX: &str = "test-index";

fn fixture(key: &str) -> Value {
    let path = format!("{}/tests/fixtures/pinecone/pinecone_responses_from_factories.json", env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all.get(key).unwrap_or_else(|| panic!("no fixture `{key}`")).clone()
}

fn http() -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_millis(300),
        retry: RetryConfig {
            max_attempts: 3,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            ..RetryConfig::default()
        },
        rate_limit: None,
    }
}

/// A store whose index host is the wiremock server.
fn store(server: &MockServer, dims: usize) -> PineconeVectorStore {
    let mut config = PineconeConfig::new(KEY.to_owned().into(), INDEX, dims);
    config.host = Some(server.uri());
    config.http = http();
    PineconeVectorStore::new(config).unwrap()
}

fn rec(id: &str, values: &[f32], metadata: Value) -> VectorRecord {
    let metadata: Metadata = serde_json::from_value(metadata).unwrap();
    VectorRecord { id: id.into(), values: values.to_vec(), metadata }
}

fn query(namespace: &str, top_k: usize, filter: Option<MetadataFilter>) -> VectorQuery {
    VectorQuery { namespace: namespace.into(), vector: vec![0.1, 0.2, 0.3], top_k, filter }
}

async fn bodies(server: &MockServer, at: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == at)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn ids_of(body: &Value) -> Vec<String> {
    body["vectors"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

// ---------------------------------------------------------------- upsert

#[tokio::test]
async fn upsert_sends_camel_case_records_with_the_api_key_and_the_pinned_version() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vectors/upsert"))
        .and(header("api-key", KEY))
        .and(header("x-pinecone-api-version", DEFAULT_API_VERSION))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "namespace": "calls",
            "vectors": [
                {"id": "call-123#0", "values": [0.5, 0.25, -1.0], "metadata": {"client": "acme", "tags": ["onboarding"], "year": 2026}},
                {"id": "call-123#1", "values": [0.0, 1.0, 0.5]}
            ]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"upsertedCount": 2})))
        .expect(1)
        .mount(&server)
        .await;

    store(&server, 3)
        .upsert(
            "calls",
            vec![
                // A null metadata value is left out: Pinecone stores no nulls.
                rec("call-123#0", &[0.5, 0.25, -1.0], json!({"client": "acme", "year": 2026, "tags": ["onboarding"], "owner": null})),
                rec("call-123#1", &[0.0, 1.0, 0.5], json!({})),
            ],
        )
        .await
        .unwrap();
    assert_eq!(DEFAULT_API_VERSION, "2026-04");
}

#[tokio::test]
async fn an_upserted_count_that_differs_from_what_was_sent_is_tolerated() {
    // The SDK factory answers `upsertedCount: 10` whatever was sent: it is logged, not an error.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vectors/upsert"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("upsert_response")))
        .expect(1)
        .mount(&server)
        .await;
    store(&server, 3).upsert("ns", vec![rec("a", &[1.0, 0.0, 0.0], json!({}))]).await.unwrap();
}

#[tokio::test]
async fn upserting_2500_records_takes_three_requests_of_at_most_1000_in_order() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vectors/upsert"))
        .and(header("api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("upsert_response")))
        .expect(3)
        .mount(&server)
        .await;
    let records: Vec<_> = (0..2500).map(|i| rec(&format!("r{i}"), &[1.0, 0.0, i as f32], json!({"i": i}))).collect();
    let expected: Vec<String> = records.iter().map(|r| r.id.clone()).collect();

    store(&server, 3).upsert("kb", records).await.unwrap();

    let bodies = bodies(&server, "/vectors/upsert").await;
    assert_eq!(bodies.iter().map(|b| ids_of(b).len()).collect::<Vec<_>>(), [1000, 1000, 500]);
    assert!(bodies.iter().all(|b| b["namespace"] == json!("kb")));
    assert_eq!(bodies.iter().flat_map(ids_of).collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn large_metadata_is_split_by_the_2_mb_body_limit_before_the_record_limit() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vectors/upsert"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("upsert_response")))
        .expect(2)
        .mount(&server)
        .await;
    // 100 records of ~30 KB of text each (under Pinecone's 40 KB metadata limit): ~3 MB in all.
    let text = "chunk text ".repeat(2_700);
    let records: Vec<_> = (0..100).map(|i| rec(&format!("doc#{i}"), &[0.0, 1.0, 0.0], json!({"text": text, "chunk": i}))).collect();
    let expected: Vec<String> = records.iter().map(|r| r.id.clone()).collect();

    store(&server, 3).upsert("kb", records).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert!(r.body.len() <= 2_000_000, "body of {} bytes", r.body.len());
    }
    assert!(requests[0].body.len() > 1_900_000, "the first request is filled up: {}", requests[0].body.len());
    let bodies = bodies(&server, "/vectors/upsert").await;
    assert_eq!(bodies.iter().flat_map(ids_of).collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn a_wrong_dimension_or_a_record_too_big_for_a_request_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("upsert_response")))
        .expect(0)
        .mount(&server)
        .await;
    let s = store(&server, 3);

    let err = s.upsert("kb", vec![rec("ok", &[1.0, 0.0, 0.0], json!({})), rec("short", &[1.0, 0.0], json!({}))]).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("short")), "{err:?}");

    let huge = "x".repeat(2_100_000);
    let err = s
        .upsert("kb", vec![rec("ok", &[1.0, 0.0, 0.0], json!({})), rec("huge", &[1.0, 0.0, 0.0], json!({"text": huge}))])
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("huge")), "{err:?}");
}

// ---------------------------------------------------------------- query

#[tokio::test]
async fn query_sends_top_k_the_translated_filter_and_include_metadata_and_returns_scored_records() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/query"))
        .and(header("api-key", KEY))
        .and(header("x-pinecone-api-version", DEFAULT_API_VERSION))
        .and(body_json(json!({
            "namespace": "test-namespace",
            "vector": [0.1, 0.2, 0.3],
            "topK": 2,
            "filter": {"$and": [{"genre": {"$in": ["documentary", "comedy"]}}, {"year": {"$eq": 2026}}]},
            "includeMetadata": true,
            "includeValues": false
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("query_response")))
        .expect(1)
        .mount(&server)
        .await;
    let filter = MetadataFilter::And(vec![
        MetadataFilter::In("genre".into(), vec![json!("documentary"), json!("comedy")]),
        MetadataFilter::Eq("year".into(), json!(2026)),
    ]);

    let matches = store(&server, 3).query(query("test-namespace", 2, Some(filter))).await.unwrap();

    assert_eq!(matches.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["vec-1", "vec-2"]);
    assert!((matches[0].score - 0.95).abs() < 1e-6);
    assert!((matches[1].score - 0.8).abs() < 1e-6);
    assert_eq!(matches[0].metadata.get("genre"), Some(&json!("documentary")));
    assert_eq!(matches[1].metadata.get("genre"), Some(&json!("comedy")));
}

#[tokio::test]
async fn query_results_are_ordered_by_score_then_id_and_missing_metadata_is_empty() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "matches": [
                {"id": "b", "score": 0.5, "values": []},
                {"id": "c", "score": 0.9, "values": [], "metadata": {"kind": "x"}},
                {"id": "a", "score": 0.5, "values": [], "sparseValues": {"indices": [1], "values": [0.5]}}
            ],
            "namespace": "kb",
            "usage": {"readUnits": 5},
            "somethingNew": true
        })))
        .expect(1)
        .mount(&server)
        .await;
    let matches = store(&server, 3).query(query("kb", 10, None)).await.unwrap();
    assert_eq!(matches.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["c", "a", "b"]);
    assert!(matches[1].metadata.is_empty());
    // No filter: no `filter` key at all.
    let sent = &bodies(&server, "/query").await[0];
    assert!(sent.get("filter").is_none(), "{sent}");
}

#[tokio::test]
async fn a_filter_that_can_match_nothing_is_answered_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let matches = store(&server, 3).query(query("kb", 5, Some(MetadataFilter::In("kind".into(), vec![])))).await.unwrap();
    assert!(matches.is_empty());
}

// ---------------------------------------------------------------- delete

#[tokio::test]
async fn delete_sends_ids_and_namespace_in_requests_of_at_most_1000_ids() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vectors/delete"))
        .and(header("api-key", KEY))
        .and(header("x-pinecone-api-version", DEFAULT_API_VERSION))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(2)
        .mount(&server)
        .await;
    let ids: Vec<String> = (0..1500).map(|i| format!("r{i}")).collect();

    store(&server, 3).delete("kb", &ids).await.unwrap();

    let bodies = bodies(&server, "/vectors/delete").await;
    assert_eq!(bodies[0], json!({"ids": ids[..1000], "namespace": "kb"}));
    assert_eq!(bodies[1], json!({"ids": ids[1000..], "namespace": "kb"}));
}

#[tokio::test]
async fn deleting_from_a_namespace_that_does_not_exist_is_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vectors/delete"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"code": 5, "message": "Namespace not found", "details": []})))
        .expect(1)
        .mount(&server)
        .await;
    store(&server, 3).delete("never-written", &["x".to_owned()]).await.unwrap();
}

// ---------------------------------------------------------------- host lookup and index checks

#[tokio::test]
async fn the_index_host_is_looked_up_once_from_the_control_plane_and_cached() {
    let control = MockServer::start().await;
    let data = MockServer::start().await;
    let mut described = fixture("index_response");
    // The control plane gives a bare host; a URL is accepted too, which lets the test point at wiremock.
    described["host"] = json!(data.uri());
    Mock::given(method("GET"))
        .and(path(format!("/indexes/{INDEX}")))
        .and(header("api-key", KEY))
        .and(header("x-pinecone-api-version", DEFAULT_API_VERSION))
        .respond_with(ResponseTemplate::new(200).set_body_json(described))
        .expect(1)
        .mount(&control)
        .await;
    Mock::given(method("POST"))
        .and(path("/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("query_response")))
        .expect(2)
        .mount(&data)
        .await;
    Mock::given(method("POST"))
        .and(path("/vectors/delete"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&data)
        .await;
    let mut config = PineconeConfig::new(KEY.to_owned().into(), INDEX, 3);
    config.control_plane_url = control.uri();
    config.http = http();
    let s = PineconeVectorStore::new(config).unwrap();

    s.query(query("kb", 2, None)).await.unwrap();
    // A clone shares the looked-up host.
    s.clone().query(query("kb", 2, None)).await.unwrap();
    s.delete("kb", &["vec-1".to_owned()]).await.unwrap();
}

#[tokio::test]
async fn an_unknown_index_is_not_found_and_the_failed_lookup_is_not_cached() {
    let control = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/indexes/{INDEX}")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": 404, "error": {"code": "NOT_FOUND", "message": "Resource test-index not found"}})),
        )
        .expect(2)
        .mount(&control)
        .await;
    let mut config = PineconeConfig::new(KEY.to_owned().into(), INDEX, 3);
    config.control_plane_url = control.uri();
    config.http = http();
    let s = PineconeVectorStore::new(config).unwrap();
    for _ in 0..2 {
        let err = s.query(query("kb", 2, None)).await.unwrap_err();
        assert!(matches!(&err, Error::NotFound { entity: "pinecone index", id } if id == INDEX), "{err:?}");
    }
}

#[tokio::test]
async fn check_dimensions_accepts_an_index_of_the_configured_dimension() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/describe_index_stats"))
        .and(header("api-key", KEY))
        .and(header("x-pinecone-api-version", DEFAULT_API_VERSION))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("describe_index_stats_response")))
        .expect(1)
        .mount(&server)
        .await;
    store(&server, 128).check_dimensions().await.unwrap();
}

#[tokio::test]
async fn a_dimension_mismatch_is_a_config_error_naming_both_numbers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/describe_index_stats"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("describe_index_stats_response")))
        .expect(1)
        .mount(&server)
        .await;
    let err = store(&server, 1536).check_dimensions().await.unwrap_err();
    assert!(matches!(&err, Error::Config(m) if m.contains("128") && m.contains("1536") && m.contains(INDEX)), "{err:?}");
}

#[tokio::test]
async fn an_index_with_another_metric_is_a_config_error() {
    let server = MockServer::start().await;
    let mut stats = fixture("describe_index_stats_response");
    stats["metric"] = json!("euclidean");
    Mock::given(method("POST"))
        .and(path("/describe_index_stats"))
        .respond_with(ResponseTemplate::new(200).set_body_json(stats))
        .mount(&server)
        .await;
    let err = store(&server, 128).check_dimensions().await.unwrap_err();
    assert!(matches!(&err, Error::Config(m) if m.contains("euclidean")), "{err:?}");
}

// ---------------------------------------------------------------- error classes

#[tokio::test]
async fn a_400_is_invalid_input_with_pinecones_message_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vectors/upsert"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": 3, "message": "Metadata size is 41234 bytes, which exceeds the limit of 40960 bytes per vector", "details": []
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = store(&server, 3).upsert("kb", vec![rec("a", &[1.0, 0.0, 0.0], json!({"k": "v"}))]).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("exceeds the limit")), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_401_is_unauthenticated_and_a_403_permission_denied() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/query"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": 16, "message": "Invalid API key", "details": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/vectors/delete"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"code": 7, "message": "Forbidden", "details": []})))
        .expect(1)
        .mount(&server)
        .await;
    let s = store(&server, 3);
    assert!(matches!(s.query(query("kb", 1, None)).await, Err(Error::Unauthenticated(m)) if m.contains("Invalid API key")));
    assert!(matches!(s.delete("kb", &["a".to_owned()]).await, Err(Error::PermissionDenied(_))));
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_the_wait_and_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/query"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0.4").set_body_json(
            json!({"code": 8, "message": "Request failed. You've reached the max query requests per second.", "details": []}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("query_response")))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    let matches = store(&server, 3).query(query("test-namespace", 2, None)).await.unwrap();
    // The backoff is 5 ms: only the server's 400 ms explain the wait.
    assert!(started.elapsed() >= Duration::from_millis(400), "Retry-After not honoured: {:?}", started.elapsed());
    assert_eq!(matches.len(), 2);
}

#[tokio::test]
async fn a_429_asking_for_longer_than_we_wait_is_rate_limited_with_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vectors/upsert"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_json(json!({"code": 8, "message": "Too many requests", "details": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = store(&server, 3).upsert("kb", vec![rec("a", &[1.0, 0.0, 0.0], json!({}))]).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(120)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_5xx_is_retried_for_upsert_query_and_delete_and_then_succeeds() {
    let server = MockServer::start().await;
    for (at, ok) in [("/vectors/upsert", fixture("upsert_response")), ("/query", fixture("query_response")), ("/vectors/delete", json!({}))]
    {
        Mock::given(method("POST"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(500).set_body_json(fixture("error_response")))
            .up_to_n_times(1)
            .with_priority(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok))
            .with_priority(2)
            .expect(1)
            .mount(&server)
            .await;
    }
    let s = store(&server, 3);
    s.upsert("kb", vec![rec("a", &[1.0, 0.0, 0.0], json!({}))]).await.unwrap();
    assert_eq!(s.query(query("kb", 2, None)).await.unwrap().len(), 2);
    s.delete("kb", &["a".to_owned()]).await.unwrap();
}

#[tokio::test]
async fn a_5xx_that_persists_is_transient_with_pinecones_message_after_the_last_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/query"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"status": 503, "error": {"code": "UNAVAILABLE", "message": "Service unavailable"}})),
        )
        .expect(3)
        .mount(&server)
        .await;
    let err = store(&server, 3).query(query("kb", 2, None)).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("Service unavailable")), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_timeout_is_retried_and_then_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("query_response")).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&server)
        .await;
    let err = store(&server, 3).query(query("kb", 2, None)).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("timed out")), "{err:?}");
}

#[tokio::test]
async fn a_timeout_on_upsert_is_transient_not_outcome_unknown() {
    // Upsert overwrites by id, so it is safe to resend: a timeout is retried like a read.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/vectors/upsert"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("upsert_response")).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&server)
        .await;
    let err = store(&server, 3).upsert("kb", vec![rec("a", &[1.0, 0.0, 0.0], json!({}))]).await.unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
}

#[test]
fn the_store_and_its_config_never_show_the_key() {
    let mut config = PineconeConfig::new(KEY.to_owned().into(), INDEX, 3);
    config.host = Some("test-index-abc1234.svc.us-east1-gcp.pinecone.io".into());
    assert!(!format!("{config:?}").contains(KEY));
    let s = PineconeVectorStore::new(config).unwrap();
    assert!(!format!("{s:?}").contains(KEY));
}
