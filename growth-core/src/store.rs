//! The repositories: one trait per aggregate, and [`Store`], all of them together.
//!
//! Shared contracts, checked by `testkit::store`:
//! - unknown ids are `Error::NotFound`;
//! - state changes go through the state machines of [`crate::domain`]; an illegal one is
//!   `Error::Conflict` naming both states and writes nothing;
//! - every multi-row change (a new version and its edit rows, a claim) is atomic;
//! - instants are UTC; the store takes "now" from its [`crate::Clock`].

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;
use crate::domain::*;

/// Users.
#[async_trait]
pub trait UserStore: Send + Sync + Debug + 'static {
    /// Creates a user; a taken email (case-insensitive) is `Error::Conflict`.
    async fn create_user(&self, user: NewUser) -> Result<User>;
    /// One user.
    async fn get_user(&self, id: UserId) -> Result<User>;
    /// The user with this email (case-insensitive), if any.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>>;
    /// All users, oldest first.
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Changes a user's role.
    async fn set_user_role(&self, id: UserId, role: Role) -> Result<User>;
    /// Disables a user (`disabled_at` set once, and `sessions_revoked_at` set to now, so every
    /// access token issued so far stops working) or enables them again (`disabled_at` cleared;
    /// tokens issued before the revocation stay refused).
    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<User>;
    /// Ends every session of a user without disabling them: `sessions_revoked_at` set to now, so
    /// every access token issued so far stops working (a password reset).
    async fn revoke_user_sessions(&self, id: UserId) -> Result<User>;
}

/// Content sources.
#[async_trait]
pub trait SourceStore: Send + Sync + Debug + 'static {
    /// Stores a source in state `ingested`. Idempotent: when a source with the same
    /// (`source_type`, `source_id`) or the same `file_hash` exists, returns it with `created = false`
    /// and writes nothing.
    async fn create_source(&self, source: NewSource) -> Result<Stored<ContentSource>>;
    /// One source.
    async fn get_source(&self, id: SourceId) -> Result<ContentSource>;
    /// Sources, newest first.
    async fn list_sources(&self, limit: u32, offset: u32) -> Result<Vec<ContentSource>>;
    /// Moves a source to `to`; `failed` keeps `reason`; `completed`/`failed` set `processed_at`.
    async fn set_source_status(&self, id: SourceId, to: SourceStatus, reason: Option<String>) -> Result<ContentSource>;
    /// Stores the transcript of a source.
    async fn set_source_transcript(&self, id: SourceId, transcript: String, from: TranscriptSource) -> Result<ContentSource>;
    /// Replaces the metadata of a source (a transcriber's id is saved there before waiting).
    async fn set_source_metadata(&self, id: SourceId, metadata: serde_json::Value) -> Result<ContentSource>;
    /// Sources in `status` whose status last changed before `before`, oldest first, at most `limit`.
    async fn stale_sources(&self, status: SourceStatus, before: DateTime<Utc>, limit: u32) -> Result<Vec<ContentSource>>;
    /// How many sources there are (what [`list_sources`](Self::list_sources) pages through).
    async fn count_sources(&self) -> Result<u64>;
    /// Deletes a source (its row and transcript) and detaches the content generated from it, in
    /// one transaction: items still `generated`, `in_review` or `rejected` stay (with their
    /// versions and edits) with no source. While any of its items is past review (`approved`,
    /// `scheduled`, `publishing`, `published`, `failed`) it is `Error::Conflict` and nothing is
    /// written: cancel or send those back to review first. Returns the deleted source and how many
    /// items were detached. Blobs and vectors are the caller's (see `SourceIngest`).
    async fn delete_source(&self, id: SourceId) -> Result<(ContentSource, u64)>;
}

/// Content states that keep a source from being deleted ([`SourceStore::delete_source`]).
pub const SOURCE_DELETE_BLOCKERS: [ContentStatus; 5] =
    [ContentStatus::Approved, ContentStatus::Scheduled, ContentStatus::Publishing, ContentStatus::Published, ContentStatus::Failed];

