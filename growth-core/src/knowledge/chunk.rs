//! Token-sized chunking of knowledge items (Markdown-aware) and of transcripts (speaker-turn
//! aware), in one linear pass.
//!
//! Sizes are counted in `cl100k_base` tokens (the tokenizer of OpenAI's `text-embedding-3-*`
//! models, through [`tiktoken_rs`], whose tokenizer files are compiled in). Chunking is
//! deterministic: the same text and [`ChunkConfig`] always give the same chunks.
//!
//! # How
//! The text is cut once into atoms (a word with its leading space, or a line end with its line
//! breaks; see `tokens.rs`) whose token counts add up exactly to the count of any run of them, each
//! tokenized once (repeated words come from a cache). Each boundary between atoms has a strength:
//! word < sentence end < line break < blank line < new segment < new speaker turn (transcripts), or
//! < thematic break < heading (`######` … `#`, Markdown). A chunk takes as many atoms as fit in
//! `max_tokens` and ends at the strongest boundary among them (the furthest one of that strength) —
//! so whole sections, turns, paragraphs and sentences stay together whenever they fit — then the
//! next chunk starts up to `overlap_tokens` earlier, at the strongest boundary in that stretch (whole
//! turns or sentences rather than half words), and without it when the overlap would keep the next
//! chunk from reaching a boundary as strong as the one just cut at. Every atom is looked at a
//! bounded number of times, so the work is linear in the text; [`CancelFlag::work`] counts it.
//!
//! The chunk's `tokens` is the exact cl100k count of its text, except where a run of more than 128
//! bytes without a space or line break (no natural boundary) had to be cut, where it may be off by
//! a token or so.

use std::collections::VecDeque;
use std::ops::Range;

use tiktoken_rs::CoreBPE;

use super::tokens::{Atom, Atoms, TokenCounter, level};
use crate::domain::{Transcript, is_unknown_speaker};
use crate::ingest::{CancelFlag, Cancelled};
use crate::{Error, Result};

/// Separator between the turns of a transcript chunk (the one [`Transcript::to_text`] uses).
const TURN_SEPARATOR: &str = "\n\n";

/// Longest atom, in bytes (a run without a natural boundary is cut there).
const MAX_ATOM_BYTES: usize = 128;

