//! `attrition score`: score a CSV with a saved model, streaming, with reasons.

use std::path::PathBuf;
use std::time::Instant;

use attrition::Result;
use attrition::io::tables::Strictness;
use attrition::models::trained::TrainedModel;
use attrition::scoring::{ScoreOptions, score_csv};

/// Arguments of `attrition score`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file written by `attrition train`.
    #[arg(long)]
    model: PathBuf,
    /// CSV with the model's feature columns (extra columns are ignored; `-`: standard input).
    #[arg(long, required_unless_present = "tables", conflicts_with = "tables")]
    data: Option<PathBuf>,
    /// Instead of --data: a partitioned directory (`attrition partition`) whose snapshot at
    /// --snapshot is built with the model's features (its feature build) and scored, a partition
    /// per worker, streaming; the same output as `features --snapshot --model` then `score --data`.
    #[arg(long, requires = "snapshot")]
    tables: Option<PathBuf>,
    /// With --tables: score the customers active on the day before this date (YYYY-MM-DD).
    #[arg(long, requires = "tables", value_parser = crate::features::date_arg)]
    snapshot: Option<chrono::NaiveDate>,
    /// Output CSV: customer_id, p_churn, risk_tier, reason_1..k (feature names),
    /// reason_1_text..reason_k_text (in words), action (`-`: standard output). It appears only when
    /// scoring succeeded.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// Id column of the input; `none`: the input has none, rows are numbered 1, 2, … in the output.
    #[arg(long, default_value = "customer_id")]
    id: String,
    /// Field delimiter of the input (as for `train`); default: detected from the header line.
    #[arg(long, value_parser = crate::common::parse_delimiter_arg)]
    delimiter: Option<u8>,
    /// Reasons per customer (0 = none, faster; at most 100).
    #[arg(long, default_value_t = 3, value_parser = crate::common::range::count(0, attrition::scoring::MAX_REASONS as u64))]
    reasons: usize,
    /// Lowest risk tier that gets reasons (low, medium, high); the default leaves the low tier
    /// without reasons.
    #[arg(long, default_value = "medium", value_parser = clap::builder::PossibleValuesParser::new(["low", "medium", "high"]))]
    reasons_from: String,
    /// Playbook file (TOML: an `action` per reason family) for the `action` column; default:
    /// the built-in playbook.
    #[arg(long)]
    playbook: Option<PathBuf>,
    /// Most explanation work per row (TreeSHAP steps, see `attrition model check`) before
    /// reasons are written as not_available; raise it to explain a very large forest anyway
    /// (any whole number 0–2⁶⁴ − 1; 0: never explain, the largest: no limit).
    #[arg(long, default_value_t = attrition::models::validate::MAX_EXPLAIN_COST_PER_ROW)]
    max_explain_cost: u64,
    /// Write every record (with --tables also: skip and count bad input rows of the tables): one that cannot be scored (a bad value, a wrong field count, invalid
    /// UTF-8, a field over 64 KiB) gets an empty score, tier `unscored` and its reason in an extra
    /// last column `score_error`; they are counted. Without it the first such record stops the
    /// command and nothing is written.
    #[arg(long)]
    lenient: bool,
    /// Drift table: the population stability index of the score and of every feature against
    /// the model's training profile, one row per bin (CSV; JSON when the name ends in `.json`).
    /// Features with PSI ≥ 0.1 are listed on standard error either way.
    #[arg(long)]
    drift_out: Option<PathBuf>,
    /// No progress output.
    #[arg(long)]
    quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let plan = match (&args.data, &args.tables) {
        (Some(d), _) => args.force.plan().input("--data", d),
        (None, Some(t)) => args.force.plan().tables_input("--tables", t),
        (None, None) => {
            return Err(attrition::Error::param("--data", "<none>", "give --data, or --tables and --snapshot"));
        }
    };
    let plan = plan.input("--model", &args.model);
    plan.check_file("--out", &args.out)?;
    if let Some(d) = &args.drift_out {
        if d == &args.out {
            return Err(attrition::Error::param("--drift-out", d.display(), "must differ from --out"));
        }
        plan.clone().input("--out", &args.out).check_file("--drift-out", d)?;
    }
    crate::output_path(&args.out);
    let model = TrainedModel::load(&args.model)?;
    let playbook = match &args.playbook {
        Some(p) => attrition::scoring::playbook::Playbook::read(p)?,
        None => attrition::scoring::playbook::Playbook::default(),
    };
    let options = ScoreOptions {
        playbook,
        row_ids: args.id.eq_ignore_ascii_case("none"),
        id_column: args.id.clone(),
        delimiter: args.delimiter,
        reasons: args.reasons,
        strictness: if args.lenient { Strictness::Lenient } else { Strictness::Strict },
        max_explain_cost: args.max_explain_cost,
        reasons_from: args.reasons_from.parse()?,
        ..ScoreOptions::default()
    };
    let t = Instant::now();
    let report = match (&args.data, &args.tables, args.snapshot) {
        (Some(data), _, _) => {
            let pb = crate::progress::spinner(args.quiet, "scoring");
            let report = score_csv(&model, data, &args.out, &options, |n| pb.set_message(format!("scored {n} rows")))?;
            pb.finish_and_clear();
            report
        }
        (None, Some(tables), Some(as_of)) => partitioned(&args, &plan, tables, as_of, &model, &options)?,
        _ => return Err(attrition::Error::param("--snapshot", "<none>", "--tables needs --snapshot DATE")),
    };
    match &report.drift {
        Some(drift) => {
            for line in drift.warning_lines(10) {
                eprintln!("warning: {line}");
            }
            if let Some(path) = &args.drift_out {
                drift.write(path, plan.overwrite_policy())?;
            }
        }
        None if model.profile.is_none() => {
            eprintln!("note: drift not available (model file has no training profile; retrain)");
        }
        None => {}
    }
    if report.rows_without_reasons > 0 {
        eprintln!(
            "warning: reasons not available for {} rows (written as not_available): explaining this model costs \
             ~{} steps per row, over the limit of {} (--max-explain-cost)",
            report.rows_without_reasons,
            model.explain_cost_per_row(),
            args.max_explain_cost
        );
    }
    if !args.quiet {
        let secs = t.elapsed().as_secs_f64();
        println!(
            "scored {} of {} rows in {:.2}s ({:.0} rows/s) -> {}",
            report.rows_scored,
            report.rows_read,
            secs,
            report.rows_read as f64 / secs.max(1e-9),
            args.out.display()
        );
        println!("risk tiers: {} high, {} medium, {} low", report.tiers[0], report.tiers[1], report.tiers[2]);
        if report.rows_unscored > 0 {
            let reasons: Vec<String> = report.unscored_by_reason.iter().map(|(k, v)| format!("{v} {k}")).collect();
            println!(
                "{} rows written unscored, reason in column score_error ({}; {} of them unreadable records)",
                report.rows_unscored,
                reasons.join(", "),
                report.rows_unreadable
            );
            for e in &report.examples {
                println!("  {e}");
            }
        }
        if report.unseen_categories > 0 {
            println!(
                "{} categorical values were not seen in training (scored as the baseline)",
                report.unseen_categories
            );
        }
    }
    Ok(())
}

/// `score --tables PARTS --snapshot D`: the partitioned directory's snapshot, built with the
/// model's features and scored a partition per worker, merged into --out.
#[cfg(feature = "parquet")]
fn partitioned(
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
    if args.id != "customer_id" || args.delimiter.is_some() {
        return Err(Error::param(
            "--id/--delimiter",
            &args.id,
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
fn partitioned(
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
