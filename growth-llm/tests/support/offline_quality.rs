//! Counting what a new user would object to in an offline bundle: pieces too alike, the same
//! closing line twice, broken topic labels, disfluencies and misattributed first person. Shared by
//! the `offline_quality` example (every transcript, with timings) and the `offline_quality` test
//! (every in-repository transcript, all counts 0).

#![allow(dead_code, reason = "each includer uses a part")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use growth_core::domain::ContentType;
use growth_core::generate::{Draft, GenerationRequest};
use growth_core::prompt::{BundlePlan, PromptBuilder, SourceMaterial};
use growth_core::quality::bundle::{BundleContext, BundleGate};
use growth_core::quality::{BuiltinGates, DraftUnderReview, QualityConfig};
use growth_llm::offline::ExtractiveGenerator;

/// The in-repository transcripts (copies of every shared transcript, with their licences).
pub(crate) const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../growth-core/tests/fixtures/transcripts");

/// What went wrong in one bundle.
#[derive(Debug, Default, Clone)]
pub(crate) struct Counts {
    /// Pieces in the bundle.
    pub(crate) pieces: usize,
    /// Pairs of pieces with word 3-gram Jaccard ≥ 0.5.
    pub(crate) duplicates: usize,
    /// Pieces closing with the same line as an earlier piece.
    pub(crate) same_closings: usize,
    /// Topic labels checked.
    pub(crate) labels: usize,
    /// Topic labels that are not a noun phrase the episode discusses.
    pub(crate) broken_labels: usize,
    /// Repeated words, restarts and fillers.
    pub(crate) disfluencies: usize,
    /// First-person sentences the transcript gives to a speaker other than the host.
    pub(crate) misattributions: usize,
    /// What was found, for reading.
    pub(crate) details: Vec<String>,
}

impl Counts {
    /// Everything that should be 0.
    pub(crate) fn problems(&self) -> usize {
        self.duplicates + self.same_closings + self.broken_labels + self.disfluencies + self.misattributions
    }

    /// Adds `other` to `self`.
    pub(crate) fn add(&mut self, other: &Counts) {
        self.pieces += other.pieces;
        self.duplicates += other.duplicates;
        self.same_closings += other.same_closings;
        self.labels += other.labels;
        self.broken_labels += other.broken_labels;
        self.disfluencies += other.disfluencies;
        self.misattributions += other.misattributions;
        self.details.extend(other.details.iter().cloned());
    }
}