/// Longest speaker label repeated in front of a piece of a turn, in chars.
const MAX_LABEL_CHARS: usize = 100;

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

    /// Length of `text` in tokens (the tokenizer over the whole text).
    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenizer.encode_ordinary(text).len()
    }

    /// Splits Markdown (or plain) text at the strongest boundaries that fit — headings, thematic
    /// breaks, blank lines, line breaks, sentence ends, words — into chunks of at most `max_tokens`,
    /// consecutive chunks sharing up to `overlap_tokens`. Chunks are trimmed; blank text gives no
    /// chunks.
    pub fn chunk_text(&self, text: &str) -> Vec<Chunk> {
        self.chunk_text_with(text, &CancelFlag::new()).unwrap_or_default()
    }

    /// [`chunk_text`](Self::chunk_text), checking `cancel` after every chunk and counting the work
    /// in [`CancelFlag::work`].
    ///
    /// # Errors
    /// [`Cancelled`] once `cancel` is cancelled.
    pub fn chunk_text_with(&self, text: &str, cancel: &CancelFlag) -> std::result::Result<Vec<Chunk>, Cancelled> {
        let free = |_: usize| StartKind::Free;
        let mut packer = Packer::new(text, Atoms::new(text, self.atom_bytes(), true, &[]), self.tokenizer, self.config, cancel, &free);
        let mut chunks = Vec::new();
        while let Some(p) = packer.next_chunk()? {
            chunks.push(Chunk {
                index: chunks.len(),
                text: text.get(p.range.clone()).unwrap_or_default().to_owned(),
                byte_range: p.range,
                tokens: p.tokens,
                speakers: Vec::new(),
                start_ms: None,
                end_ms: None,
            });
        }
        Ok(chunks)
    }

    /// Splits a transcript along speaker turns.
    ///
    /// The transcript is read as [`Transcript::to_text`] writes it (`Speaker: words`, one paragraph
    /// per segment); a turn is a run of consecutive segments by the same speaker. Whole turns are
    /// packed into chunks of at most `max_tokens`; a turn is split only when it does not fit — at a
    /// segment, else a paragraph, a sentence end, a word — and a chunk that starts inside a segment
    /// repeats its `Speaker:` label. A chunk starts by repeating up to `overlap_tokens` of the
    /// previous one (its last whole turns when they fit, else its last sentences). Each chunk records
    /// its speakers and its start and end times.
    pub fn chunk_transcript(&self, transcript: &Transcript) -> Vec<Chunk> {
        self.chunk_transcript_with(transcript, &CancelFlag::new()).unwrap_or_default()
    }

    /// [`chunk_transcript`](Self::chunk_transcript), checking `cancel` after every chunk and
    /// counting the work in [`CancelFlag::work`].
    ///
    /// # Errors
    /// [`Cancelled`] once `cancel` is cancelled.
    pub fn chunk_transcript_with(&self, transcript: &Transcript, cancel: &CancelFlag) -> std::result::Result<Vec<Chunk>, Cancelled> {
        let layout = Layout::new(transcript);
        let full = &layout.text;
        let start_kind = |offset: usize| layout.start_kind(offset);
        let atoms = Atoms::new(full, self.atom_bytes(), false, &layout.forced);
        let mut packer = Packer::new(full, atoms, self.tokenizer, self.config, cancel, &start_kind);
        let mut chunks = Vec::new();
        while let Some(p) = packer.next_chunk()? {
            let segments = layout.segments_in(&p.range);
            let mut speakers: Vec<String> = Vec::new();
            for s in &transcript.segments[segments.clone()] {
                if let Some(name) = s.speaker.as_deref().filter(|n| !is_unknown_speaker(n))
                    && !speakers.iter().any(|x| x == name)
                {
                    speakers.push(name.to_owned());
                }
            }
            let segs = &transcript.segments;
            let start_ms = segs[segments.clone()].iter().find_map(|s| s.start_ms);
            let last = segments.end.saturating_sub(1);
            let end_ms = segs.get(last).and_then(|s| s.end_ms).or_else(|| segs.get(last + 1).and_then(|s| s.start_ms));
            let body = full.get(p.range.clone()).unwrap_or_default();
            let text = match p.label {
                Some(label) => format!("{label}{body}"),
                None => body.to_owned(),
            };
            chunks.push(Chunk { index: chunks.len(), text, byte_range: p.range, tokens: p.tokens, speakers, start_ms, end_ms });
        }
        Ok(chunks)
    }

    /// Atoms are at most this long, and short enough that one always fits in a chunk.
    fn atom_bytes(&self) -> usize {
        MAX_ATOM_BYTES.min(self.config.max_tokens)
    }
}

/// A transcript as [`Transcript::to_text`] writes it, with where each segment's paragraph starts.
struct Layout {
    text: String,
    /// Per segment: start of its paragraph, end of its label, its label (`"Name: "`, cut to
    /// [`MAX_LABEL_CHARS`]) when it has a speaker.
    paragraphs: Vec<(usize, usize, Option<String>)>,
    /// Boundaries at segment starts: a new turn when the speaker changes, else a new segment.
    forced: Vec<(usize, u8)>,
}

impl Layout {
    fn new(transcript: &Transcript) -> Self {
        let text = transcript.to_text();
        let mut paragraphs = Vec::with_capacity(transcript.segments.len());
        let mut forced = Vec::with_capacity(transcript.segments.len());
        let mut offset = 0usize;
        for (i, s) in transcript.segments.iter().enumerate() {
            if i > 0 {
                offset += TURN_SEPARATOR.len();
                let turn = transcript.segments[i - 1].speaker != s.speaker;
                forced.push((offset, if turn { level::TURN } else { level::SEGMENT }));
            }
            let label_len = s.speaker.as_ref().map_or(0, |sp| sp.len() + 2);
            let label = s.speaker.as_deref().map(|sp| {
                let cut = sp.char_indices().nth(MAX_LABEL_CHARS).map_or(sp.len(), |(i, _)| i);
                format!("{}: ", sp.get(..cut).unwrap_or(sp))
            });
            paragraphs.push((offset, offset + label_len, label));
            offset += label_len + s.text.len();
        }
        Self { text, paragraphs, forced }
    }

