//! What a platform reports for one post: counters that may be *unavailable* (`None`), which is
//! not the same as zero.

use serde::{Deserialize, Serialize};

use crate::domain::EngagementMetrics;

/// One counter a metrics source can report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Metric {
    /// Times the post was shown (LinkedIn `IMPRESSION`, `impressionCount`).
    Impressions,
    /// Distinct members who saw it (LinkedIn `MEMBERS_REACHED`, `uniqueImpressionsCount`).
    MembersReached,
    /// Reactions or likes (LinkedIn `REACTION`, `likeCount`).
    Reactions,
    /// Comments.
    Comments,
    /// Reshares / reposts.
    Reshares,
    /// Clicks on the post or its links.
    Clicks,
    /// Engagements as the platform totals them, when it reports only a total (LinkedIn's
    /// creator export: reactions, comments and reposts together).
    Engagements,
    /// Newsletter: messages sent.
    Sent,
    /// Newsletter: messages delivered.
    Delivered,
    /// Newsletter: deliveries opened by a person (prefetch / privacy-proxy opens excluded).
    HumanOpens,
    /// Newsletter: deliveries with a link clicked by a person (machine clicks excluded).
    HumanClicks,
    /// Newsletter: recipients who unsubscribed from it.
    Unsubscribes,
    /// Newsletter: deliveries that bounced.
    Bounces,
    /// Newsletter: recipients who converted (the ESP's conversion goal).
    Converted,
    /// Web page: sessions that viewed it.
    Sessions,
    /// Web page: page views.
    Pageviews,
}

impl Metric {
    /// Every metric, in declaration order.
    pub const ALL: &'static [Metric] = &[
        Metric::Impressions,
        Metric::MembersReached,
        Metric::Reactions,
        Metric::Comments,
        Metric::Reshares,
        Metric::Clicks,
        Metric::Engagements,
        Metric::Sent,
        Metric::Delivered,
        Metric::HumanOpens,
        Metric::HumanClicks,
        Metric::Unsubscribes,
        Metric::Bounces,
        Metric::Converted,
        Metric::Sessions,
        Metric::Pageviews,
    ];

    /// The social counters (LinkedIn).
    pub const SOCIAL: &'static [Metric] = &[
        Metric::Impressions,
        Metric::MembersReached,
        Metric::Reactions,
        Metric::Comments,
        Metric::Reshares,
        Metric::Clicks,
        Metric::Engagements,
    ];

    /// The newsletter counters (Customer.io).
    pub const NEWSLETTER: &'static [Metric] = &[
        Metric::Sent,
        Metric::Delivered,
        Metric::HumanOpens,
        Metric::HumanClicks,
        Metric::Unsubscribes,
        Metric::Bounces,
        Metric::Converted,
    ];

    /// The web page counters (Webflow).
    pub const PAGE: &'static [Metric] = &[Metric::Sessions, Metric::Pageviews];

    /// The snake_case name used in JSON and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Impressions => "impressions",
            Metric::MembersReached => "members_reached",
            Metric::Reactions => "reactions",
            Metric::Comments => "comments",
            Metric::Reshares => "reshares",
            Metric::Clicks => "clicks",
            Metric::Engagements => "engagements",
            Metric::Sent => "sent",
            Metric::Delivered => "delivered",
            Metric::HumanOpens => "human_opens",
            Metric::HumanClicks => "human_clicks",
            Metric::Unsubscribes => "unsubscribes",
            Metric::Bounces => "bounces",
            Metric::Converted => "converted",
            Metric::Sessions => "sessions",
            Metric::Pageviews => "pageviews",
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The counters of one post on one platform at one moment.
///
/// Every counter is `Option`: `None` means the platform did not say (no data yet, metric not
/// offered for this kind of post, page not in the report) and is **not** zero. Whether "nothing
/// reported" means zero is the adapter's call, following the platform's documentation (LinkedIn
/// organization statistics omit posts without activity: zero; LinkedIn member analytics answer
/// an empty list: unavailable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMetrics {
    /// Times shown.
    pub impressions: Option<i64>,
    /// Distinct members reached (unique impressions).
    pub members_reached: Option<i64>,
    /// Reactions / likes.
    pub reactions: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
    /// Reshares / reposts.
    pub reshares: Option<i64>,
    /// Clicks.
    pub clicks: Option<i64>,
    /// Engagements as one platform total (when the parts are not reported).
    pub engagements: Option<i64>,
    /// Newsletter messages sent.
    pub sent: Option<i64>,
    /// Newsletter messages delivered.
    pub delivered: Option<i64>,
    /// Newsletter deliveries opened by a person (never prefetch opens).
    pub human_opens: Option<i64>,
    /// Newsletter deliveries clicked by a person (never machine clicks).
    pub human_clicks: Option<i64>,
    /// Newsletter unsubscribes.
    pub unsubscribes: Option<i64>,
    /// Newsletter bounces.
    pub bounces: Option<i64>,
    /// Newsletter conversions.
    pub converted: Option<i64>,
    /// Web page sessions.
    pub sessions: Option<i64>,
    /// Web page views.
    pub pageviews: Option<i64>,
}

