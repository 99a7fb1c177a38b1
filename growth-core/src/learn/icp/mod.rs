//! What ideal customers sound like, from call transcripts: pain points, language patterns,
//! objections, goals, role, company size and industry — every item with a **verbatim quote** and
//! **its speaker**.
//!
//! # Whose words
//!
//! Only the customer's turns are read. The seller is the configured host speaker(s)
//! ([`IcpConfig::host_speakers`], compared case-insensitively); without them, the seller is
//! inferred as the speaker who asks the most questions *for what they say* — the largest share of
//! their sentences ending in `?` — and, on a tie, the one who spoke first. (The share rather than
//! the count: a talkative buyer can ask more questions in all than the seller who interviews them;
//! on the shared podcast transcripts the share picks the host every time, the count does not.) Every other labelled speaker is a customer. A transcript with one
//! speaker is read as that speaker's (a customer's voice note or a one-sided recording); one with
//! no speaker labels cannot be split and is `InvalidInput`.
//!
//! # The offline extractor
//!
//! [`extract`] is deterministic: each customer sentence is matched against cue phrases (one
//! Aho-Corasick pass per sentence; see `cues.rs`):
//!
//! - **pain point**: a complaint or cost of the status quo (`frustrat*`, `manual`, `we lose`,
//!   `takes forever` …), ranked by cues, intensity words, first person and numbers; its depth is
//!   `quantified` with a number, `acknowledged` in the first person, else `surface`;
//! - **goal**: `our goal`, `we want to`, `by the end of` …;
//! - **objection**: a category cue (budget, timing, fit, authority, trust) with a hesitation
//!   (`but`, `worried`, `not`, `need to` …), or a strong cue alone (`too expensive`, `run it by`,
//!   `not a priority`, `been burned`); a question with a category cue is a mild objection. Its
//!   severity is `high` with refusal or strong words, `low` when softened or asked, else
//!   `medium`; its stage is `decision` for budget and authority, `consideration` for fit and
//!   trust, and for timing and others by where in the call it came (first quarter: awareness);
//! - **language patterns**: the customer's own 2–4-word phrases said at least twice (no filler,
//!   no phrase starting or ending with a stop word), most repeated first;
//! - **role**: `I'm the VP of Growth`, `as head of …`, `I run marketing`;
//! - **company size**: a head count (`120 employees`, `team of 40`) as a band (`51-200` …);
//! - **industry**: the most mentioned industry word (`payments` → Financial services …); on a tie
//!   a vertical wins over `Software / SaaS`.
//!
//! The quote of every item is the sentence it came from, exactly as transcribed.
//!
//! # Quotes are checked
//!
//! [`validate_quotes`] drops every item whose quote is not a substring of what its speaker said
//! (whitespace runs and curly quotes compared loosely). [`extract`] runs it on its own output; an
//! LLM extractor ([`extraction_prompt`]) must run it on the model's answer (parsed into an
//! [`ExtractedProfile`]).

mod cues;
pub mod extractor;

pub use extractor::{IcpExtractor, OfflineIcpExtractor, keep_verified, speakers};

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::text;
use crate::domain::{FunnelStage, IcpSource, NewIcpProfile, NewObjection, Severity, Transcript};
use crate::{Error, Result};

/// Objection categories of sales-call analysis, mapped to the PRD's `objections.category`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionCategory {
    /// Price, budget, ROI.
    Budget,
    /// Not now.
    Timing,
    /// Product or integration fit, switching cost, complexity.
    Fit,
    /// Someone else decides or must approve.
    Authority,
    /// Security, risk, proof, past bad experiences.
    Trust,
    /// Hesitation without a clear category.
    Other,
}

impl ObjectionCategory {
    /// The category as stored in `objections.category`: the PRD's names where it has one
    /// (`roi` for budget, `feasibility` for fit), the category's own name otherwise.
    pub const fn prd_category(self) -> &'static str {
        match self {
            Self::Budget => "roi",
            Self::Timing => "timing",
            Self::Fit => "feasibility",
            Self::Authority => "authority",
            Self::Trust => "trust",
            Self::Other => "other",
        }
    }

    const ALL: [ObjectionCategory; 6] = [Self::Budget, Self::Timing, Self::Fit, Self::Authority, Self::Trust, Self::Other];

    fn index(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(5)
    }
}

