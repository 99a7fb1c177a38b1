//! Reading one Chat Completions answer, whole or streamed: `data: {chunk}` events whose first
//! choice's `delta.content` carries the text, a `finish_reason` on the last content chunk, an
//! optional usage chunk (often with no choices), then `data: [DONE]`. A chunk with an `error`
//! member is the server failing mid-stream.

use growth_core::Error;
use growth_core::generate::Usage;
use growth_core::retry::Failure;
use reqwest::header::HeaderMap;

use super::models::{ChatCompletion, Chunk, WireUsage};
use crate::chat::Answer;
use crate::drafts::truncate_for_error;
use crate::openai::parse_error;

/// What a chunk meant for the caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// New answer text.
    Text(String),
    /// The server's output token count.
    OutputTokens(u64),
    /// `[DONE]`: the answer is complete.
    Done,
    /// Nothing for the caller.
    Nothing,
}

/// The answer so far.
#[derive(Debug, Default)]
pub(crate) struct Accumulator {
    text: String,
    refusal: String,
    model: Option<String>,
    finish_reason: Option<String>,
    usage: Option<WireUsage>,
}

impl Accumulator {
    /// Applies the `data` of one event. `service`/`model` name the server in errors.
    pub(crate) fn apply(&mut self, data: &str, service: &str, model: &str) -> Result<Step, Failure> {
        if data.trim() == "[DONE]" {
            return Ok(Step::Done);
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|e| {
            Failure::fatal(Error::Permanent(format!("unexpected chunk from {service} ({e}): {}", truncate_for_error(data, 300))))
        })?;
        if let Some(error) = &chunk.error {
            let kind = error.get("type").and_then(|t| t.as_str()).unwrap_or_default();
            let status = if kind == "invalid_request_error" { 400 } else { 500 };
            let mut f = parse_error(status, &HeaderMap::new(), data.as_bytes(), service, "chat completion", model);
            if let Error::Transient { message, .. } = &mut f.error {
                message.insert_str(0, "mid-stream: ");
            }
            return Err(f);
        }
        if chunk.model.is_some() {
            self.model = chunk.model;
        }
        let mut step = Step::Nothing;
        if let Some(choice) = chunk.choices.into_iter().find(|c| c.index == 0) {
            if let Some(delta) = choice.delta {
                if let Some(refusal) = delta.refusal {
                    self.refusal.push_str(&refusal);
                }
                if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                    self.text.push_str(&text);
                    step = Step::Text(text);
                }
            }
            if choice.finish_reason.is_some() {
                self.finish_reason = choice.finish_reason;
            }
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage);
            if step == Step::Nothing
                && let Some(n) = usage.completion_tokens
            {
                step = Step::OutputTokens(n);
            }
        }
        Ok(step)
    }

    /// Whether the answer has said how it ended (a stream cut after that lost nothing).
    pub(crate) fn finished(&self) -> bool {
        self.finish_reason.is_some()
    }

    /// The complete answer.
    pub(crate) fn finish(self) -> Answer {
        answer(self.text, &self.refusal, self.finish_reason, self.model, self.usage)
    }
}

/// A whole (non-streamed) answer.
pub(crate) fn whole(bytes: &[u8], service: &str) -> Result<Answer, Failure> {
    let completion: ChatCompletion = serde_json::from_slice(bytes).map_err(|e| {
        Failure::fatal(Error::Permanent(format!(
            "unexpected answer from {service} ({e}): {}",
            truncate_for_error(&String::from_utf8_lossy(bytes), 500)
        )))
    })?;
    let choice = completion.choices.into_iter().find(|c| c.index == 0);
    let (message, finish_reason) = match choice {
        Some(c) => (c.message.unwrap_or_default(), c.finish_reason),
        None => (Default::default(), None),
    };
    Ok(answer(
        message.content.unwrap_or_default(),
        message.refusal.as_deref().unwrap_or(""),
        finish_reason,
        completion.model,
        completion.usage,
    ))
}