impl PostMetrics {
    /// The value of `metric`, `None` when unavailable.
    pub fn get(&self, metric: Metric) -> Option<i64> {
        *self.slot(metric)
    }

    /// Sets `metric` (to `None` to mark it unavailable).
    pub fn set(&mut self, metric: Metric, value: Option<i64>) {
        *self.slot_mut(metric) = value;
    }

    /// The same counters with `metric` set.
    pub fn with(mut self, metric: Metric, value: i64) -> Self {
        self.set(metric, Some(value));
        self
    }

    /// Whether no counter is available.
    pub fn is_empty(&self) -> bool {
        Metric::ALL.iter().all(|m| self.get(*m).is_none())
    }

    /// The available counters, in [`Metric::ALL`] order.
    pub fn available(&self) -> Vec<(Metric, i64)> {
        Metric::ALL.iter().filter_map(|m| self.get(*m).map(|v| (*m, v))).collect()
    }

    /// `self` with every counter `added` has added to it (a counter `self` lacks counts from
    /// zero; one `added` lacks is kept as it is).
    pub fn plus(&self, added: &PostMetrics) -> PostMetrics {
        let mut out = *self;
        for (m, v) in added.available() {
            out.set(m, Some(self.get(m).unwrap_or(0) + v));
        }
        out
    }

    /// `newer` laid over `self`: each counter `newer` has replaces ours; the ones it lacks are
    /// kept (a later partial read never erases an earlier value).
    pub fn overlay(&self, newer: &PostMetrics) -> PostMetrics {
        let mut out = *self;
        for m in Metric::ALL {
            if let Some(v) = newer.get(*m) {
                out.set(*m, Some(v));
            }
        }
        out
    }

    /// Total engagements: the platform's own total when it gave one, else reactions + comments +
    /// reshares + clicks (+ human clicks for newsletters) over the parts that are available;
    /// `None` when none is.
    pub fn total_engagements(&self) -> Option<i64> {
        if self.engagements.is_some() {
            return self.engagements;
        }
        let parts = [self.reactions, self.comments, self.reshares, self.clicks.or(self.human_clicks)];
        parts.iter().flatten().copied().reduce(|a, b| a.saturating_add(b))
    }

    /// Opens by people ÷ delivered (`None` without both, or nothing delivered). Prefetch opens
    /// (Apple Mail Privacy Protection, Gmail image proxy pre-loads) never count.
    pub fn open_rate(&self) -> Option<f64> {
        ratio(self.human_opens?, self.delivered?)
    }

    /// Clicks by people ÷ delivered (`None` without both, or nothing delivered).
    pub fn click_rate(&self) -> Option<f64> {
        ratio(self.human_clicks?, self.delivered?)
    }

    /// The PRD `analytics` row's engagement counters, unavailable counters as 0 (the row's
    /// columns default to 0; keep the `Option`s in the snapshot history to tell them apart).
    ///
    /// - `impressions`: impressions; for a web page its page views; for a newsletter its human
    ///   opens (a person saw it).
    /// - `clicks`: clicks, else human clicks.
    /// - `likes` ← reactions, `comments` ← comments, `shares` ← reshares.
    pub fn to_engagement(&self) -> EngagementMetrics {
        EngagementMetrics {
            impressions: self.impressions.or(self.pageviews).or(self.human_opens).unwrap_or(0),
            clicks: self.clicks.or(self.human_clicks).unwrap_or(0),
            likes: self.reactions.unwrap_or(0),
            comments: self.comments.unwrap_or(0),
            shares: self.reshares.unwrap_or(0),
        }
    }

    fn slot(&self, metric: Metric) -> &Option<i64> {
        match metric {
            Metric::Impressions => &self.impressions,
            Metric::MembersReached => &self.members_reached,
            Metric::Reactions => &self.reactions,
            Metric::Comments => &self.comments,
            Metric::Reshares => &self.reshares,
            Metric::Clicks => &self.clicks,
            Metric::Engagements => &self.engagements,
            Metric::Sent => &self.sent,
            Metric::Delivered => &self.delivered,
            Metric::HumanOpens => &self.human_opens,
            Metric::HumanClicks => &self.human_clicks,
            Metric::Unsubscribes => &self.unsubscribes,
            Metric::Bounces => &self.bounces,
            Metric::Converted => &self.converted,
            Metric::Sessions => &self.sessions,
            Metric::Pageviews => &self.pageviews,
        }
    }

