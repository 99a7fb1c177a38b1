//! `growth`: run the server, a worker, or migrations.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use growth_server::config::Settings;
use growth_server::startup::{self, Application};
use growth_server::telemetry;
use tokio_util::sync::CancellationToken;

mod analytics_cmd;
mod check;
mod generate_cmd;
mod learn_cmd;

#[derive(Debug, Parser)]
#[command(name = "growth", version, about = "The growth content engine: API server, worker and tools")]
struct Cli {
    /// Configuration file (TOML). Defaults to ./growth.toml when it exists.
    #[arg(long, global = true, env = "GROWTH_CONFIG")]
    config: Option<PathBuf>,
    /// More log output: one-shot commands (ingest, generate, migrate, user …) only show warnings
    /// unless given `-v` (`log_level`, info by default) or `-vv` (debug); `serve` and `worker`
    /// always log at `log_level`. `RUST_LOG` overrides both.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user who signs in with email and password; the password is read from the first
    /// line of standard input (so it never appears in the shell history or the process list).
    Create {
        /// Email address.
        #[arg(long)]
        email: String,
        /// viewer, approver or admin.
        #[arg(long)]
        role: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum LearnCommand {
    /// The simulated reviewer: drafts edited by hidden preferences through the engine's review
    /// path, rules mined from the recorded edits; prints {"rounds", "seeds", "no_learning":
    /// {"cumulative_cost"}, "learning": {"cumulative_cost", "first_20_mean", "last_20_mean"},
    /// "oracle": {"cumulative_cost"}, "reduction"}. Offline, no database.
    Simulate {
        /// The reviewer's hidden preferences (TOML; see examples/preferences/).
        #[arg(long)]
        preferences: PathBuf,
        /// Rounds per seed.
        #[arg(long, default_value_t = 60)]
        rounds: usize,
        /// Seeds (each runs the three arms).
        #[arg(long, default_value_t = 3)]
        seeds: usize,
        /// Directory with `changelog/` and `talkpython/` transcripts (default: the repository's fixtures).
        #[arg(long)]
        transcripts: Option<PathBuf>,
        /// `llm` dresses drafts with emoji and hashtags for the reviewer to remove.
        #[arg(long, value_enum, default_value = "plain")]
        style: learn_cmd::Style,
        /// Print JSON (the only output format; accepted for symmetry with the other commands).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AnalyticsCommand {
    /// Print the summary (PRD §3.5) as a table and a chart of reach per day.
    Summary {
        /// First day (YYYY-MM-DD); default: six days before --to.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day, included; default: today (UTC).
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Print the API's JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Import per-post metrics from a CSV export (LinkedIn, Customer.io, or the template).
    Import {
        /// The file.
        file: PathBuf,
        /// The platform of rows whose platform the file does not tell.
        #[arg(long)]
        platform: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a commented configuration file with every setting at its default (growth.toml in
    /// the current directory unless a path is given); an existing file is kept unless `--force`.
    Init {
        /// Where to write it.
        #[arg(default_value = "growth.toml")]
        path: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Edit learning tools.
    Learn {
        #[command(subcommand)]
        action: LearnCommand,
    },
    /// Serve the API with an in-process worker (migrates first unless auto_migrate = false).
    Serve,
    /// Run a background worker only.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Analytics: the summary, and metrics import.
    Analytics {
        #[command(subcommand)]
        action: AnalyticsCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Run the quality gates over a draft and print the report. Exits 0 when every gate passes,
    /// 1 when one fails (so it can guard a CI step), 2 when the input cannot be read.
    Check {
        /// The draft (Markdown or plain text, UTF-8).
        file: PathBuf,
        /// Content type: linkedin_post, pre_interview, post_publish, newsletter, blog_post.
        #[arg(long = "type")]
        content_type: String,
        /// Print JSON: {"passed", "findings": [{"check", "span", "text", "message"}], "ai_detection_score", "icp_score"}.
        #[arg(long)]
        json: bool,
    },
    /// Run the whole pipeline on a file: ingest it, write the bundle with the configured generator
    /// (offline by default), check and rewrite, save the pieces in review; prints the bundle as
    /// Markdown with its verdicts.
    Generate {
        /// The transcript (or PDF, or audio with AssemblyAI configured).
        file: PathBuf,
        /// Force a transcript format.
        #[arg(long)]
        format: Option<String>,
        /// Print JSON: {"source_id", "items": [{"id", "content_type", "title", "content", "status",
        /// "ai_detection_score", "icp_score", "findings"}], "usage": {…, "estimated_cost_usd"}}.
        #[arg(long)]
        json: bool,
    },
    /// Parse and store a source (transcript file, PDF, audio); prints its format, speakers,
    /// segment count and word count. A file that cannot be parsed exits non-zero with the reason.
    Ingest {
        /// The file.
        file: PathBuf,
        /// Force a transcript format (plain, timestamped, webvtt, srt, markdown, podcast_json, assemblyai_json).
        #[arg(long)]
        format: Option<String>,
        /// Print JSON: {"source_id", "format", "speakers", "segments", "words"}.
        #[arg(long)]
        json: bool,
    },
}

/// `growth init`: no configuration is read (a broken one is what it may replace).
fn init(path: &std::path::Path, force: bool) -> ExitCode {
    let text = growth_server::config::commented_toml(&Settings::default());
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let written = options.open(path).and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    match written {
        Ok(()) => {
            println!("wrote {} (every setting at its default; edit what you need)", path.display());
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!("error: {} exists; keep it, or run `growth init --force` to replace it", path.display());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Init { path, force } = &cli.command {
        return init(path, *force);
    }
    if let Command::Check { file, content_type, json } = &cli.command {
        // A local, offline command: no database, no runtime, no logs.
        let settings = match Settings::load(cli.config.as_deref(), std::env::vars()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        return check::run(file, content_type, *json, &settings);
    }
    let settings = match Settings::load(cli.config.as_deref(), std::env::vars()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let long_running = matches!(cli.command, Command::Serve | Command::Worker);
    let level = match (long_running, cli.verbose) {
        (_, v) if v >= 2 => "debug",
        (true, _) | (false, 1) => settings.log_level.as_str(),
        (false, _) => "warn",
    };
    let telemetry = telemetry::init(settings.log_format, level, &settings.telemetry);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command, settings));
    // The grace period is spent by now; work on the blocking pool (parsing, PDF extraction) stops
    // at its next cancellation check once its request is dropped, and gets at most a second more.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    // The last spans are exported before the process exits.
    drop(telemetry);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

fn one_line(e: &anyhow::Error) -> String {
    e.chain().map(ToString::to_string).collect::<Vec<_>>().join(": ").replace('\n', " ")
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        startup::shutdown_signal().await;
        on_signal.cancel();
    });
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped(shutdown).await?;
        }
        Command::Worker => {
            let state = startup::connect(&settings, std::sync::Arc::new(growth_core::SystemClock), false).await?;
            state.engine.run(shutdown).await;
            state.database.close().await;
        }
        Command::Ingest { file, format, json } => {
            let format = format.map(|f| f.parse::<growth_core::transcript::TranscriptFormat>()).transpose()?;
            let bytes = std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let state = startup::connect(&settings, std::sync::Arc::new(growth_core::SystemClock), true).await?;
            let ingest = state.engine.ingest().clone();
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "upload".into());
            let input = growth_core::ingest::ManualInput::File { file_name: name, bytes: bytes.into(), format };
            let result = ingest.ingest_manual(growth_core::ingest::ManualSource::new(input)).await;
            state.database.close().await;
            let got = result?;
            let format_name = got.format_name();
            let (speakers, segments, words) = got.transcript_stats();
            if json {
                let out = serde_json::json!({
                    "source_id": got.source.id,
                    "format": format_name,
                    "speakers": speakers,
                    "segments": segments,
                    "words": words,
                });
                println!("{out}");
            } else {
                println!("source   {} ({})", got.source.id, if got.created { "new" } else { "already ingested" });
                println!("status   {}", got.source.status);
                if let Some(reason) = &got.source.failure_reason {
                    println!("reason   {reason}");
                }
                println!("format   {format_name}");
                println!("speakers {}", if speakers.is_empty() { "(none labelled)".to_owned() } else { speakers.join(", ") });
                println!("segments {segments}");
                println!("words    {words}");
            }
        }
        Command::Generate { file, format, json } => generate_cmd::run(&settings, &file, format, json).await?,
        Command::Analytics { action: AnalyticsCommand::Summary { from, to, json } } => {
            analytics_cmd::summary(&settings, from, to, json).await?
        }
        Command::Analytics { action: AnalyticsCommand::Import { file, platform } } => {
            analytics_cmd::import(&settings, &file, platform).await?
        }
        Command::Check { .. } | Command::Init { .. } => unreachable!("handled before the runtime starts"),
        Command::Learn { action: LearnCommand::Simulate { preferences, rounds, seeds, transcripts, style, json: _ } } => {
            let report = learn_cmd::simulate(learn_cmd::SimulateArgs { preferences, rounds, seeds, transcripts, style }).await?;
            println!("{}", serde_json::to_string(&report)?);
        }
        Command::User { action: UserCommand::Create { email, role, name } } => {
            let role: growth_core::domain::Role = role.parse()?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).map_err(|e| anyhow::anyhow!("cannot read the password from standard input: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let hash = growth_server::auth::hash_password(password).await?;
            let state = startup::connect(&settings, std::sync::Arc::new(growth_core::SystemClock), true).await?;
            let new =
                growth_core::domain::NewUser { email, full_name: name, role, auth_provider: growth_core::domain::AuthProvider::Email };
            let result = async {
                let user = state.users.create_user(new).await?;
                state.auth.set_password_hash(user.id, &hash).await?;
                Ok::<_, growth_core::Error>(user)
            }
            .await;
            state.database.close().await;
            let user = result?;
            println!("created {} ({}) {}", user.email, user.role, user.id);
        }
        Command::Migrate => {
            let state = startup::connect(&settings, std::sync::Arc::new(growth_core::SystemClock), true).await?;
            println!("migrations applied ({} at {})", state.database.backend(), settings.redacted_database_url());
            state.database.close().await;
        }
    }
    Ok(())
}
