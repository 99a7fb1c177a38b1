//! The review stage: a person reads what was generated, edits it, approves it for a time (or lets
//! smart distribution pick one), or rejects it with a reason. [`ReviewService`] holds every
//! decision; the server and an embedding service call it the same way.
//!
//! Approval checks everything it can before writing (the item's state, the time, the zone, that the
//! platform has a publisher), then moves the item `in_review → scheduled` and creates its pending
//! schedule in **one transaction** ([`PublishAttemptStore::approve_and_schedule`]; the store
//! refuses a second active schedule per item and platform), so a crash can never leave an item
//! approved without its schedule, or a schedule whose item is still in review. A bulk approval is
//! one transaction for the whole request: one bad id writes nothing.
//!
//! Without a time, the slot comes from the planner's rules ([`slots`]) — or, with a
//! [`slots::BestTimePicker`] ([`ReviewService::with_best_time`]) that has enough measured posts,
//! from the best-time model, and the item then carries `best_publish_time` and
//! `predicted_engagement`. An [`EditObserver`](crate::learn::cipher::EditObserver)
//! ([`ReviewService::with_edit_observer`]) hears of every stored text change (preference learning). Every edit keeps the prior version and records its changed spans
//! ([`edits::diff_edit`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::clock::Clock;
use crate::domain::{
    ContentEdit, ContentId, ContentItem, ContentStatus, ContentTransition, ContentUpdate, ContentVersion, PendingPage, Platform, Schedule,
    UserId,
};
use crate::store::{AnalyticsStore, ApprovalWrite, PublishAttemptStore, SourceStore, page_limit, validate_timezone};
use crate::{Error, Result};

pub mod edits;
mod freshness;
pub mod slots;

pub use freshness::ReviewChanges;

/// How far in the past a requested time may be (clock skew between the editor and the server).
pub const PAST_TOLERANCE_SECS: i64 = 60;
/// The longest body an edit may set, in bytes.
pub const MAX_CONTENT_BYTES: usize = 200_000;
/// The longest title an edit may set, in characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// The most items one bulk approval may hold.
pub const MAX_BULK: usize = 200;

/// What the review stage reads and writes.
pub trait ReviewStore: PublishAttemptStore + AnalyticsStore + SourceStore {}
impl<T: PublishAttemptStore + AnalyticsStore + SourceStore + ?Sized> ReviewStore for T {}

/// A reviewer's edit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EditRequest {
    /// The new body, if it changes.
    pub content: Option<String>,
    /// The new title, if it changes.
    pub title: Option<String>,
    /// The version the editor started from (`None`: the current one).
    pub expected_version: Option<i32>,
    /// Who edits.
    pub editor: Option<UserId>,
}

/// An approval.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApproveRequest {
    /// When to publish (`None`: the next good free slot).
    pub at: Option<DateTime<Utc>>,
    /// Where (`None`: the item's target platform, else its type's).
    pub platform: Option<Platform>,
    /// The audience's zone (`None`: the configured one).
    pub timezone: Option<String>,
    /// Who approves.
    pub by: Option<UserId>,
}

/// An approved item and its schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Approval {
    /// The item, now `scheduled`.
    pub item: ContentItem,
    /// Its pending schedule.
    pub schedule: Schedule,
}

/// How a bulk approval spreads the items.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    /// The planner picks a slot per item from `start_date` (today when `None`).
    Smart {
        /// The first day.
        start_date: Option<NaiveDate>,
    },
    /// One time per item, in the same order.
    Manual {
        /// The times.
        times: Vec<DateTime<Utc>>,
    },
}

/// Approving several items at once.
#[derive(Clone, Debug, PartialEq)]
pub struct BulkApprove {
    /// The items (1 to [`MAX_BULK`], no repeats).
    pub ids: Vec<ContentId>,
    /// How they are spread.
    pub distribution: Distribution,
    /// The audience's zone (`None`: the configured one).
    pub timezone: Option<String>,
    /// Who approves.
    pub by: Option<UserId>,
}

/// Review decisions (see the module docs).
#[derive(Clone, Debug)]
pub struct ReviewService {
    store: Arc<dyn ReviewStore>,
    clock: Arc<dyn Clock>,
    timezone: String,
    platforms: Arc<BTreeSet<Platform>>,
    changes: Option<Arc<ReviewChanges>>,
    fingerprint: Arc<std::sync::Mutex<Option<(u64, Fingerprint)>>>,
    gates: Arc<Vec<Arc<dyn crate::quality::QualityGate>>>,
    on_edit: Option<Arc<dyn crate::learn::cipher::EditObserver>>,
    best_time: Option<Arc<dyn slots::BestTimePicker>>,
}

