#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "webflow")]
//! Webflow Analyze against a wiremock Data API: the `top_pages` request (window, sort, limit,
//! token), matching CMS posts by collection and slug, one request in flight per token, and how
//! each answer is classified. Bodies are in `fixtures/webflow/analyze_top_pages.json`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::webflow::{WebflowAnalyticsConfig, WebflowMetrics};
use growth_core::Error;
use growth_core::domain::ContentId;
use growth_core::measure::{MetricsRequest, MetricsSource, needs_connection};
use secrecy::SecretString;
use serde_json::Value;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "wf-analyze-token";
const SITE: &str = "580e63e98c9a982ac9b8b741";
const COLLECTION: &str = "6611aa00bb00cc00dd00ee01";
const REPORT: &str = "/v2/sites/580e63e98c9a982ac9b8b741/analyze/reports/top_pages";

fn fixture(key: &str) -> Value {
    let path = format!("{}/tests/fixtures/webflow/analyze_top_pages.json", env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all.get(key).unwrap_or_else(|| panic!("no fixture `{key}`")).clone()
}

fn config(server: &MockServer, token: &str) -> WebflowAnalyticsConfig {
    let mut c = WebflowAnalyticsConfig::new(SecretString::from(token), SITE);
    c.collection_id = Some(COLLECTION.into());
    c.base_url = server.uri();
    c.http = HttpConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_millis(500),
        retry: RetryConfig {
            max_attempts: 3,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(2),
            ..RetryConfig::default()
        },
        rate_limit: None,
    };
    c
}

fn source(server: &MockServer) -> WebflowMetrics {
    WebflowMetrics::new(config(server, TOKEN)).unwrap()
}

fn post(slug: &str, days_ago: i64) -> MetricsRequest {
    let mut r = MetricsRequest::new(ContentId::new(), "642fd0000000000000000001");
    r.url = Some(format!("https://example.com/blog/{slug}"));
    r.published_at = Some(Utc::now() - chrono::Duration::days(days_ago));
    r
}

/// `startTime` and `endTime` are UTC instants written with `Z`, `days` apart (± a minute).
struct Window {
    days: i64,
}

impl Match for Window {
    fn matches(&self, request: &Request) -> bool {
        let get = |k: &str| request.url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        let (Some(start), Some(end)) = (get("startTime"), get("endTime")) else { return false };
        let parse = |s: &str| DateTime::parse_from_rfc3339(s).ok().filter(|_| s.ends_with('Z'));
        match (parse(&start), parse(&end)) {
            (Some(s), Some(e)) => ((e - s) - chrono::Duration::days(self.days)).num_seconds().abs() < 60,
            _ => false,
        }
    }
}

#[tokio::test]
async fn one_report_serves_a_batch_and_posts_are_matched_by_collection_and_slug() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(REPORT))
        .and(Window { days: 20 })
        .and(query_param("sortBy", "session"))
        .and(query_param("limit", "250"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("report")))
        .expect(1)
        .mount(&server)
        .await;
    let reqs = [post("the-plg-paradox", 5), post("onboarding-in-5-minutes", 20), post("a-post-nobody-read", 2)];
    let out = source(&server).fetch_batch(&reqs).await.unwrap();
    let plg = out[0].result.as_ref().unwrap();
    assert_eq!((plg.sessions, plg.pageviews), (Some(412), Some(587)));
    assert_eq!(out[1].result.as_ref().unwrap().pageviews, Some(121));
    assert!(out[2].result.as_ref().unwrap().is_empty(), "not among the top pages: unavailable, not zero");
}

#[tokio::test]
async fn an_old_post_is_read_over_at_most_100_days() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(REPORT))
        .and(Window { days: 100 })
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("report")))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(source(&server).fetch(&post("the-plg-paradox", 400)).await.unwrap().sessions, Some(412));
}