    /// The index of the segment whose paragraph holds byte `offset`.
    fn segment_at(&self, offset: usize) -> usize {
        self.paragraphs.partition_point(|(start, ..)| *start <= offset).saturating_sub(1)
    }

    /// The segments a byte range touches.
    fn segments_in(&self, range: &Range<usize>) -> Range<usize> {
        if self.paragraphs.is_empty() {
            return 0..0;
        }
        self.segment_at(range.start)..self.segment_at(range.end.saturating_sub(1).max(range.start)) + 1
    }

    /// What a chunk starting at byte `offset` needs: nothing at a segment's start, its label
    /// inside its words; inside a label is no place to start.
    fn start_kind(&self, offset: usize) -> StartKind<'_> {
        let Some((start, label_end, label)) = self.paragraphs.get(self.segment_at(offset)) else { return StartKind::Free };
        match label {
            _ if offset <= *start => StartKind::Free,
            Some(_) if offset < *label_end => StartKind::Inside,
            Some(label) => StartKind::Label(label),
            None => StartKind::Free,
        }
    }
}

/// What a chunk starting at a byte offset would need in front of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StartKind<'l> {
    /// Nothing: plain text, or the start of a transcript segment.
    Free,
    /// The segment's label, repeated (a start inside a segment's words).
    Label(&'l str),
    /// Not a place to start or cut: inside a speaker label.
    Inside,
}

/// What the packer decided for one chunk.
struct Packed<'l> {
    /// The chunk's bytes, trimmed.
    range: Range<usize>,
    /// Its tokens, label included.
    tokens: usize,
    /// The label to put in front.
    label: Option<&'l str>,
}

/// A window of atoms from a start atom, and where to cut it.
struct Plan {
    start: usize,
    cut: usize,
    level: u8,
}

/// Packs atoms into chunks; see the module docs.
struct Packer<'t, 'c, 'l> {
    text: &'t str,
    atoms: Atoms<'t>,
    counter: TokenCounter,
    config: ChunkConfig,
    cancel: &'c CancelFlag,
    start_kind: &'c dyn Fn(usize) -> StartKind<'l>,
    /// Atoms from index `base` on (earlier ones are no longer needed).
    buf: VecDeque<Atom>,
    base: usize,
    exhausted: bool,
    /// Where the next chunk starts, and where the previous one ended.
    start: usize,
    prev_end: usize,
    done: bool,
    /// Bytes of atoms the packer went over, and the work already reported.
    visited: usize,
    reported: usize,
}

impl<'t, 'c, 'l> Packer<'t, 'c, 'l> {
    fn new(
        text: &'t str,
        atoms: Atoms<'t>,
        bpe: &'static CoreBPE,
        config: ChunkConfig,
        cancel: &'c CancelFlag,
        start_kind: &'c dyn Fn(usize) -> StartKind<'l>,
    ) -> Self {
        Self {
            text,
            atoms,
            counter: TokenCounter::new(bpe),
            config,
            cancel,
            start_kind,
            buf: VecDeque::new(),
            base: 0,
            exhausted: false,
            start: 0,
            prev_end: 0,
            done: false,
            visited: 0,
            reported: 0,
        }
    }

    /// Atom `i` (absolute index), reading more of the text as needed; `None` past the end.
    fn atom(&mut self, i: usize) -> Option<Atom> {
        while i >= self.base + self.buf.len() && !self.exhausted {
            match self.atoms.next_atom(&mut self.counter) {
                Some(a) => self.buf.push_back(a),
                None => self.exhausted = true,
            }
        }
        let a = self.buf.get(i.checked_sub(self.base)?).copied();
        if let Some(a) = a {
            self.visited += a.end - a.start;
        }
        a
    }

