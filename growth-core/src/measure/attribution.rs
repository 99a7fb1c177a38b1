//! Which posts earned a lead: credit over the lead's touches, revenue in whole cents.
//!
//! Every touch (a visit carrying a post's `utm_content`) is kept; the model decides the credit
//! when asked. GA4 dropped first-click and linear in 2023 and kept last click; for a small team
//! last-touch is the default, first-touch sits beside it, and linear (1/n per touch) is offered.
//!
//! Revenue is split in integer cents so the credited amounts always add up to the revenue: under
//! linear each of the `n` touches gets `revenue / n` (rounded down) and the remainder goes one
//! cent at a time to the earliest touches. Touches are ordered by time, then by content id, so
//! the same touches give the same split whatever order they arrive in.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ContentId, Platform};

/// How credit is shared among a lead's touches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionModel {
    /// All credit to the last touch before the conversion.
    #[default]
    LastTouch,
    /// All credit to the first touch.
    FirstTouch,
    /// Equal credit to every touch (`1/n` each).
    Linear,
}

impl AttributionModel {
    /// The model named `name` (`last_touch`, `first_touch`, `linear`; `last`, `first` too).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "last_touch" | "last" | "last_click" => Some(Self::LastTouch),
            "first_touch" | "first" | "first_click" => Some(Self::FirstTouch),
            "linear" => Some(Self::Linear),
            _ => None,
        }
    }
}

/// One time a lead came through a post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Touch {
    /// The post's content item.
    pub content_item_id: ContentId,
    /// Where the touch came from, when known.
    pub platform: Option<Platform>,
    /// When.
    pub at: DateTime<Utc>,
}

/// The credit one content item gets for one lead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Credit {
    /// The item.
    pub content_item_id: ContentId,
    /// Its touches that count under the model (all of its touches under linear, one otherwise).
    pub touches: u32,
    /// Its share of the lead: `touches / n` under linear, 1 for the credited touch otherwise. The
    /// shares of a lead add up to 1.
    pub share: f64,
    /// Its share of the revenue, in cents; the lead's credits add up to the revenue exactly.
    pub revenue_cents: i64,
}

