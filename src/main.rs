//! `email-manager`: parses the command line and hands over to the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    email_manager::cli::run(email_manager::cli::Cli::parse())
}
