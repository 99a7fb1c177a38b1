#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
//! The extractive generator on the repository's real transcripts: every content type passes the
//! built-in length, hook and CTA gates, drafts quote the source, output is deterministic.

use growth_core::domain::ContentType;
use growth_core::generate::{ContentGenerator, Draft, GenerationRequest};
use growth_core::prompt::{BundlePlan, PromptBuilder, SourceMaterial};
use growth_core::quality::{DraftUnderReview, QualityConfig, builtin_gates};
use growth_core::{Error, transcript};
use growth_llm::offline::{ExtractiveConfig, ExtractiveGenerator};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../growth-core/tests/fixtures/transcripts");

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{rel}")).unwrap()
}

/// The transcript as the pipeline hands it over: parsed, then `Speaker: text` paragraphs.
fn source(rel: &str) -> String {
    transcript::parse(read(rel).as_bytes(), None).unwrap().transcript.to_text()
}

fn request(content_type: ContentType, count: u32, text: &str, title: Option<&str>) -> GenerationRequest {
    GenerationRequest {
        content_type,
        count,
        system: Vec::new(),
        instruction: String::new(),
        source_text: text.to_owned(),
        source_title: title.map(str::to_owned),
        max_tokens: None,
    }
}

/// The 11 drafts of a default bundle, with their types.
async fn bundle(text: &str, title: Option<&str>) -> Vec<(ContentType, Draft)> {
    let generator = ExtractiveGenerator::with_defaults().unwrap();
    let mut out = Vec::new();
    for (content_type, count) in BundlePlan::default().items() {
        let generation = generator.generate(request(content_type, count, text, title)).await.unwrap();
        assert_eq!(generation.drafts.len(), count as usize, "{content_type}");
        out.extend(generation.drafts.into_iter().map(|d| (content_type, d)));
    }
    out
}

