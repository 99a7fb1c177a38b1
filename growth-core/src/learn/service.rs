//! [`LearningService`]: the learning use-cases over a store — mining reviewers' edits into rules
//! and their review (approve, retire, edit, roll back), ICP profiles and objections from calls —
//! and [`RuleSource`], how generation reads the rules in force.
//!
//! # Mining
//!
//! [`LearningService::run_mining`] reads the `content_edits` recorded in the last
//! [`LearningConfig::lookback_days`] (every item), rebuilds each reviewer save from the item's
//! kept versions ([`EditEvent::from_history`]), mines them ([`mine_rules`]) and merges the
//! candidates into the stored rules ([`RuleBook::propose`]): it answers with the rules it proposed.
//! The weekly `learn.mine` job runs it ([`MineRulesHandler`]).
//!
//! # Review
//!
//! Every change loads every stored version into a [`RuleBook`], applies one transition and writes
//! back only the versions it changed, each with a compare-and-set on the status it had
//! ([`LearningStore::write_rules`]): two admins acting at once get a `Conflict`, never two active
//! versions of one rule.
//!
//! # Calls
//!
//! [`LearningService::extract_icp`] reads a source's transcript with its [`IcpExtractor`] — the
//! offline one ([`icp::extract`]) by default, a language model when configured
//! ([`LearningService::with_icp_extractor`]) — every item with a verbatim quote and its speaker,
//! items whose quote is not in the transcript dropped, stores the profile through the [`KnowledgeService`] (so it is indexed
//! in the ICP namespace and feeds the ICP score) and records each objection deduplicated by
//! similarity ([`as_mention_of`]): a mention of a known objection bumps its frequency. The daily
//! `learn.icp` job runs it over the call sources completed in the last day
//! ([`IcpUpdateHandler`]).
//!
//! # Best time
//!
//! [`LearningService::best_time`] fits the empirical-Bayes model of [`super::best_time`] to the
//! outcomes an [`OutcomeSource`] gives (by default [`PublishedOutcomes`]: published schedules and
//! their analytics rows; a daily-snapshot table can replace it) and picks the next slot by Thompson
//! sampling. [`LearningService::fill_best_times`] writes the pick into `best_publish_time` and
//! `predicted_engagement` of the items awaiting review; the daily `learn.best_time` job runs it
//! ([`BestTimeHandler`]). As a [`BestTimePicker`](crate::review::slots::BestTimePicker) it drives
//! smart distribution: once a platform has [`LearningConfig::smart_min_posts`] measured posts, an
//! approval without a time lands in the Thompson pick (away from slots already taken) and the item
//! carries its `best_publish_time` and `predicted_engagement`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::apply::ActiveRules;
use super::best_time::{BestTimeConfig, BestTimeModel, PostOutcome, Recommendation, Slot, Snapshot};
use super::edits::EditEvent;
use super::icp::{self, ExtractedProfile, IcpConfig, IcpExtractor};
use super::mine::{MiningConfig, mine_rules};
use super::objections::{DEFAULT_JACCARD, as_mention_of};
use super::rules::{Rule, RuleBook, RuleChange, RuleId, RuleKind, RuleStatus};
use crate::clock::Clock;
use crate::domain::JobKind;
use crate::domain::{
    ContentFilter, ContentId, ContentSource, ContentStatus, ContentType, IcpProfile, IcpSource, NewObjection, Objection, Platform,
    ScheduleStatus, SourceId, SourceStatus, SourceType, TranscriptSource,
};
use crate::jobs::{JobContext, JobHandler};
use crate::knowledge::KnowledgeService;
use crate::schedule::{SchedulePolicy, WeightCurve};
use crate::store::{AnalyticsStore, ContentStore, KnowledgeStore, LearningStore, RuleWrite, ScheduleFilter, ScheduleStore, SourceStore};
use crate::{Error, Result};

/// Where generation reads the rules in force from: the store through a [`LearningService`], or a
/// fixed set ([`ActiveRules`]).
#[async_trait]
pub trait RuleSource: Send + Sync + Debug + 'static {
    /// The active rules (every type).
    async fn active_rules(&self) -> Result<Vec<Rule>>;
}

#[async_trait]
impl RuleSource for ActiveRules {
    async fn active_rules(&self) -> Result<Vec<Rule>> {
        Ok(self.snapshot().into_iter().filter(Rule::is_active).collect())
    }
}

