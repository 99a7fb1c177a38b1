//! OpenAI over HTTP: [`OpenAiEmbedder`] for `POST {base}/embeddings`.

mod config;
mod embedder;
mod error;
mod models;

pub use config::OpenAiConfig;
pub use embedder::{MAX_INPUTS_PER_REQUEST, MAX_TOKENS_PER_INPUT, MAX_TOKENS_PER_REQUEST, OpenAiEmbedder};
pub(crate) use error::parse_error;