/// Content items, their versions and edits.
#[async_trait]
pub trait ContentStore: Send + Sync + Debug + 'static {
    /// Stores an item at version 1 (and keeps version 1 in the version history).
    async fn insert_content(&self, item: NewContentItem) -> Result<ContentItem>;
    /// One item.
    async fn get_content(&self, id: ContentId) -> Result<ContentItem>;
    /// Items matching the filter, oldest first.
    async fn list_content(&self, filter: &ContentFilter) -> Result<Vec<ContentItem>>;
    /// A cheap fingerprint of everything in review: how many items and the latest change among
    /// them. Any edit, any item entering or leaving review changes it (caches and ETags key on it).
    async fn pending_fingerprint(&self) -> Result<(u64, Option<DateTime<Utc>>)> {
        let page = self.list_pending_bundles(u32::MAX, 0).await?;
        let latest = page.bundles.iter().flat_map(|b| b.items.iter().map(|i| i.updated_at)).max();
        Ok((page.total_items, latest))
    }
    /// Items in review grouped by source: `limit` bundles from `offset`, oldest first, with totals.
    /// The default walks [`ContentStore::list_content`]; SQL stores answer it in three queries.
    async fn list_pending_bundles(&self, limit: u32, offset: u32) -> Result<crate::domain::PendingPage> {
        let mut all = Vec::new();
        let mut filter = ContentFilter { statuses: vec![crate::domain::ContentStatus::InReview], limit: 500, ..ContentFilter::default() };
        loop {
            let page = self.list_content(&filter).await?;
            let n = page.len();
            all.extend(page);
            if n < 500 {
                break;
            }
            filter.offset += 500;
        }
        let mut order: Vec<Option<crate::domain::SourceId>> = Vec::new();
        for item in &all {
            if !order.contains(&item.source_id) {
                order.push(item.source_id);
            }
        }
        let total_items = all.len() as u64;
        let total_bundles = order.len() as u64;
        let bundles = order
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|source_id| crate::domain::PendingBundle {
                source_id,
                source_type: None,
                source_title: None,
                items: all.iter().filter(|i| i.source_id == source_id).cloned().collect(),
            })
            .collect();
        Ok(crate::domain::PendingPage { bundles, total_items, total_bundles })
    }
    /// How many items match the filter (ignoring its limit and offset).
    async fn count_content(&self, filter: &ContentFilter) -> Result<u64>;
    /// Applies a reviewer's edit as a new version, with its edit spans, if the item is still at
    /// `expected_version` and editable; otherwise `Error::Conflict` and nothing is written.
    async fn update_content(&self, id: ContentId, update: ContentUpdate) -> Result<ContentItem>;
    /// Every version, oldest first.
    async fn list_versions(&self, id: ContentId) -> Result<Vec<ContentVersion>>;
    /// The edit spans recorded for an item, oldest first.
    async fn list_edits(&self, id: ContentId) -> Result<Vec<ContentEdit>>;
    /// Moves an item through its state machine (compare-and-set on the current state).
    async fn transition_content(&self, id: ContentId, change: ContentTransition) -> Result<ContentItem>;
    /// Stores gate results.
    async fn set_quality(&self, id: ContentId, quality: QualityMetrics) -> Result<ContentItem>;
}

/// Which schedules a listing returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScheduleFilter {
    /// Only this item's.
    pub content_item_id: Option<ContentId>,
    /// Only these states (any when empty).
    pub statuses: Vec<ScheduleStatus>,
    /// Only scheduled at or after.
    pub from: Option<DateTime<Utc>>,
    /// Only scheduled before.
    pub until: Option<DateTime<Utc>>,
    /// Page size (capped at 1,000; 0 means 100).
    pub limit: u32,
}