fn _assert_dyn(_: &dyn RuleSource, _: &dyn LearningStores) {}

/// The repositories learning reads and writes.
pub trait LearningStores: LearningStore + ContentStore + SourceStore + KnowledgeStore + ScheduleStore + AnalyticsStore {}
impl<T: LearningStore + ContentStore + SourceStore + KnowledgeStore + ScheduleStore + AnalyticsStore + ?Sized> LearningStores for T {}

/// Where the best-time model reads how past posts did: each post's impressions and engagements
/// at a fixed age. [`PublishedOutcomes`] reads published schedules and their analytics rows; a
/// table of daily analytics snapshots can implement it instead.
#[async_trait]
pub trait OutcomeSource: Send + Sync + Debug + 'static {
    /// Every measured post of `platform` at `age` after publication.
    async fn outcomes(&self, platform: Platform, age: chrono::Duration) -> Result<Vec<PostOutcome>>;
}

/// Outcomes from published schedules and each post's analytics row, read as one snapshot taken
/// at its `last_updated` (so a post counts once its row was last refreshed at least `age` after
/// publication). Engagements are likes + comments + shares + clicks.
#[derive(Clone, Debug)]
pub struct PublishedOutcomes {
    store: Arc<dyn LearningStores>,
}

impl PublishedOutcomes {
    /// Outcomes from `store`.
    pub fn new(store: Arc<dyn LearningStores>) -> Self {
        Self { store }
    }
}

#[async_trait]
impl OutcomeSource for PublishedOutcomes {
    async fn outcomes(&self, platform: Platform, age: chrono::Duration) -> Result<Vec<PostOutcome>> {
        let mut out = Vec::new();
        let mut filter = ScheduleFilter { statuses: vec![ScheduleStatus::Published], limit: 1_000, ..ScheduleFilter::default() };
        loop {
            let page = self.store.list_schedules(&filter).await?;
            for s in page.iter().filter(|s| s.platform == platform) {
                let a = match self.store.get_analytics(s.content_item_id, s.platform).await {
                    Ok(a) => a,
                    Err(Error::NotFound { .. }) => continue,
                    Err(e) => return Err(e),
                };
                let e = &a.engagement;
                let snapshot = Snapshot {
                    taken_at: a.last_updated,
                    impressions: u64::try_from(e.impressions).unwrap_or(0),
                    engagements: u64::try_from(e.likes + e.comments + e.shares + e.clicks).unwrap_or(0),
                };
                out.extend(PostOutcome::at_fixed_age(platform, s.published_at.unwrap_or(s.scheduled_time), &[snapshot], age));
            }
            match page.last() {
                Some(last) if page.len() == 1_000 => filter.from = Some(last.scheduled_time + chrono::Duration::microseconds(1)),
                _ => break,
            }
        }
        Ok(out)
    }
}

/// Settings of the learning use-cases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearningConfig {
    /// Mining thresholds (a pattern needs `min_support` saves, 3 by default).
    pub mining: MiningConfig,
    /// Mining reads the edits of the last this many days (default 90).
    pub lookback_days: u32,
    /// At most this many edit spans are read per run (default 200,000).
    pub max_edits: u32,
    /// The ICP extractor's settings (host speakers, items kept).
    pub icp: IcpConfig,
    /// Jaccard similarity at which an objection is a mention of a known one (default 0.5).
    pub objection_similarity: f64,
    /// When the `learn.mine` job runs (cron, UTC; default weekly, `0 3 * * MON`); `None`: never.
    pub mine_cron: Option<String>,
    /// When the `learn.icp` job runs (cron, UTC; default daily, `0 4 * * *`); `None`: never.
    pub icp_cron: Option<String>,
    /// When the `learn.best_time` job fills the best time of items in review (cron, UTC; default
    /// daily, `30 4 * * *`); `None`: never.
    pub best_time_cron: Option<String>,
    /// The best-time model (the audience's zone, the fixed age, priors).
    pub best_time: BestTimeConfig,
    /// Measured posts a platform needs before smart distribution takes its times from the
    /// best-time model instead of the planner's rules (default 20).
    pub smart_min_posts: u32,
}

impl Default for LearningConfig {
    fn default() -> Self {
        Self {
            mining: MiningConfig::default(),
            lookback_days: 90,
            max_edits: 200_000,
            icp: IcpConfig::default(),
            objection_similarity: DEFAULT_JACCARD,
            mine_cron: Some("0 3 * * MON".to_owned()),
            icp_cron: Some("0 4 * * *".to_owned()),
            best_time_cron: Some("30 4 * * *".to_owned()),
            best_time: BestTimeConfig::default(),
            smart_min_posts: 20,
        }
    }
}

