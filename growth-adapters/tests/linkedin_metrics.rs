#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(feature = "linkedin")]
//! LinkedIn post analytics against a wiremock LinkedIn: the requests (Rest.li 2.0 encoding,
//! headers, one `queryType` per call, `List(…)` batches), the daily call budget, and how each
//! answer is classified. Bodies are in `fixtures/linkedin/analytics.json` (see PROVENANCE.md).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::linkedin::{LinkedInConfig, LinkedInMetrics, LinkedInPublisher};
use growth_core::Error;
use growth_core::clock::ManualClock;
use growth_core::domain::{ContentId, Platform};
use growth_core::measure::{
    BudgetKey, DailyCallBudget, DailyLimit, MetricsRequest, MetricsSource, PostMetrics, Unbudgeted, needs_connection,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "AQV-test-access-token";
const VERSION: &str = "202601";
const MEMBER: &str = "urn:li:person:8675309";
const ORG: &str = "urn:li:organization:2414183";
const SHARE: &str = "urn:li:share:7012345678901234567";
const UGC: &str = "urn:li:ugcPost:6443156446455693312";
const MEMBER_PATH: &str = "/rest/memberCreatorPostAnalytics";
const ORG_PATH: &str = "/rest/organizationalEntityShareStatistics";

fn fixture(key: &str) -> Value {
    let path = format!("{}/tests/fixtures/linkedin/analytics.json", env!("CARGO_MANIFEST_DIR"));
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all.get(key).unwrap_or_else(|| panic!("no fixture `{key}`")).clone()
}

/// The raw (still percent-encoded) query contains `0`: what LinkedIn's Rest.li parser sees.
struct RawQuery(&'static str);

impl Match for RawQuery {
    fn matches(&self, request: &Request) -> bool {
        request.url.query().is_some_and(|q| q.contains(self.0))
    }
}

fn config(server: &MockServer, author: &str) -> LinkedInConfig {
    let mut c = LinkedInConfig::new(SecretString::from(TOKEN), VERSION);
    c.author = Some(author.into());
    c.base_url = server.uri();
    c.token_url = format!("{}/oauth/v2/accessToken", server.uri());
    c.http = HttpConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_millis(300),
        retry: RetryConfig {
            max_attempts: 3,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            // Any server-named wait is handed back, so a daily-quota 429 is never retried here.
            max_retry_after: Duration::ZERO,
            ..RetryConfig::default()
        },
        rate_limit: None,
    };
    c
}

fn member_source(server: &MockServer) -> LinkedInMetrics {
    LinkedInMetrics::new(config(server, MEMBER), Arc::new(Unbudgeted)).unwrap()
}

fn req(urn: &str) -> MetricsRequest {
    MetricsRequest::new(ContentId::new(), urn)
}

async fn mount_member(server: &MockServer, query_type: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .and(query_param("q", "entity"))
        .and(query_param("queryType", query_type))
        .and(query_param("aggregation", "TOTAL"))
        .and(RawQuery("entity=(share:urn%3Ali%3Ashare%3A7012345678901234567)"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("linkedin-version", VERSION))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_member_post_is_read_with_one_call_per_metric_in_both_metric_type_shapes() {
    let server = MockServer::start().await;
    mount_member(&server, "IMPRESSION", fixture("member_impression_string")).await;
    mount_member(&server, "MEMBERS_REACHED", fixture("member_reached_nested")).await;
    mount_member(&server, "REACTION", fixture("member_reaction_string")).await;
    mount_member(&server, "COMMENT", fixture("member_comment_recorded")).await;
    mount_member(&server, "RESHARE", fixture("member_empty")).await;
    let m = member_source(&server).fetch(&req(SHARE)).await.unwrap();
    assert_eq!(
        m,
        PostMetrics {
            impressions: Some(1204),
            members_reached: Some(811),
            reactions: Some(57),
            comments: Some(2),
            reshares: None,
            ..PostMetrics::default()
        },
        "an empty answer is unavailable, not zero"
    );
}

#[tokio::test]
async fn a_ugc_post_uses_the_ugc_union_alias_and_its_target_entity_key_is_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .and(RawQuery("entity=(ugc:urn%3Ali%3AugcPost%3A6443156446455693312)"))
        .and(query_param("queryType", "IMPRESSION"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("member_ugc_impression")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .and(RawQuery("entity=(ugc:urn%3Ali%3AugcPost%3A6443156446455693312)"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("member_empty")))
        .expect(4)
        .mount(&server)
        .await;
    let m = member_source(&server).fetch(&req(UGC)).await.unwrap();
    assert_eq!((m.impressions, m.comments), (Some(300), None));
}

#[tokio::test]
async fn a_post_with_no_data_yet_is_all_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("member_empty")))
        .expect(5)
        .mount(&server)
        .await;
    assert!(member_source(&server).fetch(&req(SHARE)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_scope_asks_to_connect_analytics_and_stops_at_the_first_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .respond_with(ResponseTemplate::new(403).set_body_json(fixture("error_403_scope")))
        .expect(1)
        .mount(&server)
        .await;
    let e = member_source(&server).fetch(&req(SHARE)).await.unwrap_err();
    assert!(
        matches!(&e, Error::PermissionDenied(m) if m.starts_with("connect analytics: linkedin") && m.contains("r_member_postAnalytics")),
        "{e:?}"
    );
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_refused_token_asks_to_reconnect() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(fixture("error_401")))
        .expect(1)
        .mount(&server)
        .await;
    let e = member_source(&server).fetch(&req(SHARE)).await.unwrap_err();
    assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("Empty oauth2_access_token")), "{e:?}");
    assert!(needs_connection(&e));
}

