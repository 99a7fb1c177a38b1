//! Building and running the application: `Application::build(settings)`, `.port()`,
//! `.run_until_stopped(shutdown)`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, StatusCode};
use growth::{Engine, EngineBuilder};
use growth_core::blob::BlobStore;
use growth_core::domain::Platform;
use growth_core::generate::{ContentGenerator, GenerationConfig};
use growth_core::ingest::SourceIngestor;
use growth_core::jobs::WorkerConfig;
use growth_core::publish::PublishConfig;
use growth_core::quality::AiDetector;
use growth_core::vector::{Embedder, VectorStore};
use growth_core::{Clock, SystemClock};
use growth_llm::anthropic::ClaudeGenerator;
use growth_llm::offline::{ExtractiveGenerator, HashingEmbedder};
use growth_llm::openai::OpenAiEmbedder;
use growth_store::{Database, ObjectBlobStore, SqlVectorStore};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::{
    DetectionSettings, DetectorProvider, EmbeddingProvider, EmbeddingSettings, GenerationSettings, GeneratorProvider, IntegrationSettings,
    Settings, VectorProvider, VectorSettings,
};
use crate::middleware::rate_limit::RateLimits;
use crate::routes;
use crate::state::AppState;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be reached or migrated.
    #[error("{0}")]
    Database(growth_core::Error),
    /// The blob store could not be set up.
    #[error("{0}")]
    Blobs(growth_core::Error),
    /// The embedder or the vector store could not be set up, or they disagree with the stored
    /// vectors (dimension or model).
    #[error("{0}")]
    Vectors(growth_core::Error),
    /// The quality gates' configuration is invalid.
    #[error("quality configuration: {0}")]
    Quality(growth_core::Error),
    /// The generator is misconfigured.
    #[error("generation: {0}")]
    Generation(growth_core::Error),
    /// A platform integration is misconfigured.
    #[error("{0}")]
    Integration(growth_core::Error),
    /// The settings do not allow serving (a public bind without `auth.jwt_secret`).
    #[error("{0}")]
    Config(crate::config::ConfigError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Connects the database (migrating it when `migrate`), sets up blob storage, and builds the
/// engine from the settings: settings → [`growth::EngineBuilder`], nothing more.
pub async fn connect(settings: &Settings, clock: Arc<dyn Clock>, migrate: bool) -> Result<AppState, StartupError> {
    // `Debug` redacts every secret: the effective configuration can be read in the log.
    tracing::debug!(settings = ?settings, "configuration");
    let database = Database::connect(&settings.database_url, clock.clone()).await.map_err(StartupError::Database)?;
    if migrate {
        database.migrate().await.map_err(StartupError::Database)?;
    }
    let blobs: Arc<dyn BlobStore> = match &settings.blob_url {
        Some(url) => {
            let options: std::collections::BTreeMap<String, String> =
                settings.blob_options.iter().map(|(k, v)| (k.clone(), secrecy::ExposeSecret::expose_secret(v).to_owned())).collect();
            Arc::new(ObjectBlobStore::from_url(url, options).map_err(StartupError::Blobs)?)
        }
        None => Arc::new(ObjectBlobStore::local(settings.data_dir.join("blobs")).map_err(StartupError::Blobs)?),
    };
    tracing::info!(database = %settings.redacted_database_url(), backend = database.backend(), "database ready");
    let keys = Arc::new(crate::auth::Keys::from_settings(&settings.auth));
    let google = match &settings.auth.google {
        Some(g) => Some(Arc::new(crate::auth::GoogleVerifier::new(g).map_err(StartupError::Integration)?)),
        None => None,
    };
    let store = database.store();
    let embedder = embedder(&settings.embedding).map_err(StartupError::Vectors)?;
    let vectors = vector_store(&settings.vectors, &database, embedder.as_ref()).await.map_err(StartupError::Vectors)?;
    tracing::info!(model = embedder.model(), dimensions = embedder.dimensions(), "embeddings ready");
    let g = &settings.generation;
    let generation = GenerationConfig {
        concurrency: g.concurrency,
        max_rewrites: g.max_rewrites,
        plan: g.plan,
        voice: g.voice.clone(),
        cta: g.cta.clone(),
        prices: g.prices.clone(),
    };
    let seconds_per_round = match g.provider {
        GeneratorProvider::Extractive => 0,
        GeneratorProvider::Claude | GeneratorProvider::OpenaiCompatible => 45 * (1 + u64::from(g.max_rewrites.min(1))),
    };
    let p = &settings.publishing;
    let publishing = PublishConfig {
        interval_secs: p.interval_secs,
        batch: p.batch,
        concurrency: p.concurrency,
        max_attempts: p.max_attempts,
        lease_secs: p.lease_secs,
        publish_timeout_secs: p.publish_timeout_secs,
        settle_secs: p
            .settle_secs
            .iter()
            .map(|(name, secs)| Ok((name.parse::<Platform>()?, *secs)))
            .collect::<growth_core::Result<_>>()
            .map_err(StartupError::Integration)?,
        now_wait_ms: p.now_wait_ms,
        backoff_secs: p.backoff_secs,
        budgets: p
            .budgets
            .iter()
            .map(|(name, b)| Ok((name.parse::<Platform>()?, *b)))
            .collect::<growth_core::Result<_>>()
            .map_err(StartupError::Integration)?,
        lookup_budgets: p
            .lookup_budgets
            .iter()
            .map(|(name, b)| Ok((name.parse::<Platform>()?, *b)))
            .collect::<growth_core::Result<_>>()
            .map_err(StartupError::Integration)?,
    };
    let w = &settings.worker;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    let mut builder = Engine::builder()
        .store(store.clone())
        .clock(clock.clone())
        .blobs(blobs.clone())
        .embedder(embedder)
        .vectors(vectors)
        .generator(generator(g).map_err(StartupError::Generation)?)
        .generation(generation)
        .generation_estimate(seconds_per_round)
        .quality(settings.quality.clone())
        .learning(settings.learning.to_config())
        .apply_learned_rules(g.provider == GeneratorProvider::Extractive)
        .publishing(publishing)
        .worker(WorkerConfig { concurrency: w.concurrency, poll_interval_ms: w.poll_interval_ms, lease_secs: w.lease_secs })
        .timezone(settings.schedule.timezone.clone())
        .ingest_limits(settings.ingest.limits())
        .pdf(growth_core::ingest::pdf::PdfExtractor::new(settings.ingest.pdf_limits()).map_err(StartupError::Quality)?)
        .stale_sources_after(settings.ingest.stale_after())
        .outbox_dir(p.outbox_dir.clone().unwrap_or_else(|| settings.data_dir.join("outbox")))
        .instance(format!("{host}:{}", std::process::id()));
    if let Some(d) = detector(&settings.detection).map_err(StartupError::Quality)? {
        builder = builder.detector(d);
    }
    #[cfg(feature = "assemblyai")]
    if let Some(c) = &settings.integrations.assemblyai {
        builder = builder
            .transcriber(Arc::new(growth_adapters::assemblyai::AssemblyAiTranscriber::new(c.clone()).map_err(StartupError::Integration)?));
    }
    for i in ingestors(&settings.integrations).map_err(StartupError::Integration)? {
        builder = builder.ingestor(i);
    }
    builder = publishers(builder, settings).map_err(StartupError::Integration)?;
    builder = measure(builder, settings, store.clone()).map_err(StartupError::Integration)?;
    let review_changes = Arc::new(growth_core::review::ReviewChanges::new());
    if database.watch_review_changes(review_changes.clone()).is_some() {
        builder = builder.review_changes(review_changes);
    }
    builder = learning_model(builder, g).map_err(StartupError::Generation)?;
    let engine = builder.build().map_err(StartupError::Quality)?;
    Ok(AppState {
        engine,
        // One database read per user per second instead of one per request (see `CachedUsers`).
        users: Arc::new(crate::auth::CachedUsers::new(database.users(), Duration::from_secs(1))),
        auth: database.auth(),
        database,
        settings: Arc::new(settings.clone()),
        keys,
        google,
        passwords: crate::auth::Passwords::new(settings.auth.password_hash_concurrency),
        login_throttle: Arc::new(crate::auth::LoginThrottle::new(
            settings.auth.login_free_attempts,
            Duration::from_secs(settings.auth.login_backoff_secs),
            Duration::from_secs(settings.auth.login_backoff_max_secs),
        )),
        pending_cache: Arc::default(),
    })
}

/// The configured platform publishers, the Notion tracker and the alert webhook (a built-in
/// platform without an adapter publishes to the outbox).
fn publishers(mut builder: EngineBuilder, settings: &Settings) -> growth_core::Result<EngineBuilder> {
    let p = &settings.publishing;
    // A table whose feature is not built was refused by `Settings::validate`.
    #[cfg(feature = "linkedin")]
    if let Some(c) = &p.linkedin {
        builder = builder.publisher(Arc::new(growth_adapters::linkedin::LinkedInPublisher::new(c.clone())?));
    }
    #[cfg(feature = "customerio")]
    if let Some(c) = &p.customerio {
        builder = builder.publisher(Arc::new(growth_adapters::customerio::CustomerIoPublisher::new(c.clone())?));
    }
    #[cfg(feature = "webflow")]
    if let Some(c) = &p.webflow {
        builder = builder.publisher(Arc::new(growth_adapters::webflow::WebflowPublisher::new(c.clone())?));
    }
    #[cfg(feature = "notion")]
    if let Some(c) = &p.notion {
        builder = builder.tracker(Arc::new(growth_adapters::notion::NotionPublisher::new(c.clone())?));
    }
    if let Some(url) = &p.alert_webhook_url {
        builder = builder.alert(Arc::new(growth_adapters::alert::WebhookAlert::new(url.clone())));
    }
    Ok(builder)
}

/// The measure stage: its settings, the metrics sources configured, and the alert webhook.
fn measure(
    mut builder: EngineBuilder,
    settings: &Settings,
    store: Arc<dyn growth_core::store::Store>,
) -> growth_core::Result<EngineBuilder> {
    let a = &settings.analytics;
    builder = builder.measure(a.measure_config()).metrics_sync_schedule(a.sync_schedule.clone());
    if a.linkedin_metrics {
        let Some(c) = &settings.publishing.linkedin else {
            return Err(growth_core::Error::Config("analytics.linkedin_metrics needs [publishing.linkedin]".into()));
        };
        #[cfg(not(feature = "linkedin"))]
        let _ = (c, store);
        #[cfg(feature = "linkedin")]
        {
            // The adapter takes its calls from this budget itself (per member and per app); the
            // counters live in the database, so every worker of every instance shares them.
            let limits = a
                .linkedin_daily_calls
                .map(|n| {
                    std::collections::HashMap::from([(
                        Platform::LINKEDIN,
                        growth_core::measure::DailyLimit { per_platform: Some(n), per_account: None },
                    )])
                })
                .unwrap_or_default();
            let budget = Arc::new(growth_core::measure::StoreCallBudget::new(store, Arc::new(growth_core::SystemClock), limits));
            builder = builder.metrics_source(Arc::new(growth_adapters::linkedin::LinkedInMetrics::new(c.clone(), budget)?));
        }
    }
    if let Some(url) = &settings.publishing.alert_webhook_url {
        builder = builder.measure_alert(Arc::new(growth_adapters::alert::WebhookAlert::new(url.clone())));
    }
    // New leads are enriched in a job (n8n) and get their RightMessage segment from Customer.io.
    #[cfg(feature = "n8n")]
    if let Some(n8n) = &a.n8n {
        builder = builder.lead_enricher(Arc::new(growth_adapters::n8n::N8nEnricher::new(n8n)?));
    }
    #[cfg(feature = "customerio")]
    if let Some(cio) = &settings.publishing.customerio {
        let reader = growth_adapters::customerio::CustomerIoSegments::new(cio, Some(&a.segment_attribute))?;
        builder = builder.segment_reader(Arc::new(reader));
    }
    Ok(builder)
}

/// The configured vector store, checked against the embedder: the embedded one refuses a
/// database whose vectors have another dimension or model; Pinecone's index is asked its dimension.
async fn vector_store(
    settings: &VectorSettings,
    database: &Database,
    embedder: &dyn Embedder,
) -> growth_core::Result<Arc<dyn VectorStore>> {
    match (settings.provider, &settings.pinecone) {
        #[cfg(feature = "pinecone")]
        (VectorProvider::Pinecone, Some(c)) => {
            let store = growth_adapters::pinecone::PineconeVectorStore::new(c.clone())?;
            store.check_dimensions().await?;
            Ok(Arc::new(store))
        }
        #[cfg(not(feature = "pinecone"))]
        (VectorProvider::Pinecone, Some(_)) => {
            Err(growth_core::Error::Config("this binary was built without the `pinecone` feature".into()))
        }
        (VectorProvider::Pinecone, None) => {
            Err(growth_core::Error::Config("vectors.provider is \"pinecone\" but [vectors.pinecone] is not set".into()))
        }
        (VectorProvider::Embedded, _) => Ok(Arc::new(SqlVectorStore::open(database, embedder.dimensions(), embedder.model()).await?)),
    }
}

/// The external AI detector the `ai_likeness` gate asks, when one is configured.
fn detector(settings: &DetectionSettings) -> growth_core::Result<Option<Arc<dyn AiDetector>>> {
    Ok(match settings.provider {
        DetectorProvider::Stylometric => None,
        DetectorProvider::Gptzero => {
            let c = settings.gptzero.clone().ok_or_else(|| growth_core::Error::Config("[detection.gptzero] is not set".into()))?;
            #[cfg(not(feature = "gptzero"))]
            return Err(growth_core::Error::Config(format!("{c:?}: built without the `gptzero` feature")));
            #[cfg(feature = "gptzero")]
            Some(Arc::new(growth_adapters::gptzero::GptZeroDetector::new(c)?))
        }
        DetectorProvider::Originality => {
            let c = settings.originality.clone().ok_or_else(|| growth_core::Error::Config("[detection.originality] is not set".into()))?;
            #[cfg(not(feature = "originality"))]
            return Err(growth_core::Error::Config(format!("{c:?}: built without the `originality` feature")));
            #[cfg(feature = "originality")]
            Some(Arc::new(growth_adapters::originality::OriginalityDetector::new(c)?))
        }
    })
}

/// With Claude configured, learning uses it too: preferences are inferred from edits (CIPHER) and
/// calls are read for ICP profiles as strict JSON. Offline (and with an OpenAI-compatible
/// server), edits teach rules only and calls are read by the offline extractor.
fn learning_model(builder: EngineBuilder, settings: &GenerationSettings) -> growth_core::Result<EngineBuilder> {
    let (GeneratorProvider::Claude, Some(config)) = (settings.provider, &settings.claude) else { return Ok(builder) };
    let claude = Arc::new(ClaudeGenerator::new(config.clone())?);
    Ok(builder
        .preference_inferer(Arc::new(growth_llm::learning::LlmPreferenceInferer::claude(claude.clone())))
        .icp_extractor(Arc::new(growth_llm::learning::LlmIcpExtractor::claude(claude))))
}

/// The configured generator: the offline extractive one, or Claude.
pub fn generator(settings: &GenerationSettings) -> growth_core::Result<Arc<dyn ContentGenerator>> {
    let missing = |table: &str| growth_core::Error::Config(format!("generation.provider needs [generation.{table}], which is not set"));
    Ok(match settings.provider {
        GeneratorProvider::Claude => Arc::new(ClaudeGenerator::new(settings.claude.clone().ok_or_else(|| missing("claude"))?)?),
        GeneratorProvider::OpenaiCompatible => Arc::new(growth_llm::openai_compat::OpenAiCompatGenerator::new(
            settings.openai_compatible.clone().ok_or_else(|| missing("openai_compatible"))?,
        )?),
        GeneratorProvider::Extractive => {
            let mut config = settings.extractive.clone();
            if let Some(cta) = &settings.cta {
                config.cta = cta.clone();
            }
            Arc::new(ExtractiveGenerator::new(config)?)
        }
    })
}

/// The configured embedder: the offline hashing one, or OpenAI.
fn embedder(settings: &EmbeddingSettings) -> growth_core::Result<Arc<dyn Embedder>> {
    Ok(match (settings.provider, &settings.openai) {
        (EmbeddingProvider::Openai, Some(c)) => Arc::new(OpenAiEmbedder::new(c.clone())?),
        (EmbeddingProvider::Openai, None) => {
            return Err(growth_core::Error::Config("embedding.provider is \"openai\" but [embedding.openai] is not set".into()));
        }
        (EmbeddingProvider::Hashing, _) => Arc::new(HashingEmbedder::new(settings.dimensions)?),
    })
}

/// The platform ingestors configured in `integrations`.
#[cfg_attr(not(any(feature = "riverside", feature = "grain", feature = "gemini")), allow(unused_mut, unused_variables))]
fn ingestors(settings: &IntegrationSettings) -> growth_core::Result<Vec<Arc<dyn SourceIngestor>>> {
    let mut out: Vec<Arc<dyn SourceIngestor>> = Vec::new();
    #[cfg(feature = "riverside")]
    if let Some(c) = &settings.riverside {
        out.push(Arc::new(growth_adapters::riverside::RiversideIngestor::new(c.clone())?));
    }
    #[cfg(feature = "grain")]
    if let Some(c) = &settings.grain {
        out.push(Arc::new(growth_adapters::grain::GrainIngestor::new(c.clone())?));
    }
    #[cfg(feature = "gemini")]
    if let Some(c) = &settings.gemini {
        out.push(Arc::new(growth_adapters::gemini::GeminiIngestor::new(c.clone())?));
    }
    Ok(out)
}

/// The router with its middleware, outermost first: request ids, tracing (webhook tokens redacted
/// from the logged path), problem+json for framework errors (413, 408, 405, panics), panic
/// safety, timeouts, CORS (`http.cors_origins`), metrics, rate limits (body limits are per route
/// group, see [`routes::router`]).
///
/// Per-IP limits need the peer address: serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` (as [`Application`] does); without it
/// every caller shares the address `unknown`.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let http = state.settings.http.clone();
    crate::middleware::metrics::handle();
    let limits = RateLimits::new(&http, state.keys.clone());
    let problem_limits = crate::middleware::problems::Limits {
        body: http.body_limit_bytes,
        upload: http.upload_limit_bytes,
        timeout_secs: http.request_timeout_secs,
    };
    let mut router = routes::router(state);
    if !limits.is_off() {
        router = router.layer(axum::middleware::from_fn_with_state(limits, crate::middleware::rate_limit::limit));
    }
    router = router.layer(axum::middleware::from_fn(crate::middleware::metrics::track));
    if let Some(cors) = crate::middleware::cors::layer(&http.cors_origins) {
        router = router.layer(cors);
    }
    // These layers wrap the whole router as one service (`Router::layer` alone would wrap each
    // route: a 405 gets its `Allow` header after such a layer has seen it).
    Router::new().fallback_service(router).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                let path = crate::middleware::redact_path(req.uri().path());
                tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
            }))
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(axum::middleware::from_fn_with_state(problem_limits, crate::middleware::problems::problems))
            .layer(CatchPanicLayer::custom(crate::middleware::problems::panic_response))
            .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(http.request_timeout_secs))),
    )
}

