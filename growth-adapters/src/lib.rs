#![doc = include_str!("../README.md")]

pub mod alert;
#[cfg(feature = "assemblyai")]
pub mod assemblyai;
#[cfg(feature = "customerio")]
pub mod customerio;
#[cfg(any(feature = "gptzero", feature = "originality"))]
pub mod detection;
#[cfg(feature = "gemini")]
pub mod gemini;
#[cfg(feature = "gptzero")]
pub mod gptzero;
#[cfg(feature = "grain")]
pub mod grain;
pub mod http;
#[cfg(feature = "linkedin")]
pub mod linkedin;
#[cfg(any(feature = "customerio", feature = "webflow"))]
pub mod markdown;
#[cfg(feature = "n8n")]
pub mod n8n;
#[cfg(feature = "notion")]
pub mod notion;
#[cfg(feature = "originality")]
pub mod originality;
#[cfg(feature = "pinecone")]
pub mod pinecone;
#[cfg(feature = "riverside")]
pub mod riverside;
#[cfg(feature = "webflow")]
pub mod webflow;
