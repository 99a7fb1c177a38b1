//! Content items, their versions and the edits reviewers make.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ContentId, ContentStatus, ContentType, EditId, EditSection, EditType, Platform, SourceId, UserId};

/// One finding of a quality check, pointing at an exact span of the text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// Which check found it (`"slop"`, `"hook"`, `"cta"`, `"length"` …).
    pub check: String,
    /// Byte offsets `[start, end)` into the checked text (`[0, 0]` when it concerns the whole text).
    pub span: [usize; 2],
    /// The text at the span.
    pub text: String,
    /// What to change, for a person to read.
    pub message: String,
    /// How much it weighs in the gate's verdict (`error` when absent, as in verdicts stored before
    /// severities existed).
    #[serde(default)]
    pub severity: FindingSeverity,
}

/// How much a [`Finding`] weighs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FindingSeverity {
    /// It counts against the draft: the gate's verdict depends on findings like it.
    #[default]
    Error,
    /// The author's to fix, but it does not count by itself (a weak slop phrase, listed because
    /// the draft fails anyway).
    Warning,
    /// For the reviewer's information only; never counts (slop inside a quotation: someone else's
    /// words, not the author's).
    Info,
}

/// The verdict of one quality gate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    /// Gate name.
    pub gate: String,
    /// Whether the text passed this gate.
    pub passed: bool,
    /// A score where the gate has one (AI-likeness 0–1, ICP 0–100 …).
    pub score: Option<f64>,
    /// What the gate found.
    pub findings: Vec<Finding>,
}

/// Quality scores and verdicts stored on a content item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualityMetrics {
    /// 0–1, higher = more human-like.
    pub ai_detection_score: Option<f64>,
    /// Whether the AI-likeness gate passed.
    pub ai_detection_passed: Option<bool>,
    /// 0–100 ideal-customer fit.
    pub icp_score: Option<i32>,
    /// Whether the ICP gate passed.
    pub icp_passed: Option<bool>,
    /// Every gate's verdict, for the reviewer.
    pub verdicts: Vec<Verdict>,
    /// Set when the item still failed a gate after the last rewrite: review it with care.
    pub flagged: bool,
}

/// A generated piece of content under review, scheduled or published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContentItem {
    /// Id.
    pub id: ContentId,
    /// The source it was drawn from.
    pub source_id: Option<SourceId>,
    /// What it is.
    pub content_type: ContentType,
    /// Title.
    pub title: Option<String>,
    /// Body, Markdown.
    pub content: String,
    /// Starts at 1; every edit adds one. Every prior version is kept.
    pub version: i32,
    /// Review/publishing state.
    pub status: ContentStatus,
    /// Gate results.
    pub quality: QualityMetrics,
    /// Predicted engagement (`{"likes": 150, "comments": 12}`).
    pub predicted_engagement: Option<serde_json::Value>,
    /// Suggested publish time.
    pub best_publish_time: Option<DateTime<Utc>>,
    /// When it is scheduled to go out.
    pub scheduled_publish_time: Option<DateTime<Utc>>,
    /// When it went out.
    pub published_at: Option<DateTime<Utc>>,
    /// Where it is live.
    pub published_url: Option<String>,
    /// Where it goes.
    pub target_platform: Option<Platform>,
    /// Platform-specific fields (segment id, slug, format …).
    pub platform_data: serde_json::Value,
    /// Why a reviewer rejected it.
    pub rejection_reason: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl ContentItem {
    /// Where it goes: its target platform, else its type's default.
    pub fn platform(&self) -> Platform {
        self.target_platform.unwrap_or_else(|| self.content_type.default_platform())
    }

    /// The time a listing filters on (`from`/`to` of [`ContentFilter`]): when it was published,
    /// else when it is scheduled, else when it was created.
    pub fn listing_time(&self) -> DateTime<Utc> {
        self.published_at.or(self.scheduled_publish_time).unwrap_or(self.created_at)
    }
}

/// Input for storing a generated item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewContentItem {
    /// Source.
    pub source_id: Option<SourceId>,
    /// Type.
    pub content_type: ContentType,
    /// Title.
    pub title: Option<String>,
    /// Body, Markdown.
    pub content: String,
    /// Initial state (normally `generated` or `in_review`).
    pub status: ContentStatus,
    /// Gate results.
    pub quality: QualityMetrics,
    /// Target platform (defaults from the type when `None`).
    pub target_platform: Option<Platform>,
    /// Platform-specific fields.
    pub platform_data: serde_json::Value,
    /// Predicted engagement.
    pub predicted_engagement: Option<serde_json::Value>,
}

