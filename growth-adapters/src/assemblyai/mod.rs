//! AssemblyAI transcription: [`AssemblyAiTranscriber`] implements `Transcriber`.
//!
//! Bytes are uploaded (`POST /v2/upload`), a transcript is created with speaker labels
//! (`POST /v2/transcript`) and polled (`GET /v2/transcript/{id}`) with backoff until it is
//! `completed` or `error`. Auth is `Authorization: <key>` — the raw key, no `Bearer`.
//!
//! Creating a transcript bills it and has no idempotency key, so that request is never retried
//! once it may have been sent (a timeout is `Error::OutcomeUnknown`). To survive a crash between
//! creating and finishing, callers can split the work: [`AssemblyAiTranscriber::submit`] returns
//! the id to persist, [`AssemblyAiTranscriber::wait`] resumes from it, and
//! [`parse_webhook`] reads AssemblyAI's "transcript ready" notification.

mod client;
mod config;
mod error;
mod models;
mod transcriber;
mod webhook;

pub use config::{AssemblyAiConfig, PollConfig};
pub use transcriber::AssemblyAiTranscriber;
pub use webhook::{TranscriptStatus, WebhookNotification, parse_webhook};
