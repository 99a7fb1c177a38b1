//! Settings: defaults → configuration file → `GROWTH_*` environment variables (highest wins).
//!
//! | key | env | default |
//! |---|---|---|
//! | `database_url` | `GROWTH_DATABASE_URL` | `sqlite://growth.db` |
//! | `bind` | `GROWTH_BIND` | `127.0.0.1:8080` |
//! | `data_dir` | `GROWTH_DATA_DIR` | `./growth-data` (blobs, outbox) |
//! | `blob_url` | `GROWTH_BLOB_URL` | unset: files under `data_dir/blobs`; `s3://bucket/prefix` for S3 |
//! | `blob_options.*` | `GROWTH_BLOB_OPTIONS__AWS_REGION` … | none; every value is kept as a secret |
//! | `log_format` | `GROWTH_LOG_FORMAT` | `pretty` (`json` for machines) |
//! | `log_level` | `GROWTH_LOG_LEVEL` | `info` (`RUST_LOG` overrides) |
//! | `auto_migrate` | `GROWTH_AUTO_MIGRATE` | `true` (`serve` migrates on start) |
//! | `worker.concurrency` | `GROWTH_WORKER__CONCURRENCY` | `4` |
//! | `worker.poll_interval_ms` | `GROWTH_WORKER__POLL_INTERVAL_MS` | `1000` |
//! | `worker.lease_secs` | `GROWTH_WORKER__LEASE_SECS` | `60` |
//! | `http.body_limit_bytes` | `GROWTH_HTTP__BODY_LIMIT_BYTES` | `2097152` |
//! | `http.request_timeout_secs` | `GROWTH_HTTP__REQUEST_TIMEOUT_SECS` | `30` |
//! | `quality.*` | `GROWTH_QUALITY__…` | the built-in gates' defaults (`ai_likeness_threshold` 0.5 …) |
//! | `auth.jwt_secret` | `GROWTH_AUTH__JWT_SECRET` | unset: a random key per start (sessions end on restart); required to `serve` on a non-loopback `bind` |
//! | `auth.access_ttl_secs` / `auth.refresh_ttl_secs` | `GROWTH_AUTH__…` | 900 / 2592000 |
//! | `auth.invite_ttl_secs` | `GROWTH_AUTH__INVITE_TTL_SECS` | `604800` (an invite token works for 7 days, once) |
//! | `auth.session_max_secs` | `GROWTH_AUTH__SESSION_MAX_SECS` | `7776000` (a sign-in ends after 90 days however often it was refreshed) |
//! | `auth.login_free_attempts` / `login_backoff_secs` / `login_backoff_max_secs` | `GROWTH_AUTH__…` | `5` / `1` / `900`: failed sign-ins per email before an exponential back-off (429 with `Retry-After`) |
//! | `auth.password_hash_concurrency` | `GROWTH_AUTH__PASSWORD_HASH_CONCURRENCY` | `4` argon2 hashes at once |
//! | `auth.admin_emails` | (file only: a list) | empty: a Google sign-in from one of these emails creates an admin (its `hd` must be an allowed domain) |
//! | `auth.google.client_ids` | (file only: a list) | unset `[auth.google]`: Google sign-in answers 501; the accepted `aud` values |
//! | `auth.google.jwks_url` | `GROWTH_AUTH__GOOGLE__JWKS_URL` | `https://www.googleapis.com/oauth2/v3/certs` |
//! | `auth.google.allowed_domains` | (file only: a list) | empty: an unknown Google user whose ID token's `hd` (Workspace domain) is listed is created as a viewer |
//! | `webhooks.grain_token` | `GROWTH_WEBHOOKS__GRAIN_TOKEN` | unset: `/webhooks/grain` refuses everything |
//! | `webhooks.grain_tokens` | `GROWTH_WEBHOOKS__GRAIN_TOKENS` (comma-separated) | empty; more accepted tokens during a rotation |
//! | `webhooks.riverside_token` / `riverside_tokens` | `GROWTH_WEBHOOKS__RIVERSIDE_TOKEN` … | unset: `/webhooks/riverside` refuses everything |
//! | `webhooks.signature_tolerance_secs` / `require_signature` | `GROWTH_WEBHOOKS__…` | `300` / `false` (see [`WebhookSettings`]) |
//! | `http.upload_limit_bytes` | `GROWTH_HTTP__UPLOAD_LIMIT_BYTES` | `268435456` (256 MiB, multipart `POST /sources` only) |
//! | `http.shutdown_grace_secs` | `GROWTH_HTTP__SHUTDOWN_GRACE_SECS` | `10`: after SIGTERM/Ctrl-C, requests and jobs in flight get this long, then the process exits anyway |
//! | `ingest.max_transcript_bytes` | `GROWTH_INGEST__MAX_TRANSCRIPT_BYTES` | `10485760` (10 MiB): a bigger transcript or pasted text is a 413 naming the setting |
//! | `ingest.max_audio_bytes` / `pdf_max_bytes` | `GROWTH_INGEST__…` | 1 GiB / 25 MiB (413 beyond) |
//! | `ingest.pdf_timeout_secs` / `pdf_max_concurrent` | `GROWTH_INGEST__…` | `60` / `2`: PDF text is extracted in a child process within these |
//! | `ingest.stale_after_minutes` | `GROWTH_INGEST__STALE_AFTER_MINUTES` | `180`: a source `processing` longer is marked `failed` by the sweep (upload it again to resume) |
//! | `http.cors_origins` | (file only: a list) | empty: no CORS headers; `["*"]` any origin (without credentials) |
//! | `http.trusted_proxies` | `GROWTH_HTTP__TRUSTED_PROXIES` (comma-separated CIDRs) | empty: `X-Forwarded-For` is ignored, the TCP peer is the client |
//! | `http.rate_limit_per_ip` / `rate_limit_per_ip_burst` | `GROWTH_HTTP__RATE_LIMIT_PER_IP` … | `120` / `30`: per peer IP, per minute, on `/auth/*` and `/webhooks/*`; `0` = off |
//! | `http.rate_limit_per_user` / `rate_limit_per_user_burst` | `GROWTH_HTTP__RATE_LIMIT_PER_USER` … | `600` / `100`: per bearer subject (else IP), per minute, on the other routes; `0` = off |
//! | `embedding.provider` | `GROWTH_EMBEDDING__PROVIDER` | `hashing` (offline); `openai` needs `[embedding.openai]` |
//! | `embedding.dimensions` | `GROWTH_EMBEDDING__DIMENSIONS` | `1536` (hashing embedder) |
//! | `embedding.openai.*` | `GROWTH_EMBEDDING__OPENAI__API_KEY` … | unset (see `growth_llm::openai::OpenAiConfig`) |
//! | `integrations.assemblyai.*` | `GROWTH_INTEGRATIONS__ASSEMBLYAI__API_KEY` … | unset: audio uploads fail with a reason |
//! | `integrations.riverside.*` | `GROWTH_INTEGRATIONS__RIVERSIDE__API_KEY` … | unset: Riverside recordings without an inline transcript fail |
//! | `integrations.grain.*` | `GROWTH_INTEGRATIONS__GRAIN__TOKEN` … | unset: Grain recordings cannot be fetched |
//! | `vectors.provider` | `GROWTH_VECTORS__PROVIDER` | `embedded` (in the database); `pinecone` needs `[vectors.pinecone]` |
//! | `detection.provider` | `GROWTH_DETECTION__PROVIDER` | `stylometric` (offline); `gptzero` / `originality` need `[detection.<name>]` `api_key` |
//! | `generation.provider` | `GROWTH_GENERATION__PROVIDER` | `extractive` (offline); `claude` needs `[generation.claude]` `api_key`, `model` |
//! | `generation.concurrency` / `max_rewrites` / `cta` / `plan.*` / `voice.*` / `prices.*` | `GROWTH_GENERATION__…` | 11 / 3 / none / 7+1+1+1+1 / PRD §4.2 / none |
//! | `schedule.timezone` | `GROWTH_SCHEDULE__TIMEZONE` | `America/New_York` (smart distribution's zone) |
//! | `publishing.interval_secs` / `batch` / `concurrency` / `max_attempts` / `lease_secs` | `GROWTH_PUBLISHING__…` | 60 / 100 / 8 / 5 / 120 |
//! | `publishing.publish_timeout_secs` (lease must be ≥ it + 10) / `now_wait_ms` / `settle_secs.<platform>` | `GROWTH_PUBLISHING__…` | 90 / 2000 / linkedin 60, customer_io 120 |
//! | `publishing.alert_webhook_url` | `GROWTH_PUBLISHING__ALERT_WEBHOOK_URL` | unset (failures are logged only); a secret, never logged |
//! | `publishing.linkedin` / `customerio` / `webflow` / `notion` | `GROWTH_PUBLISHING__LINKEDIN__…` | unset: that platform publishes to the outbox (`data_dir/outbox`); Notion tracking off |
//! | `learning.min_support` / `min_confidence` / `lookback_days` | `GROWTH_LEARNING__…` | `3` / `0.8` / `90`: a reviewer pattern seen in 3 saves of the last 90 days becomes a proposed rule |
//! | `learning.mine_cron` / `icp_cron` / `best_time_cron` | `GROWTH_LEARNING__MINE_CRON` … | `0 3 * * MON` (weekly) / `0 4 * * *` / `30 4 * * *` (daily); empty = off |
//! | `learning.host_speakers` / `objection_similarity` | `GROWTH_LEARNING__…` | inferred / `0.5` |
//! | `analytics.sync_window_days` / `sync_schedule` | `GROWTH_ANALYTICS__…` | `30` / `0 * * * *` (hourly, UTC) |
//! | `analytics.manual_minutes.<type>` / `default_manual_minutes` | `GROWTH_ANALYTICS__…` | none / `10` (time-saved estimate) |
//! | `analytics.attribution_model` | `GROWTH_ANALYTICS__ATTRIBUTION_MODEL` | `last_touch` (`first_touch`, `linear`) |
//! | `analytics.leads_token` | `GROWTH_ANALYTICS__LEADS_TOKEN` | unset: only approvers post to `/leads` |
//! | `analytics.customerio_signing_key` / `customerio_tolerance_secs` | `GROWTH_ANALYTICS__…` | unset (`/webhooks/customerio` refuses everything) / `300` |
//! | `analytics.linkedin_metrics` / `linkedin_daily_calls` | `GROWTH_ANALYTICS__…` | `false` / unset: sync LinkedIn numbers with `[publishing.linkedin]` |
//! | `analytics.n8n.webhook_url` / `header_name` / `header_value` / `timeout_ms` | `GROWTH_ANALYTICS__N8N__…` | unset: no lead enrichment / `10000`; the header value is a secret |
//! | `analytics.segment_attribute` | `GROWTH_ANALYTICS__SEGMENT_ATTRIBUTE` | `rm_segment`: the RightMessage segment, read from Customer.io person attributes when `[publishing.customerio]` is set |
//! | `integrations.gemini.*` | `GROWTH_INTEGRATIONS__GEMINI__ACCESS_TOKEN` … | unset: Google Meet records cannot be fetched |
//!
//! The file is `--config <path>` (or `GROWTH_CONFIG`); without one, `./growth.toml` is read if it
//! exists. Nested keys use `__` in environment variables.
//!
//! One module per table (`[http]`, `[auth]`, `[generation]` …); [`Settings`] holds them all and
//! loads and checks the whole.

