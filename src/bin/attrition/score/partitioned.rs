//! `attrition score --tables PARTS --snapshot D` (a partitioned directory).

use attrition::Result;
use attrition::models::trained::TrainedModel;
use attrition::scoring::ScoreOptions;

use super::Args;

/// `score --tables PARTS --snapshot D`: the partitioned directory's snapshot, built with the
/// model's features and scored a partition per worker, merged into --out.
#[cfg(feature = "parquet")]
pub fn partitioned(
    args: &Args,
    plan: &attrition::io::output::OutputPlan,
    tables: &std::path::Path,
    as_of: chrono::NaiveDate,
    model: &TrainedModel,
    options: &ScoreOptions,
) -> Result<attrition::scoring::ScoreReport> {
    use attrition::Error;
    use attrition::features::PartitionedTables;
    use attrition::io::tables::ReadOptions;
    use attrition::partition::Partitions;
    if !attrition::partition::is_partitioned(tables) {
        return Err(Error::param(
            "--tables",
            tables.display(),
            "not a partitioned directory (`attrition partition`); for a tables directory run `attrition features \
             --snapshot DATE --model M` and score its output with --data",
        ));
    }
    if attrition::io::write_flat::is_parquet_path(&args.out) {
        return Err(Error::param("--out", args.out.display(), "with --tables, scores are written as CSV"));
    }
    if args.id.as_deref().is_some_and(|id| id != "customer_id") || args.delimiter.is_some() {
        return Err(Error::param(
            "--id/--delimiter",
            args.id.as_deref().unwrap_or("customer_id"),
            "with --tables the snapshot's id column is customer_id",
        ));
    }
    let pb = crate::progress::spinner(args.quiet, &format!("reading {} (first pass)", tables.display()));
    let read = if args.lenient { ReadOptions::lenient() } else { ReadOptions::strict() };
    let parts = Partitions::open(tables).and_then(|p| PartitionedTables::open(p, &read));
    pb.finish_and_clear();
    let parts = parts?;
    if !args.quiet {
        print!("{}", parts.load_report());
        println!(
            "{} partitions: {} customers, {} events",
            parts.partitions().len(),
            parts.counts().customers,
            parts.counts().events
        );
    }
    let mut sink = plan.create_file("--out", &args.out)?;
    let parts = parts.run_dir(sink.scratch_dir());
    let pb = crate::progress::spinner(args.quiet, "building the snapshot and scoring, a partition per worker");
    let report = attrition::scoring::score_partitioned(model, &parts, as_of, &mut sink, options);
    pb.finish_and_clear();
    let report = report?;
    sink.commit()?;
    if !args.quiet {
        println!(
            "snapshot at {as_of}: {} of {} customers active on {}",
            report.rows_read,
            parts.counts().customers,
            as_of.pred_opt().unwrap_or(as_of)
        );
    }
    Ok(report)
}

#[cfg(not(feature = "parquet"))]
pub fn partitioned(
    _: &Args,
    _: &attrition::io::output::OutputPlan,
    _: &std::path::Path,
    _: chrono::NaiveDate,
    _: &TrainedModel,
    _: &ScoreOptions,
) -> Result<attrition::scoring::ScoreReport> {
    Err(attrition::Error::param(
        "--tables",
        "",
        "this build of attrition has no Parquet support (cargo feature `parquet`)",
    ))
}
