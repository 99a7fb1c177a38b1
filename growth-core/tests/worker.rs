//! The worker runs registered handlers and records each outcome.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests: a failed setup should abort loudly")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use growth_core::domain::{JobKind, JobStatus, NewJob};
use growth_core::jobs::JobQueue;
use growth_core::jobs::{JobContext, JobHandler, Worker, WorkerConfig};
use growth_core::memory::InMemoryStore;
use growth_core::{Error, SystemClock};
use serde_json::json;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Default)]
struct Scripted {
    calls: AtomicUsize,
}

#[async_trait]
impl JobHandler for Scripted {
    fn kind(&self) -> JobKind {
        JobKind::new("test.scripted").unwrap()
    }

    async fn run(&self, ctx: JobContext) -> growth_core::Result<Option<serde_json::Value>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match ctx.job.payload["do"].as_str().unwrap_or("") {
            "succeed" => {
                ctx.progress(50, Some(json!({"half": true}))).await?;
                Ok(Some(json!({"done": true})))
            }
            "transient" => Err(Error::transient("platform answered 503")),
            "permanent" => Err(Error::Permanent("the transcript is empty".into())),
            "panic" => panic!("handler bug"),
            _ => Ok(None),
        }
    }
}

fn settings() -> WorkerConfig {
    WorkerConfig { concurrency: 2, poll_interval_ms: 20, lease_secs: 30 }
}

async fn run_until(
    queue: &Arc<InMemoryStore>,
    handler: Arc<Scripted>,
    id: growth_core::domain::JobId,
    done: impl Fn(&growth_core::domain::Job) -> bool,
) -> growth_core::domain::Job {
    let worker = Worker::new(queue.clone(), Arc::new(SystemClock), settings(), "test").register(handler);
    let stop = CancellationToken::new();
    let running = tokio::spawn(worker.run(stop.clone()));
    let mut job = queue.get_job(id).await.unwrap();
    for _ in 0..200 {
        job = queue.get_job(id).await.unwrap();
        if done(&job) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.cancel();
    running.await.unwrap();
    job
}

async fn enqueue(queue: &Arc<InMemoryStore>, what: &str) -> growth_core::domain::JobId {
    queue.enqueue(NewJob::new(JobKind::new("test.scripted").unwrap(), json!({"do": what})).max_attempts(3)).await.unwrap().value.id
}

#[tokio::test]
async fn a_successful_job_ends_succeeded_with_its_result() {
    let queue = Arc::new(InMemoryStore::default());
    let id = enqueue(&queue, "succeed").await;
    let job = run_until(&queue, Arc::default(), id, |j| j.status == JobStatus::Succeeded).await;
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(job.result, Some(json!({"done": true})));
    assert_eq!(job.progress, 100);
}

#[tokio::test]
async fn a_transient_failure_is_requeued_with_backoff() {
    let queue = Arc::new(InMemoryStore::default());
    let id = enqueue(&queue, "transient").await;
    let h = Arc::new(Scripted::default());
    let job = run_until(&queue, h.clone(), id, |j| j.attempts == 1 && j.status == JobStatus::Queued).await;
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.attempts, 1);
    assert!(job.run_after > chrono::Utc::now() + chrono::Duration::seconds(2), "backed off: {}", job.run_after);
    assert!(job.last_error.unwrap().contains("503"));
    assert_eq!(h.calls.load(Ordering::SeqCst), 1, "not retried before its time");
}

#[tokio::test]
async fn a_permanent_failure_fails_the_job_with_its_reason() {
    let queue = Arc::new(InMemoryStore::default());
    let id = enqueue(&queue, "permanent").await;
    let job = run_until(&queue, Arc::default(), id, |j| j.status == JobStatus::Failed).await;
    assert_eq!(job.status, JobStatus::Failed);
    assert!(job.last_error.unwrap().contains("transcript is empty"));
}

#[tokio::test]
async fn a_panicking_handler_does_not_kill_the_worker() {
    let queue = Arc::new(InMemoryStore::default());
    let bad = enqueue(&queue, "panic").await;
    let good = enqueue(&queue, "succeed").await;
    let job = run_until(&queue, Arc::default(), good, |j| j.status == JobStatus::Succeeded).await;
    assert_eq!(job.status, JobStatus::Succeeded, "the worker kept going after the panic");
    let bad = queue.get_job(bad).await.unwrap();
    assert_eq!(bad.status, JobStatus::Queued);
    assert!(bad.last_error.unwrap().contains("handler bug"));
}