#[tokio::test]
async fn a_daily_quota_429_is_not_retried_and_waits_for_midnight_utc() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .respond_with(ResponseTemplate::new(429).set_body_json(fixture("error_429")))
        .expect(1)
        .mount(&server)
        .await;
    let e = member_source(&server).fetch(&req(SHARE)).await.unwrap_err();
    let Error::RateLimited { retry_after: Some(wait) } = e else { panic!("{e:?}") };
    let now = Utc::now();
    let midnight = growth_core::measure::next_utc_midnight(now);
    assert!(wait <= (midnight - now).to_std().unwrap() + Duration::from_secs(5), "{wait:?}");
}

#[tokio::test]
async fn a_429_with_a_short_retry_after_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("member_empty")))
        .expect(5)
        .mount(&server)
        .await;
    assert!(member_source(&server).fetch(&req(SHARE)).await.is_ok());
}

#[tokio::test]
async fn server_errors_and_timeouts_are_transient_after_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path(MEMBER_PATH)).respond_with(ResponseTemplate::new(504)).expect(3).mount(&server).await;
    assert!(matches!(member_source(&server).fetch(&req(SHARE)).await, Err(Error::Transient { .. })));

    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("member_empty")).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&slow)
        .await;
    let e = member_source(&slow).fetch(&req(SHARE)).await.unwrap_err();
    assert!(matches!(&e, Error::Transient { message, .. } if message.contains("timed out")), "{e:?}");
}

#[tokio::test]
async fn a_deleted_post_is_not_found_and_a_bad_urn_is_never_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not found", "status": 404})))
        .expect(1)
        .mount(&server)
        .await;
    let e = member_source(&server).fetch(&req(SHARE)).await.unwrap_err();
    assert!(matches!(&e, Error::NotFound { entity: "linkedin post", id } if id == SHARE), "{e:?}");
    let bad = member_source(&server).fetch(&req("urn:li:activity:7100000000000000001")).await;
    assert!(matches!(bad, Err(Error::InvalidInput { .. })));
}

#[tokio::test]
async fn a_spent_budget_sends_nothing_and_says_when_it_refills() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("member_empty")))
        .expect(5)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let budget = Arc::new(DailyCallBudget::new(
        clock,
        HashMap::from([(Platform::LINKEDIN, DailyLimit { per_platform: Some(100), per_account: Some(7) })]),
    ));
    let source = LinkedInMetrics::new(config(&server, MEMBER), budget.clone()).unwrap();
    source.fetch(&req(SHARE)).await.unwrap();
    assert_eq!(budget.used(&BudgetKey::account(Platform::LINKEDIN, MEMBER)), 5);
    let e = source.fetch(&req(SHARE)).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { retry_after: Some(_) }), "{e:?}");
    assert_eq!(budget.used(&BudgetKey::account(Platform::LINKEDIN, MEMBER)), 5, "a refused post takes nothing");
}

fn org_req(urn: &str) -> MetricsRequest {
    let mut r = req(urn);
    r.platform_data = json!({"author": ORG});
    r
}

