//! Prompt building: from a voice, retrieved knowledge, learned rules and a source to the
//! [`GenerationRequest`]s of a content bundle (PRD §4.2, "Prompt Engineering").
//!
//! Pure functions, no I/O: the same inputs always give the same request, byte for byte.
//!
//! # Layout of a request
//!
//! The system prompt is the stable prefix, in this order, every block `cacheable: true`:
//!
//! 1. **voice** — identity, character diamond, content principles and the rules learned from
//!    reviewers' edits ([`Voice::render`]);
//! 2. **knowledge** — the retrieved knowledge snippets, most relevant first (left out when
//!    nothing was retrieved);
//! 3. **transcript** — the source's title and speaker-labelled text.
//!
//! The transcript comes last so that one cache breakpoint after it covers everything: the 11
//! requests of a bundle over one episode share the whole prefix and pay for it once. The
//! per-request [`GenerationRequest::instruction`] (what to write, how many, in which formats, the
//! JSON to answer with, [`DRAFTS_JSON_SCHEMA`]) follows and is never cached.
//!
//! # Example
//!
//! ```
//! use growth_core::domain::ContentType;
//! use growth_core::prompt::{BundlePlan, KnowledgeSnippet, PromptBuilder, SourceMaterial, Voice};
//!
//! let builder = PromptBuilder::new(Voice::default())
//!     .knowledge(vec![KnowledgeSnippet::new("framework", 0.82, "The bowling alley: ...")])
//!     .cta(Some("Comment \"PLG\" and I'll send you the checklist.".to_owned()));
//! let source = SourceMaterial::new(Some("Episode 12".to_owned()), "Host: Welcome.\n\nGuest: We doubled trials.");
//!
//! let posts = builder.build(&source, ContentType::LinkedinPost, 7)?;
//! assert_eq!(posts.system.len(), 3);
//! assert!(posts.system.iter().all(|b| b.cacheable));
//! assert!(posts.instruction.contains("hot_take"));
//!
//! let bundle = builder.bundle(&source, &BundlePlan::default())?;
//! assert_eq!(bundle.iter().map(|r| r.count).sum::<u32>(), 11);
//! # Ok::<(), growth_core::Error>(())
//! ```

mod voice;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

pub use voice::Voice;

use crate::domain::{ContentType, Transcript};
use crate::generate::{GenerationRequest, PromptBlock};
use crate::knowledge::Retrieved;
use crate::quality::length::LengthRules;
use crate::{Error, Result};

/// The JSON every generation answers with (the text the instructions quote).
pub const DRAFTS_JSON_SCHEMA: &str = r#"{"drafts":[{"title": string|null, "content": string, "format": string|null}]}"#;

/// The formats LinkedIn posts rotate through, in order.
pub const LINKEDIN_FORMATS: [&str; 4] = ["insight", "framework", "story", "hot_take"];

/// The format of LinkedIn post number `index` (0-based) of a set: the formats in
/// [`LINKEDIN_FORMATS`] in turn.
pub fn linkedin_format(index: usize) -> &'static str {
    LINKEDIN_FORMATS[index % LINKEDIN_FORMATS.len()]
}

fn format_description(format: &str) -> &'static str {
    match format {
        "insight" => "one idea from the episode and why it matters to you",
        "framework" => "the steps or parts of an approach, numbered",
        "story" => "what happened, in order, then the lesson",
        "hot_take" => "a claim people will argue with, and the reasoning behind it",
        _ => "",
    }
}

/// One retrieved piece of knowledge for the prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeSnippet {
    /// Title of the item it comes from, when known.
    pub title: Option<String>,
    /// Its text.
    pub text: String,
    /// What it is (`framework`, `icp`, `transcript`, a knowledge item type …).
    pub kind: String,
    /// Relevance to the source (cosine similarity; higher first).
    pub score: f32,
}

impl KnowledgeSnippet {
    /// A snippet without a title.
    pub fn new(kind: impl Into<String>, score: f32, text: impl Into<String>) -> Self {
        Self { title: None, text: text.into(), kind: kind.into(), score }
    }
}

