//! One metrics sync pass over 10,000 published LinkedIn member posts against a wiremock LinkedIn
//! (`memberCreatorPostAnalytics`, one request per metric, the recorded answer shape): wall time,
//! platform calls per post, and posts per second. The store is the in-memory one (the pass's
//! store work is one analytics row and one snapshot per post).
//!
//! `cargo bench -p growth --features linkedin --bench measure_sync`
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed setup should abort loudly")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use growth_adapters::http::{HttpConfig, RetryConfig};
use growth_adapters::linkedin::{LinkedInConfig, LinkedInMetrics};
use growth_core::domain::*;
use growth_core::measure::{MeasureConfig, MeasureService, Unbudgeted};
use growth_core::memory::InMemoryStore;
use growth_core::store::{ContentStore, ScheduleStore};
use growth_core::{Clock, SystemClock};
use secrecy::SecretString;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const N: usize = 10_000;

async fn seed(store: &InMemoryStore) {
    let now = SystemClock.now();
    for n in 0..N {
        let mut item =
            store.insert_content(NewContentItem::draft(ContentType::LinkedinPost, Some(format!("Post {n}")), "Body")).await.unwrap();
        for to in [ContentStatus::InReview, ContentStatus::Approved] {
            if item.status != to {
                item = store.transition_content(item.id, ContentTransition::to(to)).await.unwrap();
            }
        }
        let s = store
            .create_schedule(NewSchedule {
                content_item_id: item.id,
                platform: Platform::LINKEDIN,
                scheduled_time: now,
                timezone: "UTC".into(),
            })
            .await
            .unwrap();
        store.transition_content(item.id, ContentTransition::to(ContentStatus::Scheduled)).await.unwrap();
        store.claim_due_schedules("seed", Duration::from_secs(600), 1).await.unwrap();
        let log = NewPublishingLog {
            content_item_id: item.id,
            schedule_id: Some(s.id),
            platform: Platform::LINKEDIN,
            status: PublishStatus::Success,
            request_payload: Value::Null,
            response_data: Value::Null,
            error_message: None,
            published_url: None,
        };
        store
            .record_publication(s.id, "seed", Some(format!("urn:li:share:{}", 7_000_000_000_000_000_000u64 + n as u64)), None, now, log)
            .await
            .unwrap();
    }
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let fixtures: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/growth-adapters/tests/fixtures/linkedin/analytics.json")).unwrap(),
        )
        .unwrap();
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/rest/memberCreatorPostAnalytics"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixtures["member_impression_string"].clone()))
            .mount(&server)
            .await;
        let mut c = LinkedInConfig::new(SecretString::from("bench-token"), "202601");
        c.author = Some("urn:li:person:8675309".into());
        c.base_url = server.uri();
        c.token_url = format!("{}/oauth/v2/accessToken", server.uri());
        c.http = HttpConfig { connect_timeout: Duration::from_secs(1), timeout: Duration::from_secs(5), retry: RetryConfig::default(), rate_limit: None };
        let source = LinkedInMetrics::new(c, Arc::new(Unbudgeted)).unwrap();

        let store = InMemoryStore::new(Arc::new(SystemClock));
        let t = Instant::now();
        seed(&store).await;
        println!("seeded {N} published posts in {:.1?}", t.elapsed());
        let svc = MeasureService::new(Arc::new(store), Arc::new(SystemClock), MeasureConfig::default()).source(Arc::new(source));
        let t = Instant::now();
        let report = svc.sync().await.unwrap();
        let took = t.elapsed();
        let requests = server.received_requests().await.map_or(0, |r| r.len());
        println!(
            "sync pass: {} posts synced, {} failed in {:.2?} ({:.0} posts/s); {} platform calls budgeted ({:.1}/post), {} HTTP requests ({:.1}/post)",
            report.synced,
            report.failed,
            took,
            report.synced as f64 / took.as_secs_f64(),
            report.calls,
            report.calls as f64 / N as f64,
            requests,
            requests as f64 / N as f64
        );
        let again = Instant::now();
        let second = svc.sync().await.unwrap();
        println!("second pass right after: {} not due, {} synced in {:.2?} (back-off: no platform call)", second.not_due, second.synced, again.elapsed());
    });
}