/// Schedules and the publishing log.
#[async_trait]
pub trait ScheduleStore: ContentStore + Send + Sync + Debug + 'static {
    /// Creates a `pending` schedule. An item has at most one active (pending, claimed or
    /// unknown) schedule per platform: a second is `Error::Conflict`. The time zone must be a
    /// valid IANA name.
    async fn create_schedule(&self, schedule: NewSchedule) -> Result<Schedule>;
    /// One schedule.
    async fn get_schedule(&self, id: ScheduleId) -> Result<Schedule>;
    /// Schedules matching the filter, by scheduled time.
    async fn list_schedules(&self, filter: &ScheduleFilter) -> Result<Vec<Schedule>>;
    /// Moves a `pending` (or `failed`) schedule to another time; it becomes `pending`.
    async fn reschedule(&self, id: ScheduleId, at: DateTime<Utc>) -> Result<Schedule>;
    /// Cancels a `pending` schedule.
    async fn cancel_schedule(&self, id: ScheduleId) -> Result<Schedule>;
    /// Claims up to `limit` due schedules (`pending`, `scheduled_time` and `next_attempt_at`
    /// passed) for `worker` with a lease. No schedule is ever held by two workers. A claim whose
    /// lease lapsed is **not** handed out again: the worker may have sent the request, so it moves
    /// to `unknown` for reconciliation.
    async fn claim_due_schedules(&self, worker: &str, lease: Duration, limit: u32) -> Result<Vec<Schedule>>;
    /// Records how a claimed (or, for reconciliation, unknown) schedule ended. Only the worker
    /// holding the claim may finish a claimed schedule: anyone else gets `Error::Conflict`.
    async fn finish_schedule(&self, id: ScheduleId, worker: &str, outcome: ScheduleOutcome) -> Result<Schedule>;
    /// Records a publication in one step: the schedule (claimed by `worker`, or `unknown` being
    /// reconciled) becomes `published` with the post's id and URL, the item becomes `published`
    /// (from `scheduled` or `publishing`; an item already published elsewhere keeps its first URL),
    /// and `log` is appended. SQL stores do it in one transaction; this default does it in steps.
    async fn record_publication(
        &self,
        id: ScheduleId,
        worker: &str,
        platform_post_id: Option<String>,
        url: Option<String>,
        published_at: DateTime<Utc>,
        log: NewPublishingLog,
    ) -> Result<Schedule> {
        let s = self.finish_schedule(id, worker, ScheduleOutcome::Published { platform_post_id, url: url.clone() }).await?;
        self.append_publish_log(log).await?;
        let item = self.get_content(s.content_item_id).await?;
        if item.status == ContentStatus::Scheduled {
            self.transition_content(item.id, ContentTransition::to(ContentStatus::Publishing)).await?;
        }
        if matches!(item.status, ContentStatus::Scheduled | ContentStatus::Publishing) {
            let change = ContentTransition {
                published_url: url,
                published_at: Some(published_at),
                ..ContentTransition::to(ContentStatus::Published)
            };
            self.transition_content(item.id, change).await?;
        }
        Ok(s)
    }
    /// Appends a publishing attempt to the log.
    async fn append_publish_log(&self, log: NewPublishingLog) -> Result<PublishingLog>;
    /// The attempts for an item, oldest first.
    async fn list_publish_logs(&self, content_item_id: ContentId) -> Result<Vec<PublishingLog>>;
}

/// Analytics.
#[async_trait]
pub trait AnalyticsStore: Send + Sync + Debug + 'static {
    /// Inserts or replaces the row for (item, platform).
    async fn upsert_analytics(&self, content_item_id: ContentId, platform: Platform, update: AnalyticsUpdate) -> Result<Analytics>;
    /// Sets the engagement counters of (item, platform), creating the row (zero lead counters)
    /// when missing; its lead counters are left as they are. One atomic statement.
    async fn set_analytics_engagement(
        &self,
        content_item_id: ContentId,
        platform: Platform,
        engagement: EngagementMetrics,
    ) -> Result<Analytics>;
    /// Sets the lead counters of (item, platform) as computed from `basis` lead events, creating
    /// the row (zero engagement) when missing; its engagement is left as it is. Lead events are
    /// only ever added, so a computation from fewer events than the row's last one read an older
    /// state: it changes nothing and the row is answered as it is. Concurrent recomputations end
    /// with the one that saw the most events, never with a stale one written last. One atomic
    /// statement.
    async fn set_analytics_leads(
        &self,
        content_item_id: ContentId,
        platform: Platform,
        leads: LeadCounters,
        basis: u64,
    ) -> Result<Analytics>;
    /// The row for (item, platform).
    async fn get_analytics(&self, content_item_id: ContentId, platform: Platform) -> Result<Analytics>;
    /// Rows updated within `[from, until)`.
    async fn list_analytics(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Analytics>>;
}

