//! `attrition uplift --tables`: the experiment from a tables folder's `campaign.csv`, compared
//! cross-fitted (and written as one flat file with `--experiment-out`).

use attrition::Result;
use attrition::experiment::{cross_fitted_targeting, estimated_acceptance, experiment_data};
use attrition::features::FeatureCatalogue;
use attrition::io::write_flat::{WriteFlatOptions, write_flat};

use super::{Args, lift_name};

/// `--tables` mode: the five targeting rules, cross-fitted on the whole experiment.
pub fn compare_on_tables(dir: &std::path::Path, args: &Args) -> Result<()> {
    if let Some(out) = &args.experiment_out {
        let mut plan = args.force.plan().tables_input("--tables", dir);
        if let Some(schema) = &args.schema {
            plan = plan.input("--schema", schema);
        }
        plan.check_file("--experiment-out", out)?;
        crate::output_path(out);
    }
    let loaded = crate::common::read_tables(dir, args.schema.as_deref(), &args.event_types.read_options(false))?;
    crate::common::warn_tables(&loaded);
    if let Some(c) = &loaded.report.churn {
        eprintln!("{c}");
    }
    let catalogue = FeatureCatalogue::standard().resolve(&loaded.tables)?;
    let exp = experiment_data(&loaded.tables, &catalogue, args.horizon_days)?;
    if let Some(out) = &args.experiment_out {
        let flat = exp.to_dataset(&args.targeting(1.0))?;
        write_flat(&flat, out, &WriteFlatOptions::default())?;
        eprintln!("wrote the experiment ({} rows) to {}", flat.n_rows(), out.display());
    }
    let x = cross_fitted_targeting(&exp, &args.model.params(), &args.targeting(1.0), args.folds, args.repeats)?;
    println!("{exp} (churned: not active {} days after the campaign)", args.horizon_days);
    println!(
        "Acceptance γ for (b), from the experiment: {:.3} (each fold uses its training rows' estimate)",
        estimated_acceptance(exp.data.churned_or_err()?, &exp.treated)
    );
    println!(
        "Best campaign profit ({}), {} models, cross-fitted ({} folds × {} seeds), mean ± s.e.:",
        lift_name(args.raw_lift),
        args.model.model,
        args.folds,
        args.repeats
    );
    print!("{x}");
    println!("Qini coefficient (mean): uplift {:.4}, churn risk {:.4}", x.qini_uplift, x.qini_churn_probability);
    Ok(())
}