/// Count and latest change of everything in review.
type Fingerprint = (u64, Option<DateTime<Utc>>);

impl ReviewService {
    /// Review over `store`, with `timezone` the audience's default zone and `platforms` the ones
    /// that have a publisher (approving for any other is `InvalidInput`).
    pub fn new(
        store: Arc<dyn ReviewStore>,
        clock: Arc<dyn Clock>,
        timezone: impl Into<String>,
        platforms: BTreeSet<Platform>,
    ) -> Result<Self> {
        let timezone = timezone.into();
        validate_timezone(&timezone)?;
        Ok(Self {
            store,
            clock,
            timezone,
            platforms: Arc::new(platforms),
            changes: None,
            fingerprint: Arc::default(),
            gates: Arc::default(),
            on_edit: None,
            best_time: None,
        })
    }

    /// Re-runs `gates` on every content change and stores their new verdicts with the edited
    /// version (verdicts of other gates — a remote detector, the ICP score — are kept). Give it
    /// local gates only: they run inside the edit request, in milliseconds.
    pub fn with_gates(mut self, gates: Vec<Arc<dyn crate::quality::QualityGate>>) -> Self {
        self.gates = Arc::new(gates);
        self
    }

    /// The verdicts of `item` after its content became `title`/`content`: the re-run gates'
    /// verdicts replace theirs; the others are kept. `None` without gates.
    async fn recheck(&self, item: &ContentItem, title: Option<&str>, content: &str) -> Result<Option<crate::domain::QualityMetrics>> {
        if self.gates.is_empty() {
            return Ok(None);
        }
        let draft = crate::quality::DraftUnderReview {
            content_type: item.content_type,
            title: title.map(str::to_owned),
            content: content.to_owned(),
        };
        let mut verdicts = Vec::with_capacity(self.gates.len());
        for g in self.gates.iter() {
            verdicts.push(g.check(&draft).await?);
        }
        let rerun: BTreeSet<&str> = verdicts.iter().map(|v| v.gate.as_str()).collect();
        let kept: Vec<_> = item.quality.verdicts.iter().filter(|v| !rerun.contains(v.gate.as_str())).cloned().collect();
        let all: Vec<_> = verdicts.iter().cloned().chain(kept).collect();
        Ok(Some(crate::quality::rewrite::metrics_of(&all)))
    }

    /// Tells `observer` about every stored change of an item's text (learning preferences from
    /// edits). It runs after the edit is stored and must be quick (enqueue, don't infer); its
    /// failure is logged and never fails the edit.
    pub fn with_edit_observer(mut self, observer: Arc<dyn crate::learn::cipher::EditObserver>) -> Self {
        self.on_edit = Some(observer);
        self
    }

    /// Lets `picker` choose the time of a smart-distributed approval from the best-time model
    /// once it has enough data (see [`slots::BestTimePicker`]); below its minimum, and without a
    /// picker, the planner's rules choose.
    pub fn with_best_time(mut self, picker: Arc<dyn slots::BestTimePicker>) -> Self {
        self.best_time = Some(picker);
        self
    }

    /// Answers [`ReviewService::pending_fingerprint`] from memory while `changes` is live and has
    /// not moved (see [`ReviewChanges`]).
    pub fn with_changes(mut self, changes: Arc<ReviewChanges>) -> Self {
        self.changes = Some(changes);
        self
    }

    /// After this service's own writes to review (whether or not they succeeded): the next
    /// fingerprint is read from the database, so whoever wrote never gets an answer from before
    /// their write, even before the change feed reports it.
    fn changed(&self) {
        if let Some(changes) = &self.changes {
            changes.bump();
        }
    }

    /// The change counter, if a feed keeps one.
    pub fn changes(&self) -> Option<&Arc<ReviewChanges>> {
        self.changes.as_ref()
    }

    /// The audience's default zone.
    pub fn timezone(&self) -> &str {
        &self.timezone
    }

    /// The platforms items can be approved for.
    pub fn platforms(&self) -> &BTreeSet<Platform> {
        &self.platforms
    }

    /// Checks that something can be published to `platform`.
    pub fn check_platform(&self, platform: Platform) -> Result<()> {
        if self.platforms.contains(&platform) {
            return Ok(());
        }
        let known: Vec<&str> = self.platforms.iter().map(Platform::as_str).collect();
        Err(Error::invalid_field("platform", format!("no publisher is registered for `{platform}` (registered: {})", known.join(", "))))
    }

