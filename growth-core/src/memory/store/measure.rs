//! [`MeasureStore`] in memory.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::InMemoryStore;
use crate::domain::*;
use crate::measure::{
    DailyReach, Lead, LeadEvent, LeadEventId, LeadId, MetricsSnapshot, NewLeadEvent, NewSnapshot, PostMetrics, SummaryCounts, TopPerformer,
};
use crate::store::*;
use crate::{Error, Result};

#[derive(Debug, Default)]
pub(super) struct MeasureState {
    snapshots: Vec<MetricsSnapshot>,
    leads: Vec<Lead>,
    events: Vec<LeadEvent>,
    keys: HashMap<String, LeadEventId>,
    /// New leads per UTC day of their `first_seen_at`, kept with each lead write like the SQL
    /// backends' `lead_daily_counts`.
    lead_days: BTreeMap<NaiveDate, u64>,
    /// How many lead events each analytics row's lead counters were computed from.
    pub(super) lead_basis: HashMap<(ContentId, Platform), u64>,
    budget: HashMap<(NaiveDate, String), u64>,
}

/// The statuses of an item that passed review.
pub(crate) const PASSED_REVIEW: &[ContentStatus] =
    &[ContentStatus::Approved, ContentStatus::Scheduled, ContentStatus::Publishing, ContentStatus::Published];

/// Writes `n` (replacing its day's snapshot, deltas from the latest earlier day).
fn write_snapshot(m: &mut MeasureState, now: DateTime<Utc>, n: NewSnapshot) -> MetricsSnapshot {
    let (reach, engagements) = (n.reach(), n.engagements());
    let previous = m
        .snapshots
        .iter()
        .filter(|x| x.content_item_id == n.content_item_id && x.platform == n.platform && x.day < n.day)
        .max_by_key(|x| x.day)
        .map(|x| (x.reach, x.engagements))
        .unwrap_or((0, 0));
    let snap = MetricsSnapshot {
        content_item_id: n.content_item_id,
        platform: n.platform,
        day: n.day,
        metrics: n.metrics,
        reach,
        engagements,
        reach_delta: reach - previous.0,
        engagements_delta: engagements - previous.1,
        captured_at: now,
    };
    m.snapshots.retain(|x| !(x.content_item_id == n.content_item_id && x.platform == n.platform && x.day == n.day));
    m.snapshots.push(snap.clone());
    snap
}

#[async_trait]
impl MeasureStore for InMemoryStore {
    async fn record_snapshot(&self, n: NewSnapshot) -> Result<MetricsSnapshot> {
        let now = self.now();
        let mut s = self.lock();
        if !s.content.iter().any(|c| c.id == n.content_item_id) {
            return Err(Error::not_found(ContentId::ENTITY, n.content_item_id));
        }
        Ok(write_snapshot(&mut s.measure, now, n))
    }

    async fn add_to_snapshot(&self, item: ContentId, platform: Platform, day: NaiveDate, added: PostMetrics) -> Result<MetricsSnapshot> {
        let now = self.now();
        // One lock over the read, the add and both writes: adders go in turn.
        let mut s = self.lock();
        if !s.content.iter().any(|c| c.id == item) {
            return Err(Error::not_found(ContentId::ENTITY, item));
        }
        let before = s
            .measure
            .snapshots
            .iter()
            .filter(|x| x.content_item_id == item && x.platform == platform)
            .max_by_key(|x| x.day)
            .map(|x| x.metrics)
            .unwrap_or_default();
        let metrics = before.plus(&added);
        let snap = write_snapshot(&mut s.measure, now, NewSnapshot { content_item_id: item, platform, day, metrics });
        let engagement = metrics.to_engagement();
        match s.analytics.iter_mut().find(|a| a.content_item_id == item && a.platform == platform) {
            Some(a) => {
                a.engagement = engagement;
                a.last_updated = now;
            }
            None => s.analytics.push(Analytics {
                id: AnalyticsId::new(),
                content_item_id: item,
                platform,
                engagement,
                website_visits: 0,
                lead_signups: 0,
                demo_requests: 0,
                attributed_revenue_cents: 0,
                last_updated: now,
            }),
        }
        Ok(snap)
    }

    async fn list_snapshots(&self, content_item_id: ContentId) -> Result<Vec<MetricsSnapshot>> {
        let mut out: Vec<_> = self.lock().measure.snapshots.iter().filter(|x| x.content_item_id == content_item_id).cloned().collect();
        out.sort_by(|a, b| a.day.cmp(&b.day).then(a.platform.cmp(&b.platform)));
        Ok(out)
    }

