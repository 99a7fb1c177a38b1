#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![cfg(all(feature = "n8n", feature = "customerio"))]
//! Lead enrichment against a wiremock n8n Webhook node (Header Auth, "When Last Node Finishes")
//! and a wiremock Customer.io App API (the RightMessage segment in the person's attributes): the
//! answer is stored on the lead by an `enrich_lead` job, a slow answer times out and the job is
//! retried later, a 401 fails it for good with the reason.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use growth_adapters::customerio::{CustomerIoConfig, CustomerIoSegments};
use growth_adapters::n8n::{N8nConfig, N8nEnricher};
use growth_core::Clock;
use growth_core::clock::ManualClock;
use growth_core::domain::{ClaimRequest, Job, JobStatus};
use growth_core::jobs::{JobQueue, Worker, WorkerConfig};
use growth_core::measure::{EnrichLeadHandler, LeadInput, LeadKind, MeasureConfig, MeasureService, enrich_lead_kind};
use growth_core::memory::InMemoryStore;
use growth_core::store::MeasureStore;
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "n8n-header-secret";

struct World {
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
    measure: MeasureService,
    worker: Worker,
}

fn world(n8n: &MockServer, cio: Option<&MockServer>, timeout: Duration) -> World {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 14, 0, 0).unwrap()));
    let store = Arc::new(InMemoryStore::new(clock.clone()));
    let mut config = N8nConfig::new(format!("{}/webhook/enrich-lead", n8n.uri()), "X-N8N-Auth", SecretString::from(SECRET));
    config.timeout = timeout;
    let mut measure =
        MeasureService::new(store.clone(), clock.clone(), MeasureConfig::default()).enricher(Arc::new(N8nEnricher::new(&config).unwrap()));
    if let Some(cio) = cio {
        let mut c = CustomerIoConfig::new(SecretString::from("cio-app-key"));
        c.base_url = Some(cio.uri());
        measure = measure.segments(Arc::new(CustomerIoSegments::new(&c, Some("rm_segment")).unwrap()));
    }
    let worker = Worker::new(store.clone(), clock.clone(), WorkerConfig::default(), "test")
        .register(Arc::new(EnrichLeadHandler::new(measure.clone())));
    World { store, clock, measure, worker }
}

fn lead() -> LeadInput {
    LeadInput {
        email: "Ana@Example.com".into(),
        url: Some("https://productled.com/demo?utm_source=linkedin&utm_campaign=ep-47".into()),
        utm: None,
        kind: LeadKind::DemoRequest,
        revenue_usd: None,
        occurred_at: None,
        event_id: Some("form-1".into()),
    }
}

impl World {
    /// Claims the due enrichment job and runs it; answers the job as it ended.
    async fn run_job(&self) -> Job {
        let req = ClaimRequest { worker_id: self.worker.id().to_owned(), kinds: vec![enrich_lead_kind()], lease: Duration::from_secs(60) };
        let job = self.store.claim(&req).await.unwrap().expect("a due enrichment job");
        let id = job.id;
        self.worker.process(job).await;
        self.store.get_job(id).await.unwrap()
    }

    async fn pending(&self) -> Option<Job> {
        let req = ClaimRequest { worker_id: self.worker.id().to_owned(), kinds: vec![enrich_lead_kind()], lease: Duration::from_secs(60) };
        self.store.claim(&req).await.unwrap()
    }
}