impl LearningConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        self.mining.validate()?;
        if self.lookback_days == 0 {
            return Err(Error::invalid_field("lookback_days", "must be at least 1"));
        }
        if self.max_edits == 0 {
            return Err(Error::invalid_field("max_edits", "must be at least 1"));
        }
        if self.icp.max_items == 0 {
            return Err(Error::invalid_field("icp.max_items", "must be at least 1"));
        }
        if !(self.objection_similarity > 0.0 && self.objection_similarity <= 1.0) {
            return Err(Error::invalid_field("objection_similarity", "must be within (0, 1]"));
        }
        self.best_time.validate()?;
        self.cron_entries()?;
        Ok(())
    }

    /// The recurring jobs: weekly mining and the daily ICP update (those not switched off).
    pub fn cron_entries(&self) -> Result<Vec<crate::jobs::CronEntry>> {
        let mut out = Vec::new();
        for (name, expr, kind) in [
            ("learn-mine", &self.mine_cron, MINE_RULES_JOB),
            ("learn-icp", &self.icp_cron, ICP_UPDATE_JOB),
            ("learn-best-time", &self.best_time_cron, BEST_TIME_JOB),
        ] {
            if let Some(expr) = expr {
                out.push(crate::jobs::CronEntry::new(name, expr, JobKind::new(kind)?, serde_json::json!({}))?);
            }
        }
        Ok(out)
    }
}

/// What a mining run did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MiningRun {
    /// Edit spans read.
    pub edits_read: usize,
    /// Reviewer saves rebuilt from them.
    pub saves: usize,
    /// The rule versions this run proposed (new lineages and new values of existing ones).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub proposed: Vec<Rule>,
}

/// Which rule versions a listing returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleFilter {
    /// Only versions in this status.
    pub status: Option<RuleStatus>,
    /// Only versions for this type (or for every type).
    pub content_type: Option<ContentType>,
}

/// A change to a rule: a new value, or a new content type (`Some(None)`: every type).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleEdit {
    /// What the rule says now (the current value when `None`).
    pub kind: Option<RuleKind>,
    /// Its type (unchanged when `None`).
    pub content_type: Option<Option<ContentType>>,
}

/// An ICP extraction: the stored profile, what was extracted (every item with its quote and
/// speaker), and the objections as recorded (deduplicated).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IcpExtraction {
    /// The profile as stored (and indexed).
    pub profile: IcpProfile,
    /// The extraction, with quotes and speakers.
    pub extracted: ExtractedProfile,
    /// The objections of the call as stored: a new row, or a known one whose frequency went up.
    pub objections: Vec<Objection>,
}

/// The learning use-cases (see the [module docs](self)). Cheap to clone.
#[derive(Clone, Debug)]
pub struct LearningService {
    store: Arc<dyn LearningStores>,
    knowledge: KnowledgeService,
    clock: Arc<dyn Clock>,
    config: Arc<LearningConfig>,
    outcomes: Arc<dyn OutcomeSource>,
    icp_extractor: Arc<dyn IcpExtractor>,
    /// Seeds the Thompson draws of smart distribution (`None`: fresh randomness).
    seed: Option<u64>,
    /// Serializes this process's rule changes (the store's compare-and-set covers other processes).
    writes: Arc<tokio::sync::Mutex<()>>,
}

/// The versions of `after` that differ from `before`, as writes.
fn diff(before: &[Rule], after: &[Rule]) -> Vec<RuleWrite> {
    let old: HashMap<(RuleId, u32), &Rule> = before.iter().map(|r| ((r.id, r.version), r)).collect();
    after
        .iter()
        .filter_map(|r| match old.get(&(r.id, r.version)) {
            None => Some(RuleWrite { rule: r.clone(), expected: None }),
            Some(o) if *o != r => Some(RuleWrite { rule: r.clone(), expected: Some(o.status) }),
            Some(_) => None,
        })
        .collect()
}

