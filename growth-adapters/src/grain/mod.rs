//! Grain (grain.com) v2 Public API: [`GrainIngestor`] implements `SourceIngestor` for recorded
//! sales calls (`source_type = sales_call`; `reference` = the recording id, or a pasted grain.com
//! link to it).
//!
//! Base `https://api.grain.com/_/public-api/v2`, `Authorization: Bearer <token>` (personal or
//! workspace access token) and `Public-Api-Version: 2025-10-31`. Grain's "read" endpoints are
//! `POST`s with a JSON body; they have no side effect and are retried like reads.
//!
//! **UNVERIFIED** (from third-party v2 clients, not Grain's own docs): the version header value,
//! whether a recording comes bare or wrapped in `{"recording": …}`, the list cursor's key
//! (`cursor` or `next_cursor`), the transcript as a bare array or `{"transcript": […]}`, and
//! that webhooks are unsigned. The parsing accepts every one of these shapes.

mod client;
mod config;
mod error;
mod ingestor;
mod models;
mod reference;
mod webhook;

pub use config::GrainConfig;
pub use ingestor::{GrainIngestor, RecordingFilter, RecordingPage, RecordingSummary};
pub use webhook::{GrainWebhookEvent, parse_webhook};
