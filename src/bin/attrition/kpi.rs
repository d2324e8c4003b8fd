//! `attrition kpi`: monthly (or quarterly) SaaS KPIs from the subscription table, as CSV.

use std::path::PathBuf;

use attrition::Result;
use attrition::kpi::{KpiOptions, PeriodKind, compute_kpis, write_kpis_csv};

fn date_arg(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    attrition::io::parse::parse_date(s).ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD"))
}

/// Arguments of `attrition kpi`.
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
    /// Period: month, quarter or year.
    #[arg(long, default_value = "month", value_parser = |s: &str| PeriodKind::parse(s).map_err(|e| e.to_string()))]
    period: PeriodKind,
    /// First day to report (YYYY-MM-DD).
    #[arg(long, value_parser = date_arg)]
    from: Option<chrono::NaiveDate>,
    /// Last day to report (YYYY-MM-DD).
    #[arg(long, value_parser = date_arg)]
    to: Option<chrono::NaiveDate>,
    /// Print JSON instead of CSV.
    #[arg(long)]
    json: bool,
    /// Output CSV (default or `-`: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    force: crate::common::ForceArgs,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let plan = args.force.plan().tables_input("--tables", &args.tables);
    if let Some(p) = &args.out {
        plan.check_file("--out", p)?;
    }
    let mut options = KpiOptions::new().period(args.period);
    if let Some(d) = args.from {
        options = options.from(d);
    }
    if let Some(d) = args.to {
        options = options.to(d);
    }
    let read = args.event_types.read_options(false);
    let report = match crate::common::partitioned(&args.tables, args.schema.as_deref())? {
        #[cfg(feature = "parquet")]
        Some(parts) => {
            let r = attrition::kpi::compute_kpis_partitioned(&parts, &options, &read)?;
            crate::common::warn_partitions(&r.read, r.data_end.as_ref());
            r.report
        }
        _ => {
            let loaded = crate::common::read_tables(&args.tables, args.schema.as_deref(), &read)?;
            crate::common::warn_tables(&loaded);
            if let Some(c) = &loaded.report.churn {
                eprintln!("{c}");
            }
            compute_kpis(&loaded.tables, &options)?
        }
    };
    if args.json {
        println!("{}", serde_json::to_string(&report).map_err(|e| attrition::Error::Json { path: None, source: e })?);
        return Ok(());
    }
    match &args.out {
        Some(p) => {
            let mut sink = plan.create_file("--out", p)?;
            write_kpis_csv(&report, &mut sink)?;
            sink.commit()
        }
        None => write_kpis_csv(&report, std::io::stdout().lock()),
    }
}
