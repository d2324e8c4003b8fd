//! `attrition score`: score a CSV with a saved model, streaming, with reasons.

use std::path::PathBuf;
use std::time::Instant;

use attrition::Result;
use attrition::io::output::Output;
use attrition::io::tables::Strictness;
use attrition::models::trained::TrainedModel;
use attrition::scoring::{ScoreOptions, score_csv};

mod partitioned;
mod summary;

use partitioned::partitioned;

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
    /// Default: the one the model was trained with (`train --id`), else `customer_id`.
    #[arg(long)]
    id: Option<String>,
    /// Field delimiter of the input (as for `train`); default: detected from the header line.
    #[arg(long, value_parser = crate::common::parse_delimiter_arg)]
    delimiter: Option<u8>,
    /// A value meaning "missing", like a blank cell (repeatable), besides those the model was
    /// trained with (`train --na-values`, recorded in the model file).
    #[arg(long = "na-values", value_name = "VALUE")]
    na_values: Vec<String>,
    /// Whether numbers have a decimal comma (`29,85`) in a delimited file not separated by
    /// commas; default: as in the model's training file (recorded in the model file), or as the
    /// file's first rows show (decimal commas and no decimal point). Parquet, JSON Lines and
    /// comma-separated files always have a decimal point.
    #[arg(long, value_name = "BOOL")]
    decimal_comma: Option<bool>,
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
    /// No progress output and no summary: only errors and warnings (on standard error).
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
    let mut outputs = vec![Output::file("--out", &args.out)];
    if let Some(d) = &args.drift_out {
        outputs.push(Output::file("--drift-out", d));
    }
    plan.check_outputs(&outputs)?;
    crate::output_path(&args.out);
    let model = TrainedModel::load(&args.model)?;
    let playbook = match &args.playbook {
        Some(p) => attrition::scoring::playbook::Playbook::read(p)?,
        None => attrition::scoring::playbook::Playbook::default(),
    };
    let mut options = ScoreOptions::for_model(&model);
    if let Some(id) = &args.id {
        options = options.id(id);
    }
    options.na_values.extend(args.na_values.iter().cloned());
    if let Some(d) = args.decimal_comma {
        options.decimal_comma = d;
        options.detect_decimal_comma = false;
    }
    let options = ScoreOptions {
        playbook,
        delimiter: args.delimiter,
        reasons: args.reasons,
        strictness: if args.lenient { Strictness::Lenient } else { Strictness::Strict },
        max_explain_cost: args.max_explain_cost,
        reasons_from: args.reasons_from.parse()?,
        ..options
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
    if report.rows_with_path_attribution > 0 {
        eprintln!(
            "note: reasons for {} rows come from path attribution (Saabas; XGBoost's approx_contribs), not Shapley \
             values: TreeSHAP on this model costs ~{} steps per row, over the limit of {} (--max-explain-cost; raise \
             it for Shapley values)",
            report.rows_with_path_attribution,
            model.explain_cost_per_row(),
            args.max_explain_cost
        );
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
    if report.decimal_comma_detected && !args.quiet {
        eprintln!("numbers read with decimal commas (`29,85` = 29.85), as the file's first rows write them");
    }
    if !args.quiet {
        summary::print(&report, t.elapsed().as_secs_f64(), &args.out);
    }
    Ok(())
}
