//! [`HashingEmbedder`]: feature hashing of word unigrams and bigrams.

use std::borrow::Cow;

use async_trait::async_trait;
use growth_core::vector::Embedder;
use growth_core::{Error, Result};
use unicode_segmentation::UnicodeSegmentation;

/// Dimensions of [`HashingEmbedder::default`], the size of OpenAI's `text-embedding-3-small`.
pub const DEFAULT_DIMENSIONS: usize = 1536;

/// An offline embedder: the "hashing trick" over lower-cased word unigrams and bigrams.
///
/// The algorithm (`hashing-v1`), fixed so vectors stay comparable across runs, machines and releases:
///
/// 1. Split the text into words with Unicode word segmentation (UAX #29, `unicode_words`) and lower-case
///    each word.
/// 2. Features are every word and every pair of adjacent words (`"w1\u{1f}w2"`).
/// 3. Each feature is hashed with 64-bit FNV-1a over its UTF-8 bytes, followed by the MurmurHash3
///    `fmix64` finaliser to spread the bits. The bucket is `hash % dims`; the top bit gives the sign
///    (+1 or -1), so collisions cancel out on average instead of piling up.
/// 4. A feature seen `tf` times adds `sign * (1 + ln tf)` to its bucket (sublinear term frequency).
/// 5. The vector is L2-normalised. A text without any word gives the all-zero vector.
///
/// Texts that share words and phrases get a higher cosine similarity than unrelated texts; there is no
/// notion of synonyms. Model name: `hashing-v1-{dims}`.
///
/// Stability: the hash is ours (never `std`'s `DefaultHasher`) and unit tests pin exact values. Two things
/// outside this file could still move a vector: a `unicode-segmentation` release that changes word
/// boundaries for some script (new Unicode version), and `f64::ln` differing by an ulp between platform
/// maths libraries (hidden by the final rounding to `f32` in practice). If the pinned tests ever fail after
/// an upgrade, bump the model name to `hashing-v2` so stored vectors are re-embedded rather than mixed.
#[derive(Clone, Debug)]
pub struct HashingEmbedder {
    dims: usize,
    model: String,
}

impl Default for HashingEmbedder {
    fn default() -> Self {
        Self { dims: DEFAULT_DIMENSIONS, model: format!("hashing-v1-{DEFAULT_DIMENSIONS}") }
    }
}

impl HashingEmbedder {
    /// An embedder of `dims` dimensions; `Error::Config` when `dims` is 0.
    pub fn new(dims: usize) -> Result<Self> {
        if dims == 0 {
            return Err(Error::Config("the hashing embedder needs at least 1 dimension".into()));
        }
        Ok(Self { dims, model: format!("hashing-v1-{dims}") })
    }