fn answer(text: String, refusal: &str, finish_reason: Option<String>, model: Option<String>, usage: Option<WireUsage>) -> Answer {
    let refused = !refusal.trim().is_empty() || finish_reason.as_deref() == Some("content_filter");
    Answer {
        text: if text.trim().is_empty() && refused { refusal.to_owned() } else { text },
        truncated: finish_reason.as_deref() == Some("length"),
        refused,
        stop_reason: finish_reason,
        model,
        usage: usage.map(Usage::from).unwrap_or_default(),
    }
}

/// `Error::Transient` for a stream that ended before saying how it ended.
pub(crate) fn cut_short(service: &str) -> Failure {
    Failure::retry(Error::transient(format!("the stream from {service} ended before its last chunk")), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sse::SseDecoder;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../tests/fixtures/openai_compat/", $name))
        };
    }

    fn replay(raw: &str) -> (Accumulator, Vec<Step>) {
        let mut acc = Accumulator::default();
        let mut d = SseDecoder::new();
        let mut events = d.push(raw.as_bytes());
        events.extend(d.finish());
        let steps = events.iter().map(|e| acc.apply(&e.data, "s", "m").unwrap()).collect();
        (acc, steps)
    }

    #[test]
    fn openais_documented_stream_gives_its_text_finish_reason_and_usage() {
        let (acc, steps) = replay(fixture!("openai_chat_completion_stream.sse"));
        assert_eq!(steps, vec![Step::Nothing, Step::Text("Hello".into()), Step::Nothing, Step::OutputTokens(12), Step::Done]);
        let a = acc.finish();
        assert_eq!((a.text.as_str(), a.stop_reason.as_deref(), a.model.as_deref()), ("Hello", Some("stop"), Some("gpt-4o-mini")));
        assert_eq!((a.usage.input_tokens, a.usage.output_tokens), (9, 12));
    }

    #[test]
    fn ollamas_stream_with_a_usage_chunk_and_no_choices_is_read() {
        let (acc, steps) = replay(fixture!("ollama_chat_completion_stream.sse"));
        assert_eq!(steps.last(), Some(&Step::Done));
        let a = acc.finish();
        assert_eq!(a.text, "Higress");
        assert_eq!((a.usage.input_tokens, a.usage.output_tokens), (30, 3));
    }

    #[test]
    fn reasoning_is_not_answer_text_and_length_is_truncated() {
        let (acc, _) = replay(fixture!("ollama_stream_reasoning_length.sse"));
        let a = acc.finish();
        assert!(a.text.is_empty() && a.truncated, "{a:?}");
    }

    #[test]
    fn whole_answers_of_both_servers_are_read_and_cached_tokens_are_cache_reads() {
        let a = whole(fixture!("openai_chat_completion.json").as_bytes(), "s").unwrap();
        assert_eq!((a.text.as_str(), a.usage.input_tokens, a.usage.output_tokens), ("Hello! How can I assist you today?", 19, 10));
        let b = whole(fixture!("ollama_chat_completion.json").as_bytes(), "s").unwrap();
        assert!(b.text.starts_with("Hello there!") && b.usage.output_tokens == 73);
        let cached = br#"{"choices":[{"index":0,"message":{"content":"x"},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":2006,"completion_tokens":300,"prompt_tokens_details":{"cached_tokens":1920}}}"#;
        let u = whole(cached, "s").unwrap().usage;
        assert_eq!((u.input_tokens, u.cache_read_input_tokens), (86, 1920));
    }

    #[test]
    fn a_refusal_or_content_filter_is_refused() {
        let refusal = br#"{"choices":[{"index":0,"message":{"content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#;
        let a = whole(refusal, "s").unwrap();
        assert!(a.refused && a.text.contains("can't"));
        let filtered = br#"{"choices":[{"index":0,"message":{"content":""},"finish_reason":"content_filter"}]}"#;
        assert!(whole(filtered, "s").unwrap().refused);
    }

    #[test]
    fn an_error_chunk_mid_stream_is_retryable_unless_the_request_was_invalid() {
        let mut acc = Accumulator::default();
        let server = r#"{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"#;
        let f = acc.apply(server, "s", "m").unwrap_err();
        assert!(f.retryable && matches!(f.error, Error::Transient { ref message, .. } if message.starts_with("mid-stream")));
        let invalid = r#"{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}}"#;
        assert!(!acc.apply(invalid, "s", "m").unwrap_err().retryable);
    }
}