/// The knowledge base, ICP profiles and objections.
#[async_trait]
pub trait KnowledgeStore: Send + Sync + Debug + 'static {
    /// Creates a knowledge item.
    async fn create_knowledge(&self, item: NewKnowledgeItem) -> Result<KnowledgeItem>;
    /// One knowledge item.
    async fn get_knowledge(&self, id: KnowledgeId) -> Result<KnowledgeItem>;
    /// Knowledge items, optionally of one type, oldest first.
    async fn list_knowledge(&self, item_type: Option<KnowledgeItemType>) -> Result<Vec<KnowledgeItem>>;
    /// Replaces a knowledge item's fields (clears its embedding id: it must be re-indexed).
    async fn update_knowledge(&self, id: KnowledgeId, item: NewKnowledgeItem) -> Result<KnowledgeItem>;
    /// Records the vector id once the item's vectors are stored.
    async fn set_knowledge_embedding(&self, id: KnowledgeId, embedding_id: Option<String>) -> Result<KnowledgeItem>;
    /// Deletes a knowledge item.
    async fn delete_knowledge(&self, id: KnowledgeId) -> Result<()>;
    /// Creates an ICP profile.
    async fn create_icp_profile(&self, profile: NewIcpProfile) -> Result<IcpProfile>;
    /// One ICP profile.
    async fn get_icp_profile(&self, id: IcpProfileId) -> Result<IcpProfile>;
    /// All ICP profiles, oldest first.
    async fn list_icp_profiles(&self) -> Result<Vec<IcpProfile>>;
    /// Replaces an ICP profile's fields (clears its embedding id).
    async fn update_icp_profile(&self, id: IcpProfileId, profile: NewIcpProfile) -> Result<IcpProfile>;
    /// Records the vector id of a profile.
    async fn set_icp_embedding(&self, id: IcpProfileId, embedding_id: Option<String>) -> Result<IcpProfile>;
    /// Deletes an ICP profile.
    async fn delete_icp_profile(&self, id: IcpProfileId) -> Result<()>;
    /// Records a mention: a new objection, or frequency + 1 and `last_mentioned` = now on the
    /// existing one with the same text (case-insensitive).
    async fn record_objection(&self, objection: NewObjection) -> Result<Objection>;
    /// All objections, most frequent first.
    async fn list_objections(&self) -> Result<Vec<Objection>>;
    /// Links a content item that answers an objection (sets `content_generated`).
    async fn link_objection_content(&self, id: ObjectionId, content_item_id: ContentId) -> Result<Objection>;
}

/// Where an idempotent operation stands.
#[derive(Clone, Debug, PartialEq)]
pub enum IdempotencyState {
    /// First time this key is seen: the caller does the work and then calls `complete_idempotency`.
    Started,
    /// Another call with this key is doing the work now.
    InProgress,
    /// Done before: here is the saved answer.
    Completed(serde_json::Value),
}

/// Idempotency keys (client retries, webhook redeliveries) and cron firings.
#[async_trait]
pub trait IdempotencyStore: Send + Sync + Debug + 'static {
    /// Claims `key` within `scope`, atomically.
    async fn begin_idempotency(&self, scope: &str, key: &str) -> Result<IdempotencyState>;
    /// Saves the answer for `key`.
    async fn complete_idempotency(&self, scope: &str, key: &str, response: serde_json::Value) -> Result<()>;
    /// Records that cron entry `name` fired for `fire_at`; `true` for exactly one caller per
    /// (name, fire_at) however many instances try.
    async fn try_fire_cron(&self, name: &str, fire_at: DateTime<Utc>, instance: &str) -> Result<bool>;
}