#[tokio::test]
async fn a_post_without_a_slug_is_answered_without_calling_webflow() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let mut r = post("x", 1);
    r.url = None;
    assert!(source(&server).fetch(&r).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_empty_report_leaves_every_post_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(REPORT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("empty")))
        .expect(1)
        .mount(&server)
        .await;
    assert!(source(&server).fetch(&post("the-plg-paradox", 3)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_add_on_or_scope_asks_to_connect_analytics() {
    for status in [401, 402, 403] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(REPORT))
            .respond_with(ResponseTemplate::new(status).set_body_json(fixture("error_403")))
            .expect(1)
            .mount(&server)
            .await;
        let e = source(&server).fetch(&post("the-plg-paradox", 3)).await.unwrap_err();
        assert!(needs_connection(&e) && e.to_string().contains("connect analytics: webflow"), "{status}: {e:?}");
    }
}

#[tokio::test]
async fn a_concurrent_request_429_is_retried_after_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(REPORT))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(fixture("error_429")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(REPORT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("report")))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(source(&server).fetch(&post("the-plg-paradox", 3)).await.unwrap().pageviews, Some(587));
}

#[tokio::test]
async fn a_429_asking_for_a_long_wait_goes_back_with_it_and_one_without_is_retried_then_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(REPORT))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "60").set_body_json(fixture("error_429")))
        .expect(1)
        .mount(&server)
        .await;
    let e = source(&server).fetch(&post("the-plg-paradox", 3)).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(60)), "{e:?}");

    let bare = MockServer::start().await;
    Mock::given(method("GET")).and(path(REPORT)).respond_with(ResponseTemplate::new(429)).expect(3).mount(&bare).await;
    assert!(matches!(source(&bare).fetch(&post("the-plg-paradox", 3)).await, Err(Error::RateLimited { .. })));
}

#[tokio::test]
async fn server_errors_and_timeouts_are_transient_after_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path(REPORT)).respond_with(ResponseTemplate::new(500)).expect(3).mount(&server).await;
    assert!(matches!(source(&server).fetch(&post("the-plg-paradox", 3)).await, Err(Error::Transient { .. })));

    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(REPORT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("report")).set_delay(Duration::from_secs(3)))
        .expect(3)
        .mount(&slow)
        .await;
    let e = source(&slow).fetch(&post("the-plg-paradox", 3)).await.unwrap_err();
    assert!(matches!(&e, Error::Transient { message, .. } if message.contains("timed out")), "{e:?}");
}

/// Answers the report after `delay`, noting when each request arrived.
struct Recording {
    arrivals: Arc<Mutex<Vec<Instant>>>,
    delay: Duration,
}

impl Respond for Recording {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.arrivals.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(200).set_body_json(fixture("report")).set_delay(self.delay)
    }
}

#[tokio::test]
async fn two_sources_with_one_token_never_have_two_requests_in_flight() {
    let server = MockServer::start().await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let delay = Duration::from_millis(200);
    Mock::given(method("GET"))
        .and(path(REPORT))
        .respond_with(Recording { arrivals: arrivals.clone(), delay })
        .expect(2)
        .mount(&server)
        .await;
    let token = "wf-token-shared-by-two-sources";
    let a = WebflowMetrics::new(config(&server, token)).unwrap();
    let b = WebflowMetrics::new(config(&server, token)).unwrap();
    let (pa, pb) = (post("the-plg-paradox", 3), post("onboarding-in-5-minutes", 3));
    let (ra, rb) = tokio::join!(a.fetch(&pa), b.fetch(&pb));
    assert!(ra.is_ok() && rb.is_ok());
    let t = arrivals.lock().unwrap().clone();
    assert_eq!(t.len(), 2);
    let gap = if t[1] > t[0] { t[1] - t[0] } else { t[0] - t[1] };
    assert!(gap >= delay, "the second request started {gap:?} after the first, before it was answered");
}

#[tokio::test]
async fn an_invalid_site_or_sort_is_a_configuration_error() {
    let server = MockServer::start().await;
    let mut c = config(&server, TOKEN);
    c.site_id = "../other".into();
    assert!(matches!(WebflowMetrics::new(c), Err(Error::Config(_))));
    let mut c = config(&server, TOKEN);
    c.sort_by = "bounces".into();
    assert!(matches!(WebflowMetrics::new(c), Err(Error::Config(m)) if m.contains("sort_by")));
}
