//! [`KnowledgeStore`] in memory: knowledge base, ICP profiles, objections.

use async_trait::async_trait;

use super::{InMemoryStore, find};
use crate::domain::*;
use crate::store::*;
use crate::{Error, Result};

/// The stored profile `id` holding `n` (its embedding is to be recomputed).
fn profile(id: IcpProfileId, n: NewIcpProfile, created_at: chrono::DateTime<chrono::Utc>) -> IcpProfile {
    IcpProfile {
        id,
        source: n.source,
        source_id: n.source_id,
        pain_points: n.pain_points,
        language_patterns: n.language_patterns,
        objections: n.objections,
        goals: n.goals,
        role: n.role,
        company_size: n.company_size,
        industry: n.industry,
        embedding_id: None,
        created_at,
    }
}

#[async_trait]
impl KnowledgeStore for InMemoryStore {
    async fn create_knowledge(&self, n: NewKnowledgeItem) -> Result<KnowledgeItem> {
        let now = self.now();
        let v = KnowledgeItem {
            id: KnowledgeId::new(),
            item_type: n.item_type,
            title: n.title,
            content: n.content,
            metadata: n.metadata,
            embedding_id: None,
            created_at: now,
            updated_at: now,
        };
        self.lock().knowledge.push(v.clone());
        Ok(v)
    }

    async fn get_knowledge(&self, id: KnowledgeId) -> Result<KnowledgeItem> {
        self.lock().knowledge.iter().find(|k| k.id == id).cloned().ok_or_else(|| Error::not_found(KnowledgeId::ENTITY, id))
    }

    async fn list_knowledge(&self, t: Option<KnowledgeItemType>) -> Result<Vec<KnowledgeItem>> {
        Ok(self.lock().knowledge.iter().filter(|k| t.is_none_or(|t| k.item_type == t)).cloned().collect())
    }

    async fn update_knowledge(&self, id: KnowledgeId, n: NewKnowledgeItem) -> Result<KnowledgeItem> {
        let now = self.now();
        let mut s = self.lock();
        let k = find(&mut s.knowledge, id, KnowledgeId::ENTITY, |k| k.id == id)?;
        k.item_type = n.item_type;
        k.title = n.title;
        k.content = n.content;
        k.metadata = n.metadata;
        k.embedding_id = None;
        k.updated_at = now;
        Ok(k.clone())
    }

    async fn set_knowledge_embedding(&self, id: KnowledgeId, embedding_id: Option<String>) -> Result<KnowledgeItem> {
        let mut s = self.lock();
        let k = find(&mut s.knowledge, id, KnowledgeId::ENTITY, |k| k.id == id)?;
        k.embedding_id = embedding_id;
        Ok(k.clone())
    }

    async fn delete_knowledge(&self, id: KnowledgeId) -> Result<()> {
        let mut s = self.lock();
        let before = s.knowledge.len();
        s.knowledge.retain(|k| k.id != id);
        if s.knowledge.len() == before { Err(Error::not_found(KnowledgeId::ENTITY, id)) } else { Ok(()) }
    }

    async fn create_icp_profile(&self, n: NewIcpProfile) -> Result<IcpProfile> {
        let now = self.now();
        let v = profile(IcpProfileId::new(), n, now);
        self.lock().icp.push(v.clone());
        Ok(v)
    }

    async fn get_icp_profile(&self, id: IcpProfileId) -> Result<IcpProfile> {
        self.lock().icp.iter().find(|p| p.id == id).cloned().ok_or_else(|| Error::not_found(IcpProfileId::ENTITY, id))
    }

    async fn list_icp_profiles(&self) -> Result<Vec<IcpProfile>> {
        Ok(self.lock().icp.clone())
    }

    async fn update_icp_profile(&self, id: IcpProfileId, n: NewIcpProfile) -> Result<IcpProfile> {
        let mut s = self.lock();
        let p = find(&mut s.icp, id, IcpProfileId::ENTITY, |p| p.id == id)?;
        *p = profile(id, n, p.created_at);
        Ok(p.clone())
    }

    async fn set_icp_embedding(&self, id: IcpProfileId, embedding_id: Option<String>) -> Result<IcpProfile> {
        let mut s = self.lock();
        let p = find(&mut s.icp, id, IcpProfileId::ENTITY, |p| p.id == id)?;
        p.embedding_id = embedding_id;
        Ok(p.clone())
    }

    async fn delete_icp_profile(&self, id: IcpProfileId) -> Result<()> {
        let mut s = self.lock();
        let before = s.icp.len();
        s.icp.retain(|p| p.id != id);
        if s.icp.len() == before { Err(Error::not_found(IcpProfileId::ENTITY, id)) } else { Ok(()) }
    }

    async fn record_objection(&self, n: NewObjection) -> Result<Objection> {
        let text = n.objection_text.trim().to_owned();
        if text.is_empty() {
            return Err(Error::invalid_field("objection_text", "must not be empty"));
        }
        let now = self.now();
        let mut s = self.lock();
        let key = text.to_lowercase();
        if let Some(o) = s.objections.iter_mut().find(|o| o.objection_text.to_lowercase() == key) {
            o.frequency += 1;
            o.last_mentioned = now;
            if n.category.is_some() {
                o.category = n.category;
            }
            if n.severity.is_some() {
                o.severity = n.severity;
            }
            if n.stage.is_some() {
                o.stage = n.stage;
            }
            return Ok(o.clone());
        }
        let o = Objection {
            id: ObjectionId::new(),
            objection_text: text,
            category: n.category,
            frequency: 1,
            severity: n.severity,
            stage: n.stage,
            content_generated: false,
            content_item_ids: vec![],
            first_mentioned: now,
            last_mentioned: now,
        };
        s.objections.push(o.clone());
        Ok(o)
    }

    async fn list_objections(&self) -> Result<Vec<Objection>> {
        let mut v = self.lock().objections.clone();
        v.sort_by(|a, b| b.frequency.cmp(&a.frequency).then(a.first_mentioned.cmp(&b.first_mentioned)).then(a.id.cmp(&b.id)));
        Ok(v)
    }

    async fn link_objection_content(&self, id: ObjectionId, content_item_id: ContentId) -> Result<Objection> {
        let mut s = self.lock();
        if !s.content.iter().any(|c| c.id == content_item_id) {
            return Err(Error::not_found(ContentId::ENTITY, content_item_id));
        }
        let o = find(&mut s.objections, id, ObjectionId::ENTITY, |o| o.id == id)?;
        if !o.content_item_ids.contains(&content_item_id) {
            o.content_item_ids.push(content_item_id);
        }
        o.content_generated = true;
        Ok(o.clone())
    }
}