mod adapters;
mod analytics;
mod auth;
mod detection;
mod generation;
mod http;
mod ingest;
mod integrations;
mod learning;
mod publishing;
mod retrieval;
mod telemetry;
mod template;
mod worker;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use adapters::{
    AssemblyAiSettings, CustomerIoSettings, GeminiSettings, GptZeroSettings, GrainSettings, LinkedInSettings, N8nSettings, NotBuilt,
    NotionSettings, OriginalitySettings, PineconeSettings, RiversideSettings, WebflowSettings,
};
pub use analytics::AnalyticsSettings;
pub use auth::{AuthSettings, GOOGLE_JWKS_URL, GoogleSettings};
pub use detection::{DetectionSettings, DetectorProvider};
pub use generation::{GenerationSettings, GeneratorProvider};
pub use http::HttpSettings;
pub use ingest::IngestSettings;
pub use integrations::{IntegrationSettings, WebhookSettings};
pub use learning::LearningSettings;
pub use publishing::{PublishingSettings, ScheduleSettings};
pub use retrieval::{EmbeddingProvider, EmbeddingSettings, VectorProvider, VectorSettings};
pub use telemetry::TelemetrySettings;
pub use template::commented_toml;
pub use worker::WorkerSettings;

/// Keys whose environment variables are comma-separated lists.
const LIST_KEYS: [&str; 4] = ["webhooks.grain_tokens", "webhooks.riverside_tokens", "http.trusted_proxies", "learning.host_speakers"];

