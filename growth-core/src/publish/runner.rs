//! Executing schedules exactly once: [`PublishRunner`] claims due schedules, publishes each
//! through its platform's [`Publisher`], and records how every attempt ended.
//!
//! Before anything leaves, the item must be one a person approved (`approved`, `scheduled`,
//! `publishing`, `failed` and moved again, or `published` on another platform): a schedule of an
//! item still in review (or rejected) fails without a send. Then the send is recorded on the
//! schedule ([`PublishAttemptStore::start_attempt`]: `attempt + 1`, `last_attempt_at`), which
//! refuses a claim whose lease lapsed, and the publisher runs under a timeout shorter than the
//! lease (the start-up check [`PublishConfig::validate`](super::PublishConfig::validate) refuses
//! a lease that is not), so a send never outlives its claim.
//!
//! | publisher says | schedule | item | log |
//! |---|---|---|---|
//! | `Ok(publication)` | `published` (post id, URL) | `published` (URL, time) | `success` |
//! | `Transient` (the platform did not act) | `pending` again after a backoff; `failed` after `max_attempts` | stays `scheduled` (or `failed`) | `retrying` / `failed` |
//! | `RateLimited` (the platform refused without acting) | `pending` when the platform says — a deferral, not an attempt | unchanged | `retrying` |
//! | `OutcomeUnknown`, or the timeout passed (may have acted) | `unknown` — never resent blindly; the [`Alert`] hook is told | `publishing` | `unknown` |
//! | anything else | `failed` with the reason | `failed` | `failed` |
//!
//! Every outcome is written with a compare-and-set on the attempt number
//! ([`PublishAttemptStore::finish_attempt`]): a worker or reconciler holding an old snapshot can
//! never undo a newer attempt.
//!
//! [`PublishRunner::reconcile_unknown`] claims `unknown` schedules (one process looks each up per
//! lease) and asks the publisher to look each post up, reading the platform back to the persisted
//! `last_attempt_at`: found → `published` (log `reconciled`); absent → `pending` again, but only
//! once the platform's settle window after the attempt has passed (LinkedIn lists a new post
//! seconds after creating it) — before that the schedule stays `unknown`; a schedule never sent
//! (a claim lapsed before its send started) goes back to `pending` at once; a publisher that
//! cannot tell leaves it `unknown` for a person (cancel, reschedule or resolve it). A claim whose
//! worker died lapses to `unknown` in the store for the same reason. Failures and unknown outcomes
//! call the [`Alert`] hook.
//!
//! Rate limits: a [`PlatformGate`] is asked before each send; a platform over its limit puts the
//! schedule back to `pending` for when the gate says — a deferral, not an attempt (nothing is
//! sent, so nothing can duplicate, and no retry is spent). Reconciliation lookups (list calls)
//! are budgeted the same way ([`PlatformGate::reserve_lookup`]; [`DbGate`] shares a lookup budget
//! across every worker, or the send budget when none is configured): however many processes
//! reconcile, the list calls per window are bounded.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde_json::json;

use crate::clock::Clock;
use crate::domain::{
    ContentItem, ContentStatus, ContentTransition, NewPublishingLog, Platform, PublishStatus, Schedule, ScheduleId, ScheduleOutcome,
    ScheduleStatus,
};
use crate::publish::group::GroupCommit;
use crate::publish::{Publication, PublishRequest, Publisher, TrackEvent, Tracker};
use crate::store::{IdempotencyStore, PublicationRecord, PublishAttemptStore};
use crate::{Error, Result};

/// What publishing reads and writes: schedules (and their items) and the send-budget slots.
/// (Sources are read for the `utm_campaign` slug of the links a post carries.)
pub trait PublishStore: PublishAttemptStore + IdempotencyStore + crate::store::AnalyticsStore + crate::store::SourceStore {}
impl<T: PublishAttemptStore + IdempotencyStore + crate::store::AnalyticsStore + crate::store::SourceStore + ?Sized> PublishStore for T {}

