//! UTM tags applied at publish time: what the publish runner sends is the item's text with every
//! link tagged for the post ([`tag_for_publish`]), so a lead's landing URL names the content item
//! that earned it.

use super::utm::{UtmTags, tag_links};
use crate::domain::{ContentItem, Platform};

/// The `utm_campaign` of an item: `platform_data.utm_campaign` when the generator or a reviewer
/// set it (the source's slug), else `source-<first 8 hex digits of the source id>`, else
/// `content` for an item without a source.
pub fn campaign_for(item: &ContentItem) -> String {
    if let Some(c) = item.platform_data.get("utm_campaign").and_then(serde_json::Value::as_str).map(str::trim).filter(|c| !c.is_empty()) {
        return c.to_owned();
    }
    match item.source_id {
        Some(s) => format!("source-{}", &s.0.simple().to_string()[..8]),
        None => "content".to_owned(),
    }
}

/// `item`'s body with every `http(s)` link tagged for `platform` (existing `utm_*` replaced;
/// tagging twice changes nothing).
pub fn tag_for_publish(item: &ContentItem, platform: Platform) -> String {
    tag_links(&item.content, &UtmTags::for_item(platform, campaign_for(item), item.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContentType, NewContentItem};
    use crate::measure::utm::UtmParams;

    fn item(text: &str) -> ContentItem {
        let n = NewContentItem::draft(ContentType::LinkedinPost, None, text);
        ContentItem {
            id: crate::domain::ContentId::new(),
            source_id: None,
            content_type: n.content_type,
            title: None,
            content: n.content,
            version: 1,
            status: crate::domain::ContentStatus::Approved,
            quality: Default::default(),
            predicted_engagement: None,
            best_publish_time: None,
            scheduled_publish_time: None,
            published_at: None,
            published_url: None,
            target_platform: None,
            platform_data: serde_json::json!({"utm_campaign": "founders-talk-55"}),
            rejection_reason: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn every_link_names_the_item_and_tagging_twice_changes_nothing() {
        let mut i = item("Read https://productled.com/plg?utm_source=old and [the guide](https://productled.com/guide).");
        let once = tag_for_publish(&i, Platform::LINKEDIN);
        let urls: Vec<&str> = once.split(['(', ')', ' ']).filter(|w| w.starts_with("https://")).collect();
        assert_eq!(urls.len(), 2, "{once}");
        for u in urls {
            let p = UtmParams::from_url(u).unwrap();
            assert_eq!(p.content_id(), Some(i.id));
            assert_eq!(p.source.as_deref(), Some("linkedin"));
            assert_eq!(p.campaign.as_deref(), Some("founders-talk-55"));
        }
        assert!(!once.contains("utm_source=old"));
        i.content = once.clone();
        assert_eq!(tag_for_publish(&i, Platform::LINKEDIN), once);
    }
}
