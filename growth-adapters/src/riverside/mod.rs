//! Riverside.fm Business API v3: [`RiversideIngestor`] implements `SourceIngestor` for podcast
//! recordings (`reference` = the recording id, or a pasted riverside.fm link to it).
//!
//! Host `https://platform.riverside.fm`, `Authorization: Bearer <API key>` (keys are issued to
//! select Business accounts). The recording is read with `GET /api/v3/recordings/{id}`; its
//! transcript is downloaded as SRT (or TXT) and parsed with `growth_core::transcript`.
//!
//! **Transcript rate limit**: Riverside allows one transcript download "once every 3 minutes per
//! unique request" (`x-ratelimit-limit: 1`, `x-ratelimit-reset: 180`). The unit is the request —
//! the same file in the same format — not the client: downloading another recording's transcript,
//! or the same one as TXT, is not held back. [`RiversideIngestor`] keeps a
//! [`MinInterval`](crate::http::MinInterval) keyed by the download URL and refuses a repeat inside
//! the window with `Error::RateLimited` carrying the remaining wait (no request is sent); a 429
//! from Riverside blocks the key for the `x-ratelimit-reset` it names. The limiter is per process.
//!
//! **UNVERIFIED** (only third-party mirrors describe them): the v3 recording paths and shapes
//! (bare, `{"data": …}` or `{"recording": …}`), where the transcript is referenced
//! (`transcription.srt_url`/`txt_url`, or a transcription file id), the list's paging, and the v3
//! form of the download path — the default is the documented `/api/v1/download/transcription/{file_id}`
//! and is configurable. Riverside documents no webhooks: poll.

mod client;
mod config;
mod error;
mod ingestor;
mod models;
mod reference;
pub mod webhook;

pub use config::{RiversideConfig, RiversideTranscriptFormat};
pub use ingestor::{RecordingPage, RecordingSummary, RiversideIngestor};
