//! The state machines of ARCHITECTURE.md as pure functions.
//!
//! Each `transition` either returns the next state or an [`Error::Conflict`] naming both states.
//! Stores call these before writing, so an illegal move is never a silent overwrite.

use crate::Error;

use super::{ContentStatus, JobStatus, ScheduleStatus, SourceStatus};

impl ContentStatus {
    /// The states this one may move to.
    ///
    /// `generated → in_review → approved → scheduled → publishing → published | failed`,
    /// `in_review → rejected`. Two moves the PRD implies but does not draw: cancelling a schedule
    /// puts a `scheduled` item back to `approved`, and a `failed` item can be `scheduled` again.
    pub const fn successors(self) -> &'static [ContentStatus] {
        use ContentStatus::*;
        match self {
            Generated => &[InReview],
            InReview => &[Approved, Rejected],
            Approved => &[Scheduled],
            Scheduled => &[Publishing, Approved],
            Publishing => &[Published, Failed],
            Failed => &[Scheduled],
            Rejected | Published => &[],
        }
    }

    /// Moves to `to`, or refuses with a conflict naming both states.
    pub fn transition(self, to: ContentStatus) -> Result<ContentStatus, Error> {
        if self.successors().contains(&to) { Ok(to) } else { Err(Error::illegal_transition("content item", self, to)) }
    }

    /// Whether a reviewer may still edit the text in this state.
    pub const fn is_editable(self) -> bool {
        matches!(self, ContentStatus::Generated | ContentStatus::InReview)
    }
}

impl ScheduleStatus {
    /// The states this one may move to.
    ///
    /// `pending → claimed → published | failed`, `pending → cancelled`; `claimed → unknown` when a
    /// request may have reached the platform without an answer; `claimed → pending` to retry what
    /// failed *before* the platform acted; reconciliation moves `unknown` to `published` (found),
    /// `pending` (proved absent, safe to send) or `failed`, and a person may cancel an `unknown`
    /// one (or move it, to `pending`); a `failed` schedule may be rescheduled.
    pub const fn successors(self) -> &'static [ScheduleStatus] {
        use ScheduleStatus::*;
        match self {
            Pending => &[Claimed, Cancelled],
            Claimed => &[Published, Failed, Unknown, Pending],
            Unknown => &[Published, Pending, Failed, Cancelled],
            Failed => &[Pending],
            Published | Cancelled => &[],
        }
    }

    /// Moves to `to`, or refuses with a conflict naming both states.
    pub fn transition(self, to: ScheduleStatus) -> Result<ScheduleStatus, Error> {
        if self.successors().contains(&to) { Ok(to) } else { Err(Error::illegal_transition("schedule", self, to)) }
    }

    /// Whether nothing more will happen to this schedule without a person acting.
    pub const fn is_terminal(self) -> bool {
        matches!(self, ScheduleStatus::Published | ScheduleStatus::Failed | ScheduleStatus::Cancelled)
    }
}

impl SourceStatus {
    /// The states this one may move to: `ingested → processing → completed | failed`; a failed
    /// source may be processed again.
    pub const fn successors(self) -> &'static [SourceStatus] {
        use SourceStatus::*;
        match self {
            Ingested => &[Processing, Failed],
            Processing => &[Completed, Failed],
            Failed => &[Processing],
            Completed => &[],
        }
    }

    /// Moves to `to`, or refuses with a conflict naming both states.
    pub fn transition(self, to: SourceStatus) -> Result<SourceStatus, Error> {
        if self.successors().contains(&to) { Ok(to) } else { Err(Error::illegal_transition("source", self, to)) }
    }
}

