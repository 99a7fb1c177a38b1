//! Analytics rows.

use std::sync::Arc;

use chrono::Duration as Span;

use super::FullStore;
use super::{approved_item, at};
use crate::clock::{Clock, ManualClock};
use crate::domain::*;

pub async fn analytics_are_one_row_per_item_and_platform(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let item = approved_item(&s).await;
    let mut u = AnalyticsUpdate {
        engagement: EngagementMetrics { impressions: 3200, clicks: 240, likes: 150, comments: 12, shares: 8 },
        lead_signups: 3,
        attributed_revenue_cents: 129_900,
        ..AnalyticsUpdate::default()
    };
    let a = s.upsert_analytics(item.id, Platform::LINKEDIN, u.clone()).await.unwrap();
    c.advance(Span::hours(1));
    u.engagement.likes = 170;
    let b = s.upsert_analytics(item.id, Platform::LINKEDIN, u).await.unwrap();
    assert_eq!(a.id, b.id, "the same row is updated");
    assert_eq!(b.engagement.likes, 170);
    assert_eq!(b.attributed_revenue_cents, 129_900);
    assert_eq!(b.last_updated, c.now());
    assert_eq!(s.get_analytics(item.id, Platform::LINKEDIN).await.unwrap(), b);
    assert_eq!(s.list_analytics(at(&c, -1), at(&c, 1)).await.unwrap().len(), 1);
    assert!(s.list_analytics(at(&c, 1), at(&c, 2)).await.unwrap().is_empty());
}