#[tokio::test]
async fn jobs_of_kinds_without_a_handler_are_left_alone() {
    let queue = Arc::new(InMemoryStore::default());
    let other = queue.enqueue(NewJob::new(JobKind::new("someone.else").unwrap(), json!({}))).await.unwrap().value.id;
    let id = enqueue(&queue, "succeed").await;
    run_until(&queue, Arc::default(), id, |j| j.status == JobStatus::Succeeded).await;
    assert_eq!(queue.get_job(other).await.unwrap().status, JobStatus::Queued);
}

/// A queue whose heartbeats fail (the database is unreachable) while everything else works.
#[derive(Debug)]
struct NoHeartbeats(Arc<InMemoryStore>);

#[async_trait]
impl JobQueue for NoHeartbeats {
    async fn enqueue(&self, job: NewJob) -> growth_core::Result<growth_core::domain::Stored<growth_core::domain::Job>> {
        self.0.enqueue(job).await
    }
    async fn claim(&self, req: &growth_core::domain::ClaimRequest) -> growth_core::Result<Option<growth_core::domain::Job>> {
        self.0.claim(req).await
    }
    async fn heartbeat(&self, _: growth_core::domain::JobId, _: &str, _: Duration) -> growth_core::Result<()> {
        Err(Error::transient("database unavailable"))
    }
    async fn set_progress(&self, id: growth_core::domain::JobId, w: &str, p: i32, r: Option<serde_json::Value>) -> growth_core::Result<()> {
        self.0.set_progress(id, w, p, r).await
    }
    async fn complete(
        &self,
        id: growth_core::domain::JobId,
        w: &str,
        o: growth_core::domain::JobOutcome,
    ) -> growth_core::Result<growth_core::domain::Job> {
        self.0.complete(id, w, o).await
    }
    async fn get_job(&self, id: growth_core::domain::JobId) -> growth_core::Result<growth_core::domain::Job> {
        self.0.get_job(id).await
    }
    async fn list_jobs(&self, status: Option<JobStatus>, limit: u32) -> growth_core::Result<Vec<growth_core::domain::Job>> {
        self.0.list_jobs(status, limit).await
    }
    async fn requeue(&self, id: growth_core::domain::JobId) -> growth_core::Result<growth_core::domain::Job> {
        self.0.requeue(id).await
    }
}

/// Runs until its lease is lost, and says so.
#[derive(Debug, Default)]
struct Long {
    stopped: AtomicUsize,
}

#[async_trait]
impl JobHandler for Long {
    fn kind(&self) -> JobKind {
        JobKind::new("test.long").unwrap()
    }
    async fn run(&self, ctx: JobContext) -> growth_core::Result<Option<serde_json::Value>> {
        let _guard = Stopped(&self.stopped);
        ctx.cancelled().cancelled().await;
        Ok(None)
    }
}

/// Counts the handler's end, however it ends (the worker drops a handler whose lease is lost).
struct Stopped<'a>(&'a AtomicUsize);

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_handler_whose_heartbeats_fail_until_its_lease_runs_out_is_stopped() {
    let store = Arc::new(InMemoryStore::default());
    let queue = Arc::new(NoHeartbeats(store.clone()));
    queue.enqueue(NewJob::new(JobKind::new("test.long").unwrap(), json!({}))).await.unwrap();
    let handler = Arc::new(Long::default());
    let config = WorkerConfig { concurrency: 1, poll_interval_ms: 20, lease_secs: 3 };
    let worker = Worker::new(queue, Arc::new(SystemClock), config, "w").register(handler.clone());
    let stop = CancellationToken::new();
    let running = tokio::spawn(worker.run(stop.clone()));
    for _ in 0..400 {
        if handler.stopped.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(handler.stopped.load(Ordering::SeqCst), 1, "the handler was stopped once its lease could have lapsed");
    stop.cancel();
    running.await.unwrap();
}
