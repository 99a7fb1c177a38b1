//! Google Meet REST API v2 — what users call "Gemini notes": [`GeminiIngestor`] implements
//! `SourceIngestor` for recorded calls (`source_type = sales_call`, transcript source `gemini`).
//!
//! The Gemini model API cannot read meetings; Meet's "Take notes for me" (Gemini) and its
//! transcripts are conference-record artifacts. For one conference record the ingestor reads
//! `GET /v2/conferenceRecords/{id}`, its participants (to name speakers), its transcripts and the
//! entries of the chosen one (paged with `pageToken`, 100 per page), and its smart notes, whose
//! Google Docs link (`docsDestination.exportUri`) goes into the metadata. Auth is an OAuth access
//! token (`Authorization: Bearer`, scope `meetings.space.readonly`) from configuration; refreshing
//! it is the caller's business.
//!
//! `reference` is a conference record name (`conferenceRecords/abc`), its bare id, a meeting code
//! (`abc-mnop-xyz`: the most recent conference of that meeting is taken) or a pasted meeting link
//! (`https://meet.google.com/abc-mnop-xyz`).
//!
//! **UNVERIFIED**: the scope smart notes need (a 403/404 there is tolerated: the call is
//! ingested without notes) and Meet's quotas (429/5xx are retried with backoff). Records are
//! deleted by Google 30 days after the call (`expireTime`, kept in the metadata).

mod client;
mod config;
mod error;
mod ingestor;
mod models;
mod reference;

pub use config::GeminiConfig;
pub use ingestor::GeminiIngestor;