    fn slot_mut(&mut self, metric: Metric) -> &mut Option<i64> {
        match metric {
            Metric::Impressions => &mut self.impressions,
            Metric::MembersReached => &mut self.members_reached,
            Metric::Reactions => &mut self.reactions,
            Metric::Comments => &mut self.comments,
            Metric::Reshares => &mut self.reshares,
            Metric::Clicks => &mut self.clicks,
            Metric::Engagements => &mut self.engagements,
            Metric::Sent => &mut self.sent,
            Metric::Delivered => &mut self.delivered,
            Metric::HumanOpens => &mut self.human_opens,
            Metric::HumanClicks => &mut self.human_clicks,
            Metric::Unsubscribes => &mut self.unsubscribes,
            Metric::Bounces => &mut self.bounces,
            Metric::Converted => &mut self.converted,
            Metric::Sessions => &mut self.sessions,
            Metric::Pageviews => &mut self.pageviews,
        }
    }
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_reads_back_what_was_set() {
        for (i, m) in Metric::ALL.iter().enumerate() {
            let mut p = PostMetrics::default();
            assert_eq!(p.get(*m), None, "{m}");
            p.set(*m, Some(i as i64 + 1));
            assert_eq!(p.get(*m), Some(i as i64 + 1), "{m}");
            assert_eq!(p.available(), vec![(*m, i as i64 + 1)], "only {m} is set");
        }
    }

    #[test]
    fn unavailable_is_not_zero_until_the_prd_row() {
        let p = PostMetrics::default();
        assert!(p.is_empty());
        assert_eq!(p.to_engagement(), EngagementMetrics::default());
        let zero = PostMetrics::default().with(Metric::Reactions, 0);
        assert!(!zero.is_empty());
        assert_eq!(zero.reactions, Some(0));
    }

    #[test]
    fn an_overlay_keeps_what_the_newer_read_lacks() {
        let old = PostMetrics::default().with(Metric::Impressions, 100).with(Metric::Comments, 3);
        let new = PostMetrics::default().with(Metric::Impressions, 150);
        let merged = old.overlay(&new);
        assert_eq!(merged.impressions, Some(150));
        assert_eq!(merged.comments, Some(3));
    }

    #[test]
    fn rates_use_human_opens_over_delivered() {
        let p = PostMetrics::default().with(Metric::Delivered, 200).with(Metric::HumanOpens, 50).with(Metric::HumanClicks, 10);
        assert_eq!(p.open_rate(), Some(0.25));
        assert_eq!(p.click_rate(), Some(0.05));
        assert_eq!(PostMetrics::default().with(Metric::Delivered, 0).with(Metric::HumanOpens, 0).open_rate(), None);
    }

    #[test]
    fn each_kind_of_post_fills_the_prd_row() {
        let social = PostMetrics::default()
            .with(Metric::Impressions, 3200)
            .with(Metric::Clicks, 240)
            .with(Metric::Reactions, 150)
            .with(Metric::Comments, 12)
            .with(Metric::Reshares, 8);
        assert_eq!(social.to_engagement(), EngagementMetrics { impressions: 3200, clicks: 240, likes: 150, comments: 12, shares: 8 });
        let email = PostMetrics::default().with(Metric::HumanOpens, 41).with(Metric::HumanClicks, 8).with(Metric::Delivered, 118);
        assert_eq!(email.to_engagement(), EngagementMetrics { impressions: 41, clicks: 8, ..Default::default() });
        let page = PostMetrics::default().with(Metric::Pageviews, 90).with(Metric::Sessions, 70);
        assert_eq!(page.to_engagement().impressions, 90);
    }

    #[test]
    fn total_engagements_prefer_the_platform_total_then_sum_the_parts() {
        assert_eq!(PostMetrics::default().total_engagements(), None);
        let parts = PostMetrics::default().with(Metric::Reactions, 10).with(Metric::Comments, 2).with(Metric::Clicks, 5);
        assert_eq!(parts.total_engagements(), Some(17));
        assert_eq!(parts.with(Metric::Engagements, 40).total_engagements(), Some(40));
    }

    #[test]
    fn metric_names_are_snake_case_in_json() {
        for m in Metric::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), serde_json::Value::String(m.as_str().to_owned()));
        }
    }
}
