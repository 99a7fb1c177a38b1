//! [`OpenAiEmbedder`].

use std::ops::Range;
use std::time::Duration;

use async_trait::async_trait;
use growth_core::vector::Embedder;
use growth_core::{Error, Result};
use secrecy::ExposeSecret;

use super::config::OpenAiConfig;
use super::error::parse_error;
use super::models::{EmbeddingRequest, EmbeddingResponse};
use growth_core::retry::{self, Failure, LongServerDelay, RetryPolicy};

use crate::http;

/// Most inputs OpenAI accepts in one request.
pub const MAX_INPUTS_PER_REQUEST: usize = 2048;
/// Most tokens, summed over the inputs, OpenAI accepts in one request.
pub const MAX_TOKENS_PER_REQUEST: usize = 300_000;
/// Most tokens OpenAI accepts in one input.
pub const MAX_TOKENS_PER_INPUT: usize = 8192;

/// Embeddings from OpenAI's `POST {base_url}/embeddings`.
///
/// Inputs are checked before anything is sent (an empty string, or one over [`MAX_TOKENS_PER_INPUT`]
/// cl100k tokens, is `Error::InvalidInput` naming its index), then cut into requests of at most
/// [`MAX_INPUTS_PER_REQUEST`] inputs and [`MAX_TOKENS_PER_REQUEST`] tokens, counted exactly with the
/// cl100k tokenizer the `text-embedding-3*` models use. Requests go one after the other; each is retried
/// by the rules of OpenAI's SDK (`x-should-retry`, then `retry-after-ms` / `retry-after` up to 120 s,
/// else exponential backoff with jitter), and `encoding_format: "float"` is always sent (the Python SDK
/// silently asks for base64 otherwise). Answers are put back in input order by their `index`; a vector
/// whose length is not [`Embedder::dimensions`] is `Error::Config`.
#[derive(Debug)]
pub struct OpenAiEmbedder {
    config: OpenAiConfig,
    client: reqwest::Client,
    url: String,
    dims: usize,
    policy: RetryPolicy,
}

impl OpenAiEmbedder {
    /// An embedder for `config`; `Error::Config` when the model's vector length is unknown and
    /// `dimensions` is not set, or when the HTTP client cannot be built.
    pub fn new(config: OpenAiConfig) -> Result<Self> {
        let native = match config.model.as_str() {
            "text-embedding-3-small" | "text-embedding-ada-002" => Some(1536),
            "text-embedding-3-large" => Some(3072),
            _ => None,
        };
        if config.dimensions.is_some() && config.model == "text-embedding-ada-002" {
            return Err(Error::Config("`dimensions` is only supported by the text-embedding-3 models, not text-embedding-ada-002".into()));
        }
        let dims = match (config.dimensions, native) {
            (Some(0), _) => return Err(Error::Config("OpenAI `dimensions` must be positive".into())),
            (Some(d), _) | (None, Some(d)) => d,
            (None, None) => {
                return Err(Error::Config(format!("the vector length of OpenAI model `{}` is unknown: set `dimensions`", config.model)));
            }
        };
        if config.max_attempts == 0 {
            return Err(Error::Config("OpenAI `max_attempts` must be at least 1".into()));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let url = format!("{}/embeddings", config.base_url.trim_end_matches('/'));
        let policy = http::policy(
            config.max_attempts,
            config.initial_backoff_ms,
            config.max_backoff_ms,
            http::OPENAI_MAX_RETRY_AFTER,
            LongServerDelay::GiveUp,
        );
        Ok(Self { config, client, url, dims, policy })
    }

    async fn embed_batch(&self, batch: &[String]) -> Result<Vec<Vec<f32>>> {
        let body =
            EmbeddingRequest { model: &self.config.model, input: batch, dimensions: self.config.dimensions, encoding_format: "float" };
        let response = retry::run(&self.policy, "OpenAI embeddings request", |_| self.send(&body)).await?;
        self.check(response, batch.len())
    }

    async fn send(&self, body: &EmbeddingRequest<'_>) -> std::result::Result<EmbeddingResponse, Failure> {
        let mut request = self.client.post(&self.url).bearer_auth(self.config.api_key.expose_secret()).json(body);
        if let Some(org) = &self.config.organization {
            request = request.header("OpenAI-Organization", org);
        }
        if let Some(project) = &self.config.project {
            request = request.header("OpenAI-Project", project);
        }
        let transport = |e: reqwest::Error| http::transport_failure("OpenAI embeddings request", &e);
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            return Err(parse_error(status, &headers, &bytes, "OpenAI", "embeddings request", &self.config.model));
        }
        serde_json::from_slice(&bytes).map_err(|e| Failure::fatal(Error::Permanent(format!("unexpected OpenAI embeddings response: {e}"))))
    }

