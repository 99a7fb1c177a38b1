//! `growth learn simulate`: the simulated reviewer (PRELUDE's harness) run through the engine.
//!
//! Every arm of every seed is a fresh offline [`growth::Engine`] over an in-memory store. Each
//! round drafts a piece (from a pool the extractive generator wrote from the shared transcripts),
//! stores it, lets the simulated reviewer edit it through `engine.review().edit` (the path
//! `PATCH /content/{id}` takes, so `content_edits` are recorded as in production) and, in the
//! learning arm, runs `engine.learning().run_mining()` and approves what it proposes (in
//! production an admin approves). The learning arm's drafts pass through the rules active in the
//! engine; the oracle's through the preference file's exact rules; no-learning's through nothing.
//! The learner sees only the recorded edits, never the file. Prints the `SimReport` JSON.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use growth::Engine;
use growth_core::domain::{ContentType, NewContentItem, Transcript, UserId};
use growth_core::generate::{ContentGenerator, GenerationRequest};
use growth_core::learn::simulate::{SimDraft, SimReport, SimTarget, SimulatedReviewer, run_rounds};
use growth_core::learn::{LearningConfig, Preferences, Rule, apply_rules};
use growth_core::review::EditRequest;
use growth_core::{Error, Result};
use growth_llm::offline::ExtractiveGenerator;

/// How drafts are dressed before the reviewer sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Style {
    /// As the extractive generator writes them.
    Plain,
    /// As LLM drafts often come: an emoji on the hook and the close, three hashtags at the end.
    Llm,
}

/// The simulation's arguments.
#[derive(Debug)]
pub(crate) struct SimulateArgs {
    pub(crate) preferences: PathBuf,
    pub(crate) rounds: usize,
    pub(crate) seeds: usize,
    pub(crate) transcripts: Option<PathBuf>,
    pub(crate) style: Style,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arm {
    NoLearning,
    Learning,
    Oracle,
}

/// Runs the simulation and answers with its report.
pub(crate) async fn simulate(args: SimulateArgs) -> anyhow::Result<SimReport> {
    anyhow::ensure!(args.rounds >= 1 && args.seeds >= 1, "--rounds and --seeds must be at least 1");
    let text = std::fs::read_to_string(&args.preferences).map_err(|e| anyhow::anyhow!("{}: {e}", args.preferences.display()))?;
    let prefs: Preferences = config::Config::builder()
        .add_source(config::File::from_str(&text, config::FileFormat::Toml))
        .build()?
        .try_deserialize()
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.preferences.display()))?;
    let reviewer = SimulatedReviewer::new(&prefs)?;
    let types = prefs.content_types();
    let dir = args.transcripts.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../growth-core/tests/fixtures/transcripts"));
    let pool = Arc::new(draft_pool(&sources(&dir)?, &types, args.style).await?);
    let (mut none, mut learned, mut oracle) = (Vec::new(), Vec::new(), Vec::new());
    for seed in 0..args.seeds as u64 {
        for arm in [Arm::NoLearning, Arm::Learning, Arm::Oracle] {
            let mut learning = LearningConfig::default();
            (learning.mine_cron, learning.icp_cron) = (None, None);
            let engine = Engine::builder().learning(learning).apply_learned_rules(false).build()?;
            let mut target = EngineTarget {
                arm,
                engine,
                pool: pool.clone(),
                types: types.clone(),
                rng: fastrand::Rng::with_seed(seed),
                reviewer: UserId::new(),
                oracle: prefs.oracle_rules(),
            };
            let costs = run_rounds(&mut target, &reviewer, args.rounds).await?;
            match arm {
                Arm::NoLearning => none.push(costs),
                Arm::Learning => learned.push(costs),
                Arm::Oracle => oracle.push(costs),
            }
        }
    }
    Ok(SimReport::from_costs(&none, &learned, &oracle)?)
}

/// One arm of one seed.
struct EngineTarget {
    arm: Arm,
    engine: Engine,
    pool: Arc<HashMap<ContentType, Vec<String>>>,
    types: Vec<ContentType>,
    rng: fastrand::Rng,
    reviewer: UserId,
    oracle: Vec<Rule>,
}

#[async_trait]
impl SimTarget for EngineTarget {
    async fn draft(&mut self, round: usize) -> Result<SimDraft> {
        let t = self.types[round % self.types.len()];
        let drafts = self.pool.get(&t).ok_or_else(|| Error::invalid(format!("no {t} drafts")))?;
        let raw = &drafts[self.rng.usize(..drafts.len())];
        let text = match self.arm {
            Arm::NoLearning => raw.clone(),
            Arm::Learning => apply_rules(raw, t, &self.engine.learning().active_rules_for(t).await?),
            Arm::Oracle => apply_rules(raw, t, &self.oracle),
        };
        let item = self.engine.store().insert_content(NewContentItem::draft(t, None, text)).await?;
        Ok(SimDraft { id: item.id, content_type: t, text: item.content })
    }