    /// Embeds one text synchronously (what [`Embedder::embed`] does for each input).
    pub fn embed_text(&self, text: &str) -> Vec<f32> {
        let mut hashes = Vec::with_capacity(text.len() / 3);
        // The raw FNV state after the previous word: a bigram continues it with the separator and
        // the next word, which hashes exactly the bytes of "w1\u{1f}w2".
        let mut previous: Option<u64> = None;
        for word in text.unicode_words() {
            let lower: Cow<'_, str> = if !word.is_ascii() {
                Cow::Owned(word.to_lowercase())
            } else if word.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(word.to_ascii_lowercase())
            } else {
                Cow::Borrowed(word)
            };
            let raw = fnv1a(FNV_OFFSET, lower.as_bytes());
            hashes.push(fmix64(raw));
            if let Some(prev) = previous {
                hashes.push(fmix64(fnv1a(fnv1a(prev, b"\x1f"), lower.as_bytes())));
            }
            previous = Some(raw);
        }
        // Sorting makes the order of additions, hence the floating-point result, independent of the
        // order features were met in; equal hashes end up adjacent, which counts them.
        hashes.sort_unstable();
        let mut acc = vec![0.0f64; self.dims];
        for run in hashes.chunk_by(|a, b| a == b) {
            let h = run[0];
            let weight = 1.0 + (run.len() as f64).ln();
            let bucket = (h % self.dims as u64) as usize;
            let sign = if h >> 63 == 1 { -1.0 } else { 1.0 };
            acc[bucket] += sign * weight;
        }
        let norm = acc.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return vec![0.0; self.dims];
        }
        acc.iter().map(|x| (x / norm) as f32).collect()
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Continues a 64-bit FNV-1a hash from `state` over `bytes` (start from [`FNV_OFFSET`]).
fn fnv1a(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// MurmurHash3's 64-bit finaliser.
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

#[async_trait]
impl Embedder for HashingEmbedder {
    fn model(&self) -> &str {
        &self.model
    }

    fn dimensions(&self) -> usize {
        self.dims
    }

    /// Large batches (over 64 KiB of text) are hashed on tokio's blocking pool.
    async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>> {
        if crate::cpu::total_bytes(inputs) <= crate::cpu::INLINE_BYTES {
            return Ok(inputs.iter().map(|t| self.embed_text(t)).collect());
        }
        let (this, inputs) = (self.clone(), inputs.to_vec());
        crate::cpu::run(move || inputs.iter().map(|t| this.embed_text(t)).collect()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use growth_core::vector::cosine;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a(fnv1a(FNV_OFFSET, b"foo"), b"bar"), fnv1a(FNV_OFFSET, b"foobar"));
    }

    #[test]
    fn the_model_name_carries_the_dimensions() {
        assert_eq!(HashingEmbedder::default().model, "hashing-v1-1536");
        assert_eq!(HashingEmbedder::new(64).unwrap().model, "hashing-v1-64");
        assert!(matches!(HashingEmbedder::new(0), Err(Error::Config(_))));
    }

    #[test]
    fn vectors_are_pinned_so_they_stay_comparable_across_runs_and_machines() {
        let e = HashingEmbedder::new(16).unwrap();
        let v = e.embed_text("Hello, world! Hello.");
        let nonzero: Vec<(usize, f32)> = v.iter().copied().enumerate().filter(|(_, x)| *x != 0.0).collect();
        assert_eq!(nonzero, PINNED_16);
        let big = HashingEmbedder::default().embed_text("Product-led growth beats outbound sales");
        let sum: f32 = big.iter().sum();
        assert_eq!((big.iter().filter(|x| **x != 0.0).count(), sum.to_bits()), PINNED_1536);
    }

    // "hello" twice (1 + ln 2 = 1.693), "world", "hello world", "world hello"; norm sqrt(1.693² + 3).
    const PINNED_16: [(usize, f32); 4] = [(4, -0.69903034), (5, -0.41285858), (9, -0.41285858), (14, 0.41285858)];
    // Six words and five bigrams, no collision; the bits of the sum of all components.
    const PINNED_1536: (usize, u32) = (11, 3197788082);

    #[test]
    fn case_and_punctuation_do_not_matter() {
        let e = HashingEmbedder::default();
        assert_eq!(e.embed_text("Hello, World!"), e.embed_text("hello world"));
    }

    #[test]
    fn vectors_are_unit_length_and_a_text_without_words_is_zero() {
        let e = HashingEmbedder::default();
        let v = e.embed_text("Sublinear term frequency keeps repeated repeated repeated words in check.");
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
        assert!(e.embed_text("  ,.! ").iter().all(|x| *x == 0.0));
        assert_eq!(e.embed_text("").len(), 1536);
    }

    #[test]
    fn texts_that_share_words_are_closer_than_unrelated_texts() {
        let e = HashingEmbedder::default();
        let q = e.embed_text("How did you price the product when you launched the self-serve plan?");
        let related = e.embed_text("We changed the price of the self-serve plan twice in the first year after we launched.");
        let unrelated = e.embed_text("My grandmother grows tomatoes on her balcony every summer.");
        let (r, u) = (cosine(&q, &related), cosine(&q, &unrelated));
        assert!(r > u + 0.1, "related {r} vs unrelated {u}");
        assert!(u.abs() < 0.15, "unrelated {u}");
    }

    #[test]
    fn word_order_matters_through_bigrams() {
        let e = HashingEmbedder::default();
        let a = e.embed_text("dog bites man");
        let b = e.embed_text("man bites dog");
        let sim = cosine(&a, &b);
        assert!(sim > 0.3 && sim < 0.99, "{sim}");
    }

    #[test]
    fn non_latin_scripts_are_segmented_into_words() {
        let e = HashingEmbedder::default();
        let a = e.embed_text("Привет мир, как дела");
        let b = e.embed_text("ПРИВЕТ МИР");
        assert!(cosine(&a, &b) > 0.4);
    }

    #[tokio::test]
    async fn a_large_batch_hashed_off_the_executor_equals_the_inline_result() {
        let e = HashingEmbedder::new(64).unwrap();
        let inputs: Vec<String> = (0..200).map(|i| format!("chunk {i} ").repeat(100)).collect();
        assert!(crate::cpu::total_bytes(&inputs) > crate::cpu::INLINE_BYTES);
        let got = e.embed(&inputs).await.unwrap();
        assert_eq!(got, inputs.iter().map(|t| e.embed_text(t)).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn the_embedder_passes_the_conformance_suite() {
        growth_core::testkit::embedder::run_all(|| async { std::sync::Arc::new(HashingEmbedder::default()) as _ }).await;
        growth_core::testkit::embedder::run_all(|| async { std::sync::Arc::new(HashingEmbedder::new(32).unwrap()) as _ }).await;
    }
}
