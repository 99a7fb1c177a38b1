//! Conformance suite for [`JobQueue`].

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::Error;
use crate::clock::ManualClock;
use crate::domain::{ClaimRequest, JobKind, JobOutcome, JobStatus, NewJob};
use crate::jobs::JobQueue;

/// Runs every check against fresh queues from `make`; the queue must read time from the clock.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn(Arc<ManualClock>) -> Fut,
    Fut: std::future::Future<Output = Arc<dyn JobQueue>>,
{
    macro_rules! check {
        ($name:ident) => {{
            let clock = Arc::new(ManualClock::new(super::epoch()));
            let q = make(clock.clone()).await;
            super::named(stringify!($name), $name(q, clock)).await;
        }};
    }
    check!(a_job_runs_through_enqueue_claim_complete);
    check!(a_dedupe_key_never_creates_a_second_job);
    check!(a_delayed_job_is_not_claimed_early);
    check!(claims_respect_the_kind_filter);
    check!(only_the_lease_holder_can_touch_a_job);
    check!(a_crashed_workers_job_is_claimed_again_after_the_lease);
    check!(a_retry_requeues_until_attempts_run_out_then_the_job_is_dead);
    check!(an_expired_lease_on_the_last_attempt_makes_the_job_dead);
    check!(a_failed_job_is_terminal_and_can_be_requeued);
    check!(progress_is_clamped_and_visible);
    check!(concurrent_claims_never_hand_out_a_job_twice);
    check!(unknown_jobs_are_not_found);
}

fn kind(k: &str) -> JobKind {
    JobKind::new(k).unwrap()
}

fn claim(worker: &str) -> ClaimRequest {
    ClaimRequest { worker_id: worker.into(), kinds: vec![], lease: Duration::from_secs(30) }
}

pub async fn a_job_runs_through_enqueue_claim_complete(q: Arc<dyn JobQueue>, _c: Arc<ManualClock>) {
    let j = q.enqueue(NewJob::new(kind("generate_bundle"), json!({"source": "ep-47"}))).await.unwrap();
    assert!(j.created);
    assert_eq!(j.value.status, JobStatus::Queued);
    let got = q.claim(&claim("w1")).await.unwrap().expect("a due job is claimed");
    assert_eq!(got.id, j.value.id);
    assert_eq!(got.status, JobStatus::Running);
    assert_eq!(got.attempts, 1);
    assert_eq!(got.claimed_by.as_deref(), Some("w1"));
    assert_eq!(got.payload, json!({"source": "ep-47"}));
    assert!(q.claim(&claim("w2")).await.unwrap().is_none(), "a running job is not handed out twice");
    let done = q.complete(got.id, "w1", JobOutcome::Succeeded(Some(json!({"items": 11})))).await.unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(done.progress, 100);
    assert_eq!(done.result, Some(json!({"items": 11})));
    assert!(done.finished_at.is_some());
    assert_eq!(q.get_job(got.id).await.unwrap(), done);
}

pub async fn a_dedupe_key_never_creates_a_second_job(q: Arc<dyn JobQueue>, _c: Arc<ManualClock>) {
    let a = q.enqueue(NewJob::new(kind("ingest_source"), json!(1)).dedupe_key("grain:rec-1")).await.unwrap();
    let b = q.enqueue(NewJob::new(kind("ingest_source"), json!(2)).dedupe_key("grain:rec-1")).await.unwrap();
    assert!(a.created && !b.created);
    assert_eq!(a.value.id, b.value.id);
    assert_eq!(b.value.payload, json!(1));
    assert_eq!(q.list_jobs(None, 0).await.unwrap().len(), 1);
}

pub async fn a_delayed_job_is_not_claimed_early(q: Arc<dyn JobQueue>, c: Arc<ManualClock>) {
    q.enqueue(NewJob::new(kind("sync_metrics"), json!(null)).run_after(super::epoch() + chrono::Duration::minutes(5))).await.unwrap();
    assert!(q.claim(&claim("w")).await.unwrap().is_none());
    c.advance(chrono::Duration::minutes(5));
    assert!(q.claim(&claim("w")).await.unwrap().is_some());
}