impl LearningService {
    /// The use-cases over `store`; profiles are stored (and indexed) through `knowledge`.
    pub fn new(store: Arc<dyn LearningStores>, knowledge: KnowledgeService, clock: Arc<dyn Clock>, config: LearningConfig) -> Result<Self> {
        config.validate()?;
        let outcomes = Arc::new(PublishedOutcomes::new(store.clone()));
        Ok(Self {
            store,
            knowledge,
            clock,
            config: Arc::new(config),
            outcomes,
            icp_extractor: Arc::new(icp::OfflineIcpExtractor),
            seed: None,
            writes: Arc::default(),
        })
    }

    /// Reads calls with `extractor` (default: the offline one; a language model when configured).
    pub fn with_icp_extractor(mut self, extractor: Arc<dyn IcpExtractor>) -> Self {
        self.icp_extractor = extractor;
        self
    }

    /// Seeds the Thompson draws of smart distribution, so the same data and seed give the same
    /// picks (default: fresh randomness).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Reads post outcomes for the best-time model from `outcomes` (default: [`PublishedOutcomes`]).
    pub fn with_outcomes(mut self, outcomes: Arc<dyn OutcomeSource>) -> Self {
        self.outcomes = outcomes;
        self
    }

    /// The best-time model fitted to the outcomes of `platform`, with the default scheduling
    /// policy's windows as its benchmark prior.
    async fn best_time_model(&self, platform: Platform) -> Result<(BestTimeModel, Vec<Slot>)> {
        let config = self.config.best_time.clone();
        let outcomes = self.outcomes.outcomes(platform, config.fixed_age()).await?;
        let policy = SchedulePolicy::default();
        let benchmarks: BTreeMap<Platform, WeightCurve> =
            policy.per_platform.iter().filter(|(p, _)| **p == platform).map(|(p, rules)| (*p, rules.curve.clone())).collect();
        let candidates = benchmarks.get(&platform).map(Slot::open_in).filter(|c| !c.is_empty()).unwrap_or_else(|| Slot::all().collect());
        Ok((BestTimeModel::fit(config, &outcomes, &benchmarks)?, candidates))
    }

    /// The next slot for a post on `platform` after now (Thompson sampling over the fitted model:
    /// untried slots still get picked now and then), its start and predicted engagement.
    pub async fn best_time(&self, platform: Platform) -> Result<Recommendation> {
        let (model, candidates) = self.best_time_model(platform).await?;
        let mut rng = fastrand::Rng::new();
        model
            .recommend(platform, &candidates, self.clock.now(), &mut rng)
            .ok_or_else(|| Error::invalid_field("platform", format!("{platform} has no open publishing slot")))
    }

    /// Fills `best_publish_time` and `predicted_engagement` of every item in review that has none,
    /// one Thompson draw each (so a batch spreads over the good slots and tries untried ones);
    /// returns how many were filled.
    pub async fn fill_best_times(&self) -> Result<usize> {
        let filter =
            ContentFilter { statuses: vec![ContentStatus::InReview, ContentStatus::Generated], limit: 500, ..ContentFilter::default() };
        let mut models: BTreeMap<Platform, (BestTimeModel, Vec<Slot>)> = BTreeMap::new();
        let mut rng = fastrand::Rng::new();
        let mut filled = 0;
        let mut offset = 0;
        loop {
            let page = self.store.list_content(&ContentFilter { offset, ..filter.clone() }).await?;
            let n = page.len();
            for item in page.into_iter().filter(|i| i.best_publish_time.is_none()) {
                let platform = item.platform();
                if let std::collections::btree_map::Entry::Vacant(slot) = models.entry(platform) {
                    slot.insert(self.best_time_model(platform).await?);
                }
                let Some((model, candidates)) = models.get(&platform) else { continue };
                let Some(r) = model.recommend(platform, candidates, self.clock.now(), &mut rng) else { continue };
                let predicted = serde_json::to_value(r.predicted_engagement).map_err(|e| Error::internal("encoding a prediction", e))?;
                self.store.set_best_time(item.id, Some(r.best_publish_time), Some(predicted)).await?;
                filled += 1;
            }
            if n < 500 {
                break;
            }
            offset += 500;
        }
        Ok(filled)
    }

    /// The settings.
    pub fn config(&self) -> &LearningConfig {
        &self.config
    }

