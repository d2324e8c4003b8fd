//! `attrition retention`: Kaplan–Meier retention by a study factor, with a log-rank test.

use std::path::PathBuf;

use attrition::Result;
use attrition::study::retention_study;
use attrition::survival::RetentionOptions;

/// Arguments of `attrition retention`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tables directory, or a partitioned directory written by `attrition partition` (its
    /// partitions are counted in parallel and the counts combined: the same output).
    #[arg(long)]
    tables: PathBuf,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long)]
    schema: Option<std::path::PathBuf>,
    #[command(flatten)]
    event_types: crate::common::EventTypesArgs,
    /// Group by: products_held, upsell_90d, weekly_engaged, or any customer attribute (a column of
    /// customers.csv, e.g. sales_approach, specialised_provider, plan).
    #[arg(long, default_value = "products_held")]
    by: String,
    /// Most groups an attribute keeps (1–10000): of one with more values the largest are kept
    /// and the rest merged into one group `(other)`, with a counted warning.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    max_groups: u32,
    /// Censor date: the last day the data covers (default: inferred from the tables).
    #[arg(long, value_parser = |s: &str| attrition::io::parse::parse_date(s).ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD")))]
    censor: Option<chrono::NaiveDate>,
    /// Horizon in days (1–36500).
    #[arg(long, default_value_t = 730, value_parser = crate::common::range::days())]
    horizon_days: i64,
    /// Print JSON (the censor date, every group's curve, the log-rank test) instead of the table.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let read = args.event_types.read_options(false);
    let options = RetentionOptions::default().horizon_days(args.horizon_days).max_groups(args.max_groups as usize);
    let study = match crate::common::partitioned(&args.tables, args.schema.as_deref())? {
        #[cfg(feature = "parquet")]
        Some(parts) => {
            let (study, report) =
                attrition::study::retention_study_partitioned(&parts, &args.by, args.censor, &options, &read)?;
            crate::common::warn_partitions(&report, study.data_end.as_ref());
            study
        }
        _ => {
            let loaded = crate::common::read_tables(&args.tables, args.schema.as_deref(), &read)?;
            crate::common::warn_tables(&loaded);
            if let Some(c) = &loaded.report.churn {
                eprintln!("{c}");
            }
            retention_study(&loaded.tables, &args.by, args.censor, &options)?
        }
    };
    crate::common::print_quality(&study.data_quality);
    if args.json {
        println!("{}", serde_json::to_string(&study).map_err(|e| attrition::Error::Json { path: None, source: e })?);
        return Ok(());
    }
    let (r, end, by) = (&study.retention, study.censor, study.retention.factor.as_str());
    println!("Kaplan–Meier retention by {by} at {} days (95% CI), data up to {end}:", args.horizon_days);
    for g in &r.groups {
        println!(
            "  {:<14} n={:>7}  churned={:>6}  retention {:>5.1}% [{:.1}%, {:.1}%]  median {}",
            g.label,
            g.customers,
            g.churned,
            100.0 * g.km_retention,
            100.0 * g.km_ci.0,
            100.0 * g.km_ci.1,
            g.median_days.map_or("not reached".into(), |d| format!("{d:.0} days"))
        );
    }
    if let Some(l) = &r.logrank {
        println!("log-rank test: chi² = {:.2}, p = {:.3e}", l.statistic, l.p_value);
    }
    Ok(())
}