pub async fn claims_respect_the_kind_filter(q: Arc<dyn JobQueue>, _c: Arc<ManualClock>) {
    q.enqueue(NewJob::new(kind("a"), json!(null))).await.unwrap();
    let b = q.enqueue(NewJob::new(kind("b"), json!(null))).await.unwrap();
    let req = ClaimRequest { worker_id: "w".into(), kinds: vec![kind("b")], lease: Duration::from_secs(30) };
    assert_eq!(q.claim(&req).await.unwrap().map(|j| j.id), Some(b.value.id));
    assert!(q.claim(&req).await.unwrap().is_none());
}

pub async fn only_the_lease_holder_can_touch_a_job(q: Arc<dyn JobQueue>, _c: Arc<ManualClock>) {
    q.enqueue(NewJob::new(kind("a"), json!(null))).await.unwrap();
    let j = q.claim(&claim("w1")).await.unwrap().unwrap();
    assert!(matches!(q.heartbeat(j.id, "w2", Duration::from_secs(30)).await, Err(Error::Conflict { .. })));
    assert!(matches!(q.set_progress(j.id, "w2", 50, None).await, Err(Error::Conflict { .. })));
    assert!(matches!(q.complete(j.id, "w2", JobOutcome::Succeeded(None)).await, Err(Error::Conflict { .. })));
    let still = q.get_job(j.id).await.unwrap();
    assert_eq!(still.status, JobStatus::Running);
    assert_eq!(still.progress, 0);
    q.heartbeat(j.id, "w1", Duration::from_secs(60)).await.unwrap();
}

pub async fn a_crashed_workers_job_is_claimed_again_after_the_lease(q: Arc<dyn JobQueue>, c: Arc<ManualClock>) {
    q.enqueue(NewJob::new(kind("a"), json!(null))).await.unwrap();
    let j = q.claim(&claim("crashed")).await.unwrap().unwrap();
    c.advance(chrono::Duration::seconds(29));
    assert!(q.claim(&claim("w2")).await.unwrap().is_none(), "the lease still holds");
    c.advance(chrono::Duration::seconds(2));
    let again = q.claim(&claim("w2")).await.unwrap().expect("an expired lease is claimable");
    assert_eq!(again.id, j.id);
    assert_eq!(again.attempts, 2);
    assert_eq!(again.claimed_by.as_deref(), Some("w2"));
    assert!(
        matches!(q.complete(j.id, "crashed", JobOutcome::Succeeded(None)).await, Err(Error::Conflict { .. })),
        "the old holder lost the job"
    );
    q.complete(j.id, "w2", JobOutcome::Succeeded(None)).await.unwrap();
}

pub async fn a_retry_requeues_until_attempts_run_out_then_the_job_is_dead(q: Arc<dyn JobQueue>, c: Arc<ManualClock>) {
    let id = q.enqueue(NewJob::new(kind("a"), json!(null)).max_attempts(2)).await.unwrap().value.id;
    let j = q.claim(&claim("w")).await.unwrap().unwrap();
    let retry_at = c.now_plus(60);
    let r = q.complete(j.id, "w", JobOutcome::Retry { error: "503 from platform".into(), retry_at }).await.unwrap();
    assert_eq!(r.status, JobStatus::Queued);
    assert_eq!(r.last_error.as_deref(), Some("503 from platform"));
    assert!(q.claim(&claim("w")).await.unwrap().is_none(), "not before retry_at");
    c.advance(chrono::Duration::seconds(60));
    let j = q.claim(&claim("w")).await.unwrap().unwrap();
    assert_eq!(j.attempts, 2);
    let d = q.complete(j.id, "w", JobOutcome::Retry { error: "503 again".into(), retry_at: c.now_plus(60) }).await.unwrap();
    assert_eq!(d.status, JobStatus::Dead);
    assert_eq!(d.last_error.as_deref(), Some("503 again"));
    assert_eq!(
        q.list_jobs(Some(JobStatus::Dead), 10).await.unwrap().iter().map(|j| j.id).collect::<Vec<_>>(),
        [id],
        "a dead job stays visible"
    );
}

