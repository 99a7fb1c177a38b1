//! The simulated-reviewer harness (issue 15), offline: drafts from the shared transcripts by the
//! extractive generator, edits by a reviewer with hidden preferences, edits recorded through the
//! real review path into the in-memory store, rules mined from those records only.
//!
//! ```text
//! cargo run -p growth-llm --example learn_simulate -- \
//!     --preferences examples/preferences/plain-spoken.toml --rounds 60 --seeds 3 [--style plain|llm] [--verbose]
//! ```
//!
//! Prints the [`SimReport`] JSON on stdout. Three arms per seed, over the same sequence of drafts:
//!
//! - **no learning**: drafts as the generator wrote them;
//! - **learning**: drafts passed through `apply_rules` with the rules mined so far. After every
//!   round the learner reads back the versions and `content_edits` rows of the items it drafted
//!   (never the preference file), mines them with `mine_rules`, merges them into its `RuleBook`,
//!   and — in the simulation only — approves every proposal at once (in production an admin
//!   approves them);
//! - **oracle**: drafts passed through the exact preferences.
//!
//! `--style llm` decorates every draft the way LLM drafts usually come (an emoji on the hook and
//! the close, three hashtags at the end) so that the emoji and hashtag preferences have something
//! to act on; the extractive generator writes neither.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use growth_core::domain::{ContentId, ContentType, ContentUpdate, NewContentItem, UserId};
use growth_core::generate::{ContentGenerator, GenerationRequest};
use growth_core::learn::simulate::{SimDraft, SimReport, SimTarget, SimulatedReviewer, run_rounds};
use growth_core::learn::{EditEvent, MiningConfig, Preferences, Rule, RuleBook, RuleStatus, apply_rules, mine_rules, tag_spans};
use growth_core::memory::InMemoryStore;
use growth_core::quality::slop::SlopChecker;
use growth_core::review::edits::diff_edit;
use growth_core::store::ContentStore;
use growth_core::{Error, SystemClock};
use growth_llm::offline::ExtractiveGenerator;

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arm {
    NoLearning,
    Learning,
    Oracle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Llm,
}

struct Args {
    preferences: PathBuf,
    rounds: usize,
    seeds: usize,
    style: Style,
    transcripts: PathBuf,
    verbose: bool,
}

fn parse_args() -> AnyResult<Args> {
    let mut args = Args {
        preferences: PathBuf::new(),
        rounds: 60,
        seeds: 3,
        style: Style::Plain,
        transcripts: Path::new(env!("CARGO_MANIFEST_DIR")).join("../growth-core/tests/fixtures/transcripts"),
        verbose: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--preferences" => args.preferences = PathBuf::from(value()?),
            "--rounds" => args.rounds = value()?.parse()?,
            "--seeds" => args.seeds = value()?.parse()?,
            "--transcripts" => args.transcripts = PathBuf::from(value()?),
            "--style" => {
                args.style = match value()?.as_str() {
                    "plain" => Style::Plain,
                    "llm" => Style::Llm,
                    other => return Err(format!("--style is plain or llm, not {other}").into()),
                }
            }
            "--verbose" => args.verbose = true,
            "--json" => {}
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if args.preferences.as_os_str().is_empty() {
        return Err("--preferences FILE is required".into());
    }
    Ok(args)
}

/// The preference file, read as TOML with the `config` crate.
fn read_preferences(path: &Path) -> AnyResult<Preferences> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let prefs: Preferences = config::Config::builder()
        .add_source(config::File::from_str(&text, config::FileFormat::Toml))
        .build()?
        .try_deserialize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    SimulatedReviewer::new(&prefs)?;
    Ok(prefs)
}