/// Told when a publish fails for good or needs a person (a Slack webhook, an email …).
#[async_trait]
pub trait Alert: Send + Sync + std::fmt::Debug {
    /// `schedule` ended in `status` because of `reason`.
    async fn alert(&self, schedule: &Schedule, item: Option<&ContentItem>, reason: &str);
}

/// Decides when a platform may be sent to next (shared across workers in production).
#[async_trait]
pub trait PlatformGate: Send + Sync + std::fmt::Debug {
    /// Reserves the next send to `platform`: `Ok(None)` to go now, `Ok(Some(t))` to come back at `t`.
    async fn reserve(&self, platform: Platform) -> Result<Option<DateTime<Utc>>>;
    /// Reserves the next reconciliation lookup (a list call) on `platform`, the same way. By
    /// default lookups spend the send budget ([`Self::reserve`]).
    async fn reserve_lookup(&self, platform: Platform) -> Result<Option<DateTime<Utc>>> {
        self.reserve(platform).await
    }
}

/// No limits.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoGate;

#[async_trait]
impl PlatformGate for NoGate {
    async fn reserve(&self, _: Platform) -> Result<Option<DateTime<Utc>>> {
        Ok(None)
    }
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Schedules claimed.
    pub claimed: usize,
    /// Published.
    pub published: usize,
    /// Put back to retry later (transient failure or rate limit).
    pub retrying: usize,
    /// Outcome unknown: waiting for reconciliation.
    pub unknown: usize,
    /// Failed for good.
    pub failed: usize,
    /// Unknown schedules resolved by reconciliation (found or proved absent).
    pub reconciled: usize,
}

impl std::ops::AddAssign for RunReport {
    fn add_assign(&mut self, o: Self) {
        self.claimed += o.claimed;
        self.published += o.published;
        self.retrying += o.retrying;
        self.unknown += o.unknown;
        self.failed += o.failed;
        self.reconciled += o.reconciled;
    }
}

/// Claims and publishes due schedules.
#[derive(Clone, Debug)]
pub struct PublishRunner {
    store: Arc<dyn PublishStore>,
    clock: Arc<dyn Clock>,
    publishers: HashMap<Platform, Arc<dyn Publisher>>,
    tracker: Option<Arc<dyn Tracker>>,
    gate: Arc<dyn PlatformGate>,
    alert: Option<Arc<dyn Alert>>,
    worker: String,
    lease: Duration,
    publish_timeout: Duration,
    reconcile_lease: Duration,
    settle: HashMap<Platform, Duration>,
    max_attempts: i32,
    base_backoff: Duration,
    concurrency: usize,
    /// Whether concurrent sends share their store commits (see [`super::group`]).
    group_commit: bool,
    starts: Arc<GroupCommit<ScheduleId, Schedule>>,
    records: Arc<GroupCommit<PublicationRecord, Schedule>>,
}

enum Outcome {
    Published,
    Retrying,
    Unknown,
    Failed,
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Published => "published",
            Outcome::Retrying => "retrying",
            Outcome::Unknown => "unknown",
            Outcome::Failed => "failed",
        }
    }
}

/// Counts one publishing outcome (`growth_publishes_total`).
fn count(platform: Platform, outcome: &'static str) {
    metrics::counter!(crate::telemetry::PUBLISHES, "platform" => platform.to_string(), "outcome" => outcome).increment(1);
}

impl PublishRunner {
    /// A runner for `worker` with `publishers` by platform (defaults: 2-minute lease, 90 s publish
    /// timeout, 5 attempts, 30 s base backoff, 8 at once, the default settle windows, no limits,
    /// no tracker, no alert).
    pub fn new(
        store: Arc<dyn PublishStore>,
        clock: Arc<dyn Clock>,
        worker: impl Into<String>,
        publishers: Vec<Arc<dyn Publisher>>,
    ) -> Self {
        Self {
            store,
            clock,
            publishers: publishers.into_iter().map(|p| (p.platform(), p)).collect(),
            tracker: None,
            gate: Arc::new(NoGate),
            alert: None,
            worker: worker.into(),
            lease: Duration::from_secs(120),
            publish_timeout: Duration::from_secs(90),
            reconcile_lease: Duration::from_secs(60),
            settle: HashMap::new(),
            max_attempts: 5,
            base_backoff: Duration::from_secs(30),
            concurrency: 8,
            group_commit: true,
            starts: Arc::default(),
            records: Arc::default(),
        }
    }

