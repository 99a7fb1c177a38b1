//! A tiny HTTP/1.1 server that streams scripted server-sent events with pauses between them —
//! what wiremock cannot do (it sends a whole body at once). Used by the streaming tests (stalls,
//! what arrives while a stream is still open) and by the `claude_bundle` bench (time to first
//! token, then a long streamed answer).
//!
//! Every request is answered `200 text/event-stream`, chunked, then the connection is closed. The
//! script decides each answer from the request's arrival index and JSON body. The server keeps a
//! log, in order, of arrivals and of labelled chunks as they are written.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used, reason = "test support; not every user uses every part")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One step of an answer.
#[derive(Clone, Debug)]
pub enum Step {
    /// Write these bytes as one chunk; log `label` once written (when not empty).
    Send { text: String, label: String },
    /// Pause.
    Sleep(Duration),
    /// Wait until `n` requests in all have arrived, or `max` passed (a guard against deadlock in a
    /// failing test, never a measurement).
    AwaitArrivals { n: usize, max: Duration },
}

impl Step {
    /// An SSE event named `event` with `data`, logged as `label`.
    pub fn event(event: &str, data: &Value, label: &str) -> Self {
        Self::Send { text: format!("event: {event}\ndata: {data}\n\n"), label: label.into() }
    }
}

/// An entry of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Request `i` arrived.
    Arrived(usize),
    /// Chunk `label` of the answer to request `i` was written.
    Sent(usize, String),
}

type Script = dyn Fn(usize, &Value) -> Vec<Step> + Send + Sync;

/// The running server.
pub struct SseServer {
    addr: SocketAddr,
    state: Arc<State>,
}

struct State {
    script: Box<Script>,
    log: Mutex<Vec<(Instant, Seen)>>,
    bodies: Mutex<Vec<Value>>,
    arrived: Notify,
}

impl SseServer {
    /// Starts a server answering with `script(arrival_index, body)`.
    pub async fn start(script: impl Fn(usize, &Value) -> Vec<Step> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            script: Box::new(script),
            log: Mutex::new(Vec::new()),
            bodies: Mutex::new(Vec::new()),
            arrived: Notify::new(),
        });
        let s = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let s = Arc::clone(&s);
                tokio::spawn(async move {
                    let _ = serve(socket, s).await;
                });
            }
        });
        Self { addr, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The log so far, in order.
    pub fn log(&self) -> Vec<Seen> {
        self.state.log.lock().unwrap().iter().map(|(_, s)| s.clone()).collect()
    }

    /// The log with the instant of each entry.
    pub fn timed_log(&self) -> Vec<(Instant, Seen)> {
        self.state.log.lock().unwrap().clone()
    }

    /// The JSON bodies received, in arrival order.
    pub fn bodies(&self) -> Vec<Value> {
        self.state.bodies.lock().unwrap().clone()
    }

    /// Where `entry` is in the log.
    pub fn position(&self, entry: &Seen) -> Option<usize> {
        self.log().iter().position(|e| e == entry)
    }
}

async fn serve(mut socket: TcpStream, state: Arc<State>) -> std::io::Result<()> {
    // Read the head, then Content-Length bytes of body.
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    while buf.len() < head_end + length {
        let mut chunk = vec![0u8; head_end + length - buf.len()];
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
    let index = {
        let mut bodies = state.bodies.lock().unwrap();
        bodies.push(body.clone());
        state.log.lock().unwrap().push((Instant::now(), Seen::Arrived(bodies.len() - 1)));
        bodies.len() - 1
    };
    state.arrived.notify_waiters();
    let steps = (state.script)(index, &body);
    socket
        .write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        )
        .await?;
    socket.flush().await?;
    for step in steps {
        match step {
            Step::Send { text, label } => {
                socket.write_all(format!("{:x}\r\n{text}\r\n", text.len()).as_bytes()).await?;
                socket.flush().await?;
                if !label.is_empty() {
                    state.log.lock().unwrap().push((Instant::now(), Seen::Sent(index, label)));
                }
            }
            Step::Sleep(d) => tokio::time::sleep(d).await,
            Step::AwaitArrivals { n, max } => {
                let deadline = tokio::time::Instant::now() + max;
                loop {
                    let notified = state.arrived.notified();
                    if state.bodies.lock().unwrap().len() >= n {
                        break;
                    }
                    if tokio::time::timeout_at(deadline, notified).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
    socket.write_all(b"0\r\n\r\n").await?;
    socket.flush().await?;
    Ok(())
}

/// The events of a Messages stream answering `text` in `chunks` pieces, with this usage, shaped
/// like the recorded stream of `messages_stream_429_then_200.json` (`message_start`,
/// `content_block_start`, `ping`, text deltas, `content_block_stop`, `message_delta`,
/// `message_stop`). Labels: `message_start`, `delta`, `message_stop`.
pub fn messages_stream(text: &str, chunks: usize, usage: (u64, u64, u64, u64), pause: Duration) -> Vec<Step> {
    let (input, output, write, read) = usage;
    let mut steps = vec![
        Step::event(
            "message_start",
            &serde_json::json!({"type": "message_start", "message": {"model": "claude-sonnet-4-5-20250929", "id": "msg_013nnniYDrJDocdy5nrMU7cH",
                "type": "message", "role": "assistant", "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": input, "cache_creation_input_tokens": write, "cache_read_input_tokens": read,
                          "cache_creation": {"ephemeral_5m_input_tokens": write, "ephemeral_1h_input_tokens": 0},
                          "output_tokens": 1, "service_tier": "standard", "inference_geo": "not_available"}}}),
            "message_start",
        ),
        Step::event(
            "content_block_start",
            &serde_json::json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            "",
        ),
        Step::event("ping", &serde_json::json!({"type": "ping"}), ""),
    ];
    let chars: Vec<char> = text.chars().collect();
    let per = chars.len().div_ceil(chunks.max(1)).max(1);
    for piece in chars.chunks(per) {
        steps.push(Step::Sleep(pause));
        let piece: String = piece.iter().collect();
        steps.push(Step::event(
            "content_block_delta",
            &serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}),
            "delta",
        ));
    }
    steps.push(Step::event("content_block_stop", &serde_json::json!({"type": "content_block_stop", "index": 0}), ""));
    steps.push(Step::event(
        "message_delta",
        &serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": output}}),
        "",
    ));
    steps.push(Step::event("message_stop", &serde_json::json!({"type": "message_stop"}), "message_stop"));
    steps
}
