//! Building and running the application: `Application::build(settings)`, `.port()`,
//! `.run_until_stopped(shutdown)`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, StatusCode};
use growth_core::blob::BlobStore;
use growth_core::{Clock, SystemClock};
use growth_store::{Database, ObjectBlobStore};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::routes;
use crate::state::AppState;
use crate::worker::Worker;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be reached or migrated.
    #[error("{0}")]
    Database(growth_core::Error),
    /// The blob store could not be set up.
    #[error("{0}")]
    Blobs(growth_core::Error),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Connects the database (migrating it when `migrate`), and sets up blob storage.
pub async fn connect(settings: &Settings, clock: Arc<dyn Clock>, migrate: bool) -> Result<AppState, StartupError> {
    let database = Database::connect(&settings.database_url, clock.clone()).await.map_err(StartupError::Database)?;
    if migrate {
        database.migrate().await.map_err(StartupError::Database)?;
    }
    let blobs: Arc<dyn BlobStore> = match &settings.blob_url {
        Some(url) => Arc::new(ObjectBlobStore::from_url(url, settings.blob_options.clone()).map_err(StartupError::Blobs)?),
        None => Arc::new(ObjectBlobStore::local(settings.data_dir.join("blobs")).map_err(StartupError::Blobs)?),
    };
    tracing::info!(database = %settings.redacted_database_url(), backend = database.backend(), "database ready");
    let keys = Arc::new(crate::auth::Keys::from_settings(&settings.auth));
    Ok(AppState { store: database.store(), database, blobs, clock, settings: Arc::new(settings.clone()), keys })
}

/// The worker with every handler this build has.
pub fn worker(state: &AppState) -> Worker {
    let ingest = growth_core::sources::SourceIngest::new(state.store.clone(), state.blobs.clone(), None);
    Worker::new(state.store.clone(), state.clock.clone(), state.settings.worker.clone())
        .register(Arc::new(crate::worker::IngestSourceHandler::new(ingest, Vec::new())))
}

/// The router with its middleware: request ids, tracing, panic safety, timeouts, body limits.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let http = state.settings.http.clone();
    routes::router(state).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }))
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(CatchPanicLayer::new())
            .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(http.request_timeout_secs)))
            .layer(RequestBodyLimitLayer::new(http.body_limit_bytes)),
    )
}

/// A built, bound application.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
    with_worker: bool,
}

impl Application {
    /// Connects, migrates (when configured), sets up storage and binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`Application::build`] with an injected clock.
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let state = connect(&settings, clock, settings.auto_migrate).await?;
        let listener = TcpListener::bind(settings.bind).await.map_err(|source| StartupError::Bind { addr: settings.bind, source })?;
        Ok(Self { listener, state, with_worker: true })
    }

    /// Serve the API only, without the in-process worker.
    pub fn without_worker(mut self) -> Self {
        self.with_worker = false;
        self
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The application state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` is cancelled, then drains requests, stops the worker and closes
    /// the database.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> std::io::Result<()> {
        let addr = self.listener.local_addr()?;
        tracing::info!(%addr, "listening on http://{addr}");
        let worker = self.with_worker.then(|| tokio::spawn(worker(&self.state).run(shutdown.clone())));
        let stop = shutdown.clone();
        let served =
            axum::serve(self.listener, app(self.state.clone())).with_graceful_shutdown(async move { stop.cancelled().await }).await;
        shutdown.cancel();
        if let Some(w) = worker {
            let _ = w.await;
        }
        self.state.database.close().await;
        tracing::info!("stopped");
        served
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received; shutting down"),
        _ = term => tracing::info!("SIGTERM received; shutting down"),
    }
}