#[tokio::test]
async fn the_answer_and_the_rightmessage_segment_are_stored_on_the_lead_by_a_job() {
    let n8n = MockServer::start().await;
    let cio = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/enrich-lead"))
        .and(header("x-n8n-auth", SECRET))
        .and(body_partial_json(json!({"email": "ana@example.com", "kind": "demo_request", "utm": {"campaign": "ep-47"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"company": "ProductLed", "employees": 42, "role": "Founder"})))
        .expect(1)
        .mount(&n8n)
        .await;
    // Customer.io's documented shape for a person's attributes.
    Mock::given(method("GET"))
        .and(path("/v1/customers/ana%40example.com/attributes"))
        .and(query_param("id_type", "email"))
        .and(header("authorization", "Bearer cio-app-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "customer": {
                "id": "42",
                "identifiers": {"email": "ana@example.com", "id": "42", "cio_id": "a3000001"},
                "attributes": {"_last_emailed": "1700000000", "email": "ana@example.com", "rm_segment": "founder-plg", "created_at": "1690000000"},
                "timestamps": {"created_at": 1690000000},
                "unsubscribed": false,
                "devices": []
            }
        })))
        .expect(1)
        .mount(&cio)
        .await;
    let w = world(&n8n, Some(&cio), Duration::from_secs(2));
    let receipt = w.measure.record_lead(lead()).await.unwrap();
    assert_eq!(receipt.lead.enrichment, None, "recording never waits for the enrichment");
    let job = w.run_job().await;
    assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.last_error);
    let stored = w.store.get_lead(receipt.lead.id).await.unwrap();
    assert_eq!(stored.enrichment, Some(json!({"company": "ProductLed", "employees": 42, "role": "Founder"})));
    assert_eq!(stored.segment.as_deref(), Some("founder-plg"));
    // The same event delivered again is not enriched again.
    assert!(!w.measure.record_lead(lead()).await.unwrap().created);
    assert!(w.pending().await.is_none());
}

#[tokio::test]
async fn a_slow_answer_times_out_and_the_job_is_retried_later_with_back_off() {
    let n8n = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/enrich-lead"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"late": true})).set_delay(Duration::from_secs(3)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&n8n)
        .await;
    let w = world(&n8n, None, Duration::from_millis(200));
    let receipt = w.measure.record_lead(lead()).await.unwrap();
    let job = w.run_job().await;
    assert_eq!(job.status, JobStatus::Queued, "a timeout is retried: {:?}", job.last_error);
    assert!(job.run_after > w.clock.now(), "later, with back-off");
    assert!(job.last_error.as_deref().unwrap_or_default().contains("timed out"), "{:?}", job.last_error);
    assert!(w.pending().await.is_none(), "not before its back-off");
    assert_eq!(w.store.get_lead(receipt.lead.id).await.unwrap().enrichment, None);

    Mock::given(method("POST"))
        .and(path("/webhook/enrich-lead"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"company": "ProductLed"})))
        .mount(&n8n)
        .await;
    w.clock.advance(chrono::Duration::hours(2));
    let job = w.run_job().await;
    assert_eq!((job.status, job.attempts), (JobStatus::Succeeded, 2));
    assert_eq!(w.store.get_lead(receipt.lead.id).await.unwrap().enrichment, Some(json!({"company": "ProductLed"})));
}

#[tokio::test]
async fn a_401_fails_the_enrichment_for_good_with_the_reason() {
    let n8n = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook/enrich-lead"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Authorization data is wrong!"})))
        .expect(1)
        .mount(&n8n)
        .await;
    let w = world(&n8n, None, Duration::from_secs(2));
    let receipt = w.measure.record_lead(lead()).await.unwrap();
    let job = w.run_job().await;
    assert_eq!(job.status, JobStatus::Failed);
    let reason = job.last_error.unwrap_or_default();
    assert!(reason.contains("401") && reason.contains("Authorization data is wrong!") && reason.contains("Header Auth"), "{reason}");
    w.clock.advance(chrono::Duration::days(1));
    assert!(w.pending().await.is_none(), "never retried");
    assert_eq!(w.store.get_lead(receipt.lead.id).await.unwrap().enrichment, None);
}

#[tokio::test]
async fn a_person_customerio_does_not_know_has_no_segment() {
    let cio = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/customers/bob%40example.com/attributes"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"meta": {"error": "Customer not found"}})))
        .mount(&cio)
        .await;
    let mut c = CustomerIoConfig::new(SecretString::from("cio-app-key"));
    c.base_url = Some(cio.uri());
    let reader = CustomerIoSegments::new(&c, None).unwrap();
    assert_eq!(reader.attribute(), "rm_segment");
    use growth_core::measure::SegmentReader;
    assert_eq!(reader.segment("bob@example.com").await.unwrap(), None);
}
