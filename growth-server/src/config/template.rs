//! `growth init`: a commented `growth.toml` with every setting at its default.
//!
//! The values are written from [`Settings::default`], so the file always parses back into exactly
//! the defaults (a test checks it, and that every setting is named). Settings whose default is a
//! structure of the library (the quality gates' word lists, the writer's voice, the bundle plan,
//! prices) or a platform's credentials are shown commented out, with what to write.

use super::{DetectorProvider, EmbeddingProvider, GeneratorProvider, LogFormat, Settings, VectorProvider};

/// A TOML basic string (JSON string escapes are TOML's).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A TOML array of strings.
fn list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// The commented `growth.toml` for `d` (the defaults, for `growth init`).
pub fn commented_toml(d: &Settings) -> String {
    let log_format = match d.log_format {
        LogFormat::Pretty => "pretty",
        LogFormat::Json => "json",
    };
    let embedding = match d.embedding.provider {
        EmbeddingProvider::Hashing => "hashing",
        EmbeddingProvider::Openai => "openai",
    };
    let vectors = match d.vectors.provider {
        VectorProvider::Embedded => "embedded",
        VectorProvider::Pinecone => "pinecone",
    };
    let detection = match d.detection.provider {
        DetectorProvider::Stylometric => "stylometric",
        DetectorProvider::Gptzero => "gptzero",
        DetectorProvider::Originality => "originality",
    };
    let generation = match d.generation.provider {
        GeneratorProvider::Extractive => "extractive",
        GeneratorProvider::Claude => "claude",
        GeneratorProvider::OpenaiCompatible => "openai_compatible",
    };
    let attribution =
        serde_json::to_value(d.analytics.attribution_model).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let (w, h, i, a, l, p, an) = (&d.worker, &d.http, &d.ingest, &d.auth, &d.learning, &d.publishing, &d.analytics);
    format!(
        r#"# growth.toml — every setting, at its default. Written by `growth init`.
#
# Precedence: these defaults < this file < environment variables. Every key has one:
# GROWTH_ + the path in capitals with `__` between levels (`worker.concurrency` is
# GROWTH_WORKER__CONCURRENCY). Keep secrets (API keys, the JWT secret, webhook tokens) in the
# environment rather than in this file. Unknown keys are refused at start-up, so a typo is an error.

# `sqlite://path`, a path, `:memory:`, or `postgres://user:pass@host/db` (production).
database_url = {database_url}
# Address the API listens on (`0.0.0.0:8080` in a container).
bind = {bind}
# Where files are kept: uploads (unless blob_url is set), the outbox, the SQLite database's neighbours.
data_dir = {data_dir}
# Blob store for uploads: files under data_dir/blobs when unset; `s3://bucket/prefix` for S3
# (with the `s3` feature), its options in [blob_options] below.
# blob_url = "s3://my-bucket/growth"
# `pretty` (coloured on a terminal) or `json` (one object per line).
log_format = {log_format}
# Log filter: `info`, `growth=debug,sqlx=warn` … (RUST_LOG wins). One-shot commands show warnings
# only unless run with -v.
log_level = {log_level}
# Whether `growth serve` applies database migrations on start (`growth migrate` does it alone).
auto_migrate = {auto_migrate}

# Options of the blob store backend, every value a secret.
# [blob_options]
# aws_region = "us-east-1"
# aws_access_key_id = "…"
# aws_secret_access_key = "…"
# aws_endpoint = "http://127.0.0.1:9000"   # an S3-compatible server

[worker]
# Jobs run at once by one worker process.
concurrency = {w_concurrency}
# How long an idle worker waits before asking for work again.
poll_interval_ms = {w_poll}
# How long a claim holds without a heartbeat (heartbeats come every third of it); at least 3.
lease_secs = {w_lease}

[http]
# Largest request body accepted (413 beyond).
body_limit_bytes = {h_body}
# Longest a request may take (408 beyond).
request_timeout_secs = {h_timeout}
# Largest multipart upload to POST /sources (JSON bodies get body_limit_bytes).
upload_limit_bytes = {h_upload}
# Browser origins allowed by CORS; empty sends no CORS headers; "*" allows any origin.
cors_origins = {h_cors}
# Requests per minute per peer IP on /auth/* and /webhooks/* (0: off), and the burst.
rate_limit_per_ip = {h_rip}
rate_limit_per_ip_burst = {h_ripb}
# Requests per minute per user on every other route (0: off), and the burst.
rate_limit_per_user = {h_ru}
rate_limit_per_user_burst = {h_rub}
# Proxies (CIDRs) whose X-Forwarded-For is believed; empty: the TCP peer is the client.
trusted_proxies = {h_proxies}
# After SIGTERM, how long requests and jobs in flight may take before the process stops them.
shutdown_grace_secs = {h_grace}

[ingest]
# Largest transcript file or pasted text, in bytes.
max_transcript_bytes = {i_transcript}
# Largest audio file, in bytes.
max_audio_bytes = {i_audio}
# Largest PDF, in bytes; longest one extraction may take; extractions at once.
pdf_max_bytes = {i_pdf}
pdf_timeout_secs = {i_pdf_timeout}
pdf_max_concurrent = {i_pdf_concurrent}
# Minutes a source may sit in `processing` before the sweep marks it failed.
stale_after_minutes = {i_stale}

[webhooks]
# Shared secrets of the inbound webhooks; a webhook with no token refuses every delivery.
# grain_token = "…"                 # GROWTH_WEBHOOKS__GRAIN_TOKEN
# riverside_token = "…"             # GROWTH_WEBHOOKS__RIVERSIDE_TOKEN
# More tokens accepted during a rotation:
grain_tokens = []
riverside_tokens = []
# How far a signature's timestamp may be from now, either way.
signature_tolerance_secs = {wh_tolerance}
# Refuse deliveries that are not signed (no bare tokens).
require_signature = {wh_require}

[auth]
# HMAC key for access tokens, at least 32 bytes. Unset: a random key per start (sessions do not
# survive a restart). Set it in production, from the environment: GROWTH_AUTH__JWT_SECRET.
# jwt_secret = "…"
# Lifetimes: access token, refresh token (rotated on use), a whole sign-in, an invite.
access_ttl_secs = {a_access}
refresh_ttl_secs = {a_refresh}
session_max_secs = {a_session}
invite_ttl_secs = {a_invite}
# `iss` of the tokens this server issues and accepts.
issuer = {a_issuer}
# Emails that become admins on their first Google sign-in.
admin_emails = {a_admins}
# Failed sign-ins per email before the back-off, the first back-off (doubling), the longest.
login_free_attempts = {a_free}
login_backoff_secs = {a_backoff}
login_backoff_max_secs = {a_backoff_max}
# Password hashes computed at once (argon2id: ~19 MiB and tens of ms each).
password_hash_concurrency = {a_hashes}
# Google sign-in; unset: `provider: google` answers 501.
# [auth.google]
# client_ids = ["….apps.googleusercontent.com"]
# allowed_domains = ["example.com"]
# jwks_url = "https://www.googleapis.com/oauth2/v3/certs"

[quality]
# The quality gates' tolerances. Each gate's table below is optional; unset keys keep the
# built-in values (see growth_core::quality::QualityConfig):
#   [quality.slop]         banned phrases and formulas, tolerances
#   learned_phrases = []   phrases learned from edits
#   [quality.hook]         the opening line's rules
#   [quality.cta]          the closing call to action
#   [quality.length]       lengths per content type
#   [quality.stylometry]   the local AI-likeness detector's parameters
#   [quality.icp]          ICP scoring
#   [quality.repetition]   pieces of one bundle too alike
#   [quality.attribution]  first-person claims the transcript gives to a guest
# Score (0–1) above which a piece reads as AI-written.
ai_likeness_threshold = {ai_threshold:?}

[embedding]
# `hashing` (offline, deterministic) or `openai` (with [embedding.openai]).
provider = {embedding}
# Vector length of the hashing embedder.
dimensions = {e_dims}
# [embedding.openai]
# api_key = "…"                     # GROWTH_EMBEDDING__OPENAI__API_KEY
# model = "text-embedding-3-small"
# dimensions = 1536

[integrations]
# Source platforms; each unset is simply unavailable (what needs it fails naming the setting).
# [integrations.assemblyai]   api_key = "…"    (transcribes audio)
# [integrations.riverside]    api_key = "…"
# [integrations.grain]        token = "…"
# [integrations.gemini]       access_token = "…"

[vectors]
# `embedded` (in the database) or `pinecone` (with [vectors.pinecone]: api_key, index, dimensions).
provider = {vectors}

[detection]
# `stylometric` (offline), or `gptzero` / `originality` with [detection.<name>] api_key.
provider = {detection}

[generation]
# `extractive` (offline), `claude` ([generation.claude] api_key, model) or `openai_compatible`
# ([generation.openai_compatible] base_url, model: Ollama, llama.cpp, vLLM …).
provider = {generation}
# Generator calls at once per bundle.
concurrency = {g_concurrency}
# Rewrites per piece when a gate fails.
max_rewrites = {g_rewrites}
# The call to action every piece ends with (unset: the writer picks one).
# cta = "Book a demo at example.com/demo"
# Optional tables (unset keys keep the built-in values):
#   [generation.claude]             api_key, model, max_tokens …
#   [generation.openai_compatible]  base_url, model, api_key, json_mode …
#   [generation.extractive]         the offline generator (CTAs, host speaker …)
#   [generation.plan]               pieces per bundle (linkedin_posts = 7 …)
#   [generation.voice]              the writer's voice and principles
#   [generation.prices.models."<model>"]  US dollars per million tokens, for the cost ledger

[schedule]
# IANA zone smart distribution plans in.
timezone = {s_tz}

[publishing]
# Seconds between two looks for due schedules; schedules claimed per round; sends at once.
interval_secs = {p_interval}
batch = {p_batch}
concurrency = {p_concurrency}
# Attempts before a schedule fails for good; first retry backoff (doubling).
max_attempts = {p_attempts}
backoff_secs = {p_backoff}
# A claim's lease, and the longest one send may take (lease ≥ timeout + 10).
lease_secs = {p_lease}
publish_timeout_secs = {p_timeout}
# How long `POST /publish/{{id}}` without a time waits for the send before answering 202.
now_wait_ms = {p_now_wait}
# Where the outbox publisher writes (default data_dir/outbox).
# outbox_dir = "growth-data/outbox"
# A Slack-style webhook told when a publish fails for good (a secret).
# alert_webhook_url = "https://hooks.slack.com/services/…"
# Per-platform tables (unset: the documented defaults):
#   [publishing.settle_secs]     linkedin = 60, customer_io = 120
#   [publishing.budgets.<platform>]         max = 1, window_secs = 10
#   [publishing.lookup_budgets.<platform>]  max, window_secs
# Platforms (unset: their content goes to the outbox):
#   [publishing.linkedin]  [publishing.customerio]  [publishing.webflow]  [publishing.notion]

[learning]
# Saves a pattern must be seen in, and the share of possible saves showing it, before a rule is proposed.
min_support = {l_support}
min_confidence = {l_confidence:?}
# Mining reads the edits of the last this many days.
lookback_days = {l_lookback}
# When mining, ICP extraction and best-time runs happen (cron, UTC; empty: never).
mine_cron = {l_mine}
icp_cron = {l_icp}
best_time_cron = {l_best}
# The seller's speaker names on calls (inferred when empty).
host_speakers = {l_hosts}
# Jaccard similarity at which an objection counts as a mention of a known one.
objection_similarity = {l_similarity:?}
# Measured posts a platform needs before smart distribution uses the best-time model.
smart_min_posts = {l_smart}

[analytics]
# Posts published this many days back are synced, on this schedule (cron, UTC).
sync_window_days = {an_window}
sync_schedule = {an_schedule}
# Manual minutes a piece would take without the engine (time saved), others by default.
default_manual_minutes = {an_minutes}
# [analytics.manual_minutes]
# linkedin_post = 30
# `last_touch`, `first_touch` or `linear`.
attribution_model = {attribution}
# Token for POST /leads without a session, the Customer.io reporting webhook's key (secrets).
# leads_token = "…"
# customerio_signing_key = "…"
customerio_tolerance_secs = {an_cio_tolerance}
# Read LinkedIn post metrics with the [publishing.linkedin] credentials.
linkedin_metrics = {an_li_metrics}
# LinkedIn calls per UTC day the sync may spend (unset: no cap).
# linkedin_daily_calls = 500
# Alert when more than this share of a day's reviewed pieces was rejected.
reject_rate_threshold = {an_reject:?}
# The Customer.io attribute RightMessage syncs the segment into.
segment_attribute = {an_segment}
# Enrich new leads through an n8n Webhook node.
# [analytics.n8n]
# url = "https://n8n.example.com/webhook/…"

[telemetry]
# Export traces over OTLP/HTTP (a server built with the `otlp` feature): the collector's base URL,
# spans go to <url>/v1/traces. Unset: OTEL_EXPORTER_OTLP_ENDPOINT when set, else no export.
# otlp_endpoint = "http://otel-collector:4318"
# `service.name` of the spans.
service_name = {t_service}
"#,
        database_url = q(&d.database_url),
        bind = q(&d.bind.to_string()),
        data_dir = q(&d.data_dir.display().to_string()),
        log_level = q(&d.log_level),
        auto_migrate = d.auto_migrate,
        log_format = q(log_format),
        w_concurrency = w.concurrency,
        w_poll = w.poll_interval_ms,
        w_lease = w.lease_secs,
        h_body = h.body_limit_bytes,
        h_timeout = h.request_timeout_secs,
        h_upload = h.upload_limit_bytes,
        h_cors = list(&h.cors_origins),
        h_rip = h.rate_limit_per_ip,
        h_ripb = h.rate_limit_per_ip_burst,
        h_ru = h.rate_limit_per_user,
        h_rub = h.rate_limit_per_user_burst,
        h_proxies = list(&h.trusted_proxies),
        h_grace = h.shutdown_grace_secs,
        i_transcript = i.max_transcript_bytes,
        i_audio = i.max_audio_bytes,
        i_pdf = i.pdf_max_bytes,
        i_pdf_timeout = i.pdf_timeout_secs,
        i_pdf_concurrent = i.pdf_max_concurrent,
        i_stale = i.stale_after_minutes,
        wh_tolerance = d.webhooks.signature_tolerance_secs,
        wh_require = d.webhooks.require_signature,
        a_access = a.access_ttl_secs,
        a_refresh = a.refresh_ttl_secs,
        a_session = a.session_max_secs,
        a_invite = a.invite_ttl_secs,
        a_issuer = q(&a.issuer),
        a_admins = list(&a.admin_emails),
        a_free = a.login_free_attempts,
        a_backoff = a.login_backoff_secs,
        a_backoff_max = a.login_backoff_max_secs,
        a_hashes = a.password_hash_concurrency,
        ai_threshold = d.quality.ai_likeness_threshold,
        embedding = q(embedding),
        e_dims = d.embedding.dimensions,
        vectors = q(vectors),
        detection = q(detection),
        generation = q(generation),
        g_concurrency = d.generation.concurrency,
        g_rewrites = d.generation.max_rewrites,
        s_tz = q(&d.schedule.timezone),
        p_interval = p.interval_secs,
        p_batch = p.batch,
        p_concurrency = p.concurrency,
        p_attempts = p.max_attempts,
        p_backoff = p.backoff_secs,
        p_lease = p.lease_secs,
        p_timeout = p.publish_timeout_secs,
        p_now_wait = p.now_wait_ms,
        l_support = l.min_support,
        l_confidence = l.min_confidence,
        l_lookback = l.lookback_days,
        l_mine = q(&l.mine_cron),
        l_icp = q(&l.icp_cron),
        l_best = q(&l.best_time_cron),
        l_hosts = list(&l.host_speakers),
        l_similarity = l.objection_similarity,
        l_smart = l.smart_min_posts,
        an_window = an.sync_window_days,
        an_schedule = q(&an.sync_schedule),
        an_minutes = an.default_manual_minutes,
        attribution = q(&attribution),
        an_cio_tolerance = an.customerio_tolerance_secs,
        an_li_metrics = an.linkedin_metrics,
        an_reject = an.reject_rate_threshold,
        an_segment = q(&an.segment_attribute),
        t_service = q(&d.telemetry.service_name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Field names at brace depth 1 (settings) and 2 (their tables) in `Debug` of the defaults.
    fn setting_names(debug: &str) -> Vec<String> {
        let (mut depth, mut names, mut word) = (0_i32, Vec::new(), String::new());
        let mut chars = debug.chars().peekable();
        let mut in_string = false;
        while let Some(c) = chars.next() {
            if in_string {
                if c == '\\' {
                    chars.next();
                } else if c == '"' {
                    in_string = false;
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' => depth -= 1,
                ':' if chars.peek() == Some(&' ') && (1..=2).contains(&depth) && !word.is_empty() => names.push(word.clone()),
                _ => {}
            }
            if c.is_ascii_alphanumeric() || c == '_' {
                word.push(c);
            } else if c != ':' {
                word.clear();
            }
        }
        names
    }

    #[test]
    fn the_written_file_parses_back_into_the_defaults_and_names_every_setting() {
        let defaults = Settings::default();
        let text = commented_toml(&defaults);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("growth.toml");
        std::fs::write(&path, &text).unwrap();
        let loaded = Settings::load(Some(&path), std::iter::empty()).unwrap();
        assert_eq!(format!("{loaded:?}"), format!("{defaults:?}"), "the file says exactly the defaults");
        let names = setting_names(&format!("{defaults:?}"));
        assert!(names.len() > 100, "{names:?}");
        let missing: Vec<&String> = names.iter().filter(|n| !text.contains(n.as_str())).collect();
        assert!(missing.is_empty(), "settings the file does not name: {missing:?}");
        // Every line is a comment, a table header, a blank or `key = value`.
        for line in text.lines() {
            let l = line.trim();
            assert!(l.is_empty() || l.starts_with('#') || l.starts_with('[') || l.contains(" = "), "{line}");
        }
    }
}
