//! Riverside Business API v3 recordings and transcripts (`SourceIngestor`). Comes with the ingestion issue.
//!
//! Not implemented yet: this module is intentionally empty.
