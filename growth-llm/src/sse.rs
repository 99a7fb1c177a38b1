//! Server-sent events (the `text/event-stream` format of the WHATWG HTML standard, §9.2), parsed
//! incrementally from the bytes of a streaming response: Anthropic's Messages stream and the Chat
//! Completions stream of OpenAI-compatible servers both use it.
//!
//! Our own small parser rather than a crate: `eventsource-stream` would do, but this is ~100 lines
//! and `reqwest-eventsource` (the usual choice) pulls a second HTTP stack and reconnects on its
//! own, which for these APIs would POST — and bill — the request again.

use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field (`"message"` when the server named none).
    pub(crate) event: String,
    /// The `data:` lines, joined with `\n`.
    pub(crate) data: String,
}

/// Turns bytes into events. Lines may end in `\n`, `\r\n` or `\r`; a chunk may end anywhere,
/// even inside a UTF-8 character.
#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    /// Bytes of the line being read.
    line: Vec<u8>,
    /// The previous byte was a `\r` (a following `\n` belongs to it).
    after_cr: bool,
    event: Option<String>,
    data: Option<String>,
    /// The stream's first line is being read (a BOM there is skipped).
    first_line: bool,
}

impl SseDecoder {
    pub(crate) fn new() -> Self {
        Self { first_line: true, ..Self::default() }
    }

    /// Feeds `chunk`; returns the events it completed, in order.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        for &b in chunk {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(event) = self.line_done(&line) {
                        out.push(event);
                    }
                }
                _ => {
                    self.after_cr = false;
                    self.line.push(b);
                }
            }
        }
        out
    }

    /// The stream ended: an event whose blank line never came is dispatched anyway (servers that
    /// close right after the last `data:` line exist).
    pub(crate) fn finish(&mut self) -> Option<SseEvent> {
        let line = std::mem::take(&mut self.line);
        if !line.is_empty()
            && let Some(event) = self.line_done(&line)
        {
            return Some(event);
        }
        self.dispatch()
    }

    fn line_done(&mut self, raw: &[u8]) -> Option<SseEvent> {
        let mut line = String::from_utf8_lossy(raw).into_owned();
        if std::mem::take(&mut self.first_line)
            && let Some(rest) = line.strip_prefix('\u{feff}')
        {
            line = rest.to_owned();
        }
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None; // a comment (keep-alive)
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_str(), ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {} // `id`, `retry` and unknown fields mean nothing here
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        let data = self.data.take()?;
        Some(SseEvent { event: event.filter(|e| !e.is_empty()).unwrap_or_else(|| "message".into()), data })
    }
}

/// Why no next event came.
#[derive(Debug)]
pub(crate) enum SseError {
    /// Nothing arrived for this long.
    Stalled(Duration),
    /// Reading the body failed.
    Body(reqwest::Error),
}

/// The events of a streaming response, each awaited at most `stall` (a `ping` or a comment counts).
pub(crate) struct SseStream {
    bytes: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    decoder: SseDecoder,
    ready: std::collections::VecDeque<SseEvent>,
    stall: Duration,
    ended: bool,
}

impl SseStream {
    pub(crate) fn new(response: reqwest::Response, stall: Duration) -> Self {
        Self::from_bytes(response.bytes_stream(), stall)
    }

    pub(crate) fn from_bytes(bytes: impl Stream<Item = reqwest::Result<Bytes>> + Send + 'static, stall: Duration) -> Self {
        Self { bytes: Box::pin(bytes), decoder: SseDecoder::new(), ready: Default::default(), stall, ended: false }
    }

    /// The next event; `Ok(None)` when the body ended.
    pub(crate) async fn next(&mut self) -> Result<Option<SseEvent>, SseError> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(Some(event));
            }
            if self.ended {
                return Ok(None);
            }
            match tokio::time::timeout(self.stall, self.bytes.next()).await {
                Err(_) => return Err(SseError::Stalled(self.stall)),
                Ok(Some(Ok(chunk))) => self.ready.extend(self.decoder.push(&chunk)),
                Ok(Some(Err(e))) if e.is_timeout() => return Err(SseError::Stalled(self.stall)),
                Ok(Some(Err(e))) => return Err(SseError::Body(e)),
                Ok(None) => {
                    self.ended = true;
                    self.ready.extend(self.decoder.finish());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out: Vec<SseEvent> = chunks.iter().flat_map(|c| d.push(c)).collect();
        out.extend(d.finish());
        out
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent { event: event.into(), data: data.into() }
    }

    #[test]
    fn named_events_and_unnamed_data_lines() {
        let got = all(&[b"event: ping\ndata: {\"type\": \"ping\"}\n\ndata: {\"a\":1}\n\ndata: [DONE]\n\n"]);
        assert_eq!(got, vec![ev("ping", "{\"type\": \"ping\"}"), ev("message", "{\"a\":1}"), ev("message", "[DONE]")]);
    }

    #[test]
    fn chunks_may_split_lines_line_ends_and_utf8_characters() {
        let text = "event: x\r\ndata: héllo\r\n\r\nevent: y\rdata: b\r\r";
        let bytes = text.as_bytes();
        let one = all(&[bytes]);
        for cut in 1..bytes.len() {
            assert_eq!(all(&[&bytes[..cut], &bytes[cut..]]), one, "cut at {cut}");
        }
        assert_eq!(one, vec![ev("x", "héllo"), ev("y", "b")]);
    }

    #[test]
    fn comments_ids_and_unknown_fields_are_ignored_and_data_lines_join() {
        let got = all(&[b"\xef\xbb\xbf: keep-alive\nid: 7\nretry: 10\nfoo: bar\ndata: a\ndata:b\ndata\n\n"]);
        assert_eq!(got, vec![ev("message", "a\nb\n")]);
    }

    #[test]
    fn an_event_with_no_data_is_not_dispatched_and_a_last_event_without_blank_line_is() {
        assert_eq!(all(&[b"event: lonely\n\n"]), vec![]);
        assert_eq!(all(&[b"data: tail"]), vec![ev("message", "tail")]);
    }
}
