//! Token-sized chunking of knowledge items (Markdown-aware) and of transcripts (speaker-turn aware).
//!
//! Sizes are counted in `cl100k_base` tokens (the tokenizer of OpenAI's `text-embedding-3-*`
//! models), through [`text_splitter`] and [`tiktoken_rs`], whose tokenizer files are compiled in.
//! Chunking is deterministic: the same text and [`ChunkConfig`] always give the same chunks.

use std::ops::Range;

use text_splitter::{ChunkConfig as SplitterConfig, MarkdownSplitter, TextSplitter};
use tiktoken_rs::CoreBPE;

use crate::domain::Transcript;
use crate::{Error, Result};

/// Separator between the turns of a transcript chunk (the one [`Transcript::to_text`] uses).
const TURN_SEPARATOR: &str = "\n\n";

/// How big chunks are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkConfig {
    /// Largest chunk, in tokens (default 500).
    pub max_tokens: usize,
    /// Tokens a chunk repeats from the end of the previous one (default 50). Must be below
    /// `max_tokens`.
    pub overlap_tokens: usize,
}

impl Default for ChunkConfig {
    fn default() -> Self {
        Self { max_tokens: 500, overlap_tokens: 50 }
    }
}

/// A piece of a text, small enough to embed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Position of the chunk, from 0.
    pub index: usize,
    /// The chunk's text. For transcripts: `Speaker: words` paragraphs separated by blank lines.
    pub text: String,
    /// The bytes of the source the chunk covers: of the text given to [`Chunker::chunk_text`], or
    /// of [`Transcript::to_text`] for [`Chunker::chunk_transcript`]. Chunks may overlap.
    pub byte_range: Range<usize>,
    /// Length of `text` in tokens.
    pub tokens: usize,
    /// Speakers of a transcript chunk, in order of first appearance (empty for plain text).
    pub speakers: Vec<String>,
    /// Start of a transcript chunk, in ms, when the transcript has times.
    pub start_ms: Option<u64>,
    /// End of a transcript chunk, in ms: the last segment's end, or else the start of the segment
    /// that follows the chunk, when known.
    pub end_ms: Option<u64>,
}

/// Splits texts and transcripts into token-sized [`Chunk`]s.
#[derive(Clone)]
pub struct Chunker {
    config: ChunkConfig,
    tokenizer: &'static CoreBPE,
}

impl std::fmt::Debug for Chunker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chunker").field("config", &self.config).field("tokenizer", &"cl100k_base").finish()
    }
}

impl Chunker {
    /// A chunker for `config`; `Error::Config` when `max_tokens` is 0 or `overlap_tokens` is not
    /// below it.
    pub fn new(config: ChunkConfig) -> Result<Self> {
        if config.max_tokens == 0 || config.overlap_tokens >= config.max_tokens {
            return Err(Error::Config(format!(
                "chunk overlap ({} tokens) must be below the chunk size ({} tokens), which must be above 0",
                config.overlap_tokens, config.max_tokens
            )));
        }
        Ok(Self { config, tokenizer: tiktoken_rs::cl100k_base_singleton() })
    }

    /// The configuration.
    pub fn config(&self) -> ChunkConfig {
        self.config
    }

