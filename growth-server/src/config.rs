//! Settings: defaults → configuration file → `GROWTH_*` environment variables (highest wins).
//!
//! | key | env | default |
//! |---|---|---|
//! | `database_url` | `GROWTH_DATABASE_URL` | `sqlite://growth.db` |
//! | `bind` | `GROWTH_BIND` | `127.0.0.1:8080` |
//! | `data_dir` | `GROWTH_DATA_DIR` | `./growth-data` (blobs, outbox) |
//! | `blob_url` | `GROWTH_BLOB_URL` | unset: files under `data_dir/blobs`; `s3://bucket/prefix` for S3 |
//! | `log_format` | `GROWTH_LOG_FORMAT` | `pretty` (`json` for machines) |
//! | `log_level` | `GROWTH_LOG_LEVEL` | `info` (`RUST_LOG` overrides) |
//! | `auto_migrate` | `GROWTH_AUTO_MIGRATE` | `true` (`serve` migrates on start) |
//! | `worker.concurrency` | `GROWTH_WORKER__CONCURRENCY` | `4` |
//! | `worker.poll_interval_ms` | `GROWTH_WORKER__POLL_INTERVAL_MS` | `1000` |
//! | `worker.lease_secs` | `GROWTH_WORKER__LEASE_SECS` | `60` |
//! | `http.body_limit_bytes` | `GROWTH_HTTP__BODY_LIMIT_BYTES` | `2097152` |
//! | `http.request_timeout_secs` | `GROWTH_HTTP__REQUEST_TIMEOUT_SECS` | `30` |
//! | `quality.*` | `GROWTH_QUALITY__…` | the built-in gates' defaults (`ai_likeness_threshold` 0.5 …) |
//! | `auth.jwt_secret` | `GROWTH_AUTH__JWT_SECRET` | unset: a random key per start (sessions end on restart) |
//! | `auth.access_ttl_secs` / `auth.refresh_ttl_secs` | `GROWTH_AUTH__…` | 900 / 2592000 |
//! | `auth.invite_ttl_secs` | `GROWTH_AUTH__INVITE_TTL_SECS` | `604800` (an invite token works for 7 days, once) |
//! | `auth.admin_emails` | (file only: a list) | empty: a Google sign-in from one of these emails creates an admin |
//! | `auth.google.client_ids` | (file only: a list) | unset `[auth.google]`: Google sign-in answers 501; the accepted `aud` values |
//! | `auth.google.jwks_url` | `GROWTH_AUTH__GOOGLE__JWKS_URL` | `https://www.googleapis.com/oauth2/v3/certs` |
//! | `auth.google.allowed_domains` | (file only: a list) | empty: an unknown Google user whose domain (or `hd`) is listed is created as a viewer |
//! | `webhooks.grain_token` | `GROWTH_WEBHOOKS__GRAIN_TOKEN` | unset: `/webhooks/grain` refuses everything |
//! | `webhooks.riverside_token` | `GROWTH_WEBHOOKS__RIVERSIDE_TOKEN` | unset: `/webhooks/riverside` refuses everything |
//! | `http.upload_limit_bytes` | `GROWTH_HTTP__UPLOAD_LIMIT_BYTES` | `268435456` (256 MiB, `POST /sources` only) |
//! | `http.cors_origins` | (file only: a list) | empty: no CORS headers; `["*"]` any origin (without credentials) |
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
//! | `publishing.alert_webhook_url` | `GROWTH_PUBLISHING__ALERT_WEBHOOK_URL` | unset (failures are logged only) |
//! | `publishing.linkedin` / `customerio` / `webflow` / `notion` | `GROWTH_PUBLISHING__LINKEDIN__…` | unset: that platform publishes to the outbox (`data_dir/outbox`); Notion tracking off |
//! | `integrations.gemini.*` | `GROWTH_INTEGRATIONS__GEMINI__ACCESS_TOKEN` … | unset: Google Meet records cannot be fetched |
//!
//! The file is `--config <path>` (or `GROWTH_CONFIG`); without one, `./growth.toml` is read if it
//! exists. Nested keys use `__` in environment variables.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

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