    /// One page of bundles in review (`limit` bundles, default 10, at most 50), each with its
    /// source's type and title.
    pub async fn pending(&self, limit: u32, offset: u32) -> Result<PendingPage> {
        let mut page = self.store.list_pending_bundles(page_limit(limit, 10, 50), offset).await?;
        for b in &mut page.bundles {
            // A store that does not join the source (the in-memory one) leaves its fields to us.
            if let (Some(id), None) = (b.source_id, b.source_type) {
                let s = self.store.get_source(id).await?;
                b.source_type = Some(s.source_type);
                b.source_title = s.title;
            }
        }
        Ok(page)
    }

    /// A cheap fingerprint of everything in review (count, latest change): it changes with any
    /// edit and any item entering or leaving review.
    pub async fn pending_fingerprint(&self) -> Result<(u64, Option<DateTime<Utc>>)> {
        let Some(changes) = &self.changes else { return self.store.pending_fingerprint().await };
        let Some(before) = changes.generation() else { return self.store.pending_fingerprint().await };
        if let Ok(cached) = self.fingerprint.lock()
            && let Some((generation, fp)) = *cached
            && generation == before
        {
            return Ok(fp);
        }
        let fp = self.store.pending_fingerprint().await?;
        // Kept only if nothing changed while the database answered: a change notified during the
        // query may or may not be in `fp`.
        if changes.generation() == Some(before)
            && let Ok(mut cached) = self.fingerprint.lock()
        {
            *cached = Some((before, fp));
        }
        Ok(fp)
    }

    /// One item.
    pub async fn item(&self, id: ContentId) -> Result<ContentItem> {
        self.store.get_content(id).await
    }

    /// Every version of an item, oldest first.
    pub async fn versions(&self, id: ContentId) -> Result<Vec<ContentVersion>> {
        self.store.get_content(id).await?;
        self.store.list_versions(id).await
    }

    /// Every recorded edit span of an item, oldest first.
    pub async fn edits(&self, id: ContentId) -> Result<Vec<ContentEdit>> {
        self.store.get_content(id).await?;
        self.store.list_edits(id).await
    }