impl NewContentItem {
    /// A draft of `content_type` with `content`, in review, with no scores yet.
    pub fn draft(content_type: ContentType, title: Option<String>, content: impl Into<String>) -> Self {
        Self {
            source_id: None,
            content_type,
            title,
            content: content.into(),
            status: ContentStatus::InReview,
            quality: QualityMetrics::default(),
            target_platform: None,
            platform_data: serde_json::Value::Null,
            predicted_engagement: None,
        }
    }
}

/// A reviewer's change to the text of an item, applied only if the item is still at
/// `expected_version` (optimistic concurrency: a stale editor gets a conflict, not an overwrite).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContentUpdate {
    /// The version the editor started from.
    pub expected_version: i32,
    /// New title, when changed.
    pub title: Option<String>,
    /// New body, when changed.
    pub content: Option<String>,
    /// Who edited.
    pub edited_by: Option<UserId>,
    /// The changed spans, recorded as `content_edits` rows of the new version.
    pub edits: Vec<EditSpan>,
}

/// A move of an item to another state, with what that state records.
#[derive(Clone, Debug, PartialEq)]
pub struct ContentTransition {
    /// Target state (checked against [`ContentStatus::transition`]).
    pub to: ContentStatus,
    /// Kept when rejecting.
    pub rejection_reason: Option<String>,
    /// Set when scheduling.
    pub scheduled_publish_time: Option<DateTime<Utc>>,
    /// Set when published.
    pub published_url: Option<String>,
    /// Set when published.
    pub published_at: Option<DateTime<Utc>>,
}

impl ContentTransition {
    /// A plain move to `to`.
    pub fn to(to: ContentStatus) -> Self {
        Self { to, rejection_reason: None, scheduled_publish_time: None, published_url: None, published_at: None }
    }
}

/// A kept version of an item's text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContentVersion {
    /// The item.
    pub content_item_id: ContentId,
    /// Version number (1 = as generated).
    pub version: i32,
    /// Title at this version.
    pub title: Option<String>,
    /// Body at this version.
    pub content: String,
    /// Who made this version (`None` for the generator).
    pub edited_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One changed span of an edit, classified for learning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContentEdit {
    /// Id.
    pub id: EditId,
    /// The item.
    pub content_item_id: ContentId,
    /// Who.
    pub user_id: Option<UserId>,
    /// The version this edit produced.
    pub version: i32,
    /// Change, addition or deletion.
    pub edit_type: EditType,
    /// Text before.
    pub original_text: String,
    /// Text after.
    pub edited_text: String,
    /// Where in the piece.
    pub section: EditSection,
    /// A learned label (`too_formal`, `weak_hook` …), filled by edit learning.
    pub pattern_tag: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One changed span of an edit, as computed by the caller (a word-level diff), written with the
/// version it produces in the same transaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditSpan {
    /// Change, addition or deletion.
    pub edit_type: EditType,
    /// Text before.
    pub original_text: String,
    /// Text after.
    pub edited_text: String,
    /// Where in the piece.
    pub section: EditSection,
    /// Learned label.
    pub pattern_tag: Option<String>,
}

/// Which items a listing returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContentFilter {
    /// Only these states (any when empty).
    pub statuses: Vec<ContentStatus>,
    /// Only items of this source.
    pub source_id: Option<SourceId>,
    /// Only this type.
    pub content_type: Option<ContentType>,
    /// Only items for this platform (`target_platform`).
    pub platform: Option<Platform>,
    /// Only items whose [`ContentItem::listing_time`] is at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Only items whose [`ContentItem::listing_time`] is before this.
    pub to: Option<DateTime<Utc>>,
    /// Page size (the store caps it at 500).
    pub limit: u32,
    /// Items to skip.
    pub offset: u32,
}

/// The items of one source awaiting review.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingBundle {
    /// The source (`None` for items without one).
    pub source_id: Option<SourceId>,
    /// The source's type.
    pub source_type: Option<crate::domain::SourceType>,
    /// The source's title.
    pub source_title: Option<String>,
    /// Its items in review, oldest first.
    pub items: Vec<ContentItem>,
}

/// A page of bundles in review, oldest bundle (by its first item) first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PendingPage {
    /// The bundles of the page.
    pub bundles: Vec<PendingBundle>,
    /// Items in review in all.
    pub total_items: u64,
    /// Bundles in review in all.
    pub total_bundles: u64,
}
