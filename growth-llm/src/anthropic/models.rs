//! Wire types of `POST /v1/messages` (non-streaming). Responses are read leniently: unknown
//! fields, content-block types and usage counters are ignored.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Debug)]
pub(crate) struct MessagesRequest<'a> {
    pub(crate) model: &'a str,
    pub(crate) max_tokens: u32,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub(crate) system: &'a [SystemBlock<'a>],
    pub(crate) messages: Vec<Message<'a>>,
}

#[derive(Serialize, Debug)]
pub(crate) struct SystemBlock<'a> {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cache_control: Option<CacheControl>,
}

#[derive(Serialize, Debug, Clone, Copy)]
pub(crate) struct CacheControl {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

impl CacheControl {
    pub(crate) const EPHEMERAL: Self = Self { kind: "ephemeral" };
}

#[derive(Serialize, Debug)]
pub(crate) struct Message<'a> {
    pub(crate) role: &'static str,
    pub(crate) content: &'a str,
}

#[derive(Deserialize, Debug)]
pub(crate) struct MessagesResponse {
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default)]
    pub(crate) content: Vec<ContentBlock>,
    #[serde(default)]
    pub(crate) stop_reason: Option<String>,
    #[serde(default)]
    pub(crate) usage: WireUsage,
}

impl MessagesResponse {
    /// The text blocks, concatenated; every other block type (thinking, tool use …) is skipped.
    pub(crate) fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text { text } => Some(text.as_str()),
                ContentBlock::Other => None,
            })
            .collect()
    }
}

#[derive(Deserialize, Debug)]
#[serde(tag = "type")]
pub(crate) enum ContentBlock {
    #[serde(rename = "text")]
    Text {
        #[serde(default)]
        text: String,
    },
    #[serde(other)]
    Other,
}

/// Counters can be absent or `null`; both read as 0.
#[derive(Deserialize, Debug, Default)]
pub(crate) struct WireUsage {
    #[serde(default)]
    pub(crate) input_tokens: Option<u64>,
    #[serde(default)]
    pub(crate) output_tokens: Option<u64>,
    #[serde(default)]
    pub(crate) cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    pub(crate) cache_read_input_tokens: Option<u64>,
}

impl From<WireUsage> for growth_core::generate::Usage {
    fn from(u: WireUsage) -> Self {
        Self {
            input_tokens: u.input_tokens.unwrap_or(0),
            output_tokens: u.output_tokens.unwrap_or(0),
            cache_creation_input_tokens: u.cache_creation_input_tokens.unwrap_or(0),
            cache_read_input_tokens: u.cache_read_input_tokens.unwrap_or(0),
        }
    }
}

#[derive(Deserialize, Debug)]
pub(crate) struct ApiErrorBody {
    pub(crate) error: ApiError,
    #[serde(default)]
    pub(crate) request_id: Option<String>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct ApiError {
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) details: Option<ApiErrorDetails>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct ApiErrorDetails {
    #[serde(default)]
    pub(crate) error_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_blocks_and_usage_fields_are_tolerated() {
        let body = r#"{"model":"claude-haiku-4-5-20251001","id":"msg_01","type":"message","role":"assistant",
            "content":[{"type":"thinking","thinking":"hmm","signature":"x"},
                       {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"location":"SF"},"caller":{"type":"direct"}},
                       {"type":"text","text":"Hello"},{"type":"brand_new_block","payload":[1,2]},{"type":"text","text":" there"}],
            "stop_reason":"end_turn","stop_sequence":null,
            "usage":{"input_tokens":659,"cache_creation_input_tokens":null,"cache_read_input_tokens":7,
                     "cache_creation":{"ephemeral_5m_input_tokens":0},"output_tokens":74,"service_tier":"standard",
                     "inference_geo":"not_available","fallback_credit":{"status":{"type":"redeemed"}}}}"#;
        let r: MessagesResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.text(), "Hello there");
        let u: growth_core::generate::Usage = r.usage.into();
        assert_eq!((u.input_tokens, u.output_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens), (659, 74, 0, 7));
    }
}
