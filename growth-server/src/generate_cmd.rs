//! `growth generate <file> [--format F] [--json]`: the whole pipeline from the command line —
//! ingest the file, retrieve knowledge, write the bundle with the configured generator (the
//! offline one by default), check and rewrite, save the pieces in review — with a progress bar on
//! a terminal, then the bundle as Markdown with its verdicts (or JSON).

use std::io::{IsTerminal, Write};
use std::path::Path;

use async_trait::async_trait;
use growth_core::domain::ContentItem;
use growth_core::generate::ProgressSink;
use growth_core::ingest::{ManualInput, ManualSource};
use growth_server::config::Settings;
use serde_json::json;

/// A one-line bar on stderr when it is a terminal; silent otherwise.
struct Bar {
    tty: bool,
}

#[async_trait]
impl ProgressSink for Bar {
    async fn report(&self, percent: u8, saved: &[ContentItem]) -> growth_core::Result<()> {
        if self.tty {
            let filled = usize::from(percent) / 5;
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\rgenerating [{}{}] {percent:>3}% · {} saved", "#".repeat(filled), ".".repeat(20 - filled), saved.len());
            if percent == 100 {
                let _ = writeln!(err);
            }
        }
        Ok(())
    }
}

/// Runs the command.
pub(crate) async fn run(settings: &Settings, file: &Path, format: Option<String>, json_out: bool) -> anyhow::Result<()> {
    let format = format.map(|f| f.parse::<growth_core::transcript::TranscriptFormat>()).transpose()?;
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let state = growth_server::startup::connect(settings, std::sync::Arc::new(growth_core::SystemClock), true).await?;
    let result = async {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "upload".into());
        let ingested = state
            .engine
            .ingest()
            .ingest_manual(ManualSource::new(ManualInput::File { file_name: name, bytes: bytes.into(), format }))
            .await?;
        let bundle = format!("cli-{}", uuid::Uuid::now_v7());
        let bar = Bar { tty: std::io::stderr().is_terminal() };
        state.engine.pipeline().run(&bundle, ingested.source.id, &settings.generation.plan, &bar).await
    }
    .await;
    state.database.close().await;
    let out = result?;
    if json_out {
        let items: Vec<_> = out
            .items
            .iter()
            .map(|i| {
                json!({
                    "id": i.id,
                    "content_type": i.content_type,
                    "title": i.title,
                    "content": i.content,
                    "status": i.status,
                    "ai_detection_score": i.quality.ai_detection_score,
                    "icp_score": i.quality.icp_score,
                    "findings": i.quality.verdicts.iter().flat_map(|v| v.findings.iter()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let body = json!({
            "source_id": out.source_id,
            "items": items,
            "usage": {
                "input_tokens": out.usage.input_tokens,
                "output_tokens": out.usage.output_tokens,
                "cache_read_input_tokens": out.usage.cache_read_input_tokens,
                "cache_creation_input_tokens": out.usage.cache_creation_input_tokens,
                "estimated_cost_usd": out.estimated_cost_usd,
            },
        });
        println!("{body}");
        return Ok(());
    }
    println!("# Bundle from source {} ({}, {} pieces)\n", out.source_id, out.model, out.items.len());
    for (n, i) in out.items.iter().enumerate() {
        let title = i.title.as_deref().map(|t| format!(" — {t}")).unwrap_or_default();
        println!("## {}. {}{title}\n", n + 1, i.content_type);
        println!("{}\n", i.content.trim_end());
        let gates: Vec<String> =
            i.quality.verdicts.iter().map(|v| format!("{} {}", if v.passed { "PASS" } else { "FAIL" }, v.gate)).collect();
        let ai = i.quality.ai_detection_score.map(|s| format!(" · human-likeness {s:.2}")).unwrap_or_default();
        let icp = i.quality.icp_score.map(|s| format!(" · ICP {s}")).unwrap_or_default();
        println!("> {}{ai}{icp}{}", gates.join(" · "), if i.quality.flagged { " · FLAGGED for review" } else { "" });
        for f in i.quality.verdicts.iter().filter(|v| !v.passed).flat_map(|v| &v.findings).take(8) {
            println!("> - [{}] {}{}", f.check, if f.text.is_empty() { String::new() } else { format!("\"{}\": ", f.text) }, f.message);
        }
        println!();
    }
    println!(
        "tokens: {} in, {} out, {} cache read, {} cache write · estimated cost ${:.4}",
        out.usage.input_tokens,
        out.usage.output_tokens,
        out.usage.cache_read_input_tokens,
        out.usage.cache_creation_input_tokens,
        out.estimated_cost_usd
    );
    Ok(())
}
