//! [`InMemoryStore`]: every repository and the job queue, in memory, with the same contracts as
//! the SQL stores (it passes the same conformance suite). For tests, examples and embedding.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::clock::{Clock, SystemClock};
use crate::domain::*;
use crate::jobs::JobQueue;
use crate::store::*;
use crate::{Error, Result};

#[derive(Debug, Default)]
struct State {
    users: Vec<User>,
    sources: Vec<ContentSource>,
    content: Vec<ContentItem>,
    versions: Vec<ContentVersion>,
    edits: Vec<ContentEdit>,
    schedules: Vec<Schedule>,
    logs: Vec<PublishingLog>,
    analytics: Vec<Analytics>,
    knowledge: Vec<KnowledgeItem>,
    icp: Vec<IcpProfile>,
    objections: Vec<Objection>,
    jobs: Vec<Job>,
    idempotency: HashMap<(String, String), Option<serde_json::Value>>,
    cron: HashMap<(String, DateTime<Utc>), String>,
    passwords: HashMap<UserId, String>,
    refresh: Vec<RefreshToken>,
}

/// Every store trait in memory. Cheap to clone (shared state).
#[derive(Clone, Debug)]
pub struct InMemoryStore {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
}

impl Default for InMemoryStore {
    fn default() -> Self {
        Self::new(Arc::new(SystemClock))
    }
}