/// A stored refresh token (only its hash is kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshToken {
    /// Row id.
    pub id: uuid::Uuid,
    /// Whose.
    pub user_id: UserId,
    /// The login it descends from: every rotation stays in the family.
    pub family_id: uuid::Uuid,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was exchanged for a new one (a second use is a theft signal).
    pub used_at: Option<DateTime<Utc>>,
    /// When its family was revoked (logout or reuse detected).
    pub revoked_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Passwords and refresh tokens.
#[async_trait]
pub trait AuthStore: Send + Sync + Debug + 'static {
    /// Sets (or replaces) a user's password hash.
    async fn set_password_hash(&self, user_id: UserId, hash: &str) -> Result<()>;
    /// A user's password hash, if they have one.
    async fn password_hash(&self, user_id: UserId) -> Result<Option<String>>;
    /// Stores a new refresh token (by hash) in `family_id`.
    async fn insert_refresh_token(
        &self,
        user_id: UserId,
        family_id: uuid::Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<RefreshToken>;
    /// The token with this hash, if any.
    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshToken>>;
    /// Marks a token used — atomically: `true` for exactly one caller, `false` if it was already
    /// used or revoked (the caller then revokes the family).
    async fn use_refresh_token(&self, id: uuid::Uuid) -> Result<bool>;
    /// Revokes every token of a family.
    async fn revoke_refresh_family(&self, family_id: uuid::Uuid) -> Result<()>;
    /// Revokes every live token of a user (refresh tokens of every family, and invites); returns
    /// how many were live.
    async fn revoke_user_tokens(&self, user_id: UserId) -> Result<u64>;
    /// When a family began (its first token was issued: the sign-in), or `None` for an unknown
    /// family. Sessions end a fixed time after it, however often they rotate.
    async fn refresh_family_started_at(&self, family_id: uuid::Uuid) -> Result<Option<DateTime<Utc>>>;
}

/// Liveness of the backing database.
#[async_trait]
pub trait StoreHealth: Send + Sync + Debug + 'static {
    /// Round-trips to the database.
    async fn ping(&self) -> Result<()>;
    /// The backend's name (`"sqlite"`, `"postgres"`, `"memory"`).
    fn backend(&self) -> &'static str;
}

/// Every repository the engine's stages use, together (users and credentials are the server's
/// business and stay apart: [`UserStore`], [`AuthStore`]). Each stage takes only the narrow traits
/// it uses; this is what a composition root holds as `Arc<dyn Store>`.
pub trait Store:
    SourceStore
    + ContentStore
    + ScheduleStore
    + AnalyticsStore
    + KnowledgeStore
    + IdempotencyStore
    + StoreHealth
    + crate::jobs::JobQueue
    + crate::review::ReviewStore
    + crate::publish::PublishStore
    + crate::jobs::CronStore
    + LearningStore
    + crate::learn::LearningStores
    + PublishAttemptStore
    + MeasureStore
    + crate::measure::MeasureServiceStore
    + BundlePieceStore
    + crate::learn::cipher::PreferenceStores
{
}

impl<T> Store for T where
    T: SourceStore
        + ContentStore
        + ScheduleStore
        + AnalyticsStore
        + KnowledgeStore
        + IdempotencyStore
        + StoreHealth
        + crate::jobs::JobQueue
        + LearningStore
        + PublishAttemptStore
        + MeasureStore
        + BundlePieceStore
        + crate::measure::CallBudgetStore
{
}

/// Caps a page size: 0 becomes `default`, anything above `max` becomes `max`.
pub fn page_limit(limit: u32, default: u32, max: u32) -> u32 {
    if limit == 0 { default } else { limit.min(max) }
}

/// Checks an IANA time-zone name.
pub fn validate_timezone(tz: &str) -> Result<()> {
    tz.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| crate::Error::invalid_field("timezone", format!("`{tz}` is not an IANA time zone")))
}

