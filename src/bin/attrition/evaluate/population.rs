//! `attrition evaluate --model-file M --tables DIR --from D --to D`: a saved model's metrics on
//! the labelled observations of a tables directory or a partitioned one (a partition per worker).

use std::path::PathBuf;

use attrition::Result;
use attrition::evaluation::population::{PopulationEvaluation, PopulationParams, evaluate_tables, population_json};
use attrition::features::Cadence;
use attrition::io::tables::ReadOptions;
use attrition::models::trained::TrainedModel;
use chrono::NaiveDate;

use crate::features::date_arg;

/// The arguments of a saved model's evaluation.
#[derive(Debug, clap::Args)]
pub struct PopulationArgs {
    /// A trained model file with its feature build (`train --feature-build`): evaluate it on the
    /// labelled observations of --tables at the as-of dates --from … --to, instead of
    /// cross-validating a model family on --data.
    #[arg(long, requires_all = ["tables", "from", "to"], conflicts_with_all = ["data", "folds", "oof_out", "model"])]
    pub model_file: Option<PathBuf>,
    /// With --model-file: a tables directory, or a partitioned one (`attrition partition`, read a
    /// partition per worker: memory of a partition per worker plus ~19 bytes per observation).
    #[arg(long, requires = "model_file")]
    pub tables: Option<PathBuf>,
    /// Schema file (TOML) of a tables directory (a partitioned directory carries its own).
    #[arg(long, requires = "tables")]
    pub schema: Option<PathBuf>,
    /// First as-of date (YYYY-MM-DD).
    #[arg(long, value_parser = date_arg, requires = "model_file")]
    pub from: Option<NaiveDate>,
    /// Last as-of date (YYYY-MM-DD), included when the cadence lands on it.
    #[arg(long, value_parser = date_arg, requires = "model_file")]
    pub to: Option<NaiveDate>,
    /// Cadence of as-of dates: `7d`, `2w`, `1m`, …
    #[arg(long, value_parser = |s: &str| s.parse::<Cadence>().map_err(|e| e.to_string()), default_value = "1m")]
    pub every: Cadence,
    /// Last day present in the data (default: inferred from the tables).
    #[arg(long, value_parser = date_arg, requires = "model_file")]
    pub data_end: Option<NaiveDate>,
}

/// Runs `evaluate --model-file`.
pub fn run(a: &PopulationArgs, model_file: &std::path::Path, json: bool, quiet: bool) -> Result<()> {
    let missing =
        |flag: &'static str| attrition::Error::param(flag, "<none>", "--model-file needs --tables, --from and --to");
    let tables = a.tables.as_ref().ok_or_else(|| missing("--tables"))?;
    let (from, to) = (a.from.ok_or_else(|| missing("--from"))?, a.to.ok_or_else(|| missing("--to"))?);
    let model = TrainedModel::load(model_file)?;
    let mut params = PopulationParams::new(from, to).every(a.every);
    params.data_end = a.data_end;
    params.check(&model)?;
    let quiet = quiet || json;
    let pb = crate::progress::spinner(quiet, &format!("reading {}", tables.display()));
    let result = evaluate(&model, tables, a.schema.as_deref(), &params, quiet);
    pb.finish_and_clear();
    let r = result?;
    if json {
        println!("{}", population_json(&model.kind.to_string(), &r));
        return Ok(());
    }
    // As-of dates the model was trained on make in-sample figures: say so (as `report` does).
    if let Some(range) = model.training.as_ref().and_then(|t| t.as_of.as_ref())
        && from <= range.last
        && to >= range.first
    {
        eprintln!(
            "warning: {} was trained on as-of dates {} to {}: the figures for as-of dates in that range are in \
             sample (the model has seen those observations); evaluate after {} for out-of-sample figures",
            model_file.display(),
            range.first,
            range.last,
            range.last
        );
    }
    let e = &r.evaluation;
    println!(
        "{} model {} on {} observations of {} ({} as-of dates {} … {}, {} partition{})",
        model.kind,
        model_file.display(),
        e.rows,
        tables.display(),
        r.as_of.len(),
        from,
        to,
        r.partitions,
        if r.partitions == 1 { "" } else { "s" }
    );
    super::print_metrics(e);
    println!("  {:<24} {:.4}", "churn rate", e.churn_rate);
    println!("ROC-AUC by as-of date:");
    for (d, f) in r.as_of.iter().zip(&e.fold_roc_auc) {
        let auc = f.roc_auc.map_or_else(|| "-".to_owned(), |a| format!("{a:.4}"));
        if f.rows == 0 {
            println!("  {d}  no observation (no active customer, or its label window runs past the data's end)");
        } else {
            println!("  {d}  {:>9} observations  {:>8} churned  ROC-AUC {auc}", f.rows, f.churned);
        }
    }
    println!("calibration ({} uniform bins): mean predicted vs observed churn", e.params.calibration_bins);
    let c = &r.calibration;
    for (k, &b) in c.bin_index.iter().enumerate() {
        println!(
            "  [{:.2}, {:.2})  {:>9} observations  predicted {:.4}  observed {:.4}",
            c.edges[b],
            c.edges[b + 1],
            c.counts[k],
            c.prob_pred[k],
            c.prob_true[k]
        );
    }
    Ok(())
}

/// The evaluation on a tables directory (read in memory) or a partitioned one.
fn evaluate(
    model: &TrainedModel,
    tables: &std::path::Path,
    schema: Option<&std::path::Path>,
    params: &PopulationParams,
    quiet: bool,
) -> Result<PopulationEvaluation> {
    #[cfg(feature = "parquet")]
    if let Some(parts) = crate::common::partitioned(tables, schema)? {
        let parts = attrition::features::PartitionedTables::open(parts, &ReadOptions::strict())?;
        if !quiet {
            print!("{}", parts.load_report());
        }
        return attrition::evaluation::population::evaluate_partitioned(model, &parts, params);
    }
    let loaded = crate::common::read_tables(tables, schema, &ReadOptions::strict())?;
    if !quiet {
        print!("{}", loaded.report);
    }
    crate::common::warn_tables(&loaded);
    evaluate_tables(model, &loaded.tables, params)
}
