//! The `attribution` bundle gate: first person belongs to the host.
//!
//! A piece is written in the voice of the host (the founder whose show it is). A sentence of the
//! piece that speaks in the first person (`I`, `we`, `my`, `our` …) outside quotation marks
//! (`“…”`, `"…"`, Markdown `>` blockquotes) and whose words the source transcript gives to
//! another speaker puts a guest's claim in the host's mouth. The gate reads the transcript's
//! speaker turns (any format the transcript parser reads), and flags such a sentence when at
//! least [`AttributionConfig::min_overlap`] of its word 3-grams were said by speakers other than
//! the host and never by the host. The fix is to quote and attribute it ("As Ada put it: “…”").
//!
//! The host is [`AttributionConfig::host`] (compared without case; `Adam` matches `Adam
//! Stacoviak`), else the first speaker of a transcript with two speakers or more. Without a
//! source, or with fewer than two named speakers, there is nothing to attribute and the gate
//! passes.
//!
//! ```
//! use growth_core::domain::ContentType;
//! use growth_core::quality::DraftUnderReview;
//! use growth_core::quality::attribution::AttributionCheck;
//! use growth_core::quality::bundle::{BundleContext, BundleGate};
//!
//! let source = "Adam: What happened to the trial?\n\nTravis: We cut our free trial from 30 days to 7 and conversions went up.";
//! let post = |c: &str| DraftUnderReview { content_type: ContentType::LinkedinPost, title: None, content: c.into() };
//! let gate = AttributionCheck::default();
//! let context = BundleContext { source: Some(source), earlier: &[] };
//! let wrong = post("We cut our free trial from 30 days to 7 and conversions went up.");
//! assert!(!gate.check_piece(&wrong, &context).unwrap().passed);
//! let right = post("As Travis put it: “We cut our free trial from 30 days to 7 and conversions went up.”");
//! assert!(gate.check_piece(&right, &context).unwrap().passed);
//! ```

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::DraftUnderReview;
use super::bundle::{BundleContext, BundleGate};
use super::text::{sentences, words};
use crate::domain::{Finding, FindingSeverity, Verdict};
use crate::{Error, Result};

/// The gate's name.
pub const ATTRIBUTION_GATE: &str = "attribution";

/// First-person words.
pub const FIRST_PERSON: &[&str] = &[
    "i",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "me",
    "my",
    "mine",
    "myself",
    "we",
    "we're",
    "we've",
    "we'd",
    "we'll",
    "us",
    "our",
    "ours",
    "ourselves",
];

/// Settings of the `attribution` gate (`[quality.attribution]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttributionConfig {
    /// The host's (founder's) speaker label: the only voice a piece may use in the first person
    /// without quoting. The first speaker of the transcript when not set.
    pub host: Option<String>,
    /// Share of a sentence's word 3-grams that must come from another speaker for it to count as
    /// theirs (default 0.6).
    pub min_overlap: f64,
}

impl Default for AttributionConfig {
    fn default() -> Self {
        Self { host: None, min_overlap: 0.6 }
    }
}

/// Which speaker index is the host among `speakers` (in order of first appearance): the
/// configured one (case ignored; a first name matches a full name), else the first of two or more.
pub fn host_index(speakers: &[String], configured: Option<&str>) -> Option<usize> {
    match configured.map(str::trim).filter(|h| !h.is_empty()) {
        Some(name) => {
            let name = name.to_lowercase();
            speakers.iter().position(|s| {
                let s = s.trim().to_lowercase();
                s == name || s.starts_with(&format!("{name} "))
            })
        }
        None if speakers.len() >= 2 => Some(0),
        None => None,
    }
}

/// Who said each word 3-gram of a transcript.
#[derive(Debug, Default)]
struct Said {
    speakers: Vec<String>,
    host: Option<usize>,
    /// 3-gram → (the host said it, the other speaker who said it first).
    grams: HashMap<String, (bool, Option<usize>)>,
}

fn lower_words(text: &str) -> Vec<String> {
    words(text).map(|(_, w)| w.to_lowercase().replace('’', "'")).collect()
}