/// Transcript files under `dir` (recursively): Markdown, text, WebVTT, SRT and JSON, licences
/// and notes left out, sorted.
pub(crate) fn transcripts(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(transcripts(&path));
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_lowercase();
        let ext_ok = [".md", ".txt", ".vtt", ".srt", ".json"].iter().any(|x| name.ends_with(x));
        let note =
            name.starts_with("license") || name.starts_with("readme") || name.starts_with("notice") || name.starts_with("provenance");
        if ext_ok && !note {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The transcript at `path` as the pipeline hands it to a generator (`Speaker: text` paragraphs).
pub(crate) fn source_text(path: &Path) -> Result<String, String> {
    let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let parsed = growth_core::transcript::parse(&raw, None).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(parsed.transcript.to_text())
}

/// A default bundle (7 LinkedIn posts, a pre-interview, a post-publish, a newsletter, a blog
/// post) of `text` on a new generator, and how long writing it took; `Err` when the generator
/// refuses the source (too short).
pub(crate) fn write_bundle(text: &str, title: Option<&str>) -> Result<(Vec<(ContentType, Draft)>, Duration), String> {
    let material = SourceMaterial::new(title.map(str::to_owned), text.to_owned());
    let requests: Vec<GenerationRequest> = PromptBuilder::default().bundle(&material, &BundlePlan::default()).map_err(|e| e.to_string())?;
    let generator = ExtractiveGenerator::with_defaults().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut out = Vec::new();
    for r in &requests {
        let drafts = generator.write(r).map_err(|e| e.to_string())?;
        out.extend(drafts.into_iter().map(|d| (r.content_type, d)));
    }
    Ok((out, started.elapsed()))
}

/// Words a topic label must not contain: function words and the fillers of speech.
const NOT_IN_LABELS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "on", "in", "at", "to", "for", "with", "from", "by", "about", "as", "into", "is", "are",
    "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "i", "we", "you", "he", "she", "they", "me", "us", "my",
    "our", "your", "their", "his", "her", "so", "just", "like", "yeah", "really", "very", "also", "then", "than", "there", "here", "what",
    "which", "who", "how", "why", "when", "where", "not", "no", "do", "does", "did", "have", "has", "had", "can", "could", "would",
    "should", "will", "gonna", "kind", "sort", "thing", "things", "stuff", "lot",
];

/// Words that lead a determiner-less noun: seen right after one of these, a word is used as a noun.
const DETERMINERS: &[&str] =
    &["the", "a", "an", "our", "my", "your", "their", "his", "her", "its", "this", "these", "those", "some", "any", "every", "no"];

/// Why `label` is not a noun phrase the episode discusses, if it is not.
pub(crate) fn label_problem(label: &str, source_words: &[String]) -> Option<String> {
    let words: Vec<String> = label.split_whitespace().map(|w| w.to_lowercase()).collect();
    if words.is_empty() {
        return Some("empty".into());
    }
    if let Some(w) = words.iter().find(|w| NOT_IN_LABELS.contains(&w.as_str())) {
        return Some(format!("\"{w}\" is a function word or glue"));
    }
    // Verb fragments: an -ing or -ed word the episode never uses after a determiner.
    for w in &words {
        if (w.ends_with("ing") || w.ends_with("ed")) && !source_words.windows(2).any(|p| DETERMINERS.contains(&p[0].as_str()) && &p[1] == w)
        {
            return Some(format!("\"{w}\" reads as a verb fragment"));
        }
    }
    let n = words.len();
    let said = source_words.windows(n).filter(|g| g.iter().zip(&words).all(|(a, b)| a == b)).count();
    if said < 2 {
        return Some(format!("the episode says \"{label}\" {said} time(s)"));
    }
    None
}

/// The topic labels in a draft, from the shapes the extractive generator writes them in:
/// `## On <label>` headings, "<Guest> on <label>" and "Lessons on <label>" titles, "… lessons from
/// X on <label>, in …", "One line from X on <label> changed …", and the closing lead-ins "Over to
/// you on <label>:", "Where do you stand on <label>?" ….
pub(crate) fn labels(draft: &Draft) -> Vec<String> {
    const SHAPES: &[&str] =
        &["lessons from", "One line from", "Over to you on ", "Your turn on ", "stand on ", "question for you on ", "last word on "];
    let mut out = Vec::new();
    for line in draft.content.lines() {
        let line = line.trim();
        if let Some(h) = line.strip_prefix("## ") {
            let h = h.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ');
            if let Some(l) = h.strip_prefix("On ") {
                out.push(l.trim_end_matches(['.', '?']).to_owned());
            }
            continue;
        }
        if !SHAPES.iter().any(|t| line.contains(t)) {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find(" on ") {
            let tail = &rest[i + 4..];
            let end = tail.find([',', '.', '?', ':', '!']).unwrap_or(tail.len());
            let end = tail[..end].find(" changed ").unwrap_or(end);
            let cand = &tail[..end];
            if !cand.is_empty() && !cand.starts_with("the show") && !cand.contains(" on ") && cand.split_whitespace().count() <= 4 {
                out.push(cand.to_owned());
            }
            rest = tail;
        }
    }
    if let Some(t) = &draft.title
        && let Some((_, l)) = t.rsplit_once(" on ")
    {
        out.push(l.to_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// Counts the problems of one bundle written from `source` (with the built-in gates' default
/// configuration: the first speaker is the host).
pub(crate) fn count(source: &str, bundle: &[(ContentType, Draft)]) -> Counts {
    let gates = BuiltinGates::new(&QualityConfig::default()).expect("the default quality config is valid");
    let source_words: Vec<String> =
        source.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-')).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let mut counts = Counts { pieces: bundle.len(), ..Counts::default() };
    let pieces: Vec<DraftUnderReview> =
        bundle.iter().map(|(t, d)| DraftUnderReview { content_type: *t, title: d.title.clone(), content: d.content.clone() }).collect();
    for (i, piece) in pieces.iter().enumerate() {
        let name = format!("{}#{i}", piece.content_type);
        for f in gates.repetition.findings(piece, &pieces[..i]) {
            if f.span == [0, 0] {
                counts.duplicates += 1;
            } else {
                counts.same_closings += 1;
            }
            counts.details.push(format!("{name} repetition: {} {}", f.message, f.text));
        }
        for f in gates.disfluency.findings(&piece.content) {
            counts.disfluencies += 1;
            counts.details.push(format!("{name} disfluency: {:?}", f.text));
        }
        let context = BundleContext { source: Some(source), earlier: &pieces[..i] };
        let verdict = gates.attribution.check_piece(piece, &context).expect("the attribution gate runs");
        for f in verdict.findings {
            counts.misattributions += 1;
            counts.details.push(format!("{name} attribution: {:?} ({})", f.text, f.message));
        }
        for label in labels(&bundle[i].1) {
            counts.labels += 1;
            if let Some(why) = label_problem(&label, &source_words) {
                counts.broken_labels += 1;
                counts.details.push(format!("{name} label {label:?}: {why}"));
            }
        }
    }
    counts
}