    /// Rule versions matching `filter`, lineage by lineage (newest lineage first), oldest version
    /// first within a lineage.
    pub async fn rules(&self, filter: &RuleFilter) -> Result<Vec<Rule>> {
        let mut all = self.store.list_rules().await?;
        let first_seen: HashMap<RuleId, DateTime<Utc>> = all.iter().filter(|r| r.version == 1).map(|r| (r.id, r.created_at)).collect();
        all.retain(|r| filter.status.is_none_or(|s| r.status == s) && filter.content_type.is_none_or(|t| r.applies_to(t)));
        all.sort_by(|a, b| {
            let (fa, fb) = (first_seen.get(&a.id), first_seen.get(&b.id));
            fb.cmp(&fa).then(b.id.cmp(&a.id)).then(a.version.cmp(&b.version))
        });
        Ok(all)
    }

    /// Every version of lineage `id`, oldest first.
    pub async fn rule_history(&self, id: RuleId) -> Result<Vec<Rule>> {
        let book = RuleBook::new(self.store.list_rules().await?);
        book.current(id)?;
        Ok(book.versions(id).into_iter().cloned().collect())
    }

    /// The active rules that apply to `content_type`.
    pub async fn active_rules_for(&self, content_type: ContentType) -> Result<Vec<Rule>> {
        Ok(RuleBook::new(self.store.list_rules().await?).active_for(content_type))
    }

    /// Loads every version, applies `change` to the book and writes back what changed.
    async fn change<T>(&self, change: impl FnOnce(&mut RuleBook, DateTime<Utc>) -> Result<T>) -> Result<T> {
        let _guard = self.writes.lock().await;
        let before = self.store.list_rules().await?;
        let mut book = RuleBook::new(before.clone());
        let out = change(&mut book, self.clock.now())?;
        let writes = diff(&before, book.all());
        if !writes.is_empty() {
            self.store.write_rules(writes).await?;
        }
        Ok(out)
    }