    /// Atom `i`, already read.
    fn read(&self, i: usize) -> Option<Atom> {
        self.buf.get(i.checked_sub(self.base)?).copied()
    }

    fn kind(&self, i: usize) -> StartKind<'l> {
        self.read(i).map_or(StartKind::Free, |a| (self.start_kind)(a.start))
    }

    /// Reports the work done since the last report, and checks for cancellation.
    fn report(&mut self) -> std::result::Result<(), Cancelled> {
        let work = self.atoms.scanned + self.counter.tokenized + self.visited;
        let new = work - self.reported;
        self.reported = work;
        self.cancel.add_work(new)
    }

    /// The next chunk, or `None` at the end of the text.
    fn next_chunk(&mut self) -> std::result::Result<Option<Packed<'l>>, Cancelled> {
        while !self.done {
            self.report()?;
            let plan = match self.plan(self.start) {
                Some(p) => p,
                // The overlap left no room for anything new: start where the last chunk ended.
                None if self.start < self.prev_end => match self.plan(self.prev_end) {
                    Some(p) => p,
                    None => break,
                },
                None => break,
            };
            // Without the overlap when it keeps the chunk from reaching a boundary as strong as the
            // one the previous chunk ended at: a turn (or section) that fits is never split by it.
            let plan = if plan.start < self.prev_end && plan.level < self.read(self.prev_end).map_or(level::START, |a| a.level) {
                match self.plan(self.prev_end) {
                    Some(p) if p.level > plan.level => p,
                    _ => plan,
                }
            } else {
                plan
            };
            self.drop_before(plan.start);
            let packed = self.finish(&plan);
            if self.atom(plan.cut).is_none() {
                self.done = true;
            } else {
                self.start = self.overlap_start(plan.start, plan.cut);
                self.prev_end = plan.cut;
            }
            if packed.is_some() {
                return Ok(packed);
            }
        }
        self.done = true;
        self.report()?;
        Ok(None)
    }

    /// How far atoms from `start` (whitespace skipped) fit, and the strongest boundary to cut at
    /// after the previous chunk's end; `None` at the end of the text or when nothing after the
    /// previous chunk's end fits.
    fn plan(&mut self, start: usize) -> Option<Plan> {
        let mut start = start;
        while self.atom(start)?.blank {
            start += 1;
        }
        let first = self.atom(start)?;
        let reserve = match self.kind(start) {
            StartKind::Label(label) => self.label_tokens(label),
            StartKind::Free | StartKind::Inside => 0,
        };
        let budget = self.config.max_tokens.saturating_sub(reserve);
        let mut sum = first.tokens as usize;
        let mut end = start + 1;
        while let Some(a) = self.atom(end) {
            if sum + a.tokens_trimmed as usize > budget {
                break;
            }
            sum += a.tokens as usize;
            end += 1;
        }
        let Some(after) = self.read(end) else {
            return (end > self.prev_end).then_some(Plan { start, cut: end, level: level::START });
        };
        // The strongest boundary in (prev_end, end], the furthest of equals, not inside a label.
        let lo = start.max(self.prev_end) + 1;
        let mut best: Option<(u8, usize)> = None;
        for b in (lo..=end).rev() {
            let l = if b == end { after.level } else { self.read(b).map_or(level::CHAR, |a| a.level) };
            if best.is_none_or(|(bl, _)| l > bl) && self.kind(b) != StartKind::Inside {
                best = Some((l, b));
            }
        }
        let (level, cut) = match best {
            Some(b) => b,
            None if end >= lo => (after.level, end),
            None => return None,
        };
        Some(Plan { start, cut, level })
    }

    /// What a repeated label costs, or 0 when it would take over half of a chunk (then it is not
    /// repeated).
    fn label_tokens(&mut self, label: &str) -> usize {
        let n = self.counter.count(label.trim_end());
        if n * 2 > self.config.max_tokens { 0 } else { n }
    }

    /// Where the chunk after `[start, cut)` starts: up to `overlap_tokens` back from `cut`, at the
    /// strongest boundary there (the earliest of equals), never at `start` itself.
    fn overlap_start(&mut self, start: usize, cut: usize) -> usize {
        let mut best: Option<(u8, usize)> = None;
        let mut acc = 0usize;
        let mut s = cut;
        while s > start + 1 {
            let Some(a) = self.atom(s - 1) else { break };
            acc += a.tokens as usize;
            if acc > self.config.overlap_tokens {
                break;
            }
            s -= 1;
            if !a.blank && best.is_none_or(|(l, _)| a.level >= l) && self.kind(s) != StartKind::Inside {
                best = Some((a.level, s));
            }
        }
        best.map_or(cut, |(_, s)| s)
    }

    /// Forgets atoms before `i`.
    fn drop_before(&mut self, i: usize) {
        while self.base < i && !self.buf.is_empty() {
            self.buf.pop_front();
            self.base += 1;
        }
    }

    /// The trimmed range and exact token count of `[plan.start, plan.cut)`, giving up trailing atoms
    /// while the exact count is over the limit; `None` when it is all whitespace.
    fn finish(&mut self, plan: &Plan) -> Option<Packed<'l>> {
        let first = (plan.start..plan.cut).find(|&i| self.read(i).is_some_and(|a| !a.blank))?;
        let mut last = (first..plan.cut).rev().find(|&i| self.read(i).is_some_and(|a| !a.blank))?;
        let label = match self.kind(first) {
            StartKind::Label(l) if self.label_tokens(l) > 0 => Some(l),
            _ => None,
        };
        let mut middle: usize = (first + 1..last).filter_map(|i| self.read(i)).map(|a| a.tokens as usize).sum();
        let a = self.read(first)?;
        let start = a.start + (self.slice(a.start, a.end).len() - self.slice(a.start, a.end).trim_start().len());
        loop {
            let z = self.read(last)?;
            let end = z.start + self.slice(z.start, z.end).trim_end().len();
            let tokens = if first == last {
                let body = self.slice(start, end);
                match label {
                    Some(l) => self.counter.count(&format!("{l}{body}")),
                    None => self.counter.count(body),
                }
            } else {
                let head = self.slice(start, a.end);
                let head_tokens = match label {
                    Some(l) => self.counter.count(&format!("{l}{head}")),
                    None => self.counter.count(head),
                };
                head_tokens + middle + z.tokens_trimmed as usize
            };
            if tokens <= self.config.max_tokens || first == last {
                // A lone atom that does not fit behind its label goes without it.
                if label.is_some() && tokens > self.config.max_tokens {
                    let tokens = self.counter.count(self.slice(start, end));
                    return Some(Packed { range: start..end, tokens, label: None });
                }
                return Some(Packed { range: start..end, tokens, label });
            }
            // Give up the last atom, and the whitespace before it.
            last -= 1;
            while last > first && self.read(last).is_some_and(|x| x.blank) {
                middle -= self.read(last).map_or(0, |x| x.tokens as usize);
                last -= 1;
            }
            if last > first {
                middle -= self.read(last).map_or(0, |x| x.tokens as usize);
            }
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'t str {
        self.text.get(start..end).unwrap_or_default()
    }
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
            assert_eq!(ch.tokens, c.count_tokens(&ch.text));
            assert_eq!(&text[ch.byte_range.clone()], ch.text);
        }
    }

    #[test]
    fn markdown_sections_that_fit_stay_whole_and_chunks_start_at_headings() {
        let sections: Vec<String> =
            (0..6).map(|i| format!("## Section {i}\n\nStep {i} is to talk to customers every week. Write down what they say.")).collect();
        let text = sections.join("\n\n");
        for overlap in [0, 10] {
            let chunks = chunker(60, overlap).chunk_text(&text);
            for s in &sections {
                assert!(chunks.iter().any(|c| c.text.contains(s.as_str())), "section split: {s}");
            }
            if overlap == 0 {
                assert!(chunks.iter().all(|c| c.text.starts_with("## Section")), "{chunks:#?}");
            }
        }
    }

    #[test]
    fn text_without_sentence_ends_is_cut_between_words_and_overlaps() {
        let text = "growth loops compound when every user brings the next one ".repeat(60);
        let c = chunker(50, 10);
        let chunks = c.chunk_text(&text);
        assert!(chunks.len() > 5);
        for pair in chunks.windows(2) {
            assert!(pair[1].byte_range.start < pair[0].byte_range.end, "consecutive chunks overlap");
            assert!(pair[1].byte_range.end > pair[0].byte_range.end, "every chunk moves forward");
        }
        for ch in &chunks {
            assert!(ch.tokens <= 50);
            assert_eq!(ch.tokens, c.count_tokens(&ch.text));
            assert!(!ch.text.starts_with(' ') && !ch.text.ends_with(' '));
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
        let c = chunker(60, 10);
        let chunks = c.chunk_transcript(&t);
        assert!(chunks.len() > 2);
        for ch in &chunks {
            assert!(ch.tokens <= 60, "{}", ch.tokens);
            assert_eq!(ch.tokens, c.count_tokens(&ch.text));
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

    #[test]
    fn unknown_speakers_are_not_chunk_speakers() {
        let t = Transcript { segments: vec![seg("Unknown", 0, "Who is it?"), seg("Adam", 1_000, "Me.")] };
        assert_eq!(chunker(100, 10).chunk_transcript(&t)[0].speakers, ["Adam"]);
    }

    /// The work of chunking `text`, as counted by the flag.
    fn work(c: &Chunker, text: &str) -> u64 {
        let flag = CancelFlag::new();
        c.chunk_text_with(text, &flag).unwrap();
        flag.work()
    }

    #[test]
    fn chunking_work_grows_linearly_with_the_input() {
        // Prose, text without a sentence end, one endless "word", and whitespace runs: 4× the
        // input must cost about 4× the work (the old splitter rescanned from its cursor for every
        // chunk: 16× here for text without sentence ends).
        let c = chunker(500, 50);
        // Each input is a unit repeated: once for 1×, four times as often for 4×.
        let units = [
            ("prose", "We talked to users. They wanted fewer steps! So we cut two. ".repeat(200)),
            ("no sentence ends", "and the growth team kept shipping every week without a stop ".repeat(200)),
            ("one endless word", "x".repeat(10_000)),
            ("whitespace runs", format!("word{}", " ".repeat(10_000))),
            ("short lines", "a\n".repeat(5_000)),
            ("markdown", "# Title\n\nSome text here.\n\n## Sub\n\n- item one\n- item two\n\n---\n\n".repeat(200)),
        ];
        for (name, unit) in units {
            let (one, four) = (unit.repeat(10), unit.repeat(40));
            let (w1, w4) = (work(&c, &one), work(&c, &four));
            assert!(w1 as usize >= one.len(), "{name}: every byte is looked at: {w1} < {}", one.len());
            assert!(w1 as usize <= 8 * one.len(), "{name}: {w1} units of work for {} bytes", one.len());
            let ratio = w4 as f64 / w1 as f64;
            assert!((3.8..=4.2).contains(&ratio), "{name}: work {w1} → {w4} (×{ratio:.2}) for 4× the input");
        }
    }

    #[test]
    fn a_cancelled_flag_stops_chunking() {
        let flag = CancelFlag::new();
        flag.cancel();
        let text = "Some words here. ".repeat(1000);
        assert_eq!(chunker(50, 5).chunk_text_with(&text, &flag), Err(Cancelled));
        let t = Transcript { segments: vec![seg("Adam", 0, &text)] };
        assert_eq!(chunker(50, 5).chunk_transcript_with(&t, &flag), Err(Cancelled));
    }
}
