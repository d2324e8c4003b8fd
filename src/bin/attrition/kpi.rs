//! `attrition kpi`: monthly (or quarterly) SaaS KPIs from the subscription table, as CSV.

use std::path::PathBuf;

use attrition::Result;
use attrition::io::tables::{ReadOptions, read_tables};
use attrition::kpi::{KpiOptions, PeriodKind, compute_kpis, write_kpis_csv};

/// Arguments of `attrition kpi`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tables directory.
    #[arg(long)]
    tables: PathBuf,
    /// Period: month or quarter.
    #[arg(long, default_value = "month")]
    period: String,
    /// Output CSV (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let tables = read_tables(&args.tables, &ReadOptions::strict())?.tables;
    let report = compute_kpis(&tables, &KpiOptions::new().period(PeriodKind::parse(&args.period)?))?;
    match &args.out {
        Some(p) => write_kpis_csv(&report, std::fs::File::create(p).map_err(|e| attrition::Error::io("create", p, e))?),
        None => write_kpis_csv(&report, std::io::stdout().lock()),
    }
}