impl From<&Retrieved> for KnowledgeSnippet {
    fn from(r: &Retrieved) -> Self {
        let title = Some(r.title.trim().to_owned()).filter(|t| !t.is_empty());
        Self { title, text: r.text.clone(), kind: r.kind.as_str().to_owned(), score: r.score }
    }
}

/// The source the drafts are drawn from: a title and the speaker-labelled transcript text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMaterial {
    /// The source's title.
    pub title: Option<String>,
    /// The transcript as text, one `Speaker: text` paragraph per turn where speakers are known.
    pub text: String,
}

impl SourceMaterial {
    /// A source from its title and text.
    pub fn new(title: Option<String>, text: impl Into<String>) -> Self {
        Self { title, text: text.into() }
    }

    /// A source from a parsed transcript ([`Transcript::to_text`]).
    pub fn from_transcript(title: Option<String>, transcript: &Transcript) -> Self {
        Self { title, text: transcript.to_text() }
    }
}

/// How many pieces of each type a bundle holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BundlePlan {
    /// LinkedIn posts, written in one request (default 7).
    pub linkedin_posts: u32,
    /// Posts announcing the interview (default 1).
    pub pre_interview: u32,
    /// Posts announcing the published episode (default 1).
    pub post_publish: u32,
    /// Newsletters (default 1).
    pub newsletter: u32,
    /// Blog posts (default 1).
    pub blog_post: u32,
}

impl Default for BundlePlan {
    fn default() -> Self {
        Self { linkedin_posts: 7, pre_interview: 1, post_publish: 1, newsletter: 1, blog_post: 1 }
    }
}

impl BundlePlan {
    /// The requests of the bundle as `(content type, count)`, in a fixed order (LinkedIn posts,
    /// pre-interview, post-publish, newsletter, blog post), types with a count of 0 left out.
    pub fn items(&self) -> Vec<(ContentType, u32)> {
        [
            (ContentType::LinkedinPost, self.linkedin_posts),
            (ContentType::PreInterview, self.pre_interview),
            (ContentType::PostPublish, self.post_publish),
            (ContentType::Newsletter, self.newsletter),
            (ContentType::BlogPost, self.blog_post),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }

    /// The number of pieces in the bundle (11 by default).
    pub fn total(&self) -> u32 {
        self.items().iter().map(|(_, n)| n).sum()
    }
}

/// Builds generation requests: the voice, knowledge, learned rules and CTA are set once, then
/// [`build`](Self::build) or [`bundle`](Self::bundle) per source.
#[derive(Clone, Debug, PartialEq)]
pub struct PromptBuilder {
    /// Who writes.
    pub voice: Voice,
    /// Retrieved knowledge (sorted by score, highest first, when rendered).
    pub knowledge: Vec<KnowledgeSnippet>,
    /// Rules learned from reviewers' edits (empty until edit learning runs).
    pub learned_rules: Vec<String>,
    /// The call to action every piece should end with, from configuration; without one the
    /// instruction asks for one specific action of the writer's choosing.
    pub cta: Option<String>,
    /// Word ranges and LinkedIn limits (the same as the `length` gate's, so prompts ask for what
    /// the gate checks).
    pub length: LengthRules,
    /// The hook (first line) must be shorter than this many characters (the `hook` gate's limit).
    pub hook_max_chars: usize,
}

impl Default for PromptBuilder {
    fn default() -> Self {
        Self::new(Voice::default())
    }
}

impl PromptBuilder {
    /// A builder for `voice`, with no knowledge, no learned rules, no CTA and the default length
    /// and hook limits of the quality gates.
    pub fn new(voice: Voice) -> Self {
        Self { voice, knowledge: Vec::new(), learned_rules: Vec::new(), cta: None, length: LengthRules::default(), hook_max_chars: 100 }
    }

    /// Sets the retrieved knowledge.
    pub fn knowledge(mut self, knowledge: Vec<KnowledgeSnippet>) -> Self {
        self.knowledge = knowledge;
        self
    }

    /// Sets the learned rules.
    pub fn learned_rules(mut self, rules: Vec<String>) -> Self {
        self.learned_rules = rules;
        self
    }

    /// Sets the call to action.
    pub fn cta(mut self, cta: Option<String>) -> Self {
        self.cta = cta.filter(|c| !c.trim().is_empty());
        self
    }

