//! Conformance suite for [`Store`] (every repository; the job queue has its own suite).
//!
//! One module of checks per aggregate; [`run_all`] runs them all, and each check is public on its own.

mod analytics;
mod attempts;
mod bundles;
mod content;
mod health;
mod idempotency;
mod knowledge;
mod learning;
pub mod measure;
mod not_found;
mod schedules;
mod sources;
mod users;

use std::sync::Arc;

use chrono::Duration as Span;
use serde_json::json;

use crate::clock::{Clock, ManualClock};
use crate::domain::*;
use crate::store::Store;

pub use analytics::analytics_are_one_row_per_item_and_platform;
pub use attempts::{
    a_deferral_is_not_an_attempt, a_schedule_is_claimed_by_id_alone, a_send_is_recorded_before_it_leaves_and_only_under_a_live_claim,
    a_stale_outcome_never_undoes_a_newer_attempt, approvals_are_one_transaction_and_one_bad_entry_writes_nothing,
    back_to_review_cancels_pending_schedules_and_never_a_claimed_one, group_commits_answer_each_write_on_its_own,
    unknown_schedules_are_reconciled_once_per_lease_and_a_person_can_act,
};
pub use bundles::generated_pieces_are_saved_once_per_bundle_and_piece;
pub use content::{
    a_published_item_cannot_be_edited, a_stale_edit_is_a_conflict_and_writes_nothing, an_edit_makes_a_new_version_with_its_spans,
    content_listing_filters_by_platform_and_time, content_listing_filters_counts_and_pages, content_moves_through_its_machine,
    content_starts_at_version_one_with_its_history, pending_items_come_in_bundles_by_source_with_totals, quality_round_trips_with_verdicts,
};
pub use health::the_store_answers_ping;
pub use idempotency::idempotency_keys_and_cron_firings_are_exclusive;
pub use knowledge::{
    icp_profiles_are_crud_with_their_lists, knowledge_items_are_crud_and_edits_clear_the_embedding,
    objections_count_mentions_case_insensitively,
};
pub use learning::a_deleted_preference_is_gone_and_deleting_it_again_is_not_found;
pub use learning::{
    edits_since_a_time_come_from_every_item_oldest_first, preferences_keep_their_context_embedding_and_can_be_edited,
    rule_versions_round_trip_and_status_changes_are_compare_and_set, the_best_time_is_set_on_an_item_without_a_new_version,
};
pub use not_found::unknown_ids_are_not_found_everywhere;
pub use schedules::{
    a_lapsed_claim_becomes_unknown_never_pending, a_publication_is_recorded_on_schedule_item_and_log_at_once,
    a_retry_waits_for_its_next_attempt, an_item_has_one_active_schedule_per_platform,
    due_schedules_are_claimed_once_and_finished_by_their_holder, publishing_logs_are_kept_in_order,
    schedules_can_be_moved_cancelled_and_listed,
};
pub use sources::{
    a_duplicate_source_returns_the_existing_one, an_illegal_source_transition_writes_nothing,
    sources_move_through_their_machine_and_keep_failure_reasons, stale_sources_are_found_by_when_their_status_last_changed,
};
pub use users::{
    a_disabled_user_keeps_the_first_disable_time_and_revokes_earlier_sessions,
    a_users_tokens_are_revoked_together_and_a_family_knows_when_it_began, passwords_and_refresh_tokens_are_kept_and_spent_once,
    revoking_a_users_sessions_refuses_earlier_tokens_and_keeps_the_account_active, users_are_unique_by_email_case_insensitively,
};

/// What the suite checks: the engine's repositories, users and credentials.
pub trait FullStore: Store + crate::store::UserStore + crate::store::AuthStore {}
impl<T: Store + crate::store::UserStore + crate::store::AuthStore + ?Sized> FullStore for T {}

