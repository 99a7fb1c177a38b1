//! [`LearningStore`] in memory: learned rule versions, preferences, and edits across items.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryStore;
use crate::domain::*;
use crate::learn::{PreferenceRecord, Rule, RuleStatus};
use crate::store::*;
use crate::{Error, Result};

/// Writes `writes` into `rules`, all or nothing (see [`LearningStore::write_rules`]).
fn apply_rule_writes(rules: &mut Vec<Rule>, writes: Vec<RuleWrite>) -> Result<()> {
    let mut next = rules.clone();
    for w in writes {
        let at = next.iter().position(|r| r.id == w.rule.id && r.version == w.rule.version);
        match (w.expected, at) {
            (None, Some(_)) => {
                return Err(Error::conflict(format!("rule {} v{} exists already", w.rule.id, w.rule.version)));
            }
            (None, None) => next.push(w.rule),
            (Some(_), None) => return Err(Error::not_found(crate::learn::RuleId::ENTITY, format!("{} v{}", w.rule.id, w.rule.version))),
            (Some(expected), Some(i)) => {
                if next[i].status != expected {
                    return Err(Error::conflict(format!(
                        "rule {} v{} is {}, not {expected}: it was changed concurrently; reload and try again",
                        w.rule.id, w.rule.version, next[i].status
                    )));
                }
                next[i] = w.rule;
            }
        }
    }
    let mut per_lineage = std::collections::HashMap::new();
    for r in next.iter().filter(|r| r.status == RuleStatus::Active) {
        if per_lineage.insert(r.id, r.version).is_some() {
            return Err(Error::conflict(format!("rule {} would have two active versions", r.id)));
        }
    }
    *rules = next;
    Ok(())
}

#[async_trait]
impl LearningStore for InMemoryStore {
    async fn list_rules(&self) -> Result<Vec<Rule>> {
        Ok(self.lock().rules.clone())
    }

    async fn write_rules(&self, writes: Vec<RuleWrite>) -> Result<()> {
        let mut s = self.lock();
        apply_rule_writes(&mut s.rules, writes)
    }

    async fn list_edits_since(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<ContentEdit>> {
        let s = self.lock();
        let mut edits: Vec<ContentEdit> = s.edits.iter().filter(|e| e.created_at >= since).cloned().collect();
        edits.sort_by_key(|e| (e.created_at, e.id.0));
        edits.truncate(limit as usize);
        Ok(edits)
    }

    async fn insert_preference(&self, record: PreferenceRecord) -> Result<PreferenceRecord> {
        if record.preference.trim().is_empty() {
            return Err(Error::invalid_field("preference", "must not be empty"));
        }
        let mut s = self.lock();
        if s.preferences.iter().any(|p| p.id == record.id) {
            return Err(Error::conflict(format!("preference {} exists already", record.id)));
        }
        s.preferences.push(record.clone());
        Ok(record)
    }

    async fn list_preferences(&self, content_type: Option<ContentType>) -> Result<Vec<PreferenceRecord>> {
        Ok(self.lock().preferences.iter().filter(|p| content_type.is_none_or(|t| p.content_type == t)).cloned().collect())
    }

    async fn update_preference(&self, id: uuid::Uuid, preference: String) -> Result<PreferenceRecord> {
        if preference.trim().is_empty() {
            return Err(Error::invalid_field("preference", "must not be empty"));
        }
        let mut s = self.lock();
        let p = s.preferences.iter_mut().find(|p| p.id == id).ok_or_else(|| Error::not_found("preference", id))?;
        p.preference = preference.trim().to_owned();
        Ok(p.clone())
    }

    async fn delete_preference(&self, id: uuid::Uuid) -> Result<()> {
        let mut s = self.lock();
        let before = s.preferences.len();
        s.preferences.retain(|p| p.id != id);
        if s.preferences.len() == before {
            return Err(Error::not_found("preference", id));
        }
        Ok(())
    }

    async fn set_best_time(
        &self,
        id: ContentId,
        best_publish_time: Option<DateTime<Utc>>,
        predicted_engagement: Option<serde_json::Value>,
    ) -> Result<ContentItem> {
        let mut s = self.lock();
        let item = s.content.iter_mut().find(|c| c.id == id).ok_or_else(|| Error::not_found(ContentId::ENTITY, id))?;
        item.best_publish_time = best_publish_time;
        item.predicted_engagement = predicted_engagement;
        Ok(item.clone())
    }
}
