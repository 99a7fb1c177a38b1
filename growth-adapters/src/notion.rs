//! Notion tracking pages (`Publisher`). Comes with the publishing issue.
//!
//! Not implemented yet: this module is intentionally empty.