pub async fn an_expired_lease_on_the_last_attempt_makes_the_job_dead(q: Arc<dyn JobQueue>, c: Arc<ManualClock>) {
    let id = q.enqueue(NewJob::new(kind("a"), json!(null)).max_attempts(1)).await.unwrap().value.id;
    q.claim(&claim("crashed")).await.unwrap().unwrap();
    c.advance(chrono::Duration::seconds(31));
    assert!(q.claim(&claim("w2")).await.unwrap().is_none());
    let j = q.get_job(id).await.unwrap();
    assert_eq!(j.status, JobStatus::Dead);
    assert!(j.last_error.unwrap_or_default().contains("crashed"));
}

pub async fn a_failed_job_is_terminal_and_can_be_requeued(q: Arc<dyn JobQueue>, c: Arc<ManualClock>) {
    q.enqueue(NewJob::new(kind("a"), json!(null))).await.unwrap();
    let j = q.claim(&claim("w")).await.unwrap().unwrap();
    let f = q.complete(j.id, "w", JobOutcome::Failed { error: "transcript is empty".into() }).await.unwrap();
    assert_eq!(f.status, JobStatus::Failed);
    c.advance(chrono::Duration::hours(1));
    assert!(q.claim(&claim("w")).await.unwrap().is_none());
    let r = q.requeue(j.id).await.unwrap();
    assert_eq!(r.status, JobStatus::Queued);
    assert_eq!(r.attempts, 0);
    assert!(q.claim(&claim("w")).await.unwrap().is_some());
    assert!(matches!(q.requeue(j.id).await, Err(Error::Conflict { .. })), "a running job cannot be requeued");
}

pub async fn progress_is_clamped_and_visible(q: Arc<dyn JobQueue>, _c: Arc<ManualClock>) {
    q.enqueue(NewJob::new(kind("a"), json!(null))).await.unwrap();
    let j = q.claim(&claim("w")).await.unwrap().unwrap();
    q.set_progress(j.id, "w", 40, Some(json!({"items": ["x"]}))).await.unwrap();
    let seen = q.get_job(j.id).await.unwrap();
    assert_eq!(seen.progress, 40);
    assert_eq!(seen.result, Some(json!({"items": ["x"]})));
    q.set_progress(j.id, "w", 250, None).await.unwrap();
    let seen = q.get_job(j.id).await.unwrap();
    assert_eq!(seen.progress, 100);
    assert_eq!(seen.result, Some(json!({"items": ["x"]})), "a progress update without result keeps the last one");
}

pub async fn concurrent_claims_never_hand_out_a_job_twice(q: Arc<dyn JobQueue>, _c: Arc<ManualClock>) {
    for i in 0..40 {
        q.enqueue(NewJob::new(kind("a"), json!(i))).await.unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..8 {
        let q = q.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(j) = q.claim(&claim(&format!("w{w}"))).await.unwrap() {
                got.push(j.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(n, 40, "every job claimed once");
    assert_eq!(all.len(), 40, "no job claimed twice");
}

pub async fn unknown_jobs_are_not_found(q: Arc<dyn JobQueue>, _c: Arc<ManualClock>) {
    let id = crate::domain::JobId::new();
    assert!(matches!(q.get_job(id).await, Err(Error::NotFound { .. })));
    assert!(matches!(q.requeue(id).await, Err(Error::NotFound { .. })));
    assert!(matches!(q.complete(id, "w", JobOutcome::Succeeded(None)).await, Err(Error::NotFound { .. })));
}

trait NowPlus {
    fn now_plus(&self, secs: i64) -> chrono::DateTime<chrono::Utc>;
}

impl NowPlus for ManualClock {
    fn now_plus(&self, secs: i64) -> chrono::DateTime<chrono::Utc> {
        use crate::clock::Clock;
        self.now() + chrono::Duration::seconds(secs)
    }
}
