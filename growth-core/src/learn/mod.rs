//! Learning: reviewer edits become rules, calls become ICP profiles and objections, and posts
//! go out at the best time.
//!
//! Everything here is a pure library: no store, no clock, no network. The engine reads the rows
//! (edits and versions, transcripts, analytics snapshots), calls these functions and writes back
//! what they return.
//!
//! | module | does |
//! |---|---|
//! | [`edits`] | classifies edit spans (LAMP-style [`EditCategory`]) and groups spans into reviewer saves ([`EditEvent`]) |
//! | [`mine`] | mines repeated patterns of saves into proposed [`Rule`]s ([`mine_rules`]) |
//! | [`rules`] | rules, their versions and life cycle ([`RuleBook`]), prompt lines, learned slop phrases |
//! | [`apply`] | applies active rules to any draft ([`apply_rules`]) |

pub mod apply;
pub mod edits;
pub mod mine;
pub mod rules;
pub(crate) mod text;

pub use apply::apply_rules;
pub use edits::{EditCategory, EditEvent, classify, tag_spans};
pub use mine::{MiningConfig, mine_rules};
pub use rules::{Rule, RuleBook, RuleChange, RuleId, RuleKind, RuleStatus, prompt_section, slop_phrases};
