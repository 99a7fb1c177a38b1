//! What the measure stage stores beyond the PRD `analytics` row: daily snapshots of each post's
//! counters (metrics over time) and leads with every touch that brought them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::metrics::PostMetrics;
use super::utm::UtmParams;
use crate::domain::macros::{id_type, string_enum};
use crate::domain::{ContentId, Platform};

id_type!(
    /// Identifies a [`Lead`].
    LeadId, "lead"
);

id_type!(
    /// Identifies a [`LeadEvent`].
    LeadEventId, "lead event"
);

string_enum!(
    /// What a lead did.
    LeadKind, "lead event kind" {
        /// Visited the website (a touch).
        WebsiteVisit => "website_visit",
        /// Signed up (a lead).
        LeadSignup => "lead_signup",
        /// Asked for a demo.
        DemoRequest => "demo_request",
        /// Bought (carries revenue).
        Purchase => "purchase",
    }
);

/// One day's counters of one post on one platform (the latest read of that UTC day).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricsSnapshot {
    /// The item.
    pub content_item_id: ContentId,
    /// The platform.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub platform: Platform,
    /// The UTC day.
    pub day: NaiveDate,
    /// Every counter as read (`None` = not reported, which is not zero).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metrics: PostMetrics,
    /// Lifetime reach on that day ([`PostMetrics::to_engagement`] impressions).
    pub reach: i64,
    /// Lifetime engagements on that day ([`PostMetrics::total_engagements`], 0 when unknown).
    pub engagements: i64,
    /// Reach earned that day: `reach` minus the previous snapshot's (the first snapshot counts whole).
    pub reach_delta: i64,
    /// Engagements earned that day, the same way.
    pub engagements_delta: i64,
    /// When the counters were read.
    pub captured_at: DateTime<Utc>,
}

/// A snapshot to write: replaces the one of the same item, platform and day.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSnapshot {
    /// The item.
    pub content_item_id: ContentId,
    /// The platform.
    pub platform: Platform,
    /// The UTC day it is for.
    pub day: NaiveDate,
    /// The counters.
    pub metrics: PostMetrics,
}

impl NewSnapshot {
    /// Lifetime reach the counters say.
    pub fn reach(&self) -> i64 {
        self.metrics.to_engagement().impressions
    }

    /// Lifetime engagements the counters say.
    pub fn engagements(&self) -> i64 {
        self.metrics.total_engagements().unwrap_or(0)
    }
}

/// A person who came through content, by email.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: LeadId,
    /// Email, lower-case.
    pub email: String,
    /// Their first event.
    pub first_seen_at: DateTime<Utc>,
    /// Their latest event.
    pub last_seen_at: DateTime<Utc>,
    /// What the enrichment workflow answered (n8n "first entry JSON"), once it has.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub enrichment: Option<serde_json::Value>,
    /// The audience segment (RightMessage, read from the ESP's person attributes).
    pub segment: Option<String>,
    /// When enrichment last answered.
    pub enriched_at: Option<DateTime<Utc>>,
}

/// One lead event as delivered: a touch when it names a content item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadEvent {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: LeadEventId,
    /// The lead.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub lead_id: LeadId,
    /// What happened.
    pub kind: LeadKind,
    /// The landing URL, when given.
    pub url: Option<String>,
    /// Its UTM parameters (from the URL or given apart).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub utm: Option<UtmParams>,
    /// The content item it is attributed to (`utm_content`, or the post's URL).
    pub content_item_id: Option<ContentId>,
    /// The platform it came from, when known.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub platform: Option<Platform>,
    /// Revenue in cents (0 unless a purchase).
    pub revenue_cents: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When we recorded it.
    pub recorded_at: DateTime<Utc>,
}

/// A lead event to record. `idempotency_key` makes a second delivery of the same event a no-op.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLeadEvent {
    /// Unique per event (the sender's event id, or a hash of its fields).
    pub idempotency_key: String,
    /// The lead's email (stored lower-case).
    pub email: String,
    /// What happened.
    pub kind: LeadKind,
    /// Landing URL.
    pub url: Option<String>,
    /// UTM parameters.
    pub utm: Option<UtmParams>,
    /// Attributed item.
    pub content_item_id: Option<ContentId>,
    /// Platform.
    pub platform: Option<Platform>,
    /// Revenue, cents.
    pub revenue_cents: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// What the summary needs from the store, counted where the data is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SummaryCounts {
    /// Posts (published schedules) whose `published_at` falls in the window.
    pub posts_published: u64,
    /// Reach earned in the window (sum of snapshot `reach_delta` over its days).
    pub total_reach: i64,
    /// Engagements earned in the window.
    pub total_engagements: i64,
    /// Leads first seen in the window.
    pub new_leads: u64,
    /// Of the items with a post published in the window, the one with the most likes over its platforms
    /// (ties: the earlier id).
    pub top_performer: Option<TopPerformer>,
    /// Items that passed review (approved, scheduled, publishing or published) whose last status
    /// change falls in the window, by content type name.
    pub approved_by_type: Vec<(crate::domain::ContentType, u64)>,
    /// Review time measured from edit activity over those items: for each, the span from its
    /// first to its last recorded edit, in seconds.
    pub review_seconds: i64,
}