    /// Sets the length rules.
    pub fn length(mut self, length: LengthRules) -> Self {
        self.length = length;
        self
    }

    /// The stable prefix: voice, knowledge (when any), transcript — each cacheable.
    pub fn system_blocks(&self, source: &SourceMaterial) -> Vec<PromptBlock> {
        let mut blocks = vec![PromptBlock { text: self.voice.render(&self.learned_rules), cacheable: true }];
        if let Some(knowledge) = self.render_knowledge() {
            blocks.push(PromptBlock { text: knowledge, cacheable: true });
        }
        blocks.push(PromptBlock { text: render_source(source), cacheable: true });
        blocks
    }

    fn render_knowledge(&self) -> Option<String> {
        let mut snippets: Vec<&KnowledgeSnippet> = self.knowledge.iter().filter(|k| !k.text.trim().is_empty()).collect();
        if snippets.is_empty() {
            return None;
        }
        // Highest score first; ties broken by content so the order never depends on the input's.
        snippets.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.kind.cmp(&b.kind))
                .then_with(|| a.title.cmp(&b.title))
                .then_with(|| a.text.cmp(&b.text))
        });
        let mut out = String::from(
            "KNOWLEDGE BASE (retrieved for this source, most relevant first). Use it for facts, frameworks and phrasing; \
             never present it as something a speaker said.\n",
        );
        for (i, k) in snippets.iter().enumerate() {
            let title = k.title.as_deref().map(|t| format!(" \"{}\"", t.trim())).unwrap_or_default();
            let _ = write!(out, "\n[{}] {}{} (relevance {:.2})\n{}\n", i + 1, k.kind.trim(), title, k.score, k.text.trim());
        }
        Some(out.trim_end().to_owned())
    }

    /// The per-request instruction for `count` pieces of `content_type`.
    pub fn instruction(&self, content_type: ContentType, count: u32) -> String {
        let range = self.length.words_for(content_type);
        let hook = self.hook_max_chars;
        let mut out = String::new();
        let linkedin_rules = format!(
            "- {}–{} words each; at most {} characters and {} hashtags.\n\
             - The first line is the hook: under {hook} characters, with a number, a question, a contrast or a concrete \
             detail (a name, something that happened). No clichés.\n\
             - The line after the hook pays it off within the first 210 characters (LinkedIn's \"see more\" fold).\n\
             - Quote the guest's actual words where they make the point, and name who said them.\n",
            range.min, range.max, self.length.linkedin_max_chars, self.length.linkedin_max_hashtags,
        );
        match content_type {
            ContentType::LinkedinPost => {
                let _ = writeln!(out, "Write {count} LinkedIn {} from the transcript above.", plural(count, "post", "posts"));
                out.push_str("Each post stands alone, gives you one useful idea, and is built around a different moment of the episode.\n");
                out.push_str(&linkedin_rules);
                out.push_str(&self.cta_rule());
                out.push_str("\nFormats (set \"format\" to the name given):\n");
                for i in 0..count as usize {
                    let f = linkedin_format(i);
                    let _ = writeln!(out, "{}. {f} — {}", i + 1, format_description(f));
                }
            }
            ContentType::PreInterview => {
                let _ = writeln!(
                    out,
                    "Write {count} LinkedIn {} announcing the upcoming interview with the guest in the transcript above.",
                    plural(count, "post", "posts")
                );
                out.push_str(
                    "Say who the guest is, tease two or three things they talk about (from the transcript), and why you should \
                     listen. Tease, don't give the best answers away.\n",
                );
                out.push_str(&linkedin_rules);
                out.push_str(&self.cta_rule());
                out.push_str("Set \"format\" to \"pre_interview\".\n");
            }
            ContentType::PostPublish => {
                let _ = writeln!(
                    out,
                    "Write {count} LinkedIn {} announcing that the episode in the transcript above is out.",
                    plural(count, "post", "posts")
                );
                out.push_str("Share the three most useful ideas from the episode, each with a short quote, and where to listen.\n");
                out.push_str(&linkedin_rules);
                out.push_str(&self.cta_rule());
                out.push_str("Set \"format\" to \"post_publish\".\n");
            }
            ContentType::Newsletter => {
                let _ = writeln!(out, "Write {count} {} from the transcript above.", plural(count, "newsletter", "newsletters"));
                let _ = writeln!(out, "- {}–{} words each.", range.min, range.max);
                out.push_str(
                    "- \"title\" is the subject line: specific, under 60 characters.\n\
                     - The body is Markdown: a hook line (under 100 characters, no clichés), a short intro, three to five \
                     sections with `##` headings each built on a quote from the episode (attributed), then the takeaway for you.\n",
                );
                out.push_str(&self.cta_rule());
                out.push_str("Set \"format\" to \"newsletter\".\n");
            }
            ContentType::BlogPost => {
                let _ = writeln!(out, "Write {count} blog {} from the transcript above.", plural(count, "post", "posts"));
                let _ = writeln!(out, "- {}–{} words each.", range.min, range.max);
                out.push_str(
                    "- \"title\" is the headline: specific, under 70 characters. The body has no H1 (the title is separate).\n\
                     - The body is Markdown: a hook line (under 100 characters, no clichés), an intro that says what you will \
                     learn, `##` sections for the key points with quotes from the episode as attributed blockquotes, and a \
                     practical section on what to do next.\n",
                );
                out.push_str(&self.cta_rule());
                out.push_str("Set \"format\" to \"blog_post\".\n");
            }
        }
        let title_rule = match content_type {
            ContentType::LinkedinPost | ContentType::PreInterview | ContentType::PostPublish => "\"title\" is null for LinkedIn posts.",
            ContentType::Newsletter | ContentType::BlogPost => "\"title\" is required.",
        };
        let _ = write!(
            out,
            "\nAnswer with JSON only (no code fences, no commentary before or after), exactly this shape with {count} {}:\n\
             {DRAFTS_JSON_SCHEMA}\n{title_rule} \"content\" is the full text in Markdown.",
            plural(count, "draft", "drafts")
        );
        out
    }

    fn cta_rule(&self) -> String {
        match &self.cta {
            Some(cta) => format!("- End with this call to action (adapt the wording, keep the ask): {}\n", cta.trim()),
            None => "- End with one clear call to action: one specific thing to do (reply with …, comment …, read …), \
                     never a vague \"Thoughts?\" and never several asks.\n"
                .to_owned(),
        }
    }

    /// The request for `count` pieces of `content_type` from `source`.
    ///
    /// # Errors
    /// `InvalidInput` naming `count` when it is 0 and `source_text` when the source has no text.
    pub fn build(&self, source: &SourceMaterial, content_type: ContentType, count: u32) -> Result<GenerationRequest> {
        if count == 0 {
            return Err(Error::invalid_field("count", "ask for at least one draft"));
        }
        if source.text.trim().is_empty() {
            return Err(Error::invalid_field("source_text", "the source has no text to write from"));
        }
        let max_words = self.length.words_for(content_type).max as u64;
        let max_tokens = (u64::from(count) * max_words * 2 + 512).min(32_000) as u32;
        Ok(GenerationRequest {
            content_type,
            count,
            system: self.system_blocks(source),
            instruction: self.instruction(content_type, count),
            source_text: source.text.clone(),
            source_title: source.title.clone(),
            max_tokens: Some(max_tokens),
        })
    }

    /// The requests of a whole bundle, in [`BundlePlan::items`] order; they share one system
    /// prefix.
    ///
    /// # Errors
    /// As [`build`](Self::build); an empty plan is `InvalidInput`.
    pub fn bundle(&self, source: &SourceMaterial, plan: &BundlePlan) -> Result<Vec<GenerationRequest>> {
        let items = plan.items();
        if items.is_empty() {
            return Err(Error::invalid_field("plan", "the bundle plan asks for nothing"));
        }
        items.into_iter().map(|(t, n)| self.build(source, t, n)).collect()
    }
}

fn plural<'a>(n: u32, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn render_source(source: &SourceMaterial) -> String {
    let title = source.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or("(untitled)");
    format!(
        "SOURCE: {title}\n\nThe transcript below is the source of every draft. Quote speakers only with words they actually said, \
         and attribute quotes to the speaker labelled.\n\n<transcript>\n{}\n</transcript>",
        source.text.trim()
    )
}

#[cfg(test)]
mod tests;