    /// Whether the sends in flight at once share their store commits — "a send starts" and "it
    /// was published" written for the whole group in one transaction (on by default). Off: one
    /// commit per write, as a baseline for the `publish` bench.
    pub fn group_commit(mut self, on: bool) -> Self {
        self.group_commit = on;
        self
    }

    /// A tracker (Notion) told about every post that goes out.
    pub fn tracker(mut self, tracker: Arc<dyn Tracker>) -> Self {
        self.tracker = Some(tracker);
        self
    }

    /// The rate-limit gate.
    pub fn gate(mut self, gate: Arc<dyn PlatformGate>) -> Self {
        self.gate = gate;
        self
    }

    /// The failure hook.
    pub fn alert(mut self, alert: Arc<dyn Alert>) -> Self {
        self.alert = Some(alert);
        self
    }

    /// Attempts before a schedule fails for good, lease per claim, base backoff, sends at once.
    pub fn limits(mut self, max_attempts: i32, lease: Duration, base_backoff: Duration, concurrency: usize) -> Self {
        self.max_attempts = max_attempts.max(1);
        self.lease = lease;
        self.base_backoff = base_backoff;
        self.concurrency = concurrency.max(1);
        self
    }

    /// How long one send may take before its outcome is `unknown` (keep it well below the lease:
    /// [`PublishConfig::validate`](super::PublishConfig::validate) checks the configured pair).
    pub fn publish_timeout(mut self, timeout: Duration) -> Self {
        self.publish_timeout = timeout;
        self
    }

    /// How long a reconciliation claim holds an `unknown` schedule: no other process looks it up
    /// before, and one still within its settle window is looked at again after it (default 60 s).
    pub fn reconcile_lease(mut self, lease: Duration) -> Self {
        self.reconcile_lease = lease;
        self
    }

    /// How long after a send `platform`'s list may still not show the post: "absent" is decided
    /// only after it (defaults: [`default_settle`]).
    pub fn settle(mut self, platform: Platform, window: Duration) -> Self {
        self.settle.insert(platform, window);
        self
    }

    /// The publish timeout in force: the configured one, but never so long that the send could
    /// outlive its claim (the lease less [`RECORD_MARGIN_SECS`](super::RECORD_MARGIN_SECS) to
    /// record the outcome).
    pub fn effective_timeout(&self) -> Duration {
        let ceiling = self.lease.saturating_sub(Duration::from_secs(super::RECORD_MARGIN_SECS)).max(self.lease / 2);
        self.publish_timeout.min(ceiling).max(Duration::from_millis(1))
    }

    /// The settle window in force for `platform`.
    pub fn settle_for(&self, platform: Platform) -> Duration {
        self.settle.get(&platform).copied().unwrap_or_else(|| default_settle(platform))
    }

    /// The publisher for `platform`.
    pub fn publisher(&self, platform: Platform) -> Option<&Arc<dyn Publisher>> {
        self.publishers.get(&platform)
    }

    /// What the publishing log keeps of a request: enough to identify it, not the whole text.
    fn request_summary(req: &PublishRequest) -> serde_json::Value {
        json!({ "schedule_id": req.schedule_id, "content_type": req.content_type, "title": req.title, "chars": req.content.chars().count() })
    }

    /// What is sent for `item` on `s`: its text with every link UTM-tagged, `utm_campaign` the
    /// slug of the source it came from (every platform goes through here).
    async fn request(&self, s: &Schedule, item: &ContentItem) -> PublishRequest {
        let campaign = crate::measure::campaign_of(self.store.as_ref(), item).await;
        PublishRequest {
            schedule_id: s.id,
            content_item_id: item.id,
            content_type: item.content_type,
            title: item.title.clone(),
            content: crate::measure::tag_for_publish_with(item, s.platform, &campaign),
            platform_data: item.platform_data.clone(),
            attempted_at: s.last_attempt_at,
        }
    }

