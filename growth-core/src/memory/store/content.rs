//! [`ContentStore`] in memory: items, versions and edits.

use async_trait::async_trait;

use super::{InMemoryStore, State, find};
use crate::domain::*;
use crate::store::*;
use crate::{Error, Result};

fn content_matches(c: &ContentItem, f: &ContentFilter) -> bool {
    (f.statuses.is_empty() || f.statuses.contains(&c.status))
        && f.source_id.is_none_or(|s| c.source_id == Some(s))
        && f.content_type.is_none_or(|t| c.content_type == t)
        && f.platform.is_none_or(|p| c.target_platform == Some(p))
        && f.from.is_none_or(|from| c.listing_time() >= from)
        && f.to.is_none_or(|to| c.listing_time() < to)
}

/// Inserts `item` at version 1 under the caller's lock (shared with the bundle-piece store).
pub(super) fn insert_locked(s: &mut State, item: NewContentItem, now: chrono::DateTime<chrono::Utc>) -> Result<ContentItem> {
    if let Some(src) = item.source_id
        && !s.sources.iter().any(|x| x.id == src)
    {
        return Err(Error::not_found(SourceId::ENTITY, src));
    }
    let c = ContentItem {
        id: ContentId::new(),
        source_id: item.source_id,
        content_type: item.content_type,
        title: item.title,
        content: item.content,
        version: 1,
        status: item.status,
        quality: item.quality,
        predicted_engagement: item.predicted_engagement,
        best_publish_time: None,
        scheduled_publish_time: None,
        published_at: None,
        published_url: None,
        target_platform: Some(item.target_platform.unwrap_or(item.content_type.default_platform())),
        platform_data: item.platform_data,
        rejection_reason: None,
        created_at: now,
        updated_at: now,
    };
    s.versions.push(ContentVersion {
        content_item_id: c.id,
        version: 1,
        title: c.title.clone(),
        content: c.content.clone(),
        edited_by: None,
        created_at: now,
    });
    s.content.push(c.clone());
    Ok(c)
}

#[async_trait]
impl ContentStore for InMemoryStore {
    async fn insert_content(&self, item: NewContentItem) -> Result<ContentItem> {
        let now = self.now();
        insert_locked(&mut self.lock(), item, now)
    }

    async fn get_content(&self, id: ContentId) -> Result<ContentItem> {
        self.lock().content.iter().find(|c| c.id == id).cloned().ok_or_else(|| Error::not_found(ContentId::ENTITY, id))
    }

    async fn list_content(&self, f: &ContentFilter) -> Result<Vec<ContentItem>> {
        let s = self.lock();
        Ok(s.content
            .iter()
            .filter(|c| content_matches(c, f))
            .skip(f.offset as usize)
            .take(page_limit(f.limit, 100, 500) as usize)
            .cloned()
            .collect())
    }

    async fn count_content(&self, f: &ContentFilter) -> Result<u64> {
        Ok(self.lock().content.iter().filter(|c| content_matches(c, f)).count() as u64)
    }

    async fn update_content(&self, id: ContentId, u: ContentUpdate) -> Result<ContentItem> {
        let now = self.now();
        let mut s = self.lock();
        let c = find(&mut s.content, id, ContentId::ENTITY, |c| c.id == id)?;
        if !c.status.is_editable() {
            return Err(Error::conflict(format!("content item {id} is `{}` and can no longer be edited", c.status)));
        }
        if c.version != u.expected_version {
            return Err(Error::conflict(format!(
                "content item {id} is at version {}, not {}: reload and edit again",
                c.version, u.expected_version
            )));
        }
        if let Some(t) = u.title {
            c.title = Some(t);
        }
        if let Some(body) = u.content {
            c.content = body;
        }
        c.version += 1;
        c.updated_at = now;
        let c = c.clone();
        s.versions.push(ContentVersion {
            content_item_id: id,
            version: c.version,
            title: c.title.clone(),
            content: c.content.clone(),
            edited_by: u.edited_by,
            created_at: now,
        });
        for e in u.edits {
            s.edits.push(ContentEdit {
                id: EditId::new(),
                content_item_id: id,
                user_id: u.edited_by,
                version: c.version,
                edit_type: e.edit_type,
                original_text: e.original_text,
                edited_text: e.edited_text,
                section: e.section,
                pattern_tag: e.pattern_tag,
                created_at: now,
            });
        }
        Ok(c)
    }

    async fn list_versions(&self, id: ContentId) -> Result<Vec<ContentVersion>> {
        let s = self.lock();
        if !s.content.iter().any(|c| c.id == id) {
            return Err(Error::not_found(ContentId::ENTITY, id));
        }
        Ok(s.versions.iter().filter(|v| v.content_item_id == id).cloned().collect())
    }

    async fn list_edits(&self, id: ContentId) -> Result<Vec<ContentEdit>> {
        let s = self.lock();
        if !s.content.iter().any(|c| c.id == id) {
            return Err(Error::not_found(ContentId::ENTITY, id));
        }
        Ok(s.edits.iter().filter(|e| e.content_item_id == id).cloned().collect())
    }

    async fn transition_content(&self, id: ContentId, ch: ContentTransition) -> Result<ContentItem> {
        let now = self.now();
        let mut s = self.lock();
        let c = find(&mut s.content, id, ContentId::ENTITY, |c| c.id == id)?;
        c.status = c.status.transition(ch.to)?;
        if ch.rejection_reason.is_some() {
            c.rejection_reason = ch.rejection_reason;
        }
        if ch.scheduled_publish_time.is_some() || ch.to == ContentStatus::Approved {
            c.scheduled_publish_time = ch.scheduled_publish_time;
        }
        if ch.published_url.is_some() {
            c.published_url = ch.published_url;
        }
        if ch.published_at.is_some() {
            c.published_at = ch.published_at;
        }
        c.updated_at = now;
        Ok(c.clone())
    }

    async fn set_quality(&self, id: ContentId, quality: QualityMetrics) -> Result<ContentItem> {
        let now = self.now();
        let mut s = self.lock();
        let c = find(&mut s.content, id, ContentId::ENTITY, |c| c.id == id)?;
        c.quality = quality;
        c.updated_at = now;
        Ok(c.clone())
    }
}