    /// Applies an edit as a new version, if the item is still at the version the editor started
    /// from (else `Conflict`: someone else edited it).
    pub async fn edit(&self, id: ContentId, req: EditRequest) -> Result<ContentItem> {
        if req.content.is_none() && req.title.is_none() {
            return Err(Error::invalid_field("content", "send `content`, `title` or both"));
        }
        if let Some(c) = &req.content {
            if c.trim().is_empty() {
                return Err(Error::invalid_field("content", "the content cannot be empty"));
            }
            if c.len() > MAX_CONTENT_BYTES {
                return Err(Error::invalid_field("content", format!("at most {MAX_CONTENT_BYTES} bytes")));
            }
        }
        if req.title.as_deref().is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS) {
            return Err(Error::invalid_field("title", format!("at most {MAX_TITLE_CHARS} characters")));
        }
        let current = self.store.get_content(id).await?;
        let expected = req.expected_version.unwrap_or(current.version);
        if expected != current.version {
            return Err(Error::conflict(format!(
                "content {id} is at version {}, not {expected}: someone else edited it; reload and apply your change again",
                current.version
            )));
        }
        let new_content = req.content.clone().unwrap_or_else(|| current.content.clone());
        let new_title = req.title.clone().or_else(|| current.title.clone());
        let spans = edits::diff_edit(current.title.as_deref(), new_title.as_deref(), &current.content, &new_content);
        // Checked before anything is written: a gate that cannot run fails the edit cleanly.
        let quality = self.recheck(&current, new_title.as_deref(), &new_content).await?;
        // Editing an approved or scheduled item sends it back to review first (its pending
        // schedules cancelled in the same transaction): a changed post is approved again.
        if matches!(current.status, ContentStatus::Approved | ContentStatus::Scheduled) {
            self.return_to_review(id, req.editor).await?;
        }
        let update =
            ContentUpdate { expected_version: expected, title: req.title, content: req.content, edited_by: req.editor, edits: spans };
        let updated = self.store.update_content(id, update).await;
        self.changed();
        let mut item = updated?;
        if let Some(q) = quality {
            item = self.store.set_quality(id, q).await?;
            self.changed();
        }
        if let Some(observer) = &self.on_edit
            && let Err(e) = observer.edited(&current, &item).await
        {
            tracing::warn!(content_id = %id, error = %e, "the edit observer failed; the edit is kept");
        }
        tracing::info!(content_id = %id, version = item.version, by = ?req.editor, "content edited");
        crate::telemetry::count_change("edit", 1);
        Ok(item)
    }

    /// "Back to review": an approved or scheduled item returns to `in_review` and its pending
    /// schedules are cancelled, in one transaction. A schedule being published (`claimed`) or
    /// whose outcome is `unknown` is a `Conflict`: wait for it, or resolve it, first.
    pub async fn return_to_review(&self, id: ContentId, by: Option<UserId>) -> Result<(ContentItem, Vec<Schedule>)> {
        let returned = self.store.return_to_review(id).await;
        self.changed();
        let (item, cancelled) = returned?;
        tracing::info!(content_id = %id, by = ?by, cancelled = cancelled.len(), "back to review");
        crate::telemetry::count_change("unapprove", 1);
        Ok((item, cancelled))
    }

    /// The best-time model's pick for `platform` after `after`, away from active schedules and
    /// `also_avoid`, when a picker is configured and has enough data.
    async fn best_pick(
        &self,
        platform: Platform,
        after: DateTime<Utc>,
        also_avoid: &[DateTime<Utc>],
    ) -> Result<Option<crate::learn::Recommendation>> {
        let Some(picker) = &self.best_time else { return Ok(None) };
        let mut avoid = slots::taken_times(self.store.as_ref(), platform, self.clock.now()).await?;
        avoid.extend_from_slice(also_avoid);
        picker.pick(platform, after, &avoid).await
    }

    /// Smart distribution by the best-time model: each item, in story order, gets the pick after
    /// the previous piece of its source (so an episode's story keeps its order), away from active
    /// schedules and the picks before it. `None` when any platform is below the picker's minimum:
    /// the planner's rules then spread the whole batch.
    async fn best_plan(
        &self,
        items: &[ContentItem],
        start_date: Option<NaiveDate>,
        tz: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<(DateTime<Utc>, crate::learn::Recommendation)>>> {
        if self.best_time.is_none() {
            return Ok(None);
        }
        let zone = slots::zone(tz)?;
        let start = match start_date {
            Some(d) => crate::schedule::resolve_local(zone, d.and_time(chrono::NaiveTime::MIN)).max(now),
            None => now,
        };
        let mut picked: Vec<Option<(DateTime<Utc>, crate::learn::Recommendation)>> = vec![None; items.len()];
        let mut chosen: Vec<DateTime<Utc>> = Vec::new();
        let mut last_of_source: std::collections::HashMap<Option<crate::domain::SourceId>, DateTime<Utc>> = Default::default();
        for i in slots::story_order(items) {
            let item = &items[i];
            let after = last_of_source.get(&item.source_id).copied().unwrap_or(start).max(start);
            let Some(r) = self.best_pick(item.platform(), after, &chosen).await? else { return Ok(None) };
            chosen.push(r.best_publish_time);
            last_of_source.insert(item.source_id, r.best_publish_time);
            picked[i] = Some((r.best_publish_time, r));
        }
        Ok(picked.into_iter().collect())
    }

    /// Checks that `item` can be approved for `at` in `timezone`; writes nothing.
    fn check_approvable(&self, item: &ContentItem, at: DateTime<Utc>, timezone: &str, now: DateTime<Utc>) -> Result<()> {
        if item.status != ContentStatus::InReview && item.status != ContentStatus::Approved {
            return Err(Error::conflict(format!("content {} is {}; only an item in review can be approved", item.id, item.status)));
        }
        if at < now - Duration::seconds(PAST_TOLERANCE_SECS) {
            return Err(Error::invalid_field("schedule_time", format!("{at} is in the past")));
        }
        validate_timezone(timezone)
    }

    /// Approves an item and schedules it (see the module docs).
    pub async fn approve(&self, id: ContentId, req: ApproveRequest) -> Result<Approval> {
        let tz = req.timezone.clone().unwrap_or_else(|| self.timezone.clone());
        validate_timezone(&tz)?;
        let now = self.clock.now();
        let item = self.store.get_content(id).await?;
        let platform = req.platform.unwrap_or_else(|| item.platform());
        self.check_platform(platform)?;
        let (at, pick) = match req.at {
            Some(t) => (t, None),
            None => match self.best_pick(platform, now, &[]).await? {
                Some(r) => (r.best_publish_time, Some(r)),
                None => (slots::next_slot(self.store.as_ref(), platform, &tz, now).await?, None),
            },
        };
        let mut approval = self.approve_item(item, platform, at, &tz, now).await?;
        if let (Some(r), Some(picker)) = (&pick, &self.best_time) {
            approval.item = picker.chosen(id, r).await?;
        }
        tracing::info!(content_id = %id, schedule_id = %approval.schedule.id, at = %at, by = ?req.by, "approved and scheduled");
        crate::telemetry::count_change("approve", 1);
        Ok(approval)
    }

    /// Approves `item` for `platform` at `at` (checked first).
    pub(crate) async fn approve_item(
        &self,
        item: ContentItem,
        platform: Platform,
        at: DateTime<Utc>,
        tz: &str,
        now: DateTime<Utc>,
    ) -> Result<Approval> {
        self.check_approvable(&item, at, tz, now)?;
        let write = ApprovalWrite { content_item_id: item.id, platform, scheduled_time: at, timezone: tz.to_owned() };
        let written = self.store.approve_and_schedule(std::slice::from_ref(&write)).await;
        self.changed();
        let mut written = written?;
        let (item, schedule) = written.pop().ok_or_else(|| Error::internal_msg("the store approved nothing"))?;
        Ok(Approval { item, schedule })
    }

    /// Rejects an item in review, keeping `reason` (the writer learns from it).
    pub async fn reject(&self, id: ContentId, reason: &str, by: Option<UserId>) -> Result<ContentItem> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::invalid_field("reason", "say why, so the writer can learn from it"));
        }
        let change = ContentTransition { rejection_reason: Some(reason.to_owned()), ..ContentTransition::to(ContentStatus::Rejected) };
        let rejected = self.store.transition_content(id, change).await;
        self.changed();
        let item = rejected?;
        tracing::info!(content_id = %id, by = ?by, "rejected");
        crate::telemetry::count_change("reject", 1);
        Ok(item)
    }

    /// Approves several items, each on its type's platform; every item and time is checked before
    /// anything is written, so one bad item writes nothing.
    pub async fn bulk_approve(&self, req: BulkApprove) -> Result<Vec<Approval>> {
        if req.ids.is_empty() || req.ids.len() > MAX_BULK {
            return Err(Error::invalid_field("content_ids", format!("between 1 and {MAX_BULK} ids")));
        }
        for (i, id) in req.ids.iter().enumerate() {
            if req.ids[..i].contains(id) {
                return Err(Error::invalid_field("content_ids", format!("{id} is listed twice")));
            }
        }
        let tz = req.timezone.clone().unwrap_or_else(|| self.timezone.clone());
        validate_timezone(&tz)?;
        let now = self.clock.now();
        let mut items = Vec::with_capacity(req.ids.len());
        for id in &req.ids {
            let item = self.store.get_content(*id).await?;
            self.check_platform(item.platform())?;
            items.push(item);
        }
        let mut picks = None;
        let times = match &req.distribution {
            Distribution::Manual { times } => {
                if times.len() != items.len() {
                    return Err(Error::invalid_field("schedule_config.times", format!("{} times for {} ids", times.len(), items.len())));
                }
                times.clone()
            }
            Distribution::Smart { start_date } => match self.best_plan(&items, *start_date, &tz, now).await? {
                Some(plan) => {
                    let times = plan.iter().map(|(at, _)| *at).collect();
                    picks = Some(plan);
                    times
                }
                None => slots::plan(self.store.as_ref(), &items, *start_date, &tz, now).await?,
            },
        };
        for (item, at) in items.iter().zip(&times) {
            self.check_approvable(item, *at, &tz, now)?;
        }
        let writes: Vec<ApprovalWrite> = items
            .iter()
            .zip(times)
            .map(|(item, at)| ApprovalWrite {
                content_item_id: item.id,
                platform: item.platform(),
                scheduled_time: at,
                timezone: tz.clone(),
            })
            .collect();
        let written = self.store.approve_and_schedule(&writes).await;
        self.changed();
        let mut out: Vec<Approval> = written?.into_iter().map(|(item, schedule)| Approval { item, schedule }).collect();
        if let (Some(plan), Some(picker)) = (picks, &self.best_time) {
            for (approval, (_, r)) in out.iter_mut().zip(plan) {
                approval.item = picker.chosen(approval.item.id, &r).await?;
            }
        }
        tracing::info!(approved = out.len(), by = ?req.by, "bulk approved");
        crate::telemetry::count_change("approve", out.len() as u64);
        Ok(out)
    }
}
