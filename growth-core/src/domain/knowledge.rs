//! The knowledge base, ideal-customer profiles and sales objections.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ContentId, FunnelStage, IcpProfileId, IcpSource, KnowledgeId, KnowledgeItemType, ObjectionId, Severity};

/// A playbook, example post, framework or the founder's voice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeItem {
    /// Id.
    pub id: KnowledgeId,
    /// Kind.
    pub item_type: KnowledgeItemType,
    /// Title.
    pub title: String,
    /// Text.
    pub content: String,
    /// Performance data for examples and the like.
    pub metadata: serde_json::Value,
    /// Id of its vector in the vector store, once indexed.
    pub embedding_id: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Input for creating or replacing a knowledge item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewKnowledgeItem {
    /// Kind.
    pub item_type: KnowledgeItemType,
    /// Title.
    pub title: String,
    /// Text.
    pub content: String,
    /// Metadata.
    pub metadata: serde_json::Value,
}

/// What an ideal customer sounds like, extracted from calls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IcpProfile {
    /// Id.
    pub id: IcpProfileId,
    /// Where it was extracted from.
    pub source: IcpSource,
    /// Recording id.
    pub source_id: Option<String>,
    /// Pain points, in their words.
    pub pain_points: Vec<String>,
    /// Phrases they use.
    pub language_patterns: Vec<String>,
    /// Objections raised.
    pub objections: Vec<String>,
    /// Goals.
    pub goals: Vec<String>,
    /// Job role.
    pub role: Option<String>,
    /// Company size band.
    pub company_size: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Id of its vector, once indexed.
    pub embedding_id: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Input for creating or replacing an ICP profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewIcpProfile {
    /// Where it came from.
    pub source: IcpSource,
    /// Recording id.
    pub source_id: Option<String>,
    /// Pain points.
    pub pain_points: Vec<String>,
    /// Phrases.
    pub language_patterns: Vec<String>,
    /// Objections.
    pub objections: Vec<String>,
    /// Goals.
    pub goals: Vec<String>,
    /// Role.
    pub role: Option<String>,
    /// Company size.
    pub company_size: Option<String>,
    /// Industry.
    pub industry: Option<String>,
}

/// A sales objection heard on calls, and the content answering it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Objection {
    /// Id.
    pub id: ObjectionId,
    /// The objection (unique, compared case-insensitively).
    pub objection_text: String,
    /// Category (`feasibility`, `roi`, `resources` …).
    pub category: Option<String>,
    /// Times mentioned.
    pub frequency: i32,
    /// How much it blocks.
    pub severity: Option<Severity>,
    /// Funnel stage.
    pub stage: Option<FunnelStage>,
    /// Whether content answering it exists.
    pub content_generated: bool,
    /// That content.
    pub content_item_ids: Vec<ContentId>,
    /// First heard.
    pub first_mentioned: DateTime<Utc>,
    /// Last heard.
    pub last_mentioned: DateTime<Utc>,
}

/// Input for recording a mention of an objection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewObjection {
    /// The objection.
    pub objection_text: String,
    /// Category.
    pub category: Option<String>,
    /// Severity.
    pub severity: Option<Severity>,
    /// Stage.
    pub stage: Option<FunnelStage>,
}
