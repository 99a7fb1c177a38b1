//! Newsletter delivery events (an ESP's reporting webhooks) and their fold into per-issue
//! counters.
//!
//! An ESP reports each delivery's life as events: sent, delivered, opened, clicked, bounced …
//! [`NewsletterTally`] folds them into [`NewsletterCounters`] for one issue:
//!
//! - **Idempotent**: an event id seen before is ignored, so a webhook delivered twice (ESPs
//!   retry until they get a 2xx) counts once.
//! - **Per delivery**: every counter counts distinct deliveries (one recipient's copy of the
//!   issue), so opening an email three times is one open.
//! - **People, not machines**: `human_opens` leaves out prefetched opens (Apple Mail Privacy
//!   Protection, Gmail pre-loading images); `human_clicks` leaves out clicks flagged as made by
//!   a machine (link scanners). Open and click *rates* use only these.
//!
//! The same rules, in SQL, for a store: keep the events in a table keyed by event id
//! (`INSERT … ON CONFLICT DO NOTHING`) and count `DISTINCT delivery_id` per kind and issue.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::metrics::PostMetrics;

/// Which newsletter issue an event belongs to.
///
/// Customer.io API-triggered broadcasts are re-triggered for every issue; the trigger id (what
/// the publisher returns as `platform_post_id`) tells the issues apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum IssueKey {
    /// One trigger of an API-triggered broadcast: one issue.
    Trigger {
        /// The broadcast, when the event names it.
        broadcast_id: Option<u64>,
        /// The trigger.
        trigger_id: u64,
    },
    /// A broadcast without a trigger id (all of its sends together).
    Broadcast {
        /// The broadcast.
        broadcast_id: u64,
    },
    /// A newsletter (sent once, from the ESP's own UI).
    Newsletter {
        /// The newsletter.
        newsletter_id: u64,
    },
    /// A campaign message (not an issue of ours; kept so nothing is silently dropped).
    Campaign {
        /// The campaign.
        campaign_id: u64,
    },
    /// The event names none of the above.
    Unknown,
}

impl IssueKey {
    /// The publisher's `platform_post_id` of this issue (the trigger id), when there is one.
    pub fn platform_post_id(&self) -> Option<String> {
        match self {
            IssueKey::Trigger { trigger_id, .. } => Some(trigger_id.to_string()),
            _ => None,
        }
    }
}

/// What happened to a delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum EmailEventKind {
    /// Handed to the mail provider.
    Sent,
    /// Accepted by the recipient's mail server.
    Delivered,
    /// Opened (the tracking pixel loaded).
    Opened {
        /// Loaded by a machine (Apple Mail Privacy Protection, Gmail pre-loading, a user agent
        /// identified as a machine): not a person reading.
        prefetched: bool,
        /// Loaded through a proxy that hides the reader (a person may still have read it).
        proxied: bool,
        /// Inferred from a click, not seen.
        synthetic: bool,
    },
    /// A tracked link was clicked.
    Clicked {
        /// The link's URL.
        href: Option<String>,
        /// The ESP's id of the link.
        link_id: Option<i64>,
        /// Clicked by a machine (a link scanner), not a person.
        machine: bool,
    },
    /// The recipient's server refused it.
    Bounced,
    /// The recipient unsubscribed from this message.
    Unsubscribed,
    /// The recipient met the ESP's conversion goal after this message.
    Converted,
    /// Marked as spam.
    Spammed,
    /// Not sent: the recipient is suppressed.
    Dropped,
    /// Could not be handed to the mail provider.
    Failed,
    /// Another event (`drafted`, `attempted`, `undeliverable` …), kept by name.
    Other(String),
}

/// One reporting event about one delivery of a newsletter issue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailEvent {
    /// The ESP's unique id of this event (duplicates of a retried webhook share it).
    pub event_id: String,
    /// What happened.
    pub kind: EmailEventKind,
    /// The issue.
    pub issue: IssueKey,
    /// The delivery (one recipient's copy), when given.
    pub delivery_id: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// Per-issue newsletter counters, each a number of distinct deliveries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsletterCounters {
    /// Sent.
    pub sent: i64,
    /// Delivered.
    pub delivered: i64,
    /// Opened, by anyone or anything (do not compute rates from it).
    pub opens: i64,
    /// Opened by a person (prefetch opens left out).
    pub human_opens: i64,
    /// Clicked, by anyone or anything.
    pub clicks: i64,
    /// Clicked by a person (machine clicks left out).
    pub human_clicks: i64,
    /// Unsubscribed.
    pub unsubscribes: i64,
    /// Bounced.
    pub bounces: i64,
    /// Converted.
    pub converted: i64,
    /// Marked as spam.
    pub spam_reports: i64,
}

