//! The command line: `serve` (the default), `migrate`, `check-config`.

use crate::config::{self, Settings};
use crate::startup::{Application, BuildOptions};
use crate::store::{Store, run_pending_migrations};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Email manager: the NocoBase sidecar that keeps Gmail and Microsoft 365 mailboxes in sync.
#[derive(Debug, Parser)]
#[command(name = "email-manager", version)]
pub struct Cli {
    /// A TOML file of settings; environment variables EMAIL_MANAGER__SECTION__KEY override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve {
        /// Do not apply pending database migrations at start.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Try the service with no NocoBase and no real providers: a built-in emulator plays
    /// Gmail and Outlook, two seeded mailboxes are connected, and a token, curl lines and
    /// the API page's address are printed. Its data is temporary.
    Demo {
        /// Port to listen on (0: any free one).
        #[arg(long, default_value_t = 13100)]
        port: u16,
        /// Messages in each seeded mailbox.
        #[arg(long, default_value_t = 120)]
        messages: usize,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the effective settings (secrets redacted); exit 1 listing every bad key.
    CheckConfig,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let settings = match config::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(issues) => {
            for issue in issues {
                eprintln!("{issue}");
            }
            return ExitCode::FAILURE;
        }
    };
    match cli.command.unwrap_or(Command::Serve { no_migrate: false }) {
        Command::CheckConfig => {
            for line in effective_settings(&settings) {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Command::Migrate => {
            crate::telemetry::init(&settings.log);
            report(migrate(&settings))
        }
        Command::Demo { port, messages } => {
            let mut log = settings.log.clone();
            // The banner with the token is what a newcomer needs to see, not sync progress:
            // warnings only, unless a level was asked for.
            if std::env::var_os("EMAIL_MANAGER__LOG__LEVEL").is_none() {
                log.level = "warn".into();
            }
            crate::telemetry::init(&log);
            report(crate::demo::run(settings, port, messages))
        }
        Command::Serve { no_migrate } => {
            crate::telemetry::init(&settings.log);
            report(serve(settings, !no_migrate))
        }
    }
}

fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("email-manager: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings, migrate: bool) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let migrate = migrate && settings.database.auto_migrate;
        let app = Application::build(settings, BuildOptions { migrate })
            .await
            .map_err(|e| e.to_string())?;
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn migrate(settings: &Settings) -> Result<(), String> {
    let store = Store::connect(&settings.database).map_err(|e| e.to_string())?;
    let mut connection = store.blocking_connection().map_err(|e| e.to_string())?;
    let applied = run_pending_migrations(&mut connection).map_err(|e| e.to_string())?;
    if applied.is_empty() {
        println!("the database is up to date");
    } else {
        for version in applied {
            println!("applied {version}");
        }
    }
    Ok(())
}

/// The settings as `section.key = value` lines (valid TOML), secrets already redacted by
/// their types.
pub fn effective_settings(settings: &Settings) -> Vec<String> {
    let mut lines = Vec::new();
    if let Ok(value) = serde_json::to_value(settings) {
        flatten("", &value, &mut lines);
    }
    lines
}

fn flatten(prefix: &str, value: &serde_json::Value, lines: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, child, lines);
            }
        }
        serde_json::Value::Null => lines.push(format!("# {prefix} is not set")),
        other => lines.push(format!("{prefix} = {other}")),
    }
}
