//! Wire types of `POST /v1/messages`: the request, the streamed events, and the whole message (an
//! answer that did not stream). Responses are read leniently: unknown fields, event types,
//! content-block and delta types and usage counters are ignored.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Debug)]
pub(crate) struct MessagesRequest<'a> {
    pub(crate) model: &'a str,
    pub(crate) max_tokens: u32,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub(crate) system: &'a [SystemBlock<'a>],
    pub(crate) messages: Vec<Message<'a>>,
    pub(crate) stream: bool,
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

/// One event of the stream (the `data:` of an SSE event; its `type` repeats the event name).
#[derive(Deserialize, Debug)]
#[serde(tag = "type")]
pub(crate) enum StreamEvent {
    #[serde(rename = "message_start")]
    MessageStart { message: StartedMessage },
    #[serde(rename = "content_block_start")]
    ContentBlockStart { index: usize, content_block: StartedBlock },
    #[serde(rename = "content_block_delta")]
    ContentBlockDelta { index: usize, delta: Delta },
    #[serde(rename = "content_block_stop")]
    ContentBlockStop {
        #[serde(default)]
        #[allow(dead_code, reason = "part of the wire shape; blocks end with the message")]
        index: usize,
    },
    #[serde(rename = "message_delta")]
    MessageDelta {
        delta: MessageDeltaBody,
        #[serde(default)]
        usage: Option<WireUsage>,
    },
    #[serde(rename = "message_stop")]
    MessageStop,
    #[serde(rename = "ping")]
    Ping,
    #[serde(rename = "error")]
    Error { error: ApiError },
    #[serde(other)]
    Other,
}

/// The message as `message_start` announces it: no content yet, the input usage.
#[derive(Deserialize, Debug)]
pub(crate) struct StartedMessage {
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default)]
    pub(crate) usage: Option<WireUsage>,
}

#[derive(Deserialize, Debug)]
#[serde(tag = "type")]
pub(crate) enum StartedBlock {
    #[serde(rename = "text")]
    Text {
        #[serde(default)]
        text: String,
    },
    #[serde(rename = "tool_use")]
    ToolUse {
        #[serde(default)]
        name: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Debug)]
#[serde(tag = "type")]
pub(crate) enum Delta {
    #[serde(rename = "text_delta")]
    Text { text: String },
    #[serde(rename = "input_json_delta")]
    InputJson { partial_json: String },
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Debug)]
pub(crate) struct MessageDeltaBody {
    #[serde(default)]
    pub(crate) stop_reason: Option<String>,
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
#[derive(Deserialize, Debug, Default, Clone, Copy)]
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

impl WireUsage {
    /// These counters with the ones `later` reports replacing them (the counts of `message_delta`
    /// are cumulative; a counter it leaves out keeps its value).
    pub(crate) fn updated(self, later: WireUsage) -> Self {
        Self {
            input_tokens: later.input_tokens.or(self.input_tokens),
            output_tokens: later.output_tokens.or(self.output_tokens),
            cache_creation_input_tokens: later.cache_creation_input_tokens.or(self.cache_creation_input_tokens),
            cache_read_input_tokens: later.cache_read_input_tokens.or(self.cache_read_input_tokens),
        }
    }
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
