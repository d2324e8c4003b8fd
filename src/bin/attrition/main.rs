//! The `attrition` command-line tool.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod features;
mod inspect;
mod simulate;

/// Predict which SaaS customers will churn, explain why, and say which are worth saving.
#[derive(Debug, Parser)]
#[command(name = "attrition", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a tables directory or a flat CSV and report what was loaded (rows, skips, columns).
    Inspect(inspect::Args),
    /// Build point-in-time features: labelled observations per customer and as-of date, or a snapshot for scoring.
    Features(features::Args),
    /// Simulate a calibrated world of SMB customers and write its raw tables.
    Simulate(simulate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(a) => inspect::run(a),
        Command::Features(a) => features::run(a),
        Command::Simulate(a) => simulate::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                eprintln!("  caused by: {s}");
                src = s.source();
            }
            ExitCode::FAILURE
        }
    }
}
