//! LinkedIn Posts API (`Publisher`, `MetricsSource`). Comes with the publishing issue.
//!
//! Not implemented yet: this module is intentionally empty.
