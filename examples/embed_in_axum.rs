//! The engine inside your own axum service: your routes, your auth, your JSON — the engine does the
//! work. This service offers `POST /episodes` (a transcript in, a bundle written for review) and
//! `POST /posts/{id}/approve` (scheduled now), while `Engine::run` in the background runs the job
//! worker and the real publishing loop (claims, budgets, retries, the publishing log) into an
//! outbox directory. The example then calls its own routes and waits for the post to go out.
//!
//! `cargo run --example embed_in_axum`
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use growth::Engine;
use growth::core::domain::ContentId;
use growth::core::ingest::{ManualInput, ManualSource};
use growth::core::publish::PublishConfig;
use growth::core::review::ApproveRequest;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

#[derive(Deserialize)]
struct Episode {
    title: String,
    transcript: String,
}

#[derive(Serialize, Deserialize)]
struct Written {
    source_id: String,
    posts: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct PostState {
    status: String,
    published_url: Option<String>,
}

/// Your service's errors, from the engine's typed ones.
struct Failed(growth::core::Error);

impl axum::response::IntoResponse for Failed {
    fn into_response(self) -> axum::response::Response {
        let status = match &self.0 {
            growth::core::Error::NotFound { .. } => StatusCode::NOT_FOUND,
            growth::core::Error::InvalidInput { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            growth::core::Error::Conflict { .. } => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, self.0.to_string()).into_response()
    }
}

impl From<growth::core::Error> for Failed {
    fn from(e: growth::core::Error) -> Self {
        Self(e)
    }
}

async fn episode(State(engine): State<Engine>, Json(ep): Json<Episode>) -> Result<Json<Written>, Failed> {
    let req = ManualSource { title: Some(ep.title), ..ManualSource::new(ManualInput::Text(ep.transcript)) };
    let source = engine.ingest().ingest_manual(req).await?.source;
    let bundle = engine.write_bundle(source.id).await?;
    Ok(Json(Written { source_id: source.id.to_string(), posts: bundle.items.iter().map(|i| i.id.to_string()).collect() }))
}

async fn approve(State(engine): State<Engine>, Path(id): Path<String>) -> Result<StatusCode, Failed> {
    let id: ContentId = id.parse()?;
    engine.review().approve(id, ApproveRequest { at: Some(chrono::Utc::now()), ..ApproveRequest::default() }).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn post_state(State(engine): State<Engine>, Path(id): Path<String>) -> Result<Json<PostState>, Failed> {
    let item = engine.review().item(id.parse()?).await?;
    Ok(Json(PostState { status: item.status.to_string(), published_url: item.published_url }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let outbox = tempfile::tempdir()?;
    let engine =
        Engine::builder().outbox_dir(outbox.path()).publishing(PublishConfig { interval_secs: 1, ..PublishConfig::default() }).build()?;
    let shutdown = CancellationToken::new();
    let background = tokio::spawn({
        let (engine, stop) = (engine.clone(), shutdown.clone());
        async move { engine.run(stop).await }
    });

    let app = Router::new()
        .route("/episodes", post(episode))
        .route("/posts/{id}/approve", post(approve))
        .route("/posts/{id}", get(post_state))
        .with_state(engine);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn({
        let stop = shutdown.clone();
        async move { axum::serve(listener, app).with_graceful_shutdown(async move { stop.cancelled().await }).await }
    });

    let client = reqwest::Client::new();
    let transcript = std::fs::read_to_string("growth-core/tests/fixtures/transcripts/changelog/founders-talk-60.md")?;
    let written: Written = client
        .post(format!("{base}/episodes"))
        .json(&serde_json::json!({ "title": "Founders Talk #60", "transcript": transcript }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!("wrote {} pieces from source {}", written.posts.len(), written.source_id);
    let first = written.posts.first().ok_or("no post was written")?;
    client.post(format!("{base}/posts/{first}/approve")).send().await?.error_for_status()?;
    let mut published = None;
    for _ in 0..100 {
        let state: PostState = client.get(format!("{base}/posts/{first}")).send().await?.json().await?;
        if state.status == "published" {
            published = state.published_url;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    let _ = server.await;
    let _ = background.await;
    let url = published.ok_or("the approved post was not published")?;
    println!("published {first} at {url}");
    Ok(())
}