/// The credit for one lead with `touches` and `revenue_cents` under `model`, one [`Credit`] per
/// credited content item, earliest touch first. No touches: no credit (the revenue stays
/// unattributed). Negative revenue (a refund) is split the same way.
pub fn attribute(model: AttributionModel, touches: &[Touch], revenue_cents: i64) -> Vec<Credit> {
    let mut ordered: Vec<&Touch> = touches.iter().collect();
    ordered.sort_by(|a, b| a.at.cmp(&b.at).then(a.content_item_id.cmp(&b.content_item_id)));
    let credited: Vec<&Touch> = match model {
        AttributionModel::LastTouch => ordered.last().copied().into_iter().collect(),
        AttributionModel::FirstTouch => ordered.first().copied().into_iter().collect(),
        AttributionModel::Linear => ordered,
    };
    let n = credited.len() as i64;
    if n == 0 {
        return Vec::new();
    }
    let base = revenue_cents.div_euclid(n);
    let remainder = revenue_cents.rem_euclid(n);
    // Per item, in order of its first credited touch.
    let mut order: Vec<ContentId> = Vec::new();
    let mut sums: BTreeMap<ContentId, (u32, i64)> = BTreeMap::new();
    for (i, t) in credited.iter().enumerate() {
        let cents = base + i64::from((i as i64) < remainder);
        let entry = sums.entry(t.content_item_id).or_insert_with(|| {
            order.push(t.content_item_id);
            (0, 0)
        });
        entry.0 += 1;
        entry.1 += cents;
    }
    order
        .into_iter()
        .map(|id| {
            let (count, cents) = sums[&id];
            Credit { content_item_id: id, touches: count, share: f64::from(count) / n as f64, revenue_cents: cents }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 20, 10, 0, 0).unwrap()
    }

    fn ids(n: usize) -> Vec<ContentId> {
        let mut v: Vec<ContentId> = (0..n).map(|_| ContentId::new()).collect();
        v.sort();
        v
    }

    fn touch(id: ContentId, minutes: i64) -> Touch {
        Touch { content_item_id: id, platform: Some(Platform::LINKEDIN), at: t0() + Duration::minutes(minutes) }
    }

    #[test]
    fn last_touch_gives_everything_to_the_latest_touch() {
        let [a, b] = ids(2)[..] else { unreachable!() };
        let credits = attribute(AttributionModel::LastTouch, &[touch(b, 30), touch(a, 0)], 10_000);
        assert_eq!(credits, vec![Credit { content_item_id: b, touches: 1, share: 1.0, revenue_cents: 10_000 }]);
        let first = attribute(AttributionModel::FirstTouch, &[touch(b, 30), touch(a, 0)], 10_000);
        assert_eq!(first[0].content_item_id, a);
    }

    #[test]
    fn linear_splits_cents_exactly_with_the_remainder_to_the_earliest() {
        let [a, b, c] = ids(3)[..] else { unreachable!() };
        let credits = attribute(AttributionModel::Linear, &[touch(c, 20), touch(a, 0), touch(b, 10)], 100);
        let cents: Vec<(ContentId, i64)> = credits.iter().map(|c| (c.content_item_id, c.revenue_cents)).collect();
        assert_eq!(cents, vec![(a, 34), (b, 33), (c, 33)]);
    }

    #[test]
    fn a_post_touched_twice_gets_two_shares_under_linear() {
        let [a, b] = ids(2)[..] else { unreachable!() };
        let credits = attribute(AttributionModel::Linear, &[touch(a, 0), touch(b, 5), touch(a, 10)], 999);
        assert_eq!(credits[0].content_item_id, a);
        assert_eq!((credits[0].touches, credits[0].revenue_cents), (2, 333 + 333));
        assert!((credits[0].share - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(credits[1].revenue_cents, 333);
    }

    #[test]
    fn no_touches_no_credit_and_refunds_split_too() {
        assert!(attribute(AttributionModel::Linear, &[], 500).is_empty());
        let [a, b] = ids(2)[..] else { unreachable!() };
        let credits = attribute(AttributionModel::Linear, &[touch(a, 0), touch(b, 1)], -101);
        assert_eq!(credits.iter().map(|c| c.revenue_cents).sum::<i64>(), -101);
        assert_eq!((credits[0].revenue_cents, credits[1].revenue_cents), (-50, -51));
    }

    #[test]
    fn model_names_read_in_their_usual_spellings() {
        assert_eq!(AttributionModel::parse("last-touch"), Some(AttributionModel::LastTouch));
        assert_eq!(AttributionModel::parse("FIRST_TOUCH"), Some(AttributionModel::FirstTouch));
        assert_eq!(AttributionModel::parse("linear"), Some(AttributionModel::Linear));
        assert_eq!(AttributionModel::parse("time_decay"), None);
        assert_eq!(AttributionModel::default(), AttributionModel::LastTouch);
    }

    fn arb_model() -> impl Strategy<Value = AttributionModel> {
        prop_oneof![Just(AttributionModel::LastTouch), Just(AttributionModel::FirstTouch), Just(AttributionModel::Linear)]
    }

    proptest! {
        #[test]
        fn credits_always_add_up_to_the_revenue_and_one_lead(
            model in arb_model(),
            picks in proptest::collection::vec((0usize..5, 0i64..10_000), 1..12),
            revenue in -1_000_000_000i64..1_000_000_000,
        ) {
            let pool = ids(5);
            let touches: Vec<Touch> = picks.iter().map(|(i, m)| touch(pool[*i], *m)).collect();
            let credits = attribute(model, &touches, revenue);
            prop_assert_eq!(credits.iter().map(|c| c.revenue_cents).sum::<i64>(), revenue);
            prop_assert!((credits.iter().map(|c| c.share).sum::<f64>() - 1.0).abs() < 1e-9);
            let counted: u32 = credits.iter().map(|c| c.touches).sum();
            prop_assert_eq!(counted as usize, if model == AttributionModel::Linear { touches.len() } else { 1 });
            if model == AttributionModel::Linear {
                // Every touch's cents differ by at most one from every other's.
                let n = touches.len() as i64;
                for c in &credits {
                    let k = i64::from(c.touches);
                    prop_assert!(c.revenue_cents >= k * revenue.div_euclid(n) && c.revenue_cents <= k * (revenue.div_euclid(n) + 1));
                }
            }
        }

        #[test]
        fn the_order_touches_arrive_in_never_changes_the_split(
            model in arb_model(),
            picks in proptest::collection::vec((0usize..4, 0i64..50), 1..10),
            revenue in 0i64..100_000,
        ) {
            let pool = ids(4);
            let touches: Vec<Touch> = picks.iter().map(|(i, m)| touch(pool[*i], *m)).collect();
            let mut reversed = touches.clone();
            reversed.reverse();
            prop_assert_eq!(attribute(model, &touches, revenue), attribute(model, &reversed, revenue));
        }
    }
}
