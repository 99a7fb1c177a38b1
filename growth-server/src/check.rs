//! `growth check <file> --type <content_type> [--json]`: the quality report of one draft.
//!
//! The ICP score uses the ICP profiles in the configured database (the same one `growth serve`
//! uses); when it cannot be opened, the report says so on stderr and leaves `icp_score` null.

use std::path::Path;
use std::process::ExitCode;

use growth_core::domain::{ContentType, Finding};
use growth_core::quality::{BuiltinGates, Checker, DraftUnderReview};

use growth_server::config::Settings;

/// Runs every built-in gate over the file and prints the report.
pub(crate) fn run(file: &Path, content_type: &str, json: bool, settings: &Settings) -> ExitCode {
    let config = &settings.quality;
    let content_type: ContentType = match content_type.parse() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let content = match std::fs::read(file).map(String::from_utf8) {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            eprintln!("error: {} is not UTF-8 text (byte {})", file.display(), e.utf8_error().valid_up_to());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let gates = match BuiltinGates::new(config) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: quality configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let draft = DraftUnderReview { content_type, title: None, content };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = runtime.block_on(async {
        let (checker, state) = match growth_server::startup::connect(settings, std::sync::Arc::new(growth_core::SystemClock), true).await {
            Ok(state) => (state.engine.quality().clone(), Some(state)),
            Err(e) => {
                eprintln!("note: no ICP score: the database with the ICP profiles cannot be opened ({e})");
                (Checker::new(gates.gates(), None), None)
            }
        };
        let report = checker.report(&draft).await;
        if let Some(state) = state {
            state.database.close().await;
        }
        report
    });
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let verdicts = &report.verdicts;
    let passed = report.passed;
    if json {
        let findings: Vec<&Finding> = verdicts.iter().flat_map(|v| &v.findings).collect();
        let out = serde_json::json!({
            "passed": passed,
            "findings": findings,
            "ai_detection_score": report.ai_detection_score,
            "icp_score": report.icp_score,
        });
        println!("{out}");
    } else {
        for v in verdicts {
            let score = v.score.map(|s| format!(" (score {s:.2})")).unwrap_or_default();
            println!("{} {}{score}", if v.passed { "PASS" } else { "FAIL" }, v.gate);
            for f in &v.findings {
                let (line, col) = line_col(&draft.content, f.span[0]);
                println!("  {line}:{col} [{}] {:?}: {}", f.check, f.text, f.message);
            }
        }
        println!("{}", if passed { "passed" } else { "failed" });
    }
    if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}
