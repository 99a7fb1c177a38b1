//! UTM tags applied at publish time: what the publish runner sends is the item's text with every
//! link tagged for the post ([`tag_for_publish`]), so a lead's landing URL names the content item
//! that earned it.

use super::utm::{UtmTags, tag_links};
use crate::domain::{ContentItem, ContentSource, Platform, SourceId};
use crate::store::SourceStore;

/// The longest `utm_campaign` made from a source (longer titles are cut at a word boundary).
const MAX_CAMPAIGN: usize = 60;

/// The slug of a source: `metadata.slug` when the ingestor knew one, else its title slugified
/// (`"Founders Talk #55: Pricing"` → `founders-talk-55-pricing`), else its platform id
/// slugified, else `source-<first 8 hex digits of its id>`.
pub fn source_slug(source: &ContentSource) -> String {
    let given = source.metadata.get("slug").and_then(serde_json::Value::as_str).map(slugify).filter(|s| !s.is_empty());
    given
        .or_else(|| source.title.as_deref().map(slugify).filter(|s| !s.is_empty()))
        .or_else(|| source.source_id.as_deref().map(slugify).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| fallback(source.id))
}

fn slugify(text: &str) -> String {
    let s = slug::slugify(text.trim());
    if s.len() <= MAX_CAMPAIGN {
        return s;
    }
    let cut = &s[..MAX_CAMPAIGN];
    cut.rsplit_once('-').map_or(cut, |(head, _)| head).trim_end_matches('-').to_owned()
}

fn fallback(id: SourceId) -> String {
    format!("source-{}", &id.0.simple().to_string()[..8])
}

/// The `utm_campaign` set on the item itself: `platform_data.utm_campaign` when the generator or
/// a reviewer set one.
fn campaign_override(item: &ContentItem) -> Option<String> {
    item.platform_data.get("utm_campaign").and_then(serde_json::Value::as_str).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned)
}

/// The `utm_campaign` of an item without looking its source up: `platform_data.utm_campaign`
/// when set, else `source-<first 8 hex digits of the source id>`, else `content` for an item
/// without a source. The publish runner uses [`campaign_of`], which reads the source's slug.
pub fn campaign_for(item: &ContentItem) -> String {
    if let Some(c) = campaign_override(item) {
        return c;
    }
    match item.source_id {
        Some(s) => fallback(s),
        None => "content".to_owned(),
    }
}

/// The `utm_campaign` of an item: `platform_data.utm_campaign` when set, else the
/// [`source_slug`] of the source it came from, else `content` for an item without a source. A
/// source that cannot be read (deleted, store down) falls back to [`campaign_for`]: the post is
/// still tagged with the item id, which is what attribution joins on.
pub async fn campaign_of(sources: &dyn SourceStore, item: &ContentItem) -> String {
    if let Some(c) = campaign_override(item) {
        return c;
    }
    let Some(id) = item.source_id else { return "content".to_owned() };
    match sources.get_source(id).await {
        Ok(source) => source_slug(&source),
        Err(e) => {
            tracing::warn!(error = %e, source = %id, item = %item.id, "reading the source slug for utm_campaign");
            fallback(id)
        }
    }
}

/// `item`'s body with every `http(s)` link tagged for `platform`, `campaign` as `utm_campaign`
/// (existing `utm_*` replaced; tagging twice changes nothing).
pub fn tag_for_publish_with(item: &ContentItem, platform: Platform, campaign: &str) -> String {
    tag_links(&item.content, &UtmTags::for_item(platform, campaign, item.id))
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

    fn source(title: Option<&str>, metadata: serde_json::Value) -> ContentSource {
        let now = chrono::Utc::now();
        ContentSource {
            id: SourceId::new(),
            source_type: crate::domain::SourceType::Podcast,
            source_id: None,
            title: title.map(str::to_owned),
            description: None,
            metadata,
            file_url: None,
            file_hash: None,
            transcript: None,
            transcript_source: None,
            status: crate::domain::SourceStatus::Completed,
            failure_reason: None,
            created_at: now,
            processed_at: None,
            status_changed_at: now,
        }
    }

    #[test]
    fn a_source_slug_is_its_given_slug_else_its_title_slugified_and_cut_at_a_word() {
        assert_eq!(source_slug(&source(Some("Founders Talk #55: Pricing"), serde_json::Value::Null)), "founders-talk-55-pricing");
        assert_eq!(source_slug(&source(Some("Ignored"), serde_json::json!({"slug": "ep-47"}))), "ep-47");
        let long = source(Some(&"word ".repeat(40)), serde_json::Value::Null);
        let slug = source_slug(&long);
        assert!(slug.len() <= MAX_CAMPAIGN && slug.ends_with("word") && !slug.ends_with('-'), "{slug}");
        let untitled = source(None, serde_json::Value::Null);
        assert_eq!(source_slug(&untitled), format!("source-{}", &untitled.id.0.simple().to_string()[..8]));
    }
}