    /// Mines the edits of the lookback window now and answers with the rules it proposed.
    pub async fn run_mining(&self) -> Result<MiningRun> {
        let now = self.clock.now();
        let since = now - chrono::Duration::days(i64::from(self.config.lookback_days));
        let edits = self.store.list_edits_since(since, self.config.max_edits).await?;
        let mut by_item: BTreeMap<ContentId, Vec<crate::domain::ContentEdit>> = BTreeMap::new();
        for e in &edits {
            by_item.entry(e.content_item_id).or_default().push(e.clone());
        }
        let mut events = Vec::new();
        for (id, item_edits) in &by_item {
            let item = match self.store.get_content(*id).await {
                Ok(item) => item,
                Err(Error::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let versions = self.store.list_versions(*id).await?;
            let edited: std::collections::HashSet<i32> = item_edits.iter().map(|e| e.version).collect();
            events.extend(
                EditEvent::from_history(*id, item.content_type, &versions, item_edits)
                    .into_iter()
                    .filter(|ev| edited.contains(&ev.version)),
            );
        }
        let candidates = mine_rules(&events, &self.config.mining, now)?;
        let proposed = self
            .change(|book, now| Ok(book.propose(candidates, now).into_iter().filter(|r| r.status == RuleStatus::Proposed).collect()))
            .await?;
        Ok(MiningRun { edits_read: edits.len(), saves: events.len(), proposed })
    }

    /// Approves version `version` of `id` (the newest when `None`): `proposed → active`.
    pub async fn approve(&self, id: RuleId, version: Option<u32>) -> Result<RuleChange> {
        self.change(|book, now| book.approve(id, version, now)).await
    }

    /// Retires the active version of `id`, or rejects its open proposal.
    pub async fn retire(&self, id: RuleId) -> Result<RuleChange> {
        self.change(|book, now| book.retire(id, now)).await
    }

    /// Writes a new version of `id` with `edit` applied (active at once when the rule was).
    pub async fn edit(&self, id: RuleId, edit: RuleEdit) -> Result<RuleChange> {
        if edit.kind.is_none() && edit.content_type.is_none() {
            return Err(Error::invalid("nothing to change: give a new rule value or content type"));
        }
        self.change(|book, now| {
            let kind = match edit.kind {
                Some(k) => k,
                None => book.current(id)?.kind.clone(),
            };
            book.edit(id, kind, edit.content_type, now)
        })
        .await
    }

    /// Rolls `id` back to the version active before the current one.
    pub async fn rollback(&self, id: RuleId) -> Result<RuleChange> {
        self.change(|book, now| book.rollback(id, now)).await
    }

    /// Writes an active rule by hand (no provenance).
    pub async fn write_rule(&self, content_type: Option<ContentType>, kind: RuleKind) -> Result<Rule> {
        kind.validate()?;
        self.change(|book, now| {
            let written = book.propose(vec![Rule::proposed(content_type, kind.clone(), 0, 1.0, Vec::new(), now)], now);
            let id = match written.iter().find(|r| r.status == RuleStatus::Proposed) {
                Some(r) => r.id,
                None => {
                    return Err(Error::conflict("that rule exists already (in use, waiting for approval, or retired)".to_owned()));
                }
            };
            Ok(book.approve(id, None, now)?.rule)
        })
        .await
    }

    /// Extracts the ICP profile and objections of source `source_id`'s transcript now (see the
    /// [module docs](self)).
    pub async fn extract_icp(&self, source_id: SourceId) -> Result<IcpExtraction> {
        let source = self.store.get_source(source_id).await?;
        let text = source
            .transcript
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| Error::invalid_field("source_id", format!("source {source_id} has no transcript yet")))?;
        let parsed = crate::transcript::parse(text.as_bytes(), None)
            .map_err(|e| Error::invalid_field("source_id", format!("the transcript of source {source_id} cannot be read: {e}")))?;
        let extracted = self.icp_extractor.extract(&parsed.transcript, &self.config.icp).await?;
        let (profile, _) =
            self.knowledge.create_profile(extracted.to_new_profile(icp_source(&source), Some(source_id.to_string()))).await?;
        let objections = self.record_objections(extracted.new_objections()).await?;
        Ok(IcpExtraction { profile, extracted, objections })
    }

    /// Records objection mentions, each matched by similarity against the known ones first (a
    /// mention of a known objection bumps it). Returns the rows as stored, in order.
    pub async fn record_objections(&self, mentions: Vec<NewObjection>) -> Result<Vec<Objection>> {
        let mut known = self.store.list_objections().await?;
        let mut out = Vec::with_capacity(mentions.len());
        for m in mentions {
            if m.objection_text.trim().is_empty() {
                return Err(Error::invalid_field("objection_text", "must not be empty"));
            }
            let stored = self.store.record_objection(as_mention_of(&known, m, self.config.objection_similarity)).await?;
            match known.iter_mut().find(|o| o.id == stored.id) {
                Some(o) => *o = stored.clone(),
                None => known.push(stored.clone()),
            }
            out.push(stored);
        }
        Ok(out)
    }

    /// Every objection, most frequent first (then most recently mentioned).
    pub async fn objections(&self) -> Result<Vec<Objection>> {
        let mut all = self.store.list_objections().await?;
        all.sort_by(|a, b| b.frequency.cmp(&a.frequency).then(b.last_mentioned.cmp(&a.last_mentioned)).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    /// Every ICP profile, oldest first.
    pub async fn icp_profiles(&self) -> Result<Vec<IcpProfile>> {
        self.store.list_icp_profiles().await
    }

    /// Extracts profiles from the call sources completed since `since` that have none yet;
    /// returns how many were extracted. A call the extractor cannot read is skipped (logged).
    pub async fn update_icp_profiles(&self, since: DateTime<Utc>) -> Result<usize> {
        let done: std::collections::HashSet<String> =
            self.store.list_icp_profiles().await?.into_iter().filter_map(|p| p.source_id).collect();
        let mut extracted = 0;
        let mut offset = 0;
        'pages: loop {
            let page = self.store.list_sources(200, offset).await?;
            let n = page.len();
            for s in page {
                // Newest first: a week before the window, nothing more can have been processed in it.
                if s.created_at < since - chrono::Duration::days(7) {
                    break 'pages;
                }
                if s.processed_at.unwrap_or(s.created_at) < since {
                    continue;
                }
                if s.status != SourceStatus::Completed || !is_call(&s) || done.contains(&s.id.to_string()) {
                    continue;
                }
                match self.extract_icp(s.id).await {
                    Ok(_) => extracted += 1,
                    Err(e @ (Error::InvalidInput { .. } | Error::Permanent(_))) => {
                        tracing::info!(source = %s.id, error = %e, "call skipped by the ICP update")
                    }
                    Err(e) => return Err(e),
                }
            }
            if n < 200 {
                break;
            }
            offset += 200;
        }
        Ok(extracted)
    }
}

#[async_trait]
impl RuleSource for LearningService {
    async fn active_rules(&self) -> Result<Vec<Rule>> {
        Ok(self.store.list_rules().await?.into_iter().filter(Rule::is_active).collect())
    }
}

#[async_trait]
impl crate::review::slots::BestTimePicker for LearningService {
    async fn pick(&self, platform: Platform, after: DateTime<Utc>, avoid: &[DateTime<Utc>]) -> Result<Option<Recommendation>> {
        let config = self.config.best_time.clone();
        let outcomes = self.outcomes.outcomes(platform, config.fixed_age()).await?;
        if outcomes.len() < self.config.smart_min_posts as usize {
            return Ok(None);
        }
        let (model, candidates) = self.best_time_model(platform).await?;
        let tz = config.timezone;
        let span = chrono::Duration::hours(i64::from(super::best_time::SLOT_HOURS));
        // A slot whose next occurrence already holds a post is not offered again.
        let free: Vec<Slot> = candidates
            .into_iter()
            .filter(|slot| {
                let start = slot.next_start_after(tz, after);
                !avoid.iter().any(|t| *t >= start && *t < start + span)
            })
            .collect();
        let mut rng = match self.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        Ok(model.recommend(platform, &free, after, &mut rng))
    }

    async fn chosen(&self, item: ContentId, pick: &Recommendation) -> Result<crate::domain::ContentItem> {
        let predicted = serde_json::to_value(pick.predicted_engagement).map_err(|e| Error::internal("encoding a prediction", e))?;
        self.store.set_best_time(item, Some(pick.best_publish_time), Some(predicted)).await
    }
}

/// Whether a source is a call (sales call, or a recording from Grain or Google Meet).
fn is_call(s: &ContentSource) -> bool {
    s.source_type == SourceType::SalesCall || matches!(s.transcript_source, Some(TranscriptSource::Grain | TranscriptSource::Gemini))
}

fn icp_source(s: &ContentSource) -> IcpSource {
    match s.transcript_source {
        Some(TranscriptSource::Grain) => IcpSource::GrainCall,
        Some(TranscriptSource::Gemini) => IcpSource::GeminiCall,
        _ => IcpSource::Manual,
    }
}

/// The kind of the weekly mining job.
pub const MINE_RULES_JOB: &str = "learn.mine";
/// The kind of the daily ICP update job.
pub const ICP_UPDATE_JOB: &str = "learn.icp";
/// The kind of the daily best-time job.
pub const BEST_TIME_JOB: &str = "learn.best_time";

/// Runs [`LearningService::fill_best_times`] as the `learn.best_time` job.
#[derive(Clone, Debug)]
pub struct BestTimeHandler {
    learning: LearningService,
}

impl BestTimeHandler {
    /// The handler over `learning`.
    pub fn new(learning: LearningService) -> Self {
        Self { learning }
    }
}

#[async_trait]
impl JobHandler for BestTimeHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(BEST_TIME_JOB).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, _ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let n = self.learning.fill_best_times().await?;
        Ok(Some(serde_json::json!({ "items_filled": n })))
    }
}

