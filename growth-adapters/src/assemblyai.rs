//! AssemblyAI transcription (`Transcriber`): upload, transcribe with speaker labels, poll or webhook. Comes with the ingestion issue.
//!
//! Not implemented yet: this module is intentionally empty.