    async fn log(
        &self,
        s: &Schedule,
        status: PublishStatus,
        req: &PublishRequest,
        response: serde_json::Value,
        error: Option<String>,
        url: Option<String>,
    ) {
        let entry = NewPublishingLog {
            content_item_id: s.content_item_id,
            schedule_id: Some(s.id),
            platform: s.platform,
            status,
            request_payload: Self::request_summary(req),
            response_data: response,
            error_message: error,
            published_url: url,
        };
        if let Err(e) = self.store.append_publish_log(entry).await {
            tracing::error!(error = %e, schedule = %s.id, "writing the publishing log");
        }
    }

    /// Records a publication (schedule, item and log in one store step).
    async fn record(&self, s: &Schedule, req: &PublishRequest, publication: &Publication, status: PublishStatus) -> Result<()> {
        let log = NewPublishingLog {
            content_item_id: s.content_item_id,
            schedule_id: Some(s.id),
            platform: s.platform,
            status,
            request_payload: Self::request_summary(req),
            response_data: publication.log.clone(),
            error_message: None,
            published_url: publication.url.clone(),
        };
        let record = PublicationRecord {
            schedule_id: s.id,
            platform_post_id: Some(publication.platform_post_id.clone()),
            url: publication.url.clone(),
            published_at: publication.published_at,
            log,
        };
        if !self.group_commit {
            let r = record;
            return self
                .store
                .record_publication(r.schedule_id, &self.worker, r.platform_post_id, r.url, r.published_at, r.log)
                .await
                .map(|_| ());
        }
        let (store, worker) = (self.store.clone(), self.worker.clone());
        self.records.submit(record, move |batch| async move { store.record_publications(&worker, batch).await }).await.map(|_| ())
    }

    /// Records that a send starts (with the other sends starting at the same time, see
    /// [`Self::group_commit`]).
    async fn start_attempt(&self, id: ScheduleId) -> Result<Schedule> {
        if !self.group_commit {
            return self.store.start_attempt(id, &self.worker).await;
        }
        let (store, worker) = (self.store.clone(), self.worker.clone());
        self.starts.submit(id, move |ids| async move { store.start_attempts(&ids, &worker).await }).await
    }

    /// Moves the item on to `to` (`publishing` or `failed`) through `publishing`, tolerating an
    /// item already there. (A publication moves it with [`Self::record`], in one store step.)
    async fn settle_item(&self, item: &ContentItem, to: ContentStatus) -> Result<()> {
        let current = self.store.get_content(item.id).await?;
        if current.status == to {
            return Ok(());
        }
        if current.status == ContentStatus::Scheduled {
            self.store.transition_content(item.id, ContentTransition::to(ContentStatus::Publishing)).await?;
        }
        if to == ContentStatus::Publishing {
            return Ok(());
        }
        self.store.transition_content(item.id, ContentTransition::to(to)).await.map(|_| ())
    }

    async fn track(&self, item: &ContentItem, s: &Schedule, publication: &Publication) {
        let Some(tracker) = &self.tracker else { return };
        let event = TrackEvent { request: self.request(s, item).await, platform: s.platform, publication: publication.clone() };
        if let Err(e) = tracker.track(&event).await {
            tracing::warn!(error = %e, schedule = %s.id, tracker = tracker.name(), "updating the tracking record");
        }
    }

    async fn fail(&self, s: &Schedule, item: Option<&ContentItem>, reason: String) -> Result<Outcome> {
        let finished = self.store.finish_attempt(s.id, &self.worker, s.attempt, ScheduleOutcome::Failed { error: reason.clone() }).await?;
        tracing::warn!(worker = %self.worker, schedule = %s.id, attempt = s.attempt, reason = %reason, "publish failed for good");
        if let Some(item) = item
            && let Err(e) = self.settle_item(item, ContentStatus::Failed).await
        {
            tracing::warn!(error = %e, item = %item.id, "marking the item failed");
        }
        if let Some(alert) = &self.alert {
            alert.alert(&finished, item, &reason).await;
        }
        Ok(Outcome::Failed)
    }

