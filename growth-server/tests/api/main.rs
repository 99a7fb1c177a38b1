//! API tests: the real app on port 0 with a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup should abort the test loudly")]

mod analytics;
mod auth;
mod console;
mod content;
mod cors;
mod errors;
mod generate;
mod google;
mod health;
mod helpers;
mod integrations;
mod knowledge;
mod learning;
mod logs;
mod metrics;
mod objections;
mod openapi;
mod pagination;
mod publish;
mod quality;
mod rate_limit;
mod roles;
mod sources;
mod startup;
mod users;
mod webhooks;