    /// Puts the vectors in input order and checks their count and length.
    fn check(&self, response: EmbeddingResponse, expected: usize) -> Result<Vec<Vec<f32>>> {
        let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
        for item in response.data {
            let slot = slots.get_mut(item.index).ok_or_else(|| {
                Error::Permanent(format!("OpenAI returned an embedding for index {} of a {expected}-input request", item.index))
            })?;
            if item.embedding.len() != self.dims {
                return Err(Error::Config(format!(
                    "OpenAI model `{}` returned a vector of {} dimensions; the embedder is configured for {}",
                    self.config.model,
                    item.embedding.len(),
                    self.dims
                )));
            }
            if slot.replace(item.embedding).is_some() {
                return Err(Error::Permanent(format!("OpenAI returned two embeddings for index {}", item.index)));
            }
        }
        slots
            .into_iter()
            .enumerate()
            .map(|(i, v)| v.ok_or_else(|| Error::Permanent(format!("OpenAI returned no embedding for input {i}"))))
            .collect()
    }
}

/// Checks every input and counts its tokens.
fn count_tokens(inputs: &[String]) -> Result<Vec<usize>> {
    let bpe = tiktoken_rs::cl100k_base_singleton();
    inputs
        .iter()
        .enumerate()
        .map(|(i, text)| {
            if text.is_empty() {
                return Err(Error::invalid_field(format!("inputs[{i}]"), "OpenAI rejects empty strings; drop or fill the input"));
            }
            let n = bpe.encode_ordinary(text).len();
            if n > MAX_TOKENS_PER_INPUT {
                return Err(Error::invalid_field(
                    format!("inputs[{i}]"),
                    format!("{n} tokens; OpenAI embeds at most {MAX_TOKENS_PER_INPUT} per input, split the text"),
                ));
            }
            Ok(n)
        })
        .collect()
}

/// Cuts inputs with these token counts into consecutive ranges within both limits.
fn plan_batches(tokens: &[usize], max_inputs: usize, max_tokens: usize) -> Vec<Range<usize>> {
    let mut batches = Vec::new();
    let (mut start, mut sum) = (0, 0);
    for (i, &t) in tokens.iter().enumerate() {
        if i > start && (i - start == max_inputs || sum + t > max_tokens) {
            batches.push(start..i);
            start = i;
            sum = 0;
        }
        sum += t;
    }
    if start < tokens.len() {
        batches.push(start..tokens.len());
    }
    batches
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn model(&self) -> &str {
        &self.config.model
    }

    fn dimensions(&self) -> usize {
        self.dims
    }

    async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let tokens = if crate::cpu::total_bytes(inputs) <= crate::cpu::INLINE_BYTES {
            count_tokens(inputs)?
        } else {
            let owned = inputs.to_vec();
            crate::cpu::run(move || count_tokens(&owned)).await??
        };
        let mut out = Vec::with_capacity(inputs.len());
        for range in plan_batches(&tokens, MAX_INPUTS_PER_REQUEST, MAX_TOKENS_PER_REQUEST) {
            out.extend(self.embed_batch(&inputs[range]).await?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_both_the_input_and_the_token_limits() {
        assert_eq!(plan_batches(&[1; 5], 2, 100), vec![0..2, 2..4, 4..5]);
        assert_eq!(plan_batches(&[40, 40, 40, 10], 10, 100), vec![0..2, 2..4]);
        assert_eq!(plan_batches(&[100, 1], 10, 100), vec![0..1, 1..2]);
        assert_eq!(plan_batches(&[1; 2049], MAX_INPUTS_PER_REQUEST, MAX_TOKENS_PER_REQUEST), vec![0..2048, 2048..2049]);
        assert_eq!(plan_batches(&[8000; 38], MAX_INPUTS_PER_REQUEST, MAX_TOKENS_PER_REQUEST), vec![0..37, 37..38]);
        assert!(plan_batches(&[], 2, 100).is_empty());
    }

    #[test]
    fn empty_and_too_long_inputs_are_refused_naming_their_index() {
        let r = count_tokens(&["fine".into(), String::new()]);
        assert!(matches!(r, Err(Error::InvalidInput { field: Some(ref f), .. }) if f == "inputs[1]"), "{r:?}");
        let long = "word ".repeat(MAX_TOKENS_PER_INPUT + 10);
        assert!(matches!(count_tokens(&[long]), Err(Error::InvalidInput { .. })));
        assert_eq!(count_tokens(&["hello world".into()]).unwrap(), vec![2]);
    }

    #[test]
    fn the_vector_length_comes_from_the_config_or_the_model() {
        let c = OpenAiConfig::new("k");
        assert_eq!(OpenAiEmbedder::new(c.clone()).unwrap().dims, 1536);
        let large = OpenAiConfig { model: "text-embedding-3-large".into(), ..c.clone() };
        assert_eq!(OpenAiEmbedder::new(large).unwrap().dims, 3072);
        let custom = OpenAiConfig { model: "my-proxy-model".into(), ..c.clone() };
        assert!(matches!(OpenAiEmbedder::new(custom.clone()), Err(Error::Config(_))));
        assert_eq!(OpenAiEmbedder::new(OpenAiConfig { dimensions: Some(256), ..custom }).unwrap().dims, 256);
    }
}
