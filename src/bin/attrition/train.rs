//! `attrition train`: fit a model on a flat CSV and save it.

use std::path::PathBuf;
use std::time::Instant;

use attrition::Result;
use attrition::models::Learner;

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
    /// No progress output.
    #[arg(long)]
    quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let data = args.data.load(args.quiet)?;
    let t = Instant::now();
    let pb = crate::simulate::spinner(args.quiet, &format!("training {} on {} rows", args.model.model, data.n_rows()));
    let model = args.model.params().fit(&data)?;
    pb.finish_and_clear();
    model.save(&args.out)?;
    if !args.quiet {
        println!("trained {} in {:.2}s; wrote {}", model.kind, t.elapsed().as_secs_f64(), args.out.display());
        println!("top churn drivers (mean |contribution| on the training data):");
        for (name, v) in model.importance(&data)?.iter().take(10) {
            println!("  {name:<40} {v:.4}");
        }
    }
    Ok(())
}
