//! The publishing use-cases: publish an item now or at a time (one schedule per item and
//! platform: publishing again moves the pending one), read a schedule's status, cancel,
//! reschedule, reconcile, and the loop every worker runs ([`PublishService::run`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::{Alert, DbGate, PublishRunner, PublishStore, Publisher, SendBudget, Tracker};
use crate::clock::Clock;
use crate::domain::{ContentId, ContentStatus, ContentTransition, Platform, Schedule, ScheduleId, ScheduleStatus, UserId};
use crate::review::{PAST_TOLERANCE_SECS, ReviewService};
use crate::store::ScheduleFilter;
use crate::{Error, Result};

/// How the publishing loop runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishConfig {
    /// Seconds between rounds of the loop (due schedules, then unknown outcomes).
    pub interval_secs: u64,
    /// Schedules claimed per round.
    pub batch: u32,
    /// Sends at once per worker.
    pub concurrency: usize,
    /// Attempts before a schedule fails for good.
    pub max_attempts: i32,
    /// How long a claim holds. Must exceed `publish_timeout_secs` by [`RECORD_MARGIN_SECS`]
    /// ([`PublishConfig::validate`]): a send never outlives its claim.
    pub lease_secs: u64,
    /// How long one send may take (token refresh, limiter waits and connect retries included)
    /// before its outcome is `unknown`.
    pub publish_timeout_secs: u64,
    /// Per platform, how long after a send its list may still not show the post; "absent" is
    /// decided only after it (defaults: [`default_settle`](super::default_settle): LinkedIn 60 s,
    /// Customer.io 120 s).
    pub settle_secs: BTreeMap<Platform, u64>,
    /// How long `publish` without a time waits for the send before it answers `scheduled` (the
    /// send goes on in the background).
    pub now_wait_ms: u64,
    /// Base of the exponential backoff between attempts.
    pub backoff_secs: u64,
    /// Send budgets per platform, shared by every worker through the database (the documented
    /// limits of the built-in platforms apply unless overridden; none for the outbox).
    pub budgets: BTreeMap<Platform, SendBudget>,
    /// Budgets for reconciliation lookups (the platform's list calls), shared by every worker
    /// through the database; a platform without one spends its send budget on lookups.
    pub lookup_budgets: BTreeMap<Platform, SendBudget>,
}

impl Default for PublishConfig {
    fn default() -> Self {
        Self {
            interval_secs: 60,
            batch: 100,
            concurrency: 8,
            max_attempts: 5,
            lease_secs: 120,
            publish_timeout_secs: 90,
            settle_secs: BTreeMap::new(),
            now_wait_ms: 2_000,
            backoff_secs: 30,
            budgets: BTreeMap::new(),
            lookup_budgets: BTreeMap::new(),
        }
    }
}

/// What recording an outcome may take after a send timed out, on top of the publish timeout.
pub const RECORD_MARGIN_SECS: u64 = 10;

impl PublishConfig {
    /// Refuses (at start-up) a lease shorter than the worst-case publish time (the publish timeout
    /// plus [`RECORD_MARGIN_SECS`]): such a claim would lapse while its send is in flight, and the
    /// schedule would be reconciled — and possibly resent — while the first send still runs.
    ///
    /// # Errors
    /// `Config` naming the values.
    pub fn validate(&self) -> Result<()> {
        if self.publish_timeout_secs == 0 {
            return Err(Error::Config("publishing.publish_timeout_secs must be positive".into()));
        }
        let worst = self.publish_timeout_secs.saturating_add(RECORD_MARGIN_SECS);
        if self.lease_secs < worst {
            return Err(Error::Config(format!(
                "publishing.lease_secs ({}) must be at least publish_timeout_secs ({}) + {RECORD_MARGIN_SECS} s: a claim must outlive \
                 the longest send",
                self.lease_secs, self.publish_timeout_secs
            )));
        }
        Ok(())
    }
}

/// Who publishes where: one publisher per platform, an optional tracker and alert, and budgets.
#[derive(Clone, Debug, Default)]
pub struct Publishers {
    publishers: BTreeMap<Platform, Arc<dyn Publisher>>,
    tracker: Option<Arc<dyn Tracker>>,
    alert: Option<Arc<dyn Alert>>,
    budgets: HashMap<Platform, SendBudget>,
}

impl Publishers {
    /// Nobody yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `publisher` for its platform (replacing any other).
    pub fn publisher(mut self, publisher: Arc<dyn Publisher>) -> Self {
        self.publishers.insert(publisher.platform(), publisher);
        self
    }

    /// Whether `platform` has a publisher.
    pub fn has(&self, platform: Platform) -> bool {
        self.publishers.contains_key(&platform)
    }