    async fn daily_reach(&self, from: NaiveDate, until: NaiveDate) -> Result<Vec<DailyReach>> {
        let mut days: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
        for x in self.lock().measure.snapshots.iter().filter(|x| x.day >= from && x.day < until) {
            let e = days.entry(x.day).or_default();
            e.0 += x.reach_delta;
            e.1 += x.engagements_delta;
        }
        Ok(days.into_iter().map(|(day, (reach, engagements))| DailyReach { day, reach, engagements }).collect())
    }

    async fn record_lead_event(&self, n: NewLeadEvent) -> Result<Stored<(Lead, LeadEvent)>> {
        let now = self.now();
        let mut s = self.lock();
        if let Some(item) = n.content_item_id
            && !s.content.iter().any(|c| c.id == item)
        {
            return Err(Error::not_found(ContentId::ENTITY, item));
        }
        let m = &mut s.measure;
        if let Some(id) = m.keys.get(&n.idempotency_key) {
            let event = m.events.iter().find(|e| e.id == *id).cloned().ok_or_else(|| Error::not_found("lead event", id))?;
            let lead = m.leads.iter().find(|l| l.id == event.lead_id).cloned().ok_or_else(|| Error::not_found("lead", event.lead_id))?;
            return Ok(Stored { value: (lead, event), created: false });
        }
        let email = normalize_email(&n.email)?;
        let lead = match m.leads.iter_mut().find(|l| l.email == email) {
            Some(l) => {
                if n.occurred_at < l.first_seen_at {
                    let (old_day, new_day) = (l.first_seen_at.date_naive(), n.occurred_at.date_naive());
                    if let Some(c) = m.lead_days.get_mut(&old_day) {
                        *c = c.saturating_sub(1);
                    }
                    *m.lead_days.entry(new_day).or_default() += 1;
                    l.first_seen_at = n.occurred_at;
                }
                l.last_seen_at = l.last_seen_at.max(n.occurred_at);
                l.clone()
            }
            None => {
                *m.lead_days.entry(n.occurred_at.date_naive()).or_default() += 1;
                let l = Lead {
                    id: LeadId::new(),
                    email,
                    first_seen_at: n.occurred_at,
                    last_seen_at: n.occurred_at,
                    enrichment: None,
                    segment: None,
                    enriched_at: None,
                };
                m.leads.push(l.clone());
                l
            }
        };
        let event = LeadEvent {
            id: LeadEventId::new(),
            lead_id: lead.id,
            kind: n.kind,
            url: n.url,
            utm: n.utm,
            content_item_id: n.content_item_id,
            platform: n.platform,
            revenue_cents: n.revenue_cents,
            occurred_at: n.occurred_at,
            recorded_at: now,
        };
        m.keys.insert(n.idempotency_key, event.id);
        m.events.push(event.clone());
        Ok(Stored { value: (lead, event), created: true })
    }

    async fn get_lead(&self, id: LeadId) -> Result<Lead> {
        self.lock().measure.leads.iter().find(|l| l.id == id).cloned().ok_or_else(|| Error::not_found(LeadId::ENTITY, id))
    }

    async fn list_leads(&self, from: DateTime<Utc>, until: DateTime<Utc>, limit: u32, offset: u32) -> Result<Vec<Lead>> {
        let mut out: Vec<_> =
            self.lock().measure.leads.iter().filter(|l| l.last_seen_at >= from && l.last_seen_at < until).cloned().collect();
        out.sort_by(|a, b| b.last_seen_at.cmp(&a.last_seen_at).then(b.id.cmp(&a.id)));
        Ok(out.into_iter().skip(offset as usize).take(page_limit(limit, 100, 1000) as usize).collect())
    }