/// A built, bound application.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// The engine whose background work (jobs, publishing) runs in this process, if any.
    worker: Option<growth::Engine>,
}

impl Application {
    /// Connects, migrates (when configured), sets up storage and binds the listener. Refuses a
    /// listener reachable from other machines without `auth.jwt_secret`.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`Application::build`] with an injected clock.
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        settings.check_serving().map_err(StartupError::Config)?;
        if settings.auth.jwt_secret.is_none() {
            tracing::warn!("auth.jwt_secret is not set: using a random key; every session ends when the server restarts");
        }
        let state = connect(&settings, clock, settings.auto_migrate).await?;
        let worker = Some(state.engine.clone());
        let listener = TcpListener::bind(settings.bind).await.map_err(|source| StartupError::Bind { addr: settings.bind, source })?;
        Ok(Self { listener, state, worker })
    }

    /// Serve the API only, without the in-process worker.
    pub fn without_worker(mut self) -> Self {
        self.worker = None;
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

    /// Serves until `shutdown` is cancelled, then drains requests and stops the worker within
    /// `http.shutdown_grace_secs` (whatever is still running then is dropped: an upload being
    /// parsed stops, a job's lease lapses and another worker takes it), and closes the database.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> std::io::Result<()> {
        let addr = self.listener.local_addr()?;
        tracing::info!(%addr, "listening on http://{addr}");
        let grace = Duration::from_secs(self.state.settings.http.shutdown_grace_secs);
        let mut worker = self.worker.map(|engine| {
            let stop = shutdown.clone();
            tokio::spawn(async move { engine.run(stop).await })
        });
        let stop = shutdown.clone();
        let serve = axum::serve(self.listener, app(self.state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(async move { stop.cancelled().await });
        let mut serve = tokio::spawn(serve.into_future());
        let finished = tokio::select! {
            r = &mut serve => Some(r),
            () = shutdown.cancelled() => None,
        };
        let deadline = tokio::time::Instant::now() + grace;
        shutdown.cancel();
        let served = match finished {
            Some(r) => r,
            None => match tokio::time::timeout_at(deadline, &mut serve).await {
                Ok(r) => r,
                Err(_) => {
                    tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period; stopping them");
                    serve.abort();
                    Ok(Ok(()))
                }
            },
        };
        if let Some(w) = worker.as_mut()
            && tokio::time::timeout_at(deadline, &mut *w).await.is_err()
        {
            tracing::warn!(grace_secs = grace.as_secs(), "jobs still running after the grace period; their leases will lapse");
            w.abort();
        }
        if tokio::time::timeout(Duration::from_secs(2), self.state.database.close()).await.is_err() {
            tracing::warn!("the database did not close within 2 s");
        }
        tracing::info!("stopped");
        served.unwrap_or_else(|e| Err(std::io::Error::other(e)))
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