    /// The tracker told about every publication.
    pub fn tracker(mut self, tracker: Arc<dyn Tracker>) -> Self {
        self.tracker = Some(tracker);
        self
    }

    /// The hook told when a publish fails for good.
    pub fn alert(mut self, alert: Arc<dyn Alert>) -> Self {
        self.alert = Some(alert);
        self
    }

    /// A send budget for `platform`, shared by every worker.
    pub fn budget(mut self, platform: Platform, budget: SendBudget) -> Self {
        self.budgets.insert(platform, budget);
        self
    }

    /// The platforms with a publisher.
    pub fn platforms(&self) -> BTreeSet<Platform> {
        self.publishers.keys().copied().collect()
    }

    /// What sends to `platform` (`linkedin`, `outbox` …).
    pub fn via(&self, platform: Platform) -> Option<String> {
        self.publishers.get(&platform).map(|p| p.name())
    }
}

/// Publishing an item now or later.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PublishItem {
    /// Where (`None`: the item's target platform, else its type's).
    pub platform: Option<Platform>,
    /// When (`None`: now).
    pub at: Option<DateTime<Utc>>,
    /// The audience's zone (`None`: the configured one).
    pub timezone: Option<String>,
    /// Who asks.
    pub by: Option<UserId>,
}

/// What publishing an item did.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    /// `published` when it went out within the call, `publishing` when a send was started now and
    /// goes on in the background, else `scheduled`.
    pub status: &'static str,
    /// Its schedule.
    pub schedule: Schedule,
}

/// A person's word on an `unknown` outcome ([`PublishService::resolve`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The post is live.
    Published {
        /// Where.
        url: String,
        /// The platform's id for it, if known.
        platform_post_id: Option<String>,
    },
    /// The post is not on the platform.
    NotPublished,
}

/// Early engagement of a published post.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EarlyMetrics {
    /// Likes / reactions.
    pub likes: i64,
    /// Comments.
    pub comments: i64,
    /// Shares.
    pub shares: i64,
    /// Impressions.
    pub impressions: i64,
}

/// A schedule with what sends it and what it earned so far (PRD §3.4).
#[derive(Clone, Debug, PartialEq)]
pub struct PublicationStatus {
    /// The schedule.
    pub schedule: Schedule,
    /// What sends to its platform (`outbox` when offline).
    pub via: Option<String>,
    /// Engagement once metrics were synced.
    pub early_metrics: Option<EarlyMetrics>,
}

/// The publishing use-cases (see the module docs).
#[derive(Clone, Debug)]
pub struct PublishService {
    store: Arc<dyn PublishStore>,
    clock: Arc<dyn Clock>,
    publishers: Publishers,
    config: PublishConfig,
    review: ReviewService,
}

impl PublishService {
    /// Publishing through `publishers`; approving an item in review goes through `review`.
    pub fn new(
        store: Arc<dyn PublishStore>,
        clock: Arc<dyn Clock>,
        publishers: Publishers,
        config: PublishConfig,
        review: ReviewService,
    ) -> Self {
        Self { store, clock, publishers, config, review }
    }

    /// The registered publishers.
    pub fn publishers(&self) -> &Publishers {
        &self.publishers
    }

    /// The loop's configuration.
    pub fn config(&self) -> &PublishConfig {
        &self.config
    }

    /// A runner claiming as `worker`.
    pub fn runner(&self, worker: &str) -> PublishRunner {
        let budgets: HashMap<Platform, SendBudget> =
            self.publishers.budgets.iter().map(|(p, b)| (*p, *b)).chain(self.config.budgets.iter().map(|(p, b)| (*p, *b))).collect();
        let lookups: HashMap<Platform, SendBudget> = self.config.lookup_budgets.iter().map(|(p, b)| (*p, *b)).collect();
        let gate = DbGate::new(self.store.clone(), self.clock.clone(), budgets, worker).lookup_budgets(lookups);
        let c = &self.config;
        let mut r =
            PublishRunner::new(self.store.clone(), self.clock.clone(), worker, self.publishers.publishers.values().cloned().collect())
                .gate(Arc::new(gate))
                .limits(c.max_attempts, Duration::from_secs(c.lease_secs), Duration::from_secs(c.backoff_secs), c.concurrency)
                .publish_timeout(Duration::from_secs(c.publish_timeout_secs));
        for (platform, secs) in &c.settle_secs {
            r = r.settle(*platform, Duration::from_secs(*secs));
        }
        if let Some(t) = &self.publishers.tracker {
            r = r.tracker(t.clone());
        }
        if let Some(a) = &self.publishers.alert {
            r = r.alert(a.clone());
        }
        r
    }