/// Background worker settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Jobs run at once by one worker process.
    pub concurrency: usize,
    /// How long an idle worker waits before asking for work again.
    pub poll_interval_ms: u64,
    /// How long a claim holds without a heartbeat (heartbeats come every third of it).
    pub lease_secs: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self { concurrency: 4, poll_interval_ms: 1000, lease_secs: 60 }
    }
}

/// HTTP server limits.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Largest request body accepted (413 beyond).
    pub body_limit_bytes: usize,
    /// Longest a request may take (408 beyond).
    pub request_timeout_secs: u64,
    /// Largest upload `POST /sources` accepts (audio can be large; 413 beyond).
    pub upload_limit_bytes: usize,
    /// Browser origins allowed by CORS (`https://app.example.com`); empty sends no CORS headers.
    /// `"*"` allows any origin, and is never combined with credentials.
    pub cors_origins: Vec<String>,
    /// Requests per minute one peer IP may make to the unauthenticated routes (`/auth/*`,
    /// `/webhooks/*`); `0` turns the limit off.
    pub rate_limit_per_ip: u32,
    /// How many of those may come at once (`0`: the whole minute's allowance).
    pub rate_limit_per_ip_burst: u32,
    /// Requests per minute one user (the bearer token's subject, else the peer IP) may make to
    /// every other route except `/health`, `/ready`, `/metrics` and the API docs; `0` turns it off.
    pub rate_limit_per_user: u32,
    /// How many of those may come at once (`0`: the whole minute's allowance).
    pub rate_limit_per_user_burst: u32,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 2 * 1024 * 1024,
            request_timeout_secs: 30,
            upload_limit_bytes: 256 * 1024 * 1024,
            cors_origins: Vec::new(),
            rate_limit_per_ip: 120,
            rate_limit_per_ip_burst: 30,
            rate_limit_per_user: 600,
            rate_limit_per_user_burst: 100,
        }
    }
}

/// Which embedder turns text into vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddingProvider {
    /// The offline, deterministic hashing embedder (no key, no network).
    #[default]
    Hashing,
    /// OpenAI `text-embedding-3-*` (needs `[embedding.openai]`).
    Openai,
}

/// Embeddings for the knowledge base and retrieval.
///
/// The vectors already stored were made by one model with one dimension; start-up refuses a
/// configuration that disagrees with them (the message names both), instead of mixing vectors.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddingSettings {
    /// Which embedder.
    pub provider: EmbeddingProvider,
    /// Vector length of the hashing embedder.
    pub dimensions: usize,
    /// OpenAI settings (key, model, `dimensions` …), used when `provider = "openai"`.
    pub openai: Option<growth_llm::openai::OpenAiConfig>,
}

impl Default for EmbeddingSettings {
    fn default() -> Self {
        Self { provider: EmbeddingProvider::Hashing, dimensions: growth_llm::offline::DEFAULT_DIMENSIONS, openai: None }
    }
}

/// Which generator writes drafts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GeneratorProvider {
    /// The offline extractive generator (no key, no network).
    #[default]
    Extractive,
    /// Claude (needs `[generation.claude]` with `api_key` and `model`).
    Claude,
}

/// Content generation.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationSettings {
    /// Which generator.
    pub provider: GeneratorProvider,
    /// Claude settings (`api_key`, `model`, `max_tokens` …).
    pub claude: Option<growth_llm::anthropic::ClaudeConfig>,
    /// The offline generator's settings (CTA text …).
    pub extractive: growth_llm::offline::ExtractiveConfig,
    /// Generator calls at once per bundle.
    pub concurrency: usize,
    /// Rewrites per piece when a gate fails.
    pub max_rewrites: u32,
    /// Pieces per bundle (`linkedin_posts` 7, `pre_interview` 1 …).
    pub plan: growth_core::prompt::BundlePlan,
    /// The writer's voice (the character diamond) and principles.
    pub voice: growth_core::prompt::Voice,
    /// The call to action every piece ends with (none: the writer picks one).
    pub cta: Option<String>,
    /// Prices per model for the cost ledger (US dollars per million tokens).
    pub prices: growth_core::generate::PriceTable,
}

