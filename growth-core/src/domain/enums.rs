//! Every status and type of the PRD tables as a closed enum, stored and sent as snake_case text.

use super::Platform;
use super::macros::string_enum;

string_enum!(
    /// What a content item is.
    ContentType, "content type" {
        /// A LinkedIn post drawn from an episode.
        LinkedinPost => "linkedin_post",
        /// A LinkedIn post announcing an upcoming interview.
        PreInterview => "pre_interview" | "pre_interview_post",
        /// A LinkedIn post announcing a published episode.
        PostPublish => "post_publish" | "post_publish_post",
        /// An email newsletter.
        Newsletter => "newsletter",
        /// A blog post.
        BlogPost => "blog_post" | "blog",
    }
);

impl ContentType {
    /// The platform this type is published to when none is given.
    pub const fn default_platform(self) -> Platform {
        match self {
            ContentType::LinkedinPost | ContentType::PreInterview | ContentType::PostPublish => Platform::LINKEDIN,
            ContentType::Newsletter => Platform::CUSTOMER_IO,
            ContentType::BlogPost => Platform::WEBFLOW,
        }
    }
}

string_enum!(
    /// What a user may do; ordered so that `Viewer < Approver < Admin`.
    Role, "role" {
        /// Reads everything.
        Viewer => "viewer",
        /// Edits, approves, rejects, schedules and generates.
        Approver => "approver",
        /// Everything, including users and integrations.
        Admin => "admin",
    }
);