impl Said {
    fn new(source: &str, host: Option<&str>) -> Self {
        let Ok(parsed) = crate::transcript::parse(source.as_bytes(), None) else { return Self::default() };
        let mut speakers: Vec<String> = Vec::new();
        let mut labelled: Vec<(Option<usize>, &str)> = Vec::new();
        for seg in &parsed.transcript.segments {
            let who = seg.speaker.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|name| {
                speakers.iter().position(|s| s == name).unwrap_or_else(|| {
                    speakers.push(name.to_owned());
                    speakers.len() - 1
                })
            });
            labelled.push((who, &seg.text));
        }
        let host = host_index(&speakers, host);
        let mut grams: HashMap<String, (bool, Option<usize>)> = HashMap::new();
        if speakers.len() >= 2 {
            for (who, text) in labelled {
                let Some(who) = who else { continue };
                let w = lower_words(text);
                for g in w.windows(3) {
                    let entry = grams.entry(g.join(" ")).or_insert((false, None));
                    if Some(who) == host {
                        entry.0 = true;
                    } else if entry.1.is_none() {
                        entry.1 = Some(who);
                    }
                }
            }
        }
        Self { speakers, host, grams }
    }
}

/// Byte ranges of `content` that are quotations: `“…”` and `"…"` pairs, and `>` blockquote lines.
pub fn quoted_ranges(content: &str) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    let mut open: Option<(usize, char)> = None;
    let mut line_start = 0;
    for (i, c) in content.char_indices() {
        match (open, c) {
            (None, '“') => open = Some((i, '”')),
            (None, '"') => open = Some((i, '"')),
            (Some((s, close)), c) if c == close => {
                out.push([s, i + c.len_utf8()]);
                open = None;
            }
            // A quote never runs past a blank line.
            (Some(_), '\n') if content[i + 1..].starts_with('\n') => open = None,
            _ => {}
        }
        if c == '\n' {
            line_start = i + 1;
        }
        if i == line_start && c == '>' {
            let end = content[i..].find('\n').map_or(content.len(), |e| i + e);
            out.push([i, end]);
        }
    }
    out
}

/// The `attribution` gate (see the [module docs](self)).
#[derive(Debug)]
pub struct AttributionCheck {
    config: AttributionConfig,
    /// The last source read, by hash: a bundle's pieces share one transcript.
    last: Mutex<Option<(u64, Arc<Said>)>>,
}

impl Default for AttributionCheck {
    fn default() -> Self {
        Self { config: AttributionConfig::default(), last: Mutex::new(None) }
    }
}

impl AttributionCheck {
    /// A gate with `config`; `InvalidInput` when `min_overlap` is not within (0, 1].
    pub fn new(config: AttributionConfig) -> Result<Self> {
        if !(config.min_overlap > 0.0 && config.min_overlap <= 1.0) {
            return Err(Error::invalid_field("quality.attribution.min_overlap", "must be within (0, 1]"));
        }
        Ok(Self { config, last: Mutex::new(None) })
    }

    fn said(&self, source: &str) -> Arc<Said> {
        let mut h = DefaultHasher::new();
        source.hash(&mut h);
        let key = h.finish();
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((k, said)) = last.as_ref()
            && *k == key
        {
            return said.clone();
        }
        let said = Arc::new(Said::new(source, self.config.host.as_deref()));
        *last = Some((key, said.clone()));
        said
    }

    /// The findings of `content` against the transcript `source`.
    pub fn findings(&self, content: &str, source: &str) -> Vec<Finding> {
        let said = self.said(source);
        if said.grams.is_empty() {
            return Vec::new();
        }
        let quoted = quoted_ranges(content);
        let in_quote = |pos: usize| quoted.iter().any(|r| r[0] <= pos && pos < r[1]);
        let mut out = Vec::new();
        for span in sentences(content) {
            let sentence = &content[span[0]..span[1]];
            let free: Vec<String> =
                words(sentence).filter(|(at, _)| !in_quote(span[0] + at)).map(|(_, w)| w.to_lowercase().replace('’', "'")).collect();
            if !free.iter().any(|w| FIRST_PERSON.contains(&w.as_str())) || free.len() < 3 {
                continue;
            }
            let grams: Vec<String> = free.windows(3).map(|g| g.join(" ")).collect();
            let mut theirs = 0usize;
            let mut by: HashMap<usize, usize> = HashMap::new();
            for g in &grams {
                if let Some((false, Some(who))) = said.grams.get(g) {
                    theirs += 1;
                    *by.entry(*who).or_default() += 1;
                }
            }
            if grams.len() >= 2 && theirs as f64 / grams.len() as f64 >= self.config.min_overlap {
                let who = by.iter().max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s))).map(|(s, _)| *s);
                let name = who.and_then(|s| said.speakers.get(s)).map_or("another speaker", String::as_str);
                let host = said.host.and_then(|h| said.speakers.get(h)).map_or("the host".to_owned(), |h| format!("the host ({h})"));
                out.push(Finding {
                    check: ATTRIBUTION_GATE.to_owned(),
                    span,
                    text: sentence.to_owned(),
                    message: format!(
                        "{name} said this on the show, but it reads as {host} speaking: quote and attribute it (\"As {name} put it: “…”\")"
                    ),
                    severity: FindingSeverity::Error,
                });
            }
        }
        out
    }
}