    async fn submit_edit(&mut self, draft: &SimDraft, edited: &str) -> Result<()> {
        let req = EditRequest { content: Some(edited.to_owned()), title: None, expected_version: None, editor: Some(self.reviewer) };
        self.engine.review().edit(draft.id, req).await?;
        Ok(())
    }

    async fn learn(&mut self) -> Result<()> {
        if self.arm != Arm::Learning {
            return Ok(());
        }
        let run = self.engine.learning().run_mining().await?;
        // Simulation only: every proposal is approved at once.
        for r in run.proposed {
            match self.engine.learning().approve(r.id, Some(r.version)).await {
                Ok(_) | Err(Error::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Each transcript of `dir/changelog` and `dir/talkpython` split in two halves, as `Speaker: text` sources.
fn sources(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for sub in ["changelog", "talkpython"] {
        let sub = dir.join(sub);
        for entry in std::fs::read_dir(&sub).map_err(|e| anyhow::anyhow!("{}: {e}", sub.display()))? {
            let path = entry?.path();
            if matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "txt")) {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let Ok(parsed) = growth_core::transcript::parse(&std::fs::read(&path)?, None) else { continue };
        let segments = parsed.transcript.segments;
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("transcript").to_owned();
        let half = segments.len() / 2;
        for (i, part) in [&segments[..half], &segments[half..]].into_iter().enumerate() {
            out.push((format!("{name} part {}", i + 1), Transcript { segments: part.to_vec() }.to_text()));
        }
    }
    anyhow::ensure!(!out.is_empty(), "no transcripts under {}", dir.display());
    Ok(out)
}

/// Per type, every draft the extractive generator writes from every source.
async fn draft_pool(
    sources: &[(String, String)],
    types: &[ContentType],
    style: Style,
) -> anyhow::Result<HashMap<ContentType, Vec<String>>> {
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
            if let Ok(g) = generator.generate(req).await {
                pool.entry(t).or_default().extend(g.drafts.into_iter().map(|d| decorate(&d.content, style)));
            }
        }
    }
    for t in types {
        anyhow::ensure!(pool.get(t).is_some_and(|p| !p.is_empty()), "no {t} drafts could be written from the transcripts");
    }
    Ok(pool)
}

/// LLM-style decoration: an emoji on the hook and on the close, the three most used long words as hashtags.
fn decorate(draft: &str, style: Style) -> String {
    if style == Style::Plain {
        return draft.to_owned();
    }
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
    let mut out: Vec<String> = draft.split("\n\n").map(str::to_owned).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn learning_through_the_engine_cuts_the_reviewers_edits_by_half_or_more() {
        let args = SimulateArgs {
            preferences: Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/preferences/plain-spoken.toml"),
            rounds: 30,
            seeds: 1,
            transcripts: None,
            style: Style::Plain,
        };
        let report = simulate(args).await.unwrap();
        assert_eq!((report.rounds, report.seeds), (30, 1));
        assert_eq!(report.oracle.cumulative_cost, 0.0, "the oracle applies the exact preferences");
        assert!(report.no_learning.cumulative_cost > 0.0);
        assert!(report.reduction >= 0.5, "{report:?}");
        assert!(report.learning.last_20_mean < report.learning.first_20_mean, "{report:?}");
        let json = serde_json::to_value(&report).unwrap();
        for key in ["rounds", "seeds", "no_learning", "learning", "oracle", "reduction"] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }

    #[tokio::test]
    async fn a_bad_preference_file_is_refused_with_its_path() {
        let dir = std::env::temp_dir().join(format!("prefs-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.toml");
        std::fs::write(&file, "[default]\nmax_word = 3\n").unwrap();
        let args = SimulateArgs { preferences: file.clone(), rounds: 5, seeds: 1, transcripts: None, style: Style::Plain };
        let err = simulate(args).await.unwrap_err().to_string();
        assert!(err.contains("bad.toml"), "{err}");
        let args = SimulateArgs { preferences: file, rounds: 0, seeds: 1, transcripts: None, style: Style::Plain };
        assert!(simulate(args).await.is_err());
    }

    fn uuid_like() -> String {
        format!("{}-{}", std::process::id(), fastrand::u64(..))
    }
}