/// How deep a pain point goes (after the `pain_point.depth` of published extraction schemas).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PainDepth {
    /// Mentioned.
    Surface,
    /// Owned in the first person.
    Acknowledged,
    /// Put in numbers.
    Quantified,
}

/// An extracted item: what it says, and the words it was taken from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quoted {
    /// The item, short.
    pub text: String,
    /// The exact words of the transcript it comes from.
    pub quote: String,
    /// Who said them.
    pub speaker: String,
}

/// A pain point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PainPoint {
    /// The pain, short.
    pub text: String,
    /// The exact words.
    pub quote: String,
    /// Who said them.
    pub speaker: String,
    /// How deep it goes.
    pub depth: PainDepth,
}

/// A phrase the customer uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguagePattern {
    /// The phrase, as said.
    pub text: String,
    /// The first sentence it was said in.
    pub quote: String,
    /// Who said it.
    pub speaker: String,
    /// Times said.
    pub count: usize,
}

/// An objection raised on the call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedObjection {
    /// The objection, short.
    pub text: String,
    /// The exact words.
    pub quote: String,
    /// Who said them.
    pub speaker: String,
    /// Its category.
    pub category: ObjectionCategory,
    /// How much it blocks.
    pub severity: Severity,
    /// Where in the buying journey.
    pub stage: FunnelStage,
}

/// Everything extracted from one call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedProfile {
    /// The speakers read as customers.
    pub customer_speakers: Vec<String>,
    /// The speakers read as sellers (hosts).
    pub seller_speakers: Vec<String>,
    /// Pain points, strongest first.
    pub pain_points: Vec<PainPoint>,
    /// Phrases the customer repeats, most repeated first.
    pub language_patterns: Vec<LanguagePattern>,
    /// Objections, in the order raised.
    pub objections: Vec<ExtractedObjection>,
    /// Goals, in the order stated.
    pub goals: Vec<Quoted>,
    /// The customer's role.
    pub role: Option<Quoted>,
    /// The company's size band (`1-10`, `11-50`, `51-200`, `201-500`, `501-1000`, `1000+`).
    pub company_size: Option<Quoted>,
    /// The industry.
    pub industry: Option<Quoted>,
}

impl ExtractedProfile {
    /// The profile as a row of `icp_profiles` (texts only; quotes stay with the extraction).
    pub fn to_new_profile(&self, source: IcpSource, source_id: Option<String>) -> NewIcpProfile {
        NewIcpProfile {
            source,
            source_id,
            pain_points: self.pain_points.iter().map(|p| p.text.clone()).collect(),
            language_patterns: self.language_patterns.iter().map(|p| p.text.clone()).collect(),
            objections: self.objections.iter().map(|o| o.text.clone()).collect(),
            goals: self.goals.iter().map(|g| g.text.clone()).collect(),
            role: self.role.as_ref().map(|r| r.text.clone()),
            company_size: self.company_size.as_ref().map(|r| r.text.clone()),
            industry: self.industry.as_ref().map(|r| r.text.clone()),
        }
    }

    /// The objections as mentions for the `objections` table (deduplicate them first with
    /// [`super::objections::as_mention_of`]).
    pub fn new_objections(&self) -> Vec<NewObjection> {
        self.objections
            .iter()
            .map(|o| NewObjection {
                objection_text: o.text.clone(),
                category: Some(o.category.prd_category().to_owned()),
                severity: Some(o.severity),
                stage: Some(o.stage),
            })
            .collect()
    }
}

/// Settings of the extractor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IcpConfig {
    /// The seller's (host's) speaker names; inferred when empty (see the [module docs](self)).
    pub host_speakers: Vec<String>,
    /// Most pain points, goals, objections and language patterns kept, each (default 10).
    pub max_items: usize,
}