    async fn count_leads(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<u64> {
        Ok(self.lock().measure.leads.iter().filter(|l| l.last_seen_at >= from && l.last_seen_at < until).count() as u64)
    }

    async fn list_lead_events(&self, lead_ids: &[LeadId]) -> Result<Vec<LeadEvent>> {
        let mut out: Vec<_> = self.lock().measure.events.iter().filter(|e| lead_ids.contains(&e.lead_id)).cloned().collect();
        out.sort_by(|a, b| a.occurred_at.cmp(&b.occurred_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    async fn list_item_lead_events(&self, content_item_id: ContentId) -> Result<Vec<LeadEvent>> {
        // One lock: the leads and their events are read at one instant, like the SQL stores'
        // single statement (a recomputation's count of events then orders it among others).
        let s = self.lock();
        let leads: std::collections::BTreeSet<LeadId> =
            s.measure.events.iter().filter(|e| e.content_item_id == Some(content_item_id)).map(|e| e.lead_id).collect();
        let mut out: Vec<LeadEvent> = s.measure.events.iter().filter(|e| leads.contains(&e.lead_id)).cloned().collect();
        out.sort_by(|a, b| a.occurred_at.cmp(&b.occurred_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    async fn set_lead_enrichment(&self, id: LeadId, enrichment: serde_json::Value, segment: Option<String>) -> Result<Lead> {
        let now = self.now();
        let mut s = self.lock();
        let l = s.measure.leads.iter_mut().find(|l| l.id == id).ok_or_else(|| Error::not_found(LeadId::ENTITY, id))?;
        l.enrichment = Some(enrichment);
        if segment.is_some() {
            l.segment = segment;
        }
        l.enriched_at = Some(now);
        Ok(l.clone())
    }

    async fn summary_counts(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<SummaryCounts> {
        let s = self.lock();
        let within = |t: DateTime<Utc>| t >= from && t < until;
        let posts: Vec<&Schedule> =
            s.schedules.iter().filter(|x| x.status == ScheduleStatus::Published && x.published_at.is_some_and(within)).collect();
        let (day_from, day_until) = (from.date_naive(), until.date_naive());
        let snaps = s.measure.snapshots.iter().filter(|x| x.day >= day_from && x.day < day_until);
        let (total_reach, total_engagements) = snaps.fold((0, 0), |acc, x| (acc.0 + x.reach_delta, acc.1 + x.engagements_delta));
        // Items with a post in the window and an analytics row, by likes over their platforms.
        let mut likes: BTreeMap<ContentId, i64> = BTreeMap::new();
        for a in s.analytics.iter().filter(|a| posts.iter().any(|p| p.content_item_id == a.content_item_id)) {
            *likes.entry(a.content_item_id).or_default() += a.engagement.likes;
        }
        let top = likes.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).and_then(|(id, l)| {
            s.content.iter().find(|c| c.id == *id).map(|c| TopPerformer {
                content_id: c.id,
                title: c.title.clone(),
                likes: *l,
                url: c.published_url.clone(),
            })
        });
        let mut by_type: BTreeMap<ContentType, u64> = BTreeMap::new();
        let mut review_seconds = 0;
        for c in s.content.iter().filter(|c| PASSED_REVIEW.contains(&c.status) && within(c.updated_at)) {
            *by_type.entry(c.content_type).or_default() += 1;
            let times: Vec<DateTime<Utc>> = s.edits.iter().filter(|e| e.content_item_id == c.id).map(|e| e.created_at).collect();
            if let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) {
                review_seconds += (*last - *first).num_seconds();
            }
        }
        Ok(SummaryCounts {
            posts_published: posts.len() as u64,
            total_reach,
            total_engagements,
            new_leads: {
                // Whole days from the per-day counts, partial days from the leads.
                let split = crate::measure::DaySplit::of(from, until);
                let whole: u64 = s.measure.lead_days.range(split.first_day..split.end_day.max(split.first_day)).map(|(_, n)| n).sum();
                let edges = split.edges();
                whole
                    + s.measure.leads.iter().filter(|l| edges.iter().any(|(a, b)| l.first_seen_at >= *a && l.first_seen_at < *b)).count()
                        as u64
            },
            top_performer: top,
            approved_by_type: by_type.into_iter().collect(),
            review_seconds,
        })
    }

    async fn list_published(&self, since: DateTime<Utc>, until: DateTime<Utc>, limit: u32, offset: u32) -> Result<Vec<Schedule>> {
        let mut out: Vec<Schedule> = self
            .lock()
            .schedules
            .iter()
            .filter(|x| x.status == ScheduleStatus::Published && x.published_at.is_some_and(|t| t >= since && t < until))
            .cloned()
            .collect();
        out.sort_by(|a, b| a.published_at.cmp(&b.published_at).then(a.id.cmp(&b.id)));
        Ok(out.into_iter().skip(offset as usize).take(page_limit(limit, 500, 1000) as usize).collect())
    }
}

#[async_trait]
impl crate::measure::CallBudgetStore for InMemoryStore {
    async fn take_budget(&self, day: NaiveDate, counters: &[(String, u32)], calls: u32) -> Result<bool> {
        let mut state = self.lock();
        let budget = &mut state.measure.budget;
        let fits = counters
            .iter()
            .all(|(name, limit)| budget.get(&(day, name.clone())).copied().unwrap_or(0) + u64::from(calls) <= u64::from(*limit));
        if fits {
            for (name, _) in counters {
                *budget.entry((day, name.clone())).or_insert(0) += u64::from(calls);
            }
        }
        Ok(fits)
    }

    async fn budget_used(&self, day: NaiveDate, counter: &str) -> Result<u64> {
        Ok(self.lock().measure.budget.get(&(day, counter.to_owned())).copied().unwrap_or(0))
    }
}