/// How logs are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Everything the server reads from configuration.
///
/// `Debug` shows the whole configuration with its secrets redacted: the database URL's password,
/// the blob store's options, the JWT key, webhook tokens, the alert URL and every API key (those
/// are `SecretString`s), so the effective settings can be logged at start-up.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://path`, a path, `:memory:`, or `postgres://…` (its password is redacted in `Debug`
    /// and in logs).
    pub database_url: String,
    /// Address the API listens on.
    pub bind: SocketAddr,
    /// Where files are kept.
    pub data_dir: PathBuf,
    /// Blob store URL; files under `data_dir/blobs` when unset.
    pub blob_url: Option<String>,
    /// Options for the blob store backend (`aws_region`, `aws_secret_access_key` …); secrets
    /// among them, so every value is kept as one.
    pub blob_options: BTreeMap<String, secrecy::SecretString>,
    /// Log format.
    pub log_format: LogFormat,
    /// Log level filter (`info`, `growth=debug,sqlx=warn` …).
    pub log_level: String,
    /// Whether `serve` applies migrations on start.
    pub auto_migrate: bool,
    /// Worker settings.
    pub worker: WorkerSettings,
    /// HTTP limits.
    pub http: HttpSettings,
    /// Upload limits by kind, PDF limits, the stale-source sweep.
    pub ingest: IngestSettings,
    /// Inbound webhook secrets.
    pub webhooks: WebhookSettings,
    /// Sign-in and sessions.
    pub auth: AuthSettings,
    /// Quality gate tolerances and thresholds (`[quality]` table; see `growth_core::quality::QualityConfig`).
    pub quality: growth_core::quality::QualityConfig,
    /// Embeddings.
    pub embedding: EmbeddingSettings,
    /// Source platforms and transcription.
    pub integrations: IntegrationSettings,
    /// The vector store.
    pub vectors: VectorSettings,
    /// The AI-likeness detector.
    pub detection: DetectionSettings,
    /// Content generation.
    pub generation: GenerationSettings,
    /// Scheduling.
    pub schedule: ScheduleSettings,
    /// Publishing.
    pub publishing: PublishingSettings,
    /// Edit learning and ICP extraction.
    pub learning: LearningSettings,
    /// Analytics: metrics sync, attribution, lead and Customer.io webhooks.
    pub analytics: AnalyticsSettings,
    /// Trace export over OTLP (the `otlp` feature).
    pub telemetry: TelemetrySettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://growth.db".into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("growth-data"),
            blob_url: None,
            blob_options: BTreeMap::new(),
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            auto_migrate: true,
            worker: WorkerSettings::default(),
            http: HttpSettings::default(),
            ingest: IngestSettings::default(),
            webhooks: WebhookSettings::default(),
            quality: growth_core::quality::QualityConfig::default(),
            auth: AuthSettings::default(),
            embedding: EmbeddingSettings::default(),
            integrations: IntegrationSettings::default(),
            vectors: VectorSettings::default(),
            detection: DetectionSettings::default(),
            generation: GenerationSettings::default(),
            schedule: ScheduleSettings::default(),
            publishing: PublishingSettings::default(),
            learning: LearningSettings::default(),
            analytics: AnalyticsSettings::default(),
            telemetry: TelemetrySettings::default(),
        }
    }
}

