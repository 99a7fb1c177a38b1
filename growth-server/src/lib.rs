#![doc = include_str!("../README.md")]

pub mod auth;
pub mod config;
mod console;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