impl Default for IcpConfig {
    fn default() -> Self {
        Self { host_speakers: Vec::new(), max_items: 10 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CueKind {
    Pain,
    Goal,
    Hesitation,
    Objection(ObjectionCategory, bool),
    Severe,
    Mild,
    Intensity,
    Industry(usize),
    Opener,
}

#[derive(Debug)]
struct Cues {
    ac: AhoCorasick,
    meta: Vec<(CueKind, bool)>,
}

fn cue_set() -> Result<&'static Cues> {
    static CUES: OnceLock<std::result::Result<Cues, String>> = OnceLock::new();
    CUES.get_or_init(|| {
        let mut patterns: Vec<String> = Vec::new();
        let mut meta = Vec::new();
        let mut add = |list: &[&str], kind: &dyn Fn(bool) -> CueKind| {
            for p in list {
                let strong = p.starts_with('!');
                let p = p.trim_start_matches('!');
                let prefix = p.ends_with('*');
                patterns.push(p.trim_end_matches('*').to_owned());
                meta.push((kind(strong), prefix));
            }
        };
        add(cues::PAIN, &|_| CueKind::Pain);
        add(cues::GOAL, &|_| CueKind::Goal);
        add(cues::HESITATION, &|_| CueKind::Hesitation);
        for (cat, list) in cues::OBJECTION {
            add(list, &|strong| CueKind::Objection(*cat, strong));
        }
        add(cues::SEVERE, &|_| CueKind::Severe);
        add(cues::MILD, &|_| CueKind::Mild);
        add(cues::INTENSITY, &|_| CueKind::Intensity);
        for (i, (_, list)) in cues::INDUSTRIES.iter().enumerate() {
            add(list, &|_| CueKind::Industry(i));
        }
        add(cues::OPENERS, &|_| CueKind::Opener);
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map(|ac| Cues { ac, meta })
            .map_err(|e| format!("building the ICP cue automaton: {e}"))
    })
    .as_ref()
    .map_err(|e| Error::internal_msg(e.clone()))
}

/// What the cues found in one sentence.
#[derive(Debug, Default)]
struct Hits {
    pain: usize,
    goal: usize,
    hesitation: bool,
    categories: [usize; 6],
    strong: [bool; 6],
    severe: bool,
    mild: bool,
    intensity: usize,
    industries: Vec<usize>,
}

/// The sentence lower-cased, with curly apostrophes straightened, for matching.
fn lowered(s: &str) -> String {
    s.to_lowercase().replace(['’', '‘'], "'")
}

fn scan(cues: &Cues, low: &str) -> Hits {
    let mut h = Hits::default();
    for m in cues.ac.find_overlapping_iter(low) {
        let (kind, prefix) = cues.meta[m.pattern().as_usize()];
        if !text::boundary_before(low, m.start()) || !prefix && !text::boundary_after(low, m.end()) {
            continue;
        }
        match kind {
            CueKind::Pain => h.pain += 1,
            CueKind::Goal => h.goal += 1,
            CueKind::Hesitation => h.hesitation = true,
            CueKind::Objection(c, strong) => {
                h.categories[c.index()] += 1;
                h.strong[c.index()] |= strong;
            }
            CueKind::Severe => h.severe = true,
            CueKind::Mild => h.mild = true,
            CueKind::Intensity => h.intensity += 1,
            CueKind::Industry(i) => h.industries.push(i),
            CueKind::Opener => {}
        }
    }
    h
}

/// One customer sentence with where it was said.
struct Sentence<'a> {
    speaker: &'a str,
    text: &'a str,
    low: String,
    /// Position in the call, 0–1.
    position: f64,
}

/// Who sells and who buys (see the [module docs](self)).
fn split_speakers(transcript: &Transcript, config: &IcpConfig) -> Result<(Vec<String>, Vec<String>)> {
    let speakers: Vec<&str> = transcript.speakers();
    if speakers.is_empty() {
        return Err(Error::invalid_field(
            "transcript",
            "the transcript has no speaker labels, so the customer's words cannot be told apart",
        ));
    }
    if speakers.len() == 1 {
        return Ok((Vec::new(), vec![speakers[0].to_owned()]));
    }
    let hosts: Vec<String> = if config.host_speakers.is_empty() {
        // (questions, sentences) per speaker.
        let mut asked: HashMap<&str, (usize, usize)> = HashMap::new();
        for s in &transcript.segments {
            if let Some(sp) = s.speaker.as_deref() {
                let sentences = text::sentences(&s.text);
                let e = asked.entry(sp).or_default();
                e.0 += sentences.iter().filter(|x| x.trim_end().ends_with('?')).count();
                e.1 += sentences.len();
            }
        }
        let share = |sp: &str| asked.get(sp).map_or(0.0, |(q, n)| if *n == 0 { 0.0 } else { *q as f64 / *n as f64 });
        let most = speakers.iter().max_by(|a, b| {
            // Ties go to the earlier speaker: compare positions reversed.
            share(a).total_cmp(&share(b)).then_with(|| speakers.iter().position(|x| x == *b).cmp(&speakers.iter().position(|x| x == *a)))
        });
        most.map(|s| vec![(*s).to_owned()]).unwrap_or_default()
    } else {
        speakers
            .iter()
            .filter(|s| config.host_speakers.iter().any(|h| h.trim().eq_ignore_ascii_case(s.trim())))
            .map(|s| (*s).to_owned())
            .collect()
    };
    let customers = speakers.iter().filter(|s| !hosts.iter().any(|h| h == *s)).map(|s| (*s).to_owned()).collect();
    Ok((hosts, customers))
}

/// The item text of a sentence: leading openers dropped, at most 30 words (cut at a clause when
/// possible), first letter capitalised.
fn item_text(cues: &Cues, sentence: &str) -> String {
    let mut s = sentence.trim();
    loop {
        // ASCII lower-casing keeps byte offsets, and the openers are ASCII.
        let low = s.to_ascii_lowercase();
        let Some(m) = cues.ac.find_overlapping_iter(&low).find(|m| {
            m.start() == 0 && matches!(cues.meta[m.pattern().as_usize()].0, CueKind::Opener) && text::boundary_after(&low, m.end())
        }) else {
            break;
        };
        let rest = s[m.end()..].trim_start_matches([',', ' ', '-', '—']);
        if rest.split_whitespace().count() < 3 {
            break;
        }
        s = rest;
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut out = if words.len() > 30 {
        let head = words[..30].join(" ");
        match head.rfind([',', ';', '—']) {
            Some(i) if head[..i].split_whitespace().count() >= 8 => format!("{}…", &head[..i]),
            _ => format!("{head}…"),
        }
    } else {
        s.to_owned()
    };
    if let Some(f) = out.chars().next() {
        out = f.to_uppercase().chain(out.chars().skip(1)).collect();
    }
    out
}

fn has_number(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit()) || s.contains('%') || s.contains('$')
}

fn first_person(low: &str) -> bool {
    low.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .any(|w| matches!(w, "i" | "i'm" | "i've" | "i'd" | "we" | "we're" | "we've" | "our" | "us" | "my" | "me"))
}

fn role_regex() -> Result<&'static (Regex, Regex)> {
    static RE: OnceLock<std::result::Result<(Regex, Regex), String>> = OnceLock::new();
    RE.get_or_init(|| {
        let titles = r"(?:senior\s+|junior\s+|principal\s+|associate\s+|global\s+)?(?:vp|svp|evp|vice\s+president|head|director|manager|lead|chief\s+\w+\s+officer|ceo|cto|cfo|coo|cmo|cro|cpo|co-?founder|founder|owner|president|engineer|developer|marketer|consultant|partner|analyst|designer|recruiter|product\s+manager|account\s+executive)";
        let stated = Regex::new(&format!(
            r"(?i)\b(?:i'm|i’m|i am|i work as|my role is|my title is|as)\s+(?:the\s+|a\s+|an\s+|our\s+)?(?P<role>{titles}(?:\s+(?:of|for)\s+[a-z][\w&/-]*(?:\s+[a-z][\w&/-]*){{0,2}})?)"
        ))
        .map_err(|e| e.to_string())?;
        let runs = Regex::new(r"(?i)\bi\s+(?P<verb>run|lead|manage|head up|own)\s+(?:the\s+|our\s+)?(?P<area>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:team|function|department|org)\b")
            .map_err(|e| e.to_string())?;
        Ok((stated, runs))
    })
    .as_ref()
    .map_err(|e| Error::internal_msg(e.clone()))
}

