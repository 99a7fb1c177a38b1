//! A transcript file in, an 11-piece bundle out as Markdown — offline, no keys, no database.
//!
//! `cargo run --example one_shot -- path/to/transcript.md`
use growth::Engine;
use growth::core::ingest::{ManualInput, ManualSource};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "growth-core/tests/fixtures/transcripts/changelog/founders-talk-60.md".into());
    let bytes = std::fs::read(&path)?;
    let engine = Engine::builder().build()?;
    let input = ManualInput::File { file_name: path, bytes: bytes.into(), format: None };
    let source = engine.ingest().ingest_manual(ManualSource::new(input)).await?.source;
    let bundle = engine.write_bundle(source.id).await?;
    for item in &bundle.items {
        let verdicts: Vec<String> =
            item.quality.verdicts.iter().map(|v| format!("{} {}", v.gate, if v.passed { "✓" } else { "✗" })).collect();
        println!("## {} — {}\n\n{}\n\n_{}_\n", item.content_type, item.title.as_deref().unwrap_or(""), item.content, verdicts.join(" · "));
    }
    Ok(())
}