impl Role {
    /// Whether this role includes everything `required` may do.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

string_enum!(
    /// How a user signs in.
    AuthProvider, "auth provider" {
        /// Google ID token.
        Google => "google",
        /// Email and password.
        Email => "email",
    }
);

string_enum!(
    /// What kind of long-form source a content source is.
    SourceType, "source type" {
        /// A podcast episode.
        Podcast => "podcast",
        /// A chapter of a book.
        BookChapter => "book_chapter",
        /// A recorded sales or customer call.
        SalesCall => "sales_call",
        /// Anything uploaded or pasted by hand.
        Manual => "manual",
    }
);

string_enum!(
    /// Where a transcript came from.
    TranscriptSource, "transcript source" {
        /// Riverside's own transcript.
        Riverside => "riverside",
        /// Transcribed by AssemblyAI.
        Assemblyai => "assemblyai",
        /// Grain's transcript.
        Grain => "grain",
        /// Google Meet (Gemini) transcript.
        Gemini => "gemini",
        /// Uploaded or pasted by hand.
        Manual => "manual",
    }
);

string_enum!(
    /// Processing state of a content source.
    SourceStatus, "source status" {
        /// Stored, not processed yet.
        Ingested => "ingested",
        /// Being transcribed or indexed.
        Processing => "processing",
        /// Ready for generation.
        Completed => "completed",
        /// Processing failed; the reason is kept on the source.
        Failed => "failed",
    }
);

string_enum!(
    /// Review and publishing state of a content item (see [`ContentStatus::transition`]).
    ContentStatus, "content status" {
        /// Just written by a generator.
        Generated => "generated",
        /// Waiting for a person.
        InReview => "in_review",
        /// Approved, not scheduled yet.
        Approved => "approved",
        /// Rejected by a reviewer; the reason is kept.
        Rejected => "rejected",
        /// Has a pending schedule.
        Scheduled => "scheduled",
        /// A publish attempt is under way.
        Publishing => "publishing",
        /// Live on its platform.
        Published => "published",
        /// Publishing failed; the reason is on the schedule.
        Failed => "failed",
    }
);

string_enum!(
    /// What an edit did to the text.
    EditType, "edit type" {
        /// Replaced text.
        Change => "change",
        /// Added text.
        Addition => "addition",
        /// Removed text.
        Deletion => "deletion",
    }
);

string_enum!(
    /// Which part of a piece an edit touched.
    EditSection, "edit section" {
        /// The title.
        Title => "title",
        /// The opening line(s).
        Hook => "hook",
        /// The middle.
        Body => "body",
        /// The closing call to action.
        Cta => "cta",
    }
);

string_enum!(
    /// State of a schedule / publication attempt (see [`ScheduleStatus::transition`]).
    ScheduleStatus, "schedule status" {
        /// Waiting for its time.
        Pending => "pending",
        /// Taken by a worker that is publishing it now.
        Claimed => "claimed",
        /// Live on the platform.
        Published => "published",
        /// Gave up; the reason is in `error_message`.
        Failed => "failed",
        /// Cancelled by a person.
        Cancelled => "cancelled",
        /// The request may have reached the platform but no answer came back; must be reconciled.
        Unknown => "unknown",
    }
);

string_enum!(
    /// Outcome of one publishing attempt, as logged.
    PublishStatus, "publish status" {
        /// The platform accepted the post.
        Success => "success",
        /// The platform refused, or we gave up.
        Failed => "failed",
        /// Failed before the platform acted; will be retried.
        Retrying => "retrying",
        /// No answer after sending; reconciliation decides.
        Unknown => "unknown",
        /// Reconciliation found the post already on the platform.
        Reconciled => "reconciled",
    }
);

string_enum!(
    /// State of a background job (see [`JobStatus::transition`]).
    JobStatus, "job status" {
        /// Waiting to be claimed (possibly not before `run_after`).
        Queued => "queued",
        /// Claimed by a worker holding a lease.
        Running => "running",
        /// Done.
        Succeeded => "succeeded",
        /// Failed permanently; not retried.
        Failed => "failed",
        /// Out of attempts; kept for a person to look at.
        Dead => "dead",
    }
);

string_enum!(
    /// Kinds of knowledge-base items.
    KnowledgeItemType, "knowledge item type" {
        /// A playbook.
        Playbook => "playbook",
        /// A post that performed well.
        ExamplePost => "example_post",
        /// A framework.
        Framework => "framework",
        /// The founder's voice ("character diamond").
        CharacterDiamond => "character_diamond",
    }
);

string_enum!(
    /// Where an ICP profile was extracted from.
    IcpSource, "ICP source" {
        /// A Grain call recording.
        GrainCall => "grain_call",
        /// A Google Meet (Gemini) call.
        GeminiCall => "gemini_call",
        /// Entered by hand.
        Manual => "manual",
    }
);

string_enum!(
    /// How much an objection blocks a deal.
    Severity, "severity" {
        /// Minor.
        Low => "low",
        /// Notable.
        Medium => "medium",
        /// Blocks deals.
        High => "high",
    }
);

string_enum!(
    /// Buyer-journey stage an objection comes up in.
    FunnelStage, "funnel stage" {
        /// Learning the problem exists.
        Awareness => "awareness",
        /// Comparing solutions.
        Consideration => "consideration",
        /// Deciding to buy.
        Decision => "decision",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T>(all: &[T])
    where
        T: Copy
            + std::fmt::Display
            + std::str::FromStr<Err = crate::Error>
            + serde::Serialize
            + serde::de::DeserializeOwned
            + PartialEq
            + std::fmt::Debug,
    {
        for v in all {
            assert_eq!(v.to_string().parse::<T>().unwrap(), *v);
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{v}\""));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *v);
        }
    }

    #[test]
    fn every_enum_round_trips_through_text_and_json() {
        round_trip(ContentType::ALL);
        round_trip(Role::ALL);
        round_trip(AuthProvider::ALL);
        round_trip(SourceType::ALL);
        round_trip(TranscriptSource::ALL);
        round_trip(SourceStatus::ALL);
        round_trip(ContentStatus::ALL);
        round_trip(EditType::ALL);
        round_trip(EditSection::ALL);
        round_trip(ScheduleStatus::ALL);
        round_trip(PublishStatus::ALL);
        round_trip(JobStatus::ALL);
        round_trip(KnowledgeItemType::ALL);
        round_trip(IcpSource::ALL);
        round_trip(Severity::ALL);
        round_trip(FunnelStage::ALL);
    }

    #[test]
    fn an_unknown_value_lists_the_allowed_ones() {
        let err = "tiktok".parse::<ContentType>().unwrap_err().to_string();
        assert!(err.contains("tiktok") && err.contains("linkedin_post, pre_interview"), "{err}");
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
    }

    #[test]
    fn aliases_parse_but_the_canonical_text_is_written() {
        assert_eq!("blog".parse::<ContentType>().unwrap(), ContentType::BlogPost);
    }

    #[test]
    fn roles_are_ordered_by_what_they_allow() {
        assert!(Role::Admin.allows(Role::Approver));
        assert!(Role::Approver.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Approver));
        assert!(!Role::Approver.allows(Role::Admin));
    }

    #[test]
    fn each_content_type_has_a_default_platform() {
        assert_eq!(ContentType::LinkedinPost.default_platform(), Platform::LINKEDIN);
        assert_eq!(ContentType::Newsletter.default_platform(), Platform::CUSTOMER_IO);
        assert_eq!(ContentType::BlogPost.default_platform(), Platform::WEBFLOW);
    }
}