fn size_regex() -> Result<&'static Regex> {
    static RE: OnceLock<std::result::Result<Regex, String>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?:\s*\+)?[\s-]*(?P<what>employees|people|staff|ftes?|person\s+company|person\s+team|engineers|developers|reps|salespeople|folks)\b")
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| Error::internal_msg(e.clone()))
}

/// Words that end a role's `of …` part (`VP of Growth at Ledgerly` → `VP of Growth`).
const ROLE_STOP: &[&str] = &["at", "here", "and", "for", "in", "on", "with", "so", "but", "we", "i", "who", "which", "since", "over"];

fn role_of(sentence: &str) -> Result<Option<String>> {
    let (stated, runs) = role_regex()?;
    if let Some(c) = stated.captures(sentence)
        && let Some(m) = c.name("role")
    {
        let mut words: Vec<&str> = Vec::new();
        let mut after_of = false;
        for w in m.as_str().split_whitespace() {
            let lw = w.to_lowercase();
            if after_of && ROLE_STOP.contains(&lw.as_str()) {
                break;
            }
            after_of |= lw == "of" || lw == "for";
            words.push(w);
        }
        while words.last().is_some_and(|w| matches!(w.to_lowercase().as_str(), "of" | "for")) {
            words.pop();
        }
        return Ok(Some(words.join(" ").trim_end_matches([',', '.', ';']).to_owned()));
    }
    if let Some(c) = runs.captures(sentence)
        && let (Some(verb), Some(area)) = (c.name("verb"), c.name("area"))
    {
        return Ok(Some(format!("{}s {}", verb.as_str().to_lowercase(), area.as_str())));
    }
    Ok(None)
}