/// Lower-cased words, punctuation dropped.
fn norm(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

const SOURCES: &[(&str, Option<&str>)] = &[
    ("changelog/founders-talk-60.md", Some("Founders Talk #60")),
    ("changelog/founders-talk-68.md", None),
    ("changelog/the-changelog-600.md", Some("The Changelog #600")),
    ("talkpython/356-ml-startups.txt", Some("Talk Python #356")),
];

#[tokio::test]
async fn every_draft_of_a_bundle_passes_the_length_hook_and_cta_gates() {
    let gates = builtin_gates(&QualityConfig::default()).unwrap();
    let mut failures = Vec::new();
    for (file, title) in SOURCES {
        let text = source(file);
        for (content_type, draft) in bundle(&text, *title).await {
            let review = DraftUnderReview { content_type, title: draft.title.clone(), content: draft.content.clone() };
            for gate in gates.iter().filter(|g| matches!(g.name(), "length" | "hook" | "cta")) {
                let verdict = gate.check(&review).await.unwrap();
                if !verdict.passed {
                    failures.push(format!(
                        "{file} {content_type} {:?} {}: {:?}\n{}",
                        draft.format,
                        gate.name(),
                        verdict.findings,
                        draft.content
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
}

#[tokio::test]
async fn linkedin_posts_rotate_formats_and_are_each_built_around_a_different_line() {
    let text = source("changelog/founders-talk-60.md");
    let generator = ExtractiveGenerator::with_defaults().unwrap();
    let drafts = generator.generate(request(ContentType::LinkedinPost, 7, &text, None)).await.unwrap().drafts;
    let formats: Vec<&str> = drafts.iter().map(|d| d.format.as_deref().unwrap()).collect();
    assert_eq!(formats, ["insight", "framework", "story", "hot_take", "insight", "framework", "story"]);
    let firsts: Vec<&str> = drafts.iter().map(|d| d.content.lines().next().unwrap()).collect();
    let mut unique = firsts.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 7, "distinct hooks: {firsts:#?}");
    assert!(drafts.iter().all(|d| d.title.is_none()));
}

#[tokio::test]
async fn drafts_quote_sentences_from_the_source() {
    for (file, title) in SOURCES {
        let text = source(file);
        let source_words = norm(&text).join(" ");
        for (content_type, draft) in bundle(&text, *title).await {
            // At least three runs of eight consecutive words come straight from the transcript.
            let words = norm(&draft.content);
            let quoted = words.windows(8).filter(|w| source_words.contains(&w.join(" "))).count();
            assert!(quoted >= 3, "{file} {content_type}: only {quoted} quoted runs in\n{}", draft.content);
        }
    }
}

#[tokio::test]
async fn the_guest_is_named_and_preferred_over_the_host() {
    let text = source("changelog/founders-talk-60.md");
    let generator = ExtractiveGenerator::with_defaults().unwrap();
    let newsletter = generator.generate(request(ContentType::Newsletter, 1, &text, None)).await.unwrap().drafts.remove(0);
    assert!(newsletter.title.as_deref().unwrap().contains("Travis Kimmel"), "{:?}", newsletter.title);
    let guest_quotes = newsletter.content.matches("> **Travis Kimmel:**").count();
    let host_quotes = newsletter.content.matches("> **Adam Stacoviak:**").count();
    assert!(guest_quotes > host_quotes, "guest {guest_quotes} vs host {host_quotes}");
}

#[tokio::test]
async fn generation_is_deterministic() {
    let text = source("changelog/founders-talk-66.md");
    let a = bundle(&text, Some("Founders Talk #66")).await;
    let b = bundle(&text, Some("Founders Talk #66")).await;
    assert_eq!(a, b);
    // A fresh generator (no cached analysis) writes the same drafts.
    let fresh = ExtractiveGenerator::new(ExtractiveConfig::default()).unwrap();
    let posts = fresh.generate(request(ContentType::LinkedinPost, 7, &text, Some("Founders Talk #66"))).await.unwrap().drafts;
    let from_bundle: Vec<Draft> = a.into_iter().filter(|(t, _)| *t == ContentType::LinkedinPost).map(|(_, d)| d).collect();
    assert_eq!(posts, from_bundle);
}

#[tokio::test]
async fn the_raw_markdown_file_works_as_well_as_the_parsed_text() {
    let raw = read("changelog/founders-talk-60.md");
    let generator = ExtractiveGenerator::with_defaults().unwrap();
    let drafts = generator.generate(request(ContentType::BlogPost, 1, &raw, None)).await.unwrap().drafts;
    assert!(drafts[0].content.contains("> **Travis Kimmel:**"));
    assert!(!drafts[0].content.contains("\\["), "escaped brackets of the Markdown transcript are gone");
}

#[tokio::test]
async fn prompt_builder_requests_are_served_too() {
    let text = source("changelog/founders-talk-78.md");
    let requests =
        PromptBuilder::default().bundle(&SourceMaterial::new(Some("Founders Talk #78".into()), text), &BundlePlan::default()).unwrap();
    let generator = ExtractiveGenerator::with_defaults().unwrap();
    let mut total = 0;
    for r in requests {
        total += generator.generate(r).await.unwrap().drafts.len();
    }
    assert_eq!(total, 11);
}

#[tokio::test]
async fn an_empty_or_too_short_source_is_invalid_input_naming_source_text() {
    let generator = ExtractiveGenerator::with_defaults().unwrap();
    for text in ["", "   \n\n ", "Adam: Hi.\n\nTravis: Hello there, thanks for having me."] {
        let err = generator.generate(request(ContentType::LinkedinPost, 3, text, None)).await.unwrap_err();
        assert!(matches!(&err, Error::InvalidInput { field: Some(f), .. } if f == "source_text"), "{text:?}: {err}");
    }
    let err = generator.generate(request(ContentType::LinkedinPost, 0, &source("changelog/founders-talk-78.md"), None)).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field: Some(f), .. } if f == "count"), "{err}");
}

#[tokio::test]
async fn a_configured_cta_closes_every_post() {
    let config = ExtractiveConfig { cta: "Comment \"TRIAL\" and I'll send you {guest}'s checklist.".into(), ..ExtractiveConfig::default() };
    let generator = ExtractiveGenerator::new(config).unwrap();
    let text = source("changelog/founders-talk-60.md");
    for d in generator.generate(request(ContentType::LinkedinPost, 4, &text, None)).await.unwrap().drafts {
        assert!(d.content.ends_with("Comment \"TRIAL\" and I'll send you Travis Kimmel's checklist."), "{}", d.content);
    }
}

#[test]
fn a_cta_that_asks_for_nothing_is_a_config_error() {
    for cta in ["", "Thanks for reading.", "Thoughts?"] {
        let err = ExtractiveGenerator::new(ExtractiveConfig { blog_cta: cta.into(), ..ExtractiveConfig::default() }).unwrap_err();
        assert!(matches!(&err, Error::Config(m) if m.contains("blog_cta")), "{cta:?}: {err}");
    }
}

/// Prints a bundle for reading: `EXTRACTIVE_PRINT=1 cargo test -p growth-llm --test extractive print -- --nocapture`.
#[tokio::test]
async fn print_a_bundle_when_asked() {
    if std::env::var_os("EXTRACTIVE_PRINT").is_none() {
        return;
    }
    let file = std::env::var("EXTRACTIVE_FILE").unwrap_or_else(|_| "changelog/founders-talk-60.md".into());
    let gates = builtin_gates(&QualityConfig::default()).unwrap();
    for (t, d) in bundle(&source(&file), None).await {
        let review = DraftUnderReview { content_type: t, title: d.title.clone(), content: d.content.clone() };
        let mut verdicts = Vec::new();
        for gate in &gates {
            let v = gate.check(&review).await.unwrap();
            verdicts.push(format!("{}={}", gate.name(), if v.passed { "pass" } else { "FAIL" }));
        }
        println!("===== {t} {:?} {:?} [{}]\n{}\n", d.format, d.title, verdicts.join(" "), d.content);
    }
}