impl JobStatus {
    /// The states this one may move to: `queued → running → succeeded | failed | dead`;
    /// `running → queued` when an attempt failed and will be retried later; a `dead` or `failed`
    /// job can be put back in the queue by a person (it is never deleted).
    pub const fn successors(self) -> &'static [JobStatus] {
        use JobStatus::*;
        match self {
            Queued => &[Running],
            Running => &[Succeeded, Failed, Dead, Queued],
            Failed | Dead => &[Queued],
            Succeeded => &[],
        }
    }

    /// Moves to `to`, or refuses with a conflict naming both states.
    pub fn transition(self, to: JobStatus) -> Result<JobStatus, Error> {
        if self.successors().contains(&to) { Ok(to) } else { Err(Error::illegal_transition("job", self, to)) }
    }

    /// Whether the job has finished, one way or the other.
    pub const fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed | JobStatus::Dead)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks every (from, to) pair and checks the machine accepts exactly `legal`.
    fn check_machine<S: Copy + Eq + std::fmt::Display + std::fmt::Debug>(
        all: &[S],
        legal: &[(S, S)],
        transition: impl Fn(S, S) -> Result<S, Error>,
    ) {
        for &from in all {
            for &to in all {
                let result = transition(from, to);
                if legal.contains(&(from, to)) {
                    assert_eq!(result.unwrap(), to, "{from} → {to} should be legal");
                } else {
                    let err = result.expect_err(&format!("{from} → {to} should be refused"));
                    assert!(matches!(err, Error::Conflict { .. }));
                    let msg = err.to_string();
                    assert!(msg.contains(&format!("`{from}`")) && msg.contains(&format!("`{to}`")), "{msg}");
                }
            }
        }
    }

    #[test]
    fn the_content_machine_allows_exactly_the_documented_moves() {
        use ContentStatus::*;
        let legal = [
            (Generated, InReview),
            (InReview, Approved),
            (InReview, Rejected),
            (Approved, Scheduled),
            (Scheduled, Publishing),
            (Scheduled, Approved),
            (Publishing, Published),
            (Publishing, Failed),
            (Failed, Scheduled),
        ];
        check_machine(ContentStatus::ALL, &legal, ContentStatus::transition);
    }

    #[test]
    fn a_published_item_cannot_go_back_to_review() {
        let err = ContentStatus::Published.transition(ContentStatus::InReview).unwrap_err();
        assert_eq!(err.to_string(), "conflict: content item cannot move from `published` to `in_review`");
    }

    #[test]
    fn only_generated_and_in_review_items_are_editable() {
        for s in ContentStatus::ALL {
            assert_eq!(s.is_editable(), matches!(s, ContentStatus::Generated | ContentStatus::InReview), "{s}");
        }
    }

    #[test]
    fn the_schedule_machine_allows_exactly_the_documented_moves() {
        use ScheduleStatus::*;
        let legal = [
            (Pending, Claimed),
            (Pending, Cancelled),
            (Claimed, Published),
            (Claimed, Failed),
            (Claimed, Unknown),
            (Claimed, Pending),
            (Unknown, Published),
            (Unknown, Pending),
            (Unknown, Failed),
            (Unknown, Cancelled),
            (Failed, Pending),
        ];
        check_machine(ScheduleStatus::ALL, &legal, ScheduleStatus::transition);
    }

    #[test]
    fn an_unknown_publish_is_never_claimed_again_without_reconciliation() {
        // `unknown → claimed` would be a blind resend.
        assert!(ScheduleStatus::Unknown.transition(ScheduleStatus::Claimed).is_err());
    }

    #[test]
    fn the_source_machine_allows_exactly_the_documented_moves() {
        use SourceStatus::*;
        let legal = [(Ingested, Processing), (Ingested, Failed), (Processing, Completed), (Processing, Failed), (Failed, Processing)];
        check_machine(SourceStatus::ALL, &legal, SourceStatus::transition);
    }

    #[test]
    fn the_job_machine_allows_exactly_the_documented_moves() {
        use JobStatus::*;
        let legal = [
            (Queued, Running),
            (Running, Succeeded),
            (Running, Failed),
            (Running, Dead),
            (Running, Queued),
            (Failed, Queued),
            (Dead, Queued),
        ];
        check_machine(JobStatus::ALL, &legal, JobStatus::transition);
    }

    #[test]
    fn terminal_states_are_the_documented_ones() {
        assert!(ScheduleStatus::Published.is_terminal());
        assert!(!ScheduleStatus::Unknown.is_terminal());
        assert!(JobStatus::Dead.is_terminal());
        assert!(!JobStatus::Running.is_terminal());
    }
}
