//! Domain types: typed ids, the closed enums of every status and type, the entities of the PRD
//! tables, and the state machines.

mod analytics;
mod content;
mod enums;
mod ids;
mod job;
mod knowledge;
pub(crate) mod macros;
mod platform;
mod schedule;
mod source;
mod state;
mod user;

pub use analytics::{Analytics, AnalyticsUpdate, EngagementMetrics, LeadCounters};
pub use content::{
    ContentEdit, ContentFilter, ContentItem, ContentTransition, ContentUpdate, ContentVersion, EditSpan, Finding, FindingSeverity,
    NewContentItem, PendingBundle, PendingPage, QualityMetrics, Verdict,
};
pub use enums::{
    AuthProvider, ContentStatus, ContentType, EditSection, EditType, FunnelStage, IcpSource, JobStatus, KnowledgeItemType, PublishStatus,
    Role, ScheduleStatus, Severity, SourceStatus, SourceType, TranscriptSource,
};
pub use ids::{AnalyticsId, ContentId, EditId, IcpProfileId, JobId, KnowledgeId, ObjectionId, PublishLogId, ScheduleId, SourceId, UserId};
pub use job::{ClaimRequest, Job, JobKind, JobOutcome, NewJob};
pub use knowledge::{IcpProfile, KnowledgeItem, NewIcpProfile, NewKnowledgeItem, NewObjection, Objection};
pub use platform::Platform;
pub use schedule::{NewPublishingLog, NewSchedule, PublishingLog, Schedule, ScheduleOutcome};
pub use source::{ContentSource, NewSource, Segment, Stored, Transcript, is_unknown_speaker};
pub use user::{NewUser, User, normalize_email};
