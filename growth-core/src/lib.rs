#![doc = include_str!("../README.md")]

pub mod blob;
pub mod clock;
pub mod domain;
mod error;
pub mod generate;
pub mod ingest;
pub mod jobs;
pub mod knowledge;
pub mod learn;
pub mod measure;
pub mod memory;
pub mod prompt;
pub mod publish;
pub mod quality;
pub mod retry;
pub mod review;
pub mod schedule;
pub mod store;
pub mod telemetry;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod transcript;
pub mod vector;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
