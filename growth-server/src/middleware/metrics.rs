//! Prometheus metrics at `GET /metrics`: requests by method, route template (axum's
//! `MatchedPath`, never a raw path with ids) and status, with a latency histogram; jobs by kind and
//! outcome ([`crate::worker`]); publishing outcomes ([`crate::publishing::run_loop`]); generation
//! tokens and estimated cost by model.
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
/// Job attempts finished, by `kind` and `outcome` (the job's status afterwards).
pub const JOBS: &str = "growth_jobs_total";
/// Schedules handled by the publishing loop, by `outcome` (published, retrying, unknown, failed,
/// reconciled).
pub const PUBLISHES: &str = "growth_publishes_total";

/// Generation tokens, by `model` and `kind` (`input`, `output`, `cache_read`, `cache_creation`).
pub const GENERATION_TOKENS: &str = "growth_generation_tokens_total";
/// Estimated generation cost in millionths of a US dollar (counters are integers), by `model`;
/// nothing without `generation.prices`.
pub const GENERATION_COST: &str = "growth_generation_cost_microusd_total";

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

/// Adds one bundle's tokens and estimated cost.
pub fn count_generation(model: &str, usage: &growth_core::generate::Usage, cost_usd: f64) {
    let kinds = [
        ("input", usage.input_tokens),
        ("output", usage.output_tokens),
        ("cache_read", usage.cache_read_input_tokens),
        ("cache_creation", usage.cache_creation_input_tokens),
    ];
    for (kind, n) in kinds {
        metrics::counter!(GENERATION_TOKENS, "model" => model.to_owned(), "kind" => kind).increment(n);
    }
    if cost_usd.is_finite() && cost_usd > 0.0 {
        metrics::counter!(GENERATION_COST, "model" => model.to_owned()).increment((cost_usd * 1e6).round() as u64);
    }
}
