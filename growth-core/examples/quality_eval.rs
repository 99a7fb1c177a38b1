//! Evaluates the built-in quality checks on the third-party data in `shared/data`.
//!
//! ```text
//! cargo run --release -p growth-core --example quality_eval -- /work/shared/data
//! ```
//!
//! Prints four figures:
//!
//! (a) **Recall on the vale-ai-tells positive control** (`slop_lists/vale-ai-tells/test-document.md`).
//!     A *tell* is one match of one of the 13 upstream Vale rules, applied the way Vale's
//!     `existence` check applies it: the rule's tokens joined into one regex
//!     `\b(?:tok1|tok2|…)\b` (no `\b` for `nonword` rules, case-insensitive where the rule says
//!     `ignorecase`), non-overlapping leftmost-first matches. The rules are read from the YAML files
//!     at run time, so the count does not depend on our own lists. A tell is *flagged* when a
//!     finding of the `slop` gate (default config) overlaps it; findings of the other gates span
//!     whole lines or paragraphs and are not counted, and neither are `info` findings (slop inside
//!     a quotation: reported, but not held against the author).
//! (b) **False flags per 1,000 words** on each human-written file in `human_text/`: findings of
//!     the `slop` gate (default config) per 1,000 words, `info` findings (quoted slop) left out and
//!     shown apart. Every other finding on human text is counted as false. The verdicts of all five gates are shown next to it for information.
//! (c) **Detector AUROC** on `detection_eval/*.jsonl` (human = positive class): the probability that
//!     a random human answer scores more human than a random ChatGPT answer (ties count half).
//!     Once as-is, once with each question's two answers cut to the same number of words (the
//!     shorter one's), because the human answers are a few words long and the machine ones a
//!     paragraph, so the as-is number mostly measures length. Nothing in the detector was fitted
//!     to this set.
//! (d) **Throughput** of all five built-in gates run one after another on one thread, over
//!     ≥ 20 MB of the human text repeated as separate drafts, with the antislop-sampler phrase
//!     list (2,500 fiction-heavy phrases) loaded on top of the built-in list as extra phrases.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use growth_core::domain::{ContentType, FindingSeverity};
use growth_core::quality::slop::LearnedPhrase;
use growth_core::quality::{AiDetector, BuiltinGates, DraftUnderReview, QualityConfig};
use regex::Regex;

fn main() -> Result<()> {
    let data = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "../shared/data".to_owned()));
    if !data.join("slop_lists").is_dir() {
        bail!("{} does not look like shared/data (no slop_lists/)", data.display());
    }
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let gates = BuiltinGates::new(&QualityConfig::default())?;
    println!(
        "built-in lists: {} phrases ({} automaton patterns), {} formulas\n",
        gates.slop.phrase_count(),
        gates.slop.pattern_count(),
        gates.slop.formula_count()
    );
    recall_on_test_document(&data, &gates)?;
    false_flags_on_human_text(&data, &gates, &runtime)?;
    detector_auroc(&data, &gates, &runtime)?;
    throughput(&data, &runtime)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (a) recall

struct ValeRule {
    name: String,
    regex: Regex,
}

/// Reads the `tokens`, `ignorecase` and `nonword` keys of a vale `existence` rule (the only keys
/// these 13 files use that change what matches).
fn parse_vale_rule(path: &Path) -> Result<ValeRule> {
    let yaml = std::fs::read_to_string(path)?;
    let mut tokens = Vec::new();
    let mut ignorecase = false;
    let mut nonword = false;
    let mut in_tokens = false;
    for line in yaml.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            in_tokens = trimmed == "tokens:";
            ignorecase |= trimmed == "ignorecase: true";
            nonword |= trimmed == "nonword: true";
            continue;
        }
        if in_tokens && let Some(token) = trimmed.strip_prefix("- ") {
            let token = token.trim();
            let unquoted = token
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .or_else(|| token.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')))
                .unwrap_or(token);
            tokens.push(unquoted.to_owned());
        }
    }
    let alternation = tokens.join("|");
    let body = if nonword { format!("(?:{alternation})") } else { format!(r"(?-u:\b)(?:{alternation})(?-u:\b)") };
    let pattern = format!("(?m){}{body}", if ignorecase { "(?i)" } else { "" });
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let regex = Regex::new(&pattern).with_context(|| format!("vale rule {name}"))?;
    Ok(ValeRule { name, regex })
}