fn _assert_dyn(_: &dyn Store) {}

/// One write of a learned rule version (see [`LearningStore::write_rules`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleWrite {
    /// The version as it should be stored.
    pub rule: crate::learn::Rule,
    /// `None`: a new version (an existing `(id, version)` is a conflict). `Some(status)`: a stored
    /// version, replaced only if it is still in `status` (compare-and-set).
    pub expected: Option<crate::learn::RuleStatus>,
}

/// Learned rules (every version of every lineage, for review and rollback), CIPHER-style
/// preferences, and the edits mining reads.
#[async_trait]
pub trait LearningStore: Send + Sync + Debug + 'static {
    /// Every version of every rule, by lineage creation then version.
    async fn list_rules(&self) -> Result<Vec<crate::learn::Rule>>;
    /// Writes rule versions, all or nothing: retirements first, so at most one version of a
    /// lineage is ever active. A stored version no longer in its expected status, or a new
    /// version that exists already, is `Error::Conflict` and nothing is written.
    async fn write_rules(&self, writes: Vec<RuleWrite>) -> Result<()>;
    /// Edit spans recorded at or after `since` (every item), oldest first, at most `limit`.
    async fn list_edits_since(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<ContentEdit>>;
    /// Stores a preference learned from an edit, with its context's embedding.
    async fn insert_preference(&self, record: crate::learn::PreferenceRecord) -> Result<crate::learn::PreferenceRecord>;
    /// Stored preferences, oldest first (of one type when given).
    async fn list_preferences(&self, content_type: Option<ContentType>) -> Result<Vec<crate::learn::PreferenceRecord>>;
    /// Rewrites a preference's statement (preferences are readable and editable, never a fine-tune).
    async fn update_preference(&self, id: uuid::Uuid, preference: String) -> Result<crate::learn::PreferenceRecord>;
    /// Sets an item's `best_publish_time` and `predicted_engagement` (the best-time model's pick);
    /// its version and `updated_at` stay as they are.
    async fn set_best_time(
        &self,
        id: ContentId,
        best_publish_time: Option<DateTime<Utc>>,
        predicted_engagement: Option<serde_json::Value>,
    ) -> Result<ContentItem>;
    /// Deletes a preference (`NotFound` when there is none): later generations no longer see it.
    async fn delete_preference(&self, id: uuid::Uuid) -> Result<()>;
}

/// One item to approve and schedule in [`PublishAttemptStore::approve_and_schedule`].
#[derive(Clone, Debug, PartialEq)]
pub struct ApprovalWrite {
    /// The item (in review or approved).
    pub content_item_id: ContentId,
    /// Where.
    pub platform: Platform,
    /// When.
    pub scheduled_time: DateTime<Utc>,
    /// IANA zone name (validated by the store).
    pub timezone: String,
}