/// The best post of a window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopPerformer {
    /// The item.
    pub content_id: ContentId,
    /// Its title.
    pub title: Option<String>,
    /// Likes over every platform.
    pub likes: i64,
    /// Where it is.
    pub url: Option<String>,
}

/// Reach earned per UTC day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyReach {
    /// The day.
    pub day: NaiveDate,
    /// Reach earned that day.
    pub reach: i64,
    /// Engagements earned that day.
    pub engagements: i64,
}

/// `[from, until)` cut for a per-day rollup: the whole UTC days inside it (`[first, last)`,
/// possibly empty) and the partial stretches before and after them, which a store counts
/// from its rows. A window of whole days has no partial stretches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaySplit {
    /// First whole day.
    pub first_day: NaiveDate,
    /// Day after the last whole day (`first_day` when there is none).
    pub end_day: NaiveDate,
    /// The stretch before the whole days, `[from, first_day)` or the whole window when it holds
    /// no whole day; `None` when empty.
    pub head: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The stretch after them, `[end_day, until)`; `None` when empty.
    pub tail: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl DaySplit {
    /// Cuts `[from, until)`.
    pub fn of(from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        let from_day = from.date_naive();
        let first_day = if midnight(from_day) == from { from_day } else { from_day.succ_opt().unwrap_or(from_day) };
        let end_day = until.date_naive();
        if until <= from {
            return DaySplit { first_day, end_day: first_day, head: None, tail: None };
        }
        if end_day <= first_day {
            return DaySplit { first_day, end_day: first_day, head: Some((from, until)), tail: None };
        }
        let head = (midnight(first_day) > from).then(|| (from, midnight(first_day)));
        let tail = (until > midnight(end_day)).then(|| (midnight(end_day), until));
        DaySplit { first_day, end_day, head, tail }
    }

    /// The stretches counted from rows, each `[start, end)`; an empty one is `[from, from)`.
    pub fn edges(&self) -> [(DateTime<Utc>, DateTime<Utc>); 2] {
        let none = |e: Option<(DateTime<Utc>, DateTime<Utc>)>| {
            e.unwrap_or_else(|| {
                let t = self.first_day.and_time(chrono::NaiveTime::MIN).and_utc();
                (t, t)
            })
        };
        [none(self.head), none(self.tail)]
    }
}

#[cfg(test)]
mod day_split_tests {
    use chrono::TimeZone;

    use super::*;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).single().unwrap_or_default()
    }
    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
    }

    #[test]
    fn whole_days_have_no_edges() {
        let s = DaySplit::of(t(2, 0), t(9, 0));
        assert_eq!((s.first_day, s.end_day, s.head, s.tail), (day(2), day(9), None, None));
        assert_eq!(s.edges(), [(t(2, 0), t(2, 0)), (t(2, 0), t(2, 0))]);
    }

    #[test]
    fn partial_days_are_edges() {
        let s = DaySplit::of(t(2, 6), t(9, 12));
        assert_eq!((s.first_day, s.end_day), (day(3), day(9)));
        assert_eq!((s.head, s.tail), (Some((t(2, 6), t(3, 0))), Some((t(9, 0), t(9, 12)))));
    }

    #[test]
    fn a_window_without_a_whole_day_is_all_edge() {
        let s = DaySplit::of(t(2, 6), t(3, 5));
        assert_eq!(s.first_day, s.end_day);
        assert_eq!((s.head, s.tail), (Some((t(2, 6), t(3, 5))), None));
        let same = DaySplit::of(t(2, 6), t(2, 9));
        assert_eq!((same.head, same.tail), (Some((t(2, 6), t(2, 9))), None));
        let empty = DaySplit::of(t(2, 9), t(2, 6));
        assert_eq!((empty.first_day, empty.end_day, empty.head, empty.tail), (empty.first_day, empty.first_day, None, None));
    }
}
