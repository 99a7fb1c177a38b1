//! Prometheus metrics at `GET /metrics`: requests by method, route template (axum's
//! `MatchedPath`, never a raw path with ids) and status, with a latency histogram; and whatever
//! the engine records through the `metrics` facade ([`growth_core::telemetry`]): jobs by kind and
//! outcome, publishing outcomes by platform, state changes by action, generation tokens and
//! estimated cost by model.
//!
//! The recorder is process-wide (the `metrics` facade has one global recorder), installed the first
//! time [`handle`] is called.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::Label;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests answered, by `method`, `route` and `status`.
pub const HTTP_REQUESTS: &str = "growth_http_requests_total";
/// Request latency in seconds, by `method`, `route` and `status`.
pub const HTTP_SECONDS: &str = "growth_http_request_duration_seconds";
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus handle; installs the recorder on first use.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_SECONDS.to_owned()), &BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will stay empty");
        }
        handle
    })
}

/// `GET /metrics` in the Prometheus text format.
pub(crate) fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/metrics", get(render))
}

async fn render() -> impl IntoResponse {
    let h = handle();
    h.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], h.render())
}

/// Middleware: counts and times every request under its route template.
pub async fn track(req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let start = Instant::now();
    let resp = next.run(req).await;
    let labels = vec![Label::new("method", method), Label::new("route", route), Label::new("status", resp.status().as_u16().to_string())];
    metrics::histogram!(HTTP_SECONDS, labels.clone()).record(start.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, labels).increment(1);
    resp
}