    fn backoff(&self, attempt: i32, hint: Option<Duration>) -> chrono::Duration {
        let exp = self.base_backoff.saturating_mul(1u32 << attempt.clamp(0, 10) as u32).min(Duration::from_secs(3600));
        chrono::Duration::from_std(hint.unwrap_or(exp).max(Duration::from_millis(1))).unwrap_or_else(|_| chrono::Duration::seconds(60))
    }

    /// Publishes one claimed schedule.
    async fn publish_one(&self, s: Schedule) -> Result<Outcome> {
        let item = match self.store.get_content(s.content_item_id).await {
            Ok(i) => i,
            Err(Error::NotFound { .. }) => return self.fail(&s, None, "the content item no longer exists".into()).await,
            Err(e) => return Err(e),
        };
        if !may_publish(item.status) {
            let reason = format!("content {} is {}: only an item a person approved is published", item.id, item.status);
            return self.fail(&s, Some(&item), reason).await;
        }
        let Some(publisher) = self.publishers.get(&s.platform).cloned() else {
            return self.fail(&s, Some(&item), format!("no publisher is configured for {}", s.platform)).await;
        };
        if let Some(at) = self.gate.reserve(s.platform).await? {
            let reason = format!("{} send budget: next send at {at}", s.platform);
            self.store.finish_attempt(s.id, &self.worker, s.attempt, ScheduleOutcome::Deferred { reason, next_attempt_at: at }).await?;
            return Ok(Outcome::Retrying);
        }
        // Persisted before the request leaves: reconciliation reads the platform back to it, from
        // any process. Refused when the claim lapsed: then nothing is sent.
        let s = self.start_attempt(s.id).await?;
        let req = self.request(&s, &item).await;
        tracing::info!(worker = %self.worker, schedule = %s.id, attempt = s.attempt, platform = %s.platform, "sending");
        let timeout = self.effective_timeout();
        let sent = match tokio::time::timeout(timeout, publisher.publish(&req)).await {
            Ok(r) => r,
            Err(_) => Err(Error::OutcomeUnknown(format!(
                "{}: no answer within {} ms (the publish timeout); the request may have reached the platform",
                s.platform,
                timeout.as_millis()
            ))),
        };
        match sent {
            Ok(publication) => {
                self.record(&s, &req, &publication, PublishStatus::Success).await?;
                tracing::info!(worker = %self.worker, schedule = %s.id, attempt = s.attempt, post = %publication.platform_post_id, "published");
                self.track(&item, &s, &publication).await;
                Ok(Outcome::Published)
            }
            Err(e @ Error::OutcomeUnknown(_)) => {
                let reason = e.to_string();
                self.log(&s, PublishStatus::Unknown, &req, json!({}), Some(reason.clone()), None).await;
                let finished =
                    self.store.finish_attempt(s.id, &self.worker, s.attempt, ScheduleOutcome::Unknown { error: reason.clone() }).await?;
                self.settle_item(&item, ContentStatus::Publishing).await?;
                tracing::warn!(worker = %self.worker, schedule = %s.id, attempt = s.attempt, reason = %reason, "publish outcome unknown");
                if let Some(alert) = &self.alert {
                    alert.alert(&finished, Some(&item), &format!("outcome unknown, reconciling: {reason}")).await;
                }
                Ok(Outcome::Unknown)
            }
            Err(Error::RateLimited { retry_after }) => {
                // The platform refused without acting: a deferral, not a spent attempt.
                let wait = retry_after.unwrap_or(self.base_backoff);
                let reason = format!("{} rate limited the send; trying again in {} s", s.platform, wait.as_secs());
                self.log(&s, PublishStatus::Retrying, &req, json!({}), Some(reason.clone()), None).await;
                let next = self.clock.now() + self.backoff(0, Some(wait));
                self.store
                    .finish_attempt(s.id, &self.worker, s.attempt, ScheduleOutcome::Deferred { reason, next_attempt_at: next })
                    .await?;
                Ok(Outcome::Retrying)
            }
            Err(e) if e.is_retryable() => {
                let reason = e.to_string();
                if s.retry_count + 1 >= self.max_attempts {
                    self.log(&s, PublishStatus::Failed, &req, json!({}), Some(reason.clone()), None).await;
                    return self.fail(&s, Some(&item), format!("gave up after {} failed attempts: {reason}", s.retry_count + 1)).await;
                }
                self.log(&s, PublishStatus::Retrying, &req, json!({}), Some(reason.clone()), None).await;
                let next = self.clock.now() + self.backoff(s.retry_count, e.retry_after());
                self.store
                    .finish_attempt(s.id, &self.worker, s.attempt, ScheduleOutcome::Retry { error: reason, next_attempt_at: next })
                    .await?;
                Ok(Outcome::Retrying)
            }
            Err(e) => {
                let reason = e.to_string();
                self.log(&s, PublishStatus::Failed, &req, json!({}), Some(reason.clone()), None).await;
                self.fail(&s, Some(&item), reason).await
            }
        }
    }

