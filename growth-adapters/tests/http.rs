//! The shared HTTP client against wiremock: which answers are retried for which requests, the
//! server's wait headers, and the client-side rate limit. Bodies are irrelevant here.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::time::{Duration, Instant, SystemTime};

use growth_adapters::http::{
    HttpClient, HttpConfig, Idempotency, RateLimitConfig, RetryConfig, classify_status, error_message, retry_after,
};
use growth_core::Error;
use reqwest::Method;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    classify_status("test", status, &error_message(body), retry_after(headers))
}

fn client(rate_limit: Option<RateLimitConfig>) -> HttpClient {
    let config = HttpConfig {
        connect_timeout: Duration::from_millis(500),
        timeout: Duration::from_millis(300),
        retry: RetryConfig {
            max_attempts: 3,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            ..RetryConfig::default()
        },
        rate_limit,
    };
    HttpClient::new("test", &config, classify).unwrap()
}

async fn send(c: &HttpClient, url: &str, idempotency: Idempotency) -> Result<growth_adapters::http::HttpResponse, Error> {
    c.send(c.request(Method::POST, url).body("x"), idempotency).await
}

#[tokio::test]
async fn a_5xx_is_not_retried_for_a_non_idempotent_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/w")).respond_with(ResponseTemplate::new(503)).expect(1).mount(&server).await;
    let err = send(&client(None), &format!("{}/w", server.uri()), Idempotency::NonIdempotent).await.unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err:?}");
}

#[tokio::test]
async fn a_408_is_retried_for_an_idempotent_request() {
    let server = MockServer::start().await;
    Mock::given(path("/r")).respond_with(ResponseTemplate::new(408)).up_to_n_times(1).with_priority(1).expect(1).mount(&server).await;
    Mock::given(path("/r")).respond_with(ResponseTemplate::new(200).set_body_string("ok")).with_priority(2).expect(1).mount(&server).await;
    let resp = send(&client(None), &format!("{}/r", server.uri()), Idempotency::Idempotent).await.unwrap();
    assert_eq!(&resp.body[..], b"ok");
}

#[tokio::test]
async fn a_4xx_other_than_408_and_429_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/r")).respond_with(ResponseTemplate::new(422).set_body_string("bad field")).expect(1).mount(&server).await;
    let err = send(&client(None), &format!("{}/r", server.uri()), Idempotency::Idempotent).await.unwrap_err();
    assert!(matches!(&err, Error::Permanent(m) if m.contains("bad field")), "{err:?}");
}

#[tokio::test]
async fn retry_after_ms_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after-ms", "250"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/r")).respond_with(ResponseTemplate::new(200)).with_priority(2).expect(1).mount(&server).await;
    let started = Instant::now();
    send(&client(None), &format!("{}/r", server.uri()), Idempotency::Idempotent).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(250), "{:?}", started.elapsed());
}

#[tokio::test]
async fn an_http_date_retry_after_is_honoured() {
    let server = MockServer::start().await;
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", at.as_str()))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/r")).respond_with(ResponseTemplate::new(200)).with_priority(2).expect(1).mount(&server).await;
    let started = Instant::now();
    send(&client(None), &format!("{}/r", server.uri()), Idempotency::Idempotent).await.unwrap();
    // HTTP-dates have whole seconds: the wait is between 1 and 2 s.
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_refused_connection_is_transient_even_for_a_non_idempotent_request() {
    // Bind then drop a listener: the port is closed, nothing can have been sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = send(&client(None), &format!("http://127.0.0.1:{port}/w"), Idempotency::NonIdempotent).await.unwrap_err();
    assert!(matches!(&err, Error::Transient { message, .. } if message.contains("cannot connect")), "{err:?}");
}

#[tokio::test]
async fn transport_errors_never_carry_the_url_or_its_signed_query() {
    // A pre-signed link (the kind a CDN hands out) on a closed port, then on a server too slow to answer.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let refused = format!("http://127.0.0.1:{port}/t/1.srt?X-Amz-Signature=presigned-SECRET");
    let err = send(&client(None), &refused, Idempotency::Idempotent).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("cannot connect"), "{shown}");
    assert!(!shown.contains("SECRET") && !shown.contains("/t/1.srt"), "{shown}");

    let server = MockServer::start().await;
    Mock::given(path("/slow")).respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2))).mount(&server).await;
    let slow = format!("{}/slow?token=query-SECRET", server.uri());
    let err = send(&client(None), &slow, Idempotency::Idempotent).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("timed out"), "{shown}");
    assert!(!shown.contains("SECRET") && !shown.contains("/slow"), "{shown}");
}

#[tokio::test]
async fn the_client_rate_limit_spaces_requests() {
    let server = MockServer::start().await;
    Mock::given(path("/r")).respond_with(ResponseTemplate::new(200)).expect(3).mount(&server).await;
    let c = client(Some(RateLimitConfig { requests: 1, per: Duration::from_millis(200) }));
    let started = Instant::now();
    for _ in 0..3 {
        send(&c, &format!("{}/r", server.uri()), Idempotency::Idempotent).await.unwrap();
    }
    assert!(started.elapsed() >= Duration::from_millis(400), "{:?}", started.elapsed());
}
