//! Pinecone settings.

use secrecy::SecretString;
use serde::Deserialize;

use crate::http::HttpConfig;

/// The `X-Pinecone-Api-Version` sent on every request unless configured otherwise. Pinecone
/// releases a stable version each quarter and supports it for at least twelve months; without the
/// header a request silently gets the oldest supported version, so it is always sent.
pub const DEFAULT_API_VERSION: &str = "2026-04";

/// Settings of [`PineconeVectorStore`](super::PineconeVectorStore). `Debug` hides the key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PineconeConfig {
    /// The API key, sent as `Api-Key: <key>`.
    pub api_key: SecretString,
    /// The index name, used to look up its host (`GET /indexes/{index}`) and in messages.
    pub index: String,
    /// The index host (`my-index-abc1234.svc.us-east1-gcp.pinecone.io`, a scheme is optional).
    /// When set, the control plane is never asked for it.
    #[serde(default)]
    pub host: Option<String>,
    /// Length of every vector: the embedder's dimensions. [`check_dimensions`] compares it with
    /// the index.
    ///
    /// [`check_dimensions`]: super::PineconeVectorStore::check_dimensions
    pub dimensions: usize,
    /// Control-plane base URL.
    #[serde(default = "default_control_plane_url")]
    pub control_plane_url: String,
    /// `X-Pinecone-Api-Version` header value.
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// Timeouts, retries, rate limit.
    #[serde(default)]
    pub http: HttpConfig,
}

impl PineconeConfig {
    /// A configuration with defaults for everything but the key, the index and its dimensions.
    pub fn new(api_key: SecretString, index: impl Into<String>, dimensions: usize) -> Self {
        Self {
            api_key,
            index: index.into(),
            host: None,
            dimensions,
            control_plane_url: default_control_plane_url(),
            api_version: default_api_version(),
            http: HttpConfig::default(),
        }
    }
}

fn default_control_plane_url() -> String {
    "https://api.pinecone.io".to_owned()
}

fn default_api_version() -> String {
    DEFAULT_API_VERSION.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", PineconeConfig::new(SecretString::from("pcsk-live-123"), "kb", 1536));
        assert!(!shown.contains("pcsk-live-123"), "{shown}");
    }

    #[test]
    fn config_fills_defaults_and_refuses_unknown_keys() {
        let c: PineconeConfig = serde_json::from_value(serde_json::json!({"api_key": "k", "index": "kb", "dimensions": 3})).unwrap();
        assert_eq!(c.api_version, DEFAULT_API_VERSION);
        assert_eq!(c.control_plane_url, "https://api.pinecone.io");
        assert_eq!(c.host, None);
        let bad = serde_json::from_value::<PineconeConfig>(serde_json::json!({"api_key": "k", "index": "kb", "dimensions": 3, "dims": 3}));
        assert!(bad.is_err());
    }
}