/// Each transcript split in two halves (by segments), as `Speaker: text` sources.
fn sources(dir: &Path) -> AnyResult<Vec<(String, String)>> {
    let mut files = Vec::new();
    for sub in ["changelog", "talkpython"] {
        for entry in std::fs::read_dir(dir.join(sub))? {
            let path = entry?.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext == "md" || ext == "txt" {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let parsed = growth_core::transcript::parse(&std::fs::read(&path)?, None)?;
        let segments = parsed.transcript.segments;
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("transcript").to_owned();
        let half = segments.len() / 2;
        for (i, part) in [&segments[..half], &segments[half..]].into_iter().enumerate() {
            let t = growth_core::domain::Transcript { segments: part.to_vec() };
            out.push((format!("{name} part {}", i + 1), t.to_text()));
        }
    }
    Ok(out)
}

/// The drafts every round picks from: per type, every draft of every source.
async fn draft_pool(sources: &[(String, String)], types: &[ContentType], style: Style) -> AnyResult<HashMap<ContentType, Vec<String>>> {
    let generator = ExtractiveGenerator::with_defaults()?;
    let mut pool: HashMap<ContentType, Vec<String>> = HashMap::new();
    for (title, text) in sources {
        for &t in types {
            let req = GenerationRequest {
                content_type: t,
                count: if t == ContentType::LinkedinPost { 7 } else { 1 },
                system: Vec::new(),
                instruction: String::new(),
                source_text: text.clone(),
                source_title: Some(title.clone()),
                max_tokens: None,
            };
            match generator.generate(req).await {
                Ok(g) => pool.entry(t).or_default().extend(g.drafts.into_iter().map(|d| decorate(&d.content, style))),
                Err(e) => eprintln!("skipping {title} for {t}: {e}"),
            }
        }
    }
    for &t in types {
        if pool.get(&t).is_none_or(Vec::is_empty) {
            return Err(format!("no {t} drafts could be written from the transcripts").into());
        }
    }
    Ok(pool)
}

/// LLM-style decoration: an emoji on the hook and on the close, three hashtags at the end.
fn decorate(draft: &str, style: Style) -> String {
    if style == Style::Plain {
        return draft.to_owned();
    }
    let paras: Vec<&str> = draft.split("\n\n").collect();
    let mut words: HashMap<String, usize> = HashMap::new();
    for w in draft.split_whitespace() {
        let w: String = w.chars().filter(|c| c.is_alphabetic()).collect::<String>().to_lowercase();
        if w.len() >= 7 {
            *words.entry(w).or_default() += 1;
        }
    }
    let mut top: Vec<(String, usize)> = words.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let tags: Vec<String> = top.into_iter().take(3).map(|(w, _)| format!("#{w}")).collect();
    let mut out: Vec<String> = paras.iter().map(|p| (*p).to_owned()).collect();
    if let Some(first) = out.first_mut() {
        *first = format!("🚀 {first}");
    }
    if out.len() > 1
        && let Some(last) = out.last_mut()
    {
        *last = format!("{last} 👇");
    }
    out.push(tags.join(" "));
    out.join("\n\n")
}

/// One arm of one seed: the in-memory store, the pool, and the learner.
struct StoreTarget {
    arm: Arm,
    store: Arc<InMemoryStore>,
    pool: Arc<HashMap<ContentType, Vec<String>>>,
    types: Vec<ContentType>,
    rng: fastrand::Rng,
    reviewer_id: UserId,
    items: Vec<(ContentId, ContentType)>,
    book: RuleBook,
    oracle: Vec<Rule>,
    mining: MiningConfig,
    slop: Arc<SlopChecker>,
}

#[async_trait]
impl SimTarget for StoreTarget {
    async fn draft(&mut self, round: usize) -> growth_core::Result<SimDraft> {
        let t = self.types[round % self.types.len()];
        let drafts = self.pool.get(&t).ok_or_else(|| Error::invalid(format!("no {t} drafts")))?;
        let raw = &drafts[self.rng.usize(..drafts.len())];
        let text = match self.arm {
            Arm::NoLearning => raw.clone(),
            Arm::Learning => apply_rules(raw, t, &self.book.active()),
            Arm::Oracle => apply_rules(raw, t, &self.oracle),
        };
        let item = self.store.insert_content(NewContentItem::draft(t, None, text)).await?;
        self.items.push((item.id, t));
        Ok(SimDraft { id: item.id, content_type: t, text: item.content })
    }

    async fn submit_edit(&mut self, draft: &SimDraft, edited: &str) -> growth_core::Result<()> {
        // The review path: a word diff of the two versions, classified, written with the new version.
        let item = self.store.get_content(draft.id).await?;
        let mut spans = diff_edit(item.title.as_deref(), item.title.as_deref(), &item.content, edited);
        tag_spans(&mut spans, Some(&self.slop));
        let update = ContentUpdate {
            expected_version: item.version,
            title: None,
            content: Some(edited.to_owned()),
            edited_by: Some(self.reviewer_id),
            edits: spans,
        };
        self.store.update_content(draft.id, update).await?;
        Ok(())
    }

    async fn learn(&mut self) -> growth_core::Result<()> {
        if self.arm != Arm::Learning {
            return Ok(());
        }
        // The learner sees only what the store recorded.
        let mut events = Vec::new();
        for &(id, t) in &self.items {
            let versions = self.store.list_versions(id).await?;
            let edits = self.store.list_edits(id).await?;
            events.extend(EditEvent::from_history(id, t, &versions, &edits));
        }
        let now = Utc::now();
        let written = self.book.propose(mine_rules(&events, &self.mining, now)?, now);
        // Simulation only: every proposal is approved at once.
        for r in written.into_iter().filter(|r| r.status == RuleStatus::Proposed) {
            self.book.approve(r.id, Some(r.version), now)?;
        }
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> AnyResult<()> {
    let args = parse_args()?;
    let prefs = read_preferences(&args.preferences)?;
    let reviewer = SimulatedReviewer::new(&prefs)?;
    let types = prefs.content_types();
    let pool = Arc::new(draft_pool(&sources(&args.transcripts)?, &types, args.style).await?);
    let slop = Arc::new(SlopChecker::with_defaults()?);
    let (mut none, mut learned, mut oracle) = (Vec::new(), Vec::new(), Vec::new());
    for seed in 0..args.seeds as u64 {
        for arm in [Arm::NoLearning, Arm::Learning, Arm::Oracle] {
            let mut target = StoreTarget {
                arm,
                store: Arc::new(InMemoryStore::new(Arc::new(SystemClock))),
                pool: pool.clone(),
                types: types.clone(),
                rng: fastrand::Rng::with_seed(seed),
                reviewer_id: UserId::new(),
                items: Vec::new(),
                book: RuleBook::default(),
                oracle: prefs.oracle_rules(),
                mining: MiningConfig::default(),
                slop: slop.clone(),
            };
            let costs = run_rounds(&mut target, &reviewer, args.rounds).await?;
            if args.verbose {
                eprintln!("seed {seed} {arm:?}: {costs:?}");
                if arm == Arm::Learning {
                    for r in target.book.active() {
                        eprintln!("  rule (support {}, confidence {:.2}): {}", r.support, r.confidence, r.prompt_line());
                    }
                }
            }
            match arm {
                Arm::NoLearning => none.push(costs),
                Arm::Learning => learned.push(costs),
                Arm::Oracle => oracle.push(costs),
            }
        }
    }
    let report = SimReport::from_costs(&none, &learned, &oracle)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
