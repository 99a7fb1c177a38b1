//! [`PublishAttemptStore`] in memory: every step under the one lock, so each is atomic.

use std::time::Duration;

use async_trait::async_trait;

use super::{InMemoryStore, chrono_dur, find};
use crate::domain::*;
use crate::store::*;
use crate::{Error, Result};

const ACTIVE_SCHEDULE: [ScheduleStatus; 3] = [ScheduleStatus::Pending, ScheduleStatus::Claimed, ScheduleStatus::Unknown];

#[async_trait]
impl PublishAttemptStore for InMemoryStore {
    async fn approve_and_schedule(&self, approvals: &[ApprovalWrite]) -> Result<Vec<(ContentItem, Schedule)>> {
        let now = self.now();
        let mut s = self.lock();
        // Check everything first: nothing is written unless every entry can be.
        for (i, a) in approvals.iter().enumerate() {
            validate_timezone(&a.timezone)?;
            let item = s
                .content
                .iter()
                .find(|c| c.id == a.content_item_id)
                .ok_or_else(|| Error::not_found(ContentId::ENTITY, a.content_item_id))?;
            if !matches!(item.status, ContentStatus::InReview | ContentStatus::Approved) {
                return Err(Error::conflict(format!("content {} is {}; only an item in review can be approved", item.id, item.status)));
            }
            let taken = s
                .schedules
                .iter()
                .any(|x| x.content_item_id == a.content_item_id && x.platform == a.platform && ACTIVE_SCHEDULE.contains(&x.status))
                || approvals[..i].iter().any(|b| b.content_item_id == a.content_item_id && b.platform == a.platform);
            if taken {
                return Err(Error::conflict(format!(
                    "content item {} already has an active schedule on {}",
                    a.content_item_id, a.platform
                )));
            }
        }
        let mut out = Vec::with_capacity(approvals.len());
        for a in approvals {
            let c = find(&mut s.content, a.content_item_id, ContentId::ENTITY, |c| c.id == a.content_item_id)?;
            c.status = ContentStatus::Scheduled;
            c.scheduled_publish_time = Some(a.scheduled_time);
            c.updated_at = now;
            let item = c.clone();
            let new = NewSchedule {
                content_item_id: a.content_item_id,
                platform: a.platform,
                scheduled_time: a.scheduled_time,
                timezone: a.timezone.clone(),
            };
            let schedule = super::schedules::pending_schedule(new, now);
            s.schedules.push(schedule.clone());
            out.push((item, schedule));
        }
        Ok(out)
    }

    async fn claim_schedule(&self, id: ScheduleId, worker: &str, lease: Duration) -> Result<Option<Schedule>> {
        let now = self.now();
        let mut s = self.lock();
        let x = find(&mut s.schedules, id, ScheduleId::ENTITY, |x| x.id == id)?;
        if x.status != ScheduleStatus::Pending || x.next_attempt_at.is_some_and(|t| t > now) {
            return Ok(None);
        }
        x.status = ScheduleStatus::Claimed;
        x.claimed_by = Some(worker.to_owned());
        x.lease_expires_at = Some(now + chrono_dur(lease));
        x.updated_at = now;
        Ok(Some(x.clone()))
    }

    async fn start_attempt(&self, id: ScheduleId, worker: &str) -> Result<Schedule> {
        let now = self.now();
        let mut s = self.lock();
        let x = find(&mut s.schedules, id, ScheduleId::ENTITY, |x| x.id == id)?;
        let held =
            x.status == ScheduleStatus::Claimed && x.claimed_by.as_deref() == Some(worker) && x.lease_expires_at.is_some_and(|l| l > now);
        if !held {
            return Err(Error::conflict(format!("schedule {id} is {} and not held by {worker}: nothing may be sent", x.status)));
        }
        x.attempt += 1;
        x.last_attempt_at = Some(now);
        x.updated_at = now;
        Ok(x.clone())
    }

    async fn finish_attempt(&self, id: ScheduleId, worker: &str, attempt: i32, outcome: ScheduleOutcome) -> Result<Schedule> {
        let now = self.now();
        let mut s = self.lock();
        let x = find(&mut s.schedules, id, ScheduleId::ENTITY, |x| x.id == id)?;
        if x.attempt != attempt {
            return Err(Error::conflict(format!("schedule {id} is at attempt {}, not {attempt}: a newer attempt is under way", x.attempt)));
        }
        if x.status == ScheduleStatus::Claimed && x.claimed_by.as_deref() != Some(worker) {
            return Err(Error::conflict(format!("schedule {id} is claimed by another worker")));
        }
        *x = x.apply_outcome(outcome, now)?;
        Ok(x.clone())
    }

    async fn claim_unknown(&self, worker: &str, lease: Duration, limit: u32) -> Result<Vec<Schedule>> {
        let now = self.now();
        let mut s = self.lock();
        let mut due: Vec<usize> = s
            .schedules
            .iter()
            .enumerate()
            .filter(|(_, x)| x.status == ScheduleStatus::Unknown && x.next_attempt_at.is_none_or(|t| t <= now))
            .map(|(i, _)| i)
            .collect();
        due.sort_by_key(|&i| (s.schedules[i].updated_at, s.schedules[i].id));
        due.truncate(limit as usize);
        let mut out = Vec::with_capacity(due.len());
        for i in due {
            let x = &mut s.schedules[i];
            x.claimed_by = Some(worker.to_owned());
            x.next_attempt_at = Some(now + chrono_dur(lease));
            x.updated_at = now;
            out.push(x.clone());
        }
        Ok(out)
    }

    async fn return_to_review(&self, id: ContentId) -> Result<(ContentItem, Vec<Schedule>)> {
        let now = self.now();
        let mut s = self.lock();
        let item = s.content.iter().find(|c| c.id == id).ok_or_else(|| Error::not_found(ContentId::ENTITY, id))?;
        if !matches!(item.status, ContentStatus::Approved | ContentStatus::Scheduled) {
            return Err(Error::conflict(format!(
                "content {id} is {}; only an approved or scheduled item goes back to review",
                item.status
            )));
        }
        if let Some(x) =
            s.schedules.iter().find(|x| x.content_item_id == id && matches!(x.status, ScheduleStatus::Claimed | ScheduleStatus::Unknown))
        {
            return Err(Error::conflict(format!(
                "schedule {} of content {id} is {}: a publish may be in flight; wait for it or resolve it first",
                x.id, x.status
            )));
        }
        let mut cancelled = Vec::new();
        for x in s.schedules.iter_mut().filter(|x| x.content_item_id == id && x.status == ScheduleStatus::Pending) {
            x.status = ScheduleStatus::Cancelled;
            x.updated_at = now;
            cancelled.push(x.clone());
        }
        let c = find(&mut s.content, id, ContentId::ENTITY, |c| c.id == id)?;
        c.status = ContentStatus::InReview;
        c.scheduled_publish_time = None;
        c.updated_at = now;
        Ok((c.clone(), cancelled))
    }
}
