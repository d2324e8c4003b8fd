//! `attrition model`: check a model file, or rehash it after a deliberate edit.

use std::path::PathBuf;

use attrition::Result;
use attrition::models::file;
use attrition::models::trained::TrainedModel;
use attrition::models::validate::MAX_EXPLAIN_COST_PER_ROW;

/// Arguments of `attrition model`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check a model file (schema version, checksum, that its parts agree) and say what it holds.
    Check {
        /// Model file written by `attrition train`.
        #[arg(long)]
        model: PathBuf,
    },
    /// Validate a model file and rewrite it with the checksum of what it holds: after editing it
    /// by hand on purpose, or to upgrade a file of schema version 1 (no checksum).
    Rehash {
        /// Model file to check and rewrite in place.
        #[arg(long)]
        model: PathBuf,
    },
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Check { model } => {
            let m = TrainedModel::load(&model)?;
            println!(
                "{}: a valid {} model of schema version {}, {} features, trained on {} rows (churn rate {:.4}); {}",
                model.display(),
                m.kind,
                m.schema_version,
                m.features.len(),
                m.training_rows,
                m.training_churn_rate,
                file::checksum(&m)?
            );
            match &m.feature_build {
                Some(b) => println!(
                    "  feature build: {} catalogue columns; label window: churn {}–{} days after the as-of date",
                    b.catalogue.specs.len(),
                    b.label.lead_days,
                    b.label.lead_days + b.label.horizon_days
                ),
                None => println!("  feature build: none (features built elsewhere; no label window recorded)"),
            }
            if let Some(c) = &m.calibrator {
                let by_auto = m.selection.as_ref().is_some_and(|s| s.calibrator.as_ref() == Some(c));
                let whose = if by_auto {
                    "auto's map of its winner's inner out-of-fold predictions"
                } else {
                    "train --calibrate"
                };
                match c {
                    attrition::models::calibration::Calibrator::Platt { a, b } => {
                        println!("  calibrated (platt: σ({a:.3} × log-odds {b:+.3}); {whose})")
                    }
                    attrition::models::calibration::Calibrator::Isotonic { x, .. } => {
                        println!("  calibrated (isotonic, {} knots; {whose})", x.len())
                    }
                }
            }
            if let Some(t) = &m.training {
                if let Some(r) = &t.as_of {
                    println!("  trained on as-of dates {} to {}", r.first, r.last);
                }
                if let Some(cv) = &t.cv {
                    println!(
                        "  {}-fold cross-validation: ROC-AUC {:.4}, PR-AUC {:.4}, log-loss {:.4}, Brier {:.4}",
                        cv.folds, cv.roc_auc, cv.pr_auc, cv.log_loss, cv.brier
                    );
                }
            }
            let cost = m.explain_cost_per_row();
            if cost > MAX_EXPLAIN_COST_PER_ROW {
                println!(
                    "reasons not available: explaining costs ~{cost} steps per row, over the limit of {MAX_EXPLAIN_COST_PER_ROW}"
                );
            }
        }
        Command::Rehash { model } => {
            let r = file::rehash(&model)?;
            let was = match (&r.checksum_was, r.changed()) {
                (None, _) => "had no checksum".to_string(),
                (Some(_), false) => "already had this checksum".to_string(),
                (Some(c), true) => format!("had checksum {c}"),
            };
            println!(
                "{}: valid; {was} (schema version {}); now schema version {} with checksum {}",
                model.display(),
                r.schema_version_was,
                attrition::models::trained::SCHEMA_VERSION,
                r.checksum
            );
        }
    }
    Ok(())
}