/// The atomic steps exactly-once publishing is built from (issue 12): approvals written in one
/// transaction, claims by id, sends recorded before they leave, and outcomes compared-and-set on
/// the attempt number.
#[async_trait]
pub trait PublishAttemptStore: ScheduleStore + Send + Sync + Debug + 'static {
    /// Approves and schedules every item of `approvals` in **one transaction**: each item moves
    /// from `in_review` or `approved` to `scheduled` (with its `scheduled_publish_time`) and gets a
    /// `pending` schedule. Any bad entry (unknown id `NotFound`, an item in another state or with
    /// an active schedule on that platform `Conflict`, a bad zone `InvalidInput`) writes nothing.
    async fn approve_and_schedule(&self, approvals: &[ApprovalWrite]) -> Result<Vec<(ContentItem, Schedule)>>;
    /// Claims schedule `id` for `worker` if it is `pending` (whatever its time: it is published
    /// now); `None` when it is not pending or its backoff has not passed.
    async fn claim_schedule(&self, id: ScheduleId, worker: &str, lease: Duration) -> Result<Option<Schedule>>;
    /// Records that a send starts now: the schedule, claimed by `worker` with a lease that has
    /// not lapsed, gets `attempt + 1` and `last_attempt_at = now`. Anything else is `Conflict`
    /// and nothing may be sent.
    async fn start_attempt(&self, id: ScheduleId, worker: &str) -> Result<Schedule>;
    /// Records how attempt `attempt` ended (see [`ScheduleStore::finish_schedule`]), compared and
    /// set on the attempt number: if the schedule moved on to another attempt, `Conflict` and
    /// nothing is written. A claimed schedule is finished only by its holder.
    async fn finish_attempt(&self, id: ScheduleId, worker: &str, attempt: i32, outcome: ScheduleOutcome) -> Result<Schedule>;
    /// Claims up to `limit` `unknown` schedules for reconciliation by `worker`: each stays
    /// `unknown`, held by `worker`, and is not handed out again until `lease` passes (its
    /// `next_attempt_at`), so one process looks each one up per lease.
    async fn claim_unknown(&self, worker: &str, lease: Duration, limit: u32) -> Result<Vec<Schedule>>;
    /// Sends an `approved` or `scheduled` item back to review in **one transaction**: its `pending`
    /// schedules are cancelled and it becomes `in_review` (without a publish time). An item with a
    /// schedule `claimed` or `unknown` (a publish may be in flight) is `Conflict`; an item in
    /// another state is `Conflict`; nothing is written then. Answers the item and the cancelled
    /// schedules.
    async fn return_to_review(&self, id: ContentId) -> Result<(ContentItem, Vec<Schedule>)>;
    /// Starts several attempts at once (a group commit): each as [`Self::start_attempt`], each
    /// answered on its own, in order. SQL stores write the batch in one transaction (one commit,
    /// one fsync); this default starts them one by one. `Err` only when nothing could be written.
    async fn start_attempts(&self, ids: &[ScheduleId], worker: &str) -> Result<Vec<Result<Schedule>>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.start_attempt(*id, worker).await);
        }
        Ok(out)
    }
    /// Records several publications at once (a group commit): each as
    /// [`ScheduleStore::record_publication`] — schedule, item and log together — each answered on
    /// its own, in order. SQL stores commit the batch in one transaction, so a publication is
    /// durable before its schedule reads `published`, and `Err` means none was recorded.
    async fn record_publications(&self, worker: &str, batch: Vec<PublicationRecord>) -> Result<Vec<Result<Schedule>>> {
        let mut out = Vec::with_capacity(batch.len());
        for r in batch {
            out.push(self.record_publication(r.schedule_id, worker, r.platform_post_id, r.url, r.published_at, r.log).await);
        }
        Ok(out)
    }
}

/// One publication to record (see [`PublishAttemptStore::record_publications`]).
#[derive(Clone, Debug)]
pub struct PublicationRecord {
    /// The schedule that was published.
    pub schedule_id: ScheduleId,
    /// The post's id on the platform.
    pub platform_post_id: Option<String>,
    /// The post's URL.
    pub url: Option<String>,
    /// When the platform says it was published.
    pub published_at: DateTime<Utc>,
    /// The publishing log entry.
    pub log: NewPublishingLog,
}