impl BundleGate for AttributionCheck {
    fn name(&self) -> &'static str {
        ATTRIBUTION_GATE
    }

    fn check_piece(&self, piece: &DraftUnderReview, context: &BundleContext<'_>) -> Result<Verdict> {
        let mut findings = Vec::new();
        if let Some(source) = context.source {
            findings = self.findings(&piece.content, source);
            if let Some(title) = &piece.title {
                // A title speaks in the host's voice too; its findings concern the whole piece.
                findings.extend(self.findings(title, source).into_iter().map(|mut f| {
                    f.span = [0, 0];
                    f.text = String::new();
                    f.message = format!("the title: {}", f.message);
                    f
                }));
            }
        }
        Ok(Verdict { gate: ATTRIBUTION_GATE.to_owned(), passed: findings.is_empty(), score: None, findings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "Adam: Welcome back. I started this show to talk to founders about how they build.\n\n\
        Travis: Thanks for having me. We built our analytics product around one idea: engineering work should be visible.\n\n\
        Adam: I love that idea, and I have been thinking about technical debt for years.\n\n\
        Travis: We pay down technical debt every quarter, and I track it like a loan.";

    fn findings(content: &str, host: Option<&str>) -> Vec<Finding> {
        AttributionCheck::new(AttributionConfig { host: host.map(str::to_owned), ..AttributionConfig::default() })
            .unwrap()
            .findings(content, SOURCE)
    }

    #[test]
    fn a_guest_line_in_the_first_person_is_a_finding_at_its_span() {
        let content = "Big week.\n\nWe pay down technical debt every quarter, and I track it like a loan.\n\nTell me below.";
        let f = findings(content, None);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(&content[f[0].span[0]..f[0].span[1]], f[0].text);
        assert!(f[0].text.starts_with("We pay down"));
        assert!(f[0].message.contains("Travis"), "{}", f[0].message);
    }

    #[test]
    fn quoted_and_attributed_guest_lines_and_the_hosts_own_lines_pass() {
        for ok in [
            "As Travis put it: “We pay down technical debt every quarter, and I track it like a loan.”",
            "> **Travis:** We pay down technical debt every quarter, and I track it like a loan.",
            "Travis said \"we pay down technical debt every quarter\" and meant it.",
            "I have been thinking about technical debt for years.",
            "They pay down technical debt every quarter.",
        ] {
            assert!(findings(ok, None).is_empty(), "{ok}: {:?}", findings(ok, None));
        }
    }

    #[test]
    fn the_configured_host_decides_whose_first_person_it_is() {
        let travis = "We pay down technical debt every quarter, and I track it like a loan.";
        assert!(findings(travis, Some("travis")).is_empty(), "Travis is the host");
        let adam = "I have been thinking about technical debt for years.";
        assert_eq!(findings(adam, Some("Travis")).len(), 1, "Adam is the guest now");
    }

    #[test]
    fn without_a_source_or_with_one_speaker_there_is_nothing_to_attribute() {
        let gate = AttributionCheck::default();
        let piece = DraftUnderReview {
            content_type: crate::domain::ContentType::LinkedinPost,
            title: None,
            content: "We pay down technical debt every quarter, and I track it like a loan.".into(),
        };
        assert!(gate.check_piece(&piece, &BundleContext { source: None, earlier: &[] }).unwrap().passed);
        let mono = "Travis: We pay down technical debt every quarter, and I track it like a loan. Nothing else to add here at all.";
        assert!(gate.check_piece(&piece, &BundleContext { source: Some(mono), earlier: &[] }).unwrap().passed);
        assert!(AttributionCheck::new(AttributionConfig { min_overlap: 1.5, ..AttributionConfig::default() }).is_err());
    }

    #[test]
    fn hosts_are_found_by_full_or_first_name() {
        let speakers = vec!["Adam Stacoviak".to_owned(), "Travis Kimmel".to_owned()];
        assert_eq!(host_index(&speakers, None), Some(0));
        assert_eq!(host_index(&speakers, Some("travis")), Some(1));
        assert_eq!(host_index(&speakers, Some("Travis Kimmel")), Some(1));
        assert_eq!(host_index(&speakers, Some("Jane")), None);
        assert_eq!(host_index(&speakers[..1], None), None);
    }
}
