//! # growth-server
//!
//! The reference server of the growth content engine: the REST API the review app uses, the
//! background worker, and the `growth` command-line tool (`serve`, `worker`, `migrate`).
//!
//! With no configuration at all, `growth serve` opens `./growth.db` (SQLite), migrates it and
//! serves on `127.0.0.1:8080`; see [`config`] for every setting.

pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