impl NewsletterCounters {
    /// As [`PostMetrics`]: every newsletter counter available (a tally that saw no event of a
    /// kind has counted zero of it).
    pub fn to_post_metrics(&self) -> PostMetrics {
        PostMetrics {
            sent: Some(self.sent),
            delivered: Some(self.delivered),
            human_opens: Some(self.human_opens),
            human_clicks: Some(self.human_clicks),
            unsubscribes: Some(self.unsubscribes),
            bounces: Some(self.bounces),
            converted: Some(self.converted),
            ..PostMetrics::default()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Counter {
    Sent,
    Delivered,
    Opened,
    HumanOpened,
    Clicked,
    HumanClicked,
    Unsubscribed,
    Bounced,
    Converted,
    Spammed,
}

/// The fold of one issue's events (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct NewsletterTally {
    seen: HashSet<String>,
    deliveries: HashSet<(Counter, String)>,
    counters: NewsletterCounters,
}

impl NewsletterTally {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds `event` in. Returns `false` when its event id was already folded (nothing changes).
    pub fn apply(&mut self, event: &EmailEvent) -> bool {
        if !self.seen.insert(event.event_id.clone()) {
            return false;
        }
        // Without a delivery id, the event itself is the unit counted.
        let delivery = event.delivery_id.clone().unwrap_or_else(|| format!("event:{}", event.event_id));
        let counters: &[Counter] = match &event.kind {
            EmailEventKind::Sent => &[Counter::Sent],
            EmailEventKind::Delivered => &[Counter::Delivered],
            EmailEventKind::Opened { prefetched: false, .. } => &[Counter::Opened, Counter::HumanOpened],
            EmailEventKind::Opened { prefetched: true, .. } => &[Counter::Opened],
            EmailEventKind::Clicked { machine: false, .. } => &[Counter::Clicked, Counter::HumanClicked],
            EmailEventKind::Clicked { machine: true, .. } => &[Counter::Clicked],
            EmailEventKind::Unsubscribed => &[Counter::Unsubscribed],
            EmailEventKind::Bounced => &[Counter::Bounced],
            EmailEventKind::Converted => &[Counter::Converted],
            EmailEventKind::Spammed => &[Counter::Spammed],
            EmailEventKind::Dropped | EmailEventKind::Failed | EmailEventKind::Other(_) => &[],
        };
        for c in counters {
            if self.deliveries.insert((*c, delivery.clone())) {
                *self.slot(*c) += 1;
            }
        }
        true
    }

    /// The counters so far.
    pub fn counters(&self) -> NewsletterCounters {
        self.counters
    }

    fn slot(&mut self, c: Counter) -> &mut i64 {
        let n = &mut self.counters;
        match c {
            Counter::Sent => &mut n.sent,
            Counter::Delivered => &mut n.delivered,
            Counter::Opened => &mut n.opens,
            Counter::HumanOpened => &mut n.human_opens,
            Counter::Clicked => &mut n.clicks,
            Counter::HumanClicked => &mut n.human_clicks,
            Counter::Unsubscribed => &mut n.unsubscribes,
            Counter::Bounced => &mut n.bounces,
            Counter::Converted => &mut n.converted,
            Counter::Spammed => &mut n.spam_reports,
        }
    }
}

/// Folds `events` into one tally per issue (duplicates, in any order, count once).
pub fn tally_by_issue<'a>(events: impl IntoIterator<Item = &'a EmailEvent>) -> BTreeMap<IssueKey, NewsletterTally> {
    let mut out: BTreeMap<IssueKey, NewsletterTally> = BTreeMap::new();
    for e in events {
        out.entry(e.issue.clone()).or_default().apply(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn issue(trigger_id: u64) -> IssueKey {
        IssueKey::Trigger { broadcast_id: Some(9), trigger_id }
    }

    fn ev(id: &str, kind: EmailEventKind, delivery: &str, trigger: u64) -> EmailEvent {
        EmailEvent {
            event_id: id.into(),
            kind,
            issue: issue(trigger),
            delivery_id: Some(delivery.into()),
            occurred_at: Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap(),
        }
    }

    fn opened(prefetched: bool) -> EmailEventKind {
        EmailEventKind::Opened { prefetched, proxied: prefetched, synthetic: false }
    }

    fn clicked(machine: bool) -> EmailEventKind {
        EmailEventKind::Clicked { href: Some("https://example.com/a".into()), link_id: Some(1), machine }
    }

    #[test]
    fn a_webhook_delivered_twice_counts_once() {
        let mut t = NewsletterTally::new();
        let e = ev("01E4C4CT6YDC7Y5M7FE1GWWPQJ", EmailEventKind::Delivered, "d1", 1);
        assert!(t.apply(&e));
        assert!(!t.apply(&e));
        assert_eq!(t.counters().delivered, 1);
    }

    #[test]
    fn prefetch_opens_and_machine_clicks_are_not_people() {
        let mut t = NewsletterTally::new();
        t.apply(&ev("e1", opened(true), "d1", 1));
        t.apply(&ev("e2", opened(false), "d2", 1));
        t.apply(&ev("e3", clicked(true), "d1", 1));
        t.apply(&ev("e4", clicked(false), "d2", 1));
        let c = t.counters();
        assert_eq!((c.opens, c.human_opens), (2, 1));
        assert_eq!((c.clicks, c.human_clicks), (2, 1));
    }

    #[test]
    fn opening_the_same_delivery_again_is_one_open() {
        let mut t = NewsletterTally::new();
        t.apply(&ev("e1", opened(false), "d1", 1));
        t.apply(&ev("e2", opened(false), "d1", 1));
        t.apply(&ev("e3", opened(true), "d1", 1));
        assert_eq!((t.counters().opens, t.counters().human_opens), (1, 1));
    }

    #[test]
    fn every_issue_of_one_broadcast_gets_its_own_numbers() {
        let events = [
            ev("a", EmailEventKind::Sent, "d1", 1),
            ev("b", EmailEventKind::Sent, "d2", 1),
            ev("c", EmailEventKind::Sent, "d3", 2),
            ev("d", EmailEventKind::Bounced, "d3", 2),
            ev("e", EmailEventKind::Unsubscribed, "d1", 1),
            ev("f", EmailEventKind::Converted, "d2", 1),
        ];
        let by = tally_by_issue(&events);
        assert_eq!(by[&issue(1)].counters(), NewsletterCounters { sent: 2, unsubscribes: 1, converted: 1, ..Default::default() });
        assert_eq!(by[&issue(2)].counters(), NewsletterCounters { sent: 1, bounces: 1, ..Default::default() });
        assert_eq!(issue(2).platform_post_id().as_deref(), Some("2"));
        assert_eq!(IssueKey::Broadcast { broadcast_id: 9 }.platform_post_id(), None);
    }

    #[test]
    fn counters_become_available_metrics() {
        let c = NewsletterCounters { sent: 10, delivered: 9, opens: 7, human_opens: 4, clicks: 3, human_clicks: 2, ..Default::default() };
        let m = c.to_post_metrics();
        assert_eq!((m.sent, m.delivered, m.human_opens, m.human_clicks, m.bounces), (Some(10), Some(9), Some(4), Some(2), Some(0)));
        assert_eq!(m.impressions, None);
    }

    fn arb_kind() -> impl Strategy<Value = EmailEventKind> {
        prop_oneof![
            Just(EmailEventKind::Sent),
            Just(EmailEventKind::Delivered),
            any::<bool>().prop_map(opened),
            any::<bool>().prop_map(clicked),
            Just(EmailEventKind::Bounced),
            Just(EmailEventKind::Unsubscribed),
            Just(EmailEventKind::Converted),
            Just(EmailEventKind::Other("drafted".into())),
        ]
    }

    proptest! {
        #[test]
        fn duplicates_and_order_never_change_the_counts(
            events in proptest::collection::vec((0u8..40, arb_kind(), 0u8..6, 1u64..3), 0..60),
            seed in any::<u64>(),
        ) {
            // Event ids decide identity: the same id always carries the same event.
            let mut by_id = BTreeMap::new();
            for (id, kind, d, t) in events {
                by_id.entry(id).or_insert_with(|| ev(&format!("e{id}"), kind, &format!("d{d}"), t));
            }
            let unique: Vec<EmailEvent> = by_id.into_values().collect();
            let once = tally_by_issue(&unique);
            // Every event delivered three times, in a shuffled order.
            let mut replayed: Vec<EmailEvent> = unique.iter().chain(&unique).chain(&unique).cloned().collect();
            let mut s = seed;
            for i in (1..replayed.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                replayed.swap(i, (s >> 33) as usize % (i + 1));
            }
            let again = tally_by_issue(&replayed);
            prop_assert_eq!(once.len(), again.len());
            for (k, t) in &once {
                prop_assert_eq!(t.counters(), again[k].counters());
                let c = t.counters();
                prop_assert!(c.human_opens <= c.opens && c.human_clicks <= c.clicks);
            }
        }
    }
}
