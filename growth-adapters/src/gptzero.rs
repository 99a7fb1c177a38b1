//! GPTZero AI-likeness scores (`AiDetector`). Comes with the quality-gates issue.
//!
//! Not implemented yet: this module is intentionally empty.
