//! `attrition export-xgboost`: a saved boosted-trees model as an XGBoost JSON model file.

use std::io::Write as _;
use std::path::PathBuf;

use attrition::Error;
use attrition::Result;
use attrition::export::xgboost::XgboostParams;
use attrition::models::trained::TrainedModel;

/// Arguments of `attrition export-xgboost`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file written by `attrition train` (boosted trees: `--model gbdt`, or `auto` when it
    /// chose them).
    #[arg(long)]
    model: PathBuf,
    /// Export a calibrated model without its calibrator: the file then predicts the booster's
    /// own probabilities. Without it, a Platt calibrator is folded into the trees (the file
    /// predicts the calibrated probabilities) and an isotonic one is refused.
    #[arg(long)]
    uncalibrated: bool,
    /// Output file for the XGBoost model (`-`: standard output).
    #[arg(long, default_value = "-")]
    out: PathBuf,
    #[command(flatten)]
    force: crate::common::ForceArgs,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let plan = args.force.plan().input("--model", &args.model);
    plan.check_file("--out", &args.out)?;
    crate::output_path(&args.out);
    let model = TrainedModel::load(&args.model)?;
    let export = XgboostParams::new().uncalibrated(args.uncalibrated).export(&model)?;
    let mut out = plan.create_file("--out", &args.out)?;
    out.write_all(export.json.as_bytes()).map_err(|e| Error::io("write", &args.out, e))?;
    out.commit()?;
    if export.calibrator_dropped {
        eprintln!(
            "warning: the model's calibration (every map it applies, auto's included) is not in the XGBoost file: \
             it predicts the booster's own, uncalibrated probabilities"
        );
    }
    if export.calibrator_folded {
        eprintln!(
            "the model's Platt calibrator is folded into the trees (leaf values × its slope, its intercept in the base \
             margin): XGBoost predicts the calibrated probabilities"
        );
    }
    println!(
        "wrote an XGBoost model ({} trees over {} model-matrix columns, {} of them category codes) -> {}",
        export.n_trees,
        export.feature_names.len(),
        export.categories.len(),
        args.out.display()
    );
    Ok(())
}
