//! [`ScheduleStore`] in memory: schedules, claims and the publishing log.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{InMemoryStore, chrono_dur, find};
use crate::domain::*;
use crate::store::*;
use crate::{Error, Result};

const ACTIVE_SCHEDULE: [ScheduleStatus; 3] = [ScheduleStatus::Pending, ScheduleStatus::Claimed, ScheduleStatus::Unknown];

#[async_trait]
impl ScheduleStore for InMemoryStore {
    async fn create_schedule(&self, n: NewSchedule) -> Result<Schedule> {
        validate_timezone(&n.timezone)?;
        let now = self.now();
        let mut s = self.lock();
        if !s.content.iter().any(|c| c.id == n.content_item_id) {
            return Err(Error::not_found(ContentId::ENTITY, n.content_item_id));
        }
        if let Some(x) = s
            .schedules
            .iter()
            .find(|x| x.content_item_id == n.content_item_id && x.platform == n.platform && ACTIVE_SCHEDULE.contains(&x.status))
        {
            return Err(Error::conflict(format!(
                "content item {} already has an active schedule {} on {}",
                n.content_item_id, x.id, n.platform
            )));
        }
        let v = pending_schedule(n, now);
        s.schedules.push(v.clone());
        Ok(v)
    }

    async fn get_schedule(&self, id: ScheduleId) -> Result<Schedule> {
        self.lock().schedules.iter().find(|x| x.id == id).cloned().ok_or_else(|| Error::not_found(ScheduleId::ENTITY, id))
    }

    async fn list_schedules(&self, f: &ScheduleFilter) -> Result<Vec<Schedule>> {
        let s = self.lock();
        let mut v: Vec<Schedule> = s
            .schedules
            .iter()
            .filter(|x| {
                f.content_item_id.is_none_or(|c| x.content_item_id == c)
                    && (f.statuses.is_empty() || f.statuses.contains(&x.status))
                    && f.from.is_none_or(|t| x.scheduled_time >= t)
                    && f.until.is_none_or(|t| x.scheduled_time < t)
            })
            .cloned()
            .collect();
        v.sort_by(|a, b| a.scheduled_time.cmp(&b.scheduled_time).then(a.id.cmp(&b.id)));
        v.truncate(page_limit(f.limit, 100, 1000) as usize);
        Ok(v)
    }

    async fn reschedule(&self, id: ScheduleId, at: DateTime<Utc>) -> Result<Schedule> {
        let now = self.now();
        let mut s = self.lock();
        let x = find(&mut s.schedules, id, ScheduleId::ENTITY, |x| x.id == id)?;
        match x.status {
            ScheduleStatus::Pending => {}
            ScheduleStatus::Failed | ScheduleStatus::Unknown => x.status = x.status.transition(ScheduleStatus::Pending)?,
            other => return Err(Error::conflict(format!("schedule {id} is `{other}` and cannot be moved"))),
        }
        x.scheduled_time = at;
        x.claimed_by = None;
        x.next_attempt_at = None;
        x.error_message = None;
        x.updated_at = now;
        Ok(x.clone())
    }

    async fn cancel_schedule(&self, id: ScheduleId) -> Result<Schedule> {
        let now = self.now();
        let mut s = self.lock();
        let x = find(&mut s.schedules, id, ScheduleId::ENTITY, |x| x.id == id)?;
        x.status = x.status.transition(ScheduleStatus::Cancelled)?;
        x.updated_at = now;
        Ok(x.clone())
    }

    async fn claim_due_schedules(&self, worker: &str, lease: Duration, limit: u32) -> Result<Vec<Schedule>> {
        let now = self.now();
        let mut s = self.lock();
        for x in s.schedules.iter_mut().filter(|x| x.status == ScheduleStatus::Claimed && x.lease_expires_at.is_some_and(|l| l < now)) {
            x.status = ScheduleStatus::Unknown;
            x.error_message = Some(format!(
                "worker {} lost its claim mid-publish; reconcile before sending again",
                x.claimed_by.as_deref().unwrap_or("?")
            ));
            x.claimed_by = None;
            x.lease_expires_at = None;
            x.updated_at = now;
        }
        let mut due: Vec<usize> = s
            .schedules
            .iter()
            .enumerate()
            .filter(|(_, x)| x.status == ScheduleStatus::Pending && x.scheduled_time <= now && x.next_attempt_at.is_none_or(|t| t <= now))
            .map(|(i, _)| i)
            .collect();
        due.sort_by_key(|&i| (s.schedules[i].scheduled_time, s.schedules[i].id));
        due.truncate(limit as usize);
        let mut out = Vec::with_capacity(due.len());
        for i in due {
            let x = &mut s.schedules[i];
            x.status = ScheduleStatus::Claimed;
            x.claimed_by = Some(worker.to_owned());
            x.lease_expires_at = Some(now + chrono_dur(lease));
            x.updated_at = now;
            out.push(x.clone());
        }
        Ok(out)
    }

    async fn finish_schedule(&self, id: ScheduleId, worker: &str, outcome: ScheduleOutcome) -> Result<Schedule> {
        let now = self.now();
        let mut s = self.lock();
        let x = find(&mut s.schedules, id, ScheduleId::ENTITY, |x| x.id == id)?;
        if x.status == ScheduleStatus::Claimed && x.claimed_by.as_deref() != Some(worker) {
            return Err(Error::conflict(format!("schedule {id} is claimed by another worker")));
        }
        *x = x.apply_outcome(outcome, now)?;
        Ok(x.clone())
    }

    async fn append_publish_log(&self, l: NewPublishingLog) -> Result<PublishingLog> {
        let now = self.now();
        let mut s = self.lock();
        if !s.content.iter().any(|c| c.id == l.content_item_id) {
            return Err(Error::not_found(ContentId::ENTITY, l.content_item_id));
        }
        let v = PublishingLog {
            id: PublishLogId::new(),
            content_item_id: l.content_item_id,
            schedule_id: l.schedule_id,
            platform: l.platform,
            status: l.status,
            request_payload: l.request_payload,
            response_data: l.response_data,
            error_message: l.error_message,
            published_url: l.published_url,
            created_at: now,
        };
        s.logs.push(v.clone());
        Ok(v)
    }

    async fn list_publish_logs(&self, content_item_id: ContentId) -> Result<Vec<PublishingLog>> {
        Ok(self.lock().logs.iter().filter(|l| l.content_item_id == content_item_id).cloned().collect())
    }
}

/// A new `pending` schedule for `n`, as the store writes it (also for approvals).
pub(super) fn pending_schedule(n: NewSchedule, now: DateTime<Utc>) -> Schedule {
    Schedule {
        id: ScheduleId::new(),
        content_item_id: n.content_item_id,
        platform: n.platform,
        scheduled_time: n.scheduled_time,
        timezone: n.timezone,
        status: ScheduleStatus::Pending,
        error_message: None,
        retry_count: 0,
        next_attempt_at: None,
        claimed_by: None,
        lease_expires_at: None,
        platform_post_id: None,
        attempt: 0,
        last_attempt_at: None,
        published_url: None,
        published_at: None,
        created_at: now,
        updated_at: now,
    }
}
