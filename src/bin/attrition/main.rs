//! The `attrition` command-line tool.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[macro_use]
mod stdout;

mod catalogue;
mod charts;
mod common;
mod demo;
mod evaluate;
mod export_sql;
mod export_xgboost;
mod features;
mod inspect;
mod km;
mod kpi;
mod model;
#[cfg(feature = "parquet")]
mod partition;
mod progress;
mod report;
mod retention;
mod score;
mod simulate;
mod study;
mod target;
mod train;
mod uplift;

use stdout::output_path;

/// Predict which SaaS customers will churn, explain why, and say which are worth saving.
#[derive(Debug, Parser)]
#[command(name = "attrition", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole study on the bundled sample and write report/index.html.
    Demo(demo::Args),
    /// Read a tables directory or a flat CSV and report what was loaded (rows, skips, columns).
    Inspect(inspect::Args),
    /// Discover the event catalogue (core, sticky, signal, other) from the tables: an editable JSON file.
    Catalogue(catalogue::Args),
    /// Build point-in-time features: labelled observations per customer and as-of date, or a snapshot for scoring.
    Features(features::Args),
    /// Simulate a calibrated world of SMB customers and write its raw tables.
    Simulate(simulate::Args),
    /// Cross-validate a model family on a flat CSV and print out-of-fold metrics.
    Evaluate(evaluate::Args),
    /// Train a model on a flat CSV and save it (JSON).
    Train(train::Args),
    /// Score a CSV with a saved model: p_churn, risk tier and reasons per customer.
    Score(score::Args),
    /// Rank customers for a retention offer by expected profit (CLV, offer and contact costs).
    Target(target::Args),
    /// Fit and evaluate a two-model uplift learner on retention-experiment data.
    Uplift(uplift::Args),
    /// Kaplan–Meier retention by a study factor, with a log-rank test.
    Retention(retention::Args),
    /// Monthly SaaS KPIs (churn, retention, MRR movements, NRR/GRR) as CSV.
    Kpi(kpi::Args),
    /// Kaplan–Meier curves (and a log-rank test) for any duration/event CSV.
    Km(km::Args),
    /// The model part of the churn report for your own model and labelled data.
    Report(report::Args),
    /// A saved model as one SQL query computing p_churn and the risk tier in a warehouse.
    ExportSql(export_sql::Args),
    /// Write a boosted-trees model as an XGBoost JSON model file (XGBoost, shap, Treelite, BigQuery ML).
    ExportXgboost(export_xgboost::Args),
    /// Check a model file, or rehash it after a deliberate edit (`model check`, `model rehash`).
    Model(model::Args),
    /// Run the study (as `demo`) on a tables directory with the settings of a study.toml.
    Study(study::Args),
    /// Split a tables directory by customer into Parquet partitions (for data beyond memory).
    #[cfg(feature = "parquet")]
    Partition(partition::Args),
}

/// `e` with a library parameter's name (`folds`, `positive`) written as the flag the command
/// `sub` has for it (`--folds`, `--positive`), so a message names what the user can change.
fn as_flag(e: attrition::Error, sub: Option<&str>) -> attrition::Error {
    use clap::CommandFactory;
    match e {
        attrition::Error::InvalidParameter { name, value, reason } if !name.starts_with('-') => {
            let flag = name.replace('_', "-");
            let has = sub
                .and_then(|s| Cli::command().find_subcommand(s).cloned())
                .is_some_and(|c| c.get_arguments().any(|a| a.get_long() == Some(flag.as_str())));
            match has {
                // Leaked once, as the process ends: the variant holds a `&'static str`.
                true => attrition::Error::InvalidParameter { name: format!("--{flag}").leak(), value, reason },
                false => attrition::Error::InvalidParameter { name, value, reason },
            }
        }
        other => other,
    }
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command().get_matches();
    let sub = matches.subcommand_name().map(str::to_owned);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Demo(a) => demo::run(a),
        Command::Study(a) => study::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Catalogue(a) => catalogue::run(a),
        Command::Features(a) => features::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Evaluate(a) => evaluate::run(a),
        Command::Train(a) => train::run(a),
        Command::Score(a) => score::run(a),
        Command::Target(a) => target::run(a),
        Command::Uplift(a) => uplift::run(a),
        Command::Retention(a) => retention::run(a),
        Command::Kpi(a) => kpi::run(a),
        Command::Km(a) => km::run(a),
        Command::Report(a) => report::run(a),
        Command::ExportSql(a) => export_sql::run(a),
        Command::ExportXgboost(a) => export_xgboost::run(a),
        Command::Model(a) => model::run(a),
        #[cfg(feature = "parquet")]
        Command::Partition(a) => partition::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // Output streamed to a reader that stopped reading (`attrition kpi … | head`): done.
        Err(attrition::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let e = as_flag(e, sub.as_deref());
            eprintln!("error: {e}");
            // Causes the message does not already quote (an I/O error's text usually is in it).
            let mut shown = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                let text = s.to_string();
                if !shown.contains(&text) {
                    eprintln!("  caused by: {text}");
                    shown.push_str(&text);
                }
                src = s.source();
            }
            ExitCode::FAILURE
        }
    }
}
