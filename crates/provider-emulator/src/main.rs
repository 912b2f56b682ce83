//! `provider-emulator --listen 127.0.0.1:PORT`: the emulator as a process, for demos and
//! the compose file.

use clap::Parser;
use std::net::TcpListener;
use std::process::ExitCode;

/// Local stand-in for Google OAuth + Gmail and Microsoft identity + Graph mail.
#[derive(Parser)]
#[command(name = "provider-emulator", version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:14100")]
    listen: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .init();
    let listener = match TcpListener::bind(&cli.listen) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "provider-emulator: cannot listen on {}: {error}",
                cli.listen
            );
            return ExitCode::FAILURE;
        }
    };
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("provider-emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("provider-emulator listening on http://{address}");
    match runtime.block_on(provider_emulator::run(listener)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("provider-emulator: {error}");
            ExitCode::FAILURE
        }
    }
}