fn size_band(n: u64) -> &'static str {
    match n {
        0..=10 => "1-10",
        11..=50 => "11-50",
        51..=200 => "51-200",
        201..=500 => "201-500",
        501..=1000 => "501-1000",
        _ => "1000+",
    }
}

/// A head count in `sentence`: (band, whether it counts the company rather than a team).
fn size_of(sentence: &str) -> Result<Option<(&'static str, bool)>> {
    let re = size_regex()?;
    let Some(c) = re.captures(sentence) else {
        let low = lowered(sentence);
        if low.contains("fortune 500") || low.contains("enterprise company") {
            return Ok(Some(("1000+", true)));
        }
        return Ok(None);
    };
    let n: u64 = c.name("n").map(|m| m.as_str().replace(',', "")).and_then(|s| s.parse().ok()).unwrap_or(0);
    let what = c.name("what").map(|m| m.as_str().to_lowercase()).unwrap_or_default();
    let company = what.starts_with("employees")
        || what.starts_with("staff")
        || what.starts_with("fte")
        || what.contains("company")
        || what == "people";
    Ok((n > 0).then_some((size_band(n), company)))
}

/// Language patterns: phrases of 2–4 words the customers said at least twice.
fn language_patterns(sentences: &[Sentence<'_>], max: usize) -> Vec<LanguagePattern> {
    const STOP: &[&str] = &[
        "a", "an", "the", "and", "or", "but", "so", "to", "of", "in", "on", "for", "with", "at", "by", "from", "as", "is", "are", "was",
        "were", "be", "it", "it's", "this", "that", "i", "we", "you", "they", "he", "she", "my", "our", "your", "their", "me", "us", "do",
        "did", "have", "has", "had", "not", "if", "then", "there", "what", "which", "who", "just", "like", "um", "uh", "yeah", "know",
        "mean", "kind", "sort", "lot", "really", "very", "i'm", "i'd", "we're", "don't", "gonna", "okay", "right", "think", "get", "got",
        "go", "going", "thing", "things", "would", "could", "can", "will", "all", "about", "because", "when", "how", "also", "out", "up",
        "one", "some", "more", "been", "much", "other", "than", "where", "them", "its", "into", "these", "those",
    ];
    let mut counts: HashMap<Vec<String>, (usize, usize)> = HashMap::new();
    for (si, s) in sentences.iter().enumerate() {
        let words: Vec<String> =
            s.low.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-')).filter(|w| !w.is_empty()).map(str::to_owned).collect();
        let mut seen: Vec<Vec<String>> = Vec::new();
        for n in 2..=4 {
            for w in words.windows(n) {
                let (first, last) = (w[0].as_str(), w[n - 1].as_str());
                let numeric = |x: &str| x.chars().all(|c| c.is_ascii_digit());
                if STOP.contains(&first) || STOP.contains(&last) || numeric(first) || numeric(last) {
                    continue;
                }
                let key = w.to_vec();
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key.clone());
                let e = counts.entry(key).or_insert((0, si));
                e.0 += 1;
            }
        }
    }
    let mut found: Vec<(Vec<String>, usize, usize)> =
        counts.into_iter().filter(|(_, (c, _))| *c >= 2).map(|(k, (c, f))| (k, c, f)).collect();
    // Most repeated, then longer, then earlier.
    found.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.len().cmp(&a.0.len())).then(a.2.cmp(&b.2)));
    let mut out: Vec<LanguagePattern> = Vec::new();
    for (words, count, first) in found {
        let phrase = words.join(" ");
        // A phrase inside one already kept, said as often, adds nothing.
        if out.iter().any(|p| p.text.to_lowercase().contains(&phrase) && p.count >= count) {
            continue;
        }
        let s = &sentences[first];
        let Some([a, b]) = text::find_phrase(s.text, &phrase).into_iter().next() else { continue };
        out.push(LanguagePattern { text: s.text[a..b].to_owned(), quote: s.text.to_owned(), speaker: s.speaker.to_owned(), count });
        if out.len() >= max {
            break;
        }
    }
    out
}