    /// Publishes due schedules and reconciles unknown ones as `worker` until `shutdown`.
    pub async fn run(&self, worker: &str, shutdown: CancellationToken) {
        let runner = self.runner(worker);
        runner.run_loop(self.config.batch, Duration::from_secs(self.config.interval_secs), shutdown).await
    }

    async fn active_schedule(&self, id: ContentId, platform: Platform) -> Result<Option<Schedule>> {
        let filter = ScheduleFilter {
            content_item_id: Some(id),
            statuses: vec![ScheduleStatus::Pending, ScheduleStatus::Claimed, ScheduleStatus::Unknown, ScheduleStatus::Failed],
            ..ScheduleFilter::default()
        };
        Ok(self.store.list_schedules(&filter).await?.into_iter().find(|s| s.platform == platform))
    }

    /// Publishes an item now or at `req.at`: an item in review or approved is approved and
    /// scheduled; a pending (or failed) schedule of the item on that platform is moved instead of
    /// doubled; a schedule being sent or with an unknown outcome cannot be moved (`Conflict`).
    pub async fn publish(&self, id: ContentId, req: PublishItem) -> Result<Published> {
        let item = self.store.get_content(id).await?;
        let platform = req.platform.unwrap_or_else(|| item.platform());
        self.review.check_platform(platform)?;
        let now = self.clock.now();
        let at = req.at.unwrap_or(now);
        if at < now - chrono::Duration::seconds(PAST_TOLERANCE_SECS) {
            return Err(Error::invalid_field("schedule_time", format!("{at} is in the past")));
        }
        let tz = req.timezone.clone().unwrap_or_else(|| self.review.timezone().to_owned());
        crate::store::validate_timezone(&tz)?;
        let schedule = match self.active_schedule(id, platform).await? {
            Some(s) if matches!(s.status, ScheduleStatus::Pending | ScheduleStatus::Failed) => {
                let moved = self.store.reschedule(s.id, at).await?;
                if item.status == ContentStatus::Failed {
                    let change = ContentTransition { scheduled_publish_time: Some(at), ..ContentTransition::to(ContentStatus::Scheduled) };
                    self.store.transition_content(id, change).await?;
                }
                moved
            }
            Some(s) => return Err(Error::conflict(format!("schedule {} of this item is {}: it cannot be moved now", s.id, s.status))),
            None => match item.status {
                ContentStatus::InReview | ContentStatus::Approved => self.review.approve_item(item, platform, at, &tz, now).await?.schedule,
                other => {
                    return Err(Error::conflict(format!("content {id} is {other}; only an item in review or approved can be published")));
                }
            },
        };
        tracing::info!(content_id = %id, schedule_id = %schedule.id, at = %at, by = ?req.by, now = req.at.is_none(), "publish requested");
        crate::telemetry::count_change(if req.at.is_none() { "publish_now" } else { "publish_at" }, 1);
        if req.at.is_some() {
            return Ok(Published { status: "scheduled", schedule });
        }
        self.publish_now(schedule).await
    }

    /// Claims `schedule` by id and sends it in a detached task (a client that goes away does not
    /// cancel it, and nobody else's due posts are touched); waits up to `now_wait_ms` for it.
    async fn publish_now(&self, schedule: Schedule) -> Result<Published> {
        let runner = self.runner(&format!("api-{}", uuid::Uuid::now_v7()));
        let Some(claimed) = self.store.claim_schedule(schedule.id, runner.worker(), Duration::from_secs(self.config.lease_secs)).await?
        else {
            // Not pending (a worker holds it) or backing off: the loop sends it.
            let schedule = self.store.get_schedule(schedule.id).await?;
            return Ok(Published { status: "scheduled", schedule });
        };
        let id = claimed.id;
        let send = tokio::spawn(async move { runner.publish_claimed(claimed).await });
        let finished = tokio::time::timeout(Duration::from_millis(self.config.now_wait_ms), send).await.is_ok();
        let schedule = self.store.get_schedule(id).await?;
        let status = match schedule.status {
            ScheduleStatus::Published => "published",
            ScheduleStatus::Claimed if !finished => "publishing",
            _ => "scheduled",
        };
        Ok(Published { status, schedule })
    }

