//! Reading one streamed Messages answer: the events in order, accumulated into the answer.
//!
//! `message_start` carries the input usage (cache writes and reads included) and means the prompt
//! is being answered — and its cache entry is readable; `content_block_start` / `_delta` / `_stop`
//! build the content (text, and tool input as partial JSON); `message_delta` carries the stop reason
//! and the final (cumulative) usage; `message_stop` ends the answer. `ping` and unknown events are
//! ignored; an `error` event is classified like the HTTP status it stands for.

use std::collections::BTreeMap;
use std::time::SystemTime;

use growth_core::Error;
use growth_core::retry::Failure;

use super::error::stream_error;
use super::models::{Delta, StartedBlock, StreamEvent, WireUsage};
use crate::chat::Answer;
use crate::drafts::truncate_for_error;
use crate::sse::SseEvent;

/// What an event meant for the caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// `message_start`: the model has begun answering.
    Started,
    /// New answer text.
    Text(String),
    /// The provider's output token count so far.
    OutputTokens(u64),
    /// `message_stop`: the answer is complete.
    Stopped,
    /// Nothing for the caller (ping, block boundaries, tool input, unknown events).
    Nothing,
}

#[derive(Debug)]
enum Block {
    Text(String),
    ToolUse { name: String, input_json: String },
    Other,
}

/// The answer so far.
#[derive(Debug, Default)]
pub(crate) struct Accumulator {
    model: Option<String>,
    usage: WireUsage,
    blocks: BTreeMap<usize, Block>,
    stop_reason: Option<String>,
    started: bool,
}

impl Accumulator {
    /// Applies one event. `model` names the configured model in errors.
    pub(crate) fn apply(&mut self, event: &SseEvent, model: &str) -> Result<Step, Failure> {
        let parsed: StreamEvent = serde_json::from_str(&event.data).map_err(|e| {
            Failure::fatal(Error::Permanent(format!(
                "unexpected Claude stream event `{}` ({e}): {}",
                event.event,
                truncate_for_error(&event.data, 300)
            )))
        })?;
        Ok(match parsed {
            StreamEvent::MessageStart { message } => {
                self.model = message.model;
                self.usage = message.usage.unwrap_or_default();
                self.started = true;
                Step::Started
            }
            StreamEvent::ContentBlockStart { index, content_block } => {
                let block = match content_block {
                    StartedBlock::Text { text } => Block::Text(text),
                    StartedBlock::ToolUse { name } => Block::ToolUse { name, input_json: String::new() },
                    StartedBlock::Other => Block::Other,
                };
                let initial = match &block {
                    Block::Text(t) if !t.is_empty() => Step::Text(t.clone()),
                    _ => Step::Nothing,
                };
                self.blocks.insert(index, block);
                initial
            }
            StreamEvent::ContentBlockDelta { index, delta } => match (self.blocks.get_mut(&index), delta) {
                (Some(Block::Text(text)), Delta::Text { text: more }) => {
                    text.push_str(&more);
                    Step::Text(more)
                }
                (Some(Block::ToolUse { input_json, .. }), Delta::InputJson { partial_json }) => {
                    input_json.push_str(&partial_json);
                    Step::Nothing
                }
                _ => Step::Nothing,
            },
            StreamEvent::MessageDelta { delta, usage } => {
                self.stop_reason = delta.stop_reason.or(self.stop_reason.take());
                match usage {
                    Some(u) => {
                        self.usage = self.usage.updated(u);
                        u.output_tokens.map_or(Step::Nothing, Step::OutputTokens)
                    }
                    None => Step::Nothing,
                }
            }
            StreamEvent::MessageStop => Step::Stopped,
            StreamEvent::Error { error } => {
                let kind = error.kind.as_deref().unwrap_or("api_error");
                return Err(stream_error(kind, event.data.as_bytes(), model, SystemTime::now()));
            }
            StreamEvent::ContentBlockStop { .. } | StreamEvent::Ping | StreamEvent::Other => Step::Nothing,
        })
    }

    /// Whether `message_start` has arrived.
    pub(crate) fn started(&self) -> bool {
        self.started
    }

    /// The tool calls' names and accumulated input JSON, in block order.
    #[cfg_attr(not(test), allow(dead_code, reason = "the generator asks for no tools; kept for the stream's whole shape"))]
    pub(crate) fn tool_inputs(&self) -> Vec<(&str, &str)> {
        self.blocks
            .values()
            .filter_map(|b| match b {
                Block::ToolUse { name, input_json } => Some((name.as_str(), input_json.as_str())),
                _ => None,
            })
            .collect()
    }