/// Extracts a profile from the customer's turns of `transcript` (see the [module docs](self)).
///
/// # Errors
/// `InvalidInput` when the transcript has no speaker labels, or no customer speaks.
pub fn extract(transcript: &Transcript, config: &IcpConfig) -> Result<ExtractedProfile> {
    let cues = cue_set()?;
    let (sellers, customers) = split_speakers(transcript, config)?;
    if customers.is_empty() {
        return Err(Error::invalid_field("transcript", "every speaker is a host; no customer words to read"));
    }
    let total = transcript.segments.len().max(1) as f64;
    let mut sentences: Vec<Sentence<'_>> = Vec::new();
    for (i, seg) in transcript.segments.iter().enumerate() {
        let Some(sp) = seg.speaker.as_deref() else { continue };
        if !customers.iter().any(|c| c == sp) {
            continue;
        }
        for [a, b] in text::sentence_spans(&seg.text) {
            let t = &seg.text[a..b];
            if t.split_whitespace().count() >= 3 {
                sentences.push(Sentence { speaker: sp, text: t, low: lowered(t), position: i as f64 / total });
            }
        }
    }

    let mut profile = ExtractedProfile { customer_speakers: customers, seller_speakers: sellers, ..ExtractedProfile::default() };
    let mut pains: Vec<(f64, usize, PainPoint)> = Vec::new();
    let mut industry_counts: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut company_size: Option<(Quoted, bool)> = None;
    for (si, s) in sentences.iter().enumerate() {
        let h = scan(cues, &s.low);
        let question = s.text.trim_end().ends_with('?');
        let me = first_person(&s.low);
        let quoted = |t: String| Quoted { text: t, quote: s.text.to_owned(), speaker: s.speaker.to_owned() };

        // Objections first: a sentence that objects is not also a pain or a goal.
        let best = ObjectionCategory::ALL[..5]
            .iter()
            .copied()
            .filter(|c| h.categories[c.index()] > 0)
            .max_by_key(|c| (h.strong[c.index()], h.categories[c.index()]));
        let objection = match best {
            Some(c) if h.strong[c.index()] || (h.hesitation && me) || question => Some(c),
            None if h.hesitation && (s.low.contains("not sure") || s.low.contains("worried") || s.low.contains("hesitant")) && me => {
                Some(ObjectionCategory::Other)
            }
            _ => None,
        };
        if let Some(category) = objection {
            let severity = if question || h.mild {
                Severity::Low
            } else if h.severe {
                Severity::High
            } else {
                Severity::Medium
            };
            let stage = match category {
                ObjectionCategory::Budget | ObjectionCategory::Authority => FunnelStage::Decision,
                ObjectionCategory::Fit | ObjectionCategory::Trust => FunnelStage::Consideration,
                ObjectionCategory::Timing | ObjectionCategory::Other if s.position < 0.25 => FunnelStage::Awareness,
                ObjectionCategory::Timing => FunnelStage::Decision,
                ObjectionCategory::Other => FunnelStage::Consideration,
            };
            if profile.objections.len() < config.max_items {
                profile.objections.push(ExtractedObjection {
                    text: item_text(cues, s.text),
                    quote: s.text.to_owned(),
                    speaker: s.speaker.to_owned(),
                    category,
                    severity,
                    stage,
                });
            }
        } else if h.goal > 0 && !question {
            if profile.goals.len() < config.max_items {
                profile.goals.push(quoted(item_text(cues, s.text)));
            }
        } else if h.pain > 0 && !question {
            let quantified = has_number(s.text);
            let score = h.pain as f64 + 0.5 * h.intensity as f64 + if me { 1.0 } else { 0.0 } + if quantified { 1.0 } else { 0.0 };
            let depth = if quantified {
                PainDepth::Quantified
            } else if me {
                PainDepth::Acknowledged
            } else {
                PainDepth::Surface
            };
            pains.push((
                score,
                si,
                PainPoint { text: item_text(cues, s.text), quote: s.text.to_owned(), speaker: s.speaker.to_owned(), depth },
            ));
        }

        if profile.role.is_none()
            && me
            && let Some(role) = role_of(s.text)?
        {
            profile.role = Some(quoted(role));
        }
        // A company head count wins over a team head count.
        if (has_number(s.text) || s.low.contains("fortune") || s.low.contains("enterprise"))
            && let Some((band, company)) = size_of(s.text)?
            && company_size.as_ref().is_none_or(|(_, was_company)| company && !was_company)
        {
            company_size = Some((quoted(band.to_owned()), company));
        }
        for &i in &h.industries {
            let e = industry_counts.entry(i).or_insert((0, si));
            e.0 += 1;
        }
    }
    pains.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut seen = Vec::new();
    for (_, _, p) in pains {
        if profile.pain_points.len() >= config.max_items {
            break;
        }
        if !seen.contains(&p.text) {
            seen.push(p.text.clone());
            profile.pain_points.push(p);
        }
    }
    profile.company_size = company_size.map(|(q, _)| q);
    // Most mentioned; a vertical beats "Software / SaaS" (a business model more than an industry)
    // on a tie; then the earlier mention, then the table's order.
    let rank = |i: usize, (count, first): (usize, usize)| (2 * count + usize::from(i != 0), std::cmp::Reverse(first), std::cmp::Reverse(i));
    if let Some((&i, &(_, first))) = industry_counts.iter().max_by_key(|(i, c)| rank(**i, **c)) {
        let s = &sentences[first];
        profile.industry = Some(Quoted { text: cues::INDUSTRIES[i].0.to_owned(), quote: s.text.to_owned(), speaker: s.speaker.to_owned() });
    }
    profile.language_patterns = language_patterns(&sentences, config.max_items);
    validate_quotes(&mut profile, transcript);
    Ok(profile)
}