    /// Publishes one schedule this runner already claimed (by id, for "publish now"): what
    /// [`Self::run_due`] does for each schedule it claims.
    pub async fn publish_claimed(&self, s: Schedule) -> Result<RunReport> {
        let platform = s.platform;
        let id = s.id;
        let mut report = RunReport { claimed: 1, ..RunReport::default() };
        match self.publish_one(s).await {
            Ok(o) => {
                count(platform, o.label());
                match o {
                    Outcome::Published => report.published += 1,
                    Outcome::Retrying => report.retrying += 1,
                    Outcome::Unknown => report.unknown += 1,
                    Outcome::Failed => report.failed += 1,
                }
            }
            Err(e) => tracing::error!(worker = %self.worker, error = %e, schedule = %id, "publishing a claimed schedule"),
        }
        Ok(report)
    }

    /// Claims up to `limit` due schedules and publishes them (several at once).
    pub async fn run_due(&self, limit: u32) -> Result<RunReport> {
        let claimed = self.store.claim_due_schedules(&self.worker, self.lease, limit).await?;
        let mut report = RunReport { claimed: claimed.len(), ..RunReport::default() };
        let outcomes: Vec<(Schedule, Result<Outcome>)> = futures::stream::iter(claimed.into_iter().map(|s| async move {
            let r = self.publish_one(s.clone()).await;
            (s, r)
        }))
        .buffer_unordered(self.concurrency)
        .collect()
        .await;
        for (s, r) in outcomes {
            if let Ok(o) = &r {
                count(s.platform, o.label());
            }
            match r {
                Ok(Outcome::Published) => report.published += 1,
                Ok(Outcome::Retrying) => report.retrying += 1,
                Ok(Outcome::Unknown) => report.unknown += 1,
                Ok(Outcome::Failed) => report.failed += 1,
                // The store could not record the outcome: the claim lapses to `unknown` and is
                // reconciled — never resent blindly.
                Err(e) => tracing::error!(worker = %self.worker, error = %e, schedule = %s.id, "recording a publish outcome"),
            }
        }
        Ok(report)
    }

