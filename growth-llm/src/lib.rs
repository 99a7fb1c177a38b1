#![doc = include_str!("../README.md")]

pub mod anthropic;
mod chat;
mod cpu;
pub mod drafts;
mod http;
pub mod learning;
pub mod offline;
pub mod openai;
pub mod openai_compat;
mod progress;
mod sse;