/// The instruction for a model that extracts a profile (the Claude path), after the strict-JSON,
/// verbatim-quote pattern of published sales-call prompts. Send it as the system prompt with the
/// transcript (`Speaker: text` paragraphs) as the user message; parse the answer with
/// `serde_json` into an [`ExtractedProfile`] and run [`validate_quotes`] on it before keeping
/// anything. `customers` and `sellers` come from the same speaker split [`extract`] uses.
pub fn extraction_prompt(customers: &[String], sellers: &[String]) -> String {
    let list = |v: &[String]| if v.is_empty() { "(none)".to_owned() } else { v.join(", ") };
    format!(
        "You analyse a sales or customer call to learn what the ideal customer sounds like.\n         Customer speakers: {customers}. Seller speakers: {sellers}. Use only what the customer speakers say.\n         Answer with one JSON object and nothing else, with exactly these keys:\n         {{\"customer_speakers\": [string], \"seller_speakers\": [string],\n          \"pain_points\": [{{\"text\", \"quote\", \"speaker\", \"depth\": \"surface\"|\"acknowledged\"|\"quantified\"}}],\n          \"language_patterns\": [{{\"text\", \"quote\", \"speaker\", \"count\": integer}}],\n          \"objections\": [{{\"text\", \"quote\", \"speaker\", \"category\": \"budget\"|\"timing\"|\"fit\"|\"authority\"|\"trust\"|\"other\", \"severity\": \"low\"|\"medium\"|\"high\", \"stage\": \"awareness\"|\"consideration\"|\"decision\"}}],\n          \"goals\": [{{\"text\", \"quote\", \"speaker\"}}],\n          \"role\": {{\"text\", \"quote\", \"speaker\"}} or null, \"company_size\": {{...}} or null, \"industry\": {{...}} or null}}\n         Every \"quote\" must be copied exactly, character for character, from what that speaker said;          an item whose quote is not in the transcript is discarded. \"text\" is a short paraphrase.          company_size.text is one of 1-10, 11-50, 51-200, 201-500, 501-1000, 1000+. Leave out what the call does not say.",
        customers = list(customers),
        sellers = list(sellers),
    )
}