/// Metrics over time and leads (the measure stage, beside [`AnalyticsStore`]'s one row per item
/// and platform).
///
/// Contracts, checked by `testkit::store::measure`:
/// - a snapshot replaces the one of the same (item, platform, day); its deltas are taken from the
///   latest snapshot of an earlier day (none: the whole value counts);
/// - a lead is one per email (case-insensitive); every event is kept, and an event whose
///   idempotency key was recorded before writes nothing and answers the first one
///   (`created = false`); the lead and its event are written together;
/// - an event naming an unknown content item is `NotFound` and writes nothing.
#[async_trait]
pub trait MeasureStore: Send + Sync + Debug + 'static {
    /// Writes the snapshot of a day.
    async fn record_snapshot(&self, snapshot: crate::measure::NewSnapshot) -> Result<crate::measure::MetricsSnapshot>;
    /// Adds `added` to what (item, platform) has counted so far (its latest snapshot's metrics,
    /// a counter it lacks counting from zero), records the sum as `day`'s snapshot and sets the
    /// sum's engagement on the item's analytics row — one transaction, serialized per (item,
    /// platform), so concurrent adders each add to the other's sum and none is lost.
    async fn add_to_snapshot(
        &self,
        content_item_id: ContentId,
        platform: Platform,
        day: chrono::NaiveDate,
        added: crate::measure::PostMetrics,
    ) -> Result<crate::measure::MetricsSnapshot>;
    /// An item's snapshots, oldest day first (every platform).
    async fn list_snapshots(&self, content_item_id: ContentId) -> Result<Vec<crate::measure::MetricsSnapshot>>;
    /// Reach and engagements earned per day in `[from, until)` (days with snapshots only).
    async fn daily_reach(&self, from: chrono::NaiveDate, until: chrono::NaiveDate) -> Result<Vec<crate::measure::DailyReach>>;
    /// Records a lead event (and the lead, on its first event).
    async fn record_lead_event(
        &self,
        event: crate::measure::NewLeadEvent,
    ) -> Result<Stored<(crate::measure::Lead, crate::measure::LeadEvent)>>;
    /// One lead.
    async fn get_lead(&self, id: crate::measure::LeadId) -> Result<crate::measure::Lead>;
    /// Leads last seen in `[from, until)`, newest first, a page.
    async fn list_leads(&self, from: DateTime<Utc>, until: DateTime<Utc>, limit: u32, offset: u32) -> Result<Vec<crate::measure::Lead>>;
    /// How many leads were last seen in `[from, until)` (what [`list_leads`](Self::list_leads) pages through).
    async fn count_leads(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<u64>;
    /// The events of these leads, oldest first.
    async fn list_lead_events(&self, lead_ids: &[crate::measure::LeadId]) -> Result<Vec<crate::measure::LeadEvent>>;
    /// The events attributed to an item (and every other event of the same leads), oldest first.
    async fn list_item_lead_events(&self, content_item_id: ContentId) -> Result<Vec<crate::measure::LeadEvent>>;
    /// Stores what enrichment answered, and the segment when known.
    async fn set_lead_enrichment(
        &self,
        id: crate::measure::LeadId,
        enrichment: serde_json::Value,
        segment: Option<String>,
    ) -> Result<crate::measure::Lead>;
    /// The counts of the analytics summary over `[from, until)` (snapshots: the days from
    /// `from`'s day up to, not including, `until`'s day; pass midnights).
    async fn summary_counts(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<crate::measure::SummaryCounts>;
    /// Schedules published in `[since, until)` (one per post on a platform), oldest first, a page
    /// (what a sync pass reads).
    async fn list_published(&self, since: DateTime<Utc>, until: DateTime<Utc>, limit: u32, offset: u32) -> Result<Vec<Schedule>>;
}

/// Generated pieces keyed by (bundle, piece) (issue 12 item 9): one bundle run — or two runs of
/// the same generate job, a crashed worker's and the one that picked it up — saves each piece of
/// the bundle **once**. The key is a unique column pair in the SQL stores (a partial unique index
/// over rows that have one), so the promise holds across processes.
///
/// Contract, checked by `testkit::store::bundles`: saving a key that already has an item writes
/// nothing and answers that item with `created = false` (never a second row, never a `Conflict`);
/// concurrent saves of one key make exactly one row; an unknown source is `NotFound` and writes
/// nothing.
#[async_trait]
pub trait BundlePieceStore: ContentStore + Send + Sync + Debug + 'static {
    /// Saves `item` (with its first version) as piece `piece` of bundle `bundle`, insert-or-get:
    /// answers the item and whether this call created it.
    async fn insert_bundle_piece(&self, bundle: &str, piece: &str, item: NewContentItem) -> Result<(ContentItem, bool)>;
    /// The item saved as piece `piece` of bundle `bundle`, if any.
    async fn get_bundle_piece(&self, bundle: &str, piece: &str) -> Result<Option<ContentItem>>;
}