    /// Length of `text` in tokens.
    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenizer.encode_ordinary(text).len()
    }

    /// Splits Markdown (or plain) text at the highest semantic level that fits — sections,
    /// paragraphs, sentences, words — into chunks of at most `max_tokens`, consecutive chunks
    /// sharing up to `overlap_tokens`. Chunks are trimmed; blank text gives no chunks.
    pub fn chunk_text(&self, text: &str) -> Vec<Chunk> {
        self.split_markdown(text, self.config.max_tokens, self.config.overlap_tokens)
            .into_iter()
            .enumerate()
            .map(|(index, (offset, piece))| Chunk {
                index,
                text: piece.to_owned(),
                byte_range: offset..offset + piece.len(),
                tokens: self.count_tokens(piece),
                speakers: Vec::new(),
                start_ms: None,
                end_ms: None,
            })
            .collect()
    }

    fn split_markdown<'t>(&self, text: &'t str, max: usize, overlap: usize) -> Vec<(usize, &'t str)> {
        match SplitterConfig::new(max).with_sizer(self.tokenizer).with_overlap(overlap) {
            Ok(cfg) => MarkdownSplitter::new(cfg).chunk_indices(text).collect(),
            // Unreachable (`new` checked overlap < max; callers shrink both together), but never panic.
            Err(_) => MarkdownSplitter::new(SplitterConfig::new(max).with_sizer(self.tokenizer)).chunk_indices(text).collect(),
        }
    }

    fn split_plain<'t>(&self, text: &'t str, max: usize, overlap: usize) -> Vec<(usize, &'t str)> {
        match SplitterConfig::new(max).with_sizer(self.tokenizer).with_overlap(overlap) {
            Ok(cfg) => TextSplitter::new(cfg).chunk_indices(text).collect(),
            Err(_) => TextSplitter::new(SplitterConfig::new(max).with_sizer(self.tokenizer)).chunk_indices(text).collect(),
        }
    }

    /// Splits a transcript along speaker turns.
    ///
    /// A turn is a run of consecutive segments by the same speaker, written as in
    /// [`Transcript::to_text`] (`Speaker: words`, one paragraph per segment). Whole turns are packed
    /// into chunks of at most `max_tokens`; a turn is split only when it alone exceeds `max_tokens`
    /// — first between its segments, then inside a segment, each piece keeping its `Speaker:` label.
    /// A chunk starts by repeating the previous chunk's last whole turns when they fit in
    /// `overlap_tokens` (and leave room for the next turn). Each chunk records its speakers and its
    /// start and end times.
    pub fn chunk_transcript(&self, transcript: &Transcript) -> Vec<Chunk> {
        let units = self.transcript_units(transcript);
        let sep_tokens = self.count_tokens(TURN_SEPARATOR);
        let max = self.config.max_tokens;
        let mut chunks: Vec<Chunk> = Vec::new();
        // Indexes into `units` of the chunk being built, and its estimated token count.
        let mut current: Vec<usize> = Vec::new();
        let mut current_tokens = 0usize;
        // How many leading units of `current` repeat the previous chunk.
        let mut carried = 0usize;
        let mut i = 0;
        loop {
            let at_end = i >= units.len();
            if !at_end {
                let unit_tokens = units[i].tokens;
                let grown = if current.is_empty() { unit_tokens } else { current_tokens + sep_tokens + unit_tokens };
                if current.is_empty() || grown <= max {
                    current.push(i);
                    current_tokens = grown;
                    i += 1;
                    continue;
                }
                if carried == current.len() {
                    // Only the overlap is there and the next unit does not fit after it: drop the overlap.
                    current.clear();
                    current_tokens = 0;
                    carried = 0;
                    continue;
                }
            } else if current.len() == carried {
                break;
            }
            let done = std::mem::take(&mut current);
            current_tokens = 0;
            match self.emit(&units, &done, carried + 1, &mut chunks, transcript) {
                // Token counts are estimates while packing; when the exact count says the chunk is too
                // big, pack again from the first unit left out (without the overlap if it was to blame).
                None => {
                    i = done[carried];
                    carried = 0;
                }
                Some(kept) if kept < done.len() => {
                    i = done[kept];
                    carried = 0;
                }
                Some(_) if at_end => break,
                Some(_) => {
                    (current, current_tokens) = self.overlap_tail(&units, &done, sep_tokens);
                    carried = current.len();
                }
            }
        }
        chunks
    }

    /// The trailing whole units of `done` that fit in the overlap, never all of them.
    fn overlap_tail(&self, units: &[Unit], done: &[usize], sep_tokens: usize) -> (Vec<usize>, usize) {
        let mut tail: Vec<usize> = Vec::new();
        let mut tokens = 0usize;
        for &u in done.iter().rev().take(done.len().saturating_sub(1)) {
            let grown = if tail.is_empty() { units[u].tokens } else { tokens + sep_tokens + units[u].tokens };
            if grown > self.config.overlap_tokens {
                break;
            }
            tail.insert(0, u);
            tokens = grown;
        }
        (tail, tokens)
    }

    /// Pushes the chunk made of `picked` units, dropping trailing units while the exact token count
    /// exceeds the limit, but keeping at least `min_units` (a lone unit is always accepted). Returns
    /// how many units the chunk holds, or `None` when `min_units` units are already too many.
    fn emit(&self, units: &[Unit], picked: &[usize], min_units: usize, chunks: &mut Vec<Chunk>, transcript: &Transcript) -> Option<usize> {
        let mut n = picked.len();
        loop {
            let text = picked[..n].iter().map(|&u| units[u].text.as_str()).collect::<Vec<_>>().join(TURN_SEPARATOR);
            let tokens = self.count_tokens(&text);
            if tokens <= self.config.max_tokens || n == 1 {
                let first = &units[picked[0]];
                let last = &units[picked[n - 1]];
                let mut speakers: Vec<String> = Vec::new();
                for &u in &picked[..n] {
                    if let Some(s) = &units[u].speaker
                        && !speakers.contains(s)
                    {
                        speakers.push(s.clone());
                    }
                }
                let segs = &transcript.segments;
                let start_ms = picked[..n].iter().find_map(|&u| segs[units[u].segment].start_ms);
                let end_ms = segs[last.segment].end_ms.or_else(|| segs.get(last.segment + 1).and_then(|s| s.start_ms));
                chunks.push(Chunk {
                    index: chunks.len(),
                    text,
                    byte_range: first.byte_range.start..last.byte_range.end,
                    tokens,
                    speakers,
                    start_ms,
                    end_ms,
                });
                return Some(n);
            }
            if n <= min_units {
                return None;
            }
            n -= 1;
        }
    }

    /// The transcript as packing units: whole turns, or the pieces of a turn that alone is too big.
    fn transcript_units(&self, transcript: &Transcript) -> Vec<Unit> {
        // Each segment's paragraph and its place in `Transcript::to_text`.
        let mut paragraphs: Vec<Paragraph> = Vec::new();
        let mut offset = 0usize;
        for (i, s) in transcript.segments.iter().enumerate() {
            if i > 0 {
                offset += TURN_SEPARATOR.len();
            }
            let label = s.speaker.as_ref().map(|sp| format!("{sp}: ")).unwrap_or_default();
            let start = offset;
            offset += label.len() + s.text.len();
            paragraphs.push(Paragraph { segment: i, label, start, end: offset });
        }
        let mut units = Vec::new();
        let mut turn_start = 0;
        while turn_start < paragraphs.len() {
            let speaker = &transcript.segments[turn_start].speaker;
            let mut turn_end = turn_start + 1;
            while turn_end < paragraphs.len() && &transcript.segments[turn_end].speaker == speaker {
                turn_end += 1;
            }
            let turn = &paragraphs[turn_start..turn_end];
            let text = turn.iter().map(|p| p.render(transcript)).collect::<Vec<_>>().join(TURN_SEPARATOR);
            let tokens = self.count_tokens(&text);
            if tokens <= self.config.max_tokens {
                let (first, last) = (&turn[0], &turn[turn.len() - 1]);
                units.push(Unit { text, tokens, speaker: speaker.clone(), segment: last.segment, byte_range: first.start..last.end });
            } else {
                for p in turn {
                    self.paragraph_units(transcript, p, &mut units);
                }
            }
            turn_start = turn_end;
        }
        units
    }

    /// One paragraph of a turn too big for a chunk: whole when it fits, else split inside, each
    /// piece labelled with the speaker.
    fn paragraph_units(&self, transcript: &Transcript, p: &Paragraph, units: &mut Vec<Unit>) {
        let seg = &transcript.segments[p.segment];
        let text = p.render(transcript);
        let tokens = self.count_tokens(&text);
        if tokens <= self.config.max_tokens {
            units.push(Unit { text, tokens, speaker: seg.speaker.clone(), segment: p.segment, byte_range: p.start..p.end });
            return;
        }
        // Room for the words once the label (and a token of slack at the seam) is in.
        let room = self.config.max_tokens.saturating_sub(self.count_tokens(&p.label) + 1).max(1);
        let overlap = self.config.overlap_tokens.min(room.saturating_sub(1));
        let words_start = p.start + p.label.len();
        for (n, (off, piece)) in self.split_plain(&seg.text, room, overlap).into_iter().enumerate() {
            let text = format!("{}{piece}", p.label);
            let tokens = self.count_tokens(&text);
            let start = if n == 0 { p.start } else { words_start + off };
            units.push(Unit {
                text,
                tokens,
                speaker: seg.speaker.clone(),
                segment: p.segment,
                byte_range: start..words_start + off + piece.len(),
            });
        }
    }
}

