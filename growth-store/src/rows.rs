//! Rows as the database returns them, and their conversion into domain types. Shared by both
//! backends: every column type here decodes from SQLite and PostgreSQL alike.

use chrono::{DateTime, Utc};
use growth_core::Error;
use growth_core::domain::*;
use sqlx::types::Json;
use uuid::Uuid;

/// Parses a status/type column; a value outside the enum means the database was written by
/// something else, which is an internal error (the CHECK constraints should make it impossible).
pub(crate) fn parse_col<T: std::str::FromStr<Err = Error>>(column: &str, value: &str) -> Result<T, Error> {
    value.parse().map_err(|e: Error| Error::internal_msg(format!("column {column} holds an unexpected value: {e}")))
}

fn parse_opt<T: std::str::FromStr<Err = Error>>(column: &str, value: Option<&str>) -> Result<Option<T>, Error> {
    value.map(|v| parse_col(column, v)).transpose()
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    full_name: Option<String>,
    role: String,
    auth_provider: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
    sessions_revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<UserRow> for User {
    type Error = Error;
    fn try_from(r: UserRow) -> Result<Self, Error> {
        Ok(User {
            id: r.id.into(),
            email: r.email,
            full_name: r.full_name,
            role: parse_col("role", &r.role)?,
            auth_provider: parse_col("auth_provider", &r.auth_provider)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
            disabled_at: r.disabled_at,
            sessions_revoked_at: r.sessions_revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SourceRow {
    id: Uuid,
    source_type: String,
    source_id: Option<String>,
    title: Option<String>,
    description: Option<String>,
    metadata: Json<serde_json::Value>,
    file_url: Option<String>,
    file_hash: Option<String>,
    transcript: Option<String>,
    transcript_source: Option<String>,
    status: String,
    failure_reason: Option<String>,
    created_at: DateTime<Utc>,
    processed_at: Option<DateTime<Utc>>,
    /// `NULL`: unchanged since `created_at`.
    status_changed_at: Option<DateTime<Utc>>,
}

impl TryFrom<SourceRow> for ContentSource {
    type Error = Error;
    fn try_from(r: SourceRow) -> Result<Self, Error> {
        Ok(ContentSource {
            id: r.id.into(),
            source_type: parse_col("source_type", &r.source_type)?,
            source_id: r.source_id,
            title: r.title,
            description: r.description,
            metadata: r.metadata.0,
            file_url: r.file_url,
            file_hash: r.file_hash,
            transcript: r.transcript,
            transcript_source: parse_opt("transcript_source", r.transcript_source.as_deref())?,
            status: parse_col("status", &r.status)?,
            failure_reason: r.failure_reason,
            status_changed_at: r.status_changed_at.unwrap_or(r.created_at),
            created_at: r.created_at,
            processed_at: r.processed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContentRow {
    id: Uuid,
    source_id: Option<Uuid>,
    content_type: String,
    title: Option<String>,
    content: String,
    version: i32,
    status: String,
    ai_detection_score: Option<f64>,
    ai_detection_passed: Option<bool>,
    icp_score: Option<i32>,
    icp_passed: Option<bool>,
    quality_verdicts: Json<Vec<Verdict>>,
    quality_flagged: bool,
    predicted_engagement: Option<Json<serde_json::Value>>,
    best_publish_time: Option<DateTime<Utc>>,
    scheduled_publish_time: Option<DateTime<Utc>>,
    published_at: Option<DateTime<Utc>>,
    published_url: Option<String>,
    target_platform: Option<String>,
    platform_specific_data: Json<serde_json::Value>,
    rejection_reason: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ContentRow> for ContentItem {
    type Error = Error;
    fn try_from(r: ContentRow) -> Result<Self, Error> {
        Ok(ContentItem {
            id: r.id.into(),
            source_id: r.source_id.map(Into::into),
            content_type: parse_col("content_type", &r.content_type)?,
            title: r.title,
            content: r.content,
            version: r.version,
            status: parse_col("status", &r.status)?,
            quality: QualityMetrics {
                ai_detection_score: r.ai_detection_score,
                ai_detection_passed: r.ai_detection_passed,
                icp_score: r.icp_score,
                icp_passed: r.icp_passed,
                verdicts: r.quality_verdicts.0,
                flagged: r.quality_flagged,
            },
            predicted_engagement: r.predicted_engagement.map(|j| j.0),
            best_publish_time: r.best_publish_time,
            scheduled_publish_time: r.scheduled_publish_time,
            published_at: r.published_at,
            published_url: r.published_url,
            target_platform: parse_opt("target_platform", r.target_platform.as_deref())?,
            platform_data: r.platform_specific_data.0,
            rejection_reason: r.rejection_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    content_item_id: Uuid,
    version: i32,
    title: Option<String>,
    content: String,
    edited_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<VersionRow> for ContentVersion {
    fn from(r: VersionRow) -> Self {
        ContentVersion {
            content_item_id: r.content_item_id.into(),
            version: r.version,
            title: r.title,
            content: r.content,
            edited_by: r.edited_by.map(Into::into),
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EditRow {
    id: Uuid,
    content_item_id: Uuid,
    user_id: Option<Uuid>,
    version: i32,
    edit_type: String,
    original_text: String,
    edited_text: String,
    section: String,
    pattern_tag: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<EditRow> for ContentEdit {
    type Error = Error;
    fn try_from(r: EditRow) -> Result<Self, Error> {
        Ok(ContentEdit {
            id: r.id.into(),
            content_item_id: r.content_item_id.into(),
            user_id: r.user_id.map(Into::into),
            version: r.version,
            edit_type: parse_col("edit_type", &r.edit_type)?,
            original_text: r.original_text,
            edited_text: r.edited_text,
            section: parse_col("section", &r.section)?,
            pattern_tag: r.pattern_tag,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ScheduleRow {
    id: Uuid,
    content_item_id: Uuid,
    platform: String,
    scheduled_time: DateTime<Utc>,
    timezone: String,
    status: String,
    error_message: Option<String>,
    retry_count: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    claimed_by: Option<String>,
    lease_expires_at: Option<DateTime<Utc>>,
    platform_post_id: Option<String>,
    published_url: Option<String>,
    published_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    // Defaulted so a database read before migration 20261206000001 (tests of older migrations
    // write rows through the store) still decodes.
    #[sqlx(default)]
    attempt: i32,
    #[sqlx(default)]
    last_attempt_at: Option<DateTime<Utc>>,
}

impl TryFrom<ScheduleRow> for Schedule {
    type Error = Error;
    fn try_from(r: ScheduleRow) -> Result<Self, Error> {
        Ok(Schedule {
            id: r.id.into(),
            content_item_id: r.content_item_id.into(),
            platform: parse_col("platform", &r.platform)?,
            scheduled_time: r.scheduled_time,
            timezone: r.timezone,
            status: parse_col("status", &r.status)?,
            error_message: r.error_message,
            retry_count: r.retry_count,
            next_attempt_at: r.next_attempt_at,
            claimed_by: r.claimed_by,
            lease_expires_at: r.lease_expires_at,
            platform_post_id: r.platform_post_id,
            attempt: r.attempt,
            last_attempt_at: r.last_attempt_at,
            published_url: r.published_url,
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LogRow {
    id: Uuid,
    content_item_id: Uuid,
    schedule_id: Option<Uuid>,
    platform: String,
    status: String,
    request_payload: Json<serde_json::Value>,
    response_data: Json<serde_json::Value>,
    error_message: Option<String>,
    published_url: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<LogRow> for PublishingLog {
    type Error = Error;
    fn try_from(r: LogRow) -> Result<Self, Error> {
        Ok(PublishingLog {
            id: r.id.into(),
            content_item_id: r.content_item_id.into(),
            schedule_id: r.schedule_id.map(Into::into),
            platform: parse_col("platform", &r.platform)?,
            status: parse_col("status", &r.status)?,
            request_payload: r.request_payload.0,
            response_data: r.response_data.0,
            error_message: r.error_message,
            published_url: r.published_url,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AnalyticsRow {
    id: Uuid,
    content_item_id: Uuid,
    platform: String,
    impressions: i64,
    clicks: i64,
    likes: i64,
    comments: i64,
    shares: i64,
    website_visits: i64,
    lead_signups: i64,
    demo_requests: i64,
    attributed_revenue_cents: i64,
    last_updated: DateTime<Utc>,
}

impl TryFrom<AnalyticsRow> for Analytics {
    type Error = Error;
    fn try_from(r: AnalyticsRow) -> Result<Self, Error> {
        Ok(Analytics {
            id: r.id.into(),
            content_item_id: r.content_item_id.into(),
            platform: parse_col("platform", &r.platform)?,
            engagement: EngagementMetrics {
                impressions: r.impressions,
                clicks: r.clicks,
                likes: r.likes,
                comments: r.comments,
                shares: r.shares,
            },
            website_visits: r.website_visits,
            lead_signups: r.lead_signups,
            demo_requests: r.demo_requests,
            attributed_revenue_cents: r.attributed_revenue_cents,
            last_updated: r.last_updated,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct KnowledgeRow {
    id: Uuid,
    item_type: String,
    title: String,
    content: String,
    metadata: Json<serde_json::Value>,
    embedding_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<KnowledgeRow> for KnowledgeItem {
    type Error = Error;
    fn try_from(r: KnowledgeRow) -> Result<Self, Error> {
        Ok(KnowledgeItem {
            id: r.id.into(),
            item_type: parse_col("item_type", &r.item_type)?,
            title: r.title,
            content: r.content,
            metadata: r.metadata.0,
            embedding_id: r.embedding_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct IcpRow {
    id: Uuid,
    source: String,
    source_id: Option<String>,
    pain_points: Json<Vec<String>>,
    language_patterns: Json<Vec<String>>,
    objections: Json<Vec<String>>,
    goals: Json<Vec<String>>,
    role: Option<String>,
    company_size: Option<String>,
    industry: Option<String>,
    embedding_id: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<IcpRow> for IcpProfile {
    type Error = Error;
    fn try_from(r: IcpRow) -> Result<Self, Error> {
        Ok(IcpProfile {
            id: r.id.into(),
            source: parse_col("source", &r.source)?,
            source_id: r.source_id,
            pain_points: r.pain_points.0,
            language_patterns: r.language_patterns.0,
            objections: r.objections.0,
            goals: r.goals.0,
            role: r.role,
            company_size: r.company_size,
            industry: r.industry,
            embedding_id: r.embedding_id,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ObjectionRow {
    id: Uuid,
    objection_text: String,
    category: Option<String>,
    frequency: i32,
    severity: Option<String>,
    stage: Option<String>,
    content_generated: bool,
    pub(crate) content_item_ids: Json<Vec<ContentId>>,
    first_mentioned: DateTime<Utc>,
    last_mentioned: DateTime<Utc>,
}

impl TryFrom<ObjectionRow> for Objection {
    type Error = Error;
    fn try_from(r: ObjectionRow) -> Result<Self, Error> {
        Ok(Objection {
            id: r.id.into(),
            objection_text: r.objection_text,
            category: r.category,
            frequency: r.frequency,
            severity: parse_opt("severity", r.severity.as_deref())?,
            stage: parse_opt("stage", r.stage.as_deref())?,
            content_generated: r.content_generated,
            content_item_ids: r.content_item_ids.0,
            first_mentioned: r.first_mentioned,
            last_mentioned: r.last_mentioned,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: Uuid,
    kind: String,
    payload: Json<serde_json::Value>,
    status: String,
    progress: i32,
    result: Option<Json<serde_json::Value>>,
    attempts: i32,
    max_attempts: i32,
    run_after: DateTime<Utc>,
    claimed_by: Option<String>,
    lease_expires_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    dedupe_key: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

impl TryFrom<JobRow> for Job {
    type Error = Error;
    fn try_from(r: JobRow) -> Result<Self, Error> {
        Ok(Job {
            id: r.id.into(),
            kind: JobKind::new(r.kind).map_err(|e| Error::internal_msg(format!("column kind: {e}")))?,
            payload: r.payload.0,
            status: parse_col("status", &r.status)?,
            progress: r.progress,
            result: r.result.map(|j| j.0),
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            run_after: r.run_after,
            claimed_by: r.claimed_by,
            lease_expires_at: r.lease_expires_at,
            last_error: r.last_error,
            dedupe_key: r.dedupe_key,
            created_at: r.created_at,
            updated_at: r.updated_at,
            finished_at: r.finished_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RefreshRow {
    id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<RefreshRow> for growth_core::store::RefreshToken {
    fn from(r: RefreshRow) -> Self {
        growth_core::store::RefreshToken {
            id: r.id,
            user_id: r.user_id.into(),
            family_id: r.family_id,
            token_hash: r.token_hash,
            expires_at: r.expires_at,
            used_at: r.used_at,
            revoked_at: r.revoked_at,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RuleRow {
    id: Uuid,
    version: i32,
    content_type: Option<String>,
    kind: Json<growth_core::learn::RuleKind>,
    status: String,
    category: String,
    support: i32,
    confidence: f64,
    provenance: Json<Vec<EditId>>,
    created_at: DateTime<Utc>,
    activated_at: Option<DateTime<Utc>>,
    retired_at: Option<DateTime<Utc>>,
}

impl TryFrom<RuleRow> for growth_core::learn::Rule {
    type Error = Error;
    fn try_from(r: RuleRow) -> Result<Self, Error> {
        Ok(growth_core::learn::Rule {
            id: r.id.into(),
            version: u32::try_from(r.version).map_err(|_| Error::internal_msg("column version holds a negative value"))?,
            content_type: parse_opt("content_type", r.content_type.as_deref())?,
            kind: r.kind.0,
            status: parse_col("status", &r.status)?,
            category: parse_col("category", &r.category)?,
            support: usize::try_from(r.support).unwrap_or(0),
            confidence: r.confidence,
            provenance: r.provenance.0,
            created_at: r.created_at,
            activated_at: r.activated_at,
            retired_at: r.retired_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PreferenceRow {
    id: Uuid,
    content_type: String,
    content_item_id: Option<Uuid>,
    context_embedding: Json<Vec<f32>>,
    preference: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<PreferenceRow> for growth_core::learn::PreferenceRecord {
    type Error = Error;
    fn try_from(r: PreferenceRow) -> Result<Self, Error> {
        Ok(growth_core::learn::PreferenceRecord {
            id: r.id,
            content_type: parse_col("content_type", &r.content_type)?,
            content_item_id: r.content_item_id.map(Into::into),
            context_embedding: r.context_embedding.0,
            preference: r.preference,
            created_at: r.created_at,
        })
    }
}
