//! `attrition train`: fit a model on a flat CSV and save it.

use std::path::PathBuf;
use std::time::Instant;

use attrition::models::artifact::FeatureBuild;
use attrition::models::calibration::CalibrationMethod;
use attrition::models::train::TrainParams;
use attrition::{Error, Result};

use crate::common::{DataArgs, ModelArgs};

/// Arguments of `attrition train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Where to write the model (JSON).
    #[arg(long)]
    out: PathBuf,
    /// How the data's features were built (`attrition features --save-build`): stored in the
    /// model, so `features --snapshot --model` rebuilds exactly its features and `target` knows
    /// its label window.
    #[arg(long)]
    feature_build: Option<PathBuf>,
    /// Folds of the cross-validation whose metrics the model file records (0: none).
    #[arg(long, default_value_t = 5, value_parser = folds_arg)]
    cv_folds: usize,
    /// Calibrate the probabilities on out-of-fold predictions (platt or isotonic); the model
    /// file carries the calibrator and `score`/`target` use calibrated probabilities. With
    /// `--model auto` it replaces the Platt map auto may keep for its winner.
    #[arg(long)]
    calibrate: Option<CalibrationArg>,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// No progress output and no summary: only errors and warnings (on standard error).
    #[arg(long)]
    quiet: bool,
}

fn folds_arg(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(k) if k == 0 || (2..=100).contains(&k) => Ok(k),
        _ => Err(format!("`{s}` is not 0 (no cross-validation) or a number of folds from 2 to 100")),
    }
}

/// `--calibrate`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CalibrationArg {
    Platt,
    Isotonic,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let mut outputs = args.force.plan().input("--data", &args.data.data);
    if let Some(b) = &args.feature_build {
        outputs = outputs.input("--feature-build", b);
    }
    outputs.check_file("--out", &args.out)?;
    crate::output_path(&args.out);
    let build = match &args.feature_build {
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| Error::io("read", p, e))?;
            Some(FeatureBuild::from_json(&bytes, Some(p))?)
        }
        None => None,
    };
    let attrition::io::flat::LoadedFlat { dataset: data, report } = args.data.load_flat(args.quiet)?;
    let quality = attrition::io::quality::DataQuality::from_flat(&report);
    let t = Instant::now();
    let (pb, hook) =
        crate::progress::fit_bar(args.quiet, 0, &format!("{} on {} rows", args.model.model, data.n_rows()));
    let mut params = args.model.params();
    params.progress = hook;
    let mut train = TrainParams::new(params, args.model.seed);
    train.cv_folds = args.cv_folds;
    train.calibration = args.calibrate.map(|m| match m {
        CalibrationArg::Platt => CalibrationMethod::Platt,
        CalibrationArg::Isotonic => CalibrationMethod::Isotonic,
    });
    train.feature_build = build;
    let model = train.fit(&data);
    pb.finish_and_clear();
    // The cross-validation's fold count is `--cv-folds` here (`--folds` is evaluate's).
    let mut model = model.map_err(|e| match e {
        attrition::Error::InvalidParameter { name: "folds" | "cv_folds", value, reason } => {
            attrition::Error::InvalidParameter { name: "--cv-folds", value, reason }
        }
        other => other,
    })?;
    model.data_quality = quality;
    // How the file was read (id column, missing-value markers), so `score` reads its input alike.
    model.input = attrition::models::trained::TrainingInput::of(&args.data.options());
    model.input.decimal_comma = report.decimal_comma;
    // Validates the model, writes it through a temporary file and reads it back before the
    // file takes its name: a model that would not load is an error here, not in `score`.
    attrition::models::file::write_with(&model, &args.out, outputs.overwrite_policy())?;
    if !args.quiet {
        println!(
            "trained {}{} in {:.2}s; wrote {} (read back and checked)",
            match &model.selection {
                Some(sel) => format!("auto: {} ({})", sel.chosen, model.kind),
                None => model.kind.to_string(),
            },
            if model.calibrator.is_some() { " (calibrated)" } else { "" },
            t.elapsed().as_secs_f64(),
            args.out.display()
        );
        if let Some(cv) = model.training.and_then(|t| t.cv) {
            println!(
                "{}-fold cross-validation{} (out of sample, recorded in the model): ROC-AUC {:.4}, PR-AUC {:.4}, log-loss {:.4}, Brier {:.4}",
                cv.folds,
                if args.calibrate.is_some() { " of the uncalibrated model" } else { "" },
                cv.roc_auc,
                cv.pr_auc,
                cv.log_loss,
                cv.brier
            );
        }
        if let Some(w) = model.label_window() {
            println!(
                "label window recorded: churn {}–{} days after the as-of date",
                w.lead_days,
                w.lead_days + w.horizon_days
            );
        }
        if let Some(sel) = &model.selection {
            crate::evaluate::print_selections(&[sel]);
        }
        match model.importance(&data) {
            Ok(drivers) => {
                println!("top churn drivers (mean |contribution| on the training data):");
                for (name, v) in drivers.iter().take(10) {
                    println!("  {name:<40} {v:.4}");
                }
            }
            Err(e @ Error::ExplainTooCostly { .. }) => println!("top churn drivers not available: {e}"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
