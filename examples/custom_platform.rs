//! Publishing to a platform this project does not ship: a file-based "bluesky" that appends each
//! post to a JSON-lines feed. One `Publisher` implementation and one `builder.publisher(..)` call;
//! nothing else changes. The post goes out through the real `PublishRunner` — the publishing log,
//! the send budget shared through the database, and retries (the first send fails with a
//! transient error, as a platform warming up would) — on a SQLite database that accepts the new
//! platform's name like any built-in one.
//!
//! Running it prints one JSON line: `{"platform": "bluesky", "status": "published", "url": "..."}`.
//!
//! `cargo run --example custom_platform`
#![allow(clippy::print_stdout, reason = "an example prints its result")]

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use growth::Engine;
use growth::core::domain::{Platform, ScheduleStatus};
use growth::core::ingest::{ManualInput, ManualSource};
use growth::core::publish::{Publication, PublishConfig, PublishRequest, Publisher, PublisherCapabilities, SendBudget};
use growth::core::review::ApproveRequest;
use growth::core::{Error, Result};

/// Appends posts to `<dir>/bluesky.jsonl`; `reconcile` reads the feed back.
#[derive(Debug)]
struct FileFeed {
    path: PathBuf,
    attempts: AtomicUsize,
}

impl FileFeed {
    fn platform() -> Platform {
        Platform::new("bluesky").unwrap_or(Platform::LINKEDIN)
    }

    fn find(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        let feed = std::fs::read_to_string(&self.path).unwrap_or_default();
        for line in feed.lines() {
            let post: serde_json::Value = serde_json::from_str(line).map_err(|e| Error::internal("reading the feed", e))?;
            if post["schedule_id"] == req.schedule_id.to_string() {
                let id = post["id"].as_str().unwrap_or_default().to_owned();
                let url = format!("file://{}#{id}", self.path.display());
                return Ok(Some(Publication {
                    platform_post_id: id,
                    url: Some(url),
                    published_at: chrono::Utc::now(),
                    via: "bluesky-file".into(),
                    log: post,
                }));
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl Publisher for FileFeed {
    fn platform(&self) -> Platform {
        Self::platform()
    }

    fn name(&self) -> String {
        "bluesky-file".into()
    }

    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }

    async fn publish(&self, req: &PublishRequest) -> Result<Publication> {
        if self.attempts.fetch_add(1, Ordering::SeqCst) == 0 {
            // Nothing was written: the runner may safely try again after its backoff.
            return Err(Error::transient("bluesky is warming up"));
        }
        let id = format!("at-{}", uuid::Uuid::now_v7().simple());
        let post = serde_json::json!({ "id": id, "schedule_id": req.schedule_id.to_string(), "text": req.content });
        let mut feed =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.path).map_err(|e| Error::internal("opening the feed", e))?;
        writeln!(feed, "{post}").map_err(|e| Error::internal("writing the feed", e))?;
        self.find(req)?.ok_or_else(|| Error::internal_msg("the post just written is not in the feed"))
    }

    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        self.find(req)
    }
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = growth::store::Database::connect(
        &format!("sqlite://{}", dir.path().join("growth.db").display()),
        Arc::new(growth::core::SystemClock),
    )
    .await?;
    db.migrate().await?;
    let bluesky = FileFeed::platform();
    let engine = Engine::builder()
        .store(db.store())
        .publisher(Arc::new(FileFeed { path: dir.path().join("bluesky.jsonl"), attempts: AtomicUsize::new(0) }))
        .budget(bluesky, SendBudget { max: 10, window_secs: 60 })
        .publishing(PublishConfig { backoff_secs: 0, ..PublishConfig::default() })
        .build()?;

    let transcript = std::fs::read_to_string("growth-core/tests/fixtures/transcripts/changelog/founders-talk-55.md")?;
    let source = engine.ingest().ingest_manual(ManualSource::new(ManualInput::Text(transcript))).await?.source;
    let bundle = engine.write_bundle(source.id).await?;
    let post = bundle.items.first().ok_or("the bundle is empty")?;
    let approval = engine
        .review()
        .approve(post.id, ApproveRequest { at: Some(chrono::Utc::now()), platform: Some(bluesky), ..ApproveRequest::default() })
        .await?;

    let runner = engine.publishing().runner("example-worker");
    for _ in 0..20 {
        runner.run_due(10).await?;
        let status = engine.publishing().status(approval.schedule.id).await?;
        if status.schedule.status == ScheduleStatus::Published {
            let line = serde_json::json!({ "platform": status.schedule.platform, "status": status.schedule.status, "url": status.schedule.published_url });
            println!("{line}");
            db.close().await;
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err("the post was not published".into())
}