impl InMemoryStore {
    /// An empty store reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { state: Arc::default(), clock }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

fn find<'a, T, K: std::fmt::Display>(items: &'a mut [T], key: K, entity: &'static str, pred: impl Fn(&T) -> bool) -> Result<&'a mut T> {
    items.iter_mut().find(|t| pred(t)).ok_or_else(|| Error::not_found(entity, key))
}

fn chrono_dur(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

fn content_matches(c: &ContentItem, f: &ContentFilter) -> bool {
    (f.statuses.is_empty() || f.statuses.contains(&c.status))
        && f.source_id.is_none_or(|s| c.source_id == Some(s))
        && f.content_type.is_none_or(|t| c.content_type == t)
}

#[async_trait]
impl UserStore for InMemoryStore {
    async fn create_user(&self, user: NewUser) -> Result<User> {
        let email = normalize_email(&user.email)?;
        let now = self.now();
        let mut s = self.lock();
        if s.users.iter().any(|u| u.email == email) {
            return Err(Error::conflict(format!("a user with email {email} already exists")));
        }
        let u = User {
            id: UserId::new(),
            email,
            full_name: user.full_name,
            role: user.role,
            auth_provider: user.auth_provider,
            created_at: now,
            updated_at: now,
        };
        s.users.push(u.clone());
        Ok(u)
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        self.lock().users.iter().find(|u| u.id == id).cloned().ok_or_else(|| Error::not_found(UserId::ENTITY, id))
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let email = email.trim().to_lowercase();
        Ok(self.lock().users.iter().find(|u| u.email == email).cloned())
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        Ok(self.lock().users.clone())
    }

    async fn set_user_role(&self, id: UserId, role: Role) -> Result<User> {
        let now = self.now();
        let mut s = self.lock();
        let u = find(&mut s.users, id, UserId::ENTITY, |u| u.id == id)?;
        u.role = role;
        u.updated_at = now;
        Ok(u.clone())
    }
}

#[async_trait]
impl AuthStore for InMemoryStore {
    async fn set_password_hash(&self, user_id: UserId, hash: &str) -> Result<()> {
        let mut s = self.lock();
        if !s.users.iter().any(|u| u.id == user_id) {
            return Err(Error::not_found(UserId::ENTITY, user_id));
        }
        s.passwords.insert(user_id, hash.to_owned());
        Ok(())
    }

    async fn password_hash(&self, user_id: UserId) -> Result<Option<String>> {
        Ok(self.lock().passwords.get(&user_id).cloned())
    }

    async fn insert_refresh_token(
        &self,
        user_id: UserId,
        family_id: uuid::Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<RefreshToken> {
        let now = self.now();
        let mut s = self.lock();
        if !s.users.iter().any(|u| u.id == user_id) {
            return Err(Error::not_found(UserId::ENTITY, user_id));
        }
        if s.refresh.iter().any(|t| t.token_hash == token_hash) {
            return Err(Error::conflict("refresh token already exists"));
        }
        let t = RefreshToken {
            id: uuid::Uuid::now_v7(),
            user_id,
            family_id,
            token_hash: token_hash.to_owned(),
            expires_at,
            used_at: None,
            revoked_at: None,
            created_at: now,
        };
        s.refresh.push(t.clone());
        Ok(t)
    }

    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshToken>> {
        Ok(self.lock().refresh.iter().find(|t| t.token_hash == token_hash).cloned())
    }

    async fn use_refresh_token(&self, id: uuid::Uuid) -> Result<bool> {
        let now = self.now();
        let mut s = self.lock();
        match s.refresh.iter_mut().find(|t| t.id == id) {
            Some(t) if t.used_at.is_none() && t.revoked_at.is_none() => {
                t.used_at = Some(now);
                Ok(true)
            }
            Some(_) => Ok(false),
            None => Err(Error::not_found("refresh token", id)),
        }
    }

    async fn revoke_refresh_family(&self, family_id: uuid::Uuid) -> Result<()> {
        let now = self.now();
        for t in self.lock().refresh.iter_mut().filter(|t| t.family_id == family_id && t.revoked_at.is_none()) {
            t.revoked_at = Some(now);
        }
        Ok(())
    }
}

#[async_trait]
impl SourceStore for InMemoryStore {
    async fn create_source(&self, src: NewSource) -> Result<Stored<ContentSource>> {
        let source_type = src.source_type.unwrap_or(SourceType::Manual);
        let now = self.now();
        let mut s = self.lock();
        let existing = s.sources.iter().find(|x| {
            (src.source_id.is_some() && x.source_type == source_type && x.source_id == src.source_id)
                || (src.file_hash.is_some() && x.file_hash == src.file_hash)
        });
        if let Some(x) = existing {
            return Ok(Stored { value: x.clone(), created: false });
        }
        let v = ContentSource {
            id: SourceId::new(),
            source_type,
            source_id: src.source_id,
            title: src.title,
            description: src.description,
            metadata: src.metadata,
            file_url: src.file_url,
            file_hash: src.file_hash,
            transcript: src.transcript,
            transcript_source: src.transcript_source,
            status: SourceStatus::Ingested,
            failure_reason: None,
            created_at: now,
            processed_at: None,
        };
        s.sources.push(v.clone());
        Ok(Stored { value: v, created: true })
    }

    async fn get_source(&self, id: SourceId) -> Result<ContentSource> {
        self.lock().sources.iter().find(|x| x.id == id).cloned().ok_or_else(|| Error::not_found(SourceId::ENTITY, id))
    }

    async fn list_sources(&self, limit: u32, offset: u32) -> Result<Vec<ContentSource>> {
        let s = self.lock();
        let mut v = s.sources.clone();
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(v.into_iter().skip(offset as usize).take(page_limit(limit, 50, 500) as usize).collect())
    }

    async fn set_source_status(&self, id: SourceId, to: SourceStatus, reason: Option<String>) -> Result<ContentSource> {
        let now = self.now();
        let mut s = self.lock();
        let x = find(&mut s.sources, id, SourceId::ENTITY, |x| x.id == id)?;
        x.status = x.status.transition(to)?;
        if to == SourceStatus::Failed {
            x.failure_reason = reason;
        } else if to == SourceStatus::Processing || to == SourceStatus::Completed {
            x.failure_reason = None;
        }
        if matches!(to, SourceStatus::Completed | SourceStatus::Failed) {
            x.processed_at = Some(now);
        }
        Ok(x.clone())
    }

    async fn set_source_transcript(&self, id: SourceId, transcript: String, from: TranscriptSource) -> Result<ContentSource> {
        let mut s = self.lock();
        let x = find(&mut s.sources, id, SourceId::ENTITY, |x| x.id == id)?;
        x.transcript = Some(transcript);
        x.transcript_source = Some(from);
        Ok(x.clone())
    }
}

#[async_trait]
impl ContentStore for InMemoryStore {
    async fn insert_content(&self, item: NewContentItem) -> Result<ContentItem> {
        let now = self.now();
        let mut s = self.lock();
        if let Some(src) = item.source_id
            && !s.sources.iter().any(|x| x.id == src)
        {
            return Err(Error::not_found(SourceId::ENTITY, src));
        }
        let c = ContentItem {
            id: ContentId::new(),
            source_id: item.source_id,
            content_type: item.content_type,
            title: item.title,
            content: item.content,
            version: 1,
            status: item.status,
            quality: item.quality,
            predicted_engagement: item.predicted_engagement,
            best_publish_time: None,
            scheduled_publish_time: None,
            published_at: None,
            published_url: None,
            target_platform: Some(item.target_platform.unwrap_or(item.content_type.default_platform())),
            platform_data: item.platform_data,
            rejection_reason: None,
            created_at: now,
            updated_at: now,
        };
        s.versions.push(ContentVersion {
            content_item_id: c.id,
            version: 1,
            title: c.title.clone(),
            content: c.content.clone(),
            edited_by: None,
            created_at: now,
        });
        s.content.push(c.clone());
        Ok(c)
    }

    async fn get_content(&self, id: ContentId) -> Result<ContentItem> {
        self.lock().content.iter().find(|c| c.id == id).cloned().ok_or_else(|| Error::not_found(ContentId::ENTITY, id))
    }

    async fn list_content(&self, f: &ContentFilter) -> Result<Vec<ContentItem>> {
        let s = self.lock();
        Ok(s.content
            .iter()
            .filter(|c| content_matches(c, f))
            .skip(f.offset as usize)
            .take(page_limit(f.limit, 100, 500) as usize)
            .cloned()
            .collect())
    }

    async fn count_content(&self, f: &ContentFilter) -> Result<u64> {
        Ok(self.lock().content.iter().filter(|c| content_matches(c, f)).count() as u64)
    }

    async fn update_content(&self, id: ContentId, u: ContentUpdate) -> Result<ContentItem> {
        let now = self.now();
        let mut s = self.lock();
        let c = find(&mut s.content, id, ContentId::ENTITY, |c| c.id == id)?;
        if !c.status.is_editable() {
            return Err(Error::conflict(format!("content item {id} is `{}` and can no longer be edited", c.status)));
        }
        if c.version != u.expected_version {
            return Err(Error::conflict(format!(
                "content item {id} is at version {}, not {}: reload and edit again",
                c.version, u.expected_version
            )));
        }
        if let Some(t) = u.title {
            c.title = Some(t);
        }
        if let Some(body) = u.content {
            c.content = body;
        }
        c.version += 1;
        c.updated_at = now;
        let c = c.clone();
        s.versions.push(ContentVersion {
            content_item_id: id,
            version: c.version,
            title: c.title.clone(),
            content: c.content.clone(),
            edited_by: u.edited_by,
            created_at: now,
        });
        for e in u.edits {
            s.edits.push(ContentEdit {
                id: EditId::new(),
                content_item_id: id,
                user_id: u.edited_by,
                version: c.version,
                edit_type: e.edit_type,
                original_text: e.original_text,
                edited_text: e.edited_text,
                section: e.section,
                pattern_tag: e.pattern_tag,
                created_at: now,
            });
        }
        Ok(c)
    }

    async fn list_versions(&self, id: ContentId) -> Result<Vec<ContentVersion>> {
        let s = self.lock();
        if !s.content.iter().any(|c| c.id == id) {
            return Err(Error::not_found(ContentId::ENTITY, id));
        }
        Ok(s.versions.iter().filter(|v| v.content_item_id == id).cloned().collect())
    }

    async fn list_edits(&self, id: ContentId) -> Result<Vec<ContentEdit>> {
        let s = self.lock();
        if !s.content.iter().any(|c| c.id == id) {
            return Err(Error::not_found(ContentId::ENTITY, id));
        }
        Ok(s.edits.iter().filter(|e| e.content_item_id == id).cloned().collect())
    }

    async fn transition_content(&self, id: ContentId, ch: ContentTransition) -> Result<ContentItem> {
        let now = self.now();
        let mut s = self.lock();
        let c = find(&mut s.content, id, ContentId::ENTITY, |c| c.id == id)?;
        c.status = c.status.transition(ch.to)?;
        if ch.rejection_reason.is_some() {
            c.rejection_reason = ch.rejection_reason;
        }
        if ch.scheduled_publish_time.is_some() || ch.to == ContentStatus::Approved {
            c.scheduled_publish_time = ch.scheduled_publish_time;
        }
        if ch.published_url.is_some() {
            c.published_url = ch.published_url;
        }
        if ch.published_at.is_some() {
            c.published_at = ch.published_at;
        }
        c.updated_at = now;
        Ok(c.clone())
    }

    async fn set_quality(&self, id: ContentId, quality: QualityMetrics) -> Result<ContentItem> {
        let now = self.now();
        let mut s = self.lock();
        let c = find(&mut s.content, id, ContentId::ENTITY, |c| c.id == id)?;
        c.quality = quality;
        c.updated_at = now;
        Ok(c.clone())
    }
}

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
        let v = Schedule {
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
            published_url: None,
            published_at: None,
            created_at: now,
            updated_at: now,
        };
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
            ScheduleStatus::Failed => x.status = x.status.transition(ScheduleStatus::Pending)?,
            other => return Err(Error::conflict(format!("schedule {id} is `{other}` and cannot be moved"))),
        }
        x.scheduled_time = at;
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
        match outcome {
            ScheduleOutcome::Published { platform_post_id, url } => {
                x.status = x.status.transition(ScheduleStatus::Published)?;
                x.platform_post_id = platform_post_id;
                x.published_url = url;
                x.published_at = Some(now);
                x.error_message = None;
            }
            ScheduleOutcome::Retry { error, next_attempt_at } => {
                x.status = x.status.transition(ScheduleStatus::Pending)?;
                x.retry_count += 1;
                x.next_attempt_at = Some(next_attempt_at);
                x.error_message = Some(error);
            }
            ScheduleOutcome::Unknown { error } => {
                x.status = x.status.transition(ScheduleStatus::Unknown)?;
                x.error_message = Some(error);
            }
            ScheduleOutcome::Failed { error } => {
                x.status = x.status.transition(ScheduleStatus::Failed)?;
                x.error_message = Some(error);
            }
        }
        x.claimed_by = None;
        x.lease_expires_at = None;
        x.updated_at = now;
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

#[async_trait]
impl AnalyticsStore for InMemoryStore {
    async fn upsert_analytics(&self, content_item_id: ContentId, platform: Platform, u: AnalyticsUpdate) -> Result<Analytics> {
        let now = self.now();
        let mut s = self.lock();
        if !s.content.iter().any(|c| c.id == content_item_id) {
            return Err(Error::not_found(ContentId::ENTITY, content_item_id));
        }
        let row = Analytics {
            id: AnalyticsId::new(),
            content_item_id,
            platform,
            engagement: u.engagement,
            website_visits: u.website_visits,
            lead_signups: u.lead_signups,
            demo_requests: u.demo_requests,
            attributed_revenue_cents: u.attributed_revenue_cents,
            last_updated: now,
        };
        if let Some(x) = s.analytics.iter_mut().find(|a| a.content_item_id == content_item_id && a.platform == platform) {
            *x = Analytics { id: x.id, ..row };
            return Ok(x.clone());
        }
        s.analytics.push(row.clone());
        Ok(row)
    }

    async fn get_analytics(&self, content_item_id: ContentId, platform: Platform) -> Result<Analytics> {
        self.lock()
            .analytics
            .iter()
            .find(|a| a.content_item_id == content_item_id && a.platform == platform)
            .cloned()
            .ok_or_else(|| Error::not_found("analytics row", format!("{content_item_id}/{platform}")))
    }

    async fn list_analytics(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Analytics>> {
        Ok(self.lock().analytics.iter().filter(|a| a.last_updated >= from && a.last_updated < until).cloned().collect())
    }
}

#[async_trait]
impl KnowledgeStore for InMemoryStore {
    async fn create_knowledge(&self, n: NewKnowledgeItem) -> Result<KnowledgeItem> {
        let now = self.now();
        let v = KnowledgeItem {
            id: KnowledgeId::new(),
            item_type: n.item_type,
            title: n.title,
            content: n.content,
            metadata: n.metadata,
            embedding_id: None,
            created_at: now,
            updated_at: now,
        };
        self.lock().knowledge.push(v.clone());
        Ok(v)
    }

    async fn get_knowledge(&self, id: KnowledgeId) -> Result<KnowledgeItem> {
        self.lock().knowledge.iter().find(|k| k.id == id).cloned().ok_or_else(|| Error::not_found(KnowledgeId::ENTITY, id))
    }

    async fn list_knowledge(&self, t: Option<KnowledgeItemType>) -> Result<Vec<KnowledgeItem>> {
        Ok(self.lock().knowledge.iter().filter(|k| t.is_none_or(|t| k.item_type == t)).cloned().collect())
    }

    async fn update_knowledge(&self, id: KnowledgeId, n: NewKnowledgeItem) -> Result<KnowledgeItem> {
        let now = self.now();
        let mut s = self.lock();
        let k = find(&mut s.knowledge, id, KnowledgeId::ENTITY, |k| k.id == id)?;
        k.item_type = n.item_type;
        k.title = n.title;
        k.content = n.content;
        k.metadata = n.metadata;
        k.embedding_id = None;
        k.updated_at = now;
        Ok(k.clone())
    }

    async fn set_knowledge_embedding(&self, id: KnowledgeId, embedding_id: Option<String>) -> Result<KnowledgeItem> {
        let mut s = self.lock();
        let k = find(&mut s.knowledge, id, KnowledgeId::ENTITY, |k| k.id == id)?;
        k.embedding_id = embedding_id;
        Ok(k.clone())
    }

    async fn delete_knowledge(&self, id: KnowledgeId) -> Result<()> {
        let mut s = self.lock();
        let before = s.knowledge.len();
        s.knowledge.retain(|k| k.id != id);
        if s.knowledge.len() == before { Err(Error::not_found(KnowledgeId::ENTITY, id)) } else { Ok(()) }
    }

    async fn create_icp_profile(&self, n: NewIcpProfile) -> Result<IcpProfile> {
        let now = self.now();
        let v = IcpProfile {
            id: IcpProfileId::new(),
            source: n.source,
            source_id: n.source_id,
            pain_points: n.pain_points,
            language_patterns: n.language_patterns,
            objections: n.objections,
            goals: n.goals,
            role: n.role,
            company_size: n.company_size,
            industry: n.industry,
            embedding_id: None,
            created_at: now,
        };
        self.lock().icp.push(v.clone());
        Ok(v)
    }

    async fn get_icp_profile(&self, id: IcpProfileId) -> Result<IcpProfile> {
        self.lock().icp.iter().find(|p| p.id == id).cloned().ok_or_else(|| Error::not_found(IcpProfileId::ENTITY, id))
    }

    async fn list_icp_profiles(&self) -> Result<Vec<IcpProfile>> {
        Ok(self.lock().icp.clone())
    }

    async fn update_icp_profile(&self, id: IcpProfileId, n: NewIcpProfile) -> Result<IcpProfile> {
        let mut s = self.lock();
        let p = find(&mut s.icp, id, IcpProfileId::ENTITY, |p| p.id == id)?;
        *p = IcpProfile {
            id,
            source: n.source,
            source_id: n.source_id,
            pain_points: n.pain_points,
            language_patterns: n.language_patterns,
            objections: n.objections,
            goals: n.goals,
            role: n.role,
            company_size: n.company_size,
            industry: n.industry,
            embedding_id: None,
            created_at: p.created_at,
        };
        Ok(p.clone())
    }

    async fn set_icp_embedding(&self, id: IcpProfileId, embedding_id: Option<String>) -> Result<IcpProfile> {
        let mut s = self.lock();
        let p = find(&mut s.icp, id, IcpProfileId::ENTITY, |p| p.id == id)?;
        p.embedding_id = embedding_id;
        Ok(p.clone())
    }

    async fn delete_icp_profile(&self, id: IcpProfileId) -> Result<()> {
        let mut s = self.lock();
        let before = s.icp.len();
        s.icp.retain(|p| p.id != id);
        if s.icp.len() == before { Err(Error::not_found(IcpProfileId::ENTITY, id)) } else { Ok(()) }
    }

    async fn record_objection(&self, n: NewObjection) -> Result<Objection> {
        let text = n.objection_text.trim().to_owned();
        if text.is_empty() {
            return Err(Error::invalid_field("objection_text", "must not be empty"));
        }
        let now = self.now();
        let mut s = self.lock();
        let key = text.to_lowercase();
        if let Some(o) = s.objections.iter_mut().find(|o| o.objection_text.to_lowercase() == key) {
            o.frequency += 1;
            o.last_mentioned = now;
            if n.category.is_some() {
                o.category = n.category;
            }
            if n.severity.is_some() {
                o.severity = n.severity;
            }
            if n.stage.is_some() {
                o.stage = n.stage;
            }
            return Ok(o.clone());
        }
        let o = Objection {
            id: ObjectionId::new(),
            objection_text: text,
            category: n.category,
            frequency: 1,
            severity: n.severity,
            stage: n.stage,
            content_generated: false,
            content_item_ids: vec![],
            first_mentioned: now,
            last_mentioned: now,
        };
        s.objections.push(o.clone());
        Ok(o)
    }

    async fn list_objections(&self) -> Result<Vec<Objection>> {
        let mut v = self.lock().objections.clone();
        v.sort_by(|a, b| b.frequency.cmp(&a.frequency).then(a.first_mentioned.cmp(&b.first_mentioned)).then(a.id.cmp(&b.id)));
        Ok(v)
    }

    async fn link_objection_content(&self, id: ObjectionId, content_item_id: ContentId) -> Result<Objection> {
        let mut s = self.lock();
        if !s.content.iter().any(|c| c.id == content_item_id) {
            return Err(Error::not_found(ContentId::ENTITY, content_item_id));
        }
        let o = find(&mut s.objections, id, ObjectionId::ENTITY, |o| o.id == id)?;
        if !o.content_item_ids.contains(&content_item_id) {
            o.content_item_ids.push(content_item_id);
        }
        o.content_generated = true;
        Ok(o.clone())
    }
}

#[async_trait]
impl IdempotencyStore for InMemoryStore {
    async fn begin_idempotency(&self, scope: &str, key: &str) -> Result<IdempotencyState> {
        let mut s = self.lock();
        match s.idempotency.get(&(scope.to_owned(), key.to_owned())) {
            Some(Some(v)) => Ok(IdempotencyState::Completed(v.clone())),
            Some(None) => Ok(IdempotencyState::InProgress),
            None => {
                s.idempotency.insert((scope.to_owned(), key.to_owned()), None);
                Ok(IdempotencyState::Started)
            }
        }
    }

    async fn complete_idempotency(&self, scope: &str, key: &str, response: serde_json::Value) -> Result<()> {
        let mut s = self.lock();
        match s.idempotency.get_mut(&(scope.to_owned(), key.to_owned())) {
            Some(slot) => {
                *slot = Some(response);
                Ok(())
            }
            None => Err(Error::not_found("idempotency key", format!("{scope}/{key}"))),
        }
    }

    async fn try_fire_cron(&self, name: &str, fire_at: DateTime<Utc>, instance: &str) -> Result<bool> {
        let mut s = self.lock();
        let k = (name.to_owned(), fire_at);
        if s.cron.contains_key(&k) {
            return Ok(false);
        }
        s.cron.insert(k, instance.to_owned());
        Ok(true)
    }
}

#[async_trait]
impl StoreHealth for InMemoryStore {
    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}

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
