//! [`SourceStore`] in memory.

use async_trait::async_trait;

use super::{InMemoryStore, find};
use crate::domain::*;
use crate::store::*;
use crate::{Error, Result};

#[async_trait]
impl SourceStore for InMemoryStore {
    async fn create_source(&self, src: NewSource) -> Result<Stored<ContentSource>> {
        let source_type = src.source_type.unwrap_or(SourceType::Manual);
        let now = self.now();
        let mut s = self.lock();
        let existing = s.sources.iter().find(|x| {
            (src.source_id.is_some() && x.source_type == source_type && x.source_id == src.source_id)
                || (src.file_hash.is_some() && x.file_hash == src.file_hash)
        });
        if let Some(x) = existing {
            return Ok(Stored { value: x.clone(), created: false });
        }
        let v = ContentSource {
            id: SourceId::new(),
            source_type,
            source_id: src.source_id,
            title: src.title,
            description: src.description,
            metadata: src.metadata,
            file_url: src.file_url,
            file_hash: src.file_hash,
            transcript: src.transcript,
            transcript_source: src.transcript_source,
            status: SourceStatus::Ingested,
            failure_reason: None,
            created_at: now,
            processed_at: None,
            status_changed_at: now,
        };
        s.sources.push(v.clone());
        Ok(Stored { value: v, created: true })
    }

    async fn get_source(&self, id: SourceId) -> Result<ContentSource> {
        self.lock().sources.iter().find(|x| x.id == id).cloned().ok_or_else(|| Error::not_found(SourceId::ENTITY, id))
    }

    async fn list_sources(&self, limit: u32, offset: u32) -> Result<Vec<ContentSource>> {
        let s = self.lock();
        let mut v = s.sources.clone();
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(v.into_iter().skip(offset as usize).take(page_limit(limit, 50, 500) as usize).collect())
    }

    async fn set_source_status(&self, id: SourceId, to: SourceStatus, reason: Option<String>) -> Result<ContentSource> {
        let now = self.now();
        let mut s = self.lock();
        let x = find(&mut s.sources, id, SourceId::ENTITY, |x| x.id == id)?;
        x.status = x.status.transition(to)?;
        if to == SourceStatus::Failed {
            x.failure_reason = reason;
        } else if to == SourceStatus::Processing || to == SourceStatus::Completed {
            x.failure_reason = None;
        }
        if matches!(to, SourceStatus::Completed | SourceStatus::Failed) {
            x.processed_at = Some(now);
        }
        x.status_changed_at = now;
        Ok(x.clone())
    }

    async fn set_source_transcript(&self, id: SourceId, transcript: String, from: TranscriptSource) -> Result<ContentSource> {
        let mut s = self.lock();
        let x = find(&mut s.sources, id, SourceId::ENTITY, |x| x.id == id)?;
        x.transcript = Some(transcript);
        x.transcript_source = Some(from);
        Ok(x.clone())
    }

    async fn set_source_metadata(&self, id: SourceId, metadata: serde_json::Value) -> Result<ContentSource> {
        let mut s = self.lock();
        let x = find(&mut s.sources, id, SourceId::ENTITY, |x| x.id == id)?;
        x.metadata = metadata;
        Ok(x.clone())
    }

    async fn stale_sources(&self, status: SourceStatus, before: chrono::DateTime<chrono::Utc>, limit: u32) -> Result<Vec<ContentSource>> {
        let s = self.lock();
        let mut v: Vec<_> = s.sources.iter().filter(|x| x.status == status && x.status_changed_at < before).cloned().collect();
        v.sort_by(|a, b| a.status_changed_at.cmp(&b.status_changed_at).then(a.id.cmp(&b.id)));
        v.truncate(page_limit(limit, 100, 1000) as usize);
        Ok(v)
    }

    async fn count_sources(&self) -> Result<u64> {
        Ok(self.lock().sources.len() as u64)
    }

    async fn delete_source(&self, id: SourceId) -> Result<(ContentSource, u64)> {
        let now = self.now();
        let mut s = self.lock();
        let at = s.sources.iter().position(|x| x.id == id).ok_or_else(|| Error::not_found(SourceId::ENTITY, id))?;
        let of_source = |c: &&ContentItem| c.source_id == Some(id);
        if let Some(c) = s.content.iter().filter(of_source).find(|c| SOURCE_DELETE_BLOCKERS.contains(&c.status)) {
            return Err(Error::conflict(format!(
                "source {id} has content past review (item {} is `{}`): cancel it or send it back to review first",
                c.id, c.status
            )));
        }
        let mut detached = 0;
        for c in s.content.iter_mut().filter(|c| c.source_id == Some(id)) {
            c.source_id = None;
            c.updated_at = now;
            detached += 1;
        }
        Ok((s.sources.remove(at), detached))
    }
}
