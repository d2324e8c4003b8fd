//! `attrition train`: fit a model on a flat CSV and save it.

use std::path::PathBuf;
use std::time::Instant;

use attrition::models::Learner;
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
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// No progress output.
    #[arg(long)]
    quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let outputs = args.force.plan().input("--data", &args.data.data);
    outputs.check_file("--out", &args.out)?;
    crate::output_path(&args.out);
    let data = args.data.load(args.quiet)?;
    let t = Instant::now();
    let pb = crate::simulate::spinner(args.quiet, &format!("training {} on {} rows", args.model.model, data.n_rows()));
    let model = args.model.params().fit(&data)?;
    pb.finish_and_clear();
    // Validates the model, writes it through a temporary file and reads it back before the
    // file takes its name: a model that would not load is an error here, not in `score`.
    attrition::models::file::write_with(&model, &args.out, outputs.overwrite_policy())?;
    if !args.quiet {
        println!(
            "trained {} in {:.2}s; wrote {} (read back and checked)",
            model.kind,
            t.elapsed().as_secs_f64(),
            args.out.display()
        );
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