/// Runs every check against fresh stores from `make`; the store must read time from the clock.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn(Arc<ManualClock>) -> Fut,
    Fut: std::future::Future<Output = Arc<dyn FullStore>>,
{
    macro_rules! check {
        ($name:ident) => {{
            let clock = Arc::new(ManualClock::new(super::epoch()));
            let s = make(clock.clone()).await;
            super::named(stringify!($name), $name(s, clock)).await;
        }};
    }
    check!(users_are_unique_by_email_case_insensitively);
    check!(passwords_and_refresh_tokens_are_kept_and_spent_once);
    check!(a_disabled_user_keeps_the_first_disable_time_and_revokes_earlier_sessions);
    check!(revoking_a_users_sessions_refuses_earlier_tokens_and_keeps_the_account_active);
    check!(a_users_tokens_are_revoked_together_and_a_family_knows_when_it_began);
    check!(unknown_ids_are_not_found_everywhere);
    check!(a_duplicate_source_returns_the_existing_one);
    check!(sources_move_through_their_machine_and_keep_failure_reasons);
    check!(an_illegal_source_transition_writes_nothing);
    check!(stale_sources_are_found_by_when_their_status_last_changed);
    check!(content_starts_at_version_one_with_its_history);
    check!(an_edit_makes_a_new_version_with_its_spans);
    check!(a_stale_edit_is_a_conflict_and_writes_nothing);
    check!(a_published_item_cannot_be_edited);
    check!(content_moves_through_its_machine);
    check!(content_listing_filters_counts_and_pages);
    check!(content_listing_filters_by_platform_and_time);
    check!(pending_items_come_in_bundles_by_source_with_totals);
    check!(quality_round_trips_with_verdicts);
    check!(an_item_has_one_active_schedule_per_platform);
    check!(due_schedules_are_claimed_once_and_finished_by_their_holder);
    check!(a_publication_is_recorded_on_schedule_item_and_log_at_once);
    check!(a_retry_waits_for_its_next_attempt);
    check!(a_lapsed_claim_becomes_unknown_never_pending);
    check!(schedules_can_be_moved_cancelled_and_listed);
    check!(publishing_logs_are_kept_in_order);
    check!(approvals_are_one_transaction_and_one_bad_entry_writes_nothing);
    check!(back_to_review_cancels_pending_schedules_and_never_a_claimed_one);
    check!(a_send_is_recorded_before_it_leaves_and_only_under_a_live_claim);
    check!(a_stale_outcome_never_undoes_a_newer_attempt);
    check!(a_deferral_is_not_an_attempt);
    check!(a_schedule_is_claimed_by_id_alone);
    check!(unknown_schedules_are_reconciled_once_per_lease_and_a_person_can_act);
    check!(group_commits_answer_each_write_on_its_own);
    check!(analytics_are_one_row_per_item_and_platform);
    check!(knowledge_items_are_crud_and_edits_clear_the_embedding);
    check!(icp_profiles_are_crud_with_their_lists);
    check!(objections_count_mentions_case_insensitively);
    check!(rule_versions_round_trip_and_status_changes_are_compare_and_set);
    check!(preferences_keep_their_context_embedding_and_can_be_edited);
    check!(edits_since_a_time_come_from_every_item_oldest_first);
    check!(the_best_time_is_set_on_an_item_without_a_new_version);
    check!(idempotency_keys_and_cron_firings_are_exclusive);
    check!(the_store_answers_ping);
    check!(generated_pieces_are_saved_once_per_bundle_and_piece);
    check!(a_deleted_preference_is_gone_and_deleting_it_again_is_not_found);
}

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser { email: email.into(), full_name: Some("Wes Bush".into()), role, auth_provider: AuthProvider::Google }
}

fn podcast(source_id: &str) -> NewSource {
    NewSource {
        source_type: Some(SourceType::Podcast),
        source_id: Some(source_id.into()),
        title: Some("Podcast #47 - Sarah Nguyen".into()),
        metadata: json!({"guest": "Sarah Nguyen"}),
        transcript: Some("Sarah: hello".into()),
        transcript_source: Some(TranscriptSource::Riverside),
        ..NewSource::default()
    }
}

fn post(text: &str) -> NewContentItem {
    NewContentItem::draft(ContentType::LinkedinPost, Some("The 5 Stages of PLG Maturity".into()), text)
}

fn at(clock: &ManualClock, minutes: i64) -> chrono::DateTime<chrono::Utc> {
    clock.now() + Span::minutes(minutes)
}

async fn approved_item(s: &Arc<dyn FullStore>) -> ContentItem {
    let c = s.insert_content(post("Most teams think PLG means a free plan.")).await.unwrap();
    s.transition_content(c.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap()
}

fn sched(item: ContentId, platform: Platform, time: chrono::DateTime<chrono::Utc>) -> NewSchedule {
    NewSchedule { content_item_id: item, platform, scheduled_time: time, timezone: "America/New_York".into() }
}