/// One segment's paragraph in `Transcript::to_text`.
struct Paragraph {
    segment: usize,
    label: String,
    start: usize,
    end: usize,
}

impl Paragraph {
    fn render(&self, transcript: &Transcript) -> String {
        format!("{}{}", self.label, transcript.segments[self.segment].text)
    }
}

/// What the transcript packer moves around: a whole turn or a piece of one.
struct Unit {
    text: String,
    tokens: usize,
    speaker: Option<String>,
    /// The last segment the unit covers.
    segment: usize,
    byte_range: Range<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Segment;

    fn seg(speaker: &str, start: u64, text: &str) -> Segment {
        Segment { speaker: Some(speaker.into()), start_ms: Some(start), end_ms: None, text: text.into() }
    }

    fn chunker(max: usize, overlap: usize) -> Chunker {
        Chunker::new(ChunkConfig { max_tokens: max, overlap_tokens: overlap }).unwrap()
    }

    #[test]
    fn an_overlap_not_below_the_chunk_size_is_a_config_error() {
        let err = Chunker::new(ChunkConfig { max_tokens: 50, overlap_tokens: 50 }).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert!(Chunker::new(ChunkConfig { max_tokens: 0, overlap_tokens: 0 }).is_err());
    }

    #[test]
    fn markdown_is_split_within_the_limit_and_ranges_point_at_the_text() {
        let section = "## Pricing\n\nCharge for value, not for seats. Anchor on the outcome the buyer wants. ".repeat(3);
        let text = format!("# Playbook\n\n{}", section.repeat(8));
        let c = chunker(60, 10);
        let chunks = c.chunk_text(&text);
        assert!(chunks.len() > 1);
        for (i, ch) in chunks.iter().enumerate() {
            assert_eq!(ch.index, i);
            assert!(ch.tokens <= 60 && ch.tokens > 0, "{}", ch.tokens);
            assert_eq!(&text[ch.byte_range.clone()], ch.text);
        }
    }