/// Whitespace runs as one space, curly quotes straight: how quotes and transcripts are compared.
fn loose(s: &str) -> String {
    text::squash_whitespace(s).replace(['’', '‘'], "'").replace(['“', '”'], "\"")
}

/// What each speaker said, for quote checks.
#[derive(Debug)]
pub struct QuoteIndex {
    by_speaker: HashMap<String, String>,
    fold_case: bool,
}

impl QuoteIndex {
    /// The index of `transcript`.
    pub fn new(transcript: &Transcript) -> Self {
        let mut by_speaker: HashMap<String, String> = HashMap::new();
        for s in &transcript.segments {
            let said = by_speaker.entry(s.speaker.clone().unwrap_or_default()).or_default();
            said.push_str(&loose(&s.text));
            said.push('\n');
        }
        Self { by_speaker, fold_case: false }
    }

    /// The index of `transcript`, comparing letter case loosely too (lower-cased on both sides).
    pub fn new_case_insensitive(transcript: &Transcript) -> Self {
        let mut index = Self::new(transcript);
        for said in index.by_speaker.values_mut() {
            *said = said.to_lowercase();
        }
        index.fold_case = true;
        index
    }

    /// Whether `speaker` said `quote` (a non-empty substring of their turns, loosely compared).
    pub fn said(&self, speaker: &str, quote: &str) -> bool {
        let q = if self.fold_case { loose(quote).to_lowercase() } else { loose(quote) };
        !q.trim().is_empty() && self.by_speaker.get(speaker).is_some_and(|t| t.contains(&q))
    }
}

/// Drops every item of `profile` whose quote its speaker did not say in `transcript` (see the
/// [module docs](self)); returns how many were dropped. Run it on every extraction, offline or by
/// a model.
pub fn validate_quotes(profile: &mut ExtractedProfile, transcript: &Transcript) -> usize {
    let index = QuoteIndex::new(transcript);
    let before = profile.pain_points.len() + profile.language_patterns.len() + profile.objections.len() + profile.goals.len();
    profile.pain_points.retain(|p| index.said(&p.speaker, &p.quote));
    profile.language_patterns.retain(|p| index.said(&p.speaker, &p.quote));
    profile.objections.retain(|p| index.said(&p.speaker, &p.quote));
    profile.goals.retain(|p| index.said(&p.speaker, &p.quote));
    let after = profile.pain_points.len() + profile.language_patterns.len() + profile.objections.len() + profile.goals.len();
    let mut dropped = before - after;
    for field in [&mut profile.role, &mut profile.company_size, &mut profile.industry] {
        if field.as_ref().is_some_and(|q| !index.said(&q.speaker, &q.quote)) {
            *field = None;
            dropped += 1;
        }
    }
    dropped
}
