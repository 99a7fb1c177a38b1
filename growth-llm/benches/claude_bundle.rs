//! One content bundle (11 pieces from one transcript) written by [`ClaudeGenerator`] against a local
//! wiremock Messages API that answers after a fixed 300 ms: the wall time of the 11 calls made one
//! after the other, and all at once (tokio `JoinSet`) — with the generator's cache-write coalescing
//! (the default: the first call over the prefix goes alone, the other ten wait for it, then go
//! together) and without it.
//!
//! The mock also models Anthropic's prompt cache deterministically, so the bench prints what the
//! bundle is billed in input tokens with and without caching. Token counts are cl100k counts (a
//! stand-in for Claude's tokenizer; the ratio hardly depends on it). The cached prefix is what comes
//! before the `cache_control` breakpoint the generator placed; a prefix becomes readable 300 ms after
//! the call that wrote it arrived (when that call's answer starts), as with the real cache, so calls
//! fired together all pay for the write. Billing weights are Anthropic's: cache writes 1.25×, cache
//! reads 0.1× the base input price.
//!
//! `cargo bench -p growth-llm --bench claude_bundle -- --warm-up-time 1 --measurement-time 5`

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use growth_core::domain::ContentType;
use growth_core::generate::{ContentGenerator, GenerationRequest, PromptBlock, Usage};
use growth_llm::anthropic::{ClaudeConfig, ClaudeGenerator};
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TRANSCRIPT: &str = "../../shared/data/transcripts/changelog/founders-talk-55.md";
const LATENCY: Duration = Duration::from_millis(300);
const PIECES: usize = 11;

/// A Messages API with a prompt cache: the prefix up to the last `cache_control` block is written
/// on a miss and read on a hit; it becomes readable [`LATENCY`] after the writing call arrived.
struct CachingApi {
    state: Mutex<ApiState>,
}

#[derive(Default)]
struct ApiState {
    /// Prefix text → when it becomes readable.
    cache: HashMap<String, Instant>,
    /// Text → cl100k tokens (the transcript is counted once, not per call).
    tokens: HashMap<String, u64>,
}

impl ApiState {
    fn count(&mut self, text: &str) -> u64 {
        if let Some(&n) = self.tokens.get(text) {
            return n;
        }
        let n = tiktoken_rs::cl100k_base_singleton().encode_ordinary(text).len() as u64;
        self.tokens.insert(text.to_owned(), n);
        n
    }
}

impl Respond for CachingApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = match request.body_json() {
            Ok(b) => b,
            Err(e) => return ResponseTemplate::new(400).set_body_string(e.to_string()),
        };
        let system = body["system"].as_array().cloned().unwrap_or_default();
        let breakpoint = system.iter().rposition(|b| b.get("cache_control").is_some());
        let text = |blocks: &[Value]| blocks.iter().filter_map(|b| b["text"].as_str()).collect::<Vec<_>>().join("\n");
        let (prefix, rest) = match breakpoint {
            Some(i) => (text(&system[..=i]), text(&system[i + 1..])),
            None => (String::new(), text(&system)),
        };
        let messages: String = body["messages"].as_array().into_iter().flatten().filter_map(|m| m["content"].as_str()).collect();
        let now = Instant::now();
        let mut state = match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        let uncached = state.count(&rest) + state.count(&messages);
        let cached = if prefix.is_empty() { 0 } else { state.count(&prefix) };
        let hit = state.cache.get(&prefix).is_some_and(|&ready| ready <= now);
        if !hit && cached > 0 {
            state.cache.entry(prefix).or_insert(now + LATENCY);
        }
        let (write, read) = if hit { (0, cached) } else { (cached, 0) };
        let (input, write, read) = if breakpoint.is_some() { (uncached, write, read) } else { (uncached + cached, 0, 0) };
        let drafts = json!({"drafts": [{"title": "The demo call we killed", "content": "We stopped doing demo calls. Signups went up.", "format": "story"}]});
        ResponseTemplate::new(200).set_delay(LATENCY).set_body_json(json!({
            "model": body["model"], "id": "msg_bench", "type": "message", "role": "assistant",
            "content": [{"type": "text", "text": drafts.to_string()}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": input, "cache_creation_input_tokens": write, "cache_read_input_tokens": read,
                      "cache_creation": {"ephemeral_5m_input_tokens": write, "ephemeral_1h_input_tokens": 0},
                      "output_tokens": 180, "service_tier": "standard"}
        }))
    }
}

async fn api() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(CachingApi { state: Mutex::new(ApiState::default()) })
        .mount(&server)
        .await;
    server
}

fn generator(server: &MockServer, coalesce: bool) -> Arc<ClaudeGenerator> {
    let mut config = ClaudeConfig::new("sk-ant-bench", "claude-sonnet-4-5");
    config.base_url = server.uri();
    config.coalesce_cache_writes = coalesce;
    match ClaudeGenerator::new(config) {
        Ok(g) => Arc::new(g),
        Err(e) => panic!("{e}"),
    }
}

