//! `growth`: run the server, a worker, or migrations.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use growth_server::config::Settings;
use growth_server::startup::{self, Application};
use growth_server::telemetry;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(name = "growth", version, about = "The growth content engine: API server, worker and tools")]
struct Cli {
    /// Configuration file (TOML). Defaults to ./growth.toml when it exists.
    #[arg(long, global = true, env = "GROWTH_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API with an in-process worker (migrates first unless auto_migrate = false).
    Serve,
    /// Run a background worker only.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref(), std::env::vars()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format, &settings.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
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
            startup::worker(&state).run(shutdown).await;
            state.database.close().await;
        }
        Command::Migrate => {
            let state = startup::connect(&settings, std::sync::Arc::new(growth_core::SystemClock), true).await?;
            println!("migrations applied ({} at {})", state.database.backend(), settings.redacted_database_url());
            state.database.close().await;
        }
    }
    Ok(())
}