fn recall_on_test_document(data: &Path, gates: &BuiltinGates) -> Result<()> {
    let slop = &gates.slop;
    let dir = data.join("slop_lists/vale-ai-tells");
    let doc = std::fs::read_to_string(dir.join("test-document.md"))?;
    let mut rule_files: Vec<PathBuf> =
        std::fs::read_dir(&dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "yml")).collect();
    rule_files.sort();
    let report = slop.scan(&doc);
    let (info, findings): (Vec<_>, Vec<_>) = report.findings().into_iter().partition(|f| f.severity == FindingSeverity::Info);
    let mut total = 0;
    let mut flagged = 0;
    let mut missed = Vec::new();
    let mut per_rule = Vec::new();
    for path in &rule_files {
        let rule = parse_vale_rule(path)?;
        let (mut n, mut f) = (0, 0);
        for m in rule.regex.find_iter(&doc) {
            n += 1;
            if findings.iter().any(|x| x.span[0] < m.end() && m.start() < x.span[1]) {
                f += 1;
            } else {
                missed.push(format!("{}: {:?}", rule.name, m.as_str()));
            }
        }
        per_rule.push(format!("{} {f}/{n}", rule.name));
        total += n;
        flagged += f;
    }
    println!("(a) recall on vale-ai-tells test-document.md ({} words, {} rules)", report.words, rule_files.len());
    println!("    {}", per_rule.join(", "));
    println!(
        "    tells flagged: {flagged}/{total} = {:.1}%  (slop gate: {} findings and {} quoted (info), {} counted hits, verdict {})",
        100.0 * flagged as f64 / total.max(1) as f64,
        findings.len(),
        info.len(),
        report.counted,
        if report.passed { "pass" } else { "fail" }
    );
    for m in &missed {
        println!("    missed {m}");
    }
    let score = tokio::runtime::Builder::new_current_thread().build()?.block_on(gates.detector.detect(&doc))?.human_score;
    println!("    stylometric human score {score:.2}; features: {}", feature_line(gates, &doc));
    println!();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (b) false flags

/// The stylometric features of `text`, one line.
fn feature_line(gates: &BuiltinGates, text: &str) -> String {
    let f = gates.detector.features(text);
    let show = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{v:.2}"));
    format!(
        "burstiness {} mattr {} slop/1k {} contractions/100 {} punct-bits {} paragraph-cv {}",
        show(f.burstiness),
        show(f.lexical_diversity),
        show(f.slop_density),
        show(f.contractions),
        show(f.punctuation),
        show(f.paragraph_rhythm)
    )
}

