//! Google Meet REST v2 conference transcripts (`SourceIngestor`). Comes with the ingestion issue.
//!
//! Not implemented yet: this module is intentionally empty.