    #[test]
    fn blank_text_gives_no_chunks() {
        assert!(chunker(50, 5).chunk_text("  \n\n ").is_empty());
        assert!(chunker(50, 5).chunk_transcript(&Transcript::default()).is_empty());
    }

    #[test]
    fn short_turns_are_packed_whole_with_their_labels_and_times() {
        let t = Transcript {
            segments: vec![
                seg("Adam", 0, "Welcome to the show."),
                seg("Bryan", 2_000, "Thanks for having me."),
                seg("Adam", 4_000, "Let's talk about onboarding."),
            ],
        };
        let chunks = chunker(100, 10).chunk_transcript(&t);
        assert_eq!(chunks.len(), 1);
        let ch = &chunks[0];
        assert_eq!(ch.text, t.to_text());
        assert_eq!(ch.byte_range, 0..t.to_text().len());
        assert_eq!(ch.speakers, ["Adam", "Bryan"]);
        assert_eq!((ch.start_ms, ch.end_ms), (Some(0), None));
    }

    #[test]
    fn a_turn_bigger_than_a_chunk_is_split_and_every_piece_keeps_its_label() {
        let long = "We priced on seats first and it was a mistake because nobody wanted to add teammates. ".repeat(20);
        let t = Transcript { segments: vec![seg("Adam", 0, "So, pricing?"), seg("Wade", 1_000, &long), seg("Adam", 9_000, "Got it.")] };
        let chunks = chunker(60, 10).chunk_transcript(&t);
        assert!(chunks.len() > 2);
        for ch in &chunks {
            assert!(ch.tokens <= 60, "{}", ch.tokens);
            for para in ch.text.split(TURN_SEPARATOR) {
                assert!(para.starts_with("Adam: ") || para.starts_with("Wade: "), "{para}");
            }
        }
        let last = chunks.last().unwrap();
        assert!(last.text.ends_with("Adam: Got it."), "{}", last.text);
        assert_eq!(last.end_ms, None);
        assert_eq!(chunks[0].end_ms, Some(1_000), "Adam's question ends when Wade starts");
        assert_eq!(chunks[1].end_ms, Some(9_000), "Wade's first piece ends, at the latest, when Adam speaks again");
    }

    #[test]
    fn the_next_chunk_repeats_the_last_short_turns_as_overlap() {
        let t = Transcript {
            segments: (0..12)
                .map(|i| seg(if i % 2 == 0 { "Adam" } else { "Bryan" }, i * 1000, &format!("Turn number {i} says something short.")))
                .collect(),
        };
        let chunks = chunker(40, 12).chunk_transcript(&t);
        assert!(chunks.len() > 1);
        for pair in chunks.windows(2) {
            let last_turn = pair[0].text.rsplit(TURN_SEPARATOR).next().unwrap();
            assert!(pair[1].text.starts_with(last_turn), "{:?} / {:?}", pair[0].text, pair[1].text);
        }
        let all: String = chunks.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n\n");
        for s in &t.segments {
            assert!(all.contains(&s.text));
        }
    }
}