    /// The complete answer: the text blocks concatenated in index order.
    pub(crate) fn finish(self) -> Answer {
        let text = self
            .blocks
            .into_values()
            .filter_map(|b| match b {
                Block::Text(t) => Some(t),
                _ => None,
            })
            .collect();
        Answer {
            text,
            truncated: self.stop_reason.as_deref() == Some("max_tokens"),
            refused: self.stop_reason.as_deref() == Some("refusal"),
            stop_reason: self.stop_reason,
            model: self.model,
            usage: self.usage.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sse::SseDecoder;

    /// Every event of a recorded stream, through a fresh accumulator.
    fn replay(raw: &str) -> (Accumulator, Vec<Step>) {
        let mut acc = Accumulator::default();
        let mut d = SseDecoder::new();
        let mut events = d.push(raw.as_bytes());
        events.extend(d.finish());
        let steps = events.iter().map(|e| acc.apply(e, "m").unwrap()).collect();
        (acc, steps)
    }

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../tests/fixtures/anthropic/streaming_sse/", $name))
        };
    }

    #[test]
    fn the_basic_recorded_stream_gives_its_text_stop_reason_and_usage() {
        let (acc, steps) = replay(fixture!("basic_response.sse"));
        assert_eq!(steps.first(), Some(&Step::Started));
        assert_eq!(steps.last(), Some(&Step::Stopped));
        let texts: Vec<&Step> = steps.iter().filter(|s| matches!(s, Step::Text(_))).collect();
        assert_eq!(texts, [&Step::Text("Hello".into()), &Step::Text(" there".into()), &Step::Text("!".into())]);
        let a = acc.finish();
        assert_eq!(a.text, "Hello there!");
        assert_eq!(a.stop_reason.as_deref(), Some("end_turn"));
        assert_eq!((a.usage.input_tokens, a.usage.output_tokens), (11, 6));
        assert!(!a.truncated && !a.refused);
    }

    #[test]
    fn tool_input_json_is_accumulated_and_kept_out_of_the_text() {
        let (acc, _) = replay(fixture!("tool_use_response.sse"));
        assert_eq!(acc.tool_inputs(), vec![("get_weather", r#"{"location": "Paris"}"#)]);
        let a = acc.finish();
        assert_eq!(a.text, "I'll check the current weather in Paris for you.");
        assert_eq!(a.stop_reason.as_deref(), Some("tool_use"));
        assert_eq!((a.usage.input_tokens, a.usage.output_tokens, a.usage.cache_read_input_tokens), (377, 65, 0));
    }

    #[test]
    fn a_cut_off_answer_is_truncated_and_a_refusal_is_refused() {
        let (acc, _) = replay(fixture!("incomplete_partial_json_response.sse"));
        let a = acc.finish();
        assert!(a.truncated);
        assert_eq!(a.usage.output_tokens, 124);
        let (acc, _) = replay(fixture!("refusal_response.sse"));
        let a = acc.finish();
        assert!(a.refused && a.text.is_empty());
    }

    #[test]
    fn unknown_block_and_delta_types_are_ignored() {
        for raw in [fixture!("compaction_response.sse"), fixture!("fallback_response.sse"), fixture!("fallback_credit_response.sse")] {
            let (acc, steps) = replay(raw);
            assert_eq!(steps.last(), Some(&Step::Stopped));
            assert_eq!(acc.finish().text, "Hello there!");
        }
    }

    #[test]
    fn the_final_usage_of_message_delta_replaces_what_it_reports() {
        let raw = r#"event: message_start
data: {"type":"message_start","message":{"model":"claude-sonnet-4-5","usage":{"input_tokens":12,"cache_creation_input_tokens":15000,"cache_read_input_tokens":0,"output_tokens":1}}}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":900}}

event: message_stop
data: {"type":"message_stop"}

"#;
        let (acc, steps) = replay(raw);
        assert!(steps.contains(&Step::OutputTokens(900)));
        let u = acc.finish().usage;
        assert_eq!((u.input_tokens, u.cache_creation_input_tokens, u.output_tokens), (12, 15_000, 900));
    }

    #[test]
    fn an_error_event_fails_the_answer_with_its_retry_verdict() {
        let raw = "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n";
        let mut d = SseDecoder::new();
        let event = &d.push(raw.as_bytes())[0];
        let f = Accumulator::default().apply(event, "m").unwrap_err();
        assert!(f.retryable, "{:?}", f.error);
    }
}