    /// A schedule with what sends it and its early metrics.
    pub async fn status(&self, id: ScheduleId) -> Result<PublicationStatus> {
        let schedule = self.store.get_schedule(id).await?;
        let early_metrics = match self.store.get_analytics(schedule.content_item_id, schedule.platform).await {
            Ok(a) => Some(EarlyMetrics {
                likes: a.engagement.likes,
                comments: a.engagement.comments,
                shares: a.engagement.shares,
                impressions: a.engagement.impressions,
            }),
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(PublicationStatus { via: self.publishers.via(schedule.platform), schedule, early_metrics })
    }

    /// Cancels a pending (or `unknown`: a person decided) schedule; its item goes back to
    /// `approved` (an item left `publishing` by an unknown outcome becomes `failed`).
    pub async fn cancel(&self, id: ScheduleId, by: Option<UserId>) -> Result<Schedule> {
        let s = self.store.cancel_schedule(id).await?;
        let item = self.store.get_content(s.content_item_id).await?;
        if item.status == ContentStatus::Scheduled {
            self.store.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await?;
        }
        if item.status == ContentStatus::Publishing {
            self.store.transition_content(item.id, ContentTransition::to(ContentStatus::Failed)).await?;
        }
        tracing::info!(schedule_id = %id, by = ?by, "schedule cancelled");
        crate::telemetry::count_change("cancel", 1);
        Ok(s)
    }

    /// Moves a pending, failed or `unknown` schedule to `at` (for an `unknown` one a person
    /// decided the post is not out: it will be sent).
    pub async fn reschedule(&self, id: ScheduleId, at: DateTime<Utc>, by: Option<UserId>) -> Result<Schedule> {
        if at < self.clock.now() - chrono::Duration::seconds(PAST_TOLERANCE_SECS) {
            return Err(Error::invalid_field("schedule_time", "in the past"));
        }
        let s = self.store.reschedule(id, at).await?;
        tracing::info!(schedule_id = %id, at = %at, by = ?by, "schedule moved");
        crate::telemetry::count_change("reschedule", 1);
        Ok(s)
    }

    /// Resolves an `unknown` outcome by a person's word (audited: the actor is logged and a
    /// publishing-log entry records it): `Published` records the post (its URL, and its platform
    /// id if known) on the schedule and the item; `NotPublished` fails the schedule (and the item)
    /// so it can be rescheduled. Anything but `unknown` is a `Conflict`.
    pub async fn resolve(&self, id: ScheduleId, resolution: Resolution, by: Option<UserId>) -> Result<Schedule> {
        let s = self.store.get_schedule(id).await?;
        if s.status != ScheduleStatus::Unknown {
            return Err(Error::conflict(format!("schedule {id} is {}; only an unknown outcome is resolved", s.status)));
        }
        let actor = by.map_or_else(|| "unknown".to_owned(), |u| u.to_string());
        let worker = format!("admin-{actor}");
        let log = |status, url: Option<String>, what: &str| crate::domain::NewPublishingLog {
            content_item_id: s.content_item_id,
            schedule_id: Some(s.id),
            platform: s.platform,
            status,
            request_payload: serde_json::json!({"resolved_by": actor, "attempt": s.attempt}),
            response_data: serde_json::json!({"resolution": what}),
            error_message: None,
            published_url: url,
        };
        let out = match resolution {
            Resolution::Published { url, platform_post_id } => {
                if url.trim().is_empty() {
                    return Err(Error::invalid_field("url", "say where the post is live"));
                }
                let entry = log(crate::domain::PublishStatus::Reconciled, Some(url.clone()), "published");
                self.store.record_publication(id, &worker, platform_post_id, Some(url), self.clock.now(), entry).await?
            }
            Resolution::NotPublished => {
                let reason = format!("resolved as not published by {actor}");
                let out =
                    self.store.finish_attempt(id, &worker, s.attempt, crate::domain::ScheduleOutcome::Failed { error: reason }).await?;
                self.store.append_publish_log(log(crate::domain::PublishStatus::Failed, None, "not_published")).await?;
                let item = self.store.get_content(s.content_item_id).await?;
                if item.status == ContentStatus::Scheduled {
                    self.store.transition_content(item.id, ContentTransition::to(ContentStatus::Publishing)).await?;
                }
                if matches!(item.status, ContentStatus::Scheduled | ContentStatus::Publishing) {
                    self.store.transition_content(item.id, ContentTransition::to(ContentStatus::Failed)).await?;
                }
                out
            }
        };
        tracing::warn!(schedule_id = %id, by = %actor, status = %out.status, "unknown outcome resolved by a person");
        crate::telemetry::count_change("resolve", 1);
        Ok(out)
    }

    /// Looks an `unknown` outcome up on its platform now.
    pub async fn reconcile(&self, id: ScheduleId, by: Option<UserId>) -> Result<Schedule> {
        let s = self.store.get_schedule(id).await?;
        self.runner(&format!("api-{}", uuid::Uuid::now_v7())).reconcile(&s).await?;
        tracing::info!(schedule_id = %id, by = ?by, "reconciliation requested");
        self.store.get_schedule(id).await
    }
}