impl Default for GenerationSettings {
    fn default() -> Self {
        Self {
            provider: GeneratorProvider::Extractive,
            claude: None,
            extractive: growth_llm::offline::ExtractiveConfig::default(),
            concurrency: 11,
            max_rewrites: 3,
            plan: growth_core::prompt::BundlePlan::default(),
            voice: growth_core::prompt::Voice::default(),
            cta: None,
            prices: growth_core::generate::PriceTable::default(),
        }
    }
}

/// Publishing: the scheduler loop and the platforms.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishingSettings {
    /// Seconds between two looks for due schedules.
    pub interval_secs: u64,
    /// Schedules claimed per round.
    pub batch: u32,
    /// Sends at once per worker.
    pub concurrency: usize,
    /// Attempts before a schedule fails for good.
    pub max_attempts: i32,
    /// Seconds a claim holds; a worker that dies leaves the schedule `unknown` after this.
    pub lease_secs: u64,
    /// First retry backoff in seconds (doubling; a platform's `Retry-After` wins).
    pub backoff_secs: u64,
    /// Where the outbox publisher writes (default `data_dir/outbox`).
    pub outbox_dir: Option<PathBuf>,
    /// A URL that gets `{"text": …}` when a publish fails for good (a Slack incoming webhook).
    pub alert_webhook_url: Option<String>,
    /// Send budgets shared by all workers, by platform (`{ max, window_secs }`); the documented
    /// limits by default.
    pub budgets: BTreeMap<String, growth_core::publish::SendBudget>,
    /// LinkedIn (Posts API); unset: LinkedIn posts go to the outbox.
    pub linkedin: Option<growth_adapters::linkedin::LinkedInConfig>,
    /// Customer.io (broadcast newsletters); unset: newsletters go to the outbox.
    pub customerio: Option<growth_adapters::customerio::CustomerIoConfig>,
    /// Webflow (blog CMS); unset: blog posts go to the outbox.
    pub webflow: Option<growth_adapters::webflow::WebflowConfig>,
    /// Notion tracking pages, updated after every post; unset: no tracking.
    pub notion: Option<growth_adapters::notion::NotionConfig>,
}

impl Default for PublishingSettings {
    fn default() -> Self {
        Self {
            interval_secs: 60,
            batch: 100,
            concurrency: 8,
            max_attempts: 5,
            lease_secs: 120,
            backoff_secs: 30,
            outbox_dir: None,
            alert_webhook_url: None,
            budgets: BTreeMap::new(),
            linkedin: None,
            customerio: None,
            webflow: None,
            notion: None,
        }
    }
}

/// Scheduling.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSettings {
    /// IANA zone that smart distribution plans in (posting hours, business days).
    pub timezone: String,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self { timezone: "America/New_York".into() }
    }
}

/// Where vectors are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VectorProvider {
    /// In the database (SQLite or PostgreSQL), exact cosine search in memory.
    #[default]
    Embedded,
    /// A Pinecone index (needs `[vectors.pinecone]`).
    Pinecone,
}

/// The vector store.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VectorSettings {
    /// Which store.
    pub provider: VectorProvider,
    /// Pinecone settings (`api_key`, `index`, `dimensions`, `host` …), used when `provider = "pinecone"`.
    pub pinecone: Option<growth_adapters::pinecone::PineconeConfig>,
}

/// Which detector the `ai_likeness` gate asks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectorProvider {
    /// The local stylometric detector (offline).
    #[default]
    Stylometric,
    /// GPTZero (needs `[detection.gptzero]`).
    Gptzero,
    /// Originality.ai (needs `[detection.originality]`).
    Originality,
}

/// AI-likeness detection.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectionSettings {
    /// Which detector.
    pub provider: DetectorProvider,
    /// GPTZero settings (`api_key` …).
    pub gptzero: Option<growth_adapters::gptzero::GptZeroConfig>,
    /// Originality.ai settings (`api_key` …).
    pub originality: Option<growth_adapters::originality::OriginalityConfig>,
}

/// Credentials and options of the platforms sources come from. Each one unset is simply not
/// available: what needs it fails with a reason naming the setting.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntegrationSettings {
    /// AssemblyAI, which transcribes uploaded audio and platform recordings without a transcript.
    pub assemblyai: Option<growth_adapters::assemblyai::AssemblyAiConfig>,
    /// Riverside.fm Business API (podcast recordings).
    pub riverside: Option<growth_adapters::riverside::RiversideConfig>,
    /// Grain (sales calls).
    pub grain: Option<growth_adapters::grain::GrainConfig>,
    /// Google Meet (implementer calls) with an OAuth access token.
    pub gemini: Option<growth_adapters::gemini::GeminiConfig>,
}