#[tokio::test]
async fn page_posts_are_batched_per_kind_and_an_omitted_post_has_zero() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_PATH))
        .and(query_param("q", "organizationalEntity"))
        .and(RawQuery("organizationalEntity=urn%3Ali%3Aorganization%3A2414183"))
        .and(RawQuery("shares=List(urn%3Ali%3Ashare%3A1000000,urn%3Ali%3Ashare%3A1000001,urn%3Ali%3Ashare%3A1000002)"))
        .and(header("linkedin-version", VERSION))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("org_share_statistics")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ORG_PATH))
        .and(RawQuery("ugcPosts=List(urn%3Ali%3AugcPost%3A2000001)"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("org_ugc_statistics")))
        .expect(1)
        .mount(&server)
        .await;
    let source = LinkedInMetrics::new(config(&server, MEMBER), Arc::new(Unbudgeted)).unwrap();
    let reqs = [
        org_req("urn:li:share:1000000"),
        org_req("urn:li:ugcPost:2000001"),
        org_req("urn:li:share:1000001"),
        org_req("urn:li:share:1000002"),
    ];
    let out = source.fetch_batch(&reqs).await.unwrap();
    assert_eq!(out.iter().map(|b| b.content_item_id).collect::<Vec<_>>(), reqs.iter().map(|r| r.content_item_id).collect::<Vec<_>>());
    let first = out[0].result.as_ref().unwrap();
    assert_eq!(
        (first.impressions, first.members_reached, first.clicks, first.reactions, first.comments, first.reshares),
        (Some(14_490_816), Some(9327), Some(109_276), Some(52), Some(70), Some(0))
    );
    assert_eq!(out[1].result.as_ref().unwrap().impressions, Some(77));
    let omitted = out[2].result.as_ref().unwrap();
    assert_eq!((omitted.impressions, omitted.clicks, omitted.reactions), (Some(0), Some(0), Some(0)), "no activity means zero");
}

#[tokio::test]
async fn each_page_statistics_call_costs_one_budgeted_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("org_empty")))
        .expect(2)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap()));
    let budget = Arc::new(DailyCallBudget::new(
        clock,
        HashMap::from([(Platform::LINKEDIN, DailyLimit { per_platform: Some(10), per_account: None })]),
    ));
    let source = LinkedInMetrics::new(config(&server, ORG), budget.clone()).unwrap().page_batch(2);
    let reqs: Vec<MetricsRequest> = (1..=3).map(|i| req(&format!("urn:li:share:{i}"))).collect();
    let out = source.fetch_batch(&reqs).await.unwrap();
    assert!(out.iter().all(|b| b.result.as_ref().unwrap().impressions == Some(0)));
    assert_eq!(budget.used(&BudgetKey::account(Platform::LINKEDIN, ORG)), 2);
}

#[tokio::test]
async fn a_page_without_the_admin_scope_ends_the_batch() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_PATH))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Not enough permissions to access: organizationalEntityShareStatistics", "status": 403})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let source = LinkedInMetrics::new(config(&server, ORG), Arc::new(Unbudgeted)).unwrap();
    let e = source.fetch_batch(&[req("urn:li:share:1"), req("urn:li:share:2")]).await.unwrap_err();
    assert!(needs_connection(&e), "{e:?}");
}

#[tokio::test]
async fn the_publishers_metrics_share_its_settings() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEMBER_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("member_empty")))
        .expect(5)
        .mount(&server)
        .await;
    let publisher = LinkedInPublisher::new(config(&server, MEMBER)).unwrap();
    let source = publisher.metrics(Arc::new(Unbudgeted));
    assert_eq!(source.capabilities().calls_per_post, 5);
    assert!(source.fetch(&req(SHARE)).await.unwrap().is_empty());
}

/// What a sync takes from the daily budget for a batch is what the batch sends: five calls per
/// member post (one per `queryType`), one per page-statistics `List(…)` call.
#[tokio::test]
async fn a_batch_costs_five_calls_a_member_post_and_one_a_page_list() {
    let server = MockServer::start().await;
    let member = member_source(&server);
    assert_eq!(member.calls_for(&[req(SHARE), req(UGC), req("urn:li:share:2")]), 15);
    let page = LinkedInMetrics::new(config(&server, ORG), Arc::new(Unbudgeted)).unwrap();
    // Two shares share one `shares=List(…)` call, the ugcPost needs its own `ugcPosts=List(…)`.
    assert_eq!(page.calls_for(&[req(SHARE), req("urn:li:share:2"), req(UGC)]), 2);
    let mut by_member = req(SHARE);
    by_member.platform_data = json!({"author": MEMBER});
    assert_eq!(page.calls_for(&[by_member, req(SHARE)]), 5 + 1, "a member post in a page batch costs its five");
    assert_eq!(page.calls_for(&[]), 0);
}
