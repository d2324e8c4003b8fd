//! `attrition catalogue`: discover the event catalogue (core, sticky, signal, other) from the
//! tables and write it as an editable JSON file.

use std::path::PathBuf;

use attrition::Result;
use attrition::catalogue::{CatalogueFile, DiscoveryParams, EventRole, discover};
use attrition::io::output::write_bytes;
use attrition::io::parse::parse_date;
use chrono::NaiveDate;

use crate::progress::spinner;

mod print;
use print::print;

fn date_arg(s: &str) -> std::result::Result<NaiveDate, String> {
    parse_date(s).ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD"))
}

/// Arguments of `attrition catalogue`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tables directory (customers.csv, subscriptions.csv, events.csv, nps.csv).
    #[arg(long)]
    tables: PathBuf,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long)]
    schema: Option<std::path::PathBuf>,
    #[command(flatten)]
    event_types: crate::common::EventTypesArgs,
    /// Output catalogue (JSON); edit its `role` fields and pass it to `features --event-catalogue`.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// Use data up to this day only (default: the data end), e.g. the day before an evaluation
    /// period, so that roles are chosen without knowledge of later churns.
    #[arg(long, value_parser = date_arg)]
    until: Option<NaiveDate>,
    /// Adoption window and landmark day (1–3650): adopters and non-adopters are compared among
    /// customers still active on this day after signup, from this day on.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    landmark_days: u32,
    /// Days after the landmark at which retention is compared (1–3650).
    #[arg(long, default_value_t = 180, value_parser = clap::value_parser!(u32).range(1..=3650))]
    horizon_days: u32,
    /// Smallest activity-adjusted churn risk ratio of a signal, in (0, 1000].
    #[arg(long, default_value_t = 1.25, value_parser = crate::common::range::above(0.0, 1000.0))]
    signal_min_risk_ratio: f64,
    /// Print every event type (default: the core, sticky and signal types and the 20 most
    /// used others).
    #[arg(long)]
    all: bool,
    /// Skip and count bad input rows instead of stopping at the first.
    #[arg(long)]
    lenient: bool,
    /// Print only the summary line.
    #[arg(long)]
    quiet: bool,
}

/// Runs the command.
pub fn run(a: Args) -> Result<()> {
    // The output may not be an input table, nor replace a file without --force.
    let outputs = a.force.plan().tables_input("--tables", &a.tables);
    outputs.check_file("--out", &a.out)?;
    let mut params = DiscoveryParams::new()
        .landmark_days(a.landmark_days)
        .horizon_days(a.horizon_days)
        .signal_min_risk_ratio(a.signal_min_risk_ratio);
    if let Some(d) = a.until {
        params = params.until(d);
    }
    let opts = a.event_types.read_options(a.lenient);
    let found = match crate::common::partitioned(&a.tables, a.schema.as_deref())? {
        #[cfg(feature = "parquet")]
        Some(parts) => discover_partitioned(&a, parts, &params)?,
        _ => {
            let pb = spinner(a.quiet, &format!("reading {}", a.tables.display()));
            let loaded = crate::common::read_tables(&a.tables, a.schema.as_deref(), &opts);
            pb.finish_and_clear();
            let loaded = loaded?;
            if !a.quiet {
                print!("{}", loaded.report);
            }
            let pb = spinner(a.quiet, "measuring event types");
            let found = discover(&loaded.tables, &params);
            pb.finish_and_clear();
            found?
        }
    };
    let file = CatalogueFile::from(&found);
    write_bytes(&a.out, file.to_json()?.as_bytes(), outputs.overwrite_policy())?;
    if !a.quiet {
        print(&found, a.all);
    }
    let n = |r: EventRole| found.with_role(r).len();
    println!(
        "wrote {} event types to {}: {} core, {} sticky, {} signal, {} other (edit `role` to override; then features --event-catalogue {})",
        found.entries.len(),
        a.out.display(),
        n(EventRole::Core),
        n(EventRole::Sticky),
        n(EventRole::Signal),
        n(EventRole::Other),
        a.out.display()
    );
    Ok(())
}

/// Discovery over a partitioned directory (`attrition partition`), a partition per worker: the
/// catalogue of the unpartitioned tables. Rare event types are merged into `other` when tables
/// are read, which a partition alone cannot decide: more types than `--max-event-types` is an error.
#[cfg(feature = "parquet")]
fn discover_partitioned(
    a: &Args,
    parts: attrition::partition::Partitions,
    params: &DiscoveryParams,
) -> Result<attrition::catalogue::Discovery> {
    let opts = if a.lenient {
        attrition::io::tables::ReadOptions::lenient()
    } else {
        attrition::io::tables::ReadOptions::strict()
    };
    let pb = spinner(a.quiet, &format!("reading {} (first pass)", a.tables.display()));
    let parts = attrition::features::PartitionedTables::open(parts, &opts);
    pb.finish_and_clear();
    let parts = parts?;
    if !a.quiet {
        print!("{}", parts.load_report());
    }
    let types = parts.event_types().count();
    let cap = usize::from(a.event_types.max_event_types);
    if types > cap {
        return Err(attrition::Error::param(
            "--max-event-types",
            cap,
            format!(
                "{} has {types} event types; rare types are merged into `other` when tables are read, not over \
                 partitions: give --max-event-types {types} (or more), or run on the source tables",
                a.tables.display()
            ),
        ));
    }
    let pb = spinner(a.quiet, "measuring event types, a partition per worker");
    let found = parts.discover(params);
    pb.finish_and_clear();
    found
}