fn human_files(data: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(data.join("human_text"))? {
        let dir = dir?.path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir)? {
                let f = f?.path();
                if f.extension().is_some_and(|x| x == "md") {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    Ok(files)
}

fn false_flags_on_human_text(data: &Path, gates: &BuiltinGates, runtime: &tokio::runtime::Runtime) -> Result<()> {
    println!("(b) false flags per 1,000 words on human_text/ (slop findings; other gates' verdicts for information)");
    let (mut all_flags, mut all_words, mut worst, mut all_info) = (0, 0, 0.0_f64, 0);
    for path in human_files(data)? {
        let text = std::fs::read_to_string(&path)?;
        let report = gates.slop.scan(&text);
        let (info, findings): (Vec<_>, Vec<_>) = report.findings().into_iter().partition(|f| f.severity == FindingSeverity::Info);
        all_info += info.len();
        let rate = findings.len() as f64 * 1000.0 / report.words.max(1) as f64;
        worst = worst.max(rate);
        all_flags += findings.len();
        all_words += report.words;
        let draft = DraftUnderReview { content_type: ContentType::Newsletter, title: None, content: text };
        let mut verdicts = Vec::new();
        for gate in gates.gates() {
            let v = runtime.block_on(gate.check(&draft))?;
            let score = if gate.name() == "ai_likeness" { v.score.map(|s| format!(" {s:.2}")).unwrap_or_default() } else { String::new() };
            verdicts.push(format!("{} {}{score}", v.gate, if v.passed { "ok" } else { "FAIL" }));
        }
        let name = path.strip_prefix(data.join("human_text")).unwrap_or(&path).display().to_string();
        let flagged: Vec<String> = findings.iter().map(|f| format!("{:?}", f.text)).collect();
        println!("    {name:<52} {:>5} words  {:>2} flags  {rate:.2}/1k  [{}]", report.words, findings.len(), verdicts.join(", "));
        if !flagged.is_empty() {
            println!("        flagged: {}", flagged.join(", "));
        }
        if !info.is_empty() {
            let quoted: Vec<String> = info.iter().map(|f| format!("{:?}", f.text)).collect();
            println!("        quoted (info, not counted): {}", quoted.join(", "));
        }
        println!("        features: {}", feature_line(gates, &draft.content));
    }
    println!(
        "    overall: {all_flags} flags in {all_words} words = {:.2} per 1,000 words; worst file {worst:.2} per 1,000 words; {all_info} quoted (info)\n",
        all_flags as f64 * 1000.0 / all_words.max(1) as f64
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (c) AUROC

/// AUROC with `positives` as the class expected to score higher; ties count half.
fn auroc(positives: &[f64], negatives: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool)> = positives.iter().map(|s| (*s, true)).chain(negatives.iter().map(|s| (*s, false))).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Mann-Whitney U from average ranks.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += all[i..=j].iter().filter(|x| x.1).count() as f64 * avg_rank;
        i = j + 1;
    }
    let (p, n) = (positives.len() as f64, negatives.len() as f64);
    (rank_sum - p * (p + 1.0) / 2.0) / (p * n)
}

/// The first `n` whitespace-separated tokens of `text`, as written.
fn first_words(text: &str, n: usize) -> &str {
    let mut count = 0;
    let mut end = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                count += 1;
                end = i;
                if count == n {
                    return &text[..end];
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    if in_word { text } else { &text[..end] }
}

struct Row {
    text: String,
    human: bool,
    question: String,
}

fn detector_auroc(data: &Path, gates: &BuiltinGates, runtime: &tokio::runtime::Runtime) -> Result<()> {
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(data.join("detection_eval"))? {
        let path = entry?.path();
        if path.extension().is_none_or(|x| x != "jsonl") {
            continue;
        }
        for line in std::fs::read_to_string(&path)?.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned).with_context(|| format!("row without `{k}`"));
            rows.push(Row { text: field("text")?, human: field("label")? == "human", question: field("question")? });
        }
    }
    let score = |text: &str| runtime.block_on(gates.detector.detect(text)).map(|d| d.human_score).ok();
    let (mut human, mut ai, mut skipped) = (Vec::new(), Vec::new(), 0);
    for row in &rows {
        match score(&row.text) {
            Some(s) if row.human => human.push(s),
            Some(s) => ai.push(s),
            None => skipped += 1,
        }
    }
    let median_words = |human_side: bool| {
        let mut w: Vec<usize> = rows.iter().filter(|r| r.human == human_side).map(|r| r.text.split_whitespace().count()).collect();
        w.sort_unstable();
        w.get(w.len() / 2).copied().unwrap_or(0)
    };
    println!(
        "(c) stylometric detector on detection_eval ({} human, {} ChatGPT answers; median {} vs {} words; {skipped} unscorable)",
        human.len(),
        ai.len(),
        median_words(true),
        median_words(false)
    );
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    println!(
        "    as-is:          AUROC {:.3}  (mean human score: human {:.3}, ChatGPT {:.3})",
        auroc(&human, &ai),
        mean(&human),
        mean(&ai)
    );

    // Pair the two answers of each question and cut both to the shorter one's word count.
    let (mut cut_human, mut cut_ai, mut pairs, mut cut_words) = (Vec::new(), Vec::new(), 0, Vec::new());
    for h in rows.iter().filter(|r| r.human) {
        let Some(a) = rows.iter().find(|r| !r.human && r.question == h.question) else { continue };
        let n = h.text.split_whitespace().count().min(a.text.split_whitespace().count());
        if let (Some(sh), Some(sa)) = (score(first_words(&h.text, n)), score(first_words(&a.text, n))) {
            cut_human.push(sh);
            cut_ai.push(sa);
            cut_words.push(n);
            pairs += 1;
        }
    }
    cut_words.sort_unstable();
    println!(
        "    same length:    AUROC {:.3}  ({pairs} question pairs cut to the shorter answer, median {} words)",
        auroc(&cut_human, &cut_ai),
        cut_words.get(cut_words.len() / 2).copied().unwrap_or(0)
    );
    println!(
        "    (0.5 = chance. The as-is figure measures length more than style: a nine-word answer is too short for most\n     \
         features, so it scores near 0.5 on slop alone, while a 57-word ChatGPT answer is long enough to show, say, no\n     \
         contractions. Cut to the same nine words, there is no stylometric signal left; this set is a smoke test, not a\n     \
         measure of accuracy on 300-word posts.)\n"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (d) throughput

/// CPU seconds this thread has used (Linux; `None` elsewhere), so a busy machine does not make the
/// single-thread figure look worse than it is. Clock ticks are assumed to be 100 per second.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn throughput(data: &Path, runtime: &tokio::runtime::Runtime) -> Result<()> {
    let phrases: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(data.join("slop_lists/antislop-sampler/slop_phrases_2025-04-07.json"))?)?;
    let extra: Vec<LearnedPhrase> = phrases
        .iter()
        .filter_map(|p| p.get(0).and_then(|s| s.as_str()))
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .map(LearnedPhrase::from)
        .collect();
    let config = QualityConfig { learned_phrases: extra, ..QualityConfig::default() };
    let gates = BuiltinGates::new(&config)?;
    let all = gates.gates();

    let docs: Vec<String> = human_files(data)?.iter().map(std::fs::read_to_string).collect::<Result<_, _>>()?;
    let target = 20 * 1024 * 1024;
    let (mut bytes, mut drafts, mut findings) = (0usize, 0usize, 0usize);
    let mut per_gate = vec![0.0_f64; all.len()];
    let cpu_start = thread_cpu_seconds();
    let start = Instant::now();
    'outer: loop {
        for doc in &docs {
            let draft = DraftUnderReview { content_type: ContentType::Newsletter, title: None, content: doc.clone() };
            for (gate, seconds) in all.iter().zip(per_gate.iter_mut()) {
                let t = Instant::now();
                findings += runtime.block_on(gate.check(&draft))?.findings.len();
                *seconds += t.elapsed().as_secs_f64();
            }
            bytes += doc.len();
            drafts += 1;
            if bytes >= target {
                break 'outer;
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
    let mb = bytes as f64 / (1024.0 * 1024.0);

    let slop_start = Instant::now();
    let mut slop_bytes = 0usize;
    'slop: loop {
        for doc in &docs {
            findings += gates.slop.scan(doc).hits.len();
            slop_bytes += doc.len();
            if slop_bytes >= target {
                break 'slop;
            }
        }
    }
    let slop_elapsed = slop_start.elapsed().as_secs_f64();

    println!(
        "(d) throughput, one thread: {} phrases loaded ({} built-in + {} antislop phrases as extras; {} automaton patterns), {} formulas",
        gates.slop.phrase_count(),
        gates.slop.phrase_count() - config.learned_phrases.len(),
        config.learned_phrases.len(),
        gates.slop.pattern_count(),
        gates.slop.formula_count()
    );
    println!(
        "    all five gates: {mb:.1} MB in {drafts} drafts, {elapsed:.2} s wall = {:.1} MB/s{}  (slop scan alone: {:.1} MB/s; {findings} findings/hits)",
        mb / elapsed,
        cpu.map(|c| format!(", {c:.2} s CPU = {:.1} MB/s", mb / c)).unwrap_or_default(),
        slop_bytes as f64 / (1024.0 * 1024.0) / slop_elapsed
    );
    let each: Vec<String> = all.iter().zip(&per_gate).map(|(g, s)| format!("{} {:.0}", g.name(), mb / s)).collect();
    println!("    per gate, MB/s: {}", each.join(", "));
    Ok(())
}
