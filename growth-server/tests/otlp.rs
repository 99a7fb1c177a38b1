//! With the `otlp` feature and `telemetry.otlp_endpoint` set, a request's span reaches an OTLP/HTTP
//! collector: a stand-in on a free local port takes `POST /v1/traces` (protobuf) and keeps the
//! bodies. Its own test binary: the subscriber is global to the process.

#![cfg(feature = "otlp")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests: a failed setup should abort the test loudly")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use growth_server::config::{LogFormat, Settings, TelemetrySettings};
use growth_server::startup::Application;
use tokio_util::sync::CancellationToken;

/// What the collector received: (content type, body) per export.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

async fn collector() -> (String, Received) {
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/v1/traces",
            post(|State(got): State<Received>, headers: HeaderMap, body: Bytes| async move {
                let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                got.lock().unwrap().push((kind, body.to_vec()));
                // An empty ExportTraceServiceResponse.
                (StatusCode::OK, [("content-type", "application/x-protobuf")], Vec::<u8>::new())
            }),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_span_is_exported_to_the_otlp_collector() {
    let (collector_url, received) = collector().await;
    let telemetry = TelemetrySettings { otlp_endpoint: Some(collector_url), service_name: "growth-otlp-test".into() };
    let guard = growth_server::telemetry::init(LogFormat::Json, "info", &telemetry);
    assert!(guard.exporting(), "the exporter is set up");

    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        database_url: format!("sqlite://{}", dir.path().join("otlp.db").display()),
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        telemetry,
        ..Settings::default()
    };
    let app = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let r = reqwest::get(format!("{address}/health")).await.unwrap();
    assert_eq!(r.status(), 200);
    shutdown.cancel();
    server.await.unwrap().unwrap();

    // Dropping the guard exports what is buffered (blocking: off the async threads, while the
    // collector keeps answering on them).
    tokio::time::timeout(Duration::from_secs(30), tokio::task::spawn_blocking(move || drop(guard))).await.unwrap().unwrap();
    let got = received.lock().unwrap().clone();
    assert!(!got.is_empty(), "the collector received no export");
    let (kind, _) = &got[0];
    assert_eq!(kind, "application/x-protobuf");
    let all: Vec<u8> = got.iter().flat_map(|(_, b)| b.clone()).collect();
    assert!(contains(&all, b"growth-otlp-test"), "the service name is on the resource");
    assert!(contains(&all, b"request"), "the request span is exported");
    assert!(contains(&all, b"/health"), "with its path attribute");
}