/// Shared secrets that authenticate inbound webhooks (neither platform signs its deliveries).
/// A webhook whose token is unset is disabled: every delivery is refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Token Grain must present (`/webhooks/grain/<token>`, `?token=` or `X-Growth-Webhook-Token`).
    pub grain_token: Option<secrecy::SecretString>,
    /// Token Riverside (or the automation relaying its events) must present.
    pub riverside_token: Option<secrecy::SecretString>,
}

/// Sign-in and sessions.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HMAC key for access tokens (≥ 32 bytes). When unset, a random key is made at start-up and
    /// sessions do not survive a restart (fine on a laptop, wrong in production: a warning says so).
    pub jwt_secret: Option<secrecy::SecretString>,
    /// Lifetime of an access token.
    pub access_ttl_secs: u64,
    /// Lifetime of a refresh token (each use rotates it).
    pub refresh_ttl_secs: u64,
    /// `iss` of the tokens this server issues and accepts.
    pub issuer: String,
    /// Lifetime of an invite token (`POST /users/invite`); it works once.
    pub invite_ttl_secs: u64,
    /// Emails that become admins on their first Google sign-in (compared case-insensitively).
    pub admin_emails: Vec<String>,
    /// Google sign-in; unset: `provider: google` answers 501.
    pub google: Option<GoogleSettings>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            issuer: "growth".into(),
            invite_ttl_secs: 7 * 24 * 3600,
            admin_emails: Vec::new(),
            google: None,
        }
    }
}

/// Google sign-in (`[auth.google]`): ID tokens are RS256 JWTs checked against Google's published keys.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleSettings {
    /// OAuth client ids whose ID tokens are accepted (the token's `aud`). At least one.
    pub client_ids: Vec<String>,
    /// Where Google's signing keys (a JWKS) are published.
    pub jwks_url: String,
    /// Domains whose users may sign in without an invite (as viewers): the email's domain or the
    /// token's `hd` (Workspace domain), compared case-insensitively.
    pub allowed_domains: Vec<String>,
}

impl Default for GoogleSettings {
    fn default() -> Self {
        Self { client_ids: Vec::new(), jwks_url: GOOGLE_JWKS_URL.into(), allowed_domains: Vec::new() }
    }
}

/// Google's published ID-token signing keys.
pub const GOOGLE_JWKS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";

/// Everything the server reads from configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://path`, a path, `:memory:`, or `postgres://…`.
    pub database_url: String,
    /// Address the API listens on.
    pub bind: SocketAddr,
    /// Where files are kept.
    pub data_dir: PathBuf,
    /// Blob store URL; files under `data_dir/blobs` when unset.
    pub blob_url: Option<String>,
    /// Options for the blob store backend (`aws_region`, `aws_endpoint` …).
    pub blob_options: BTreeMap<String, String>,
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
        }
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
        b = b.add_source(
            config::Environment::with_prefix("GROWTH").prefix_separator("_").separator("__").try_parsing(true).source(Some(env)),
        );
        let s: Settings = b.build().and_then(|c| c.try_deserialize()).map_err(|e| ConfigError(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.database_url.trim().is_empty() {
            return Err(ConfigError("database_url is empty".into()));
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
        if self.schedule.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ConfigError(format!("schedule.timezone `{}` is not an IANA time zone", self.schedule.timezone)));
        }
        if self.generation.provider == GeneratorProvider::Claude && self.generation.claude.is_none() {
            return Err(ConfigError("generation.provider is \"claude\" but [generation.claude] (api_key, model) is not set".into()));
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
        match url::Url::parse(&self.database_url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => self.database_url.clone(),
        }
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
    fn the_password_never_reaches_the_logs() {
        let s = Settings { database_url: "postgres://app:s3cret@db.internal:5432/growth".into(), ..Settings::default() };
        let shown = s.redacted_database_url();
        assert!(!shown.contains("s3cret") && shown.contains("db.internal"), "{shown}");
    }
}