    /// Publishes what is due and reconciles what is unknown, every `interval`, until `shutdown`.
    pub async fn run_loop(&self, batch: u32, interval: Duration, shutdown: tokio_util::sync::CancellationToken) {
        loop {
            loop {
                match self.run_due(batch).await {
                    Ok(r) if r.claimed as u32 >= batch => continue,
                    Ok(r) => {
                        if r.claimed > 0 {
                            tracing::info!(
                                worker = %self.worker,
                                claimed = r.claimed,
                                published = r.published,
                                retrying = r.retrying,
                                unknown = r.unknown,
                                failed = r.failed,
                                "publishing round"
                            );
                        }
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(worker = %self.worker, error = %e, "claiming due schedules");
                        break;
                    }
                }
            }
            match self.reconcile_unknown(100).await {
                Ok(r) if r.reconciled > 0 => {
                    tracing::info!(worker = %self.worker, reconciled = r.reconciled, still_unknown = r.unknown, "reconciliation round")
                }
                Ok(_) => {}
                Err(e @ Error::Transient { .. }) => tracing::debug!(error = %e, "reconciliation"),
                Err(e) => tracing::warn!(worker = %self.worker, error = %e, "reconciliation"),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// The worker id this runner claims as.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// Claims up to `limit` `unknown` schedules (each held for a lease, so one process looks each
    /// up per lease) and looks each up on its platform (see the module docs).
    pub async fn reconcile_unknown(&self, limit: u32) -> Result<RunReport> {
        let mut report = RunReport::default();
        for s in self.store.claim_unknown(&self.worker, self.reconcile_lease, limit).await? {
            match self.reconcile(&s).await {
                Ok(true) => {
                    count(s.platform, "reconciled");
                    report.reconciled += 1
                }
                Ok(false) => report.unknown += 1,
                Err(e) => {
                    tracing::warn!(worker = %self.worker, error = %e, schedule = %s.id, "reconciliation could not decide");
                    report.unknown += 1;
                }
            }
        }
        Ok(report)
    }

    /// Reconciles one `unknown` schedule; `Ok(true)` when it was resolved, `Ok(false)` when it
    /// stays `unknown` (its settle window has not passed).
    pub async fn reconcile(&self, s: &Schedule) -> Result<bool> {
        if s.status != ScheduleStatus::Unknown {
            return Err(Error::conflict(format!("schedule {} is {}; only an unknown outcome is reconciled", s.id, s.status)));
        }
        let now = self.clock.now();
        let Some(attempted_at) = s.last_attempt_at else {
            // No send ever started (the claim lapsed before it): provably nothing to find.
            let reason = "reconciliation: no send was ever started; sending".to_owned();
            self.store.finish_attempt(s.id, &self.worker, s.attempt, ScheduleOutcome::Deferred { reason, next_attempt_at: now }).await?;
            tracing::info!(worker = %self.worker, schedule = %s.id, "reconciled: never sent");
            return Ok(true);
        };
        let item = self.store.get_content(s.content_item_id).await?;
        let publisher =
            self.publishers.get(&s.platform).ok_or_else(|| Error::Config(format!("no publisher is configured for {}", s.platform)))?;
        let req = self.request(s, &item).await;
        // Lookups are list calls against the platform's rate limit: budgeted across every worker
        // like sends. Over budget, the schedule stays `unknown` and this claim holds it until the
        // reconcile lease passes — then some process looks again.
        if publisher.capabilities().reconcile
            && let Some(at) = self.gate.reserve_lookup(s.platform).await?
        {
            tracing::debug!(worker = %self.worker, schedule = %s.id, next = %at, "lookup budget spent; looking again later");
            return Ok(false);
        }
        match publisher.reconcile(&req).await? {
            Some(publication) => {
                self.record(s, &req, &publication, PublishStatus::Reconciled).await?;
                tracing::info!(worker = %self.worker, schedule = %s.id, attempt = s.attempt, post = %publication.platform_post_id, "reconciled: found");
                self.track(&item, s, &publication).await;
                Ok(true)
            }
            None => {
                let settled =
                    attempted_at + chrono::Duration::from_std(self.settle_for(s.platform)).unwrap_or_else(|_| chrono::Duration::hours(1));
                if now < settled {
                    tracing::info!(worker = %self.worker, schedule = %s.id, until = %settled, "not on the platform yet; within its settle window");
                    return Ok(false);
                }
                let reason = format!("reconciliation: attempt {} is not on the platform; sending again", s.attempt);
                self.store
                    .finish_attempt(s.id, &self.worker, s.attempt, ScheduleOutcome::Deferred { reason, next_attempt_at: now })
                    .await?;
                tracing::info!(worker = %self.worker, schedule = %s.id, attempt = s.attempt, "reconciled: absent, sending again");
                Ok(true)
            }
        }
    }
}

/// Whether an item in `status` may be sent: a person approved it.
fn may_publish(status: ContentStatus) -> bool {
    matches!(
        status,
        ContentStatus::Approved | ContentStatus::Scheduled | ContentStatus::Publishing | ContentStatus::Failed | ContentStatus::Published
    )
}

/// How long after a send a platform's list may still not show the post: LinkedIn's post list
/// lags (60 s), Customer.io's trigger list too (120 s); others 0 unless configured.
pub fn default_settle(platform: Platform) -> Duration {
    if platform == Platform::LINKEDIN {
        Duration::from_secs(60)
    } else if platform == Platform::CUSTOMER_IO {
        Duration::from_secs(120)
    } else {
        Duration::ZERO
    }
}

/// A send budget: at most `max` sends per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SendBudget {
    /// Sends per window.
    pub max: u32,
    /// Window length in seconds.
    pub window_secs: u32,
}

/// A [`PlatformGate`] shared by every worker through the database: each send claims one of the
/// `max` slots of the current window with [`crate::store::IdempotencyStore::try_fire_cron`], which
/// hands each (slot, window) to exactly one caller across all instances. A full window answers the
/// start of the next one.
#[derive(Clone, Debug)]
pub struct DbGate {
    store: Arc<dyn IdempotencyStore>,
    clock: Arc<dyn Clock>,
    budgets: HashMap<Platform, SendBudget>,
    lookups: HashMap<Platform, SendBudget>,
    instance: String,
}

impl DbGate {
    /// A gate with `budgets` per platform (platforms without one are not limited).
    pub fn new(
        store: Arc<dyn IdempotencyStore>,
        clock: Arc<dyn Clock>,
        budgets: HashMap<Platform, SendBudget>,
        instance: impl Into<String>,
    ) -> Self {
        Self { store, clock, budgets, lookups: HashMap::new(), instance: instance.into() }
    }

    /// Budgets for reconciliation lookups per platform (slots of their own); a platform without
    /// one spends its send budget on lookups.
    pub fn lookup_budgets(mut self, lookups: HashMap<Platform, SendBudget>) -> Self {
        self.lookups = lookups;
        self
    }

    /// Takes one of `budget`'s slots named `kind` in the current window, across every instance.
    async fn take(&self, kind: &str, platform: Platform, budget: Option<SendBudget>) -> Result<Option<DateTime<Utc>>> {
        let Some(b) = budget.filter(|b| b.max > 0 && b.window_secs > 0) else { return Ok(None) };
        let now = self.clock.now().timestamp();
        let w = i64::from(b.window_secs);
        let start = now - now.rem_euclid(w);
        let window = DateTime::<Utc>::from_timestamp(start, 0).ok_or_else(|| Error::internal_msg("window start out of range"))?;
        for slot in 0..b.max {
            if self.store.try_fire_cron(&format!("{kind}:{platform}:{slot}"), window, &self.instance).await? {
                return Ok(None);
            }
        }
        Ok(DateTime::<Utc>::from_timestamp(start + w, 0))
    }

    /// The documented limits: Customer.io 1 trigger per 10 s, Webflow 60 requests per minute
    /// (two per item when staged then published: 30 items), LinkedIn 1 post per second.
    pub fn default_budgets() -> HashMap<Platform, SendBudget> {
        HashMap::from([
            (Platform::CUSTOMER_IO, SendBudget { max: 1, window_secs: 10 }),
            (Platform::WEBFLOW, SendBudget { max: 30, window_secs: 60 }),
            (Platform::LINKEDIN, SendBudget { max: 1, window_secs: 1 }),
        ])
    }
}

#[async_trait]
impl PlatformGate for DbGate {
    async fn reserve(&self, platform: Platform) -> Result<Option<DateTime<Utc>>> {
        self.take("send", platform, self.budgets.get(&platform).copied()).await
    }

    async fn reserve_lookup(&self, platform: Platform) -> Result<Option<DateTime<Utc>>> {
        match self.lookups.get(&platform).copied() {
            Some(b) => self.take("lookup", platform, Some(b)).await,
            None => self.reserve(platform).await,
        }
    }
}