/// The 11 requests of a bundle: the same cacheable prefix (voice, principles, transcript), then one
/// instruction per piece.
fn bundle(transcript: &str) -> Vec<GenerationRequest> {
    let system = vec![
        PromptBlock { text: "You are the founder. You write plainly, with concrete numbers, no hype, no emoji.".into(), cacheable: true },
        PromptBlock {
            text: "Principles: the first line must earn the second; one idea per piece; end with a specific question.".into(),
            cacheable: true,
        },
        PromptBlock { text: format!("Transcript of the episode:\n{transcript}"), cacheable: true },
    ];
    let mut pieces: Vec<(ContentType, String)> =
        (1..=7).map(|i| (ContentType::LinkedinPost, format!("Write LinkedIn post {i} of 7 on a different idea of the episode."))).collect();
    pieces.push((ContentType::Newsletter, "Write the newsletter issue about this episode.".into()));
    pieces.push((ContentType::BlogPost, "Write a blog post expanding the episode's main argument.".into()));
    pieces.push((ContentType::PreInterview, "Write a LinkedIn post announcing the episode.".into()));
    pieces.push((ContentType::PostPublish, "Write a LinkedIn post on what listeners said after the episode.".into()));
    pieces
        .into_iter()
        .map(|(content_type, instruction)| GenerationRequest {
            content_type,
            count: 1,
            system: system.clone(),
            instruction,
            source_text: String::new(),
            source_title: Some("Founders Talk #55".into()),
            max_tokens: Some(1_024),
        })
        .collect()
}

async fn one(claude: &ClaudeGenerator, req: GenerationRequest) -> Usage {
    match claude.generate(req).await {
        Ok(g) => g.usage,
        Err(e) => panic!("{e}"),
    }
}

async fn sequential(claude: Arc<ClaudeGenerator>, reqs: Vec<GenerationRequest>) -> Usage {
    let mut total = Usage::default();
    for req in reqs {
        total += one(&claude, req).await;
    }
    total
}

async fn concurrent(claude: Arc<ClaudeGenerator>, reqs: Vec<GenerationRequest>) -> Usage {
    let mut set = JoinSet::new();
    for req in reqs {
        let claude = Arc::clone(&claude);
        set.spawn(async move { one(&claude, req).await });
    }
    let mut total = Usage::default();
    while let Some(usage) = set.join_next().await {
        match usage {
            Ok(u) => total += u,
            Err(e) => panic!("{e}"),
        }
    }
    total
}

/// Input tokens billed at the base price: writes 1.25×, reads 0.1×.
fn billed(u: &Usage) -> f64 {
    u.input_tokens as f64 + 1.25 * u.cache_creation_input_tokens as f64 + 0.1 * u.cache_read_input_tokens as f64
}

/// What the same calls would be billed with no caching: every input token at the base price.
fn billed_uncached(u: &Usage) -> f64 {
    (u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens) as f64
}

fn bench(c: &mut Criterion) {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(TRANSCRIPT);
    let transcript = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => panic!("cannot read {}: {e}", file.display()),
    };
    let reqs = bundle(&transcript);
    let rt = match Runtime::new() {
        Ok(rt) => rt,
        Err(e) => panic!("{e}"),
    };

    // One cold run of each schedule on a fresh API (empty cache): wall time and billed tokens.
    eprintln!("\n{PIECES} calls, {} ms latency each, transcript {} bytes", LATENCY.as_millis(), transcript.len());
    type Schedule = fn(Arc<ClaudeGenerator>, Vec<GenerationRequest>) -> std::pin::Pin<Box<dyn Future<Output = Usage> + Send>>;
    let schedules: [(&str, bool, Schedule); 3] = [
        ("sequential", true, |g, r| Box::pin(sequential(g, r))),
        ("concurrent", true, |g, r| Box::pin(concurrent(g, r))),
        ("concurrent_uncoalesced", false, |g, r| Box::pin(concurrent(g, r))),
    ];
    for (name, coalesce, run) in schedules {
        let (elapsed, usage) = rt.block_on(async {
            let server = api().await;
            let claude = generator(&server, coalesce);
            let start = Instant::now();
            let usage = run(claude, reqs.clone()).await;
            (start.elapsed(), usage)
        });
        eprintln!(
            "{name:>22}: {:>5} ms wall; input {} + cache write {} + cache read {}; billed input {:.0} vs {:.0} without caching = {:.3}×",
            elapsed.as_millis(),
            usage.input_tokens,
            usage.cache_creation_input_tokens,
            usage.cache_read_input_tokens,
            billed(&usage),
            billed_uncached(&usage),
            billed(&usage) / billed_uncached(&usage),
        );
    }

    // Timed runs; a fresh generator per iteration, so the coalesced schedule pays its one
    // serial cache-writing call every time (the API's cache stays warm, which only changes usage).
    let server = rt.block_on(api());
    let mut g = c.benchmark_group("claude_bundle_11_calls_300ms");
    g.sample_size(10);
    for (name, coalesce, run) in schedules {
        g.bench_function(name, |b| b.to_async(&rt).iter(|| run(generator(&server, coalesce), reqs.clone())));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
