//! Learning: reviewer edits become rules, calls become ICP profiles and objections, and posts
//! go out at the best time.
//!
//! Everything here is library code without a store or a clock: the engine reads the rows (edits
//! and versions, transcripts, analytics snapshots), calls these functions and writes back what
//! they return. The only I/O goes through the traits a caller hands in (an embedder and a
//! preference inferer for CIPHER, a generator to wrap); `now` and random seeds are parameters.
//!
//! | module | does |
//! |---|---|
//! | [`edits`] | classifies edit spans (LAMP-style [`EditCategory`]) and groups spans into reviewer saves ([`EditEvent`]) |
//! | [`mine`] | mines repeated patterns of saves into proposed [`Rule`]s ([`mine_rules`]) |
//! | [`rules`] | rules, their versions and life cycle ([`RuleBook`]), prompt lines, learned slop phrases |
//! | [`apply`] | applies active rules to any draft ([`apply_rules`]), or to every draft of a wrapped generator ([`RuleApplyingGenerator`]) |
//! | [`best_time`] | engagement per impression by weekday × 2-hour slot, empirical-Bayes shrinkage, Thompson sampling ([`BestTimeModel`]) |
//! | [`gate`] | the slop gate with the active learned phrases, each finding naming its rule ([`LearnedPhraseGate`]) |
//! | [`icp`] | ICP profiles from call transcripts, offline, every item with a verbatim quote and its speaker ([`icp::extract`], [`icp::validate_quotes`]) |
//! | [`objections`] | objections deduplicated by similarity, most frequent first ([`ObjectionBook`]) |
//! | [`preferences`] | CIPHER-style preferences by context: inferer trait and prompts, k-nearest retrieval, merge ([`CipherLearner`]) |
//! | [`service`] | the use-cases over a store: mining now and weekly, rule review and rollback, ICP profiles and objections from calls ([`LearningService`]); [`RuleSource`] for generation |
//! | [`simulate`] | the simulated reviewer, its preference file, the cost, and the harness ([`run_rounds`], [`SimReport`]) |
//! | [`cipher`] | CIPHER wired in: edits enqueue a `learn.preference` job, generation merges the nearest preferences ([`PreferenceService`]) |
//! | [`answer`] | "write content that answers this objection": the brief, the job, the links back ([`ObjectionContent`]) |

pub mod answer;
pub mod apply;
pub mod best_time;
pub mod cipher;
pub mod edits;
pub mod gate;
pub mod icp;
pub mod mine;
pub mod objections;
pub mod preferences;
pub mod rules;
pub mod service;
pub mod simulate;
pub(crate) mod text;

pub use answer::{OBJECTION_CONTENT_JOB, ObjectionContent, ObjectionContentHandler, objection_brief};
pub use apply::{ActiveRules, RuleApplyingGenerator, apply_rules};
pub use best_time::{BestTimeConfig, BestTimeModel, PostOutcome, PredictedEngagement, Recommendation, Slot, SlotEstimate, Snapshot};
pub use cipher::{EditObserver, PREFERENCE_JOB, PreferenceHandler, PreferenceService, PreferenceSource, preference_context};
pub use edits::{EditCategory, EditEvent, classify, tag_spans};
pub use gate::LearnedPhraseGate;
pub use icp::{IcpExtractor, OfflineIcpExtractor};
pub use mine::{MiningConfig, mine_rules};
pub use objections::ObjectionBook;
pub use preferences::{CipherLearner, ObservedEdit, PreferenceInferer, PreferenceMemory, PreferenceRecord, merge_preferences};
pub use rules::{Rule, RuleBook, RuleChange, RuleId, RuleKind, RuleStatus, prompt_lines, prompt_section, slop_phrases};
pub use service::{LearningConfig, LearningService, LearningStores, MiningRun, RuleEdit, RuleFilter, RuleSource};
pub use simulate::{Preferences, SimDraft, SimReport, SimTarget, SimulatedReviewer, edit_distance, run_rounds};