/// Runs [`LearningService::run_mining`] as the `learn.mine` job.
#[derive(Clone, Debug)]
pub struct MineRulesHandler {
    learning: LearningService,
}

impl MineRulesHandler {
    /// The handler over `learning`.
    pub fn new(learning: LearningService) -> Self {
        Self { learning }
    }
}

#[async_trait]
impl JobHandler for MineRulesHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(MINE_RULES_JOB).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, _ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let run = self.learning.run_mining().await?;
        Ok(Some(serde_json::json!({
            "edits_read": run.edits_read,
            "saves": run.saves,
            "proposed": run.proposed.iter().map(|r| r.id.to_string()).collect::<Vec<_>>(),
        })))
    }
}

/// Runs [`LearningService::update_icp_profiles`] over the last two days as the `learn.icp` job
/// (two, so a firing that ran late misses nothing; a call with a profile is not read again).
#[derive(Clone, Debug)]
pub struct IcpUpdateHandler {
    learning: LearningService,
    clock: Arc<dyn Clock>,
}

impl IcpUpdateHandler {
    /// The handler over `learning`.
    pub fn new(learning: LearningService, clock: Arc<dyn Clock>) -> Self {
        Self { learning, clock }
    }
}

#[async_trait]
impl JobHandler for IcpUpdateHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(ICP_UPDATE_JOB).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, _ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let n = self.learning.update_icp_profiles(self.clock.now() - chrono::Duration::days(2)).await?;
        Ok(Some(serde_json::json!({ "profiles_extracted": n })))
    }
}
