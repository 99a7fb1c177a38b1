//! [`JobQueue`] in memory.

use std::time::Duration;

use async_trait::async_trait;

use super::{InMemoryStore, State, chrono_dur, find};
use crate::domain::*;
use crate::jobs::JobQueue;
use crate::store::*;
use crate::{Error, Result};

fn holder<'a>(s: &'a mut State, id: JobId, worker: &str) -> Result<&'a mut Job> {
    let j = find(&mut s.jobs, id, JobId::ENTITY, |j| j.id == id)?;
    if j.status != JobStatus::Running || j.claimed_by.as_deref() != Some(worker) {
        return Err(Error::conflict(format!("job {id} is not held by worker {worker} (it is `{}`)", j.status)));
    }
    Ok(j)
}

#[async_trait]
impl JobQueue for InMemoryStore {
    async fn enqueue(&self, n: NewJob) -> Result<Stored<Job>> {
        if n.max_attempts < 1 {
            return Err(Error::invalid_field("max_attempts", "must be at least 1"));
        }
        let now = self.now();
        let mut s = self.lock();
        if let Some(k) = &n.dedupe_key
            && let Some(j) = s.jobs.iter().find(|j| j.dedupe_key.as_ref() == Some(k))
        {
            return Ok(Stored { value: j.clone(), created: false });
        }
        let j = Job {
            id: JobId::new(),
            kind: n.kind,
            payload: n.payload,
            status: JobStatus::Queued,
            progress: 0,
            result: None,
            attempts: 0,
            max_attempts: n.max_attempts,
            run_after: n.run_after.unwrap_or(now),
            claimed_by: None,
            lease_expires_at: None,
            last_error: None,
            dedupe_key: n.dedupe_key,
            created_at: now,
            updated_at: now,
            finished_at: None,
        };
        s.jobs.push(j.clone());
        Ok(Stored { value: j, created: true })
    }

    async fn claim(&self, req: &ClaimRequest) -> Result<Option<Job>> {
        let now = self.now();
        let mut s = self.lock();
        for j in s
            .jobs
            .iter_mut()
            .filter(|j| j.status == JobStatus::Running && j.lease_expires_at.is_some_and(|l| l < now) && j.attempts >= j.max_attempts)
        {
            j.status = JobStatus::Dead;
            j.last_error = Some(format!(
                "lease of worker {} expired after the last of {} attempts",
                j.claimed_by.as_deref().unwrap_or("?"),
                j.max_attempts
            ));
            j.claimed_by = None;
            j.lease_expires_at = None;
            j.finished_at = Some(now);
            j.updated_at = now;
        }
        let pick = s
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| {
                (req.kinds.is_empty() || req.kinds.contains(&j.kind))
                    && ((j.status == JobStatus::Queued && j.run_after <= now)
                        || (j.status == JobStatus::Running && j.lease_expires_at.is_some_and(|l| l < now)))
            })
            .min_by_key(|(_, j)| (j.run_after, j.id))
            .map(|(i, _)| i);
        let Some(i) = pick else { return Ok(None) };
        let j = &mut s.jobs[i];
        j.status = JobStatus::Running;
        j.attempts += 1;
        j.claimed_by = Some(req.worker_id.clone());
        j.lease_expires_at = Some(now + chrono_dur(req.lease));
        j.updated_at = now;
        Ok(Some(j.clone()))
    }

    async fn heartbeat(&self, id: JobId, worker: &str, lease: Duration) -> Result<()> {
        let now = self.now();
        let mut s = self.lock();
        let j = holder(&mut s, id, worker)?;
        j.lease_expires_at = Some(now + chrono_dur(lease));
        j.updated_at = now;
        Ok(())
    }

    async fn set_progress(&self, id: JobId, worker: &str, progress: i32, result: Option<serde_json::Value>) -> Result<()> {
        let now = self.now();
        let mut s = self.lock();
        let j = holder(&mut s, id, worker)?;
        j.progress = progress.clamp(0, 100);
        if result.is_some() {
            j.result = result;
        }
        j.updated_at = now;
        Ok(())
    }

    async fn complete(&self, id: JobId, worker: &str, outcome: JobOutcome) -> Result<Job> {
        let now = self.now();
        let mut s = self.lock();
        let j = holder(&mut s, id, worker)?;
        match outcome {
            JobOutcome::Succeeded(result) => {
                j.status = JobStatus::Succeeded;
                j.progress = 100;
                if result.is_some() {
                    j.result = result;
                }
                j.finished_at = Some(now);
            }
            JobOutcome::Retry { error, retry_at } => {
                if j.attempts >= j.max_attempts {
                    j.status = JobStatus::Dead;
                    j.finished_at = Some(now);
                } else {
                    j.status = JobStatus::Queued;
                    j.run_after = retry_at;
                }
                j.last_error = Some(error);
            }
            JobOutcome::Failed { error } => {
                j.status = JobStatus::Failed;
                j.last_error = Some(error);
                j.finished_at = Some(now);
            }
        }
        j.claimed_by = None;
        j.lease_expires_at = None;
        j.updated_at = now;
        Ok(j.clone())
    }

    async fn get_job(&self, id: JobId) -> Result<Job> {
        self.lock().jobs.iter().find(|j| j.id == id).cloned().ok_or_else(|| Error::not_found(JobId::ENTITY, id))
    }

    async fn list_jobs(&self, status: Option<JobStatus>, limit: u32) -> Result<Vec<Job>> {
        let s = self.lock();
        let mut v: Vec<Job> = s.jobs.iter().filter(|j| status.is_none_or(|st| j.status == st)).cloned().collect();
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        v.truncate(page_limit(limit, 100, 1000) as usize);
        Ok(v)
    }

    async fn requeue(&self, id: JobId) -> Result<Job> {
        let now = self.now();
        let mut s = self.lock();
        let j = find(&mut s.jobs, id, JobId::ENTITY, |j| j.id == id)?;
        if !matches!(j.status, JobStatus::Dead | JobStatus::Failed) {
            return Err(Error::conflict(format!("job {id} is `{}`; only dead or failed jobs can be requeued", j.status)));
        }
        j.status = JobStatus::Queued;
        j.attempts = 0;
        j.run_after = now;
        j.finished_at = None;
        j.updated_at = now;
        Ok(j.clone())
    }
}