impl std::fmt::Debug for Settings {
    /// Every field, secrets redacted (a field added later and not listed here is left out, never
    /// shown raw).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &self.redacted_database_url())
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("blob_url", &self.blob_url.as_deref().map(redacted_url))
            .field("blob_options", &self.blob_options.keys().collect::<Vec<_>>())
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("auto_migrate", &self.auto_migrate)
            .field("worker", &self.worker)
            .field("http", &self.http)
            .field("ingest", &self.ingest)
            .field("webhooks", &self.webhooks)
            .field("auth", &self.auth)
            .field("quality", &self.quality)
            .field("embedding", &self.embedding)
            .field("integrations", &self.integrations)
            .field("vectors", &self.vectors)
            .field("detection", &self.detection)
            .field("generation", &self.generation)
            .field("schedule", &self.schedule)
            .field("publishing", &self.publishing)
            .field("learning", &self.learning)
            .field("analytics", &self.analytics)
            .field("telemetry", &self.telemetry)
            .finish()
    }
}

/// `url` with any password replaced by `***` (unparseable input is shown as is: it has no
/// `user:password@` part a URL parser would recognise either).
fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Configuration that cannot be read or makes no sense.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Layers the defaults, the file (explicit, or `./growth.toml` if present) and `env`
    /// (the process environment, passed in so tests control it).
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut b = config::Config::builder();
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError(format!("file {} does not exist", path.display())));
                }
                b = b.add_source(config::File::from(path).format(config::FileFormat::Toml));
            }
            None => b = b.add_source(config::File::with_name("growth.toml").format(config::FileFormat::Toml).required(false)),
        }
        let env: std::collections::HashMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| {
                k.starts_with("GROWTH_") && k != "GROWTH_CONFIG" && !k.starts_with("GROWTH_TEST_") && k != "GROWTH_REQUIRE_POSTGRES"
            })
            .collect();
        let mut environment = config::Environment::with_prefix("GROWTH").prefix_separator("_").separator("__").try_parsing(true);
        // Lists that are secrets or deployment facts come from the environment comma-separated.
        environment = environment.list_separator(",");
        for key in LIST_KEYS {
            environment = environment.with_list_parse_key(key);
        }
        b = b.add_source(environment.source(Some(env)));
        let s: Settings = b.build().and_then(|c| c.try_deserialize()).map_err(|e| ConfigError(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.database_url.trim().is_empty() {
            return Err(ConfigError("database_url is empty".into()));
        }
        if self.ingest.max_transcript_bytes == 0 || self.ingest.pdf_max_bytes == 0 || self.ingest.pdf_max_concurrent == 0 {
            return Err(ConfigError("ingest.max_transcript_bytes, pdf_max_bytes and pdf_max_concurrent must be above 0".into()));
        }
        if self.ingest.stale_after_minutes == 0 {
            return Err(ConfigError("ingest.stale_after_minutes must be at least 1".into()));
        }
        if self.worker.concurrency == 0 || self.worker.lease_secs < 3 {
            return Err(ConfigError("worker.concurrency must be ≥ 1 and worker.lease_secs ≥ 3".into()));
        }
        if let Some(k) = &self.auth.jwt_secret
            && secrecy::ExposeSecret::expose_secret(k).len() < 32
        {
            return Err(ConfigError("auth.jwt_secret must be at least 32 bytes".into()));
        }
        if self.auth.access_ttl_secs == 0 || self.auth.refresh_ttl_secs <= self.auth.access_ttl_secs {
            return Err(ConfigError("auth.refresh_ttl_secs must exceed auth.access_ttl_secs, which must be positive".into()));
        }
        if self.auth.session_max_secs <= self.auth.access_ttl_secs {
            return Err(ConfigError("auth.session_max_secs must exceed auth.access_ttl_secs".into()));
        }
        if self.auth.password_hash_concurrency == 0 || self.auth.login_backoff_secs == 0 {
            return Err(ConfigError("auth.password_hash_concurrency and auth.login_backoff_secs must be positive".into()));
        }
        if self.auth.login_backoff_max_secs < self.auth.login_backoff_secs {
            return Err(ConfigError("auth.login_backoff_max_secs must be at least auth.login_backoff_secs".into()));
        }
        for proxy in &self.http.trusted_proxies {
            proxy.parse::<crate::middleware::client_ip::IpNet>().map_err(|e| ConfigError(format!("http.trusted_proxies: {e}")))?;
        }
        if self.webhooks.signature_tolerance_secs == 0 {
            return Err(ConfigError("webhooks.signature_tolerance_secs must be positive".into()));
        }
        if self.auth.invite_ttl_secs == 0 {
            return Err(ConfigError("auth.invite_ttl_secs must be positive".into()));
        }
        if let Some(g) = &self.auth.google {
            if g.client_ids.iter().all(|c| c.trim().is_empty()) {
                return Err(ConfigError("[auth.google] needs client_ids (the OAuth client ids whose ID tokens are accepted)".into()));
            }
            if url::Url::parse(&g.jwks_url).is_err() {
                return Err(ConfigError(format!("auth.google.jwks_url `{}` is not a URL", g.jwks_url)));
            }
            if !self.auth.admin_emails.is_empty() && g.allowed_domains.iter().all(|d| d.trim().is_empty()) {
                return Err(ConfigError(
                    "auth.admin_emails become admins only when their Google ID token's `hd` (Workspace domain) is one of \
                     auth.google.allowed_domains, which is empty"
                        .into(),
                ));
            }
        }
        if self.embedding.dimensions == 0 {
            return Err(ConfigError("embedding.dimensions must be positive".into()));
        }
        if self.embedding.provider == EmbeddingProvider::Openai && self.embedding.openai.is_none() {
            return Err(ConfigError("embedding.provider is \"openai\" but [embedding.openai] (api_key …) is not set".into()));
        }
        for platform in self.publishing.budgets.keys() {
            platform.parse::<growth_core::domain::Platform>().map_err(|e| ConfigError(format!("publishing.budgets: {e}")))?;
        }
        if self.publishing.interval_secs == 0 || self.publishing.batch == 0 || self.publishing.lease_secs < 10 {
            return Err(ConfigError("publishing.interval_secs and batch must be positive and lease_secs at least 10".into()));
        }
        for platform in self.publishing.lookup_budgets.keys() {
            platform.parse::<growth_core::domain::Platform>().map_err(|e| ConfigError(format!("publishing.lookup_budgets: {e}")))?;
        }
        for platform in self.publishing.settle_secs.keys() {
            platform.parse::<growth_core::domain::Platform>().map_err(|e| ConfigError(format!("publishing.settle_secs: {e}")))?;
        }
        let p = &self.publishing;
        let check = growth_core::publish::PublishConfig {
            lease_secs: p.lease_secs,
            publish_timeout_secs: p.publish_timeout_secs,
            ..growth_core::publish::PublishConfig::default()
        };
        check.validate().map_err(|e| ConfigError(e.to_string()))?;
        if self.schedule.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ConfigError(format!("schedule.timezone `{}` is not an IANA time zone", self.schedule.timezone)));
        }
        if self.generation.provider == GeneratorProvider::Claude && self.generation.claude.is_none() {
            return Err(ConfigError("generation.provider is \"claude\" but [generation.claude] (api_key, model) is not set".into()));
        }
        if self.generation.provider == GeneratorProvider::OpenaiCompatible && self.generation.openai_compatible.is_none() {
            return Err(ConfigError(
                "generation.provider is \"openai_compatible\" but [generation.openai_compatible] (base_url, model) is not set".into(),
            ));
        }
        if self.generation.concurrency == 0 || self.generation.plan.total() == 0 {
            return Err(ConfigError("generation.concurrency and the generation.plan's total must be at least 1".into()));
        }
        if self.vectors.provider == VectorProvider::Pinecone && self.vectors.pinecone.is_none() {
            return Err(ConfigError(
                "vectors.provider is \"pinecone\" but [vectors.pinecone] (api_key, index, dimensions …) is not set".into(),
            ));
        }
        match self.detection.provider {
            DetectorProvider::Gptzero if self.detection.gptzero.is_none() => {
                return Err(ConfigError("detection.provider is \"gptzero\" but [detection.gptzero] (api_key) is not set".into()));
            }
            DetectorProvider::Originality if self.detection.originality.is_none() => {
                return Err(ConfigError("detection.provider is \"originality\" but [detection.originality] (api_key) is not set".into()));
            }
            _ => {}
        }
        adapters::not_built(self)?;
        if self.http.body_limit_bytes == 0 || self.http.request_timeout_secs == 0 || self.http.upload_limit_bytes == 0 {
            return Err(ConfigError("http limits must be positive".into()));
        }
        for origin in &self.http.cors_origins {
            if origin != "*" && axum::http::HeaderValue::from_str(origin).is_err() {
                return Err(ConfigError(format!("http.cors_origins: `{origin}` is not a valid origin")));
            }
        }
        Ok(())
    }

    /// The database URL with any password replaced by `***`, for logs.
    pub fn redacted_database_url(&self) -> String {
        redacted_url(&self.database_url)
    }

    /// What `serve` additionally requires: a listener reachable from other machines must sign
    /// sessions with a configured `auth.jwt_secret` (a random per-start key would end every
    /// session on restart and differ between instances).
    pub fn check_serving(&self) -> Result<(), ConfigError> {
        if !self.bind.ip().is_loopback() && self.auth.jwt_secret.is_none() {
            return Err(ConfigError(format!(
                "bind {} is reachable from other machines: set auth.jwt_secret (GROWTH_AUTH__JWT_SECRET, at least 32 bytes) \
                 or bind to 127.0.0.1",
                self.bind
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn with_no_configuration_the_defaults_are_the_embedded_set() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::load(Some(&dir.path().join("absent.toml")), env(&[])).unwrap_err();
        assert!(s.to_string().contains("does not exist"));
        let d = Settings::default();
        assert_eq!(d.database_url, "sqlite://growth.db");
        assert_eq!(d.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(d.log_format, LogFormat::Pretty);
    }

    #[test]
    fn environment_variables_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("growth.toml");
        std::fs::write(&f, "database_url = \"sqlite://from-file.db\"\nbind = \"127.0.0.1:9000\"\n[worker]\nconcurrency = 2\n").unwrap();
        let s = Settings::load(
            Some(&f),
            env(&[("GROWTH_BIND", "0.0.0.0:7000"), ("GROWTH_WORKER__LEASE_SECS", "90"), ("GROWTH_LOG_FORMAT", "json")]),
        )
        .unwrap();
        assert_eq!(s.database_url, "sqlite://from-file.db");
        assert_eq!(s.bind.to_string(), "0.0.0.0:7000");
        assert_eq!((s.worker.concurrency, s.worker.lease_secs), (2, 90));
        assert_eq!(s.log_format, LogFormat::Json);
    }

    #[test]
    fn cors_origins_and_rate_limits_come_from_the_file_and_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("growth.toml");
        std::fs::write(&f, "[http]\ncors_origins = [\"https://app.example.com\"]\nrate_limit_per_ip = 0\n").unwrap();
        let s = Settings::load(Some(&f), env(&[("GROWTH_HTTP__RATE_LIMIT_PER_USER", "60")])).unwrap();
        assert_eq!(s.http.cors_origins, vec!["https://app.example.com".to_owned()]);
        assert_eq!((s.http.rate_limit_per_ip, s.http.rate_limit_per_user, s.http.rate_limit_per_user_burst), (0, 60, 100));
        std::fs::write(&f, "[http]\ncors_origins = [\"https://a.example\\nX-Evil: 1\"]\n").unwrap();
        assert!(Settings::load(Some(&f), env(&[])).unwrap_err().to_string().contains("cors_origins"));
    }

    #[test]
    fn an_unknown_key_or_a_bad_value_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("growth.toml");
        std::fs::write(&f, "databse_url = \"x\"\n").unwrap();
        assert!(Settings::load(Some(&f), env(&[])).unwrap_err().to_string().contains("databse_url"));
        std::fs::write(&f, "").unwrap();
        let e = Settings::load(Some(&f), env(&[("GROWTH_BIND", "not-an-address")])).unwrap_err();
        assert!(e.to_string().contains("bind") || e.to_string().contains("address"), "{e}");
        let e = Settings::load(Some(&f), env(&[("GROWTH_WORKER__CONCURRENCY", "0")])).unwrap_err();
        assert!(e.to_string().contains("concurrency"), "{e}");
    }

    #[test]
    fn test_harness_variables_are_not_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("growth.toml");
        std::fs::write(&f, "").unwrap();
        let s = Settings::load(Some(&f), env(&[("GROWTH_TEST_DATABASE_URL", "postgres://x"), ("GROWTH_REQUIRE_POSTGRES", "1")])).unwrap();
        assert_eq!(s.database_url, "sqlite://growth.db");
    }

    #[test]
    fn google_sign_in_is_configured_in_its_table_and_needs_a_client_id() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("growth.toml");
        std::fs::write(&f, "[auth]\nadmin_emails = [\"wes@productled.com\"]\n[auth.google]\nclient_ids = [\"abc.apps.googleusercontent.com\"]\nallowed_domains = [\"productled.com\"]\n").unwrap();
        let s = Settings::load(Some(&f), env(&[])).unwrap();
        let g = s.auth.google.unwrap();
        assert_eq!((g.client_ids.len(), g.jwks_url.as_str()), (1, GOOGLE_JWKS_URL));
        assert_eq!(s.auth.admin_emails, ["wes@productled.com"]);
        std::fs::write(&f, "[auth.google]\nallowed_domains = [\"productled.com\"]\n").unwrap();
        assert!(Settings::load(Some(&f), env(&[])).unwrap_err().to_string().contains("client_ids"));
        assert!(Settings::default().auth.google.is_none(), "off unless configured");
    }

    #[test]
    fn debug_output_shows_the_settings_but_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("growth.toml");
        std::fs::write(
            &f,
            "[blob_options]\naws_region = \"eu-west-1\"\n[integrations.grain]\ntoken = \"grain-api-SECRET\"\n[generation.claude]\napi_key = \"sk-ant-SECRET\"\nmodel = \"claude-sonnet-4-5\"\n",
        )
        .unwrap();
        let s = Settings::load(
            Some(&f),
            env(&[
                ("GROWTH_DATABASE_URL", "postgres://app:db-SECRET@db.internal:5432/growth"),
                ("GROWTH_BLOB_URL", "s3://bucket/prefix"),
                ("GROWTH_BLOB_OPTIONS__AWS_SECRET_ACCESS_KEY", "aws-SECRET"),
                ("GROWTH_AUTH__JWT_SECRET", "jwt-SECRET-jwt-SECRET-jwt-SECRET-0123"),
                ("GROWTH_WEBHOOKS__GRAIN_TOKEN", "hook-SECRET"),
                ("GROWTH_WEBHOOKS__RIVERSIDE_TOKENS", "new-SECRET,old-SECRET"),
                ("GROWTH_PUBLISHING__ALERT_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/alert-SECRET"),
                ("GROWTH_INTEGRATIONS__ASSEMBLYAI__API_KEY", "aai-SECRET"),
            ]),
        )
        .unwrap();
        let shown = format!("{s:?}");
        assert!(shown.contains("db.internal") && shown.contains("aws_secret_access_key"), "{shown}");
        assert!(!shown.contains("eu-west-1"), "blob option values are all kept as secrets: {shown}");
        assert!(shown.contains("s3://bucket/prefix") && shown.contains("claude-sonnet-4-5"), "the rest is shown: {shown}");
        assert!(!shown.contains("SECRET"), "a secret leaked: {shown}");
        assert_eq!(s.webhooks.tokens("riverside").len(), 2, "a comma-separated list from the environment");
    }

    #[test]
    fn trusted_proxies_come_as_a_list_and_must_be_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("growth.toml");
        std::fs::write(&f, "").unwrap();
        let s = Settings::load(Some(&f), env(&[("GROWTH_HTTP__TRUSTED_PROXIES", "10.0.0.0/8,127.0.0.1")])).unwrap();
        assert_eq!(s.http.trusted_proxies, ["10.0.0.0/8", "127.0.0.1"]);
        let e = Settings::load(Some(&f), env(&[("GROWTH_HTTP__TRUSTED_PROXIES", "10.0.0.0/40")])).unwrap_err();
        assert!(e.to_string().contains("http.trusted_proxies"), "{e}");
    }

    #[test]
    fn admin_emails_need_an_allowed_workspace_domain_to_bootstrap_from() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("growth.toml");
        std::fs::write(&f, "[auth]\nadmin_emails = [\"wes@productled.com\"]\n[auth.google]\nclient_ids = [\"abc\"]\n").unwrap();
        let e = Settings::load(Some(&f), env(&[])).unwrap_err();
        assert!(e.to_string().contains("allowed_domains"), "{e}");
    }

    #[test]
    fn serving_beyond_loopback_needs_a_jwt_secret() {
        let public = Settings { bind: "0.0.0.0:8080".parse().unwrap(), ..Settings::default() };
        assert!(public.check_serving().unwrap_err().to_string().contains("auth.jwt_secret"));
        let v6 = Settings { bind: "[::]:8080".parse().unwrap(), ..Settings::default() };
        assert!(v6.check_serving().is_err());
        let mut signed = public.clone();
        signed.auth.jwt_secret = Some("0123456789abcdef0123456789abcdef".into());
        assert!(signed.check_serving().is_ok());
        assert!(Settings::default().check_serving().is_ok(), "127.0.0.1 needs nothing");
        let local6 = Settings { bind: "[::1]:8080".parse().unwrap(), ..Settings::default() };
        assert!(local6.check_serving().is_ok());
    }

    #[test]
    fn the_password_never_reaches_the_logs() {
        let s = Settings { database_url: "postgres://app:s3cret@db.internal:5432/growth".into(), ..Settings::default() };
        let shown = s.redacted_database_url();
        assert!(!shown.contains("s3cret") && shown.contains("db.internal"), "{shown}");
    }
}
